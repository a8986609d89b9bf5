//! How many conversations each built-in view holds, and how many of them are past their
//! reply-time target, from the counters schema 12 keeps (`queue_counts`) and two short live
//! passes for what depends on the clock. What the sidebar asks after every action, so it stays
//! a few milliseconds at a million messages whatever the size of the done pile.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::error::Result;
use crate::model::Millis;

/// Counts every conversation again into `queue_counts`, after a bulk copy that may have
/// brought counters from elsewhere or lost rows (an import, a recovery).
pub(crate) fn recount(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM queue_counts;
         INSERT INTO queue_counts (status, who, n, u, m, mu, f, fu)
         SELECT status, coalesce(lower(assignee), ''), count(*), count(unanswered_since),
                sum(mentions_us = 1), sum(mentions_us = 1 AND unanswered_since IS NOT NULL),
                sum(first_post = 1), sum(first_post = 1 AND unanswered_since IS NOT NULL)
         FROM conversations GROUP BY 1, 2;",
    )?;
    Ok(())
}

/// What the counters say of one status (or one assignee within it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Facets {
    /// Conversations.
    pub n: i64,
    /// With a question unanswered.
    pub u: i64,
    /// Mentioning the account.
    pub m: i64,
    /// Mentioning the account and unanswered.
    pub mu: i64,
    /// A member's first post.
    pub f: i64,
    /// A first post and unanswered.
    pub fu: i64,
}

impl Facets {
    fn add(&mut self, o: &Facets) {
        self.n += o.n;
        self.u += o.u;
        self.m += o.m;
        self.mu += o.mu;
        self.f += o.f;
        self.fu += o.fu;
    }
}

/// The counters by status, and the open ones by assignee (lower case; '' for nobody).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    by_status: HashMap<String, Facets>,
    open_by_who: HashMap<String, Facets>,
}

impl Counters {
    pub fn read(conn: &Connection) -> Result<Counters> {
        let mut out = Counters::default();
        let mut stmt =
            conn.prepare_cached("SELECT status, who, n, u, m, mu, f, fu FROM queue_counts")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                Facets {
                    n: r.get(2)?,
                    u: r.get(3)?,
                    m: r.get(4)?,
                    mu: r.get(5)?,
                    f: r.get(6)?,
                    fu: r.get(7)?,
                },
            ))
        })?;
        for row in rows {
            let (status, who, facets) = row?;
            out.by_status
                .entry(status.clone())
                .or_default()
                .add(&facets);
            if status == "open" {
                out.open_by_who.entry(who).or_default().add(&facets);
            }
        }
        Ok(out)
    }

    pub fn status(&self, status: &str) -> Facets {
        self.by_status.get(status).copied().unwrap_or_default()
    }

    /// The open conversations assigned to `who` (`None`: to nobody).
    pub fn open_for(&self, who: Option<&str>) -> Facets {
        let key = who.map_or_else(String::new, |w| w.trim().to_ascii_lowercase());
        self.open_by_who.get(&key).copied().unwrap_or_default()
    }
}

/// The conversations whose snooze has run out by `now`: they are back in the open queue though
/// their status still says snoozed. Counted live (the clock moves them, not a write).
#[derive(Debug, Default)]
pub(crate) struct Woken {
    /// How many; of them unanswered, mentioning the account, first posts.
    pub n: i64,
    pub u: i64,
    pub m: i64,
    pub f: i64,
    /// Of them, assigned to me and to nobody.
    pub mine: i64,
    pub nobody: i64,
    /// Of them, past each target: open, needs reply, mentions, first-timers, mine, nobody.
    pub late: [i64; 6],
}

/// When each open-queue view's unanswered questions fall due: a question asked at or before
/// its time is past the target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dues {
    pub open: Millis,
    pub reply: Millis,
    pub mentions: Millis,
    pub first: Millis,
    pub mine: Millis,
    pub nobody: Millis,
}

impl Dues {
    fn earliest(&self) -> Millis {
        [
            self.open,
            self.reply,
            self.mentions,
            self.first,
            self.mine,
            self.nobody,
        ]
        .into_iter()
        .min()
        .unwrap_or(self.open)
    }
}

/// The snoozes run out by `now`, with their facts and how many are past each target.
pub(crate) fn woken(
    conn: &Connection,
    me: Option<&str>,
    dues: &Dues,
    now: Millis,
) -> Result<Woken> {
    let row: [i64; 12] = sums(
        conn,
        "SELECT count(*), count(u), coalesce(sum(m), 0), coalesce(sum(f), 0),
                coalesce(sum(a = :me COLLATE NOCASE), 0), coalesce(sum(a IS NULL), 0),
                coalesce(sum(u <= :d_open), 0), coalesce(sum(u <= :d_reply), 0),
                coalesce(sum(m AND u <= :d_mentions), 0), coalesce(sum(f AND u <= :d_first), 0),
                coalesce(sum(a = :me COLLATE NOCASE AND u <= :d_mine), 0),
                coalesce(sum(a IS NULL AND u <= :d_nobody), 0)
         FROM (SELECT c.unanswered_since AS u, c.mentions_us = 1 AS m, c.first_post = 1 AS f,
                      c.assignee AS a
               FROM conversations c WHERE c.status = 'snoozed' AND c.snoozed_until <= :now)",
        me,
        (":now", now),
        dues,
    )?;
    Ok(Woken {
        n: row[0],
        u: row[1],
        m: row[2],
        f: row[3],
        mine: row[4],
        nobody: row[5],
        late: [row[6], row[7], row[8], row[9], row[10], row[11]],
    })
}

/// Of the open conversations' unanswered questions, how many are still within each target
/// (asked after its due time): open, needs reply, mentions, first-timers, mine, nobody. Reads
/// only the recent end of `conversations_open_unanswered`.
pub(crate) fn within_target(conn: &Connection, me: Option<&str>, dues: &Dues) -> Result<[i64; 6]> {
    sums(
        conn,
        "SELECT coalesce(sum(u > :d_open), 0), coalesce(sum(u > :d_reply), 0),
                coalesce(sum(m AND u > :d_mentions), 0), coalesce(sum(f AND u > :d_first), 0),
                coalesce(sum(a = :me COLLATE NOCASE AND u > :d_mine), 0),
                coalesce(sum(a IS NULL AND u > :d_nobody), 0)
         FROM (SELECT c.unanswered_since AS u, c.mentions_us = 1 AS m, c.first_post = 1 AS f,
                      c.assignee AS a
               FROM conversations c INDEXED BY conversations_open_unanswered
               WHERE c.status = 'open' AND c.unanswered_since IS NOT NULL
                 AND c.unanswered_since > :lo)",
        me,
        (":lo", dues.earliest()),
        dues,
    )
}

/// Runs a query of sums over the open queue's facts, bound to who I am, one more time
/// (`:now` or `:lo`) and each view's due time, and reads its `N` integers.
fn sums<const N: usize>(
    conn: &Connection,
    sql: &str,
    me: Option<&str>,
    (name, at): (&str, Millis),
    dues: &Dues,
) -> Result<[i64; N]> {
    let args: [(&str, &dyn rusqlite::ToSql); 8] = [
        (":me", &me),
        (name, &at),
        (":d_open", &dues.open),
        (":d_reply", &dues.reply),
        (":d_mentions", &dues.mentions),
        (":d_first", &dues.first),
        (":d_mine", &dues.mine),
        (":d_nobody", &dues.nobody),
    ];
    Ok(conn.prepare_cached(sql)?.query_row(&args[..], |r| {
        let mut v = [0i64; N];
        for (i, x) in v.iter_mut().enumerate() {
            *x = r.get(i)?;
        }
        Ok(v)
    })?)
}

/// The open queue (open, and snoozes run out) by built-in view: (count, past its target) for
/// open, needs reply, mentions, first-timers, mine and nobody; and the counters read.
pub(crate) struct OpenQueue {
    pub open: (i64, i64),
    pub reply: (i64, i64),
    pub mentions: (i64, i64),
    pub first: (i64, i64),
    pub mine: (i64, i64),
    pub nobody: (i64, i64),
}

pub(crate) fn open_queue(
    conn: &Connection,
    counters: &Counters,
    woken: &Woken,
    me: Option<&str>,
    dues: &Dues,
) -> Result<OpenQueue> {
    let open = counters.status("open");
    let within = within_target(conn, me, dues)?;
    let mine = me.map(|m| counters.open_for(Some(m))).unwrap_or_default();
    let nobody = counters.open_for(None);
    let w = woken;
    Ok(OpenQueue {
        open: (open.n + w.n, open.u - within[0] + w.late[0]),
        reply: (open.u + w.u, open.u - within[1] + w.late[1]),
        mentions: (open.m + w.m, open.mu - within[2] + w.late[2]),
        first: (open.f + w.f, open.fu - within[3] + w.late[3]),
        mine: if me.is_some() {
            (mine.n + w.mine, mine.u - within[4] + w.late[4])
        } else {
            (0, 0)
        },
        nobody: (nobody.n + w.nobody, nobody.u - within[5] + w.late[5]),
    })
}
