-- Hearth schema: activity found by the identity that did it (issue 8, members).
-- Shipped migrations are never edited: add a new numbered file instead.
-- Only adds an index, so it applies after any other migration.

-- An unmerge gives the absorbed member back the activity of its identities, and forgetting a
-- person deletes activity by identity: without this index each read every activity row
-- (30 ms at 300k rows, the slowest unmerge 72 ms).
CREATE INDEX member_activity_by_identity ON member_activity (identity_id);
