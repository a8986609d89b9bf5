-- Hearth schema: rules, views and the team (issue 9, inbox).
-- Shipped migrations are never edited: add a new numbered file instead.

-- What ingest keeps about each conversation, so the views and the rules read one row:
--   unanswered_since  the oldest member message after the team's last one (NULL: answered)
--   mentions_us       a member's message in it mentions the account
--   first_post        a member wrote their first message anywhere in it
--   rule_points       what the matching rules add up to (they raise or lower it)
--   reasons           the matching rules, as JSON: [{"ruleId", "rule", "why", "points"}]
--   rule_due_at       when a rule on time ("unanswered 24h") will next change the result;
--                     the sweep evaluates the conversation again then (0: as soon as it can)
ALTER TABLE conversations ADD COLUMN unanswered_since INTEGER;
ALTER TABLE conversations ADD COLUMN mentions_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN first_post INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN rule_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN reasons TEXT;
ALTER TABLE conversations ADD COLUMN rule_due_at INTEGER;
-- Where the open queue ranks a conversation: its rules' points and the priority set by hand.
ALTER TABLE conversations ADD COLUMN rank INTEGER GENERATED ALWAYS AS (rule_points + priority) VIRTUAL;

UPDATE conversations SET
    mentions_us = EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
                          AND m.from_us = 0 AND m.mentions_us = 1),
    unanswered_since = (SELECT min(m.created_at) FROM messages m
                        WHERE m.conversation_id = conversations.id AND m.from_us = 0
                          AND m.created_at > coalesce((SELECT max(t.created_at) FROM messages t
                              WHERE t.conversation_id = conversations.id AND t.from_us = 1), -1)),
    -- every conversation not done is weighed by the rules at the first sweep
    rule_due_at = CASE WHEN status <> 'done' THEN 0 END;

-- The open queue, best ranked first. The columns after the order are what the views filter
-- on, so a view's page and every view's count read this index alone (no table row) until a
-- row is kept.
CREATE INDEX conversations_by_rank
    ON conversations (status, rank DESC, last_message_at DESC, id DESC, platform, account_id,
                      assignee COLLATE NOCASE, unanswered_since, mentions_us, first_post,
                      snoozed_until);
-- Views of every status (Feedback), newest first.
CREATE INDEX conversations_by_recency ON conversations (last_message_at DESC, id DESC);
CREATE INDEX conversations_rules_due ON conversations (rule_due_at) WHERE rule_due_at IS NOT NULL;

-- A rule: when every condition holds for a conversation, its effects apply ("mentions" →
-- "+3"; "keyword crash" → "tag bug"). Conditions and effects are JSON lists of the shapes in
-- model.rs (RuleCondition, RuleEffect). Rules run in `position` order.
CREATE TABLE rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    enabled    INTEGER NOT NULL DEFAULT 1,
    position   INTEGER NOT NULL,
    conditions TEXT    NOT NULL,
    effects    TEXT    NOT NULL,
    -- added by the demo (removing the demo removes it)
    demo       INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The rules a new workspace starts with: what the community manager would rank first anyway.
-- They are ordinary rules: edit or remove them in Settings → Rules or `hearth rules`.
INSERT INTO rules (name, position, conditions, effects, created_at, updated_at) VALUES
    ('Mentions you', 1, '[{"kind":"mentions"}]', '[{"kind":"points","points":3}]', 0, 0),
    ('Unanswered for a day', 2, '[{"kind":"unanswered","hours":24}]',
        '[{"kind":"points","points":2}]', 0, 0),
    ('First-time poster', 3, '[{"kind":"firstPost"}]', '[{"kind":"points","points":2}]', 0, 0),
    ('VIP member', 4, '[{"kind":"memberTag","tag":"vip"}]', '[{"kind":"points","points":3}]',
        0, 0);

-- A saved view of the inbox: a filter (JSON, ViewFilter in model.rs), a letter for `g` + the
-- letter, and its own reply-time target (NULL: the workspace's).
CREATE TABLE views (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    letter             TEXT    UNIQUE,
    position           INTEGER NOT NULL,
    filter             TEXT    NOT NULL,
    reply_target_hours INTEGER,
    demo               INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- Conversations a rule put into a saved view ("keyword refund" → "view Billing").
CREATE TABLE conversation_views (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    view_id         INTEGER NOT NULL REFERENCES views (id) ON DELETE CASCADE,
    PRIMARY KEY (view_id, conversation_id)
) WITHOUT ROWID;

-- The community team, for assignment; which one is me is the setting `me.name`.
CREATE TABLE team_members (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    demo       INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
