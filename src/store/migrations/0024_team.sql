-- Issue 13, teams: several community managers share triage through Automerge documents synced
-- by a relay the team runs. Only the team's working state is shared; messages, members and
-- tokens stay where each Hearth syncs them itself.
--
-- `team`: the one team this workspace belongs to (none: the table is empty). The secret that
-- admits it to the relay is in the system keyring, never here.
CREATE TABLE team (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    relay_url     TEXT    NOT NULL,
    workspace_doc TEXT    NOT NULL,            -- automerge:… of the triage document
    me            TEXT    NOT NULL,            -- this manager's name, as teammates see it
    joined_at     INTEGER NOT NULL,
    last_synced_at INTEGER
);

-- The Automerge documents as samod stores them (its storage keys, joined by '/'), one row per
-- chunk. A chunk is saved when the transaction that writes it commits.
CREATE TABLE team_chunks (
    key  TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;

-- Per document: the heads whose changes are in the tables already (JSON array of hashes), so
-- a sync applies only the difference since.
CREATE TABLE team_applied (
    doc   TEXT PRIMARY KEY,
    heads TEXT NOT NULL
) WITHOUT ROWID;

-- Conversations whose triage changed here (in the app, the CLI, a rule) since the last sync
-- wrote them into the document. Marked by the triggers below in whichever process changed
-- them, while the workspace is in a team; a sync applying teammates' changes removes the marks
-- its own writes made.
CREATE TABLE team_pending (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL
);

CREATE TRIGGER team_pending_triage AFTER UPDATE OF status, snoozed_until, assignee, priority
ON conversations
WHEN EXISTS (SELECT 1 FROM team)
 AND (OLD.status IS NOT NEW.status OR OLD.snoozed_until IS NOT NEW.snoozed_until
      OR OLD.assignee IS NOT NEW.assignee OR OLD.priority IS NOT NEW.priority)
BEGIN
    INSERT INTO team_pending (conversation_id) VALUES (NEW.id);
END;

CREATE TRIGGER team_pending_tagged AFTER INSERT ON conversation_tags
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_pending (conversation_id) VALUES (NEW.conversation_id);
END;

CREATE TRIGGER team_pending_untagged AFTER DELETE ON conversation_tags
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_pending (conversation_id) VALUES (OLD.conversation_id);
END;

-- Fields two managers set differently while apart: the value Automerge kept is in the
-- conversation; each value it set aside is here, for the thread to show one click away, until
-- someone sets the field again.
CREATE TABLE team_conflicts (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    field           TEXT    NOT NULL,
    other           TEXT    NOT NULL,
    PRIMARY KEY (conversation_id, field, other)
) WITHOUT ROWID;

-- Conversations teammates triaged that this workspace did not have when their change arrived
-- (not synced here yet, or on an account connected later): each sync looks for them again and
-- gives them the team's state once they are here.
CREATE TABLE team_unmatched (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;
