-- Hearth schema: canned replies (issue 9, inbox).
-- Shipped migrations are never edited: add a new numbered file instead.

-- A reply written once and inserted many times ("How to install on Windows"), with variables
-- filled in for the conversation it goes into: {first_name}, {name}, {platform}, {channel},
-- {my_name}. Names are unique whatever their case.
CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
