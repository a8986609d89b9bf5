-- Issue 11, moderation actions: warn, hide, delete, time out, kick, ban — recorded in a log
-- per member and, where the platform's API allows, carried out through the outbox.

-- What a 'moderate' item does, as JSON: {"action", "message", "user", "until", "reason"}
-- (platform ids). Its `body` says it in words for the outbox list.
ALTER TABLE outbox ADD COLUMN moderation TEXT;
-- (Added before the CHECK is edited below: SQLite's ADD COLUMN writes into the table's SQL
-- text at the place it parsed, so the text must not change under it first.)

-- The outbox carries moderation actions as well as replies and posts. Its kind CHECK gains
-- 'moderate', edited in place as schema 8 did for conversations (SQLite documents this for
-- loosening a CHECK: https://sqlite.org/lang_altertable.html#otheralter); the migration's
-- hook bumps the schema version so every open connection reads it again.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (kind IN (''reply'', ''post''))',
                          'CHECK (kind IN (''reply'', ''post'', ''moderate''))')
 WHERE type = 'table' AND name = 'outbox';
PRAGMA writable_schema = OFF;

-- The moderation log: one row per action on one account of a person (the member is read
-- through `identities.member_id`, so the log follows merges and unmerges). `how` is
-- 'platform' (sent through the outbox, `outbox_id`) or 'hand' (done by the moderator on the
-- platform itself, or nothing to send: a warning given in person). `excerpt` keeps the
-- message as it read when the action was taken, `link` where it was.
CREATE TABLE mod_actions (
    id              INTEGER PRIMARY KEY,
    identity_id     INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    message_id      INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    flag_id         INTEGER REFERENCES mod_flags (id) ON DELETE SET NULL,
    action          TEXT    NOT NULL CHECK (action IN ('warn', 'hide', 'delete', 'timeout',
                                                       'kick', 'ban')),
    reason          TEXT    NOT NULL,
    guideline       TEXT,
    by_name         TEXT    NOT NULL,
    until           INTEGER,
    how             TEXT    NOT NULL CHECK (how IN ('platform', 'hand')),
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
    outbox_id       INTEGER,
    error           TEXT,
    excerpt         TEXT,
    link            TEXT,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER
);
CREATE INDEX mod_actions_by_identity ON mod_actions (identity_id, created_at DESC);
CREATE INDEX mod_actions_by_time ON mod_actions (created_at DESC);
CREATE INDEX mod_actions_by_outbox ON mod_actions (outbox_id) WHERE outbox_id IS NOT NULL;

-- When a moderation item (or a warning sent as a reply) is carried out or refused, in
-- whichever process sent it: the log says so, and a deleted message is marked deleted at once
-- (its text is kept, as for any deletion) rather than at the next sync.
CREATE TRIGGER outbox_settles_moderation AFTER UPDATE OF state ON outbox
WHEN new.state IN ('sent', 'failed', 'queued')
 AND (new.kind = 'moderate' OR EXISTS (SELECT 1 FROM mod_actions WHERE outbox_id = new.id))
BEGIN
    UPDATE mod_actions
       SET state = CASE new.state WHEN 'sent' THEN 'done' WHEN 'failed' THEN 'failed' ELSE 'queued' END,
           error = CASE new.state WHEN 'sent' THEN NULL ELSE new.last_error END,
           done_at = CASE new.state WHEN 'sent' THEN new.sent_at ELSE NULL END
     WHERE outbox_id = new.id;
    UPDATE messages SET deleted_at = new.sent_at
     WHERE new.state = 'sent' AND deleted_at IS NULL
       AND id IN (SELECT message_id FROM mod_actions
                   WHERE outbox_id = new.id AND action = 'delete');
END;

-- Withdrawing a queued action from the outbox withdraws it from the log as well.
CREATE TRIGGER outbox_withdraws_moderation AFTER DELETE ON outbox
WHEN old.state <> 'sent'
 AND (old.kind = 'moderate' OR EXISTS (SELECT 1 FROM mod_actions WHERE outbox_id = old.id))
BEGIN
    DELETE FROM mod_actions WHERE outbox_id = old.id AND state <> 'done';
END;
