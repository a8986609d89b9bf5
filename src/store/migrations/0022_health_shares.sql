-- Issue 11, advocates: the links each account shared each UTC day (its messages with a web
-- link; the team's own left out), worked out by the roll-up refresh beside `health_days`.
CREATE TABLE health_shares (
    day         INTEGER NOT NULL,
    identity_id INTEGER NOT NULL,
    platform    TEXT    NOT NULL,
    links       INTEGER NOT NULL,
    PRIMARY KEY (day, identity_id)
) WITHOUT ROWID;

-- Every day is worked out again once, so the days synced before this version have theirs.
INSERT OR IGNORE INTO health_dirty (day, conversation_id)
SELECT DISTINCT created_at - created_at % 86400000, conversation_id FROM messages;
