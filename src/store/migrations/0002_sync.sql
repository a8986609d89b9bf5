-- Hearth schema 2: connected accounts, sync state, message history, the outbox's attempts.
-- Shipped migrations are never edited: add a new numbered file instead.

-- What an account syncs (guild, repositories, rooms, hashtags…) as JSON; never a secret.
ALTER TABLE accounts ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
-- The handle the token authenticates as, shown in Settings → Accounts.
ALTER TABLE accounts ADD COLUMN self_handle TEXT;
-- The outcome of the last sync, in words for the user; NULL error = it went well.
ALTER TABLE accounts ADD COLUMN last_sync_at INTEGER;
ALTER TABLE accounts ADD COLUMN last_attempt_at INTEGER;
ALTER TABLE accounts ADD COLUMN last_error TEXT;
ALTER TABLE accounts ADD COLUMN last_error_kind TEXT;
-- The demo community's accounts: sample data, never synced.
ALTER TABLE accounts ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;

-- The text a message had before each edit (or before a deletion blanked it on the platform).
CREATE TABLE message_revisions (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    body_text   TEXT    NOT NULL,
    body_html   TEXT,
    edited_at   INTEGER,
    replaced_at INTEGER NOT NULL
);
CREATE INDEX message_revisions_by_message ON message_revisions (message_id, id);

-- Every time a message's text changes, the old text is kept.
CREATE TRIGGER messages_keep_revision AFTER UPDATE OF body_text ON messages
WHEN old.body_text IS NOT new.body_text
BEGIN
    INSERT INTO message_revisions (message_id, body_text, body_html, edited_at, replaced_at)
    VALUES (old.id, old.body_text, old.body_html, old.edited_at,
            coalesce(new.edited_at, new.deleted_at, old.created_at));
END;

-- Outbox: what a reply answers, when the last attempt started, where the sent message lives.
ALTER TABLE outbox ADD COLUMN reply_to_external_id TEXT;
ALTER TABLE outbox ADD COLUMN title TEXT;
ALTER TABLE outbox ADD COLUMN attempted_at INTEGER;
ALTER TABLE outbox ADD COLUMN url TEXT;

-- This database's own id: the OS keyring files each account's token under it, so two Hearth
-- databases (or a test run beside a real workspace) never read each other's tokens.
CREATE TABLE workspace (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    uid TEXT    NOT NULL
);
INSERT INTO workspace (id, uid) VALUES (1, lower(hex(randomblob(16))));
