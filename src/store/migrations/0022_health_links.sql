-- Issue 11, advocates: the roll-ups' writers (`health_days.writers`) now also count each
-- account's messages with a web link (content shared), in a second blob version read beside
-- the first (`health::rollups`). Every day is marked to be worked out again once, so the days
-- synced before this version have their links too.
INSERT OR IGNORE INTO health_dirty (day, conversation_id)
SELECT DISTINCT created_at - created_at % 86400000, conversation_id FROM messages;
