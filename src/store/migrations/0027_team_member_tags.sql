-- Issue 13, teams: members' tags and custom fields are shared with the team, under the
-- member's identities on the platforms (the same on every laptop, however each laptop merged
-- its members). Members whose tags or fields changed here since the last sync, marked in
-- whichever process changed them while the workspace is in a team.
CREATE TABLE team_member_pending (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id INTEGER NOT NULL
);

CREATE TRIGGER team_member_tagged AFTER INSERT ON member_tags
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_member_pending (member_id) VALUES (NEW.member_id);
END;

CREATE TRIGGER team_member_untagged AFTER DELETE ON member_tags
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_member_pending (member_id) VALUES (OLD.member_id);
END;

CREATE TRIGGER team_member_field_set AFTER INSERT ON member_fields
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_member_pending (member_id) VALUES (NEW.member_id);
END;

CREATE TRIGGER team_member_field_changed AFTER UPDATE ON member_fields
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_member_pending (member_id) VALUES (OLD.member_id);
    INSERT INTO team_member_pending (member_id) VALUES (NEW.member_id);
END;

CREATE TRIGGER team_member_field_unset AFTER DELETE ON member_fields
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_member_pending (member_id) VALUES (OLD.member_id);
END;
