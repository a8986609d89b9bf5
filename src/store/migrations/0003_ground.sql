-- Hearth schema 3: two Hearth processes at once (the app and the CLI or cron), records a
-- connector could not read, and workspace settings.
-- Shipped migrations are never edited: add a new numbered file instead.

-- An outbox item is claimed before it is sent: `lease_owner` (one open store) holds it until
-- `lease_until`, renewed while the request is out. Nobody else sends or reconciles a held
-- item; a holder that dies lets its lease expire.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
-- When the oldest attempt that may have reached the platform (and not been ruled out since)
-- began: a platform keeps an idempotency key only so long after it.
ALTER TABLE outbox ADD COLUMN key_since INTEGER;

-- Who is syncing an account right now: a second sync of the same account waits or skips
-- instead of failing with "the database is busy". Renewed with every page.
CREATE TABLE sync_leases (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    owner      TEXT    NOT NULL,
    until      INTEGER NOT NULL,
    started_at INTEGER NOT NULL
);

-- Records a connector could not read (an unexpected shape, an absurd size), kept with their
-- raw payload so nothing is lost and `hearth sync --retry-quarantined` can try them again
-- after an upgrade. The rest of their page is committed as usual.
CREATE TABLE quarantine (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    -- the platform's id of the record when it could be read, else a digest of the payload
    external_id   TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    raw           TEXT    NOT NULL,
    -- the cursor context the record came with, for retrying it
    context       TEXT,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    UNIQUE (account_id, kind, external_id)
);

-- Workspace settings (how many backups to keep…): key → JSON value.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The demo community's calendar posts, so "Remove the demo community" takes them too. A
-- workspace whose every account is a demo sample holds only the demo's posts.
ALTER TABLE calendar_items ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
UPDATE calendar_items SET demo = 1
WHERE EXISTS (SELECT 1 FROM accounts WHERE demo = 1)
  AND NOT EXISTS (SELECT 1 FROM accounts WHERE demo = 0);
