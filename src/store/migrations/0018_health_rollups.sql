-- Issue 11: the Dashboard's figures from roll-ups, not from a period's messages. At a million
-- messages, reading a month's messages (and their threads) took 4-12 s against a 300 ms
-- target. These tables hold, per UTC day, who wrote where and how it read, and per question
-- what came of it, so a period's figures are a read of a few hundred rows.
--
-- Messages are never counted by triggers here: a change only notes which day and
-- conversation it touched (`health_dirty`), in the transaction that makes it, so every writer
-- (the app, the command line, an erasure, a removed account) leaves the roll-ups knowingly
-- stale. `Store::refresh_rollups` (after each sync, and before figures are read) works those
-- days and conversations out again from their messages. Edits and deletions are noted by the
-- triggers below; new messages by ingest itself, a batch at a time (a trigger on every
-- insert cost a tenth of ingest's rate), and an import marks everything.
--
-- Accounts and people are not resolved here: the roll-ups name identities, and who is one
-- person or on the team is read when the figures are, so a merge, an unmerge or a change of
-- team changes no roll-up.

-- Days and conversations whose messages changed since the roll-ups were worked out.
CREATE TABLE health_dirty (
    day             INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    PRIMARY KEY (day, conversation_id)
) WITHOUT ROWID;

-- One row per UTC day, platform and channel (the conversation's container, or its title), for
-- the messages there that are not deleted and not the account's own. `writers` holds, for each
-- identity that wrote, 24 bytes little-endian: identity id (i64), messages (u32), messages
-- with a sentiment score (u32), the sum of their scores (f64); ordered by identity.
CREATE TABLE health_days (
    day      INTEGER NOT NULL,
    platform TEXT    NOT NULL,
    channel  TEXT    NOT NULL,
    writers  BLOB    NOT NULL,
    PRIMARY KEY (day, platform, channel)
) WITHOUT ROWID;

-- When each identity first wrote (a message not deleted, not the account's own), and where:
-- who is new.
CREATE TABLE health_firsts (
    identity_id INTEGER PRIMARY KEY,
    first_at    INTEGER NOT NULL,
    platform    TEXT    NOT NULL
);
CREATE INDEX health_firsts_by_time ON health_firsts (first_at);

-- One row per question (`health::metrics` defines one), with what came after it: `later`
-- holds, for each later message by another identity that could answer it (in a thread, every
-- later message; in a channel, the replies to it), 17 bytes little-endian: identity id (i64),
-- when (i64), the account's own (u8); in time order. `asker_last_at` is the asker's own last
-- message after it there (for whether they acknowledged an answer).
-- Kept in time order, as a period reads them.
CREATE TABLE health_questions (
    at              INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    platform        TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    asker           INTEGER NOT NULL,
    asker_last_at   INTEGER,
    later           BLOB    NOT NULL,
    PRIMARY KEY (at, message_id)
) WITHOUT ROWID;
CREATE INDEX health_questions_by_conversation ON health_questions (conversation_id, at);

-- Everything synced so far is worked out by the first refresh.
INSERT INTO health_dirty (day, conversation_id)
SELECT DISTINCT created_at - created_at % 86400000, conversation_id FROM messages;

CREATE TRIGGER health_dirty_delete AFTER DELETE ON messages BEGIN
    INSERT OR IGNORE INTO health_dirty (day, conversation_id)
    VALUES (old.created_at - old.created_at % 86400000, old.conversation_id);
END;

-- Only what the roll-ups read: an edit that leaves the text, time and author alone (a new
-- HTML rendering, a URL) marks nothing.
CREATE TRIGGER health_dirty_update AFTER UPDATE ON messages
WHEN old.created_at IS NOT new.created_at OR old.deleted_at IS NOT new.deleted_at
  OR old.sentiment IS NOT new.sentiment OR old.author_identity_id IS NOT new.author_identity_id
  OR old.conversation_id IS NOT new.conversation_id OR old.from_us IS NOT new.from_us
  OR old.reply_to_external_id IS NOT new.reply_to_external_id
  OR old.body_text IS NOT new.body_text
BEGIN
    INSERT OR IGNORE INTO health_dirty (day, conversation_id)
    VALUES (old.created_at - old.created_at % 86400000, old.conversation_id);
    INSERT OR IGNORE INTO health_dirty (day, conversation_id)
    VALUES (new.created_at - new.created_at % 86400000, new.conversation_id);
END;

-- A conversation moved to another channel (or renamed, when its title names it).
CREATE TRIGGER health_dirty_channel AFTER UPDATE OF container, title ON conversations
WHEN old.container IS NOT new.container
  OR (new.container IS NULL AND old.title IS NOT new.title)
BEGIN
    INSERT OR IGNORE INTO health_dirty (day, conversation_id)
    SELECT DISTINCT created_at - created_at % 86400000, conversation_id
      FROM messages WHERE conversation_id = new.id;
END;
