//! Feedback themes (issue 11): conversations tagged as feedback grouped by the terms they
//! share; a person's rename, split, merge and move survive every later grouping; new feedback
//! joins its theme; exports for a product team and a GitHub issue through the outbox.

use crate::common;

use common::{message as msg, person, thread, TestDb, DAY, NOW};
use hearth::ingest::Batch;
use hearth::model::{FeedbackTheme, Platform, TriageAction};

/// Ingests a conversation titled `title` opened `days_ago` by `author`, tagged `tags`.
fn feedback(
    db: &mut TestDb,
    account: i64,
    id: &str,
    title: &str,
    author: &str,
    days_ago: i64,
    tags: &[&str],
) -> i64 {
    let at = NOW - days_ago * DAY;
    let batch = Batch {
        identities: vec![person(author, &format!("Person {author}"), None)],
        conversations: vec![thread(id, title, at)],
        messages: vec![msg(
            id,
            &format!("{id}-0"),
            author,
            &format!("{title}. Details inside."),
            at,
        )],
        quarantined: Vec::new(),
    };
    db.store.ingest(account, &batch, NOW).expect("ingested");
    let conv: i64 = rusqlite::Connection::open(db.path())
        .expect("opens")
        .query_row(
            "SELECT id FROM conversations WHERE external_id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("the conversation");
    for tag in tags {
        db.store
            .triage(conv, &TriageAction::Tag { tag: (*tag).into() }, NOW)
            .expect("tagged");
    }
    conv
}

fn theme_with<'a>(themes: &'a [FeedbackTheme], term: &str) -> &'a FeedbackTheme {
    themes
        .iter()
        .find(|t| t.terms.iter().any(|x| x == term))
        .unwrap_or_else(|| panic!("a theme with “{term}”: {themes:#?}"))
}

#[test]
fn feedback_groups_by_shared_terms_and_a_persons_edits_survive_regrouping() {
    let mut db = TestDb::new();
    let discord = db.discord();
    let dark = [
        ("d1", "Please add a dark mode toggle", 2),
        ("d2", "Dark mode for the docs theme?", 9),
        ("d3", "Any plans for dark mode", 16),
        ("d4", "Dark-mode colours are off on Safari", 40),
    ];
    let mut dark_ids = Vec::new();
    for (i, (id, title, ago)) in dark.iter().enumerate() {
        let kind = if i == 3 { "bug" } else { "feature request" };
        dark_ids.push(feedback(
            &mut db,
            discord,
            id,
            title,
            &format!("u{}", i % 3),
            *ago,
            &[kind],
        ));
    }
    let search = [
        ("s1", "Search index misses pages"),
        ("s2", "Search is slow with 10k pages"),
        ("s3", "Search results ignore accents"),
    ];
    for (i, (id, title)) in search.iter().enumerate() {
        feedback(&mut db, discord, id, title, &format!("v{i}"), 5, &["bug"]);
    }
    feedback(
        &mut db,
        discord,
        "p1",
        "Lumen 3.1 is fantastic",
        "w1",
        1,
        &["praise"],
    );
    // a question not tagged as feedback, and untagged chat: not feedback
    feedback(
        &mut db,
        discord,
        "q1",
        "How do I turn on dark mode?",
        "x1",
        1,
        &["question"],
    );
    feedback(&mut db, discord, "c1", "Dark mode chat", "x2", 1, &[]);

    db.store.refresh_themes(NOW).expect("grouped");
    let all = db.store.feedback_themes(NOW).expect("themes");
    assert_eq!((all.total, all.unthemed), (8, 1), "{all:#?}");
    assert_eq!(all.themes.len(), 2, "{all:#?}");
    let dark_theme = theme_with(&all.themes, "dark mode").clone();
    assert_eq!(dark_theme.name, "Dark mode");
    assert_eq!(dark_theme.count, 4);
    assert_eq!((dark_theme.requests, dark_theme.bugs), (3, 1));
    assert_eq!(
        (dark_theme.last_30_days, dark_theme.previous_30_days),
        (3, 1),
        "opened 2, 9 and 16 days ago, and 40"
    );
    assert_eq!(dark_theme.weeks.len(), 12);
    assert_eq!(
        &dark_theme.weeks[9..],
        &[1, 1, 1],
        "one a week, the last three weeks"
    );
    assert_eq!(dark_theme.weeks[6], 1, "and one five weeks before this one");
    assert_eq!(dark_theme.member_count, 3, "three people asked for it");
    assert_eq!(all.themes[0].id, dark_theme.id, "the biggest theme first");
    let search_theme = theme_with(&all.themes, "search").clone();
    assert_eq!(search_theme.count, 3);

    // Regrouping changes nothing.
    db.store.refresh_themes(NOW + 1).expect("again");
    assert_eq!(
        db.store.feedback_themes(NOW).expect("themes").themes,
        all.themes
    );

    // A person's edits: a name, a split by a term, and they survive regrouping.
    db.store
        .rename_theme(dark_theme.id, "Dark mode (docs theme)", NOW)
        .expect("renamed");
    let detail = db
        .store
        .feedback_theme(dark_theme.id, NOW)
        .expect("a theme");
    assert!(
        detail
            .split_terms
            .iter()
            .any(|t| t.term == "toggle" || t.term == "docs"),
        "{:?}",
        detail.split_terms
    );
    let err = db
        .store
        .split_theme(dark_theme.id, "dark", NOW)
        .expect_err("every conversation has it");
    assert!(err.to_string().contains("rename it instead"), "{err}");
    let safari = db
        .store
        .split_theme(dark_theme.id, "Safari", NOW)
        .expect("split");
    db.store.refresh_themes(NOW + 2).expect("again");
    let after = db.store.feedback_themes(NOW).expect("themes");
    let renamed = after
        .themes
        .iter()
        .find(|t| t.id == dark_theme.id)
        .expect("kept");
    assert_eq!(
        (renamed.name.as_str(), renamed.count),
        ("Dark mode (docs theme)", 3)
    );
    let split = after
        .themes
        .iter()
        .find(|t| t.id == safari)
        .expect("the split");
    assert_eq!((split.name.as_str(), split.count), ("Safari", 1));

    // New feedback joins the theme it shares a term with; untagged, it leaves.
    let new = feedback(
        &mut db,
        discord,
        "d5",
        "Dark mode in the admin too",
        "u9",
        0,
        &["feedback"],
    );
    db.store.refresh_themes(NOW + 3).expect("again");
    let items = db
        .store
        .feedback_theme(dark_theme.id, NOW)
        .expect("a theme")
        .items;
    assert_eq!(items[0].conversation_id, new, "newest first: {items:#?}");
    assert_eq!(items[0].kind, "feedback");
    db.store
        .triage(
            new,
            &TriageAction::Untag {
                tag: "feedback".into(),
            },
            NOW,
        )
        .expect("untagged");
    db.store.refresh_themes(NOW + 4).expect("again");
    assert_eq!(
        db.store
            .feedback_theme(dark_theme.id, NOW)
            .expect("a theme")
            .theme
            .count,
        3
    );

    // A merge brings the split back, with its term: Safari feedback joins from now on.
    db.store
        .merge_themes(dark_theme.id, safari, NOW)
        .expect("merged");
    let merged = db
        .store
        .feedback_theme(dark_theme.id, NOW)
        .expect("a theme")
        .theme;
    assert_eq!(merged.count, 4);
    assert!(
        merged.terms.contains(&"safari".to_string()),
        "{:?}",
        merged.terms
    );
    assert!(
        db.store.feedback_theme(safari, NOW).is_err(),
        "the absorbed theme is gone"
    );
    // A conversation moved by hand stays where it was put.
    db.store
        .move_to_theme(dark_ids[0], Some(search_theme.id))
        .expect("moved");
    db.store.refresh_themes(NOW + 5).expect("again");
    assert_eq!(
        db.store
            .feedback_theme(search_theme.id, NOW)
            .expect("a theme")
            .theme
            .count,
        4
    );
    let err = db.store.move_to_theme(999, None).expect_err("not feedback");
    assert!(err.to_string().contains("not tagged as feedback"), "{err}");
}

#[test]
fn a_theme_is_exported_for_a_product_team_and_opened_as_a_github_issue_once() {
    let mut db = TestDb::new();
    let discord = db.discord();
    for (i, title) in [
        "=HYPERLINK(\"http://evil\") sitemap broken",
        "Sitemap misses [pages](javascript:alert(1))",
        "Sitemap <b>too big</b>",
    ]
    .iter()
    .enumerate()
    {
        feedback(
            &mut db,
            discord,
            &format!("s{i}"),
            title,
            &format!("u{i}"),
            i as i64,
            &["bug"],
        );
    }
    db.store.refresh_themes(NOW).expect("grouped");
    let theme = db.store.feedback_themes(NOW).expect("themes").themes[0].clone();
    assert_eq!(theme.name, "Sitemap");

    let dir = tempfile::tempdir().expect("a folder");
    let md_path = dir.path().join("sitemap.md");
    db.store
        .export_theme(theme.id, &md_path, NOW)
        .expect("written");
    let md = std::fs::read_to_string(&md_path).expect("the file");
    assert!(md.starts_with("# Sitemap\n"), "{md}");
    assert!(
        md.contains("3 conversations from 3 members (3 bugs)"),
        "{md}"
    );
    assert!(
        !md.contains("](javascript") && md.contains("\\[pages\\]\\(javascript"),
        "a member's link is text: {md}"
    );
    let csv_path = dir.path().join("sitemap.csv");
    db.store
        .export_theme(theme.id, &csv_path, NOW)
        .expect("written");
    let csv = std::fs::read_to_string(&csv_path).expect("the file");
    assert!(csv.starts_with("theme,conversation,opened,kind,platform,author,title,url,excerpt"));
    assert_eq!(csv.lines().count(), 4);
    assert!(
        csv.contains("'=HYPERLINK"),
        "no formula runs in a spreadsheet: {csv}"
    );
    let err = db
        .store
        .export_theme(theme.id, &dir.path().join("sitemap.txt"), NOW)
        .expect_err("no such format");
    assert!(err.to_string().contains(".md"), "{err}");

    // No GitHub account: said in words. With one: one post queued, titled by the theme.
    let err = db
        .store
        .open_theme_issue(theme.id, None, NOW)
        .expect_err("no GitHub");
    assert!(
        err.to_string().contains("connect a GitHub account"),
        "{err}"
    );
    let github = db.account(Platform::Github, "lumen/lumen");
    let item = db
        .store
        .open_theme_issue(theme.id, None, NOW)
        .expect("queued");
    assert_eq!((item.account_id, item.kind.as_str()), (github, "post"));
    assert!(item.body.starts_with("# Sitemap"), "{}", item.body);
    let title: String = rusqlite::Connection::open(db.path())
        .expect("opens")
        .query_row("SELECT title FROM outbox WHERE id = ?1", [item.id], |r| {
            r.get(0)
        })
        .expect("a title");
    assert_eq!(title, "Feedback: Sitemap");
    let err = db
        .store
        .open_theme_issue(theme.id, Some(discord), NOW)
        .expect_err("not GitHub");
    assert!(err.to_string().contains("not a GitHub account"), "{err}");

    // The CLI lists the themes.
    let out = common::hearth(&db.path())
        .args(["feedback", "--json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", common::text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["themes"][0]["name"], "Sitemap");
    assert_eq!(v["total"], 3);
}

/// `hearth triage CONVERSATION ACTION TAG`, another process on the same database.
fn cli_triage(db: &TestDb, conversation: i64, action: &str, tag: &str) {
    let out = common::hearth(&db.path())
        .args(["triage", &conversation.to_string(), action, tag])
        .output()
        .expect("the CLI runs");
    assert!(out.status.success(), "{}", common::text(&out));
}

/// Theme `id` after the grouping has run again.
fn regrouped(db: &mut TestDb, id: i64) -> FeedbackTheme {
    db.store.refresh_themes(NOW).expect("grouped again");
    db.store.feedback_theme(id, NOW).expect("the theme").theme
}

#[test]
fn themes_follow_what_another_process_tags_who_is_merged_and_who_is_forgotten() {
    let mut db = TestDb::new();
    let discord = db.discord();
    let mut ids = Vec::new();
    for (i, title) in [
        "Offline mode drops drafts",
        "Offline mode for the mobile app",
        "Offline mode would save my commute",
    ]
    .iter()
    .enumerate()
    {
        ids.push(feedback(
            &mut db,
            discord,
            &format!("o{i}"),
            title,
            &format!("p{i}"),
            i as i64 + 1,
            &["feature request"],
        ));
    }
    // tagged in another process (the CLI), while the app's store is open
    let later = feedback(&mut db, discord, "o3", "Offline mode please", "p0", 0, &[]);
    cli_triage(&db, later, "tag", "bug");
    db.store.refresh_themes(NOW).expect("grouped");
    let theme = theme_with(
        &db.store.feedback_themes(NOW).expect("themes").themes,
        "offline mode",
    )
    .clone();
    assert_eq!(theme.count, 4, "the CLI's tag counts: {theme:#?}");
    assert_eq!((theme.requests, theme.bugs), (3, 1));
    assert_eq!(theme.member_count, 3, "p0 raised two of them");
    assert_eq!(theme.members[0].conversations, 2);

    // a second tag changes its kind; taking the bug tag off in the CLI takes it out
    db.store
        .triage(
            later,
            &TriageAction::Tag {
                tag: "question".into(),
            },
            NOW,
        )
        .expect("tagged");
    assert_eq!(
        regrouped(&mut db, theme.id).bugs,
        1,
        "still a bug: bug outranks question"
    );
    cli_triage(&db, later, "untag", "bug");
    assert_eq!(regrouped(&mut db, theme.id).count, 3);

    // two people merged are one person behind the theme; unmerged, two again
    let member_of = |db: &TestDb, conv: i64| -> i64 {
        rusqlite::Connection::open(db.path())
            .expect("opens")
            .query_row(
                "SELECT id.member_id FROM messages m JOIN identities id ON id.id = m.author_identity_id
                 WHERE m.conversation_id = ?1",
                [conv],
                |r| r.get(0),
            )
            .expect("the author")
    };
    let (a, b) = (member_of(&db, ids[0]), member_of(&db, ids[1]));
    db.store.merge_members(a, b, "Test", NOW).expect("merged");
    let merged = regrouped(&mut db, theme.id);
    assert_eq!(merged.member_count, 2, "{merged:#?}");
    assert_eq!(
        (merged.members[0].member_id, merged.members[0].conversations),
        (a, 2)
    );
    db.store.unmerge(a, None, NOW).expect("unmerged");
    assert_eq!(regrouped(&mut db, theme.id).member_count, 3);

    // taken out of every theme by hand, it stays out however often the grouping runs
    db.store.move_to_theme(ids[2], None).expect("moved out");
    feedback(
        &mut db,
        discord,
        "o4",
        "Offline mode sync",
        "p4",
        0,
        &["feedback"],
    );
    db.store.refresh_themes(NOW).expect("again");
    let overview = db.store.feedback_themes(NOW).expect("themes");
    assert_eq!((overview.total, overview.unthemed), (4, 1), "{overview:#?}");
    assert_eq!(theme_with(&overview.themes, "offline mode").count, 3);

    // forgotten: the conversation stays feedback (its title is the community's), and nobody
    // stands behind it, not even the "Deleted member" its message now comes from
    let c = member_of(&db, ids[1]);
    db.store.forget_member(c, NOW).expect("forgotten");
    db.store.refresh_themes(NOW).expect("again");
    let overview = db.store.feedback_themes(NOW).expect("themes");
    assert_eq!(overview.total, 4, "{overview:#?}");
    let after = db.store.feedback_theme(theme.id, NOW).expect("theme").theme;
    assert_eq!((after.count, after.member_count), (3, 2), "{after:#?}");
    assert!(
        after
            .members
            .iter()
            .all(|m| m.member_id != c && m.name != "Deleted member"),
        "{after:#?}"
    );
}
