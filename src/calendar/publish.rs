//! Publishing a calendar: due items' targets into the outbox, exactly once. Owns: finding the
//! scheduled items whose time has come, queueing one outbox post per target (or marking the
//! item missed when its time passed beyond the grace window), and the decisions after:
//! publish now, retry a failed target. Must never: send anything itself — the outbox's
//! claims send each post once, whichever Hearth (the app, `hearth publish --due` from cron)
//! flushes it — nor queue a target twice.
//!
//! Releasing runs in one immediate transaction: an item's targets are queued and each target
//! remembers its outbox row in the same write, so two processes releasing at once queue each
//! target once. When the outbox row is sent or fails, the schema's trigger
//! (`outbox_settles_calendar`) records the post on the target and settles the item: published,
//! partly published or failed.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::model::{CalendarItem, ContentState, Millis, Platform};
use crate::platform::{Engagement, PostRef};
use crate::store::{platform_col, setting_in, Store};

/// The setting: how late a post may still go out after its time (a laptop asleep at 10:00
/// and opened at 10:40 still posts within an hour).
pub const GRACE_SETTING: &str = "calendar.grace_minutes";
pub const DEFAULT_GRACE_MINUTES: u32 = 60;
const MINUTE: Millis = 60_000;

/// What one release did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Released {
    /// Targets put in the outbox.
    pub queued: u32,
    /// Titles of items whose time passed beyond the grace window.
    pub missed: Vec<String>,
    /// Accounts with posts now waiting in the outbox.
    pub accounts: Vec<i64>,
}

fn new_key(now: Millis) -> String {
    format!("hearth-post-{now:x}-{:016x}", fastrand::u64(..))
}

/// Marks an item published, partly published or failed once none of its targets is still
/// on its way (as the schema's trigger does when an outbox row settles).
fn settle(tx: &Transaction<'_>, item: i64) -> Result<()> {
    tx.execute(
        "UPDATE calendar_items
            SET state = (SELECT CASE
                    WHEN count(*) FILTER (WHERE s.status IN ('planned', 'queued', 'sending')) > 0
                        THEN calendar_items.state
                    WHEN count(*) FILTER (WHERE s.status = 'failed') = 0 THEN 'published'
                    WHEN count(*) FILTER (WHERE s.status = 'sent') > 0 THEN 'partly'
                    ELSE 'failed' END
                  FROM calendar_target_status s WHERE s.item_id = ?1)
          WHERE id = ?1 AND state IN ('scheduled', 'partly', 'failed')",
        [item],
    )?;
    Ok(())
}

/// Why a target of item `item` cannot be queued now, in words, or `None` when it can.
fn unqueueable(
    tx: &Transaction<'_>,
    item: i64,
    platform: Platform,
    account: Option<i64>,
    body: &str,
    title: Option<&str>,
) -> Result<Option<String>> {
    let images = super::images::images_of(tx, item)?;
    let mut problems = super::rules::missing_alt(&images);
    problems.extend(super::target_problems(
        tx, platform, account, body, title, &images,
    )?);
    Ok((!problems.is_empty()).then(|| problems.join("; ")))
}

/// A target as the publisher reads it.
struct Pending {
    id: i64,
    item: i64,
    platform: Platform,
    account: Option<i64>,
    channel: Option<String>,
    /// Its own title, or the item's.
    title: Option<String>,
    body: String,
    outbox: Option<i64>,
    status: String,
}

/// Puts target `p`'s post in the outbox and has the target remember it. Only platforms whose
/// posts have a title (a Discourse topic, a GitHub issue) are sent one.
fn queue_target(tx: &Transaction<'_>, p: &Pending, account: i64, now: Millis) -> Result<()> {
    // a post the team planned goes out once, from its publisher's Hearth
    let publisher: Option<String> = tx
        .query_row(
            "SELECT publisher FROM calendar_items WHERE id = ?1",
            [p.item],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if let Some(who) = publisher {
        return Err(Error::invalid(format!(
            "{who}'s Hearth publishes this post: the team planned it together, and it goes out \
             once, from there"
        )));
    }
    let title = matches!(p.platform, Platform::Discourse | Platform::Github)
        .then_some(p.title.as_deref())
        .flatten();
    tx.execute(
        "INSERT INTO outbox (account_id, calendar_item_id, kind, body, title, channel,
             idempotency_key, created_at)
         VALUES (?1, ?2, 'post', ?3, ?4, ?5, ?6, ?7)",
        params![
            account,
            p.item,
            p.body.trim(),
            title,
            p.channel,
            new_key(now),
            now
        ],
    )?;
    tx.execute(
        "UPDATE calendar_targets SET outbox_id = ?2, error = NULL WHERE id = ?1",
        params![p.id, tx.last_insert_rowid()],
    )?;
    Ok(())
}

/// Reads targets: `where_` picks them (`?1` bound to `arg`).
fn pending(tx: &Transaction<'_>, where_: &str, arg: i64) -> Result<Vec<Pending>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT t.id, t.item_id, t.platform, t.account_id, t.channel,
                    coalesce(t.title, i.title), t.body, t.outbox_id, s.status
             FROM calendar_targets t JOIN calendar_items i ON i.id = t.item_id
             JOIN calendar_target_status s ON s.target_id = t.id
             WHERE {where_} ORDER BY t.id"
        ))?
        .query_map([arg], |r| {
            Ok(Pending {
                id: r.get(0)?,
                item: r.get(1)?,
                platform: platform_col(r, 2)?,
                account: r.get(3)?,
                channel: r.get(4)?,
                title: r.get(5)?,
                body: r.get(6)?,
                outbox: r.get(7)?,
                status: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// How long after a post went out its engagement is still read.
const MEASURED_FOR: Millis = 14 * 24 * 60 * MINUTE;
/// How often one post's engagement is read again.
const MEASURE_EVERY: Millis = 10 * MINUTE;

impl Store {
    /// Our posts on `account` whose engagement is worth reading now: out within the last
    /// fourteen days and not read in the last ten minutes, newest first, as (target, post).
    pub fn posts_to_measure(&self, account: i64, now: Millis) -> Result<Vec<(i64, PostRef)>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT t.id, t.external_id, t.channel
                 FROM calendar_targets t JOIN calendar_target_status s ON s.target_id = t.id
                 JOIN calendar_items i ON i.id = t.item_id
                 WHERE t.account_id = ?1 AND t.external_id IS NOT NULL AND s.status = 'sent'
                   AND coalesce(s.sent_at, i.published_at, 0) >= ?2
                   AND coalesce(t.engagement_at, 0) <= ?3
                 ORDER BY coalesce(s.sent_at, i.published_at) DESC LIMIT 50",
            )?
            .query_map(
                params![account, now - MEASURED_FOR, now - MEASURE_EVERY],
                |r| {
                    Ok((
                        r.get(0)?,
                        PostRef {
                            external_id: r.get(1)?,
                            channel: r.get(2)?,
                        },
                    ))
                },
            )?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Keeps what the platform said of a post's engagement (`None`: it could not say; the
    /// counts held stay).
    pub fn record_post_engagement(
        &self,
        target: i64,
        engagement: Option<Engagement>,
        now: Millis,
    ) -> Result<()> {
        match engagement {
            Some(e) => self.conn().execute(
                "UPDATE calendar_targets SET reactions = ?2, boosts = ?3, engagement_at = ?4
                 WHERE id = ?1",
                params![target, e.reactions, e.boosts, now],
            )?,
            None => self.conn().execute(
                "UPDATE calendar_targets SET engagement_at = ?2 WHERE id = ?1",
                params![target, now],
            )?,
        };
        Ok(())
    }
}

/// When an occurrence of a repeating item falls due (or is missed), the next occurrence
/// becomes an item of its own — the same words, targets, approval and repetition — and this
/// one keeps only its own record.
/// Occurrences that already lie beyond the grace window (`skip_before`) are passed over: a
/// daily reminder left for a month is one missed item, not thirty.
fn next_of_series(
    tx: &Transaction<'_>,
    item: i64,
    at: Millis,
    skip_before: Millis,
    now: Millis,
) -> Result<()> {
    let series: Option<(Option<String>, Option<String>)> = tx
        .query_row(
            "SELECT recurrence, time_zone FROM calendar_items WHERE id = ?1",
            [item],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((Some(rule), zone)) = series else {
        return Ok(());
    };
    let zone = zone.unwrap_or_else(|| "UTC".into());
    tx.execute(
        "UPDATE calendar_items SET recurrence = NULL WHERE id = ?1",
        [item],
    )?;
    let (Some(next_rule), Some(next)) = (
        super::repeat::rule_after_one(&rule),
        super::repeat::next_after(at, &rule, &zone, at.max(skip_before))?,
    ) else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO calendar_items (title, body, state, scheduled_at, source_conversation_id,
             created_at, updated_at, approved_at, approved_by, recurrence, time_zone, demo)
         SELECT title, body, 'scheduled', ?2, source_conversation_id, ?3, ?3, approved_at,
                approved_by, ?4, ?5, demo
         FROM calendar_items WHERE id = ?1",
        params![item, next, now, next_rule, zone],
    )?;
    let copy = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO calendar_images (item_id, blob_id, position, file_name, mime, size, width,
             height, alt, added_at)
         SELECT ?2, blob_id, position, file_name, mime, size, width, height, alt, added_at
         FROM calendar_images WHERE item_id = ?1",
        params![item, copy],
    )?;
    tx.execute(
        "INSERT INTO calendar_targets (item_id, platform, account_id, channel, title, body,
             follows_main)
         SELECT ?2, platform, account_id, channel, title, body, follows_main
         FROM calendar_targets WHERE item_id = ?1",
        params![item, copy],
    )?;
    Ok(())
}

impl Store {
    /// How late a post may still go out after its time, in minutes.
    pub fn publish_grace_minutes(&self) -> Result<u32> {
        Ok(self
            .setting(GRACE_SETTING)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_GRACE_MINUTES))
    }

    pub fn set_publish_grace_minutes(&mut self, minutes: u32) -> Result<()> {
        if minutes > 7 * 24 * 60 {
            return Err(Error::invalid(
                "the grace window is at most a week (10080 minutes)",
            ));
        }
        self.set_setting(GRACE_SETTING, &minutes.to_string())
    }

    /// Queues the targets of every scheduled item whose time has come, each once; an item
    /// whose time passed more than the grace window ago is marked missed instead.
    pub fn release_due_posts(&mut self, now: Millis) -> Result<Released> {
        let tx = self.conn_mut().transaction()?;
        let grace = setting_in(&tx, GRACE_SETTING)?
            .and_then(|v| v.parse::<Millis>().ok())
            .unwrap_or(Millis::from(DEFAULT_GRACE_MINUTES))
            * MINUTE;
        let due: Vec<(i64, String, String, Millis)> = tx
            .prepare_cached(
                "SELECT i.id, i.title, i.body, i.scheduled_at FROM calendar_items i
                 WHERE i.state = 'scheduled' AND i.scheduled_at <= ?1 AND i.publisher IS NULL
                   AND EXISTS (SELECT 1 FROM calendar_targets t WHERE t.item_id = i.id
                                 AND t.outbox_id IS NULL AND t.error IS NULL
                                 AND t.external_id IS NULL)
                 ORDER BY i.scheduled_at, i.id",
            )?
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Released::default();
        for (item, item_title, _, at) in due {
            let started: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM calendar_targets WHERE item_id = ?1
                                  AND (outbox_id IS NOT NULL OR external_id IS NOT NULL))",
                [item],
                |r| r.get(0),
            )?;
            if now - at > grace && !started {
                tx.execute(
                    "UPDATE calendar_items SET state = 'missed', updated_at = ?2 WHERE id = ?1",
                    params![item, now],
                )?;
                out.missed.push(item_title);
                next_of_series(&tx, item, at, now - grace, now)?;
                continue;
            }
            if !started {
                next_of_series(&tx, item, at, now - grace, now)?;
            }
            let targets = pending(
                &tx,
                "t.item_id = ?1 AND t.outbox_id IS NULL AND t.error IS NULL
                 AND t.external_id IS NULL",
                item,
            )?;
            for mut target in targets {
                let title = target
                    .title
                    .get_or_insert_with(|| item_title.clone())
                    .clone();
                let why = unqueueable(
                    &tx,
                    target.item,
                    target.platform,
                    target.account,
                    &target.body,
                    Some(&title),
                )?;
                let (None, Some(account)) = (&why, target.account) else {
                    tx.execute(
                        "UPDATE calendar_targets SET error = ?2 WHERE id = ?1",
                        params![target.id, why],
                    )?;
                    continue;
                };
                queue_target(&tx, &target, account, now)?;
                out.queued += 1;
                if !out.accounts.contains(&account) {
                    out.accounts.push(account);
                }
            }
            settle(&tx, item)?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// The earliest time a scheduled item with targets not yet released falls due.
    pub fn next_due_post(&self) -> Result<Option<Millis>> {
        Ok(self.conn().query_row(
            "SELECT min(i.scheduled_at) FROM calendar_items i
             WHERE i.state = 'scheduled' AND i.publisher IS NULL
               AND EXISTS (SELECT 1 FROM calendar_targets t WHERE t.item_id = i.id
                             AND t.outbox_id IS NULL AND t.error IS NULL
                             AND t.external_id IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Accounts whose outbox holds calendar posts that may be sent now.
    pub fn accounts_with_due_posts(&self, now: Millis) -> Result<Vec<i64>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT DISTINCT account_id FROM outbox
                 WHERE calendar_item_id IS NOT NULL AND state IN ('queued', 'sending')
                   AND coalesce(send_after, 0) <= ?1
                 ORDER BY account_id",
            )?
            .query_map([now], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Publishes an item now: a missed, approved or draft item (not one waiting for review)
    /// is scheduled for `now`, so the next release queues it.
    pub fn publish_calendar_item_now(&mut self, id: i64, now: Millis) -> Result<CalendarItem> {
        let item = self.calendar_item(id)?;
        if let Some(who) = &item.publisher {
            return Err(Error::invalid(format!(
                "{who}'s Hearth publishes this post: the team planned it together, and it goes \
                 out once, from there"
            )));
        }
        match item.state {
            ContentState::InReview => {
                return Err(Error::invalid(
                    "it is waiting for review: approve it before it is published",
                ))
            }
            s if s.is_out() => {
                return Err(Error::invalid(format!(
                    "it was {} already; retry a failed target instead",
                    s.label()
                )))
            }
            _ => {}
        }
        let mut input = super::input_of(&item);
        input.state = ContentState::Scheduled;
        input.scheduled_at = Some(now);
        self.update_calendar_item(id, &input, now)
    }

    /// Sends a failed target again: its outbox post goes back in the queue with the target's
    /// text as it is now (the platform refused the last one, so nothing of it went out), or,
    /// if it never reached the outbox, it is queued now.
    pub fn retry_calendar_target(&mut self, target: i64, now: Millis) -> Result<CalendarItem> {
        let tx = self.conn_mut().transaction()?;
        let target = pending(&tx, "t.id = ?1", target)?
            .pop()
            .ok_or_else(|| Error::not_found("calendar target", target))?;
        if target.status != "failed" {
            return Err(Error::invalid(format!(
                "the {} post has not failed, so there is nothing to retry",
                target.platform.label()
            )));
        }
        let why = unqueueable(
            &tx,
            target.item,
            target.platform,
            target.account,
            &target.body,
            target.title.as_deref(),
        )?;
        let (None, Some(account)) = (why.as_ref(), target.account) else {
            return Err(Error::invalid(format!(
                "it cannot be sent: {}",
                why.unwrap_or_default()
            )));
        };
        // the failed post goes back in the queue with the target's text as it is now (nothing
        // of it went out); a target that never reached the outbox is queued now
        match target.outbox {
            Some(outbox) => {
                let title = matches!(target.platform, Platform::Discourse | Platform::Github)
                    .then_some(target.title.as_deref())
                    .flatten();
                tx.execute(
                    "UPDATE outbox SET state = 'queued', last_error = NULL, body = ?2, title = ?3,
                         channel = ?4, account_id = ?5
                     WHERE id = ?1 AND state = 'failed'",
                    params![outbox, target.body.trim(), title, target.channel, account],
                )?;
            }
            None => queue_target(&tx, &target, account, now)?,
        }
        let item = target.item;
        tx.execute(
            "UPDATE calendar_items SET updated_at = ?2 WHERE id = ?1",
            params![item, now],
        )?;
        tx.commit()?;
        self.calendar_item(item)
    }
}
