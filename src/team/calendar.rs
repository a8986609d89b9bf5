//! The team's calendar written here (issue 13): a teammate's item, its targets and comments, as
//! the workspace document holds them, into `calendar_items`, `calendar_targets` and
//! `calendar_comments`. Owns: matching a target's account by its platform, server and name;
//! keeping what this Hearth already sent (a target gone to the outbox stays, and so does an
//! item with one); never publishing a teammate's item (its `publisher` is kept).
//! Must never: write a value the tables' rules refuse (the whole sync would fail again and
//! again): an item in a state this version does not know is left as it is.

use rusqlite::{params, OptionalExtension, Transaction};

use super::doc::SharedItem;
use crate::error::Result;
use crate::model::Millis;

const STATES: [&str; 9] = [
    "idea",
    "draft",
    "in_review",
    "approved",
    "scheduled",
    "published",
    "partly",
    "failed",
    "missed",
];

/// The account here a teammate's target names (`platform|host|name`; None: not here).
fn account_by_key(tx: &Transaction<'_>, key: &str) -> Result<Option<i64>> {
    let Some((platform, name)) = super::split_key(key) else {
        return Ok(None);
    };
    let found: Option<(i64, Option<String>)> = tx
        .query_row(
            "SELECT id, base_url FROM accounts WHERE platform = ?1 AND name = ?2",
            params![platform, name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(super::on_the_server(key, found.into_iter().collect()))
}

/// Writes a teammate's version of calendar item `id` here (new, changed or deleted). Returns
/// whether anything changed.
pub(super) fn apply_item(
    tx: &Transaction<'_>,
    id: &str,
    item: &SharedItem,
    me: &str,
    now: Millis,
) -> Result<bool> {
    let local: Option<i64> = tx
        .query_row(
            "SELECT id FROM calendar_items WHERE team_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if item.deleted {
        let Some(row) = local else {
            return Ok(false);
        };
        // what this Hearth already sent stays, with the item it belongs to
        let sent: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM calendar_targets WHERE item_id = ?1
                              AND (outbox_id IS NOT NULL OR external_id IS NOT NULL))",
            [row],
            |r| r.get(0),
        )?;
        if sent {
            return Ok(false);
        }
        tx.execute("DELETE FROM calendar_items WHERE id = ?1", [row])?;
        return Ok(true);
    }
    if !STATES.contains(&item.state.as_str()) {
        return Ok(false);
    }
    let publisher =
        (item.publisher != me && !item.publisher.is_empty()).then_some(item.publisher.as_str());
    let row = match local {
        Some(row) => {
            tx.execute(
                "UPDATE calendar_items SET title = ?2, body = ?3, state = ?4, scheduled_at = ?5,
                     published_at = ?6, approved_at = ?7, approved_by = ?8, recurrence = ?9,
                     time_zone = ?10, publisher = ?11, updated_at = ?12
                 WHERE id = ?1",
                params![
                    row,
                    item.title,
                    item.body,
                    item.state,
                    item.scheduled_at,
                    item.published_at,
                    item.approved_at,
                    item.approved_by,
                    item.recurrence,
                    item.time_zone,
                    publisher,
                    now
                ],
            )?;
            row
        }
        None => tx.query_row(
            "INSERT INTO calendar_items (title, body, state, scheduled_at, published_at,
                 approved_at, approved_by, recurrence, time_zone, created_at, updated_at,
                 team_id, publisher)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             RETURNING id",
            params![
                item.title,
                item.body,
                item.state,
                item.scheduled_at,
                item.published_at,
                item.approved_at,
                item.approved_by,
                item.recurrence,
                item.time_zone,
                item.created_at,
                now,
                id,
                publisher
            ],
            |r| r.get(0),
        )?,
    };
    // targets: each the team's version, matched by its id; one gone from the team goes here
    // too, unless this Hearth already sent it
    for (tid, json) in &item.targets {
        let Ok(t) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        let Some(platform) = t["platform"].as_str() else {
            continue;
        };
        let account = match t["account"].as_str() {
            Some(key) => account_by_key(tx, key)?,
            None => None,
        };
        // one post per platform and account on an item: a second one this laptop cannot tell
        // apart (its account is not here) is left out here
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM calendar_targets
                            WHERE item_id = ?1 AND platform = ?2
                              AND coalesce(account_id, 0) = coalesce(?3, 0)
                              AND team_id IS NOT ?4)",
            params![row, platform, account, tid],
            |r| r.get(0),
        )?;
        if taken {
            continue;
        }
        let text = |k: &str| t[k].as_str().map(str::to_string);
        let follows_main = t["followsMain"].as_bool().unwrap_or(false);
        // a target that follows the main text has the main text as the team merged it (its
        // copy may be one side's from before the merge)
        let body = if follows_main {
            item.body.clone()
        } else {
            text("body").unwrap_or_default()
        };
        tx.execute(
            "INSERT INTO calendar_targets (item_id, platform, account_id, channel, title, body,
                 follows_main, external_id, url, error, team_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (team_id) WHERE team_id IS NOT NULL DO UPDATE SET
                 account_id = coalesce(excluded.account_id, account_id),
                 channel = excluded.channel, title = excluded.title, body = excluded.body,
                 follows_main = excluded.follows_main,
                 external_id = coalesce(external_id, excluded.external_id),
                 url = coalesce(url, excluded.url), error = excluded.error",
            params![
                row,
                platform,
                account,
                text("channel"),
                text("title"),
                body,
                follows_main,
                text("externalId"),
                text("url"),
                text("error"),
                tid
            ],
        )?;
    }
    let held: Vec<String> = tx
        .prepare_cached(
            "SELECT team_id FROM calendar_targets WHERE item_id = ?1 AND team_id IS NOT NULL
               AND outbox_id IS NULL AND external_id IS NULL",
        )?
        .query_map([row], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for tid in held {
        if !item.targets.contains_key(&tid) {
            tx.execute("DELETE FROM calendar_targets WHERE team_id = ?1", [tid])?;
        }
    }
    // comments: the team's, each once
    for (cid, json) in &item.comments {
        let Ok(c) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        tx.execute(
            "INSERT OR IGNORE INTO calendar_comments (item_id, author, body, created_at, team_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                row,
                c["author"].as_str().unwrap_or("a teammate"),
                c["body"].as_str().unwrap_or_default(),
                c["createdAt"].as_i64().unwrap_or(now),
                cid
            ],
        )?;
    }
    let held: Vec<String> = tx
        .prepare_cached(
            "SELECT team_id FROM calendar_comments WHERE item_id = ?1 AND team_id IS NOT NULL",
        )?
        .query_map([row], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for cid in held {
        if !item.comments.contains_key(&cid) {
            tx.execute("DELETE FROM calendar_comments WHERE team_id = ?1", [cid])?;
        }
    }
    Ok(true)
}
