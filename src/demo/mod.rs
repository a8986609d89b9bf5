//! The demo community: "Lumen", an open-source static site generator with people on Discord,
//! Discourse, GitHub, Slack, Matrix, Mastodon and Bluesky. Owns: generating a realistic,
//! deterministic workspace (same seed → same community; times relative to `now`) through the
//! same ingest path a sync uses, at any scale from a few hundred to millions of messages.
//! Must never: touch a database that already holds data.

mod attendees;
mod content;
mod remove;
pub mod showcase;
pub mod story;

pub use attendees::{
    attendee_list, Attendee, AttendeeList, FILE_NAME as ATTENDEES_FILE, LIST_NAME as ATTENDEES_LIST,
};

use std::collections::{HashMap, HashSet};

use content::Topic;
use rusqlite::params;

use crate::error::{Error, Result};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
use crate::model::{
    CalendarItemInput, ContentState, ConversationKind, DemoOptions, Millis, Platform, Progress,
    TriageAction, VariantInput,
};
use crate::store::Store;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;
/// Messages written per transaction.
const CHUNK: usize = 2_000;

/// What the generator made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    pub people: u64,
    pub members: u64,
    pub identities: u64,
    pub conversations: u64,
    pub messages: u64,
    pub open: u64,
    /// Members merged automatically, on evidence a platform vouches for.
    pub merged_on_proof: u64,
    /// Possible duplicates left for review.
    pub suggestions: u64,
}

struct Space {
    platform: Platform,
    account: &'static str,
    base_url: &'static str,
    team_id: &'static str,
    containers: &'static [&'static str],
    /// How likely a person is to have an account here, and how busy the place is.
    people_weight: u32,
    conversation_weight: u32,
}

const SPACES: &[Space] = &[
    Space {
        platform: Platform::Discord,
        account: "Lumen Discord",
        base_url: "https://discord.com",
        team_id: "700000000000000001",
        containers: &["#general", "#help", "#showcase", "#plugins"],
        people_weight: 30,
        conversation_weight: 28,
    },
    Space {
        platform: Platform::Discourse,
        account: "forum.lumen.dev",
        base_url: "https://forum.lumen.dev",
        team_id: "1",
        containers: &["Support", "Ideas", "Show & Tell"],
        people_weight: 18,
        conversation_weight: 18,
    },
    Space {
        platform: Platform::Github,
        account: "lumen-dev/lumen",
        base_url: "https://github.com",
        team_id: "1000001",
        containers: &["lumen-dev/lumen"],
        people_weight: 25,
        conversation_weight: 22,
    },
    Space {
        platform: Platform::Slack,
        account: "Lumen Partners",
        base_url: "https://lumen-partners.slack.com",
        team_id: "U00LUMEN01",
        containers: &["#partners", "#beta-testers"],
        people_weight: 6,
        conversation_weight: 6,
    },
    Space {
        platform: Platform::Matrix,
        account: "#lumen:matrix.org",
        base_url: "https://matrix.org",
        team_id: "@lumen:matrix.org",
        containers: &["#lumen:matrix.org", "#lumen-dev:matrix.org"],
        people_weight: 8,
        conversation_weight: 8,
    },
    Space {
        platform: Platform::Mastodon,
        account: "@lumen@fosstodon.org",
        base_url: "https://fosstodon.org",
        team_id: "109000000000000001",
        containers: &[],
        people_weight: 9,
        conversation_weight: 12,
    },
    Space {
        platform: Platform::Bluesky,
        account: "lumen.dev",
        base_url: "https://bsky.social",
        team_id: "did:plc:lumendevteam000000000001",
        containers: &[],
        people_weight: 4,
        conversation_weight: 6,
    },
];

struct Person {
    first: &'static str,
    last: String,
    organization: Option<String>,
    email: Option<String>,
    location: Option<&'static str>,
    /// A handle this person uses wherever it is free (many people have one).
    handle_base: Option<String>,
    /// Whether that handle is a made-up word ("pixelowl11") rather than made of the name.
    handle_made_up: bool,
    /// A personal site, named by their GitHub profile and used as their Bluesky handle.
    domain: Option<String>,
    /// Hours from UTC, as Slack reports it.
    tz: i64,
    /// A deleted account or a stand-in ("Deleted User", "ghost"): never anyone else.
    placeholder: Option<&'static str>,
}

/// One identity the generator made: which person, on which space, with which platform id.
#[derive(Clone)]
struct Account {
    person: usize,
    space: usize,
    external_id: String,
    handle: String,
    /// The name shown on this platform: people write it differently in different places.
    display_name: Option<String>,
    /// Whether this account shows the person's usual handle (it was free here, and the platform
    /// shows it: a Bluesky handle on their own domain does not).
    uses_base: bool,
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// One of `items`, the first ones far more often than the last (about as 1/rank, as places and
/// employers are spread among people).
fn pick_skewed<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[skewed_rank(rng, items.len())]
}

/// A rank below `n`, 0 the likeliest, then about as 1/(rank + 1).
fn skewed_rank(rng: &mut fastrand::Rng, n: usize) -> usize {
    let rank = (n as f64 + 1.0).powf(rng.f64()) - 1.0;
    (rank as usize).min(n.saturating_sub(1))
}

fn pick_weighted<T: Copy>(rng: &mut fastrand::Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.u32(..total);
    for (item, w) in items {
        if n < *w {
            return *item;
        }
        n -= w;
    }
    items[items.len() - 1].0
}

/// Lowercase ASCII for handles: accents dropped, anything else removed.
fn fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'ễ' => 'e',
                'í' | 'ì' | 'î' | 'ï' | 'ı' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'ø' | 'Ø' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ñ' => 'n',
                'ç' | 'ć' => 'c',
                'ł' | 'Ł' => 'l',
                'ş' => 's',
                'ğ' => 'g',
                'ý' => 'y',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fill(template: &str, subject: &str) -> String {
    template.replace("{s}", subject)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Person {
    fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// Nicknames and other forms of some of the demo's first names, as people write them.
const OTHER_FORMS: &[(&str, &str)] = &[
    ("José", "Pepe"),
    ("Dmitri", "Dima"),
    ("Alex", "Alexander"),
    ("Sam", "Samuel"),
    ("Pavel", "Paul"),
    ("Gabriel", "Gabe"),
    ("Isabel", "Bella"),
    ("Oliver", "Ollie"),
    ("Tomás", "Tom"),
    ("Valentina", "Vale"),
];
/// The same names in the script their owners grew up with.
const NATIVE: &[(&str, &str)] = &[
    ("Pavel", "Павел"),
    ("Dmitri", "Дмитрий"),
    ("Volkov", "Волков"),
    ("Petrov", "Петров"),
    ("Ivanova", "Иванова"),
    ("Novak", "Новак"),
    ("Yusuf", "Юсуф"),
];

/// How a person's name reads on one of their accounts.
fn name_on_account(
    rng: &mut fastrand::Rng,
    person: &Person,
    first_account: bool,
) -> Option<String> {
    if let Some(p) = person.placeholder {
        return Some(p.to_string());
    }
    if first_account {
        return Some(person.name());
    }
    let native = |s: &str| NATIVE.iter().find(|(a, _)| *a == s).map(|(_, n)| *n);
    let roll = rng.u8(..100);
    Some(match roll {
        0..=54 => person.name(),
        55..=66 => match OTHER_FORMS.iter().find(|(a, _)| *a == person.first) {
            Some((_, other)) => format!("{other} {}", person.last),
            None => person.name(),
        },
        67..=74 => format!("{} {}", person.last, person.first),
        75..=82 => format!("{} {}", person.first, misspell(rng, &person.last)),
        83..=88 => match (native(person.first), native(&person.last)) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (Some(f), None) => format!("{f} {}", person.last),
            (None, Some(l)) => format!("{} {l}", person.first),
            _ => person.name(),
        },
        89..=94 => person.first.to_string(),
        _ => return None,
    })
}

/// A family name from parts ("Brandvold", "Kesovic").
fn rare_family_name(rng: &mut fastrand::Rng) -> String {
    format!(
        "{}{}{}",
        pick(rng, content::NAME_STARTS),
        pick(rng, content::NAME_MIDDLES),
        pick(rng, content::NAME_ENDS)
    )
}

/// A family name as a hurried hand types it: one letter doubled or two swapped.
fn misspell(rng: &mut fastrand::Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 4 {
        return s.to_string();
    }
    let i = 1 + rng.usize(..chars.len() - 2);
    let mut out = chars.clone();
    if rng.bool() {
        out.insert(i, chars[i]);
    } else {
        out.swap(i, i + 1);
    }
    out.into_iter().collect()
}

/// Builds the identity one person has on one space. Handles differ between platforms as they
/// do in life (many people keep one handle where it is free), names are written differently,
/// and each platform tells what it tells: the ground truth for merges is `Account::person`.
/// Handles are unique on a platform: a taken one gets a number, as sign-up forms suggest.
fn make_account(
    rng: &mut fastrand::Rng,
    space_idx: usize,
    person: &Person,
    idx: usize,
    first_account: bool,
    taken: &mut HashSet<String>,
) -> Account {
    let space = &SPACES[space_idx];
    let first = fold(person.first);
    let last = fold(&person.last);
    let mut uses_base = false;
    let mut handle = match (&person.placeholder, &person.handle_base) {
        (Some(_), _) => format!("deleted{idx}"),
        (None, Some(base)) if rng.u8(..10) < 8 => {
            uses_base = true;
            base.clone()
        }
        _ => match rng.u8(..4) {
            0 => format!("{first}.{last}"),
            1 => format!("{}{last}", first.chars().next().unwrap_or('x')),
            2 => format!("{first}_{}", last.chars().next().unwrap_or('x')),
            _ => format!("{first}{last}{}", 10 + idx % 90),
        },
    };
    if !taken.insert(handle.clone()) {
        uses_base = false;
        handle = format!("{handle}{idx}");
        taken.insert(handle.clone());
    }
    let n = idx as u64;
    let (external_id, handle) = match space.platform {
        Platform::Discord => ((900_000_000_000_000_000 + n * 7919).to_string(), handle),
        Platform::Discourse => ((100 + n).to_string(), handle.replace('.', "_")),
        Platform::Github => (
            (10_000_000 + n * 13).to_string(),
            if person.placeholder.is_some() {
                "ghost".to_string()
            } else {
                handle.replace(['.', '_'], "-")
            },
        ),
        Platform::Slack => (format!("U{:08X}", 0x0100_0000 + n), handle),
        Platform::Matrix => (format!("@{handle}:matrix.org"), handle),
        Platform::Mastodon => (
            (109_100_000_000_000_000 + n).to_string(),
            format!(
                "{}@{}",
                handle.replace('.', "_"),
                if n.is_multiple_of(3) {
                    "mastodon.social"
                } else {
                    "fosstodon.org"
                }
            ),
        ),
        _ => (
            format!("did:plc:{:024x}", 0xabc0_0000_u64 + n * 31),
            match &person.domain {
                // a handle on their own domain shows the domain, not the handle they use
                // elsewhere
                Some(domain) => {
                    uses_base = false;
                    domain.clone()
                }
                None => format!("{}.bsky.social", handle.replace('_', "-")),
            },
        ),
    };
    Account {
        person: idx,
        space: space_idx,
        external_id,
        display_name: name_on_account(rng, person, first_account),
        handle,
        uses_base,
    }
}

fn profile_url(space: &Space, account: &Account) -> String {
    match space.platform {
        Platform::Discord => format!("https://discord.com/users/{}", account.external_id),
        Platform::Discourse => format!("{}/u/{}", space.base_url, account.handle),
        Platform::Github => format!("https://github.com/{}", account.handle),
        Platform::Slack => format!("{}/team/{}", space.base_url, account.external_id),
        Platform::Matrix => format!("https://matrix.to/#/{}", account.external_id),
        Platform::Mastodon => {
            let (user, host) = account
                .handle
                .split_once('@')
                .unwrap_or((&account.handle, "fosstodon.org"));
            format!("https://{host}/@{user}")
        }
        _ => format!("https://bsky.app/profile/{}", account.handle),
    }
}

/// What a platform tells about one of a person's accounts, in its own shape: Slack's verified
/// email and time zone, Discourse's email (admin view), GitHub's profile with its links,
/// Mastodon's verified links, a Matrix id in a GitHub bio. `theirs` are all of the person's
/// accounts, which their profiles link to.
fn identity_for(
    rng: &mut fastrand::Rng,
    account: &Account,
    person: &Person,
    theirs: &[&Account],
) -> IncomingIdentity {
    let space = &SPACES[account.space];
    let on = |p: Platform| theirs.iter().find(|a| SPACES[a.space].platform == p);
    let mut email = None;
    let mut raw = None;
    let mut bio = None;
    if person.placeholder.is_none() {
        match space.platform {
            Platform::Slack => {
                email = person.email.clone();
                raw = Some(serde_json::json!({
                    "id": account.external_id,
                    "tz_offset": person.tz * 3600,
                    "profile": {"email": person.email, "real_name": person.name()},
                }));
            }
            Platform::Discourse => email = person.email.clone().filter(|_| rng.u8(..10) < 8),
            Platform::Github => {
                email = person.email.clone().filter(|_| rng.bool());
                let mut social = Vec::new();
                if let Some(m) = on(Platform::Mastodon).filter(|_| rng.u8(..10) < 4) {
                    social.push(serde_json::json!({
                        "provider": "mastodon", "url": profile_url(&SPACES[m.space], m)
                    }));
                }
                if let Some(m) = on(Platform::Matrix).filter(|_| rng.u8(..10) < 3) {
                    bio = Some(format!("Docs nerd. Find me on Matrix: {}", m.external_id));
                }
                raw = Some(serde_json::json!({
                    "login": account.handle,
                    "blog": person.domain.as_ref().map(|d| format!("https://{d}")),
                    "company": person.organization,
                    "social_accounts": social,
                }));
            }
            Platform::Mastodon => {
                let fields: Vec<_> = on(Platform::Github)
                    .filter(|_| rng.u8(..10) < 4)
                    .map(|g| {
                        let url = profile_url(&SPACES[g.space], g);
                        serde_json::json!({
                            "name": "GitHub",
                            "value": format!("<a href=\"{url}\" rel=\"me\">{url}</a>"),
                            "verified_at": "2025-03-01T10:00:00.000Z",
                        })
                    })
                    .into_iter()
                    .collect();
                raw = Some(serde_json::json!({"id": account.external_id, "fields": fields}));
            }
            _ => {}
        }
    }
    IncomingIdentity {
        external_id: account.external_id.clone(),
        handle: account.handle.clone(),
        display_name: account.display_name.clone(),
        email,
        profile_url: Some(profile_url(space, account)),
        avatar_url: None,
        organization: person.organization.clone().filter(|_| rng.u8(..10) < 6),
        bio,
        location: person
            .location
            .map(str::to_string)
            .filter(|_| rng.u8(..10) < 6),
        raw: raw.map(|r| r.to_string()),
        joined_at: None,
    }
}

/// Which person each demo identity belongs to: the ground truth merges are measured against.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// (account id, platform id of the identity) → the person.
    pub person_of: HashMap<(i64, String), usize>,
    /// People whose accounts say nothing of who they are (deleted, "ghost"): nobody can
    /// merge them, so they count in no recall.
    pub unknowable: HashSet<usize>,
    /// What each identity shows of its person beyond a name, as the generator made it (not as
    /// Hearth reads it): two identities of one person that show nothing in common but their
    /// names are pairs a suggestion may not be made on (a matching name alone never suggests).
    pub shown: HashMap<(i64, String), Shown>,
}

/// What one demo identity shows of its person besides the name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// The person's made-up handle ("pixelowl11"), when this account uses it: a handle made of
    /// the name is the name again, which namesakes make alike.
    pub made_up_handle: Option<String>,
    pub email: bool,
    pub organization: bool,
    pub location: bool,
}

impl Shown {
    /// Whether two identities of one person have something in common besides their names.
    pub fn in_common(&self, other: &Shown) -> bool {
        (self.made_up_handle.is_some() && self.made_up_handle == other.made_up_handle)
            || (self.email && other.email)
            || (self.organization && other.organization)
            || (self.location && other.location)
    }
}

/// How merges and suggestions compare with the demo's ground truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeQuality {
    /// The suggestions that are wrong, to look at.
    pub wrong_examples: Vec<(i64, i64)>,
    /// The pairs of members that are one person and were not suggested.
    pub missed_examples: Vec<(i64, i64)>,
    /// Those of them whose identities show more in common than a name.
    pub missed_beyond_name: Vec<(i64, i64)>,
    /// Pairs of identities one member holds that are one person, and that are not.
    pub merged_right: u64,
    pub merged_wrong: u64,
    /// Pairs of identities of one person, all told (placeholders aside).
    pub true_pairs: u64,
    /// Suggestions whose two members are one person, and whose are not.
    pub suggested_right: u64,
    pub suggested_wrong: u64,
    /// Pairs of members that are one person, after the automatic merges.
    pub members_to_merge: u64,
    /// Of those, the pairs whose identities show something in common besides their names
    /// ([`Shown::in_common`]): the pairs a suggestion may be made on.
    pub members_to_merge_beyond_name: u64,
    /// Right suggestions among those.
    pub suggested_right_beyond_name: u64,
    /// Accepting every suggestion merges more than the pairs suggested ("A is B" and "A is C"
    /// make B and C one member too): the pairs of members it would join that are one person,
    /// and that are not.
    pub joined_right: u64,
    pub joined_wrong: u64,
}

impl MergeQuality {
    pub fn merge_precision(&self) -> f64 {
        ratio(self.merged_right, self.merged_right + self.merged_wrong)
    }
    pub fn merge_recall(&self) -> f64 {
        ratio(self.merged_right, self.true_pairs)
    }
    pub fn suggestion_precision(&self) -> f64 {
        ratio(
            self.suggested_right,
            self.suggested_right + self.suggested_wrong,
        )
    }
    pub fn suggestion_recall(&self) -> f64 {
        ratio(self.suggested_right, self.members_to_merge)
    }
    /// Recall over the pairs a suggestion may be made on: those whose identities show more
    /// in common than a name (a name alone never makes a suggestion).
    pub fn suggestion_recall_beyond_name(&self) -> f64 {
        ratio(
            self.suggested_right_beyond_name,
            self.members_to_merge_beyond_name,
        )
    }
    pub fn suggestion_f1(&self) -> f64 {
        f1(self.suggestion_precision(), self.suggestion_recall())
    }
    /// Of the pairs of members that accepting every suggestion would join, how many are one
    /// person.
    pub fn accepted_precision(&self) -> f64 {
        ratio(self.joined_right, self.joined_right + self.joined_wrong)
    }
    /// Of the pairs of members that are one person, how many accepting every suggestion would
    /// join.
    pub fn accepted_recall(&self) -> f64 {
        ratio(self.joined_right, self.members_to_merge)
    }
    pub fn accepted_f1(&self) -> f64 {
        f1(self.accepted_precision(), self.accepted_recall())
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

impl Truth {
    /// Compares the store's members and suggestions (at `min_probability`) with the truth.
    pub fn measure(&self, store: &Store, min_probability: f64) -> Result<MergeQuality> {
        let conn = store.conn();
        let mut q = MergeQuality::default();
        // member → the people of its identities
        let mut people_of: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut members_of: HashMap<usize, Vec<i64>> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT i.account_id, i.external_id, i.member_id FROM identities i
             JOIN members m ON m.id = i.member_id WHERE m.is_team = 0",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        // member → what each of its identities shows besides a name
        let mut shown_of: HashMap<i64, Vec<&Shown>> = HashMap::new();
        for row in rows {
            let (account, external, member) = row?;
            if let Some(shown) = self.shown.get(&(account, external.clone())) {
                shown_of.entry(member).or_default().push(shown);
            }
            if let Some(&person) = self.person_of.get(&(account, external)) {
                people_of.entry(member).or_default().push(person);
                members_of.entry(person).or_default().push(member);
            }
        }
        let beyond_name = |a: i64, b: i64| -> bool {
            let (Some(x), Some(y)) = (shown_of.get(&a), shown_of.get(&b)) else {
                return false;
            };
            x.iter().any(|p| y.iter().any(|q| p.in_common(q)))
        };
        for people in people_of.values() {
            for (i, a) in people.iter().enumerate() {
                for b in &people[i + 1..] {
                    if a == b {
                        q.merged_right += 1;
                    } else {
                        q.merged_wrong += 1;
                    }
                }
            }
        }
        for (person, members) in &members_of {
            if self.unknowable.contains(person) {
                continue;
            }
            let n = members.len() as u64;
            q.true_pairs += n * (n - 1) / 2;
            let mut distinct = members.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let d = distinct.len() as u64;
            q.members_to_merge += d * (d - 1) / 2;
            for (i, a) in distinct.iter().enumerate() {
                for b in &distinct[i + 1..] {
                    q.members_to_merge_beyond_name += u64::from(beyond_name(*a, *b));
                }
            }
        }
        // the person most of a member's identities belong to
        let main = |m: i64| -> Option<usize> {
            let people = people_of.get(&m)?;
            let mut counts: HashMap<usize, usize> = HashMap::new();
            for p in people {
                *counts.entry(*p).or_default() += 1;
            }
            counts
                .into_iter()
                .max_by_key(|(p, c)| (*c, usize::MAX - p))
                .map(|(p, _)| p)
        };
        let mut stmt = conn
            .prepare("SELECT member_a, member_b FROM merge_suggestions WHERE probability >= ?1")?;
        let rows = stmt.query_map([min_probability], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (a, b) = row?;
            match (main(a), main(b)) {
                (Some(x), Some(y)) if x == y => {
                    q.suggested_right += 1;
                    q.suggested_right_beyond_name += u64::from(beyond_name(a, b));
                }
                _ => {
                    q.suggested_wrong += 1;
                    q.wrong_examples.push((a, b));
                }
            }
        }
        let suggested: HashSet<(i64, i64)> = conn
            .prepare("SELECT member_a, member_b FROM merge_suggestions WHERE probability >= ?1")?
            .query_map([min_probability], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // the members accepting every suggestion would make: groups joined by suggestions
        let mut joined: HashMap<i64, i64> = HashMap::new();
        fn root(joined: &mut HashMap<i64, i64>, mut m: i64) -> i64 {
            while let Some(&up) = joined.get(&m) {
                if up == m {
                    break;
                }
                m = up;
            }
            m
        }
        for &(a, b) in &suggested {
            let (ra, rb) = (root(&mut joined, a), root(&mut joined, b));
            if ra != rb {
                joined.insert(ra.max(rb), ra.min(rb));
            }
        }
        let mut groups: HashMap<i64, Vec<i64>> = HashMap::new();
        for &(a, b) in &suggested {
            for m in [a, b] {
                groups.entry(root(&mut joined, m)).or_default().push(m);
            }
        }
        for members in groups.values_mut() {
            members.sort_unstable();
            members.dedup();
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    match (main(*a), main(*b)) {
                        (Some(x), Some(y)) if x == y => q.joined_right += 1,
                        _ => q.joined_wrong += 1,
                    }
                }
            }
        }
        let mut people: Vec<_> = members_of.iter().collect();
        people.sort_unstable_by_key(|(p, _)| **p);
        for (person, members) in people {
            if self.unknowable.contains(person) {
                continue;
            }
            let mut distinct = members.clone();
            distinct.sort_unstable();
            distinct.dedup();
            for (i, a) in distinct.iter().enumerate() {
                for b in &distinct[i + 1..] {
                    if !suggested.contains(&(*a, *b)) {
                        q.missed_examples.push((*a, *b));
                        if beyond_name(*a, *b) {
                            q.missed_beyond_name.push((*a, *b));
                        }
                    }
                }
            }
        }
        Ok(q)
    }
}

struct Generator<'a> {
    rng: fastrand::Rng,
    now: Millis,
    progress: &'a mut dyn FnMut(&Progress),
    done: u64,
    total: u64,
    phase: &'static str,
}

impl Generator<'_> {
    fn tick(&mut self, n: u64) {
        self.done += n;
        let p = Progress {
            phase: self.phase.to_string(),
            done: self.done.min(self.total),
            total: self.total,
        };
        (self.progress)(&p);
    }
}

/// Fills an empty database with the demo community. `progress` is called as work is done.
pub fn generate(
    store: &mut Store,
    options: &DemoOptions,
    now: Millis,
    progress: &mut dyn FnMut(&Progress),
) -> Result<DemoSummary> {
    Ok(generate_with_truth(store, options, now, progress)?.0)
}

/// [`generate`], and which person each identity belongs to, for measuring merges.
pub fn generate_with_truth(
    store: &mut Store,
    options: &DemoOptions,
    now: Millis,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(DemoSummary, Truth)> {
    if options.members < 10 {
        return Err(Error::invalid("the demo needs at least 10 members"));
    }
    if options.messages < 50 {
        return Err(Error::invalid("the demo needs at least 50 messages"));
    }
    if !store.status()?.is_empty {
        return Err(Error::invalid(format!(
            "{} already holds data; the demo only fills an empty database (pass --db with a new file)",
            store.path().display()
        )));
    }
    let mut g = Generator {
        rng: fastrand::Rng::with_seed(options.seed),
        now,
        progress,
        done: 0,
        total: u64::from(options.members) * 2 + u64::from(options.messages) + 100,
        phase: "Creating members",
    };
    let mut summary = DemoSummary::default();
    let mut truth = Truth::default();

    // --- accounts and people ----------------------------------------------------------------
    let mut account_ids = Vec::new();
    for space in SPACES {
        let id = store.ensure_account(
            space.platform,
            space.account,
            Some(space.base_url),
            Some(space.team_id),
            now - 400 * DAY,
        )?;
        // Sample data: never synced, shown as the demo in Settings → Accounts.
        store.mark_demo_account(id)?;
        account_ids.push(id);
    }
    let mut people: Vec<Person> = (0..options.members as usize)
        .map(|i| {
            let first = *pick(&mut g.rng, content::FIRST_NAMES);
            let last = if g.rng.u8(..10) < 3 {
                pick(&mut g.rng, content::LAST_NAMES).to_string()
            } else {
                rare_family_name(&mut g.rng)
            };
            // a few well-known employers first, then hundreds of smaller ones
            let organization = (g.rng.u8(..10) < 4).then(|| {
                let known = content::ORGANIZATIONS.len();
                let rank = skewed_rank(
                    &mut g.rng,
                    known + content::ORG_WORDS.len() * content::ORG_KINDS.len(),
                );
                match content::ORGANIZATIONS.get(rank) {
                    Some(known) => known.to_string(),
                    None => {
                        let k = rank - known;
                        format!(
                            "{} {}",
                            content::ORG_WORDS[k % content::ORG_WORDS.len()],
                            content::ORG_KINDS[k / content::ORG_WORDS.len()]
                        )
                    }
                }
            });
            let email = (g.rng.u8(..10) < 7).then(|| {
                let domain = organization
                    .as_deref()
                    .map(|o| format!("{}.example", fold(o)))
                    .unwrap_or_else(|| "mail.example".into());
                // one mailbox, one person: namesakes' addresses differ, as a provider makes them
                format!("{}.{}{i}@{domain}", fold(first), fold(&last))
            });
            let (location, tz) = *pick_skewed(&mut g.rng, content::CITIES);
            let roll = g.rng.u8(..10);
            let handle_base = match roll {
                0..=3 => Some(format!("{}{}", fold(first), fold(&last))),
                4..=5 => Some(format!(
                    "{}{}{}",
                    pick(
                        &mut g.rng,
                        &["quiet", "pixel", "night", "rusty", "tiny", "lumen"]
                    ),
                    pick(&mut g.rng, &["fox", "owl", "fern", "byte", "moth", "kite"]),
                    i % 1000
                )),
                _ => None,
            };
            // in this order, so a seed gives the community it always gave
            let location = (g.rng.u8(..10) < 3).then_some(location);
            let domain =
                (g.rng.u8(..100) < 8).then(|| format!("{}{}{i}.example", fold(first), fold(&last)));
            Person {
                first,
                last,
                organization,
                email,
                location,
                handle_base,
                handle_made_up: matches!(roll, 4..=5),
                domain,
                tz,
                placeholder: (g.rng.u16(..1000) < 8).then(|| {
                    *pick(
                        &mut g.rng,
                        &["Deleted User", "ghost", "[deleted]", "Unknown"],
                    )
                }),
            }
        })
        .collect();
    // Hard cases a real community has: two relatives sharing one family address (two people,
    // not one), and colleagues on a team address.
    for i in (0..people.len().saturating_sub(1)).step_by(50) {
        let last = people[i].last.clone();
        people[i + 1].last = last.clone();
        let shared = format!("{}family@mail.example", fold(&last));
        people[i].email = Some(shared.clone());
        people[i + 1].email = Some(shared);
    }
    for i in (25..people.len().saturating_sub(1)).step_by(100) {
        let team = format!(
            "team@{}.example",
            fold(people[i].organization.as_deref().unwrap_or("Kite Labs"))
        );
        people[i].email = Some(team.clone());
        people[i + 1].email = Some(team);
    }
    summary.people = people.len() as u64;

    // Who is where: everyone has one home space; a third have a second; some a third.
    let space_weights: Vec<(usize, u32)> = SPACES
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.people_weight))
        .collect();
    let mut accounts: Vec<Vec<Account>> = vec![Vec::new(); SPACES.len()];
    let mut taken: Vec<HashSet<String>> = vec![HashSet::new(); SPACES.len()];
    for (idx, person) in people.iter().enumerate() {
        let n_spaces = match g.rng.u8(..20) {
            0..=9 => 1,
            10..=16 => 2,
            _ => 3,
        };
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < n_spaces {
            let s = pick_weighted(&mut g.rng, &space_weights);
            if !chosen.contains(&s) {
                chosen.push(s);
            }
        }
        for (k, s) in chosen.into_iter().enumerate() {
            let account = make_account(&mut g.rng, s, person, idx, k == 0, &mut taken[s]);
            accounts[s].push(account);
        }
    }
    let mut accounts_of: HashMap<usize, Vec<Account>> = HashMap::new();
    for a in accounts.iter().flatten() {
        accounts_of.entry(a.person).or_default().push(a.clone());
    }
    for (s, space) in SPACES.iter().enumerate() {
        let mut team = vec![IncomingIdentity {
            external_id: space.team_id.to_string(),
            handle: "lumen".into(),
            display_name: Some("Lumen Team".into()),
            organization: Some("Lumen".into()),
            ..Default::default()
        }];
        for a in &accounts[s] {
            let theirs: Vec<&Account> = accounts_of
                .get(&a.person)
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            let person = &people[a.person];
            let identity = identity_for(&mut g.rng, a, person, &theirs);
            let made_up_handle = person
                .handle_base
                .as_ref()
                .filter(|_| person.handle_made_up && a.uses_base)
                .cloned();
            truth.shown.insert(
                (account_ids[s], a.external_id.clone()),
                Shown {
                    made_up_handle,
                    email: identity.email.is_some(),
                    organization: identity.organization.is_some(),
                    location: identity.location.is_some(),
                },
            );
            team.push(identity);
            truth
                .person_of
                .insert((account_ids[s], a.external_id.clone()), a.person);
            if people[a.person].placeholder.is_some() {
                truth.unknowable.insert(a.person);
            }
        }
        for chunk in team.chunks(CHUNK) {
            let batch = Batch {
                identities: chunk.to_vec(),
                ..Default::default()
            };
            summary.identities += store
                .ingest_bulk(account_ids[s], &batch, now)?
                .identities_added;
            g.tick(chunk.len() as u64);
        }
    }

    // --- conversations and messages ---------------------------------------------------------
    g.phase = "Writing conversations";
    let conv_weights: Vec<(usize, u32)> = SPACES
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.conversation_weight))
        .filter(|(i, _)| !accounts[*i].is_empty())
        .collect();
    let mut batches: Vec<Batch> = vec![Batch::default(); SPACES.len()];
    let mut plans: Vec<ThreadPlan> = Vec::new();
    // The engagement showcase (known levels, flags, follow-ups) in demos big enough to rank it.
    let with_showcase = options.messages >= 1000;
    let mut remaining = options.messages as usize
        - if with_showcase {
            (showcase::MESSAGES + story::messages(options.members)) as usize
        } else {
            0
        };
    let mut conv_no = 0usize;
    while remaining > 0 {
        let s = pick_weighted(&mut g.rng, &conv_weights);
        let plan = write_conversation(
            &mut g,
            s,
            conv_no,
            &accounts[s],
            &mut batches[s],
            &mut remaining,
        );
        plans.push(plan);
        conv_no += 1;
        if batches[s].messages.len() >= CHUNK {
            let batch = std::mem::take(&mut batches[s]);
            summary.messages += store.ingest(account_ids[s], &batch, now)?.messages_added;
            g.tick(batch.messages.len() as u64);
        }
    }
    for (s, batch) in batches.into_iter().enumerate() {
        if !batch.messages.is_empty() || !batch.conversations.is_empty() {
            summary.messages += store.ingest(account_ids[s], &batch, now)?.messages_added;
            g.tick(batch.messages.len() as u64);
        }
    }
    summary.conversations = plans.len() as u64;

    // --- triage state, as a community manager would have left it ----------------------------
    g.phase = "Triaging the inbox";
    summary.open = apply_triage(store, &mut g, &plans, &account_ids)?;

    // --- the calendar, notes and member tags ------------------------------------------------
    // --- one member per human: merges on proof, and suggestions to review -----------------
    g.phase = "Finding who is who";
    let resolved = store.resolve_members(now, &mut |_| {})?;
    summary.merged_on_proof = resolved.merged_on_proof;
    summary.suggestions = resolved.suggestions;
    g.tick(50);

    g.phase = "Planning content";
    for (name, body) in content::CANNED_REPLIES {
        store.save_canned_reply(name, body, now)?;
    }
    inbox_setup(store, now)?;
    plan_content(store, &mut g, &plans, &account_ids)?;
    write_notes_and_tags(store, &mut g, options.members)?;
    if with_showcase {
        showcase::write(
            store,
            &account_ids,
            [SPACES[2].team_id, SPACES[0].team_id],
            now,
        )?;
        summary.messages += u64::from(showcase::MESSAGES);
        story::write(
            store,
            account_ids[0],
            SPACES[0].team_id,
            options.members,
            now,
        )?;
        summary.messages += u64::from(story::messages(options.members));
    }
    g.phase = "Scoring engagement";
    store.compute_engagement(now)?;
    store.refresh_themes(now)?;
    if with_showcase {
        showcase::follow_ups_and_segments(store, now)?;
    }
    summary.members = store.totals()?.members as u64;
    g.done = g.total;
    g.tick(0);
    Ok((summary, truth))
}

/// What the generator decided about one thread, for triage afterwards.
/// When each platform's community is around (UTC: weekday 0 = Monday, hour): the demo's
/// ground truth for the best time to post. Half of the older threads that draw a crowd (6
/// messages or more) were started in their platform's window, and were answered four times
/// as fast as other threads (the community was there).
pub const BUSY_WINDOWS: &[(Platform, u8, u8)] = &[
    (Platform::Discord, 1, 15),
    (Platform::Github, 2, 14),
    (Platform::Discourse, 3, 16),
    (Platform::Slack, 0, 9),
    (Platform::Matrix, 3, 18),
    (Platform::Mastodon, 4, 13),
    (Platform::Bluesky, 1, 20),
];

/// A thread's age, moved back into its platform's busy window before it when it is
/// one of those the window holds (older than 8 days, 6 messages or more, one in two). No
/// random draw: the rest of the demo is the same with or without the rhythm.
fn in_the_rhythm(
    now: Millis,
    age: Millis,
    platform: Platform,
    n: usize,
    conv_no: usize,
) -> (Millis, bool) {
    let Some(&(_, weekday, hour)) = BUSY_WINDOWS.iter().find(|(p, ..)| *p == platform) else {
        return (age, false);
    };
    if n < 6 || age <= 8 * DAY || !conv_no.is_multiple_of(2) {
        return (age, false);
    }
    let started = now - age;
    let at = crate::calendar::best_time::hour_of_week(started) as i64;
    let window = i64::from(weekday) * 24 + i64::from(hour);
    if (at - window).rem_euclid(7 * 24) < 2 {
        return (age, true); // already in it
    }
    // into its first hour or its second, by turns
    let target = window + (conv_no as i64 / 2) % 2;
    (age + (at - target).rem_euclid(7 * 24) * HOUR, true)
}

struct ThreadPlan {
    space: usize,
    external_id: String,
    topic: Topic,
    last_at: Millis,
    team_replied_last: bool,
}

fn write_conversation(
    g: &mut Generator<'_>,
    s: usize,
    conv_no: usize,
    accounts: &[Account],
    batch: &mut Batch,
    remaining: &mut usize,
) -> ThreadPlan {
    let space = &SPACES[s];
    let topic = pick_weighted(&mut g.rng, content::TOPIC_WEIGHTS);
    let subject = *pick(&mut g.rng, content::SUBJECTS);
    let (title, body) = match topic {
        Topic::Question => *pick(&mut g.rng, content::QUESTIONS),
        Topic::Bug => *pick(&mut g.rng, content::BUGS),
        Topic::FeatureRequest => *pick(&mut g.rng, content::FEATURE_REQUESTS),
        Topic::Discussion => *pick(&mut g.rng, content::DISCUSSIONS),
        Topic::Praise => (
            "Thank you, Lumen team",
            *pick(&mut g.rng, content::PRAISE_BODIES),
        ),
        Topic::Spam => ("Opportunity!!!", *pick(&mut g.rng, content::SPAM_BODIES)),
        Topic::Angry => (
            "Another breaking change in {s}",
            *pick(&mut g.rng, content::ANGRY_BODIES),
        ),
        Topic::Introduction => (
            "Hello from a new member 👋",
            *pick(&mut g.rng, content::INTRO_BODIES),
        ),
    };
    let title = capitalise(&fill(title, subject));
    let kind = match space.platform {
        Platform::Github if matches!(topic, Topic::Bug | Topic::FeatureRequest | Topic::Angry) => {
            ConversationKind::Issue
        }
        Platform::Github => ConversationKind::Discussion,
        Platform::Discourse => ConversationKind::Topic,
        Platform::Mastodon | Platform::Bluesky => ConversationKind::Post,
        _ => ConversationKind::Thread,
    };
    let container =
        (!space.containers.is_empty()).then(|| pick(&mut g.rng, space.containers).to_string());
    let age = (g.rng.f64().powf(1.7) * 120.0 * DAY as f64) as Millis + 10 * MINUTE;
    // How many messages (whether and where the team answers comes below).
    let wanted = match topic {
        Topic::Spam => 1 + g.rng.usize(..2),
        Topic::Praise | Topic::Introduction => 1 + g.rng.usize(..4),
        Topic::Question => 1 + g.rng.usize(..9),
        Topic::Bug | Topic::Angry => 2 + g.rng.usize(..13),
        Topic::FeatureRequest | Topic::Discussion => 2 + g.rng.usize(..16),
    };
    let n = wanted.min(*remaining).max(1);
    *remaining -= n;
    let (age, in_rhythm) = in_the_rhythm(g.now, age, space.platform, n, conv_no);
    let started = g.now - age;
    let external_id = format!("{}-{conv_no}", space.platform.as_str());
    let url = Some(match space.platform {
        Platform::Github if kind == ConversationKind::Issue => format!(
            "https://github.com/lumen-dev/lumen/issues/{}",
            1000 + conv_no
        ),
        Platform::Github => format!(
            "https://github.com/lumen-dev/lumen/discussions/{}",
            1000 + conv_no
        ),
        Platform::Discourse => format!("https://forum.lumen.dev/t/{}", 5000 + conv_no),
        Platform::Discord => format!("https://discord.com/channels/812345/{}", 900 + conv_no),
        Platform::Slack => format!("{}/archives/C0PARTNER/p{}", space.base_url, started),
        Platform::Matrix => format!(
            "https://matrix.to/#/{}",
            container.as_deref().unwrap_or("#lumen:matrix.org")
        ),
        Platform::Mastodon => format!("https://fosstodon.org/@lumen/{}", 111_000_000 + conv_no),
        _ => format!("https://bsky.app/profile/lumen.dev/post/3k{conv_no}"),
    });
    batch.conversations.push(IncomingConversation {
        external_id: external_id.clone(),
        kind,
        // Posts and Slack/Matrix threads have no title on their platform; the inbox shows
        // their first words instead.
        title: (!matches!(kind, ConversationKind::Post)
            && !matches!(space.platform, Platform::Slack | Platform::Matrix))
        .then(|| title.clone()),
        container,
        url: url.clone(),
        created_at: started,
    });

    let age_days = age / DAY;
    let team_answers =
        topic != Topic::Spam && n > 1 && g.rng.u8(..100) < if age_days > 4 { 85 } else { 35 };
    let team_at = if team_answers {
        // a recent question or bug the team has just answered: its asker has not written back
        // yet (the inbox shows it waiting on them)
        if age_days <= 3 && matches!(topic, Topic::Question | Topic::Bug) && g.rng.bool() {
            Some(n - 1)
        } else {
            Some(1 + g.rng.usize(..(n - 1).min(2)))
        }
    } else {
        None
    };

    // The starter: newcomers for introductions, the busy core for most threads.
    let starter = if topic == Topic::Introduction || topic == Topic::Spam {
        accounts.len() - 1 - g.rng.usize(..accounts.len().min(accounts.len() / 3 + 1))
    } else {
        (g.rng.f64().powf(2.2) * accounts.len() as f64) as usize
    };
    // Replies come minutes to hours apart; a thread started an hour ago is squeezed into that
    // hour, so nothing is dated in the future and recent threads read as recent.
    let pace = if in_rhythm { 0.25 } else { 1.0 };
    let mut gaps: Vec<f64> = (1..n)
        .map(|_| (g.rng.f64().powi(2) * 14.0 * HOUR as f64) * pace + 2.0 * MINUTE as f64)
        .collect();
    let room = (age - MINUTE) as f64 * 0.9;
    let needed: f64 = gaps.iter().sum();
    if needed > room {
        gaps.iter_mut().for_each(|gap| *gap *= room / needed);
    }
    let mut at = started;
    let mut last_from_team = false;
    for i in 0..n {
        if i > 0 {
            at += gaps[i - 1] as Millis;
        }
        let from_team = team_at == Some(i);
        let (author, text) = if i == 0 {
            (
                accounts[starter.min(accounts.len() - 1)]
                    .external_id
                    .clone(),
                fill(body, subject),
            )
        } else if from_team {
            (
                space.team_id.to_string(),
                fill(
                    pick::<&str>(&mut g.rng, content::team_replies(topic)),
                    subject,
                ),
            )
        } else {
            let who = if g.rng.u8(..3) == 0 {
                starter
            } else {
                (g.rng.f64().powf(2.0) * accounts.len() as f64) as usize
            };
            let pool = match topic {
                Topic::Introduction => content::WELCOME_REPLIES,
                Topic::Praise => content::PRAISE_REPLIES,
                _ => content::REPLIES,
            };
            let thanks = team_at.is_some_and(|t| t < i)
                && matches!(topic, Topic::Question | Topic::Bug)
                && g.rng.bool();
            // the one who asked thanks whoever helped; the others add to the thread
            let (who, text) = if thanks {
                (starter, (*pick(&mut g.rng, content::THANKS)).to_string())
            } else {
                (who, fill(pick::<&str>(&mut g.rng, pool), subject))
            };
            (
                accounts[who.min(accounts.len() - 1)].external_id.clone(),
                text,
            )
        };
        last_from_team = from_team;
        let message_id = format!("{external_id}-m{i}");
        let (text, html) = render(space.platform, &text, from_team);
        let mentions_us =
            matches!(space.platform, Platform::Mastodon | Platform::Bluesky) && i == 0;
        let edited_at = (g.rng.u8(..40) == 0).then(|| at + 3 * MINUTE);
        let deleted_at = (topic == Topic::Spam && i > 0).then(|| at + 30 * MINUTE);
        batch.messages.push(IncomingMessage {
            conversation_external_id: external_id.clone(),
            external_id: message_id,
            author_external_id: author,
            text,
            html,
            created_at: at,
            edited_at,
            deleted_at,
            reply_to_external_id: (i > 0).then(|| format!("{external_id}-m0")),
            url: url.clone(),
            mentions_us,
        });
    }
    ThreadPlan {
        space: s,
        external_id,
        topic,
        last_at: at,
        team_replied_last: last_from_team,
    }
}

/// How each platform would deliver a message: some give HTML (which the core sanitises),
/// others Markdown-ish text.
fn render(platform: Platform, text: &str, from_team: bool) -> (String, Option<String>) {
    let looks_like_html = text.starts_with('<');
    match platform {
        Platform::Discourse | Platform::Mastodon if looks_like_html => {
            (String::new(), Some(text.to_string()))
        }
        Platform::Discourse => (
            text.to_string(),
            Some(format!("<p>{}</p>", linkify(&escape_html(text)))),
        ),
        Platform::Mastodon if !from_team => {
            let html = format!(
                "<p><span class=\"h-card\"><a href=\"https://fosstodon.org/@lumen\" class=\"u-url mention\">@<span>lumen</span></a></span> {}</p>",
                linkify(&escape_html(text))
            );
            (format!("@lumen {text}"), Some(html))
        }
        Platform::Matrix if text.contains('`') => {
            let mut html = String::new();
            for (i, part) in escape_html(text).split('`').enumerate() {
                if i % 2 == 1 {
                    html.push_str(&format!("<code>{part}</code>"));
                } else {
                    html.push_str(part);
                }
            }
            (text.replace('`', ""), Some(html))
        }
        _ if looks_like_html => (crate::sanitize::html_to_text(text), None),
        _ => (text.to_string(), None),
    }
}

fn linkify(escaped: &str) -> String {
    escaped
        .split(' ')
        .map(|w| {
            if w.starts_with("https://") {
                format!("<a href=\"{w}\">{w}</a>")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn tag_for(topic: Topic) -> Option<&'static str> {
    Some(match topic {
        Topic::Question => "question",
        Topic::Bug => "bug",
        Topic::FeatureRequest => "feature request",
        Topic::Praise => "praise",
        Topic::Spam => "spam",
        Topic::Angry => "needs care",
        Topic::Introduction => "first-timer",
        Topic::Discussion => return None,
    })
}

/// The ids the store gave each planned thread's conversation.
fn conversation_ids(store: &Store, plans: &[ThreadPlan], account_ids: &[i64]) -> Result<Vec<i64>> {
    let mut find = store.conn().prepare(
        "SELECT id FROM conversations WHERE platform = ?1 AND account_id = ?2 AND external_id = ?3",
    )?;
    plans
        .iter()
        .map(|plan| {
            Ok(find.query_row(
                params![
                    SPACES[plan.space].platform.as_str(),
                    account_ids[plan.space],
                    plan.external_id
                ],
                |r| r.get(0),
            )?)
        })
        .collect()
}

/// Leaves the inbox as a working community manager would (through the core's own triage, so
/// nothing the inbox keeps is forgotten here): questions answered in the last few days waiting
/// on their askers, other answered and old threads done, recent unanswered ones open, a few
/// snoozed, most tagged. Returns how many are open.
fn apply_triage(
    store: &mut Store,
    g: &mut Generator<'_>,
    plans: &[ThreadPlan],
    account_ids: &[i64],
) -> Result<u64> {
    let now = g.now;
    let ids = conversation_ids(store, plans, account_ids)?;
    let mut open = 0;
    let mut actions: Vec<(i64, TriageAction)> = Vec::new();
    let mut assigned = 0u8;
    // Newest first, so "Robin" takes the three most recent urgent threads.
    for (plan, id) in plans.iter().zip(&ids).rev() {
        let id = *id;
        let age = now - plan.last_at;
        // a question the team answered in the last few days waits on its asker
        let waiting = plan.team_replied_last
            && age < 4 * DAY
            && !matches!(
                plan.topic,
                Topic::Discussion | Topic::Spam | Topic::Introduction
            );
        let done = (plan.team_replied_last && !waiting)
            || age > 21 * DAY
            || (plan.topic == Topic::Spam && age > 7 * DAY)
            || (plan.topic == Topic::Discussion && g.rng.u8(..3) > 0)
            || (age > 5 * DAY && g.rng.u8(..4) > 0);
        let snoozed = !done && !waiting && g.rng.u8(..12) == 0;
        if waiting {
            actions.push((id, TriageAction::Waiting));
        } else if done {
            actions.push((id, TriageAction::Done));
        } else if snoozed {
            let until = now + (1 + i64::from(g.rng.u8(..5))) * DAY;
            actions.push((id, TriageAction::Snooze { until }));
        } else {
            open += 1;
        }
        let priority = match plan.topic {
            Topic::Angry => 3,
            Topic::Bug => 2,
            _ => 0,
        };
        if priority > 0 {
            actions.push((id, TriageAction::Priority { priority }));
        }
        let tagged = g.rng.u8(..10) < if done { 6 } else { 8 };
        if let Some(name) = tag_for(plan.topic).filter(|_| tagged || plan.topic == Topic::Spam) {
            actions.push((
                id,
                TriageAction::Tag {
                    tag: name.to_string(),
                },
            ));
        }
        // feature requests are the feedback a manager relays to the product team
        if plan.topic == Topic::FeatureRequest && g.rng.u8(..10) < 7 {
            actions.push((
                id,
                TriageAction::Tag {
                    tag: "feedback".into(),
                },
            ));
        }
        if !done && !snoozed && !waiting && priority >= 2 && assigned < 5 {
            // the three most recent urgent threads are Robin's (the user), the next two Sam's
            let to = content::DEMO_TEAM[usize::from(assigned >= 3)];
            assigned += 1;
            actions.push((
                id,
                TriageAction::Assign {
                    assignee: Some(to.to_string()),
                },
            ));
        }
    }
    store.triage_all(&actions, now)?;
    g.tick(plans.len() as u64 / 100);
    Ok(open)
}

fn plan_content(
    store: &mut Store,
    g: &mut Generator<'_>,
    plans: &[ThreadPlan],
    account_ids: &[i64],
) -> Result<()> {
    let now = g.now;
    // Midnight UTC today, so scheduled posts land on tidy times.
    let today = now - now.rem_euclid(DAY);
    let praise = plans.iter().rev().find(|p| p.topic == Topic::Praise);
    let praise_conv = match praise {
        Some(p) => store.conversation_id_by_external(account_ids[p.space], &p.external_id)?,
        None => None,
    };
    // The demo's own accounts, by platform: the targets of its posts (samples: nothing is
    // ever sent through them).
    let mut on: std::collections::HashMap<Platform, i64> = std::collections::HashMap::new();
    for &id in account_ids {
        let platform: Platform =
            store
                .conn()
                .query_row("SELECT platform FROM accounts WHERE id = ?1", [id], |r| {
                    crate::store::platform_col(r, 0)
                })?;
        on.entry(platform).or_insert(id);
    }
    let v = |platform: Platform, body: &str| {
        let t = VariantInput::new(platform, body);
        match on.get(&platform) {
            Some(&id) => t.on(id),
            None => t,
        }
    };
    let follows = |platform: Platform, body: &str| VariantInput {
        follows_main: true,
        ..v(platform, body)
    };
    let [robin, sam, priya] = content::DEMO_TEAM;
    // The coming Thursday (the weekly office hours), counted from 1970-01-01, a Thursday.
    let weekday = (today / DAY + 3).rem_euclid(7);
    let next_thursday = today
        + match (3 - weekday).rem_euclid(7) {
            0 => 7,
            n => n,
        } * DAY;
    // Each item, with the state it shows, who approved it, what happened to its targets
    // (target's platform, its post's address or why it failed) and its comments.
    type Outcome = (Platform, std::result::Result<&'static str, &'static str>);
    type DemoPost<'a> = (
        CalendarItemInput,
        ContentState,
        Option<&'a str>,
        Vec<Outcome>,
        Vec<(&'a str, &'a str)>,
    );
    let plan: Vec<DemoPost<'_>> = vec![
        (
            CalendarItemInput {
                title: "Lumen 3.2 release announcement".into(),
                body: "Lumen 3.2 is out: incremental builds are 3× faster, the image pipeline handles AVIF, and the i18n plugin is now built in.".into(),
                state: ContentState::Draft,
                scheduled_at: Some(today + 3 * DAY + 15 * HOUR),
                source_conversation_id: None,
                variants: vec![
                    v(Platform::Mastodon, "Lumen 3.2 is out! 🚀 3× faster incremental builds, AVIF images and built-in i18n. Release notes: https://lumen.dev/blog/3-2 #StaticSites #OpenSource"),
                    v(Platform::Bluesky, "Lumen 3.2 is out 🚀 3× faster incremental builds, AVIF images, built-in i18n. https://lumen.dev/blog/3-2"),
                    v(Platform::Discord, "Lumen 3.2 is out! Faster incremental builds, AVIF support and i18n in core. Full notes: https://lumen.dev/blog/3-2 — tell us what you build with it in #showcase!"),
                ],
                recurrence: None,
            },
            ContentState::Scheduled,
            Some(sam),
            vec![],
            vec![(sam, "Approved. Tuesday 15:00 UTC is our busiest window on Discord, good slot.")],
        ),
        (
            CalendarItemInput {
                title: "Community call — December".into(),
                body: "Monthly community call: roadmap, plugin showcase, Q&A.".into(),
                state: ContentState::Draft,
                scheduled_at: Some(today + 8 * DAY + 17 * HOUR),
                source_conversation_id: None,
                variants: vec![
                    {
                        let mut t = v(Platform::Discourse, "Join us for the December community call: roadmap, a plugin showcase and open Q&A. Add your questions below!");
                        t.title = Some("December community call: roadmap and Q&A".into());
                        t
                    },
                    v(Platform::Mastodon, "📅 Lumen community call next week: roadmap, plugin showcase, Q&A. Everyone welcome! https://lumen.dev/call"),
                ],
                recurrence: None,
            },
            ContentState::InReview,
            None,
            vec![],
            vec![
                (priya, "Can we add the livestream link for people who can't join the call?"),
                (robin, "Good idea — I'll add it once the stream is set up."),
            ],
        ),
        (
            CalendarItemInput {
                title: "Member spotlight: a migration story".into(),
                body: "Ask the author of this thank-you post whether we can feature their migration as a case study.".into(),
                state: ContentState::Idea,
                scheduled_at: None,
                source_conversation_id: praise_conv,
                variants: vec![],
                recurrence: None,
            },
            ContentState::Idea,
            None,
            vec![],
            vec![],
        ),
        (
            CalendarItemInput {
                title: "Plugin roundup: November".into(),
                body: "Five community plugins worth trying this month.".into(),
                state: ContentState::Draft,
                scheduled_at: Some(today + 12 * DAY + 10 * HOUR),
                source_conversation_id: None,
                variants: vec![{
                    let mut t = v(Platform::Discourse, "Our favourite community plugins this month: …");
                    t.title = Some("Plugin roundup: five to try in November".into());
                    t
                }],
                recurrence: None,
            },
            ContentState::Draft,
            None,
            vec![],
            vec![],
        ),
        (
            CalendarItemInput {
                title: "Contributor survey results".into(),
                body: "What 212 contributors told us about onboarding, and what we will change.".into(),
                state: ContentState::Draft,
                scheduled_at: None,
                source_conversation_id: None,
                variants: vec![
                    follows(Platform::Mastodon, "What 212 contributors told us about onboarding, and what we will change."),
                    follows(Platform::Bluesky, "What 212 contributors told us about onboarding, and what we will change."),
                ],
                recurrence: None,
            },
            ContentState::Approved,
            Some(priya),
            vec![],
            vec![(priya, "Approved — pick a slot once the blog post is live.")],
        ),
        (
            CalendarItemInput {
                title: "Office hours reminder".into(),
                body: "Office hours every Thursday at 16:00 UTC on Discord.".into(),
                state: ContentState::Draft,
                scheduled_at: Some(today - 4 * DAY + 16 * HOUR),
                source_conversation_id: None,
                variants: vec![v(Platform::Discord, "Office hours start in 15 minutes in #help — bring your questions!")],
                recurrence: None,
            },
            ContentState::Published,
            Some(robin),
            vec![(Platform::Discord, Ok("https://discord.com/channels/lumen/help/office-hours"))],
            vec![],
        ),
        (
            CalendarItemInput {
                title: "Write the Docs talk recap".into(),
                body: "Recap of our talk with slides and recording.".into(),
                state: ContentState::Draft,
                scheduled_at: Some(today - 2 * DAY + 9 * HOUR),
                source_conversation_id: None,
                variants: vec![
                    v(Platform::Mastodon, "Slides and recording from our Write the Docs talk on docs-as-code with Lumen: https://lumen.dev/talks/wtd"),
                    v(Platform::Bluesky, "Slides and recording from our Write the Docs talk on docs-as-code with Lumen: https://lumen.dev/talks/wtd"),
                ],
                recurrence: None,
            },
            ContentState::Partly,
            Some(sam),
            vec![
                (Platform::Mastodon, Ok("https://fosstodon.org/@lumen/113590000000000001")),
                (Platform::Bluesky, Err("Bluesky is unavailable (502 Bad Gateway); it was not posted — retry it")),
            ],
            vec![],
        ),
        (
            CalendarItemInput {
                title: "Docs sprint sign-ups".into(),
                body: "Join the docs sprint on the 14th: pick an issue, pair with a maintainer.".into(),
                state: ContentState::Draft,
                scheduled_at: Some(today - DAY + 11 * HOUR),
                source_conversation_id: None,
                variants: vec![v(Platform::Discord, "📚 Docs sprint on the 14th! Pick an issue labelled docs, pair with a maintainer, ship your first PR.")],
                recurrence: None,
            },
            ContentState::Failed,
            Some(robin),
            vec![(Platform::Discord, Err("Discord refused the post: Missing Permissions (the bot cannot write in #announcements)"))],
            vec![],
        ),
        (
            CalendarItemInput {
                title: "Holiday break notice".into(),
                body: "The core team is away 24 Dec – 2 Jan; the forum stays open and replies may be slower.".into(),
                state: ContentState::Draft,
                scheduled_at: Some(today - 3 * DAY + 8 * HOUR),
                source_conversation_id: None,
                variants: vec![follows(Platform::Discourse, "The core team is away 24 Dec – 2 Jan; the forum stays open and replies may be slower.")],
                recurrence: None,
            },
            ContentState::Missed,
            Some(robin),
            vec![],
            vec![(robin, "The laptop was closed all morning — publish it now or move it?")],
        ),
        (
            CalendarItemInput {
                title: "Office hours reminder (weekly)".into(),
                body: "Office hours start in 15 minutes in #help — bring your questions!".into(),
                state: ContentState::Draft,
                scheduled_at: Some(next_thursday + 15 * HOUR + 45 * 60_000),
                source_conversation_id: None,
                variants: vec![follows(Platform::Discord, "Office hours start in 15 minutes in #help — bring your questions!")],
                recurrence: Some("FREQ=WEEKLY;BYDAY=TH".into()),
            },
            ContentState::Scheduled,
            Some(robin),
            vec![],
            vec![],
        ),
        (
            CalendarItemInput {
                title: "Good-first-issue Friday".into(),
                body: "Highlight three beginner-friendly issues every Friday.".into(),
                state: ContentState::Idea,
                scheduled_at: None,
                source_conversation_id: None,
                variants: vec![],
                recurrence: None,
            },
            ContentState::Idea,
            None,
            vec![],
            vec![],
        ),
    ];
    let items = plan.len();
    // Posting slots at the time each community answers most (its `BUSY_WINDOWS`) and the same
    // hour two days later.
    for &(platform, weekday, hour) in BUSY_WINDOWS {
        if let Some(&account) = on.get(&platform) {
            for day in [weekday, (weekday + 2) % 7] {
                store.add_posting_slot(account, day, u16::from(hour) * 60, Some("UTC"))?;
            }
        }
    }
    for (input, state, approved_by, outcomes, comments) in plan {
        let created = store.create_calendar_item(&input, now - 2 * DAY)?;
        if input.title == DEMO_IMAGE.0 {
            store.add_calendar_image(
                created.id,
                DEMO_IMAGE.1,
                DEMO_IMAGE_BYTES,
                DEMO_IMAGE.2,
                now - 2 * DAY,
            )?;
        }
        let tx = store.conn_mut().transaction()?;
        tx.execute(
            "UPDATE calendar_items SET demo = 1, state = ?2, approved_by = ?3, time_zone = 'UTC',
                 approved_at = CASE WHEN ?3 IS NOT NULL THEN ?4 END,
                 published_at = CASE WHEN ?2 IN ('published', 'partly') THEN scheduled_at END
             WHERE id = ?1",
            rusqlite::params![created.id, state.as_str(), approved_by, now - DAY],
        )?;
        for (platform, outcome) in outcomes {
            let (url, error) = match outcome {
                Ok(url) => (Some(url), None),
                Err(why) => (None, Some(why)),
            };
            tx.execute(
                "UPDATE calendar_targets SET url = ?3, error = ?4,
                     external_id = CASE WHEN ?3 IS NOT NULL THEN 'demo-post-' || id END,
                     reactions = CASE WHEN ?3 IS NOT NULL THEN 6 + length(?3) % 19 END,
                     boosts = CASE WHEN ?3 IS NOT NULL AND ?2 IN ('mastodon', 'bluesky')
                                   THEN 2 + length(?3) % 7 END,
                     engagement_at = CASE WHEN ?3 IS NOT NULL THEN ?5 END
                 WHERE item_id = ?1 AND platform = ?2",
                rusqlite::params![created.id, platform.as_str(), url, error, now - HOUR],
            )?;
        }
        for (i, (author, body)) in comments.into_iter().enumerate() {
            tx.execute(
                "INSERT INTO calendar_comments (item_id, author, body, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![created.id, author, body, now - DAY + i as i64 * HOUR],
            )?;
        }
        tx.commit()?;
    }
    g.tick(items as u64);
    Ok(())
}

/// The demo's image: a chart on the release announcement, as (item title, file name, alt text).
pub const DEMO_IMAGE: (&str, &str, &str) = (
    "Lumen 3.2 release announcement",
    "downloads-chart.png",
    "Bar chart of Lumen's weekly downloads over its last six releases: each bar is taller than \
     the one before, and 3.2's, in dark orange, is the tallest.",
);
const DEMO_IMAGE_BYTES: &[u8] = include_bytes!("downloads-chart.png");

/// The team (Robin is the user, unless they already said who they are), a rule beyond the
/// starting ones and a saved view: the demo's own, removed with it.
fn inbox_setup(store: &mut Store, now: Millis) -> Result<()> {
    let tx = store.conn_mut().transaction()?;
    for name in content::DEMO_TEAM {
        tx.execute(
            "INSERT OR IGNORE INTO team_members (name, demo, created_at) VALUES (?1, 1, ?2)",
            rusqlite::params![name, now],
        )?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
        [crate::inbox::canned::MY_NAME, content::DEMO_TEAM[0]],
    )?;
    tx.commit()?;
    for (name, when, then) in content::DEMO_RULES {
        let draft = crate::model::RuleDraft {
            name: (*name).into(),
            enabled: true,
            when: when.iter().map(|w| (*w).to_string()).collect(),
            then: then.iter().map(|t| (*t).to_string()).collect(),
        };
        if store.rule(name).is_err() {
            let rule = store.add_rule(&draft, now)?;
            store
                .conn()
                .execute("UPDATE rules SET demo = 1 WHERE id = ?1", [rule.id])?;
        }
    }
    let (name, letter, filter) = content::demo_view();
    if store.view(name, now).is_err() {
        let view = store.add_view(
            &crate::model::ViewDraft {
                name: name.into(),
                letter: Some(letter.into()),
                filter,
                reply_target_hours: Some(8),
            },
            now,
        )?;
        if let Some(id) = view
            .key
            .strip_prefix("saved-")
            .and_then(|i| i.parse::<i64>().ok())
        {
            store
                .conn()
                .execute("UPDATE views SET demo = 1 WHERE id = ?1", [id])?;
        }
    }
    Ok(())
}

fn write_notes_and_tags(store: &mut Store, g: &mut Generator<'_>, people: u32) -> Result<()> {
    let now = g.now;
    // The most active members are the ones a manager knows and writes about.
    let top = store.members(&crate::model::MemberQuery {
        limit: Some(60),
        ..Default::default()
    })?;
    let candidates: Vec<i64> = top.items.iter().map(|m| m.id).collect();
    let n_notes = (people as usize / 20).clamp(3, 40).min(candidates.len());
    for (i, member) in candidates.iter().take(n_notes).enumerate() {
        let body = content::NOTES[i % content::NOTES.len()];
        store.add_note(*member, body, now - (1 + i as i64 % 20) * DAY)?;
    }
    for (i, member) in candidates.iter().take(30).enumerate() {
        let tag = if i < 5 {
            "champion"
        } else if i < 9 {
            // the rule "VIP member" ranks their open conversations higher
            "vip"
        } else {
            content::MEMBER_TAGS[g.rng.usize(..content::MEMBER_TAGS.len())]
        };
        store.tag_member(*member, tag)?;
    }
    g.tick(n_notes as u64);
    Ok(())
}

impl Store {
    fn conversation_id_by_external(
        &self,
        account_id: i64,
        external_id: &str,
    ) -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM conversations WHERE account_id = ?1 AND external_id = ?2",
                params![account_id, external_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}
