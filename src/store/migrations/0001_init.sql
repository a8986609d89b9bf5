-- Hearth schema 1: the foundation.
-- Times are unix milliseconds (UTC). Platform ids are TEXT (`external_id`); Hearth's ids are its own.
-- Shipped migrations are never edited: add a new numbered file instead.

-- A connection to a platform. Never holds a token: secrets live in the OS keyring.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    base_url    TEXT,
    -- the account's own identity on the platform (its messages are "from us")
    self_external_id TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (platform, name)
);

-- One person, merged from their identities.
CREATE TABLE members (
    id             INTEGER PRIMARY KEY,
    display_name   TEXT    NOT NULL,
    organization   TEXT,
    location       TEXT,
    bio            TEXT,
    avatar_url     TEXT,
    first_seen_at  INTEGER,
    last_active_at INTEGER,
    message_count  INTEGER NOT NULL DEFAULT 0,
    -- the community team's own accounts: their messages are "from us", and they are not
    -- listed among the members
    is_team        INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX members_by_last_active ON members (is_team, last_active_at DESC);

-- A member's account on one platform, with the profile evidence it gave us.
CREATE TABLE identities (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    platform      TEXT    NOT NULL,
    external_id   TEXT    NOT NULL,
    handle        TEXT    NOT NULL,
    display_name  TEXT,
    email         TEXT,
    profile_url   TEXT,
    avatar_url    TEXT,
    raw           TEXT,
    first_seen_at INTEGER,
    UNIQUE (platform, account_id, external_id)
);
CREATE INDEX identities_by_member ON identities (member_id);
CREATE INDEX identities_by_email ON identities (email COLLATE NOCASE) WHERE email IS NOT NULL;

-- A thread, channel, topic, issue… on a platform, with its triage state.
CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    platform          TEXT    NOT NULL,
    external_id       TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    title             TEXT,
    container         TEXT,
    url               TEXT,
    created_at        INTEGER NOT NULL,
    -- denormalised from the newest message, so the inbox reads one row per conversation
    last_message_at   INTEGER NOT NULL,
    last_message_id   INTEGER,
    message_count     INTEGER NOT NULL DEFAULT 0,
    -- triage state
    status            TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'snoozed', 'done')),
    priority          INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    snoozed_until     INTEGER,
    assignee          TEXT,
    triaged_at        INTEGER,
    UNIQUE (platform, account_id, external_id)
);
CREATE INDEX conversations_by_status ON conversations (status, last_message_at DESC, id DESC);
CREATE INDEX conversations_by_snooze ON conversations (snoozed_until, id) WHERE status = 'snoozed';

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    platform            TEXT    NOT NULL,
    external_id         TEXT    NOT NULL,
    author_identity_id  INTEGER NOT NULL REFERENCES identities (id),
    body_text           TEXT    NOT NULL,
    -- sanitised by the core (ammonia) before it is written; NULL when the platform gave plain text
    body_html           TEXT,
    created_at          INTEGER NOT NULL,
    edited_at           INTEGER,
    deleted_at          INTEGER,
    reply_to_external_id TEXT,
    url                 TEXT,
    from_us             INTEGER NOT NULL DEFAULT 0,
    mentions_us         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (platform, account_id, external_id)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at);
CREATE INDEX messages_by_author ON messages (author_identity_id, created_at DESC);

CREATE TABLE tags (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE COLLATE NOCASE
);

CREATE TABLE conversation_tags (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tag_id          INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX conversation_tags_by_tag ON conversation_tags (tag_id);

CREATE TABLE member_tags (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, tag_id)
) WITHOUT ROWID;

-- What members did, for the profile timeline and engagement.
CREATE TABLE member_activity (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    identity_id     INTEGER NOT NULL REFERENCES identities (id),
    platform        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    occurred_at     INTEGER NOT NULL,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      INTEGER REFERENCES messages (id) ON DELETE CASCADE
);
CREATE INDEX member_activity_by_member ON member_activity (member_id, occurred_at DESC);
CREATE INDEX member_activity_by_message ON member_activity (message_id);

-- Private Markdown notes about a member, written by the community team.
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX notes_by_member ON notes (member_id, updated_at DESC);

-- The content calendar.
CREATE TABLE calendar_items (
    id                     INTEGER PRIMARY KEY,
    title                  TEXT    NOT NULL,
    body                   TEXT    NOT NULL DEFAULT '',
    state                  TEXT    NOT NULL CHECK (state IN ('idea', 'draft', 'scheduled', 'published', 'failed')),
    scheduled_at           INTEGER,
    published_at           INTEGER,
    source_conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE INDEX calendar_items_by_schedule ON calendar_items (scheduled_at);

CREATE TABLE calendar_variants (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES calendar_items (id) ON DELETE CASCADE,
    platform    TEXT    NOT NULL,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    body        TEXT    NOT NULL,
    external_id TEXT,
    UNIQUE (item_id, platform)
);

-- Where each account's sync stopped, per resource (channel, room, repo…).
CREATE TABLE sync_cursors (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    resource   TEXT    NOT NULL,
    cursor     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, resource)
) WITHOUT ROWID;

-- Replies and posts waiting to be sent, each exactly once.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id  INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    calendar_item_id INTEGER REFERENCES calendar_items (id) ON DELETE SET NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('reply', 'post')),
    body             TEXT    NOT NULL,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    state            TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    external_id      TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX outbox_by_state ON outbox (state, created_at);

-- Full-text search over messages and notes (external content: the tables are the source of truth).
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body_text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body_text) VALUES (new.id, new.body_text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body_text) VALUES ('delete', old.id, old.body_text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body_text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body_text) VALUES ('delete', old.id, old.body_text);
    INSERT INTO messages_fts (rowid, body_text) VALUES (new.id, new.body_text);
END;

CREATE VIRTUAL TABLE notes_fts USING fts5 (
    body,
    content = 'notes',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER notes_fts_update AFTER UPDATE OF body ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO notes_fts (rowid, body) VALUES (new.id, new.body);
END;

-- Finding members by name, handle, email or organisation; one row per member, kept by the core.
CREATE VIRTUAL TABLE members_fts USING fts5 (
    words,
    tokenize = 'unicode61 remove_diacritics 2'
);
