-- Issue 13, teams: decisions on who is who are the team's. A merge a person made or accepted
-- says two identities are one person; a rejection (or an undone merge, which records one)
-- says two identities are two people. Each is shared as a pair of platform identities, so it
-- reaches the people on every laptop. Automatic merges on proof are each laptop's own: every
-- Hearth finds the same proof.
--
-- Decisions made here since the last sync: 'same' (a merge), 'apart' (a rejection), by the
-- identities' ids here. Marked in whichever process made them while in a team.
CREATE TABLE team_decision_pending (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL CHECK (kind IN ('same', 'apart')),
    identity_a INTEGER NOT NULL,
    identity_b INTEGER NOT NULL
);

-- A merge by a person: one identity the kept member had, one the merge brought.
CREATE TRIGGER team_decided_same AFTER INSERT ON merges
WHEN NEW.how IN ('accepted', 'manual') AND EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_decision_pending (kind, identity_a, identity_b)
    SELECT 'same', kept.id, json_extract(NEW.moved, '$.identities[0]')
    FROM (SELECT min(id) AS id FROM identities
          WHERE member_id = NEW.kept_member_id
            AND id NOT IN (SELECT value FROM json_each(NEW.moved, '$.identities'))) kept
    WHERE kept.id IS NOT NULL AND json_extract(NEW.moved, '$.identities[0]') IS NOT NULL;
END;

CREATE TRIGGER team_decided_apart AFTER INSERT ON merge_rejections
WHEN EXISTS (SELECT 1 FROM team)
BEGIN
    INSERT INTO team_decision_pending (kind, identity_a, identity_b)
    VALUES ('apart', NEW.identity_a, NEW.identity_b);
END;
