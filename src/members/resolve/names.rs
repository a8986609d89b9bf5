//! People's names, handles and emails made comparable: Unicode NFKC, transliterated to ASCII
//! (`deunicode`: "Александр" → "aleksandr", "Zoë" → "zoe"), case folded; given names to the
//! formal names they can stand for (Bob → Robert, Sasha → Alexander); placeholders ("Deleted
//! User", "ghost", "[deleted]") recognised so they never match anyone. Must never: touch the
//! database.

use std::collections::HashMap;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

/// Lowercase ASCII words: NFKC, transliterated, anything but letters and digits a space.
pub fn fold(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    let ascii = deunicode::deunicode(&nfkc).to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len());
    let mut space = true;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A handle or an email's local part with separators and a trailing number dropped, so
/// "ana.souza", "ana_souza", "Ana-Souza42" and "anasouza" are one value.
pub fn handle_key(s: &str) -> Option<String> {
    let s = s.trim_start_matches('@');
    // a Mastodon or Matrix handle: the name before the server
    let s = s.split([':', '@']).find(|p| !p.is_empty()).unwrap_or("");
    // a Bluesky handle: the first label of the domain, unless it is the whole name
    let s = s.strip_suffix(".bsky.social").unwrap_or(s);
    let key: String = fold(s).chars().filter(|c| *c != ' ').collect();
    (key.len() >= 3 && !is_placeholder_word(&key)).then_some(key)
}

/// A handle without the number people add when theirs is taken ("anasouza42" → "anasouza").
pub fn handle_stem(handle_key: &str) -> Option<&str> {
    let stem = handle_key.trim_end_matches(|c: char| c.is_ascii_digit());
    (stem.len() >= 4 && stem.len() < handle_key.len()).then_some(stem)
}

/// Words that stand where a person's name was (a deleted account, a bot's stand-in).
const PLACEHOLDERS: &[&str] = &[
    "deleted",
    "deleted user",
    "deleted account",
    "deleted member",
    "deleteduser",
    "removed",
    "ghost",
    "unknown",
    "unknown user",
    "anonymous",
    "anon",
    "user",
    "member",
    "former member",
    "guest",
    "n a",
    "none",
    "null",
    "test",
    "admin",
    "bot",
];

fn is_placeholder_word(folded: &str) -> bool {
    PLACEHOLDERS.contains(&folded)
}

/// Whether a name or handle is a placeholder rather than a person's name: "Deleted User
/// 3f9a2c", "[deleted]", "ghost", "Unknown".
pub fn is_placeholder(name: &str) -> bool {
    let f = fold(name);
    if f.is_empty() || is_placeholder_word(&f) {
        return true;
    }
    // "Deleted User 1a2b3c4d", "deleted-user-8f2a", "ghost 2": the words without numbers or
    // ids; "deleted89" (every word has a number): each word without its trailing number
    let plain: Vec<&str> = f
        .split(' ')
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .collect();
    let words: Vec<&str> = if plain.is_empty() {
        f.split(' ')
            .map(|w| w.trim_end_matches(|c: char| c.is_ascii_digit()))
            .filter(|w| !w.is_empty())
            .collect()
    } else {
        plain
    };
    words.is_empty() || is_placeholder_word(&words.join(" "))
}

/// Honorifics and generational suffixes: not part of who someone is.
const NOISE: &[&str] = &[
    "dr", "mr", "mrs", "ms", "mx", "prof", "sir", "jr", "sr", "ii", "iii", "iv", "phd", "md",
];
/// Family-name particles joined to the word after them ("da Silva" → "dasilva").
const PARTICLES: &[&str] = &[
    "da", "de", "del", "della", "di", "do", "dos", "das", "du", "van", "von", "der", "den", "la",
    "le", "bin", "ibn", "al", "el", "ter", "ten",
];

/// A person's name made comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The words of the name, folded, particles joined, in the order written.
    pub words: Vec<String>,
}

impl Name {
    /// `None` for a placeholder or a name with no letters.
    pub fn parse(raw: &str) -> Option<Name> {
        if is_placeholder(raw) {
            return None;
        }
        let folded = fold(raw);
        let mut words: Vec<String> = Vec::new();
        let mut pending = String::new();
        for w in folded.split(' ') {
            if w.is_empty() || NOISE.contains(&w) || w.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if PARTICLES.contains(&w) && !words.is_empty() {
                pending.push_str(w);
                continue;
            }
            words.push(format!("{pending}{w}"));
            pending.clear();
        }
        if !pending.is_empty() {
            words.push(pending);
        }
        (!words.is_empty()).then_some(Name { words })
    }

    pub fn given(&self) -> &str {
        &self.words[0]
    }

    /// The last word, when the name has more than one.
    pub fn family(&self) -> Option<&str> {
        (self.words.len() > 1).then(|| self.words[self.words.len() - 1].as_str())
    }

    /// The words in sorted order: "Souza Ana" and "Ana Souza" have one key.
    pub fn sorted_key(&self) -> String {
        let mut w: Vec<&str> = self.words.iter().map(String::as_str).collect();
        w.sort_unstable();
        w.join(" ")
    }

    /// The whole name, as written.
    pub fn full(&self) -> String {
        self.words.join(" ")
    }
}

/// Formal name → its id, nickname or variant → the ids of the formal names it can stand for.
struct Nicknames {
    groups: HashMap<String, Vec<u32>>,
}

static NICKNAMES: LazyLock<Nicknames> = LazyLock::new(|| {
    let mut formal: HashMap<String, u32> = HashMap::new();
    let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
    // The `nicknames` data set (Carlton Northern and Nick Crews, Apache-2.0, see NOTICE), and
    // Hearth's own variants and transliterations of names that are not English.
    for csv in [include_str!("nicknames.csv"), include_str!("variants.csv")] {
        for line in csv.lines().skip(1) {
            let mut parts = line.split(',');
            let (Some(name), Some(_), Some(nick)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let next = formal.len() as u32;
            let id = *formal.entry(name.to_string()).or_insert(next);
            for n in [name, nick] {
                let ids = groups.entry(n.to_string()).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    Nicknames { groups }
});

/// Whether two folded given names can be the same person's: equal, or one a nickname or
/// variant of the other, or both of one formal name ("Sasha" and "Aleksandr"), or one name
/// romanised two ways ("Юсуф" is "Iusuf" letter by letter and "Yusuf" in a passport).
pub fn same_given(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let n = &*NICKNAMES;
    let variants = match (n.groups.get(a), n.groups.get(b)) {
        (Some(x), Some(y)) => x.iter().any(|i| y.contains(i)),
        _ => false,
    };
    // (both of four letters or more, whichever way round they are asked)
    variants || (a.len().min(b.len()) >= 4 && romanised(a) == romanised(b))
}

/// A folded name as its sounds are written in every common romanisation of Cyrillic and Greek:
/// `y` and `i` one letter (ю as "yu" or "iu", й as "y", "i" or "j" after a vowel), `kh` as `h`,
/// and a doubled letter written once ("Dmitrii" / "Dmitriy" / "Dmitri"). Used to compare
/// given names only: two different family names are far likelier to differ by one of these
/// than two different first names are.
fn romanised(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut prev: Option<char> = None;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            'y' => 'i',
            'k' if chars.peek() == Some(&'h') => {
                chars.next();
                'h'
            }
            c => c,
        };
        if prev != Some(c) {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// The formal names a given name is filed under for finding candidates (itself when it has
/// none), so "bob" and "robert" share one.
pub fn given_keys(given: &str) -> Vec<String> {
    match NICKNAMES.groups.get(given) {
        Some(ids) => ids.iter().map(|id| format!("#{id}")).collect(),
        None => vec![given.to_string()],
    }
}

/// Jaro–Winkler similarity of two strings (1.0 equal).
pub fn similar(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

/// Whether two words of a name are one word written twice, once in a hurry: close by
/// Jaro–Winkler, or one slip apart (a letter doubled, dropped, changed, or two swapped) when
/// both are long enough for one slip to leave most of the word. Jaro–Winkler alone misses a
/// doubled letter mid-word ("jaserara" / "jaaserara" is 0.87).
pub fn close_words(a: &str, b: &str) -> bool {
    if similar(a, b) >= 0.88 {
        return true;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    la.min(lb) >= 5 && la.abs_diff(lb) <= 1 && strsim::osa_distance(a, b) <= 1
}

/// Email made comparable: lowercase, a `+tag` dropped, and Gmail's dots. `None` when not an
/// address.
pub fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.rsplit_once('@')?;
    if local.is_empty() || !domain.contains('.') || domain.contains(' ') || local.contains(' ') {
        return None;
    }
    let local = local.split('+').next().unwrap_or(local);
    let local = if matches!(domain, "gmail.com" | "googlemail.com") {
        local.replace('.', "")
    } else {
        local.to_string()
    };
    Some(format!("{local}@{domain}"))
}

/// Local parts that name a role or a shared inbox, never one person.
const ROLE_LOCALS: &[&str] = &[
    "info",
    "team",
    "hello",
    "hi",
    "contact",
    "admin",
    "administrator",
    "support",
    "help",
    "office",
    "sales",
    "noreply",
    "no-reply",
    "donotreply",
    "hr",
    "jobs",
    "careers",
    "marketing",
    "press",
    "media",
    "billing",
    "accounts",
    "security",
    "webmaster",
    "postmaster",
    "hostmaster",
    "abuse",
    "mail",
    "email",
    "enquiries",
    "inquiries",
    "events",
    "community",
    "dev",
    "devs",
    "developers",
    "engineering",
    "ops",
    "it",
    "root",
    "all",
    "everyone",
    "staff",
    "family",
    "home",
    "us",
    "we",
    "ourfamily",
    "the",
    "orders",
    "shop",
    "news",
    "newsletter",
    "feedback",
    "legal",
    "privacy",
    "partners",
    "founders",
    "board",
    "general",
    "test",
];

/// Whether an address belongs to a role or a group rather than a person (`info@`, `team@`).
pub fn is_role_address(email: &str) -> bool {
    let local = email.split('@').next().unwrap_or("");
    let local = local.split('+').next().unwrap_or(local);
    ROLE_LOCALS.contains(&local) || local.starts_with("team") || local.ends_with("family")
}

/// Mail providers anyone can sign up to: their domain says nothing about an organisation.
/// Matched on the provider's label, whatever the country ending ("yahoo.co.uk", "gmx.de").
const PUBLIC_MAIL: &[&str] = &[
    "gmail",
    "googlemail",
    "outlook",
    "hotmail",
    "live",
    "msn",
    "yahoo",
    "ymail",
    "icloud",
    "me",
    "mac",
    "aol",
    "proton",
    "protonmail",
    "pm",
    "tutanota",
    "tuta",
    "gmx",
    "web",
    "mail",
    "yandex",
    "qq",
    "163",
    "126",
    "naver",
    "hey",
    "fastmail",
    "zoho",
    "posteo",
    "mailbox",
    "uol",
    "bol",
    "terra",
    "libero",
    "orange",
    "free",
    "laposte",
    "t-online",
    "seznam",
    "wp",
    "o2",
    "rediffmail",
    "users",
    "duck",
    "hushmail",
    "mailfence",
    "runbox",
    "disroot",
    "riseup",
    "tutamail",
    "rocketmail",
    "lycos",
    "rambler",
    "inbox",
    "email",
    "comcast",
    "att",
    "verizon",
    "btinternet",
    "virginmedia",
    "bigpond",
    "shaw",
    "rogers",
    "sympatico",
];

/// The organisation an address's domain names ("ana@eng.acme.io" → "acme"), or `None` for a
/// public provider.
pub fn email_org(email: &str) -> Option<String> {
    let domain = email.rsplit_once('@')?.1;
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    // the label before the public suffix: "acme" of acme.io, acme.co.uk, eng.acme.com
    let short_suffix = labels.len() >= 3
        && matches!(
            labels[labels.len() - 2],
            "co" | "com" | "org" | "net" | "ac" | "gov" | "edu"
        )
        && labels[labels.len() - 1].len() == 2;
    let label = if short_suffix {
        labels[labels.len() - 3]
    } else {
        labels[labels.len() - 2]
    };
    (!PUBLIC_MAIL.contains(&label) && label.len() >= 2).then(|| label.to_string())
}

/// An organisation's name made comparable: folded, "Inc", "GmbH", a leading "@" dropped, the
/// words run together ("Acme, Inc." → "acme", "@acme-corp" → "acmecorp").
pub fn org_key(org: &str) -> Option<String> {
    const SUFFIXES: &[&str] = &[
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "nv",
        "plc",
        "corp",
        "corporation",
        "co",
        "company",
        "oy",
        "ab",
        "as",
        "srl",
        "spa",
        "pty",
        "kk",
        "lda",
        "ltda",
    ];
    let folded = fold(org);
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    // a suffix only where a suffix goes, at the end ("Sunbeam Co-op" keeps its "co")
    while words.len() > 1 && words.last().is_some_and(|w| SUFFIXES.contains(w)) {
        words.pop();
    }
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    let key = words.concat();
    (key.len() >= 2
        && !matches!(
            key.as_str(),
            "none" | "na" | "self" | "selfemployed" | "freelance" | "freelancer" | "student"
        ))
    .then_some(key)
}

/// A place made comparable: its first part, folded ("São Paulo, Brazil" → "sao paulo").
pub fn place_key(place: &str) -> Option<String> {
    let first = place.split([',', '/', '|', '(']).next().unwrap_or("");
    let key = fold(first);
    (key.len() >= 2 && !matches!(key.as_str(), "earth" | "remote" | "internet" | "world"))
        .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_other_scripts_and_accents_fold_to_comparable_words() {
        assert_eq!(fold("Zoë  Ångström"), "zoe angstrom");
        assert_eq!(fold("Александр Петров"), "aleksandr petrov");
        assert_eq!(fold("ＡＮＡ"), "ana", "full-width letters are NFKC-folded");
        assert_eq!(
            Name::parse("Dr. Ana da Souza").map(|n| n.words),
            Some(vec!["ana".to_string(), "dasouza".to_string()])
        );
    }

    #[test]
    fn nicknames_and_variants_stand_for_their_formal_names() {
        assert!(same_given("bob", "robert"));
        assert!(same_given("sasha", "alexander"));
        assert!(same_given("sasha", "aleksandr"), "both stand for Alexander");
        assert!(!same_given("bob", "alexander"));
        // the short forms people write in Romance and Slavic languages too
        for (formal, short) in [
            ("jose", "pepe"),
            ("dmitri", "dima"),
            ("gabriel", "gabe"),
            ("isabel", "bella"),
            ("oliver", "ollie"),
            ("tomas", "tom"),
            ("valentina", "vale"),
            ("samuel", "sam"),
        ] {
            assert!(same_given(formal, short), "{formal} / {short}");
        }
        let bob = given_keys("bob");
        assert!(given_keys("robert").iter().any(|k| bob.contains(k)));
        // one name romanised two ways: "Юсуф" folds to "iusuf", a passport writes "Yusuf"
        assert!(same_given(&fold("Юсуф"), "yusuf"));
        assert!(same_given("dmitriy", "dmitrii"));
        assert!(same_given("mikhail", "mihail"));
        // names that merely look alike stay two names
        assert!(!same_given("jan", "ian"));
        assert!(!same_given("mila", "mia"));
        assert!(!same_given("yuna", "luna"));
        assert_eq!(same_given("anna", "ana"), same_given("ana", "anna"));
    }

    #[test]
    fn placeholders_are_recognised_and_never_parsed_as_names() {
        for p in [
            "Deleted User",
            "deleted-user-8f2a",
            "[deleted]",
            "ghost",
            "Unknown",
        ] {
            assert!(is_placeholder(p), "{p} is a placeholder");
            assert_eq!(Name::parse(p), None);
        }
        assert!(!is_placeholder("Ghosh"));
        assert!(!is_placeholder("Alex"));
        assert!(
            !is_placeholder("ana42"),
            "a number does not make a handle a placeholder"
        );
    }

    #[test]
    fn handles_and_email_names_share_one_form() {
        assert_eq!(handle_key("Ana.Souza42").as_deref(), Some("anasouza42"));
        assert_eq!(handle_stem("anasouza42"), Some("anasouza"));
        assert_eq!(
            handle_key("ana_souza@fosstodon.org").as_deref(),
            Some("anasouza")
        );
        assert_eq!(
            handle_key("@ana-souza:matrix.org").as_deref(),
            Some("anasouza")
        );
        assert_eq!(handle_key("ghost"), None);
    }

    #[test]
    fn role_addresses_and_public_providers_are_told_apart() {
        assert!(is_role_address("info@acme.io"));
        assert!(is_role_address("team-lumen@acme.io"));
        assert!(is_role_address("silvafamily@mail.example"));
        assert!(!is_role_address("theodoros@mail.example"));
        assert!(!is_role_address("ana.souza@acme.io"));
        assert_eq!(email_org("ana@eng.acme.co.uk").as_deref(), Some("acme"));
        assert_eq!(email_org("ana@gmail.com"), None);
        assert_eq!(email_org("ana@yahoo.co.uk"), None);
        assert_eq!(org_key("Acme, Inc.").as_deref(), Some("acme"));
        assert_eq!(org_key("@acme-labs").as_deref(), Some("acmelabs"));
        // a suffix only at the end: a co-operative keeps its "co", as its domain does
        assert_eq!(org_key("Sunbeam Co-op").as_deref(), Some("sunbeamcoop"));
        assert_eq!(org_key("The Acme Co. Ltd").as_deref(), Some("acme"));
        assert_eq!(
            normalise_email("A.Na+x@GMail.com").as_deref(),
            Some("ana@gmail.com")
        );
    }
}
