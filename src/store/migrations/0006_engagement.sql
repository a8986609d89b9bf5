-- Hearth schema: engagement, segments and follow-up reminders (issue 8, members).
-- Shipped migrations are never edited: add a new numbered file instead.
-- Only adds columns and tables, so it applies after any other members migration.

-- Engagement, worked out on the device by `Store::compute_engagement` (src/members/engagement.rs)
-- after a sync run and after the demo. The explanation is worked out again when a profile is
-- read, from the member's own activity.
ALTER TABLE members ADD COLUMN engagement_score REAL NOT NULL DEFAULT 0;
-- quiet, casual, active or core
ALTER TABLE members ADD COLUMN engagement_level TEXT NOT NULL DEFAULT 'quiet';
-- messages in the last 30 days, and in the 30 days before (the trend)
ALTER TABLE members ADD COLUMN activity_30d INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN activity_prev_30d INTEGER NOT NULL DEFAULT 0;
-- among the most active a month ago, silent for three weeks or more
ALTER TABLE members ADD COLUMN going_quiet INTEGER NOT NULL DEFAULT 0;
-- first seen in the last 30 days and already active
ALTER TABLE members ADD COLUMN new_and_active INTEGER NOT NULL DEFAULT 0;
CREATE INDEX members_by_engagement ON members (is_team, engagement_score DESC);
-- what segments filter on most, for their counts in the sidebar (led by is_team, as the list's
-- own indexes are, so the planner takes them for `is_team = 0 AND level/flag = …`)
CREATE INDEX members_by_level ON members (is_team, engagement_level);
CREATE INDEX members_going_quiet ON members (is_team, going_quiet);
CREATE INDEX members_new_and_active ON members (is_team, new_and_active);

-- Saved filters over members; `filter` is a JSON `SegmentFilter` (src/model.rs).
CREATE TABLE segments (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    filter     TEXT    NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    -- made by the demo: removed with it
    demo       INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- Follow-ups on members ("ask Maria about her talk", due Friday). A due one shows at the top
-- of the inbox until it is done or snoozed.
CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    body          TEXT    NOT NULL,
    due_at        INTEGER NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'snoozed', 'done')),
    snoozed_until INTEGER,
    created_at    INTEGER NOT NULL,
    done_at       INTEGER
);
CREATE INDEX reminders_by_member ON reminders (member_id, status);
CREATE INDEX reminders_by_due ON reminders (status, due_at);
