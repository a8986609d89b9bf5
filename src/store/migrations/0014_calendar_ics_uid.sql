-- Issue 10: events imported from an iCalendar file (a community call, a meetup) become
-- calendar items. Each remembers the event it came from (its UID, and for a recurring event
-- the occurrence's start), so importing the same file again updates the item instead of
-- adding a copy.
ALTER TABLE calendar_items ADD COLUMN ics_uid TEXT;
CREATE UNIQUE INDEX calendar_items_by_ics_uid ON calendar_items (ics_uid) WHERE ics_uid IS NOT NULL;
