-- Hearth schema 4: one member per human. What each identity says about who it is, merges that
-- record their evidence and can be undone, suggestions with their reasons, rejected pairs.
-- Shipped migrations are never edited: add a new numbered file instead.

-- What the platform told about the person behind an identity (until now kept only on the
-- member made from its first identity): the evidence merges compare, identity by identity.
ALTER TABLE identities ADD COLUMN organization TEXT;
ALTER TABLE identities ADD COLUMN location TEXT;
ALTER TABLE identities ADD COLUMN bio TEXT;
UPDATE identities SET
    organization = (SELECT organization FROM members m WHERE m.id = identities.member_id),
    location = (SELECT location FROM members m WHERE m.id = identities.member_id),
    bio = (SELECT bio FROM members m WHERE m.id = identities.member_id);

-- A member merged into another stays as a tombstone pointing at the member that absorbed it,
-- so undoing the merge brings back exactly that member, under its own id. Tombstones are
-- never listed; they go with the member that absorbed them.
ALTER TABLE members ADD COLUMN merged_into INTEGER REFERENCES members (id) ON DELETE CASCADE;
CREATE INDEX members_by_merged_into ON members (merged_into) WHERE merged_into IS NOT NULL;

-- Normalised facts of an identity, one per row: the keys that find candidate pairs (blocking)
-- and the values compared. `kind` is one of: email, self, link, claim, name, given, family,
-- handle, org, place, tz, and field:NAME for a column an import brought in. `proof` is 1 when
-- the platform vouches for it (a verified email, a verified profile link).
CREATE TABLE identity_keys (
    identity_id INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    proof       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (identity_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX identity_keys_by_value ON identity_keys (kind, value);

-- Every merge, with why and what it moved, so any one of them can be undone exactly.
CREATE TABLE merges (
    id                 INTEGER PRIMARY KEY,
    kept_member_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    absorbed_member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    merged_at          INTEGER NOT NULL,
    -- proof: automatic, on evidence a platform vouches for; accepted: a suggestion a person
    -- accepted; manual: two members a person chose
    how                TEXT    NOT NULL CHECK (how IN ('proof', 'accepted', 'manual')),
    -- who decided: 'Hearth' for automatic merges, else the team member's name
    decided_by         TEXT    NOT NULL,
    -- the evidence, in words, and as JSON factors ({weight, text})
    reason             TEXT    NOT NULL,
    evidence           TEXT    NOT NULL DEFAULT '[]',
    score              REAL,
    -- what the merge moved and filled in (JSON), for undoing it
    moved              TEXT    NOT NULL,
    undone_at          INTEGER
);
CREATE INDEX merges_by_kept ON merges (kept_member_id);
CREATE INDEX merges_by_absorbed ON merges (absorbed_member_id);

-- Pairs of identities a person said are different people: never suggested or merged again.
CREATE TABLE merge_rejections (
    identity_a  INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    identity_b  INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    rejected_at INTEGER NOT NULL,
    CHECK (identity_a < identity_b),
    PRIMARY KEY (identity_a, identity_b)
) WITHOUT ROWID;
CREATE INDEX merge_rejections_by_b ON merge_rejections (identity_b);

-- Possible duplicates, with the score and the reasons, factor by factor (JSON). One row per
-- pair of live members, `member_a < member_b`.
CREATE TABLE merge_suggestions (
    member_a    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    member_b    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    score       REAL    NOT NULL,
    probability REAL    NOT NULL,
    reasons     TEXT    NOT NULL,
    computed_at INTEGER NOT NULL,
    -- skipped in review: shown after the others
    skipped_at  INTEGER,
    CHECK (member_a < member_b),
    PRIMARY KEY (member_a, member_b)
) WITHOUT ROWID;
CREATE INDEX merge_suggestions_by_b ON merge_suggestions (member_b);
CREATE INDEX merge_suggestions_by_score ON merge_suggestions (score DESC);

-- Custom fields on a member (set by hand or brought by an import).
CREATE TABLE member_fields (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name      TEXT    NOT NULL COLLATE NOCASE,
    value     TEXT    NOT NULL,
    PRIMARY KEY (member_id, name)
) WITHOUT ROWID;
