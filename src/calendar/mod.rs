//! The content calendar: posts planned for several accounts. Owns: items (idea → draft → in
//! review → approved → scheduled → published, partly published, failed or missed), their
//! targets (an account, its channel, the text for it) and the rules they must keep (a
//! scheduled item needs a time and targets that can go out; an approved item changed
//! afterwards goes back to review), comments. Must never: send — a due item's targets go
//! through the outbox (`publish.rs`), which sends each exactly once.

pub mod best_time;
pub mod ics;
pub mod images;
pub mod publish;
pub mod repeat;
pub mod rules;
pub mod slots;

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::model::{
    CalendarComment, CalendarImage, CalendarItem, CalendarItemInput, CalendarRange, ContentState,
    ContentVariant, Millis, Platform, TargetStatus, VariantInput,
};
use crate::store::{platform_col, Store};

/// What a state asks of an item before it may be in it. Returns its repetition as it is kept
/// (an RRULE), read once.
fn validate(input: &CalendarItemInput) -> Result<Option<String>> {
    if input.title.trim().is_empty() {
        return Err(Error::invalid("a calendar item needs a title"));
    }
    if input.state == ContentState::Scheduled && input.scheduled_at.is_none() {
        return Err(Error::invalid("a scheduled post needs a date and time"));
    }
    let recurrence = repeat::normalise(input.recurrence.as_deref())?;
    if recurrence.is_some() && input.scheduled_at.is_none() {
        return Err(Error::invalid(
            "a repeating post needs the date and time of its first occurrence",
        ));
    }
    let mut seen: Vec<(Platform, Option<i64>)> = Vec::new();
    for v in &input.variants {
        let key = (v.platform, v.account_id);
        if seen.contains(&key) {
            return Err(Error::invalid(match v.account_id {
                Some(_) => format!(
                    "the same {} account is a target twice; keep one",
                    v.platform.label()
                ),
                None => format!(
                    "there are two {} versions; keep one per platform",
                    v.platform.label()
                ),
            }));
        }
        seen.push(key);
    }
    Ok(recurrence)
}

/// A target's text as it will be saved: the main text while it follows it.
fn target_body<'a>(input: &'a CalendarItemInput, v: &'a VariantInput) -> &'a str {
    if v.follows_main {
        &input.body
    } else {
        &v.body
    }
}

/// Why one target cannot go out, in words (empty: it can): an account chosen, still connected,
/// on the target's platform, not one of the demo's samples, on a platform Hearth posts to, and
/// a text (with `title`) and images the platform takes. Asked when an item is scheduled, and
/// again by the publisher when it falls due (an account may have gone meanwhile).
pub(crate) fn target_problems(
    tx: &Transaction<'_>,
    platform: Platform,
    account: Option<i64>,
    body: &str,
    title: Option<&str>,
    images: &[CalendarImage],
) -> Result<Vec<String>> {
    let name = platform.label();
    let Some(account) = account else {
        return Ok(vec![format!(
            "the {name} version has no account: connect one in Settings → Accounts and choose it"
        )]);
    };
    let found: Option<(String, bool)> = tx
        .query_row(
            "SELECT platform, demo FROM accounts WHERE id = ?1",
            [account],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let mut out = Vec::new();
    match found {
        None => out.push(format!("the {name} account is no longer connected")),
        Some((p, _)) if p != platform.as_str() => out.push(format!(
            "the account chosen for {name} is not a {name} account"
        )),
        Some((_, true)) => out.push(format!(
            "the {name} account is one of the demo's sample accounts, so nothing would be posted"
        )),
        Some(_) if !rules::can_publish(platform) => {
            out.push(format!("Hearth cannot post on {name} yet"))
        }
        Some(_) => {}
    }
    out.extend(rules::problems(platform, body, title));
    out.extend(rules::image_problems(platform, images));
    Ok(out)
}

/// Why the targets of an item that is to be scheduled, with `images`, cannot go out, in words.
fn readiness(
    tx: &Transaction<'_>,
    input: &CalendarItemInput,
    images: &[CalendarImage],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if input.variants.is_empty() {
        out.push("it has no target yet: add the accounts it goes out on".to_string());
    }
    out.extend(rules::missing_alt(images));
    for v in &input.variants {
        out.extend(target_problems(
            tx,
            v.platform,
            v.account_id,
            target_body(input, v),
            v.title.as_deref().or(Some(input.title.as_str())),
            images,
        )?);
    }
    Ok(out)
}

/// [`readiness`] of item `id` as it is stored.
pub(crate) fn readiness_of_item(tx: &Transaction<'_>, id: i64) -> Result<Vec<String>> {
    let item = tx.query_row(&format!("{SELECT_ITEM} WHERE id = ?1"), [id], row_to_item)?;
    let mut items = [item];
    fill_targets(tx, &mut items)?;
    let images = images::images_of(tx, id)?;
    readiness(tx, &input_of(&items[0]), &images)
}

/// A channel or title as it is kept: trimmed, and none when blank.
fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// A target as an edit compares it: platform, account, channel, title, text.
type TargetWords = (String, Option<i64>, Option<String>, Option<String>, String);

/// An item's words and targets as they were, to tell whether an edit changed them.
#[derive(PartialEq)]
struct Content {
    title: String,
    body: String,
    targets: Vec<TargetWords>,
}

/// A target as it is stored, for an edit to keep or drop.
struct Stored {
    id: i64,
    platform: String,
    account: Option<i64>,
    body: String,
    /// Waiting in the outbox, being sent, or out (a failed post may still change).
    out: bool,
    /// Its outbox post, which may have failed.
    outbox: Option<i64>,
}

fn content_of(tx: &Transaction<'_>, id: i64) -> Result<Content> {
    let (title, body) = tx.query_row(
        "SELECT title, body FROM calendar_items WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut targets = tx
        .prepare_cached(
            "SELECT platform, account_id, channel, title, body FROM calendar_targets
             WHERE item_id = ?1",
        )?
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    targets.sort();
    Ok(Content {
        title,
        body,
        targets,
    })
}

fn content_of_input(input: &CalendarItemInput) -> Content {
    let mut targets: Vec<_> = input
        .variants
        .iter()
        .map(|v| {
            (
                v.platform.as_str().to_string(),
                v.account_id,
                clean(&v.channel),
                clean(&v.title),
                target_body(input, v).to_string(),
            )
        })
        .collect();
    targets.sort();
    Content {
        title: input.title.trim().to_string(),
        body: input.body.clone(),
        targets,
    }
}

/// Writes an item's targets as `input` lists them: kept targets keep their publishing status;
/// a target already in the outbox or out cannot change its text or be removed.
fn write_targets(tx: &Transaction<'_>, item_id: i64, input: &CalendarItemInput) -> Result<()> {
    let existing: Vec<Stored> = tx
        .prepare_cached(
            "SELECT t.id, t.platform, t.account_id, t.body,
                    s.status IN ('queued', 'sending', 'sent'), t.outbox_id
             FROM calendar_targets t JOIN calendar_target_status s ON s.target_id = t.id
             WHERE t.item_id = ?1",
        )?
        .query_map([item_id], |r| {
            Ok(Stored {
                id: r.get(0)?,
                platform: r.get(1)?,
                account: r.get(2)?,
                body: r.get(3)?,
                out: r.get(4)?,
                outbox: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut kept = Vec::new();
    for v in &input.variants {
        let body = target_body(input, v);
        let old = existing
            .iter()
            .find(|e| e.platform == v.platform.as_str() && e.account == v.account_id);
        match old {
            Some(Stored {
                id,
                body: old_body,
                out,
                ..
            }) => {
                if *out && old_body != body {
                    return Err(Error::invalid(format!(
                        "the {} post has already gone to the outbox; its text can no longer change \
                         (if it fails, change it and retry; or write a new item)",
                        v.platform.label()
                    )));
                }
                tx.execute(
                    "UPDATE calendar_targets SET channel = ?2, title = ?3, body = ?4,
                         follows_main = ?5
                     WHERE id = ?1",
                    params![id, clean(&v.channel), clean(&v.title), body, v.follows_main],
                )?;
                kept.push(*id);
            }
            None => {
                tx.execute(
                    "INSERT INTO calendar_targets (item_id, platform, account_id, channel, title,
                         body, follows_main)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        item_id,
                        v.platform.as_str(),
                        v.account_id,
                        clean(&v.channel),
                        clean(&v.title),
                        body,
                        v.follows_main
                    ],
                )?;
                kept.push(tx.last_insert_rowid());
            }
        }
    }
    for Stored {
        id,
        platform,
        out,
        outbox,
        ..
    } in &existing
    {
        if kept.contains(id) {
            continue;
        }
        if *out {
            let label = platform
                .parse::<Platform>()
                .map_or(platform.as_str(), |p| p.label());
            return Err(Error::invalid(format!(
                "the {label} post has already gone to the outbox, so it cannot be taken off the item"
            )));
        }
        if let Some(outbox) = outbox {
            // its failed post goes with it
            tx.execute(
                "DELETE FROM outbox WHERE id = ?1 AND state = 'failed'",
                [outbox],
            )?;
        }
        tx.execute("DELETE FROM calendar_targets WHERE id = ?1", [id])?;
    }
    Ok(())
}

const SELECT_ITEM: &str = "SELECT id, title, body, state, scheduled_at, published_at,
        source_conversation_id, created_at, updated_at, approved_at, approved_by,
        (SELECT count(*) FROM calendar_comments c WHERE c.item_id = calendar_items.id),
        recurrence, time_zone, publisher
    FROM calendar_items";

fn row_to_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<CalendarItem> {
    let state: String = r.get(3)?;
    Ok(CalendarItem {
        id: r.get(0)?,
        title: r.get(1)?,
        body: r.get(2)?,
        state: ContentState::parse(&state).unwrap_or(ContentState::Draft),
        scheduled_at: r.get(4)?,
        published_at: r.get(5)?,
        source_conversation_id: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        approved_at: r.get(9)?,
        approved_by: r.get(10)?,
        comments: r.get(11)?,
        repeats: r
            .get::<_, Option<String>>(12)?
            .as_deref()
            .map(repeat::in_words),
        recurrence: r.get(12)?,
        time_zone: r.get(13)?,
        publisher: r.get(14)?,
        occurrence: false,
        variants: Vec::new(),
        images: Vec::new(),
    })
}

/// Reads the items' targets, with their status, account and the replies their posts got,
/// and their images.
fn fill_targets(conn: &rusqlite::Connection, items: &mut [CalendarItem]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let mut by_item: HashMap<i64, Vec<ContentVariant>> = HashMap::new();
    // Replies to a published post: in the thread it started, or answering it directly in
    // the conversation it went into (both found through the conversation's index).
    let mut stmt = conn.prepare_cached(
        "WITH wanted AS (SELECT value AS item_id FROM json_each(?1)),
         posts AS (
             SELECT t.id AS target_id, p.conversation_id AS conv, p.external_id AS ext,
                    NOT EXISTS (SELECT 1 FROM messages f
                                 WHERE f.conversation_id = p.conversation_id
                                   AND f.created_at < p.created_at) AS starts
               FROM calendar_targets t
               JOIN messages p ON p.platform = t.platform AND p.account_id = t.account_id
                              AND p.external_id = t.external_id
              WHERE t.item_id IN wanted AND t.external_id IS NOT NULL),
         replies AS (
             SELECT posts.target_id, count(*) AS n,
                    count(DISTINCT m.author_identity_id) AS people
               FROM posts JOIN messages m ON m.conversation_id = posts.conv AND m.from_us = 0
              WHERE posts.starts OR m.reply_to_external_id = posts.ext
              GROUP BY posts.target_id)
         SELECT t.item_id, t.id, t.platform, t.account_id, a.name, t.channel, t.title, t.body,
                t.follows_main, s.status, s.error, s.url, t.outbox_id,
                coalesce(r.n, 0), coalesce(r.people, 0), t.reactions, t.boosts
         FROM calendar_targets t
         JOIN calendar_target_status s ON s.target_id = t.id
         LEFT JOIN accounts a ON a.id = t.account_id
         LEFT JOIN replies r ON r.target_id = t.id
         WHERE t.item_id IN wanted
         ORDER BY t.item_id, t.platform, a.name",
    )?;
    let rows = stmt.query_map([serde_json::to_string(&ids).unwrap_or_default()], |r| {
        let platform: Platform = platform_col(r, 2)?;
        let status: String = r.get(9)?;
        Ok((
            r.get::<_, i64>(0)?,
            ContentVariant {
                id: r.get(1)?,
                platform,
                account_id: r.get(3)?,
                account_name: r.get(4)?,
                channel: r.get(5)?,
                title: r.get(6)?,
                body: r.get(7)?,
                follows_main: r.get(8)?,
                char_limit: platform.post_limit(),
                status: TargetStatus::parse(&status),
                error: r.get(10)?,
                url: r.get(11)?,
                outbox_id: r.get(12)?,
                replies: r.get(13)?,
                repliers: r.get(14)?,
                reactions: r.get(15)?,
                boosts: r.get(16)?,
                problems: Vec::new(),
            },
        ))
    })?;
    for row in rows {
        let (item, v) = row?;
        by_item.entry(item).or_default().push(v);
    }
    drop(stmt);
    let mut images: HashMap<i64, Vec<CalendarImage>> = HashMap::new();
    for image in conn
        .prepare_cached(&format!(
            "{} WHERE item_id IN (SELECT value FROM json_each(?1)) ORDER BY item_id, position, id",
            images::SELECT_IMAGE
        ))?
        .query_map(
            [serde_json::to_string(&ids).unwrap_or_default()],
            images::row_to_image,
        )?
    {
        let image = image?;
        images.entry(image.item_id).or_default().push(image);
    }
    for item in items.iter_mut() {
        item.variants = by_item.remove(&item.id).unwrap_or_default();
        item.images = images.remove(&item.id).unwrap_or_default();
        let main_title = item.title.clone();
        for v in &mut item.variants {
            if v.status == TargetStatus::Planned {
                v.problems = rules::problems(
                    v.platform,
                    &v.body,
                    v.title.as_deref().or(Some(main_title.as_str())),
                );
                v.problems
                    .extend(rules::image_problems(v.platform, &item.images));
            }
        }
    }
    Ok(())
}

impl Store {
    /// Items whose date falls in `range` (and, if asked, undated ones), by date.
    pub fn calendar(&self, range: &CalendarRange) -> Result<Vec<CalendarItem>> {
        let conn = self.conn();
        let mut items = conn
            .prepare_cached(&format!(
                "{SELECT_ITEM}
                 WHERE (scheduled_at IS NOT NULL
                        AND scheduled_at >= coalesce(?1, scheduled_at)
                        AND scheduled_at < coalesce(?2, scheduled_at + 1))
                    OR (?3 AND scheduled_at IS NULL)
                 ORDER BY scheduled_at IS NULL, scheduled_at, id"
            ))?
            .query_map(
                params![range.from, range.to, range.include_unscheduled],
                row_to_item,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if range.brief {
            for item in &mut items {
                item.body = String::new();
            }
        } else {
            fill_targets(self.conn(), &mut items)?;
        }
        self.add_occurrences(range, &mut items)?;
        Ok(items)
    }

    /// The later occurrences of repeating items that fall in `range`, each shown as its item
    /// (`occurrence` set), in time order with the rest.
    fn add_occurrences(&self, range: &CalendarRange, items: &mut Vec<CalendarItem>) -> Result<()> {
        let repeating: Vec<i64> = self
            .conn()
            .prepare_cached(
                "SELECT id FROM calendar_items
                 WHERE recurrence IS NOT NULL AND scheduled_at IS NOT NULL
                   AND scheduled_at < coalesce(?1, scheduled_at + 1)
                   AND state NOT IN ('published', 'partly', 'failed')",
            )?
            .query_map([range.to], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if repeating.is_empty() {
            return Ok(());
        }
        // without an end, eight weeks of occurrences are shown
        const AHEAD: Millis = 56 * 24 * 3_600_000;
        for id in repeating {
            let mut item = self.calendar_item(id)?;
            let (Some(start), Some(rule)) = (item.scheduled_at, item.recurrence.clone()) else {
                continue;
            };
            let zone = item.time_zone.clone().unwrap_or_else(|| "UTC".into());
            let from = range.from.unwrap_or(start).max(start + 1);
            let to = range.to.unwrap_or(from + AHEAD);
            if range.brief {
                item.body = String::new();
                item.variants = Vec::new();
            }
            for at in repeat::occurrences(start, &rule, &zone, from, to, 400)? {
                let mut next = item.clone();
                next.scheduled_at = Some(at);
                next.occurrence = true;
                for v in &mut next.variants {
                    v.status = TargetStatus::Planned;
                    v.outbox_id = None;
                    v.url = None;
                    v.error = None;
                    v.replies = 0;
                    v.repliers = 0;
                    v.reactions = None;
                    v.boosts = None;
                }
                items.push(next);
            }
        }
        items.sort_by_key(|i| (i.scheduled_at.is_none(), i.scheduled_at, i.id));
        Ok(())
    }

    pub fn calendar_item(&self, id: i64) -> Result<CalendarItem> {
        let item = self
            .conn()
            .query_row(&format!("{SELECT_ITEM} WHERE id = ?1"), [id], row_to_item)
            .optional()?
            .ok_or_else(|| Error::not_found("calendar item", id))?;
        let mut items = [item];
        fill_targets(self.conn(), &mut items)?;
        let [item] = items;
        Ok(item)
    }

    pub fn create_calendar_item(
        &mut self,
        input: &CalendarItemInput,
        now: Millis,
    ) -> Result<CalendarItem> {
        let recurrence = validate(input)?;
        let tx = self.conn_mut().transaction()?;
        let state = match input.state {
            ContentState::Scheduled => {
                let problems = readiness(&tx, input, &[])?;
                if !problems.is_empty() {
                    return Err(not_ready(&problems));
                }
                ContentState::Scheduled
            }
            s @ (ContentState::Partly | ContentState::Failed | ContentState::Missed) => {
                return Err(Error::invalid(format!(
                    "an item becomes {} by publishing, not by hand",
                    s.label()
                )))
            }
            ContentState::Approved => ContentState::InReview,
            s => s,
        };
        tx.execute(
            "INSERT INTO calendar_items (title, body, state, scheduled_at, published_at,
                 source_conversation_id, created_at, updated_at, recurrence, time_zone)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
            params![
                input.title.trim(),
                input.body,
                state.as_str(),
                input.scheduled_at,
                (state == ContentState::Published).then_some(now),
                input.source_conversation_id,
                now,
                recurrence,
                repeat::local_zone()
            ],
        )?;
        let id = tx.last_insert_rowid();
        write_targets(&tx, id, input)?;
        tx.commit()?;
        self.calendar_item(id)
    }

    /// Saves an item as the editor has it. Changing an approved item's words or targets sends
    /// it back to review (a new time keeps the approval); an item in review cannot be
    /// scheduled until it is approved; a scheduled item's targets must be able to go out.
    pub fn update_calendar_item(
        &mut self,
        id: i64,
        input: &CalendarItemInput,
        now: Millis,
    ) -> Result<CalendarItem> {
        let recurrence = validate(input)?;
        let tx = self.conn_mut().transaction()?;
        let current: Option<(String, Option<Millis>)> = tx
            .query_row(
                "SELECT state, approved_at FROM calendar_items WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (current, approved_at) =
            current.ok_or_else(|| Error::not_found("calendar item", id))?;
        let current = ContentState::parse(&current).unwrap_or(ContentState::Draft);
        let changed = content_of(&tx, id)? != content_of_input(input);
        let mut state = input.state;
        let mut keep_approval = approved_at.is_some();
        if changed && approved_at.is_some() && !current.is_out() {
            // what was approved is not what would go out any more
            keep_approval = false;
            if matches!(
                state,
                ContentState::Approved | ContentState::Scheduled | ContentState::InReview
            ) {
                state = ContentState::InReview;
            }
        }
        if state != current {
            match state {
                ContentState::Partly | ContentState::Failed | ContentState::Missed => {
                    return Err(Error::invalid(format!(
                        "an item becomes {} by publishing, not by hand",
                        state.label()
                    )))
                }
                ContentState::Approved if !keep_approval => {
                    return Err(Error::invalid(
                        "approve it from review (the approve key, or `hearth calendar approve`) so who approved it is kept",
                    ))
                }
                ContentState::Scheduled if current == ContentState::InReview => {
                    return Err(Error::invalid(
                        "it is waiting for review: approve it before it is scheduled",
                    ))
                }
                _ if current.is_out() && state != ContentState::Published => {
                    return Err(Error::invalid(format!(
                        "it was {} already; write a new item to post it again",
                        current.label()
                    )))
                }
                _ => {}
            }
        }
        if state == ContentState::Scheduled {
            let problems = readiness(&tx, input, &images::images_of(&tx, id)?)?;
            if !problems.is_empty() {
                return Err(not_ready(&problems));
            }
        }
        tx.execute(
            "UPDATE calendar_items SET title = ?2, body = ?3, state = ?4, scheduled_at = ?5,
                 published_at = CASE WHEN ?4 = 'published' THEN coalesce(published_at, ?7) ELSE published_at END,
                 source_conversation_id = coalesce(?6, source_conversation_id), updated_at = ?7,
                 approved_at = CASE WHEN ?8 THEN approved_at END,
                 approved_by = CASE WHEN ?8 THEN approved_by END,
                 recurrence = ?9, time_zone = coalesce(time_zone, ?10)
             WHERE id = ?1",
            params![
                id,
                input.title.trim(),
                input.body,
                state.as_str(),
                input.scheduled_at,
                input.source_conversation_id,
                now,
                keep_approval,
                recurrence,
                repeat::local_zone()
            ],
        )?;
        write_targets(&tx, id, input)?;
        tx.commit()?;
        self.calendar_item(id)
    }

    /// Deletes an item. Its posts still waiting in the outbox are withdrawn; refused while
    /// one of them is being sent.
    pub fn delete_calendar_item(&mut self, id: i64) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let sending: i64 = tx.query_row(
            "SELECT count(*) FROM outbox WHERE calendar_item_id = ?1 AND state = 'sending'",
            [id],
            |r| r.get(0),
        )?;
        if sending > 0 {
            return Err(Error::invalid(
                "one of its posts is being sent right now; delete it once that is done",
            ));
        }
        tx.execute(
            "DELETE FROM outbox WHERE calendar_item_id = ?1 AND state IN ('queued', 'failed')",
            [id],
        )?;
        if tx.execute("DELETE FROM calendar_items WHERE id = ?1", [id])? == 0 {
            return Err(Error::not_found("calendar item", id));
        }
        tx.commit()?;
        Ok(())
    }

    /// Asks for review: a draft (or an idea) goes to "in review".
    pub fn submit_calendar_item(&mut self, id: i64, now: Millis) -> Result<CalendarItem> {
        self.move_item(
            id,
            &[
                ContentState::Idea,
                ContentState::Draft,
                ContentState::Missed,
            ],
            "in_review",
            now,
            None,
        )?;
        self.calendar_item(id)
    }

    /// Approves an item in review (or a draft), recording who approved it: a dated item whose
    /// targets can go out is scheduled at once, any other waits as approved.
    pub fn approve_calendar_item(
        &mut self,
        id: i64,
        by: Option<&str>,
        now: Millis,
    ) -> Result<CalendarItem> {
        let item = self.calendar_item(id)?;
        let by = match by.map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => b.to_string(),
            None => self
                .setting(crate::inbox::canned::MY_NAME)?
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "me".into()),
        };
        // dated, and every target can go out (readiness also reads the accounts as they are now)
        let ready = item.scheduled_at.is_some() && {
            let tx = self.conn_mut().transaction()?;
            let problems = readiness(&tx, &input_of(&item), &item.images)?;
            tx.commit()?;
            problems.is_empty()
        };
        let to = if ready { "scheduled" } else { "approved" };
        self.move_item(
            id,
            &[
                ContentState::Idea,
                ContentState::Draft,
                ContentState::InReview,
                ContentState::Approved,
                ContentState::Missed,
            ],
            to,
            now,
            Some(&by),
        )?;
        self.calendar_item(id)
    }

    fn move_item(
        &mut self,
        id: i64,
        from: &[ContentState],
        to: &str,
        now: Millis,
        approved_by: Option<&str>,
    ) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let state: String = tx
            .query_row(
                "SELECT state FROM calendar_items WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::not_found("calendar item", id))?;
        let state = ContentState::parse(&state).unwrap_or(ContentState::Draft);
        if !from.contains(&state) {
            let target = ContentState::parse(to).unwrap_or(ContentState::Draft);
            return Err(Error::invalid(format!(
                "it is {}, so it cannot become {}",
                state.label(),
                target.label()
            )));
        }
        tx.execute(
            "UPDATE calendar_items SET state = ?2, updated_at = ?3,
                 approved_at = CASE WHEN ?4 IS NOT NULL THEN ?3 ELSE approved_at END,
                 approved_by = coalesce(?4, approved_by)
             WHERE id = ?1",
            params![id, to, now, approved_by],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Adds a comment to an item, by `author` (the user's name when `None`).
    pub fn comment_on_calendar_item(
        &mut self,
        id: i64,
        author: Option<&str>,
        body: &str,
        now: Millis,
    ) -> Result<CalendarComment> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Error::invalid("the comment is empty"));
        }
        self.calendar_item(id)?;
        let author = match author.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => a.to_string(),
            None => self
                .setting(crate::inbox::canned::MY_NAME)?
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "me".into()),
        };
        self.conn().execute(
            "INSERT INTO calendar_comments (item_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, author, body, now],
        )?;
        Ok(CalendarComment {
            id: self.conn().last_insert_rowid(),
            item_id: id,
            author,
            body: body.to_string(),
            created_at: now,
        })
    }

    /// An item's comments, oldest first.
    pub fn calendar_comments(&self, id: i64) -> Result<Vec<CalendarComment>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT id, item_id, author, body, created_at FROM calendar_comments
                 WHERE item_id = ?1 ORDER BY created_at, id",
            )?
            .query_map([id], |r| {
                Ok(CalendarComment {
                    id: r.get(0)?,
                    item_id: r.get(1)?,
                    author: r.get(2)?,
                    body: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}

/// The input that would save `item` as it is.
pub fn input_of(item: &CalendarItem) -> CalendarItemInput {
    CalendarItemInput {
        title: item.title.clone(),
        body: item.body.clone(),
        state: item.state,
        scheduled_at: item.scheduled_at,
        source_conversation_id: item.source_conversation_id,
        variants: item
            .variants
            .iter()
            .map(|v| VariantInput {
                platform: v.platform,
                body: v.body.clone(),
                account_id: v.account_id,
                channel: v.channel.clone(),
                title: v.title.clone(),
                follows_main: v.follows_main,
            })
            .collect(),
        recurrence: item.recurrence.clone(),
    }
}

fn not_ready(problems: &[String]) -> Error {
    Error::invalid(format!(
        "it cannot be scheduled yet: {}",
        problems.join("; ")
    ))
}
