-- Issue 9: the sidebar counts every view after each action. At a million messages, counting
-- meant walking 128k done conversations and passing over the whole open queue (12 sums per
-- row), 40-50 ms in all against a 20 ms target. These counters keep, per status and per
-- assignee, how many conversations there are and how many have each of the facts the built-in
-- views filter on, so those counts are a read of a few rows.
--
-- The counters are kept by triggers, in the transaction that changes a conversation, so every
-- writer (the app, the command line, an import) keeps them true without knowing of them.
-- What depends on the clock is still counted live: snoozes that have run out (back in the open
-- queue), and which unanswered questions are past a view's reply-time target (the counters
-- give how many are unanswered; the recent ones, under an index, are taken away).
--
--   who  the assignee in lower case (as `COLLATE NOCASE` compares it); '' for nobody
--   u    with a question unanswered (unanswered_since IS NOT NULL)
--   m    mentioning the account;  mu  and unanswered
--   f    a member's first post;   fu  and unanswered
CREATE TABLE queue_counts (
    status TEXT    NOT NULL,
    who    TEXT    NOT NULL,
    n      INTEGER NOT NULL DEFAULT 0,
    u      INTEGER NOT NULL DEFAULT 0,
    m      INTEGER NOT NULL DEFAULT 0,
    mu     INTEGER NOT NULL DEFAULT 0,
    f      INTEGER NOT NULL DEFAULT 0,
    fu     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (status, who)
) WITHOUT ROWID;

INSERT INTO queue_counts (status, who, n, u, m, mu, f, fu)
SELECT status, coalesce(lower(assignee), ''), count(*),
       count(unanswered_since),
       sum(mentions_us = 1), sum(mentions_us = 1 AND unanswered_since IS NOT NULL),
       sum(first_post = 1), sum(first_post = 1 AND unanswered_since IS NOT NULL)
FROM conversations GROUP BY 1, 2;

CREATE TRIGGER queue_counts_insert AFTER INSERT ON conversations BEGIN
    INSERT OR IGNORE INTO queue_counts (status, who)
    VALUES (new.status, coalesce(lower(new.assignee), ''));
    UPDATE queue_counts SET
        n = n + 1,
        u = u + (new.unanswered_since IS NOT NULL),
        m = m + (new.mentions_us = 1),
        mu = mu + (new.mentions_us = 1 AND new.unanswered_since IS NOT NULL),
        f = f + (new.first_post = 1),
        fu = fu + (new.first_post = 1 AND new.unanswered_since IS NOT NULL)
    WHERE status = new.status AND who = coalesce(lower(new.assignee), '');
END;

CREATE TRIGGER queue_counts_delete AFTER DELETE ON conversations BEGIN
    UPDATE queue_counts SET
        n = n - 1,
        u = u - (old.unanswered_since IS NOT NULL),
        m = m - (old.mentions_us = 1),
        mu = mu - (old.mentions_us = 1 AND old.unanswered_since IS NOT NULL),
        f = f - (old.first_post = 1),
        fu = fu - (old.first_post = 1 AND old.unanswered_since IS NOT NULL)
    WHERE status = old.status AND who = coalesce(lower(old.assignee), '');
END;

-- Only when a counted fact changes: a new time for an unanswered question, or the newest
-- message's time, changes nothing here.
CREATE TRIGGER queue_counts_update
AFTER UPDATE OF status, assignee, unanswered_since, mentions_us, first_post ON conversations
WHEN old.status IS NOT new.status
  OR coalesce(lower(old.assignee), '') IS NOT coalesce(lower(new.assignee), '')
  OR (old.unanswered_since IS NULL) IS NOT (new.unanswered_since IS NULL)
  OR (old.mentions_us = 1) IS NOT (new.mentions_us = 1)
  OR (old.first_post = 1) IS NOT (new.first_post = 1)
BEGIN
    UPDATE queue_counts SET
        n = n - 1,
        u = u - (old.unanswered_since IS NOT NULL),
        m = m - (old.mentions_us = 1),
        mu = mu - (old.mentions_us = 1 AND old.unanswered_since IS NOT NULL),
        f = f - (old.first_post = 1),
        fu = fu - (old.first_post = 1 AND old.unanswered_since IS NOT NULL)
    WHERE status = old.status AND who = coalesce(lower(old.assignee), '');
    INSERT OR IGNORE INTO queue_counts (status, who)
    VALUES (new.status, coalesce(lower(new.assignee), ''));
    UPDATE queue_counts SET
        n = n + 1,
        u = u + (new.unanswered_since IS NOT NULL),
        m = m + (new.mentions_us = 1),
        mu = mu + (new.mentions_us = 1 AND new.unanswered_since IS NOT NULL),
        f = f + (new.first_post = 1),
        fu = fu + (new.first_post = 1 AND new.unanswered_since IS NOT NULL)
    WHERE status = new.status AND who = coalesce(lower(new.assignee), '');
END;

-- The open queue's unanswered questions by when they were asked, with what the built-in views
-- filter on: the ones still within a view's target are a short range at the end of it.
CREATE INDEX conversations_open_unanswered
    ON conversations (unanswered_since, mentions_us, first_post, assignee COLLATE NOCASE)
    WHERE status = 'open' AND unanswered_since IS NOT NULL;
