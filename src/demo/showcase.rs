//! The demo's engagement showcase: a few people whose activity is built by hand so the
//! engagement levels, flags, saved segments and reminders show something known on first
//! launch — and tests have ground truth. Must never: depend on the random community around it
//! (except that it is there, being ranked with it).

use rusqlite::params;

use crate::error::Result;
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
use crate::members::segments::add_segment_in;
use crate::model::{ConversationKind, EngagementLevel, Millis, Platform, SegmentFilter};
use crate::store::Store;

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// A core contributor on GitHub, in Berlin, who opened issue after issue until five weeks ago
/// and has said nothing since: flagged "going quiet", with a follow-up due today.
pub const GOING_QUIET: &str = "Ingrid Halvorsen";
/// Joined Discord 12 days ago and already started two threads and answered in them: flagged
/// "new and active".
pub const NEWCOMER: &str = "Tomás Okafor";
/// The follow-up on [`GOING_QUIET`], due a couple of hours before the demo was made.
pub const DUE_TODAY: &str =
    "Check in with Ingrid: nothing from her since the image pipeline issues five weeks ago";
/// The follow-up on [`NEWCOMER`], due in three days.
pub const DUE_LATER: &str = "Ask Tomás whether he would like to help with the docs sprint";
/// The saved segments the demo makes, with their filters' intent.
pub const SEGMENTS: [&str; 4] = [
    "Going quiet",
    "New and active",
    "Core and active on GitHub",
    "GitHub contributors in Berlin who went quiet",
];

/// How many messages the showcase writes (taken from the demo's message budget).
pub const MESSAGES: u32 = 10 * 5 + 2 * 5;

struct Plan {
    space: usize,
    person: IncomingIdentity,
    conversations: Vec<(ConversationKind, &'static str, Millis)>,
}

/// Writes the showcase people through ingest into the demo's accounts (`account_ids` in the
/// order of the demo's spaces: 0 Discord, 2 GitHub), `github_team` and `discord_team` being
/// the team's identities there.
pub(super) fn write(
    store: &mut Store,
    account_ids: &[i64],
    team_ids: [&str; 2],
    now: Millis,
) -> Result<()> {
    let ingrid = Plan {
        space: 2,
        person: IncomingIdentity {
            external_id: "7700101".into(),
            handle: "ihalvorsen".into(),
            display_name: Some(GOING_QUIET.into()),
            organization: Some("Northwind Studio".into()),
            location: Some("Berlin".into()),
            profile_url: Some("https://github.com/ihalvorsen".into()),
            ..Default::default()
        },
        conversations: (0..10)
            .map(|i| {
                (
                    ConversationKind::Issue,
                    [
                        "AVIF encoder drops ICC profiles",
                        "Image pipeline: srcset widths ignore config",
                        "Incremental build misses changed partials",
                        "Watcher leaks file handles on macOS",
                        "i18n: fallback locale not applied to slugs",
                    ][i % 5],
                    now - (62 - 3 * i as Millis) * DAY,
                )
            })
            .collect(),
    };
    let tomas = Plan {
        space: 0,
        person: IncomingIdentity {
            external_id: "990000000000000777".into(),
            handle: "tomas.okafor".into(),
            display_name: Some(NEWCOMER.into()),
            location: Some("Lagos".into()),
            joined_at: Some(now - 12 * DAY),
            ..Default::default()
        },
        conversations: vec![
            (
                ConversationKind::Thread,
                "First site with Lumen: how do I split a long docs page?",
                now - 12 * DAY,
            ),
            (
                ConversationKind::Thread,
                "Made a Lumen theme for podcasts, feedback welcome",
                now - 5 * DAY,
            ),
        ],
    };
    for (plan, team) in [(ingrid, team_ids[0]), (tomas, team_ids[1])] {
        let me = plan.person.external_id.clone();
        let mut batch = Batch {
            identities: vec![plan.person],
            ..Default::default()
        };
        for (n, (kind, title, at)) in plan.conversations.into_iter().enumerate() {
            let conv = format!("showcase-{me}-{n}");
            batch.conversations.push(IncomingConversation {
                external_id: conv.clone(),
                kind,
                title: Some(title.into()),
                container: None,
                url: None,
                created_at: at,
            });
            // the starter, a team answer, then three follow-ups by the starter
            let lines = [
                (
                    me.as_str(),
                    format!("{title}. Steps and a minimal repro below."),
                ),
                (
                    team,
                    "Thanks! Could you try with the latest release?".into(),
                ),
                (
                    me.as_str(),
                    "Still happens on the latest release, same output.".into(),
                ),
                (me.as_str(), "Found the cause, opening a fix now.".into()),
                (me.as_str(), "Fix is up, tests pass locally.".into()),
            ];
            for (i, (author, text)) in lines.into_iter().enumerate() {
                batch.messages.push(IncomingMessage {
                    conversation_external_id: conv.clone(),
                    external_id: format!("{conv}-m{i}"),
                    author_external_id: author.to_string(),
                    text,
                    created_at: at + i as Millis * 2 * HOUR,
                    html: None,
                    edited_at: None,
                    deleted_at: None,
                    reply_to_external_id: (i > 0).then(|| format!("{conv}-m0")),
                    url: None,
                    mentions_us: false,
                });
            }
        }
        store.ingest(account_ids[plan.space], &batch, now)?;
    }
    // The team has read them: the showcase adds nothing to the inbox's queue.
    let done: Vec<(i64, crate::model::TriageAction)> = store
        .conn()
        .prepare("SELECT id FROM conversations WHERE external_id LIKE 'showcase-%'")?
        .query_map([], |r| r.get(0))?
        .map(|id| id.map(|id| (id, crate::model::TriageAction::Done)))
        .collect::<rusqlite::Result<_>>()?;
    store.triage_all(&done, now)?;
    Ok(())
}

/// After engagement was worked out: the follow-ups and the saved segments.
pub(super) fn follow_ups_and_segments(store: &mut Store, now: Millis) -> Result<()> {
    let tx = store.conn_mut().transaction()?;
    for (name, body, due) in [
        (GOING_QUIET, DUE_TODAY, now - 2 * HOUR),
        (NEWCOMER, DUE_LATER, now + 3 * DAY),
    ] {
        tx.execute(
            "INSERT INTO reminders (member_id, body, due_at, status, created_at)
             SELECT id, ?2, ?3, 'open', ?4 FROM members
             WHERE display_name = ?1 AND merged_into IS NULL LIMIT 1",
            params![name, body, due, now - 7 * DAY],
        )?;
    }
    let filters = [
        SegmentFilter {
            going_quiet: Some(true),
            ..Default::default()
        },
        SegmentFilter {
            new_and_active: Some(true),
            ..Default::default()
        },
        SegmentFilter {
            platforms: vec![Platform::Github],
            levels: vec![EngagementLevel::Core, EngagementLevel::Active],
            ..Default::default()
        },
        SegmentFilter {
            platforms: vec![Platform::Github],
            location: Some("Berlin".into()),
            quiet_for_days: Some(21),
            ..Default::default()
        },
    ];
    for (name, filter) in SEGMENTS.iter().zip(&filters) {
        add_segment_in(&tx, name, filter, true, now)?;
    }
    tx.commit()?;
    Ok(())
}
