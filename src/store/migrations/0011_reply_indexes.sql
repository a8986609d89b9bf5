-- Issue 9: ingest works out, for every conversation a batch touches, when the team last
-- replied, what is unanswered since, and whether anyone mentioned the account. Through
-- messages_by_conversation each of those read every message of the thread to look at its
-- from_us or mentions_us; these partial indexes hold only the team's messages and the
-- mentions, so each is one seek, and cost nothing for the other messages written.
CREATE INDEX messages_from_team ON messages (conversation_id, created_at) WHERE from_us = 1;
CREATE INDEX messages_mentioning_us ON messages (conversation_id) WHERE mentions_us = 1;

-- Send later: a reply (or post) queued now is not claimed before this time (NULL: at once).
ALTER TABLE outbox ADD COLUMN send_after INTEGER;

-- Ingest indexes a batch's new messages for search in one statement (`ingest.rs`) instead of
-- a trigger per row: every statement with a trigger opens a savepoint, and FTS5 writes its
-- pending terms to disk at each savepoint, so a trigger per message made a tiny segment per
-- message for automerge to merge again (4x slower in a measure of 40k messages). Edits and
-- deletions keep their triggers.
DROP TRIGGER messages_fts_insert;
