-- Issue 13, teams: the team's shared set-up, record by record: the team list (who can be
-- assigned), canned replies, saved inbox views, member segments and rules. Each record is one
-- value in the team's document under its kind and its name (lower case, as the tables compare
-- names), so a record edited on two laptops apart keeps one whole version, never a mix.
-- What the demo added is each laptop's own and is not shared.
--
-- Records added, changed, renamed or removed here since the last sync, by their name in the
-- document ('<kind>/<name>'); marked in whichever process changed them while in a team.
CREATE TABLE team_record_pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT    NOT NULL
);

CREATE TRIGGER team_member_added AFTER INSERT ON team_members
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('member/' || lower(NEW.name));
END;

CREATE TRIGGER team_member_changed AFTER UPDATE ON team_members
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('member/' || lower(OLD.name));
    INSERT INTO team_record_pending (key) VALUES ('member/' || lower(NEW.name));
END;

CREATE TRIGGER team_member_removed AFTER DELETE ON team_members
WHEN OLD.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('member/' || lower(OLD.name));
END;

CREATE TRIGGER team_reply_added AFTER INSERT ON canned_replies
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('reply/' || lower(NEW.name));
END;

CREATE TRIGGER team_reply_changed AFTER UPDATE ON canned_replies
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('reply/' || lower(OLD.name));
    INSERT INTO team_record_pending (key) VALUES ('reply/' || lower(NEW.name));
END;

CREATE TRIGGER team_reply_removed AFTER DELETE ON canned_replies
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('reply/' || lower(OLD.name));
END;

CREATE TRIGGER team_view_added AFTER INSERT ON views
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('view/' || lower(NEW.name));
END;

CREATE TRIGGER team_view_changed AFTER UPDATE ON views
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('view/' || lower(OLD.name));
    INSERT INTO team_record_pending (key) VALUES ('view/' || lower(NEW.name));
END;

CREATE TRIGGER team_view_removed AFTER DELETE ON views
WHEN OLD.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('view/' || lower(OLD.name));
END;

CREATE TRIGGER team_rule_added AFTER INSERT ON rules
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('rule/' || lower(NEW.name));
END;

CREATE TRIGGER team_rule_changed AFTER UPDATE ON rules
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('rule/' || lower(OLD.name));
    INSERT INTO team_record_pending (key) VALUES ('rule/' || lower(NEW.name));
END;

CREATE TRIGGER team_rule_removed AFTER DELETE ON rules
WHEN OLD.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('rule/' || lower(OLD.name));
END;

CREATE TRIGGER team_segment_added AFTER INSERT ON segments
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('segment/' || lower(NEW.name));
END;

CREATE TRIGGER team_segment_changed AFTER UPDATE ON segments
WHEN NEW.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('segment/' || lower(OLD.name));
    INSERT INTO team_record_pending (key) VALUES ('segment/' || lower(NEW.name));
END;

CREATE TRIGGER team_segment_removed AFTER DELETE ON segments
WHEN OLD.demo = 0 AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_record_pending (key) VALUES ('segment/' || lower(OLD.name));
END;
