-- Issue 13, teams: the content calendar is the team's. Each item, target and comment has a
-- name in the team's document, the same on every laptop (`team_id`, given when the row is made,
-- in whichever process). An item is published by one Hearth only, its `publisher`'s (NULL:
-- this one): the others show it and never release it, so a post planned together still goes
-- out exactly once. What the demo added is each laptop's own and is not shared.
ALTER TABLE calendar_items ADD COLUMN team_id TEXT;
ALTER TABLE calendar_items ADD COLUMN publisher TEXT;
ALTER TABLE calendar_targets ADD COLUMN team_id TEXT;
ALTER TABLE calendar_comments ADD COLUMN team_id TEXT;

UPDATE calendar_items SET team_id = lower(hex(randomblob(16))) WHERE team_id IS NULL;
UPDATE calendar_targets SET team_id = lower(hex(randomblob(16))) WHERE team_id IS NULL;
UPDATE calendar_comments SET team_id = lower(hex(randomblob(16))) WHERE team_id IS NULL;

CREATE UNIQUE INDEX calendar_items_by_team_id ON calendar_items (team_id) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX calendar_targets_by_team_id ON calendar_targets (team_id) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX calendar_comments_by_team_id ON calendar_comments (team_id) WHERE team_id IS NOT NULL;

CREATE TRIGGER calendar_item_named AFTER INSERT ON calendar_items WHEN NEW.team_id IS NULL
BEGIN
    UPDATE calendar_items SET team_id = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;

CREATE TRIGGER calendar_target_named AFTER INSERT ON calendar_targets WHEN NEW.team_id IS NULL
BEGIN
    UPDATE calendar_targets SET team_id = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;

CREATE TRIGGER calendar_comment_named AFTER INSERT ON calendar_comments WHEN NEW.team_id IS NULL
BEGIN
    UPDATE calendar_comments SET team_id = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;

-- Items changed here since the last sync (their own fields, their targets or comments), by
-- the item's team_id (a deleted item's row is gone).
CREATE TABLE team_calendar_pending (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT    NOT NULL
);

CREATE TRIGGER team_calendar_item_added AFTER INSERT ON calendar_items
WHEN NEW.demo = 0 AND NEW.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id) VALUES (NEW.team_id);
END;

CREATE TRIGGER team_calendar_item_changed AFTER UPDATE ON calendar_items
WHEN NEW.demo = 0 AND NEW.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id) VALUES (NEW.team_id);
END;

CREATE TRIGGER team_calendar_item_removed AFTER DELETE ON calendar_items
WHEN OLD.demo = 0 AND OLD.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id) VALUES (OLD.team_id);
END;

CREATE TRIGGER team_calendar_target_added AFTER INSERT ON calendar_targets
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id)
    SELECT team_id FROM calendar_items
    WHERE id = NEW.item_id AND demo = 0 AND team_id IS NOT NULL;
END;

CREATE TRIGGER team_calendar_target_changed AFTER UPDATE ON calendar_targets
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id)
    SELECT team_id FROM calendar_items
    WHERE id = NEW.item_id AND demo = 0 AND team_id IS NOT NULL;
END;

CREATE TRIGGER team_calendar_target_removed AFTER DELETE ON calendar_targets
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id)
    SELECT team_id FROM calendar_items
    WHERE id = OLD.item_id AND demo = 0 AND team_id IS NOT NULL;
END;

CREATE TRIGGER team_calendar_comment_added AFTER INSERT ON calendar_comments
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id)
    SELECT team_id FROM calendar_items
    WHERE id = NEW.item_id AND demo = 0 AND team_id IS NOT NULL;
END;

CREATE TRIGGER team_calendar_comment_changed AFTER UPDATE ON calendar_comments
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id)
    SELECT team_id FROM calendar_items
    WHERE id = NEW.item_id AND demo = 0 AND team_id IS NOT NULL;
END;

CREATE TRIGGER team_calendar_comment_removed AFTER DELETE ON calendar_comments
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_calendar_pending (team_id)
    SELECT team_id FROM calendar_items
    WHERE id = OLD.item_id AND demo = 0 AND team_id IS NOT NULL;
END;
