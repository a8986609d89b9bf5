-- Issue 10: review, per-account targets, and publishing through the outbox exactly once.
--
-- Who approved an item and when. Changing an approved item's words or targets clears both
-- and sends it back to review.
ALTER TABLE calendar_items ADD COLUMN approved_at INTEGER;
ALTER TABLE calendar_items ADD COLUMN approved_by TEXT;
-- A repeating item (the weekly community call reminder): an RRULE (RFC 5545) read from its
-- time in `time_zone` (an IANA name; the user's zone when it was saved), so 10:00 stays 10:00
-- across daylight saving. When one occurrence goes out, the next becomes an item of its own.
ALTER TABLE calendar_items ADD COLUMN recurrence TEXT;
ALTER TABLE calendar_items ADD COLUMN time_zone TEXT;

-- States: an item can now be in review, approved, partly published (some targets went out,
-- some failed) or missed (its time passed while no Hearth was running, beyond the grace the
-- user set). As in schema 8, the CHECK is loosened by editing the table's SQL in place
-- (https://sqlite.org/lang_altertable.html#otheralter); the migration's hook bumps the schema
-- version so every connection reads it again. (The columns are added first: ALTER TABLE edits
-- the table's SQL at offsets it read before this edit.)
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql,
       'CHECK (state IN (''idea'', ''draft'', ''scheduled'', ''published'', ''failed''))',
       'CHECK (state IN (''idea'', ''draft'', ''in_review'', ''approved'', ''scheduled'', ''published'', ''partly'', ''failed'', ''missed''))')
 WHERE type = 'table' AND name = 'calendar_items';
PRAGMA writable_schema = OFF;

-- Targets: an item's text for one account (and the channel, room, category or repository
-- where the platform needs one). A target without an account is a plan for a platform not
-- yet connected; it cannot be scheduled. `follows_main`: the text is the item's main text
-- until it is edited for this target. `outbox_id` is the post queued for it when it fell due
-- (not a foreign key: deleting an outbox row is noticed by the trigger below); `error` why it
-- could not be queued at all; `external_id` and `url` the platform's post once it is out.
CREATE TABLE calendar_targets (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES calendar_items (id) ON DELETE CASCADE,
    platform     TEXT    NOT NULL,
    account_id   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    channel      TEXT,
    title        TEXT,
    body         TEXT    NOT NULL,
    follows_main INTEGER NOT NULL DEFAULT 0,
    outbox_id    INTEGER,
    error        TEXT,
    external_id  TEXT,
    url          TEXT
);
CREATE UNIQUE INDEX calendar_targets_once ON calendar_targets (item_id, platform, coalesce(account_id, 0));
CREATE INDEX calendar_targets_by_outbox ON calendar_targets (outbox_id) WHERE outbox_id IS NOT NULL;
INSERT INTO calendar_targets (id, item_id, platform, account_id, body, external_id)
    SELECT id, item_id, platform, account_id, body, external_id FROM calendar_variants;
DROP TABLE calendar_variants;

-- Where a queued post goes when its account could post in several places.
ALTER TABLE outbox ADD COLUMN channel TEXT;

-- Each target's publishing status: planned (not due yet), queued, sending, sent or failed.
CREATE VIEW calendar_target_status AS
SELECT t.id AS target_id, t.item_id,
       CASE WHEN o.state IS NOT NULL THEN o.state
            WHEN t.error IS NOT NULL THEN 'failed'
            WHEN t.external_id IS NOT NULL THEN 'sent'
            ELSE 'planned' END AS status,
       coalesce(o.last_error, t.error) AS error,
       coalesce(o.url, t.url) AS url,
       o.sent_at AS sent_at
  FROM calendar_targets t LEFT JOIN outbox o ON o.id = t.outbox_id;

-- When a calendar post's outbox row is sent or fails, in whichever process: the target keeps
-- the platform's post, and once none of the item's targets is still on its way the item is
-- published, partly published or failed.
CREATE TRIGGER outbox_settles_calendar AFTER UPDATE OF state ON outbox
WHEN new.calendar_item_id IS NOT NULL AND new.state IN ('sent', 'failed')
BEGIN
    UPDATE calendar_targets
       SET external_id = coalesce(new.external_id, external_id), url = coalesce(new.url, url)
     WHERE outbox_id = new.id;
    UPDATE calendar_items
       SET state = (SELECT CASE
                        WHEN count(*) FILTER (WHERE s.status IN ('planned', 'queued', 'sending')) > 0
                            THEN calendar_items.state
                        WHEN count(*) FILTER (WHERE s.status = 'failed') = 0 THEN 'published'
                        WHEN count(*) FILTER (WHERE s.status = 'sent') > 0 THEN 'partly'
                        ELSE 'failed' END
                      FROM calendar_target_status s WHERE s.item_id = new.calendar_item_id),
           published_at = coalesce(published_at,
                      (SELECT min(s.sent_at) FROM calendar_target_status s
                        WHERE s.item_id = new.calendar_item_id))
     WHERE id = new.calendar_item_id AND state IN ('scheduled', 'partly', 'failed');
END;

-- A calendar post withdrawn from the outbox before it was sent is not queued again.
CREATE TRIGGER outbox_withdrawn_calendar AFTER DELETE ON outbox
WHEN old.calendar_item_id IS NOT NULL AND old.state <> 'sent'
BEGIN
    UPDATE calendar_targets SET outbox_id = NULL, error = 'withdrawn from the outbox before it was sent'
     WHERE outbox_id = old.id;
END;

-- Comments on an item, by a team member.
CREATE TABLE calendar_comments (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES calendar_items (id) ON DELETE CASCADE,
    author     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX calendar_comments_by_item ON calendar_comments (item_id, created_at);

-- Posting slots: the times of the week an account posts at (Tue and Thu 10:00), in a zone,
-- for "add to the next free slot".
CREATE TABLE posting_slots (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6), -- Monday is 0
    minute     INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 1439),
    time_zone  TEXT    NOT NULL,
    UNIQUE (account_id, weekday, minute)
);

-- Scheduled items by time, for finding the ones due.
CREATE INDEX calendar_items_due ON calendar_items (scheduled_at) WHERE state = 'scheduled';
