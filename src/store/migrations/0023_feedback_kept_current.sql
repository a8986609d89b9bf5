-- Issue 11, feedback themes at the speed of the Dashboard: the themes' figures are read from
-- `feedback_items` alone, and the grouping only reads the conversations whose feedback tags
-- changed, as the health roll-ups do (`health_dirty`).
--
-- `member_id`: the person who raised it (the member of `identity_id`), kept by the triggers
-- below through merges, unmerges and deletions. `kind`: what its tags say it is (bug, feature
-- request, praise, question, or plain feedback), set by the grouping.
ALTER TABLE feedback_items ADD COLUMN member_id INTEGER;
ALTER TABLE feedback_items ADD COLUMN kind TEXT NOT NULL DEFAULT 'feedback';

UPDATE feedback_items
SET member_id = (SELECT member_id FROM identities WHERE id = feedback_items.identity_id),
    kind = CASE
        WHEN EXISTS (SELECT 1 FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.conversation_id = feedback_items.conversation_id AND t.name = 'bug')
            THEN 'bug'
        WHEN EXISTS (SELECT 1 FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.conversation_id = feedback_items.conversation_id
                       AND t.name = 'feature request')
            THEN 'feature request'
        WHEN EXISTS (SELECT 1 FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.conversation_id = feedback_items.conversation_id AND t.name = 'praise')
            THEN 'praise'
        WHEN EXISTS (SELECT 1 FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.conversation_id = feedback_items.conversation_id AND t.name = 'question')
            THEN 'question'
        ELSE 'feedback'
    END;

-- a theme's people in one pass over the index (and the list's own pass covered by it)
DROP INDEX feedback_items_by_theme;
CREATE INDEX feedback_items_by_theme ON feedback_items (theme_id, member_id, identity_id);
CREATE INDEX feedback_items_by_identity ON feedback_items (identity_id);

-- The conversations the grouping has to read again: a feedback tag (or `question`, which says
-- its kind) put on or taken off, a tag renamed, a feedback conversation forgotten or deleted.
CREATE TABLE feedback_dirty (conversation_id INTEGER PRIMARY KEY) WITHOUT ROWID;

-- what changed while nothing marked it: feedback not read yet, and items no longer feedback
INSERT OR IGNORE INTO feedback_dirty (conversation_id)
SELECT ct.conversation_id FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
WHERE t.name IN ('feedback', 'bug', 'feature request', 'praise')
  AND ct.conversation_id NOT IN (SELECT conversation_id FROM feedback_items);
INSERT OR IGNORE INTO feedback_dirty (conversation_id)
SELECT conversation_id FROM feedback_items
WHERE conversation_id NOT IN (
    SELECT ct.conversation_id FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
    WHERE t.name IN ('feedback', 'bug', 'feature request', 'praise'));

CREATE TRIGGER feedback_tag_added AFTER INSERT ON conversation_tags
WHEN (SELECT name FROM tags WHERE id = NEW.tag_id)
     IN ('feedback', 'bug', 'feature request', 'praise', 'question')
BEGIN
    INSERT OR IGNORE INTO feedback_dirty (conversation_id) VALUES (NEW.conversation_id);
END;

-- any tag off a feedback conversation (its tag row may be gone already: a tag deleted)
CREATE TRIGGER feedback_tag_removed AFTER DELETE ON conversation_tags
WHEN EXISTS (SELECT 1 FROM feedback_items WHERE conversation_id = OLD.conversation_id)
BEGIN
    INSERT OR IGNORE INTO feedback_dirty (conversation_id) VALUES (OLD.conversation_id);
END;

CREATE TRIGGER feedback_tag_moved AFTER UPDATE ON conversation_tags
BEGIN
    INSERT OR IGNORE INTO feedback_dirty (conversation_id) VALUES (NEW.conversation_id);
    INSERT OR IGNORE INTO feedback_dirty (conversation_id) VALUES (OLD.conversation_id);
END;

CREATE TRIGGER feedback_tag_renamed AFTER UPDATE OF name ON tags
WHEN OLD.name IN ('feedback', 'bug', 'feature request', 'praise', 'question')
  OR NEW.name IN ('feedback', 'bug', 'feature request', 'praise', 'question')
BEGIN
    INSERT OR IGNORE INTO feedback_dirty (conversation_id)
    SELECT conversation_id FROM conversation_tags WHERE tag_id = NEW.id;
END;

-- an item removed other than by the grouping (a person forgotten): read it again next time
CREATE TRIGGER feedback_item_removed AFTER DELETE ON feedback_items
BEGIN
    INSERT OR IGNORE INTO feedback_dirty (conversation_id) VALUES (OLD.conversation_id);
END;

-- who raised it follows merges and unmerges, and an account removed
CREATE TRIGGER feedback_follows_member AFTER UPDATE OF member_id ON identities
WHEN OLD.member_id IS NOT NEW.member_id
BEGIN
    UPDATE feedback_items SET member_id = NEW.member_id WHERE identity_id = NEW.id;
END;

CREATE TRIGGER feedback_loses_identity AFTER DELETE ON identities
BEGIN
    UPDATE feedback_items SET member_id = NULL, identity_id = NULL WHERE identity_id = OLD.id;
END;
