-- How each message reads, from −1 (negative) to 1 (positive), scored on the device when it is
-- synced (`health::sentiment`). NULL until scored: messages synced before schema 17 are
-- scored in the background, a batch at a time (`Store::score_unscored`).
ALTER TABLE messages ADD COLUMN sentiment REAL;
CREATE INDEX messages_unscored ON messages (id) WHERE sentiment IS NULL;

-- Messages by when they were written, for the metrics of a period.
CREATE INDEX messages_by_time ON messages (created_at);
