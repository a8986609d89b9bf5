//! How alike two identities are, and what that says: a Fellegi–Sunter model. Each pair is
//! compared field by field (email, name, handle, links, organisation, place, time zone,
//! co-activity, imported fields, same space); each field's outcome has a probability among
//! true matches (`m`) and among non-matches (`u`), and adds log₂(m/u) to the pair's score, so
//! every suggestion explains itself factor by factor. `u` is measured on random pairs of the
//! workspace's own identities, `m` on the pairs already known to be one person (merged on proof
//! or by a person), the share of matches by EM over every pair, and an exact match on a value
//! weighs by the chance another person shows that value: less the more common it is (two
//! "Alex"es prove little), more for a whole name, a made-up handle, a place or an employer few
//! others show. Must never: touch the database.
//!
//! Why Fellegi–Sunter rather than a trained classifier: a workspace has no labelled pairs to
//! train on until a person reviews some, the model learns from the workspace's own data without
//! them, and its weights are explanations a person can read ("+4.1 same email name").

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::keys::Key;
use super::names::{close_words, handle_key, handle_stem, same_given, similar};

/// One identity, ready to compare.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub identity_id: i64,
    pub member_id: i64,
    pub account_id: i64,
    /// The name as written (folded words), for the words' order and similarity.
    pub name_words: Vec<String>,
    pub name_sorted: Option<String>,
    pub handles: Vec<String>,
    pub hnames: Vec<String>,
    pub emails: Vec<String>,
    pub orgs: Vec<String>,
    pub places: Vec<String>,
    pub tz: Option<i32>,
    pub fields: Vec<(String, String)>,
    pub selfs: Vec<String>,
    pub claims: Vec<String>,
}

impl Profile {
    /// Builds a profile from an identity's keys and its folded name words.
    pub fn from_keys(
        identity_id: i64,
        member_id: i64,
        account_id: i64,
        name_words: Vec<String>,
        keys: &[Key],
    ) -> Profile {
        let mut p = Profile {
            identity_id,
            member_id,
            account_id,
            name_words,
            ..Default::default()
        };
        for k in keys {
            let v = k.value.clone();
            match k.kind.as_str() {
                "name" => p.name_sorted = Some(v),
                "handle" => p.handles.push(v),
                "hname" => p.hnames.push(v),
                "email" => p.emails.push(v),
                "org" => p.orgs.push(v),
                "place" => p.places.push(v),
                "tz" => p.tz = v.parse().ok(),
                "self" => p.selfs.push(v),
                "claim" => p.claims.push(v),
                kind => {
                    if let Some(field) = kind.strip_prefix("field:") {
                        p.fields.push((field.to_string(), v));
                    }
                }
            }
        }
        p
    }

    /// Whether `handle` is only the name of one of the account's emails (an email's name is
    /// read as a handle too, to find it beside a handle elsewhere).
    fn is_email_name(&self, handle: &str) -> bool {
        self.emails.iter().any(|e| {
            e.split('@')
                .next()
                .and_then(handle_key)
                .is_some_and(|k| k == handle)
        })
    }

    /// The profile as it would be without its email: what a pair merged on that email is
    /// compared by when learning how alike one person's accounts are (their shared email's
    /// name, read as a handle on both sides, would make every such pair "same handle", and
    /// different handles look far rarer among one person's accounts than they are).
    pub fn without_email(&self) -> Profile {
        Profile {
            handles: self
                .handles
                .iter()
                .filter(|h| !self.is_email_name(h))
                .cloned()
                .collect(),
            emails: Vec::new(),
            ..self.clone()
        }
    }

    fn given(&self) -> Option<&str> {
        self.name_words.first().map(String::as_str)
    }

    fn family(&self) -> Option<&str> {
        (self.name_words.len() > 1).then(|| self.name_words[self.name_words.len() - 1].as_str())
    }
}

/// The fields compared, in the order of a comparison vector.
pub const FIELDS: [&str; 10] = [
    "email", "name", "handle", "links", "org", "place", "tz", "together", "fields", "space",
];
/// How many outcomes each field has (level 0 is "nothing to compare" for most).
pub const LEVELS: [usize; 10] = [4, 5, 6, 3, 3, 3, 3, 3, 3, 2];

/// A comparison's outcomes alone, field by field: what the share of matches is learnt from.
pub type Pattern = [u8; 10];

/// The outcomes of `c`, field by field.
pub fn pattern(c: &Comparison) -> Pattern {
    let mut p = [0u8; 10];
    for (f, o) in c.iter().enumerate() {
        p[f] = o.level as u8;
    }
    p
}

/// One field's outcome for a pair, and the value that matched (for the frequency adjustment and
/// the explanation).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub level: usize,
    /// The shared value, for exact matches (its frequency lowers the weight).
    pub value: Option<(&'static str, String)>,
    /// What to say about it.
    pub text: String,
}

/// What a comparison of two identities found, field by field.
pub type Comparison = [Outcome; 10];

fn outcome(level: usize, text: impl Into<String>) -> Outcome {
    Outcome {
        level,
        value: None,
        text: text.into(),
    }
}

/// Whether `handle`, held by `a` or `b`, is one its holder made up: a number after a stem
/// neither's name makes ("pixelowl553", not "celineortiz67" beside "Céline Ortiz").
fn made_up(handle: &str, a: &Profile, b: &Profile) -> bool {
    handle_stem(handle).is_some_and(|stem| !a.hnames.iter().chain(&b.hnames).any(|n| n == stem))
}

fn shared<'a>(a: &'a [String], b: &[String]) -> Option<&'a String> {
    a.iter().find(|x| b.contains(x))
}

/// A whole name one identity gives in its handle only.
struct Spelt {
    /// The name it shows (a first name), or "" when it shows none.
    short: String,
    /// The other's whole name, as written and as a name key.
    full: String,
    sorted: String,
    handle: String,
}

/// Whether `short`, showing a first name only, no name, or the name misspelt ("Søren
/// Sharrma"), has a handle that writes out the whole name `full` shows ("xavierali" or
/// "alixavier" for "Xavier Ali", "sorensharma" for "Søren Sharma"), its first name being that
/// name's.
fn spelt_out(short: &Profile, full: &Profile) -> Option<Spelt> {
    if full.name_words.len() < 2 || short.name_sorted == full.name_sorted {
        return None;
    }
    let given = full.given()?;
    let family = full.family()?;
    if let Some(first) = short.given() {
        if !same_given(first, given) {
            return None;
        }
    }
    // the account's own handle, not the name of its email (compared on its own), with any
    // number after it ("amarayilmaz48"): a number says nothing about whose name it is
    // or, beside the first name it shows, that name's initial and the family name ("Ngozi" as
    // 'nkesenski' beside "Ngozi Kesenski"): the initial alone would be anyone's
    let shown_first = short.given().filter(|first| first.len() > 1);
    let writes_out = |h: &String| {
        let h = h.trim_end_matches(|c: char| c.is_ascii_digit());
        let whole = h.len() == given.len() + family.len()
            && ((h.starts_with(given) && h.ends_with(family))
                || (h.starts_with(family) && h.ends_with(given)));
        let initial = family.len() >= 4
            && h.len() == family.len() + 1
            && h.ends_with(family)
            && shown_first.is_some_and(|first| {
                // the initial of the name shown or of the one it stands for ("Pepe", José)
                [first, given]
                    .iter()
                    .any(|n| n.get(..1).is_some_and(|i| h.starts_with(i)))
            });
        whole || initial
    };
    let handle = short
        .handles
        .iter()
        .find(|h| writes_out(h) && !short.is_email_name(h))?;
    if short.name_words.len() > 1 && !short.family().is_some_and(|f| close_words(f, family)) {
        return None;
    }
    Some(Spelt {
        short: short.name_words.join(" "),
        full: full.name_words.join(" "),
        sorted: full.name_sorted.clone()?,
        handle: handle.clone(),
    })
}

/// Compares two identities. `together` is how many conversations their members share.
pub fn compare(a: &Profile, b: &Profile, together: u32) -> Comparison {
    compare_as(a, b, together, true)
}

/// [`compare`] without the words: the outcomes and values alone, for scoring many pairs of
/// which few are kept (the words are written again for those).
pub fn compare_quick(a: &Profile, b: &Profile, together: u32) -> Comparison {
    compare_as(a, b, together, false)
}

fn compare_as(a: &Profile, b: &Profile, together: u32, explain: bool) -> Comparison {
    // what to say about an outcome, only when it is asked for
    macro_rules! say {
        ($($t:tt)*) => {
            if explain { format!($($t)*) } else { String::new() }
        };
    }
    // --- email -------------------------------------------------------------------------------
    let email = if a.emails.is_empty() || b.emails.is_empty() {
        outcome(0, "")
    } else if let Some(e) = shared(&a.emails, &b.emails) {
        Outcome {
            level: 3,
            value: Some(("email", e.clone())),
            text: say!("same email {e}"),
        }
    } else {
        let local = |e: &String| e.split('@').next().unwrap_or("").to_string();
        let la: Vec<String> = a.emails.iter().map(local).collect();
        let lb: Vec<String> = b.emails.iter().map(local).collect();
        match shared(&la, &lb) {
            Some(l) if l.len() >= 4 => Outcome {
                level: 2,
                value: Some(("email_name", l.clone())),
                text: say!("same email name '{l}' at different domains"),
            },
            _ => outcome(1, say!("different emails")),
        }
    };

    // --- name --------------------------------------------------------------------------------
    // An account that shows a first name only, or no name, may write the whole name in its
    // handle ("Xavier" as 'xavierali' beside "Xavier Ali"): that handle gives the name, and the
    // two are compared as bearing the same whole name (its rarity weighs as any name's; the
    // handle, being made of the name, adds nothing more below).
    let spelt = spelt_out(a, b).or_else(|| spelt_out(b, a));
    let name = match (spelt, &a.name_sorted, &b.name_sorted) {
        (Some(s), _, _) => Outcome {
            level: 4,
            value: Some(("name", s.sorted)),
            text: if s.short.is_empty() {
                say!("handle '{}' writes out the name '{}'", s.handle, s.full)
            } else {
                say!(
                    "'{}' / '{}': the handle '{}' writes out the whole name",
                    s.short,
                    s.full,
                    s.handle
                )
            },
        },
        (None, Some(x), Some(y)) if x == y => Outcome {
            level: 4,
            value: Some(("name", x.clone())),
            text: if a.name_words == b.name_words {
                say!("same name '{}'", a.name_words.join(" "))
            } else {
                say!(
                    "same names in another order '{}' / '{}'",
                    a.name_words.join(" "),
                    b.name_words.join(" ")
                )
            },
        },
        (None, Some(_), Some(_)) => {
            let (ga, gb) = (a.given().unwrap_or(""), b.given().unwrap_or(""));
            // a name of one word is a first name, wherever the other writes theirs ("Zara" /
            // "Osei Zara")
            let given_ok = match (a.name_words.len(), b.name_words.len()) {
                (1, n) if n > 1 => b.name_words.iter().any(|w| same_given(ga, w)),
                (n, 1) if n > 1 => a.name_words.iter().any(|w| same_given(w, gb)),
                _ => same_given(ga, gb),
            };
            // the words in the other order, one of them misspelt ("Sven Holkra" / "Holkar Sven")
            let swapped_close = |x: &Profile, y: &Profile| match (x.family(), y.family()) {
                (Some(fx), Some(fy)) => {
                    same_given(x.given().unwrap_or(""), fy)
                        && close_words(fx, y.given().unwrap_or(""))
                }
                _ => false,
            };
            match (a.family(), b.family()) {
                (Some(fa), Some(fb)) if fa == fb && given_ok => outcome(
                    3,
                    say!("'{ga} {fa}' / '{gb} {fb}': {ga} and {gb} are one name"),
                ),
                (Some(fa), Some(fb))
                    if (given_ok || similar(ga, gb) >= 0.9) && close_words(fa, fb) =>
                {
                    outcome(2, say!("names '{ga} {fa}' / '{gb} {fb}' close"))
                }
                (Some(fa), Some(fb)) if swapped_close(a, b) || swapped_close(b, a) => outcome(
                    2,
                    say!("names '{ga} {fa}' / '{gb} {fb}' close, in another order"),
                ),
                (None, _) | (_, None) if given_ok => Outcome {
                    level: 2,
                    value: Some((
                        "given",
                        if a.family().is_none() { ga } else { gb }.to_string(),
                    )),
                    text: say!(
                        "'{}' / '{}' share a first name only",
                        a.name_words.join(" "),
                        b.name_words.join(" ")
                    ),
                },
                _ => outcome(
                    1,
                    say!(
                        "different names '{}' / '{}'",
                        a.name_words.join(" "),
                        b.name_words.join(" ")
                    ),
                ),
            }
        }
        _ => outcome(0, ""),
    };

    // --- handle ------------------------------------------------------------------------------
    // A handle made of a name says nothing more when the names already agree or are close:
    // two namesakes both called "anasouza" are still two people, and "ingridl" is made of
    // "Ingrid Lameani" as much as of "Ingrid Lameura".
    let names_agree = name.level >= 2;
    let from_names = |h: &String| a.hnames.contains(h) || b.hnames.contains(h);
    let handle = if a.handles.is_empty() || b.handles.is_empty() {
        outcome(0, "")
    } else if let Some(h) = shared(&a.handles, &b.handles) {
        if names_agree && from_names(h) {
            outcome(5, say!("same handle '{h}', made of the same name"))
        } else {
            // a handle the person made up, which they keep from platform to platform (see
            // `Model::m_numbered`)
            Outcome {
                level: 4,
                value: Some((
                    if made_up(h, a, b) {
                        "made_up"
                    } else {
                        "handle"
                    },
                    h.clone(),
                )),
                text: say!("same handle '{h}'"),
            }
        }
    } else if let Some(h) = shared(&a.handles, &b.hnames).or_else(|| shared(&b.handles, &a.hnames))
    {
        if names_agree {
            outcome(0, "")
        } else {
            Outcome {
                level: 3,
                value: Some(("hname", h.clone())),
                text: say!("handle '{h}' is made of the other's name"),
            }
        }
    } else {
        let stem_of = |p: &Profile| -> Vec<String> {
            p.handles
                .iter()
                .map(|h| h.trim_end_matches(|c: char| c.is_ascii_digit()).to_string())
                .collect()
        };
        let (sa, sb) = (stem_of(a), stem_of(b));
        let same_stem = shared(&sa, &sb).filter(|s| s.len() >= 4).cloned();
        let best = a
            .handles
            .iter()
            .flat_map(|x| b.handles.iter().map(move |y| (x, y)))
            .filter(|(x, y)| x.len() >= 5 && y.len() >= 5)
            .map(|(x, y)| (similar(x, y), x, y))
            .max_by(|p, q| p.0.total_cmp(&q.0));
        match (same_stem, best) {
            (Some(stem), _) if !(names_agree && from_names(&stem)) => Outcome {
                level: 2,
                value: Some(("stem", stem.clone())),
                text: say!("handles '{stem}…' alike but for a number"),
            },
            (Some(_), _) => outcome(0, ""),
            (None, Some((s, x, y))) if s >= 0.92 => outcome(2, say!("handles '{x}' / '{y}' close")),
            _ => outcome(1, say!("different handles")),
        }
    };

    // --- links -------------------------------------------------------------------------------
    let links = if let Some(l) = shared(&a.claims, &b.selfs).or_else(|| shared(&b.claims, &a.selfs))
    {
        outcome(2, say!("one profile links the other ({l})"))
    } else if let Some(l) = shared(&a.claims, &b.claims) {
        outcome(1, say!("both profiles link {l}"))
    } else {
        outcome(0, "")
    };

    let same_or = |x: &[String], y: &[String], what: &'static str| -> Outcome {
        if x.is_empty() || y.is_empty() {
            outcome(0, "")
        } else if let Some(v) = shared(x, y) {
            Outcome {
                level: 2,
                value: Some((what, v.clone())),
                text: say!("both {} {v}", if what == "org" { "at" } else { "in" }),
            }
        } else {
            outcome(
                1,
                say!(
                    "different {} ({} / {})",
                    if what == "org" {
                        "organisations"
                    } else {
                        "places"
                    },
                    x[0],
                    y[0]
                ),
            )
        }
    };
    let org = same_or(&a.orgs, &b.orgs, "org");
    let place = same_or(&a.places, &b.places, "place");
    let tz = match (a.tz, b.tz) {
        (Some(x), Some(y)) if (x - y).abs() <= 1 => outcome(2, say!("same time zone")),
        (Some(x), Some(y)) => outcome(1, say!("different time zones (UTC{x:+} / UTC{y:+})")),
        _ => outcome(0, ""),
    };
    let together = match together {
        0 => outcome(0, ""),
        1 => outcome(1, say!("wrote in one conversation together")),
        n => outcome(2, say!("wrote in {n} conversations together")),
    };
    let fields = {
        let mut agree = Vec::new();
        let mut disagree = Vec::new();
        for (name, va) in &a.fields {
            if let Some((_, vb)) = b.fields.iter().find(|(n, _)| n == name) {
                if va == vb {
                    agree.push(say!("{name} {va}"));
                } else {
                    disagree.push(say!("{name} {va} / {vb}"));
                }
            }
        }
        if !disagree.is_empty() {
            outcome(1, say!("different {}", disagree.join(", ")))
        } else if !agree.is_empty() {
            outcome(2, say!("same {}", agree.join(", ")))
        } else {
            outcome(0, "")
        }
    };
    let space = if a.account_id == b.account_id {
        outcome(1, say!("two accounts in the same space"))
    } else {
        outcome(0, "")
    };
    [
        email, name, handle, links, org, place, tz, together, fields, space,
    ]
}

/// The model's parameters: per field and outcome, the probability among matches (`m`) and
/// non-matches (`u`); the share of matches among all pairs; how common each value is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// The share of true matches among all pairs of identities (the odds before the evidence).
    pub lambda: f64,
    /// How many identities have a value of each kind (kind → value → identities), for the
    /// frequency adjustment.
    #[serde(skip)]
    pub counts: HashMap<String, HashMap<String, u32>>,
    /// How many identities the counts are out of.
    pub population: u32,
    /// Among one person's pairs of accounts where one holds a handle with a number
    /// ("pixelowl553"), the share where the other holds the same: people keep such a handle
    /// from platform to platform far more often than one person's accounts share a handle at
    /// all (`m` of "same handle" is over every pair, most of which have nothing to share).
    /// `None` until learnt.
    #[serde(default)]
    pub m_numbered: Option<f64>,
    /// For the fields only some accounts fill in (organisation, place), the share of identities
    /// that show one: the chance a random pair agrees on a value is the chance both show one
    /// and the other's is that value, not how often the value occurs among all identities.
    #[serde(default)]
    pub shown: HashMap<String, f64>,
}

const FLOOR: f64 = 1e-6;
/// How often two namesakes make the same handle of their name: random pairs cannot measure it
/// (they are almost never namesakes), so it is set, not learnt.
const NAMESAKES_SAME_HANDLE: f64 = 0.25;

impl Default for Model {
    /// Prior parameters, used before the workspace has data enough to learn its own.
    fn default() -> Model {
        let m = vec![
            vec![0.45, 0.15, 0.05, 0.35], // email: none, differ, same name, same
            vec![0.05, 0.03, 0.12, 0.15, 0.65], // name: none, differ, close, nickname, same
            // handle: none, differ, close, name-like, same, same but made of the same name
            vec![0.05, 0.3, 0.1, 0.2, 0.25, 0.1],
            vec![0.85, 0.05, 0.1], // links: none, shared, one links other
            vec![0.7, 0.05, 0.25], // org
            vec![0.75, 0.05, 0.2], // place
            vec![0.8, 0.02, 0.18], // tz
            vec![0.6, 0.2, 0.2],   // together
            vec![0.8, 0.02, 0.18], // fields
            vec![0.95, 0.05],      // same space
        ];
        let u = vec![
            vec![0.5, 0.4999, 0.00005, 0.00005],
            vec![0.05, 0.9, 0.03, 0.005, 0.015],
            vec![0.05, 0.93, 0.01, 0.005, 0.005, NAMESAKES_SAME_HANDLE],
            vec![0.999, 0.0009, 0.0001],
            vec![0.7, 0.28, 0.02],
            vec![0.75, 0.2, 0.05],
            vec![0.8, 0.12, 0.08],
            vec![0.97, 0.025, 0.005],
            vec![0.8, 0.15, 0.05],
            vec![0.8, 0.2],
        ];
        Model {
            m,
            u,
            lambda: 0.01,
            counts: HashMap::default(),
            population: 0,
            m_numbered: None,
            shown: HashMap::default(),
        }
    }
}

/// One factor of a score: how much it moved the score, and why, in words.
pub type Factor = crate::model::MergeFactor;

/// A scored pair: its match weight (log₂ odds), the probability it is one person, and why.
#[derive(Debug, Clone)]
pub struct Scored {
    pub score: f64,
    pub probability: f64,
    pub factors: Vec<Factor>,
    /// Whether something other than the name spoke for it.
    pub beyond_name: bool,
}

impl Outcome {
    /// The values whose frequency the weight of this outcome depends on: the shared value and,
    /// for a whole name, each of its words as a first or a family name.
    pub fn counted(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        if let Some((kind, value)) = &self.value {
            out.push((counted_as(kind), value.as_str()));
            if counted_as(kind) == "handle" {
                if let Some(stem) = handle_stem(value) {
                    out.push(("stem", stem));
                }
            }
            if *kind == "name" {
                for word in value.split(' ') {
                    out.push(("given", word));
                    out.push(("family", word));
                }
            }
        }
        out
    }
}

/// The kind of key a shared value of `kind` is counted under: a made-up handle is a handle.
fn counted_as(kind: &str) -> &str {
    if kind == "made_up" {
        "handle"
    } else {
        kind
    }
}

/// The probability that a pair is one person, from its score (log₂ odds).
pub fn probability(score: f64) -> f64 {
    1.0 / (1.0 + (-score).exp2())
}

/// The lowest chance two different people share a whole name, however rare its words.
const RAREST_NAME: f64 = 1e-10;

/// For a handle with a number after it ("pixelowl553"), the chance another person holds it:
/// how many others hold its stem ("pixelowl", seen once at least) times the chance of that
/// number among the numbers of its length. The handles of one workspace's random pairs almost
/// never meet, so the average over them cannot tell "pixelowl553", whose stem no one else
/// holds, from a stem a thousand people put numbers after ("anasilva"). `None` for a handle
/// without a number, or any other kind of value.
fn handle_chance(
    kind: &str,
    handle: &str,
    population: f64,
    count: &dyn Fn(&str, &str) -> u32,
) -> Option<f64> {
    if kind != "handle" {
        return None;
    }
    let stem = handle_stem(handle)?;
    // up to 9999: longer numbers are not all equally likely (years, the platform's suffixes)
    let digits = (handle.len() - stem.len()).min(4) as i32;
    let holders = f64::from(count("stem", stem).saturating_sub(2).max(1));
    Some(holders / population * 10f64.powi(-digits))
}

impl Model {
    /// How many identities hold `value` as a key of `kind`, if it was counted.
    pub fn count(&self, kind: &str, value: &str) -> Option<u32> {
        self.counts.get(kind)?.get(value).copied()
    }

    /// Records how many identities hold `value` as a key of `kind`.
    pub fn set_count(&mut self, kind: &str, value: &str, n: u32) {
        match self.counts.get_mut(kind) {
            Some(values) => {
                values.insert(value.to_string(), n);
            }
            None => {
                let mut values = HashMap::default();
                values.insert(value.to_string(), n);
                self.counts.insert(kind.to_string(), values);
            }
        }
    }

    /// The probability of `level` of `field` among matches. A handle made of a name is only
    /// compared when the names agree or are close, so its probability is the one given that
    /// they are (as its `u`, [`NAMESAKES_SAME_HANDLE`], is); one handle made of the other's
    /// name counts only when they do not (one account shows no name, or another one), so its
    /// probability is the one given that (its `u` barely changes: random pairs' names almost
    /// never agree). Without the second, a nameless "dnoraeke" beside "Dario Noraeke" would be
    /// weighed as if one person's accounts with one name missing were as many as all of them.
    fn m_of(&self, field: usize, level: usize) -> f64 {
        let m = self.m[field][level].max(FLOOR);
        let given = match (FIELDS[field], level) {
            ("handle", 5) => self.m[1][2] + self.m[1][3] + self.m[1][4],
            ("handle", 3) => self.m[1][0] + self.m[1][1],
            _ => return m,
        };
        (m / given.max(FLOOR)).min(1.0)
    }

    fn weight(&self, field: usize, o: &Outcome) -> f64 {
        let mut m = self.m_of(field, o.level);
        if let (Some(("made_up", _)), Some(numbered)) = (&o.value, self.m_numbered) {
            // the chance one person's other account holds it is the one learnt for handles a
            // person made up
            m = numbered.max(FLOOR);
        }
        let mut u = self.u[field][o.level].max(FLOOR);
        if let (Some((kind, value)), true) = (&o.value, self.population > 0) {
            let value = (counted_as(kind), value);
            let population = f64::from(self.population);
            // how often the value occurs among the other identities (a value only these two
            // hold is as rare as values get)
            let count = |kind: &str, v: &str| self.count(kind, v).unwrap_or(0);
            let others = |n: u32| f64::from(n) / population;
            let held = count(value.0, value.1).saturating_sub(2);
            if let Some(chance) = self.name_chance(value.0, value.1, population, &count) {
                // a whole name: the chance two people share it is the larger of how often
                // others hold it and what its words make likely (names are given word by
                // word: "Ana Silva" is common, "Quentin Keserstrom" is not, though each is
                // held by one person here), not the average over all names
                // (one more holder of the name may well be a third account of the same
                // person: people with three accounts are common, namesakes are not)
                u = others(held.saturating_sub(1)).max(chance).max(RAREST_NAME);
            } else if let Some(chance) = handle_chance(value.0, value.1, population, &count) {
                // a handle with a number: as rare as its parts make it (and, as with a name,
                // one more holder may be the same person's third account)
                u = others(held.saturating_sub(1)).max(chance);
            } else if let Some(&shown) = self.shown.get(value.0) {
                // an organisation, a place: both show one (as often as accounts do) and the
                // other's is this one (as often as its holders make it; one no one else shows
                // counts as shown once)
                u = (shown * others(held.max(1))).max(FLOOR);
            } else {
                // any other exact match on a common value proves less
                u = u.max(others(held));
            }
        }
        (m / u).log2()
    }

    /// For a whole name of two or more words, the chance two different people both bear it:
    /// the product of how common each word is as a first or family name among the other
    /// identities (a word no one else bears counts as seen once). Words never seen as a first
    /// or family name (a middle name) are left out.
    fn name_chance(
        &self,
        kind: &str,
        sorted: &str,
        population: f64,
        count: &dyn Fn(&str, &str) -> u32,
    ) -> Option<f64> {
        if kind != "name" || !sorted.contains(' ') {
            return None;
        }
        let mut chance = 1.0;
        for word in sorted.split(' ') {
            let n = count("given", word) + count("family", word);
            if n > 0 {
                chance *= f64::from(n.saturating_sub(2).max(1)) / population;
            }
        }
        Some(chance)
    }

    /// The odds before the evidence, as a weight (log₂).
    pub fn prior(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// The weight of the evidence alone (the score less the prior), and whether something
    /// other than the name spoke for the pair: what scoring many pairs needs, without words.
    pub fn evidence(&self, c: &Comparison) -> (f64, bool) {
        let mut sum = 0.0;
        let mut beyond_name = false;
        for (f, o) in c.iter().enumerate() {
            if o.level == 0 {
                continue;
            }
            let w = self.weight(f, o);
            sum += w;
            beyond_name |= w > 0.5 && FIELDS[f] != "name";
        }
        (sum, beyond_name)
    }

    pub fn score(&self, c: &Comparison) -> Scored {
        let prior = self.prior();
        let mut score = prior;
        let mut factors = Vec::new();
        let mut beyond_name = false;
        for (f, o) in c.iter().enumerate() {
            if o.level == 0 {
                continue; // nothing to compare: says nothing either way
            }
            let w = self.weight(f, o);
            score += w;
            if w > 0.5 && FIELDS[f] != "name" {
                beyond_name = true;
            }
            if o.text.is_empty() {
                continue; // compared without words: the score alone is wanted
            }
            factors.push(Factor {
                field: FIELDS[f].to_string(),
                weight: (w * 10.0).round() / 10.0,
                text: o.text.clone(),
            });
        }
        factors.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        factors.push(Factor {
            field: "prior".into(),
            weight: (prior * 10.0).round() / 10.0,
            text: format!(
                "before the evidence: about 1 in {:.0} pairs of accounts is one person",
                (1.0 / self.lambda).max(1.0)
            ),
        });
        let probability = probability(score);
        Scored {
            score,
            probability,
            factors,
            beyond_name,
        }
    }

    /// Estimates `u` from comparisons of random pairs (almost all are different people).
    pub fn learn_u(&mut self, random: &[Comparison]) {
        if random.len() < 1000 {
            return;
        }
        for f in 0..FIELDS.len() {
            let mut counts = vec![1.0f64; LEVELS[f]];
            for c in random {
                counts[c[f].level] += 1.0;
            }
            let total: f64 = counts.iter().sum();
            self.u[f] = counts.iter().map(|c| c / total).collect();
        }
        self.u[2][5] = NAMESAKES_SAME_HANDLE;
        // with as many identities as make random pairs worth learning from, how many show an
        // organisation or a place says as much (with a handful, one town held by two of three
        // would make a shared town count against a pair)
        self.learn_shown();
    }

    /// Learns `m` from pairs known to be one person (identities already merged, on proof or
    /// by a person), blended with the prior so a workspace with few merges keeps sensible
    /// weights. The email and links fields are left at the prior: known pairs were mostly
    /// merged on exactly those, so they would overstate them.
    pub fn learn_m(&mut self, known: &[Comparison]) {
        const PRIOR_WEIGHT: f64 = 50.0;
        if known.is_empty() {
            return;
        }
        for f in 0..FIELDS.len() {
            if matches!(FIELDS[f], "email" | "links") {
                continue;
            }
            let mut counts: Vec<f64> = self.m[f].iter().map(|p| p * PRIOR_WEIGHT).collect();
            for c in known {
                counts[c[f].level] += 1.0;
            }
            let total: f64 = counts.iter().sum();
            self.m[f] = counts.iter().map(|c| c / total).collect();
        }
    }

    /// Learns [`Model::m_numbered`] from pairs known to be one person (as [`Model::learn_m`]
    /// does, compared without the email they were merged on), blended with an even prior so a
    /// few merges do not decide it.
    pub fn learn_m_numbered<'p>(
        &mut self,
        known: impl IntoIterator<Item = (&'p Profile, &'p Profile)>,
    ) {
        const PRIOR_WEIGHT: f64 = 50.0;
        let (mut with, mut kept) = (0.0, 0.0);
        for (a, b) in known {
            if a.handles.is_empty() || b.handles.is_empty() {
                continue;
            }
            if !a.handles.iter().chain(&b.handles).any(|h| made_up(h, a, b)) {
                continue;
            }
            with += 1.0;
            if a.handles
                .iter()
                .any(|h| made_up(h, a, b) && b.handles.contains(h))
            {
                kept += 1.0;
            }
        }
        if with > 0.0 {
            self.m_numbered = Some((kept + 0.5 * PRIOR_WEIGHT) / (with + PRIOR_WEIGHT));
        }
    }

    /// Records how many identities show an organisation and a place, from the counts (as
    /// [`Model::learn_u`] does, for a workspace large enough).
    pub fn learn_shown(&mut self) {
        if self.population == 0 {
            return;
        }
        for kind in ["org", "place"] {
            if let Some(values) = self.counts.get(kind) {
                let holders: f64 = values.values().map(|&n| f64::from(n)).sum();
                self.shown.insert(
                    kind.to_string(),
                    (holders / f64::from(self.population)).min(1.0),
                );
            }
        }
    }

    /// Estimates the share of all pairs of identities that are one person, by
    /// expectation–maximisation over every pair: `u` was learnt from random pairs, so the odds
    /// before the evidence must be those of a random pair too (taking the share among
    /// candidates instead counts the key that made them candidates twice, and a workspace with
    /// many namesakes gets suggestions it should not). Pairs that share no key are taken as
    /// different people; `m` and `u` are held (learning them by EM too drifts to "everything
    /// matches" when most candidates are namesakes: the labels swap).
    ///
    /// `patterns` counts the candidates by their outcomes, field by field ([`pattern`]).
    pub fn learn_lambda(&mut self, patterns: &HashMap<Pattern, f64>, all_pairs: f64) {
        let candidates: f64 = patterns.values().sum();
        if candidates < 100.0 || all_pairs < candidates {
            return;
        }
        let mut lambda = candidates / all_pairs / 10.0;
        for _ in 0..100 {
            let mut matches = 0.0;
            for (p, n) in patterns {
                let (mut pm, mut pu) = (lambda, 1.0 - lambda);
                for (f, &level) in p.iter().enumerate() {
                    pm *= self.m_of(f, level as usize);
                    pu *= self.u[f][level as usize].max(FLOOR);
                }
                matches += pm / (pm + pu) * n;
            }
            lambda = (matches / all_pairs).clamp(1e-12, 0.5);
        }
        self.lambda = lambda;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The profile of an identity with these facts (its words from its display name).
    fn profile(id: i64, facts: super::super::keys::IdentityFacts) -> Profile {
        let words: Vec<String> = facts
            .display_name
            .as_deref()
            .and_then(super::super::names::Name::parse)
            .map(|n| n.words)
            .unwrap_or_default();
        Profile::from_keys(id, id, id, words, &super::super::keys::keys(&facts))
    }

    fn person(id: i64, name: &str, handle: &str, email: Option<&str>) -> Profile {
        profile(
            id,
            super::super::keys::IdentityFacts {
                handle: handle.into(),
                display_name: Some(name.into()),
                email: email.map(str::to_string),
                ..Default::default()
            },
        )
    }

    #[test]
    fn the_same_email_name_at_two_domains_and_a_close_name_explain_themselves() {
        let a = person(1, "Ana Souza", "anas", Some("ana.souza@acme.io"));
        let b = person(2, "Ana Sousa", "asousa", Some("ana.souza@mail.example"));
        let c = compare(&a, &b, 0);
        assert_eq!(
            c[0].text,
            "same email name 'ana.souza' at different domains"
        );
        assert_eq!(c[1].text, "names 'ana souza' / 'ana sousa' close");
        let s = Model::default().score(&c);
        assert!(s.probability > 0.9, "{s:?}");
        assert!(s.factors.iter().all(|f| !f.text.is_empty()));
    }

    #[test]
    fn a_common_name_alone_counts_for_less_than_a_rare_one() {
        let mut model = Model {
            population: 10_000,
            ..Model::default()
        };
        model.set_count("name", "alex", 300);
        model.set_count("name", "xiadani", 1);
        let common = model.score(&compare(
            &person(1, "Alex", "a1", None),
            &person(2, "Alex", "zz9", None),
            0,
        ));
        let rare = model.score(&compare(
            &person(1, "Xiadani", "a1", None),
            &person(2, "Xiadani", "zz9", None),
            0,
        ));
        assert!(common.score < rare.score);
        assert!(!common.beyond_name, "only the name spoke for them");
    }

    /// A model of 10,000 identities where "Ana" and "Silva" are common words and "Quentin"
    /// and "Keserstrom" are not; each whole name is held by the two identities compared only.
    fn names_model() -> Model {
        let mut model = Model {
            population: 10_000,
            ..Model::default()
        };
        for (kind, word, n) in [
            ("given", "ana", 300),
            ("family", "silva", 200),
            ("given", "quentin", 4),
            ("family", "keserstrom", 2),
        ] {
            model.set_count(kind, word, n);
        }
        model.set_count("name", "ana silva", 2);
        model.set_count("name", "keserstrom quentin", 2);
        model
    }

    #[test]
    fn a_whole_name_no_one_else_bears_weighs_as_rare_as_its_words_make_it() {
        let model = names_model();
        let weight = |name: &str| {
            let c = compare(
                &person(1, name, "a1", None),
                &person(2, name, "zz9", None),
                0,
            );
            assert_eq!(c[1].level, 4, "{:?}", c[1]);
            model.weight(1, &c[1])
        };
        let common = weight("Ana Silva");
        let rare = weight("Quentin Keserstrom");
        // both names are held by these two identities alone, but two people called Ana Silva
        // are far likelier than two called Quentin Keserstrom
        assert!(rare > common + 8.0, "rare {rare:.1}, common {common:.1}");
        // and the average over all names is no longer a ceiling: the rare name weighs more
        // than any name did before
        let average = (model.m[1][4] / model.u[1][4]).log2();
        assert!(rare > average, "rare {rare:.1}, average {average:.1}");
    }

    #[test]
    fn a_name_held_by_many_others_weighs_less_whatever_its_words() {
        let mut model = names_model();
        model.set_count("name", "keserstrom quentin", 400);
        let c = compare(
            &person(1, "Quentin Keserstrom", "a1", None),
            &person(2, "Quentin Keserstrom", "zz9", None),
            0,
        );
        let crowded = model.weight(1, &c[1]);
        let alone = names_model().weight(1, &c[1]);
        assert!(
            crowded < alone - 5.0,
            "crowded {crowded:.1}, alone {alone:.1}"
        );
    }

    #[test]
    fn one_word_names_swapped_and_misspelt_names_are_compared_as_people_write_them() {
        // "Zara" is the first name of "Osei Zara", written family name first
        let c = compare(
            &person(1, "Zara", "nightmoth35", None),
            &person(2, "Osei Zara", "nightmoth35", None),
            0,
        );
        assert_eq!(c[1].level, 2, "{:?}", c[1]);
        assert_eq!(c[1].text, "'zara' / 'osei zara' share a first name only");
        assert_eq!(c[1].value, Some(("given", "zara".to_string())));
        // the words in the other order, one of them misspelt
        let c = compare(
            &person(1, "Sven Holkra", "svenholkar", None),
            &person(2, "Holkar Sven", "holkarsven", None),
            0,
        );
        assert_eq!(c[1].level, 2, "{:?}", c[1]);
        assert!(c[1].text.contains("in another order"), "{}", c[1].text);
        // a letter doubled mid-word (Jaro–Winkler alone calls these different: 0.87)
        let c = compare(
            &person(1, "Priya Jaserara", "priyajaserara19", None),
            &person(2, "Priya Jaaserara", "priyaj", None),
            0,
        );
        assert_eq!(c[1].level, 2, "{:?}", c[1]);
        // a first name only, with the whole name written in the handle
        let c = compare(
            &person(1, "Xavier", "xavierali", None),
            &person(2, "Xavier Ali", "xavier_ali", None),
            0,
        );
        assert_eq!(c[1].level, 4, "{:?}", c[1]);
        assert_eq!(c[1].value, Some(("name", "ali xavier".to_string())));
        assert_eq!(c[2].level, 5, "the handle is the name again: {:?}", c[2]);
        // …with a number after it
        let c = compare(
            &person(1, "Amara", "amarayilmaz48", None),
            &person(2, "Amara Yılmaz", "amara_yilmaz", None),
            0,
        );
        assert_eq!(c[1].level, 4, "{:?}", c[1]);
        assert_eq!(c[1].value, Some(("name", "amara yilmaz".to_string())));
        // no name at all, the handle writing out the other's
        let nameless = Profile::from_keys(
            3,
            3,
            3,
            Vec::new(),
            &super::super::keys::keys(&super::super::keys::IdentityFacts {
                handle: "camille.domansen".into(),
                ..Default::default()
            }),
        );
        let c = compare(
            &nameless,
            &person(4, "Camille Domansen", "camilledomansen77", None),
            0,
        );
        assert_eq!(c[1].level, 4, "{:?}", c[1]);
        // a misspelt name beside a handle that writes it out right
        let c = compare(
            &person(1, "Søren Sharrma", "sorensharma", None),
            &person(2, "Søren Sharma", "sorensharma", None),
            0,
        );
        assert_eq!(c[1].level, 4, "{:?}", c[1]);
        assert_eq!(c[1].value, Some(("name", "sharma soren".to_string())));
        // a first name, and its initial with the family name in the handle
        let c = compare(
            &person(1, "Ngozi", "nkesenski", None),
            &person(2, "Ngozi Kesenski", "ngozikesenski", None),
            0,
        );
        assert_eq!(c[1].level, 4, "{:?}", c[1]);
        assert_eq!(c[1].value, Some(("name", "kesenski ngozi".to_string())));
        // …which is anyone's with that initial when no first name is shown, or another one
        let c = compare(
            &account(5, "", "nkesenski", None, None),
            &person(2, "Ngozi Kesenski", "ngozikesenski", None),
            0,
        );
        assert_ne!(c[1].level, 4, "{:?}", c[1]);
        let c = compare(
            &person(1, "Nadia", "nkesenski", None),
            &person(2, "Ngozi Kesenski", "ngozikesenski", None),
            0,
        );
        assert_ne!(c[1].level, 4, "{:?}", c[1]);
        // but a handle of another first name gives nothing
        let c = compare(
            &person(1, "Ximena", "xavierali", None),
            &person(2, "Xavier Ali", "xavier_ali", None),
            0,
        );
        assert_ne!(c[1].level, 4, "{:?}", c[1]);
        // two different first names are still different people
        let c = compare(
            &person(1, "Zara Osei", "z1", None),
            &person(2, "Amara Osei", "z2", None),
            0,
        );
        assert_eq!(c[1].level, 1, "{:?}", c[1]);
    }

    #[test]
    fn a_handle_made_of_close_names_adds_nothing_to_them() {
        // two people, "Ingrid Lameani" and "Ingrid Lameura": "ingridl" is made of either name
        let c = compare(
            &person(1, "Ingrid Lameani", "ingridl", None),
            &person(2, "Ingrid Lameura", "ingridlameura", None),
            0,
        );
        assert_eq!(c[1].level, 2, "the names are close: {:?}", c[1]);
        assert_eq!(c[2].level, 0, "the handle says nothing more: {:?}", c[2]);
    }

    /// An account with a handle and nothing else, or with a place or an employer too.
    fn account(
        id: i64,
        name: &str,
        handle: &str,
        org: Option<&str>,
        place: Option<&str>,
    ) -> Profile {
        profile(
            id,
            super::super::keys::IdentityFacts {
                handle: handle.into(),
                display_name: (!name.is_empty()).then(|| name.to_string()),
                organization: org.map(str::to_string),
                location: place.map(str::to_string),
                ..Default::default()
            },
        )
    }

    #[test]
    fn a_made_up_handle_weighs_by_how_many_put_numbers_after_its_stem() {
        let (a, b) = (
            account(1, "Vera Holoardo", "pixelowl553", None, None),
            account(2, "", "pixelowl553", None, None),
        );
        let c = compare(&a, &b, 0);
        assert_eq!(c[2].value, Some(("made_up", "pixelowl553".to_string())));
        // a handle made of a name, with a number, is not made up: namesakes make it too
        let c2 = compare(
            &account(1, "Celine Ortiz", "celineortiz67", None, None),
            &account(2, "", "celineortiz67", None, None),
            0,
        );
        assert_eq!(c2[2].value, Some(("handle", "celineortiz67".to_string())));

        let mut model = Model {
            population: 10_000,
            ..Model::default()
        };
        model.set_count("handle", "pixelowl553", 2);
        // no one else puts a number after "pixelowl"
        model.set_count("stem", "pixelowl", 2);
        let alone = model.weight(2, &c[2]);
        // a thousand others do: one of them may well have picked 553
        model.set_count("stem", "pixelowl", 1002);
        let crowded = model.weight(2, &c[2]);
        assert!(
            alone > crowded + 9.0,
            "alone {alone:.1}, crowded {crowded:.1}"
        );
        // a third holder may be the person's third account: it does not make the handle common
        model.set_count("handle", "pixelowl553", 3);
        assert!((model.weight(2, &c[2]) - crowded).abs() < 1e-9);

        // learnt from one person's accounts: most keep such a handle from platform to platform,
        // though few of all one person's pairs of accounts share a handle
        let kept: Vec<(Profile, Profile)> = (0..40)
            .map(|i| {
                let h = format!("quietfern{i}");
                (
                    account(10 + i, "Ana Souza", &h, None, None),
                    account(100 + i, "", &h, None, None),
                )
            })
            .collect();
        let before = model.weight(2, &c[2]);
        let name_made = model.weight(2, &c2[2]);
        model.learn_m_numbered(kept.iter().map(|(a, b)| (a, b)));
        let learnt = model.m_numbered.unwrap_or(0.0);
        assert!(learnt > 0.7 && learnt > model.m[2][4], "{learnt}");
        assert!(model.weight(2, &c[2]) > before + 1.0);
        // and the handle made of a name keeps the weight it had
        assert!((model.weight(2, &c2[2]) - name_made).abs() < 1e-9);
    }

    #[test]
    fn a_handle_made_of_the_others_name_is_weighed_given_that_one_shows_no_name() {
        let c = compare(
            &account(1, "", "dnoraeke", None, None),
            &account(2, "Dario Noraeke", "dario_n", None, None),
            0,
        );
        assert_eq!(c[2].level, 3, "{:?}", c[2]);
        let mut model = Model::default();
        // as learnt from the demo at 20,000 people: one person's accounts rarely lack a name
        // or show another one, and one handle is made of the other's name in 1.5% of them
        model.m[1] = vec![0.026, 0.001, 0.055, 0.011, 0.907];
        model.m[2][3] = 0.015;
        // it can only be seen when the names do not agree, which is rare among one person's
        // accounts: among those, a handle made of the other's name is common
        let unconditional = (model.m[2][3] / model.u[2][3]).log2();
        let missing_or_other = model.m[1][0] + model.m[1][1];
        let w = model.weight(2, &c[2]);
        assert!(
            (w - (unconditional - missing_or_other.log2())).abs() < 1e-9,
            "{w:.2} {unconditional:.2}"
        );
        assert!(w > unconditional + 3.0);
    }

    #[test]
    fn a_shared_place_weighs_by_how_few_show_one_and_how_few_live_there() {
        let pair = |place: &str| {
            compare(
                &account(1, "Ana Souza", "anas", None, Some(place)),
                &account(2, "Ana Souza", "asouza", None, Some(place)),
                0,
            )
        };
        let mut model = Model {
            population: 10_000,
            ..Model::default()
        };
        model.set_count("place", "berlin", 1500);
        model.set_count("place", "tromso", 2);
        model.learn_shown();
        let share = model.shown.get("place").copied().unwrap_or(0.0);
        assert!((share - 0.1502).abs() < 1e-9, "{share}");
        let (berlin, tromso) = (pair("Berlin"), pair("Tromsø"));
        assert_eq!(berlin[5].level, 2, "{:?}", berlin[5]);
        let (common, rare) = (model.weight(5, &berlin[5]), model.weight(5, &tromso[5]));
        // the average over all places is no ceiling for a town no one else lives in
        let average = (model.m[5][2] / model.u[5][2]).log2();
        assert!(rare > average + 3.0, "rare {rare:.1}, average {average:.1}");
        assert!(rare > common + 8.0, "rare {rare:.1}, common {common:.1}");
        // the fewer accounts show a place at all, the less likely two strangers both show one
        model.set_count("place", "tromso", 6000);
        model.learn_shown();
        assert!(model.weight(5, &berlin[5]) < common - 1.0);
    }

    #[test]
    fn accounts_merged_on_an_email_are_learnt_from_without_it() {
        // two accounts of one person, merged on their shared address, with handles of their
        // own that differ: learning from them must see "different handles", not the email's
        // name read as the same handle on both
        let a = person(1, "Ana Souza", "quietfox", Some("asouza.work@acme.io"));
        let b = person(2, "Ana Souza", "nightowl7", Some("asouza.work@acme.io"));
        assert_eq!(
            compare(&a, &b, 0)[2].level,
            4,
            "with the email: the same 'handle'"
        );
        let (a, b) = (a.without_email(), b.without_email());
        assert_eq!(a.handles, vec!["quietfox".to_string()]);
        assert!(a.emails.is_empty());
        assert_eq!(
            compare(&a, &b, 0)[2].level,
            1,
            "{:?}",
            compare(&a, &b, 0)[2]
        );
    }

    #[test]
    fn compared_without_words_the_evidence_is_the_same() {
        let model = names_model();
        let a = person(1, "Ana Souza", "anas", Some("ana.souza@acme.io"));
        let b = person(2, "Ana Sousa", "asousa", Some("ana.souza@mail.example"));
        let quick = compare_quick(&a, &b, 3);
        assert!(quick.iter().all(|o| o.text.is_empty()));
        let (evidence, beyond_name) = model.evidence(&quick);
        let full = model.score(&compare(&a, &b, 3));
        assert!((model.prior() + evidence - full.score).abs() < 1e-9);
        assert_eq!(beyond_name, full.beyond_name);
        assert!(!full.factors.is_empty());
    }
}
