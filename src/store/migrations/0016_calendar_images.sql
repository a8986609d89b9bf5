-- Images attached to calendar items, each with the alt text that describes it for people who
-- cannot see it (and, at the end, the engagement of published posts). The bytes live in the database, so backups, exports and every process see
-- them; each distinct image is kept once (by its SHA-256), however many items carry it (a
-- weekly post's occurrences share theirs).
CREATE TABLE calendar_image_blobs (
    id     INTEGER PRIMARY KEY,
    sha256 BLOB    NOT NULL UNIQUE,
    bytes  BLOB    NOT NULL
);

CREATE TABLE calendar_images (
    id        INTEGER PRIMARY KEY,
    item_id   INTEGER NOT NULL REFERENCES calendar_items (id) ON DELETE CASCADE,
    blob_id   INTEGER NOT NULL REFERENCES calendar_image_blobs (id),
    position  INTEGER NOT NULL,
    file_name TEXT    NOT NULL,
    mime      TEXT    NOT NULL,
    size      INTEGER NOT NULL,
    width     INTEGER NOT NULL,
    height    INTEGER NOT NULL,
    alt       TEXT    NOT NULL DEFAULT '',
    added_at  INTEGER NOT NULL
);
CREATE INDEX calendar_images_by_item ON calendar_images (item_id, position);
CREATE INDEX calendar_images_by_blob ON calendar_images (blob_id);

-- An image no item carries any more is forgotten (also when its item is deleted).
CREATE TRIGGER calendar_image_blob_unused AFTER DELETE ON calendar_images
WHEN NOT EXISTS (SELECT 1 FROM calendar_images WHERE blob_id = old.blob_id)
BEGIN
    DELETE FROM calendar_image_blobs WHERE id = old.blob_id;
END;

-- How people answered each published post besides replying (reactions, likes, favourites;
-- boosts and reposts where the platform has them), as its platform last said, and when.
ALTER TABLE calendar_targets ADD COLUMN reactions INTEGER;
ALTER TABLE calendar_targets ADD COLUMN boosts INTEGER;
ALTER TABLE calendar_targets ADD COLUMN engagement_at INTEGER;
