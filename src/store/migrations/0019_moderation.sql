-- Issue 11, moderation: the community's guidelines, rules that flag new messages against them,
-- and the flags a moderator works through.

-- The guidelines: one Markdown document.
CREATE TABLE mod_guidelines (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    body       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Rules, checked against every new message as it is synced (`moderation::check_in`): `kind`
-- says what to look for, `pattern` (words or a regular expression) and `threshold` (how many,
-- how low) how; `guideline` names the guideline it upholds.
CREATE TABLE mod_rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('keywords', 'regex', 'new_member_link',
                                                'all_caps', 'repeated', 'mass_mentions',
                                                'negative')),
    pattern    TEXT,
    threshold  REAL,
    guideline  TEXT,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

-- A message a rule flagged, once per rule: what matched and the text around it. A dismissed
-- flag is a false one: it stays (the rule's record of false flags) and is never raised again.
CREATE TABLE mod_flags (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    rule_id     INTEGER NOT NULL REFERENCES mod_rules (id) ON DELETE CASCADE,
    matched     TEXT    NOT NULL,
    excerpt     TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    flagged_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    UNIQUE (message_id, rule_id)
);
CREATE INDEX mod_flags_by_status ON mod_flags (status, flagged_at DESC);
CREATE INDEX mod_flags_by_rule ON mod_flags (rule_id);
