-- Hearth schema 5: organisations as their own records, and members' custom fields edited by
-- hand. Shipped migrations are never edited: add a new numbered file instead.

-- An organisation people belong to: found from work email domains, profile "company" fields
-- (GitHub's "@acme-corp"), or made by hand. `key` is the name made comparable
-- (`resolve::names::org_key`): "Acme, Inc." and "@acme" are one organisation.
CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    key        TEXT    NOT NULL UNIQUE,
    -- the domain its people write from (acme.io), when one is known
    domain     TEXT,
    website    TEXT,
    -- how Hearth first learnt of it: a work email, a profile field, or a person
    source     TEXT    NOT NULL CHECK (source IN ('email', 'profile', 'manual')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Every email domain of an organisation (acme.io, acme.com, eng.acme.io).
CREATE TABLE organization_domains (
    domain          TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX organization_domains_by_organization ON organization_domains (organization_id);

-- Other keys that name an organisation: its names before a rename, the organisations merged
-- into it. Deriving never makes a new organisation for a key listed here.
CREATE TABLE organization_aliases (
    key             TEXT    NOT NULL PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX organization_aliases_by_organization ON organization_aliases (organization_id);

-- The organisation a member belongs to. `organization_set_by` is 'hand' once a person set or
-- cleared it: deriving leaves that member alone from then on.
ALTER TABLE members ADD COLUMN organization_id INTEGER REFERENCES organizations (id) ON DELETE SET NULL;
ALTER TABLE members ADD COLUMN organization_set_by TEXT;
CREATE INDEX members_by_organization ON members (organization_id, last_active_at DESC)
    WHERE organization_id IS NOT NULL;

-- Existing members get their organisation the first time this version opens the database
-- (the core derives it; SQL cannot fold names or tell public mail providers apart).
INSERT INTO settings (key, value) VALUES ('organizations.backfill', '"pending"')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
