//! The demo community: realistic, deterministic, and written through the real ingest path.

use crate::common;

use common::NOW;
use hearth::model::{DemoOptions, InboxQuery, MemberQuery, ModActionKind, Status};
use hearth::Store;

fn demo(seed: u64) -> (tempfile::TempDir, Store, hearth::demo::DemoSummary) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("demo.db")).unwrap();
    let mut last = None;
    let summary = hearth::demo::generate(
        &mut store,
        &DemoOptions {
            members: 200,
            messages: 2500,
            seed,
        },
        NOW,
        &mut |p| last = Some(p.clone()),
    )
    .expect("the demo generates");
    let last = last.expect("progress was reported");
    assert_eq!(last.done, last.total, "progress ends at 100%");
    (dir, store, summary)
}

#[test]
fn the_demo_writes_exactly_the_messages_asked_for_across_six_platforms() {
    let (_dir, store, summary) = demo(7);
    let status = store.totals().unwrap();
    assert_eq!(status.messages, 2500);
    assert_eq!(summary.messages, 2500);
    assert_eq!(summary.people, 200);
    let platforms: std::collections::BTreeSet<_> = store
        .inbox(
            &InboxQuery {
                status: Some(Status::Done),
                limit: Some(500),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
        .items
        .iter()
        .map(|i| i.platform)
        .collect();
    assert!(
        platforms.len() >= 6,
        "threads on at least six platforms: {platforms:?}"
    );
}

#[test]
fn the_same_seed_makes_the_same_community_and_another_seed_a_different_one() {
    let (_a, a, _) = demo(11);
    let (_b, b, _) = demo(11);
    let (_c, c, _) = demo(12);
    let names = |s: &Store| -> Vec<String> {
        s.members(&MemberQuery {
            limit: Some(100),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|m| format!("{} {}", m.display_name, m.message_count))
        .collect()
    };
    assert_eq!(names(&a), names(&b));
    assert_ne!(names(&a), names(&c));
}

#[test]
fn the_demo_inbox_is_calm_but_has_work_in_it() {
    let (_dir, store, summary) = demo(7);
    let counts = store.inbox_counts(NOW).unwrap();
    assert_eq!(counts.open as u64, summary.open);
    assert!(
        counts.open >= 10,
        "there is something to triage: {counts:?}"
    );
    assert!(
        counts.done > counts.open * 3,
        "most of it is handled: {counts:?}"
    );
    assert!(counts.snoozed > 0, "some things wait: {counts:?}");
    assert!(
        counts.waiting > 0,
        "some answered questions wait on their askers: {counts:?}"
    );
    let waiting = store
        .inbox(
            &InboxQuery {
                status: Some(hearth::model::Status::Waiting),
                limit: Some(500),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    for item in &waiting.items {
        let thread = store.conversation(item.id, NOW).unwrap();
        assert!(
            thread.messages.last().is_some_and(|m| m.from_us),
            "a waiting conversation was answered last by the team: {item:?}"
        );
    }
    let canned = store.canned_replies().unwrap();
    assert!(
        canned.len() >= 3,
        "canned replies to start from: {canned:?}"
    );
    let filled = store
        .canned_reply_for("Windows install", waiting.items[0].id)
        .unwrap();
    let name = filled
        .strip_prefix("Hi ")
        .and_then(|rest| rest.split(',').next())
        .unwrap_or("");
    assert!(
        !name.is_empty() && !filled.contains('{'),
        "filled in for the member it answers: {filled}"
    );
    let open = store
        .inbox(
            &InboxQuery {
                limit: Some(500),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let tags: std::collections::BTreeSet<&str> = open
        .items
        .iter()
        .flat_map(|i| i.tags.iter().map(String::as_str))
        .collect();
    for t in ["question", "bug"] {
        assert!(tags.contains(t), "open threads tagged {t}: {tags:?}");
    }
}

#[test]
fn the_demo_fills_every_view_ranks_with_reasons_and_has_replies_due_and_overdue() {
    let (_dir, mut store, _) = demo(7);
    store.refresh_rules(NOW).unwrap();
    for view in store.views(NOW).unwrap() {
        assert!(view.count > 0, "the demo's {} view is empty", view.name);
    }
    let page = store
        .inbox(
            &InboxQuery {
                limit: Some(500),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let with_reasons = page.items.iter().filter(|i| !i.reasons.is_empty()).count();
    assert!(
        with_reasons * 3 >= page.items.len(),
        "most of the queue says why: {with_reasons} of {}",
        page.items.len()
    );
    // the first rows rank above the rest, and say why
    assert!(page.items[0].rank >= page.items[page.items.len() - 1].rank);
    assert!(!page.items[0].reasons.is_empty());
    let rules: Vec<String> = page
        .items
        .iter()
        .flat_map(|i| i.reasons.iter().map(|r| r.rule.clone()))
        .collect();
    for rule in [
        "Mentions you",
        "Unanswered for a day",
        "First-time poster",
        "VIP member",
        "Bug reports",
    ] {
        assert!(
            rules.iter().any(|r| r == rule),
            "no open conversation shows the rule {rule}"
        );
    }
    let overdue = page
        .items
        .iter()
        .filter(|i| i.reply_due_at.is_some_and(|d| d <= NOW))
        .count();
    let near = page
        .items
        .iter()
        .filter(|i| {
            i.reply_due_at
                .is_some_and(|d| d > NOW && d - NOW <= 6 * common::HOUR)
        })
        .count();
    assert!(
        overdue >= 3 && near >= 1,
        "overdue {overdue}, due within 6 h {near}"
    );
    let mine = store.view("mine", NOW).unwrap();
    assert!(
        mine.count >= 2,
        "Robin has conversations of their own: {}",
        mine.count
    );
}

#[test]
fn demo_people_have_several_accounts_some_merged_some_waiting_with_evidence() {
    let (_dir, store, _) = demo(7);
    let page = store
        .members(&MemberQuery {
            limit: Some(500),
            ..Default::default()
        })
        .unwrap();
    let merged = page.items.iter().filter(|m| m.platforms.len() >= 2).count();
    assert!(
        merged >= 5,
        "people merged on proof show several platforms: {merged}"
    );
    let waiting = store.merge_suggestion_count().unwrap();
    assert!(
        waiting >= 20,
        "possible duplicates wait for review: {waiting}"
    );
    // people not merged yet, whose identities share an email: evidence for a later merge
    let mut by_email = std::collections::HashMap::<String, std::collections::BTreeSet<i64>>::new();
    for m in &page.items {
        for i in store.member_profile(m.id, NOW).unwrap().identities {
            if let Some(e) = i.email {
                by_email.entry(e).or_default().insert(m.id);
            }
        }
    }
    assert!(
        by_email.values().any(|ids| ids.len() > 1),
        "some unmerged people share an email"
    );
    let notes: usize = page
        .items
        .iter()
        .map(|m| store.notes(m.id).unwrap().len())
        .sum();
    assert!(notes >= 3, "the demo has notes on members");
}

#[test]
fn demo_spam_reaches_the_ui_only_sanitised() {
    let (_dir, store, _) = demo(7);
    let hits = store
        .search("claim tokens", 50, hearth::now_millis())
        .unwrap()
        .hits;
    assert!(
        !hits.is_empty(),
        "the demo has a spam message with hostile HTML"
    );
    for h in hits {
        let detail = store.conversation(h.conversation_id.unwrap(), NOW).unwrap();
        for m in detail.messages {
            if let Some(html) = m.html {
                assert!(
                    !html.contains("<script") && !html.contains("javascript:"),
                    "{html}"
                );
            }
        }
    }
}

#[test]
fn the_demo_refuses_a_database_that_already_holds_data() {
    let (dir, mut store, _) = demo(7);
    let err =
        hearth::demo::generate(&mut store, &DemoOptions::default(), NOW, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("already holds data"), "{err}");
    drop(dir);
}

#[test]
fn the_demo_calendar_has_scheduled_posts_and_ideas() {
    let (_dir, store, _) = demo(7);
    let items = store
        .calendar(&hearth::model::CalendarRange {
            include_unscheduled: true,
            ..Default::default()
        })
        .unwrap();
    use hearth::model::ContentState::*;
    for state in hearth::model::ContentState::ALL {
        assert!(items.iter().any(|i| i.state == state), "a {state:?} item");
    }
    // partly published: one target out with its link, one failed with the reason
    let partly = items.iter().find(|i| i.state == Partly).unwrap();
    assert!(partly
        .variants
        .iter()
        .any(|v| v.status == hearth::model::TargetStatus::Sent && v.url.is_some()));
    assert!(partly
        .variants
        .iter()
        .any(|v| v.status == hearth::model::TargetStatus::Failed && v.error.is_some()));
    // review has its conversation, and what is approved says by whom
    assert!(items.iter().any(|i| i.state == InReview && i.comments >= 2));
    assert!(items
        .iter()
        .filter(|i| matches!(i.state, Approved | Scheduled))
        .all(|i| i.approved_by.is_some()));
    assert!(items
        .iter()
        .any(|i| i.state == Scheduled && i.variants.len() >= 2 && i.scheduled_at > Some(NOW)));
    assert!(
        items.iter().any(|i| i.source_conversation_id.is_some()),
        "an idea curated from the inbox"
    );
    // an image with its alt text, and engagement on what went out
    let (title, file, alt) = hearth::demo::DEMO_IMAGE;
    let release = items
        .iter()
        .find(|i| i.title == title)
        .expect("the release post");
    assert_eq!(release.images.len(), 1);
    assert_eq!(
        (
            release.images[0].file_name.as_str(),
            release.images[0].alt.as_str()
        ),
        (file, alt)
    );
    let (mime, bytes) = store.calendar_image_bytes(release.images[0].id).unwrap();
    assert_eq!(mime, "image/png");
    assert!(bytes.starts_with(b"\x89PNG"));
    assert!(partly
        .variants
        .iter()
        .any(|v| v.status == hearth::model::TargetStatus::Sent
            && v.reactions.is_some()
            && v.boosts.is_some()));
}

#[test]
fn the_dashboard_tells_the_demos_story_a_release_spurt_a_rough_week_and_a_helper() {
    use hearth::demo::story;
    use hearth::model::MetricsQuery;
    const DAY: i64 = 86_400_000;
    let dir = tempfile::tempdir().expect("a folder");
    let mut store = Store::open(dir.path().join("demo.db")).expect("opens");
    hearth::demo::generate(&mut store, &DemoOptions::default(), NOW, &mut |_| {})
        .expect("the demo generates");
    // the 60 days up to the demo's day, as the Dashboard shows them
    let m = store
        .metrics(
            &MetricsQuery {
                from: Some(NOW - 59 * DAY),
                ..Default::default()
            },
            NOW,
        )
        .expect("metrics");
    let days = &m.days;
    let day_of = |days_ago: i64| (NOW - days_ago * DAY).div_euclid(DAY) * DAY;
    let weeks = 0..=days.len() - 7;

    // the week with the most newcomers is the one after the release, with over twice as many
    // as the median week
    let new_in = |i: usize| days[i..i + 7].iter().map(|d| d.new_members).sum::<u32>();
    let spurt = weeks.clone().max_by_key(|i| new_in(*i)).expect("weeks");
    assert!(
        (days[spurt].day - day_of(story::RELEASE_DAYS_AGO)).abs() <= DAY,
        "the busiest week for newcomers starts {} days ago",
        (NOW - days[spurt].day) / DAY
    );
    let mut all: Vec<u32> = weeks.clone().map(new_in).collect();
    all.sort_unstable();
    assert!(
        new_in(spurt) > 2 * all[all.len() / 2],
        "{} newcomers that week, against a median week's {}",
        new_in(spurt),
        all[all.len() / 2]
    );

    // the week whose messages read worst is the rough week
    let mood = |i: usize| {
        let (sum, n) = days[i..i + 7].iter().fold((0.0, 0.0), |(s, n), d| {
            let w = f64::from(d.messages);
            (s + d.sentiment.unwrap_or(0.0) * w, n + w)
        });
        sum / n
    };
    let worst = weeks
        .clone()
        .min_by(|a, b| mood(*a).total_cmp(&mood(*b)))
        .expect("weeks");
    let rough = day_of(story::ROUGH_WEEK_STARTS_DAYS_AGO);
    assert!(
        (days[worst].day - rough).abs() <= 3 * DAY,
        "the worst week starts {} days ago ({:.3}, against {:.3} for the release week)",
        (NOW - days[worst].day) / DAY,
        mood(worst),
        mood(spurt)
    );

    // and the helper is among the top contributors, with the most answers to others
    let helper = m
        .top_contributors
        .iter()
        .max_by_key(|c| c.answers)
        .expect("contributors");
    assert_eq!(helper.name, story::HELPER);
    assert!(helper.answers >= story::newcomers(400), "{helper:?}");
    // and she is the first of the helpers to thank: every newcomer she answered came back
    let first = &m.helpers[0];
    assert_eq!(first.name, story::HELPER);
    assert!(
        first.first_answers >= story::newcomers(400) && first.thanked >= story::newcomers(400),
        "{first:?}"
    );

    // the Moderation view has the month's spam and the rough week's worst, under the rules
    // that caught them and the guidelines they break
    assert!(store
        .guidelines()
        .expect("guidelines")
        .contains("## Be kind"));
    let flags = store.mod_flags(None, 500).expect("flags");
    let by = |rule: &str| flags.iter().filter(|f| f.rule == rule).count();
    assert!(by("Spam words") >= 1, "{flags:#?}");
    assert!(
        flags.iter().any(
            |f| f.rule == "Very negative" && f.excerpt.contains("3.1.3 broke every image path")
        ),
        "the rough week is flagged"
    );
    assert!(flags
        .iter()
        .all(|f| f.written_at >= NOW - 30 * DAY && f.author != "Lumen Team"));
    // and the log holds what the moderator already did about two of them, recorded by hand
    // (the demo sends nothing), each settling its flag and on its member's profile
    let log = store.mod_log(None, 50).expect("the log");
    let mut done: Vec<_> = log.iter().map(|a| (a.action, a.how.as_str())).collect();
    done.sort_by_key(|(a, _)| a.as_str());
    let mut expected: Vec<_> = story::ACTIONS
        .iter()
        .map(|(_, a, _)| (*a, "hand"))
        .collect();
    expected.sort_by_key(|(a, _)| a.as_str());
    assert_eq!(done, expected, "{log:#?}");
    let warned = log
        .iter()
        .find(|a| a.action == ModActionKind::Warn)
        .expect("a warning");
    assert!(
        warned
            .excerpt
            .as_deref()
            .is_some_and(|e| !e.contains("panicked")),
        "the warning is for an angry message, not a bug report: {warned:?}"
    );
    let actioned = store.mod_flags(Some("actioned"), 50).expect("flags");
    assert!(log.iter().all(|a| actioned
        .iter()
        .any(|f| Some(f.id) == a.flag_id && Some(f.message_id) == a.message_id)));
    let profile = store
        .member_profile(log[0].member_id, NOW)
        .expect("a profile");
    assert!(profile.moderation.iter().any(|a| a.id == log[0].id));

    // the feedback theme that keeps coming back: dark mode, every week for twelve weeks, with
    // every one of the story's requests and the six people behind them
    let themes = store.feedback_themes(NOW).expect("themes");
    let top = themes
        .themes
        .iter()
        .find(|t| t.terms.iter().any(|x| x == story::THEME_TERM))
        .unwrap_or_else(|| panic!("a dark mode theme: {:#?}", themes.themes));
    assert!(
        top.weeks.iter().all(|&n| n >= 1),
        "every week: {:?}",
        top.weeks
    );
    assert!(top.member_count >= 6, "{top:?}");
    let detail = store.feedback_theme(top.id, NOW).expect("the theme");
    for title in story::THEME_REQUESTS {
        assert!(
            detail.items.iter().any(|i| i.title == title),
            "“{title}” is in the theme"
        );
    }
    assert!(
        themes.themes.len() >= 3,
        "the other feedback has themes too"
    );
}
