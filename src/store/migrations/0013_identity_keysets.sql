-- Issue 8: importing 100k people took 14 s against a 10 s target, and storing their keys was
-- the largest part: 1.64M rows of (identity, kind, value) in a table keyed by identity, and the
-- same text again in an index by (kind, value) that had to be sorted whole after each large
-- import (3.0 s to store, 2.0 s to index).
--
-- An identity's keys are now one row, and the index that finds who holds a key holds a 64-bit
-- hash of (kind, value) and the identity: two integers, inserted in order by the core, so no
-- index needs building again. A hash shared by two different keys only makes a candidate that
-- the comparison of the two profiles then weighs (one chance in 2^64 per pair of keys).
--
--   keys    JSON: [[kind, value, proof], ...], sorted by kind then value
--   hashes  JSON: [hash, ...], this identity's entries in identity_key_index, so a delete (of
--           the identity, its account, or its keys) takes them away without the core
CREATE TABLE identity_keysets (
    identity_id INTEGER PRIMARY KEY REFERENCES identities (id) ON DELETE CASCADE,
    keys        TEXT NOT NULL,
    hashes      TEXT NOT NULL
);
CREATE TABLE identity_key_index (
    h           INTEGER NOT NULL,
    identity_id INTEGER NOT NULL,
    PRIMARY KEY (h, identity_id)
) WITHOUT ROWID;
CREATE TRIGGER identity_keysets_forget AFTER DELETE ON identity_keysets BEGIN
    DELETE FROM identity_key_index
    WHERE identity_id = old.identity_id AND h IN (SELECT value FROM json_each(old.hashes));
END;

-- The keys held before, moved: `hearth_key_hash` is the core's hash, which the store gives
-- every connection it opens.
INSERT INTO identity_keysets (identity_id, keys, hashes)
SELECT identity_id,
       json_group_array(json_array(kind, value, proof) ORDER BY kind, value),
       json_group_array(hearth_key_hash(kind, value) ORDER BY kind, value)
FROM identity_keys
GROUP BY identity_id;
INSERT OR IGNORE INTO identity_key_index (h, identity_id)
SELECT hearth_key_hash(kind, value), identity_id FROM identity_keys ORDER BY 1, 2;
DROP TABLE identity_keys;

-- The keys as rows, for reading them (the privacy export, a person looking into the file).
CREATE VIEW identity_keys (identity_id, kind, value, proof) AS
    SELECT s.identity_id, k.value ->> 0, k.value ->> 1, k.value ->> 2
    FROM identity_keysets s, json_each(s.keys) k;
