//! The demo community's recent story, which the Dashboard tells on first launch: a spurt of
//! newcomers after the Lumen 3.1 release, a rough week when 3.1.3 broke image paths, and a
//! helper, Amara, who answered most of the newcomers' questions. Written by hand, so tests
//! have ground truth. Must never: depend on the random community around it.

use crate::error::Result;
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
use crate::model::{
    ConversationKind, Millis, ModActionInput, ModActionKind, ModRuleInput, ModRuleKind,
    TriageAction,
};
use crate::store::Store;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// Lumen 3.1 came out this many days before the demo was made (at 15:00 UTC that day); the
/// newcomers arrive over the week after it.
pub const RELEASE_DAYS_AGO: i64 = 33;
/// The rough week: from this many days ago to [`ROUGH_WEEK_ENDS_DAYS_AGO`], members were angry
/// about 3.1.3 breaking image paths, until 3.1.4 fixed it.
pub const ROUGH_WEEK_STARTS_DAYS_AGO: i64 = 13;
pub const ROUGH_WEEK_ENDS_DAYS_AGO: i64 = 6;
/// The member who answered the newcomers: the helper who deserves thanks.
pub const HELPER: &str = "Amara Nwosu";

const FIRST: [&str; 12] = [
    "Ilse", "Kwame", "Noor", "Bastien", "Yuki", "Dara", "Mateus", "Signe", "Farid", "Lucía",
    "Oskar", "Thandi",
];
const FAMILY: [&str; 8] = [
    "Brandt",
    "Mensah",
    "Haddad",
    "Lefèvre",
    "Sato",
    "Quinn",
    "Ferreira",
    "Lindqvist",
];

const QUESTIONS: [&str; 6] = [
    "Just upgraded to 3.1 — how do I turn on the new incremental builds?",
    "Where do I put a custom 404 page in 3.1?",
    "Is there a way to preview drafts locally with 3.1?",
    "How do I migrate my old image shortcodes to the 3.1 pipeline?",
    "Can the 3.1 i18n plugin translate slugs too?",
    "Does 3.1 still support Node 18?",
];
const ANSWERS: [&str; 6] = [
    "Add `incremental = true` under [build] in lumen.toml and it just works.",
    "Drop a 404.md in content/ — Lumen 3.1 picks it up on its own.",
    "Run `lumen serve --drafts` and they show up with a badge.",
    "There's a codemod: `npx lumen-migrate images` rewrites them for you.",
    "Yes: set `translate_slugs = true` in the i18n section.",
    "It does, 18 and up are supported; 20 is faster though.",
];
const ANGRY: [&str; 8] = [
    "3.1.3 broke every image path on our production docs. This is unacceptable for a patch release.",
    "Same here, our whole site is down because of this 😡",
    "Honestly this is the second time a minor update broke our builds. Really frustrating.",
    "Terrible. We had to roll back at 2am and nobody warned us.",
    "This is awful, images are 404ing everywhere after the upgrade.",
    "I'm seriously considering switching to another generator. Again broken, again no changelog note.",
    "Our CI is red all day because of this regression. Not happy.",
    "Why does a patch release break paths?! Very disappointed.",
];

/// The feedback theme that keeps coming back: a dark mode, asked for every week for twelve
/// weeks, in other words each time, by six people (some more than once).
pub const THEME_TERM: &str = "dark mode";
pub const THEME_REQUESTS: [&str; 12] = [
    "Dark mode toggle for the docs theme?",
    "Any plans for a dark mode?",
    "Readers keep asking us for dark mode",
    "Dark mode: +1 from our team",
    "Is dark mode on the roadmap?",
    "Dark mode would make the docs easier on the eyes at night",
    "Respect prefers-color-scheme (dark mode) in the default theme",
    "Our users want a dark mode switch",
    "Dark mode for the default theme, please",
    "Still hoping for dark mode in 3.2",
    "Built a hacky dark mode with custom CSS, could it be official?",
    "Dark mode again: accessibility feedback from our readers",
];
/// The people asking for it.
const THEME_PEOPLE: [&str; 6] = [
    "Ines Carvalho",
    "Tomasz Wrona",
    "Leila Haddad",
    "Kenji Mori",
    "Olga Petrenko",
    "Sam Whitfield",
];

/// The community's guidelines, as the demo's moderator wrote them.
pub const GUIDELINES: &str = "# Lumen community guidelines

## Be kind
Assume good faith. Criticise code and decisions, never people.

## No spam or advertising
No unsolicited promotion, giveaways, crypto or follower schemes, or invite links to other
servers.

## Keep it on topic
Questions about Lumen go in #help or the forum's Support category.

## Respect people's attention
No mass mentions, no shouting in capitals, no posting the same message again and again.
";

/// What the demo's moderator already did: the newest flag of each rule named, acted on.
pub const ACTIONS: [(&str, ModActionKind, &str); 2] = [
    (
        "Spam words",
        ModActionKind::Delete,
        "Crypto spam from an account that joined that day",
    ),
    (
        "Very negative",
        ModActionKind::Warn,
        "Heated during the 3.1.3 regression: reminded them to criticise the release, not people",
    ),
];

/// The demo's moderation rules, each naming the guideline it upholds.
pub fn rules() -> Vec<ModRuleInput> {
    let rule = |name: &str, kind, pattern: Option<&str>, threshold, guideline: &str| ModRuleInput {
        name: name.into(),
        kind,
        pattern: pattern.map(String::from),
        threshold,
        guideline: Some(guideline.into()),
    };
    vec![
        rule(
            "Spam words",
            ModRuleKind::Keywords,
            Some("usdt, crypto signal, free tokens, cheap followers"),
            None,
            "No spam or advertising",
        ),
        rule(
            "Links from new members",
            ModRuleKind::NewMemberLink,
            None,
            None,
            "No spam or advertising",
        ),
        rule(
            "Very negative",
            ModRuleKind::Negative,
            None,
            Some(-0.6),
            "Be kind",
        ),
        rule(
            "Shouting",
            ModRuleKind::AllCaps,
            None,
            None,
            "Respect people's attention",
        ),
    ]
}

/// How many newcomers arrive after the release in a demo of `members` members.
pub fn newcomers(members: u32) -> u32 {
    // as many as there are distinct names below
    (members / 10).clamp(20, (FIRST.len() * FAMILY.len()) as u32)
}

/// How many angry threads the rough week has: enough to be felt in the whole community's mood.
fn rough_threads(members: u32) -> u32 {
    (newcomers(members) / 5).max(3)
}

/// How many messages the story writes for a demo of `members` members (taken from the demo's
/// message budget): per newcomer an introduction, a question, the helper's answer and their
/// thanks; the release post; the angry threads, eight members each and the team's fix.
pub fn messages(members: u32) -> u32 {
    newcomers(members) * 4 + 1 + rough_threads(members) * 9 + THEME_REQUESTS.len() as u32
}

fn at(now: Millis, days_ago: i64, hour: i64) -> Millis {
    let day = (now - days_ago * DAY).div_euclid(DAY) * DAY;
    day + hour * HOUR
}

fn msg(conv: &str, id: String, author: &str, text: &str, at: Millis) -> IncomingMessage {
    IncomingMessage {
        conversation_external_id: conv.into(),
        external_id: id,
        author_external_id: author.into(),
        text: text.into(),
        html: None,
        created_at: at,
        edited_at: None,
        deleted_at: None,
        reply_to_external_id: None,
        url: None,
        mentions_us: false,
    }
}

fn thread(id: &str, title: &str, container: &str, at: Millis) -> IncomingConversation {
    IncomingConversation {
        external_id: id.into(),
        kind: ConversationKind::Thread,
        title: Some(title.into()),
        container: Some(container.into()),
        url: None,
        created_at: at,
    }
}

/// Writes the story into the demo's Discord account (`discord`), whose team identity is
/// `team`, for a demo of `members` members made at `now`.
pub(super) fn write(
    store: &mut Store,
    discord: i64,
    team: &str,
    members: u32,
    now: Millis,
) -> Result<()> {
    let n = newcomers(members) as usize;
    let mut batch = Batch::default();
    let helper = "990000000000000901";
    batch.identities.push(IncomingIdentity {
        external_id: helper.into(),
        handle: "amara.nwosu".into(),
        display_name: Some(HELPER.into()),
        location: Some("Accra".into()),
        joined_at: Some(now - 300 * DAY),
        ..Default::default()
    });
    let released = at(now, RELEASE_DAYS_AGO, 15);
    batch.conversations.push(thread(
        "story-release",
        "Lumen 3.1 is out",
        "#announcements",
        released,
    ));
    batch.messages.push(msg(
        "story-release",
        "story-release-0".into(),
        team,
        "Lumen 3.1 is out! 🎉 Incremental builds, a new image pipeline and built-in i18n. Thank you all for testing the betas.",
        released,
    ));
    let ids: Vec<String> = (0..n)
        .map(|i| format!("99000000000000{:04}", 1000 + i))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let name = format!(
            "{} {}",
            FIRST[i % FIRST.len()],
            FAMILY[(i / FIRST.len()) % FAMILY.len()]
        );
        batch.identities.push(IncomingIdentity {
            external_id: id.clone(),
            handle: name.to_lowercase().replace(' ', "."),
            display_name: Some(name),
            joined_at: Some(released),
            ..Default::default()
        });
        // over the week after the release, a few each day
        let came = released + 2 * HOUR + (i as Millis * 7 * DAY) / n as Millis;
        let hello = format!("story-hello-{i}");
        batch.conversations.push(thread(
            &hello,
            "Hello from a new member 👋",
            "#introductions",
            came,
        ));
        batch.messages.push(msg(
            &hello,
            format!("{hello}-0"),
            id,
            "Hi all! Found Lumen through the 3.1 release post, excited to try it.",
            came,
        ));
        let ask = format!("story-ask-{i}");
        let q = i % QUESTIONS.len();
        batch
            .conversations
            .push(thread(&ask, QUESTIONS[q], "#help", came + HOUR));
        batch
            .messages
            .push(msg(&ask, format!("{ask}-0"), id, QUESTIONS[q], came + HOUR));
        let answered = came + HOUR + (20 + (i as Millis % 5) * 25) * MINUTE;
        batch
            .messages
            .push(msg(&ask, format!("{ask}-1"), helper, ANSWERS[q], answered));
        batch.messages.push(msg(
            &ask,
            format!("{ask}-2"),
            id,
            "That worked, thank you so much! 🙏",
            answered + 40 * MINUTE,
        ));
    }
    // The rough week: angry threads over its first five days, eight newcomers each, then the
    // team's fix.
    for t in 0..i64::from(rough_threads(members)) {
        let conv = format!("story-rough-{t}");
        let started = at(now, ROUGH_WEEK_STARTS_DAYS_AGO - t % 5, 8 + t / 5);
        batch
            .conversations
            .push(thread(&conv, "3.1.3 broke image paths", "#help", started));
        for k in 0..8usize {
            let who = &ids[(t as usize * 8 + k) % n];
            batch.messages.push(msg(
                &conv,
                format!("{conv}-{k}"),
                who,
                ANGRY[(t as usize * 3 + k) % ANGRY.len()],
                started + k as Millis * 3 * HOUR,
            ));
        }
        batch.messages.push(msg(
            &conv,
            format!("{conv}-fix"),
            team,
            "We're sorry: 3.1.3 should never have changed image paths. 3.1.4 reverts it and adds a test for it.",
            at(now, ROUGH_WEEK_ENDS_DAYS_AGO, 10),
        ));
    }
    // the request that keeps coming back: one a week for twelve weeks
    for (i, name) in THEME_PEOPLE.iter().enumerate() {
        batch.identities.push(IncomingIdentity {
            external_id: format!("9900000000000020{i:02}"),
            handle: name.to_lowercase().replace(' ', "."),
            display_name: Some((*name).into()),
            joined_at: Some(now - 400 * DAY),
            ..Default::default()
        });
    }
    for (week, title) in THEME_REQUESTS.iter().enumerate() {
        let conv = format!("story-theme-{week}");
        let opened = at(now, 3 + 7 * week as i64, 14);
        batch
            .conversations
            .push(thread(&conv, title, "#feedback", opened));
        batch.messages.push(msg(
            &conv,
            format!("{conv}-0"),
            &format!("9900000000000020{:02}", week % THEME_PEOPLE.len()),
            &format!("{title} Long reading sessions on a white page are hard on the eyes."),
            opened,
        ));
    }
    store.ingest(discord, &batch, now)?;
    for week in 0..THEME_REQUESTS.len() {
        if let Some(id) =
            store.conversation_id_by_external(discord, &format!("story-theme-{week}"))?
        {
            for tag in ["feature request", "feedback"] {
                store.triage(id, &TriageAction::Tag { tag: tag.into() }, now)?;
            }
        }
    }
    // the guidelines and the rules a moderator of Lumen keeps: the last 30 days' spam and the
    // rough week's worst messages are in the Moderation view
    store.set_guidelines(GUIDELINES, now)?;
    for rule in rules() {
        store.add_mod_rule(&rule, now)?;
    }
    // and what the moderator already did about two of them, in the log (the demo's accounts
    // are sample data: recorded, never sent)
    let flags = store.mod_flags(None, 1_000)?;
    for (rule, action, reason) in ACTIONS {
        // the warning goes to one of the rough week's angry messages, not a bug report
        let fits = |f: &&crate::model::ModFlag| {
            f.rule == rule && (action != ModActionKind::Warn || ANGRY.contains(&f.excerpt.as_str()))
        };
        if let Some(flag) = flags.iter().find(fits) {
            store.moderate(
                &ModActionInput {
                    flag_id: Some(flag.id),
                    action: Some(action),
                    reason: reason.into(),
                    guideline: flag.guideline.clone(),
                    ..Default::default()
                },
                now,
            )?;
        }
    }
    // all of it is behind the team now: answered, welcomed, fixed
    for conv in &batch.conversations {
        if let Some(id) = store.conversation_id_by_external(discord, &conv.external_id)? {
            store.triage(id, &TriageAction::Done, now)?;
        }
    }
    Ok(())
}
