-- Issue 13, teams: notes marked "shared with the team" travel in the team's document (as
-- Automerge text, so two managers typing in one note both keep their words); notes left private
-- (the default) never leave this laptop. And who is on the team, and when each last synced.
--
-- `shared`: 1 once the author shares the note (0 again takes it back out of the team's view).
-- `team_id`: the note's name in the team's document, the same on every laptop (given when it
-- is first shared, or when it arrives from a teammate). `author`: the teammate who wrote it
-- (NULL: written here).
ALTER TABLE notes ADD COLUMN shared  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notes ADD COLUMN team_id TEXT;
ALTER TABLE notes ADD COLUMN author  TEXT;
CREATE UNIQUE INDEX notes_by_team_id ON notes (team_id) WHERE team_id IS NOT NULL;

-- Shared notes written, changed, taken back or deleted here since the last sync, by their
-- team_id (a deleted note's row is gone). Marked in whichever process changed them, while the
-- workspace is in a team; a sync writing teammates' notes removes the marks its own writes made.
CREATE TABLE team_note_pending (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT    NOT NULL
);

CREATE TRIGGER team_note_written AFTER INSERT ON notes
WHEN NEW.shared = 1 AND NEW.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_note_pending (team_id) VALUES (NEW.team_id);
END;

CREATE TRIGGER team_note_changed AFTER UPDATE OF body, shared, team_id ON notes
WHEN NEW.team_id IS NOT NULL AND (NEW.shared = 1 OR OLD.shared = 1) AND EXISTS (SELECT 1 FROM team)
 AND (OLD.body IS NOT NEW.body OR OLD.shared IS NOT NEW.shared OR OLD.team_id IS NOT NEW.team_id)
BEGIN
    INSERT INTO team_note_pending (team_id) VALUES (NEW.team_id);
END;

CREATE TRIGGER team_note_deleted AFTER DELETE ON notes
WHEN OLD.shared = 1 AND OLD.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_note_pending (team_id) VALUES (OLD.team_id);
END;

-- Shared notes about a member this workspace does not have yet (each sync looks again).
CREATE TABLE team_unmatched_notes (
    team_id TEXT PRIMARY KEY
) WITHOUT ROWID;

-- The team as its document lists it: each manager, and when they last synced (written by their
-- own Hearth at most every few minutes, so an idle team's document does not grow).
CREATE TABLE team_mates (
    name           TEXT PRIMARY KEY,
    last_synced_at INTEGER
) WITHOUT ROWID;
