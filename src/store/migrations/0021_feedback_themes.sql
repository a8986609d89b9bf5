-- Issue 11, feedback themes: conversations tagged as feedback (feedback, bug, feature request,
-- praise) grouped by the terms they share, kept so that a person's edits (a name, a merge, a
-- split, a conversation moved by hand) survive every later grouping.

-- A theme: its name (`named_by_hand` once someone renamed it) and the terms that define it
-- (JSON array, most telling first); a new feedback conversation sharing one joins it.
CREATE TABLE feedback_themes (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    terms         TEXT    NOT NULL DEFAULT '[]',
    named_by_hand INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Each feedback conversation: when it was opened and by whom (`identity_id`, the account that
-- wrote its first message: the person who raised it), the terms read from its title and
-- opening message (JSON; those of the title alone in `title_terms`, which weigh more when themes
-- are found), and its theme (NULL: it shares too little with the rest yet). `by_hand`: a person
-- put it there, and the grouping never moves it. Forgetting the person removes the row (its
-- terms hold their words); the next grouping reads the conversation again.
CREATE TABLE feedback_items (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    theme_id        INTEGER REFERENCES feedback_themes (id) ON DELETE SET NULL,
    opened_at       INTEGER NOT NULL,
    identity_id     INTEGER,
    terms           TEXT    NOT NULL,
    title_terms     TEXT    NOT NULL DEFAULT '[]',
    by_hand         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feedback_items_by_theme ON feedback_items (theme_id);
