//! The content calendar: posts planned for several platforms. Owns: items (idea → draft →
//! scheduled → published/failed), their per-platform variants and the rules they must keep
//! (a scheduled item needs a date; a variant must fit its platform). Must never: publish —
//! sending goes through the outbox.

pub mod best_time;
pub mod ics;

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};
use unicode_segmentation::UnicodeSegmentation;

use crate::error::{Error, Result};
use crate::model::{
    CalendarItem, CalendarItemInput, CalendarRange, ContentState, ContentVariant, Millis, Platform,
};
use crate::store::{platform_col, Store};

fn validate(input: &CalendarItemInput) -> Result<()> {
    if input.title.trim().is_empty() {
        return Err(Error::invalid("a calendar item needs a title"));
    }
    if input.state == ContentState::Scheduled && input.scheduled_at.is_none() {
        return Err(Error::invalid("a scheduled post needs a date and time"));
    }
    let mut seen = Vec::new();
    for v in &input.variants {
        if seen.contains(&v.platform) {
            return Err(Error::invalid(format!(
                "there are two {} versions; keep one per platform",
                v.platform.label()
            )));
        }
        seen.push(v.platform);
        if let Some(limit) = v.platform.post_limit() {
            // counted as people (and Bluesky) count: an emoji or accented letter is one
            let len = v.body.graphemes(true).count();
            if len > limit as usize && input.state == ContentState::Scheduled {
                return Err(Error::invalid(format!(
                    "the {} version is {len} characters; {} allows {limit}",
                    v.platform.label(),
                    v.platform.label()
                )));
            }
        }
    }
    Ok(())
}

fn write_variants(tx: &Transaction<'_>, item_id: i64, input: &CalendarItemInput) -> Result<()> {
    tx.execute(
        "DELETE FROM calendar_variants WHERE item_id = ?1",
        [item_id],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO calendar_variants (item_id, platform, body) VALUES (?1, ?2, ?3)",
    )?;
    for v in &input.variants {
        insert.execute(params![item_id, v.platform.as_str(), v.body])?;
    }
    Ok(())
}

impl Store {
    /// Items whose date falls in `range` (and, if asked, undated ones), by date.
    pub fn calendar(&self, range: &CalendarRange) -> Result<Vec<CalendarItem>> {
        let conn = self.conn();
        let mut items = conn
            .prepare_cached(
                "SELECT id, title, body, state, scheduled_at, published_at, source_conversation_id,
                        created_at, updated_at
                 FROM calendar_items
                 WHERE (scheduled_at IS NOT NULL
                        AND scheduled_at >= coalesce(?1, scheduled_at)
                        AND scheduled_at < coalesce(?2, scheduled_at + 1))
                    OR (?3 AND scheduled_at IS NULL)
                 ORDER BY scheduled_at IS NULL, scheduled_at, id",
            )?
            .query_map(
                params![range.from, range.to, range.include_unscheduled],
                |r| {
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
                        variants: Vec::new(),
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if items.is_empty() {
            return Ok(items);
        }
        let mut by_item: HashMap<i64, Vec<ContentVariant>> = HashMap::new();
        let ids: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
        let mut stmt = conn.prepare(&format!(
            "SELECT item_id, platform, body FROM calendar_variants WHERE item_id IN ({})
             ORDER BY item_id, platform",
            ids.join(",")
        ))?;
        let rows = stmt.query_map([], |r| {
            let platform: Platform = platform_col(r, 1)?;
            Ok((
                r.get::<_, i64>(0)?,
                ContentVariant {
                    platform,
                    body: r.get(2)?,
                    char_limit: platform.post_limit(),
                },
            ))
        })?;
        for row in rows {
            let (item, v) = row?;
            by_item.entry(item).or_default().push(v);
        }
        for item in &mut items {
            item.variants = by_item.remove(&item.id).unwrap_or_default();
        }
        Ok(items)
    }

    pub fn calendar_item(&self, id: i64) -> Result<CalendarItem> {
        let scheduled: Option<Option<Millis>> = self
            .conn()
            .query_row(
                "SELECT scheduled_at FROM calendar_items WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let scheduled = scheduled.ok_or_else(|| Error::not_found("calendar item", id))?;
        let range = CalendarRange {
            from: scheduled,
            to: scheduled.map(|s| s + 1),
            include_unscheduled: scheduled.is_none(),
        };
        self.calendar(&range)?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| Error::not_found("calendar item", id))
    }

    pub fn create_calendar_item(
        &mut self,
        input: &CalendarItemInput,
        now: Millis,
    ) -> Result<CalendarItem> {
        validate(input)?;
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO calendar_items (title, body, state, scheduled_at, published_at,
                 source_conversation_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![
                input.title.trim(),
                input.body,
                input.state.as_str(),
                input.scheduled_at,
                (input.state == ContentState::Published).then_some(now),
                input.source_conversation_id,
                now
            ],
        )?;
        let id = tx.last_insert_rowid();
        write_variants(&tx, id, input)?;
        tx.commit()?;
        self.calendar_item(id)
    }

    pub fn update_calendar_item(
        &mut self,
        id: i64,
        input: &CalendarItemInput,
        now: Millis,
    ) -> Result<CalendarItem> {
        validate(input)?;
        let tx = self.conn_mut().transaction()?;
        let changed = tx.execute(
            "UPDATE calendar_items SET title = ?2, body = ?3, state = ?4, scheduled_at = ?5,
                 published_at = CASE WHEN ?4 = 'published' THEN coalesce(published_at, ?7) ELSE published_at END,
                 source_conversation_id = coalesce(?6, source_conversation_id), updated_at = ?7
             WHERE id = ?1",
            params![
                id,
                input.title.trim(),
                input.body,
                input.state.as_str(),
                input.scheduled_at,
                input.source_conversation_id,
                now
            ],
        )?;
        if changed == 0 {
            return Err(Error::not_found("calendar item", id));
        }
        write_variants(&tx, id, input)?;
        tx.commit()?;
        self.calendar_item(id)
    }

    pub fn delete_calendar_item(&mut self, id: i64) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        if tx.execute("DELETE FROM calendar_items WHERE id = ?1", [id])? == 0 {
            return Err(Error::not_found("calendar item", id));
        }
        tx.commit()?;
        Ok(())
    }
}
