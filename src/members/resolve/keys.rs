//! What one identity says about the person behind it, as normalised keys: its email, its own
//! address on its platform (`self`), what it claims elsewhere (`claim`: a GitHub blog, a
//! Mastodon verified link, a Discourse associated account, a Matrix id in a bio), its name,
//! handle, organisation, place and time zone. Each says whether the platform vouches for it
//! (`proof`). Must never: touch the database (the caller stores the keys).

use serde_json::Value;

use super::names::{
    email_org, fold, given_keys, handle_key, handle_stem, is_placeholder, is_role_address,
    normalise_email, org_key, place_key, Name,
};
use crate::model::Platform;

/// One identity as stored, with what the keys are made from.
#[derive(Debug, Clone, Default)]
pub struct IdentityFacts {
    pub platform: Option<Platform>,
    pub external_id: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub profile_url: Option<String>,
    pub raw: Option<String>,
    pub organization: Option<String>,
    pub location: Option<String>,
    pub bio: Option<String>,
    /// Fields an import brought in (a date of birth, a postcode), by lowercase name.
    pub fields: Vec<(String, String)>,
    /// Whether the email came from the team's own list (an import), which they vouch for.
    pub email_vouched: bool,
}

/// One normalised fact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub kind: String,
    pub value: String,
    pub proof: bool,
}

fn key(kind: &str, value: impl Into<String>, proof: bool) -> Key {
    Key {
        kind: kind.to_string(),
        value: value.into(),
        proof,
    }
}

/// Every key of one identity, sorted, without duplicates.
pub fn keys(f: &IdentityFacts) -> Vec<Key> {
    // a deleted account or a stand-in says nothing of who is behind it: it matches nobody
    if is_placeholder(&f.handle) || f.display_name.as_deref().is_some_and(is_placeholder) {
        return Vec::new();
    }
    let raw: Option<Value> = f.raw.as_deref().and_then(|r| serde_json::from_str(r).ok());
    let raw = raw.as_ref();
    let mut out = Vec::new();

    // --- email -------------------------------------------------------------------------------
    let vouched_by_platform = matches!(
        f.platform,
        Some(Platform::Slack | Platform::Discourse | Platform::Github)
    );
    let mut emails: Vec<String> = f.email.iter().cloned().collect();
    if let Some(e) = raw
        .and_then(|r| r.pointer("/profile/email"))
        .and_then(Value::as_str)
    {
        emails.push(e.to_string());
    }
    for email in &emails {
        if let Some(login) = github_noreply(&email.trim().to_lowercase()) {
            out.push(key("claim", format!("github:{login}"), true));
        }
    }
    for email in emails.iter().filter_map(|e| normalise_email(e)) {
        if email.ends_with("@users.noreply.github.com") {
            continue;
        }
        let role = is_role_address(&email);
        out.push(key(
            "email",
            email.clone(),
            (vouched_by_platform || f.email_vouched) && !role,
        ));
        if !role {
            if let Some(local) = email.split('@').next().and_then(handle_key) {
                out.push(key("handle", local, false));
            }
        }
        if let Some(org) = email_org(&email) {
            out.push(key("org", org, false));
        }
    }

    // --- who it is on its platform, and what it claims elsewhere -------------------------------
    match f.platform {
        Some(Platform::Github) => {
            out.push(key(
                "self",
                format!("github:{}", f.handle.to_lowercase()),
                false,
            ));
            if let Some(r) = raw {
                if let Some(blog) = r.get("blog").and_then(Value::as_str) {
                    if let Some(link) = link_ref(blog) {
                        out.push(key("claim", link, true));
                    }
                }
                if let Some(t) = r.get("twitter_username").and_then(Value::as_str) {
                    if !t.trim().is_empty() {
                        out.push(key(
                            "claim",
                            format!("twitter:{}", t.trim().to_lowercase()),
                            true,
                        ));
                    }
                }
                for s in r
                    .get("social_accounts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(link) = s.get("url").and_then(Value::as_str).and_then(link_ref) {
                        out.push(key("claim", link, true));
                    }
                }
            }
        }
        Some(Platform::Mastodon) => {
            if let Some(link) = f.profile_url.as_deref().and_then(link_ref) {
                out.push(key("self", link, false));
            }
            for field in raw
                .and_then(|r| r.get("fields"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let verified = field.get("verified_at").is_some_and(|v| !v.is_null());
                if let Some(value) = field.get("value").and_then(Value::as_str) {
                    for link in links_in(value) {
                        out.push(key("claim", link, verified));
                    }
                }
            }
        }
        Some(Platform::Bluesky) => {
            let handle = f.handle.trim_start_matches('@').to_lowercase();
            out.push(key("self", format!("bluesky:{handle}"), false));
            if !handle.ends_with(".bsky.social") && handle.contains('.') {
                // a handle on one's own domain is proven by DNS or a well-known file
                out.push(key("self", format!("domain:{handle}"), false));
            }
        }
        Some(Platform::Matrix) => {
            out.push(key(
                "self",
                format!("matrix:{}", f.external_id.to_lowercase()),
                false,
            ));
        }
        Some(Platform::Discord) => {
            out.push(key(
                "self",
                format!("discord:{}", f.handle.to_lowercase()),
                false,
            ));
        }
        Some(Platform::Discourse) => {
            for a in raw
                .and_then(|r| r.get("associated_accounts"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(name), Some(login)) = (
                    a.get("name").and_then(Value::as_str),
                    a.get("description").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let provider = match name {
                    "github" => "github",
                    "twitter" => "twitter",
                    "discord" => "discord",
                    _ => continue,
                };
                out.push(key(
                    "claim",
                    format!("{provider}:{}", login.to_lowercase()),
                    true,
                ));
            }
            if let Some(site) = raw.and_then(|r| r.get("website")).and_then(Value::as_str) {
                if let Some(link) = link_ref(site) {
                    out.push(key("claim", link, false));
                }
            }
        }
        Some(Platform::List) => {
            // what an attendee typed about themself: claims, never proof (see the end)
            for kind in ["github", "twitter", "mastodon", "website"] {
                if let Some(v) = raw.and_then(|r| r.get(kind)).and_then(Value::as_str) {
                    if let Some(link) = typed_link(kind, v) {
                        out.push(key("claim", link, false));
                    }
                }
            }
        }
        _ => {}
    }
    // a Matrix id or a profile link written in a bio
    if let Some(bio) = f.bio.as_deref() {
        for word in bio.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',') {
            let word = word.trim_end_matches(['.', ';', '!']);
            if let Some(id) = matrix_id(word) {
                out.push(key("claim", format!("matrix:{id}"), true));
            } else if word.starts_with("https://") || word.starts_with("http://") {
                if let Some(link) = link_ref(word) {
                    out.push(key("claim", link, false));
                }
            }
        }
    }

    // --- name, handle, organisation, place, time zone -------------------------------------------
    let name = f
        .display_name
        .as_deref()
        .and_then(Name::parse)
        .or_else(|| raw.and_then(real_name).as_deref().and_then(Name::parse));
    if let Some(name) = &name {
        out.push(key("name", name.sorted_key(), false));
        out.push(key("words", name.full(), false));
        out.push(key("given", name.given(), false));
        if let Some(family) = name.family() {
            out.push(key("family", family, false));
            // finds "Ana Sousa" from "Ana Souza", "Bob Lee" from "Robert Lee"
            let prefix: String = family.chars().take(2).collect();
            for g in given_keys(name.given()) {
                out.push(key("block", format!("{g}|{prefix}"), false));
            }
            // the handles people make of their names: anasouza, asouza, anas, souzaana
            let given = name.given();
            let g0: String = given.chars().take(1).collect();
            let f0: String = family.chars().take(1).collect();
            for form in [
                format!("{given}{family}"),
                format!("{g0}{family}"),
                format!("{given}{f0}"),
                format!("{family}{given}"),
            ] {
                if form.len() >= 4 {
                    out.push(key("hname", form, false));
                }
            }
        }
    }
    // a list's identity shows its email or name where a handle goes: only a handle column
    // the file had is a handle
    let handle = match f.platform {
        Some(Platform::List) => raw
            .and_then(|r| r.get("handle"))
            .and_then(Value::as_str)
            .unwrap_or(""),
        _ => f.handle.as_str(),
    };
    if !handle.is_empty() {
        if let Some(h) = handle_key(handle) {
            out.push(key("handle", h, false));
        }
    }
    if let Some(org) = f.organization.as_deref().and_then(org_key) {
        out.push(key("org", org, false));
    }
    if let Some(company) = raw.and_then(|r| r.get("company")).and_then(Value::as_str) {
        if let Some(org) = org_key(company) {
            out.push(key("org", org, false));
        }
    }
    let location = f.location.clone().or_else(|| {
        raw.and_then(|r| r.get("location"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if let Some(place) = location.as_deref().and_then(place_key) {
        out.push(key("place", place, false));
    }
    if let Some(offset) = raw.and_then(|r| r.get("tz_offset")).and_then(Value::as_i64) {
        out.push(key("tz", format!("{:+}", offset / 3600), false));
    }
    let mut fields = f.fields.clone();
    if f.platform == Some(Platform::List) {
        if let Some(Value::Object(map)) = raw.and_then(|r| r.get("fields")) {
            for (name, value) in map {
                if let Some(v) = value.as_str() {
                    fields.push((name.clone(), v.to_string()));
                }
            }
        }
    }
    for (name, value) in &fields {
        let v = fold(value);
        if !v.is_empty() {
            out.push(key(&format!("field:{}", name.to_lowercase()), v, false));
        }
    }
    let stems: Vec<String> = out
        .iter()
        .filter(|k| k.kind == "handle")
        .filter_map(|k| handle_stem(&k.value).map(str::to_string))
        .collect();
    for stem in stems {
        out.push(key("stem", stem, false));
    }
    if f.platform == Some(Platform::List) {
        // Nothing on an imported list is proof. An attendee list or a newsletter's subscribers
        // are typed by the people themselves (or by whoever registered them): nobody checked
        // that the address, the GitHub login or the noreply address is theirs, and one typo
        // would otherwise merge two people without anyone's say. The same email as a synced
        // member is still strong evidence: the model weighs an equal email heavily, so such a
        // pair is suggested for review with "same email" as its reason.
        for k in &mut out {
            k.proof = false;
        }
    }
    out.sort();
    out.dedup_by(|a, b| {
        if a.kind == b.kind && a.value == b.value {
            b.proof |= a.proof;
            true
        } else {
            false
        }
    });
    out
}

/// A profile someone typed in a column of a list: `ana-s`, `@ana-s` or
/// `https://github.com/ana-s` in a GitHub column → `github:ana-s`; `@ana@fosstodon.org` in a
/// Mastodon column → `mastodon:ana@fosstodon.org`; `ana.dev` as a website → `domain:ana.dev`.
pub fn typed_link(kind: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.contains('/') {
        return link_ref(v);
    }
    let bare = v.trim_start_matches('@').to_lowercase();
    if bare.is_empty() || bare.contains(char::is_whitespace) {
        return None;
    }
    match kind {
        "github" => Some(format!("github:{bare}")),
        "twitter" => Some(format!("twitter:{bare}")),
        "mastodon" => bare
            .split_once('@')
            .filter(|(name, server)| !name.is_empty() && server.contains('.'))
            .map(|(name, server)| format!("mastodon:{name}@{server}")),
        _ => link_ref(v),
    }
}

/// Slack's and others' real name beside the display name.
fn real_name(raw: &Value) -> Option<String> {
    raw.pointer("/profile/real_name")
        .or_else(|| raw.get("real_name"))
        .or_else(|| raw.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// `12345+login@users.noreply.github.com` or `login@users.noreply.github.com` → `login`.
fn github_noreply(email: &str) -> Option<String> {
    let local = email.strip_suffix("@users.noreply.github.com")?;
    let login = local.split_once('+').map_or(local, |(_, l)| l);
    (!login.is_empty()).then(|| login.to_lowercase())
}

/// `@name:server.tld` → itself, lowercased.
fn matrix_id(word: &str) -> Option<String> {
    let rest = word.strip_prefix('@')?;
    let (name, server) = rest.split_once(':')?;
    (!name.is_empty() && server.contains('.') && !server.contains('/')).then(|| word.to_lowercase())
}

/// Every link in a Mastodon field value (HTML with `href`s, or a bare address).
fn links_in(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in value.split('"') {
        if part.starts_with("http://") || part.starts_with("https://") {
            if let Some(link) = link_ref(part) {
                out.push(link);
            }
        }
    }
    if out.is_empty() {
        let text = crate::sanitize::html_to_text(value);
        let t = text.trim();
        if let Some(id) = matrix_id(t) {
            out.push(format!("matrix:{id}"));
        } else if let Some(link) = link_ref(t) {
            out.push(link);
        }
    }
    out
}

/// A profile address as a platform reference: `https://github.com/ana` → `github:ana`,
/// `https://fosstodon.org/@ana` → `mastodon:ana@fosstodon.org`, `https://bsky.app/profile/ana.dev`
/// → `bluesky:ana.dev`, `https://matrix.to/#/@ana:matrix.org` → `matrix:@ana:matrix.org`,
/// `https://ana.dev/` → `domain:ana.dev`.
pub fn link_ref(link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let with_scheme = if link.contains("://") {
        link.to_string()
    } else {
        format!("https://{link}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let first = segments.first().map(|s| s.to_lowercase());
    match (host.as_str(), first.as_deref()) {
        ("github.com", Some(login)) if segments.len() == 1 => Some(format!("github:{login}")),
        ("twitter.com" | "x.com", Some(name)) if segments.len() == 1 => {
            Some(format!("twitter:{}", name.trim_start_matches('@')))
        }
        ("bsky.app", Some("profile")) => segments
            .get(1)
            .map(|h| format!("bluesky:{}", h.to_lowercase())),
        ("matrix.to", _) => {
            let fragment = url.fragment()?.trim_start_matches('/');
            matrix_id(fragment).map(|id| format!("matrix:{id}"))
        }
        ("linkedin.com", Some("in")) => segments
            .get(1)
            .map(|h| format!("linkedin:{}", h.to_lowercase())),
        (_, Some(user)) if user.starts_with('@') && segments.len() == 1 => {
            // Mastodon and other fediverse servers: https://server/@name
            Some(format!("mastodon:{}@{host}", &user[1..]))
        }
        (_, None) => Some(format!("domain:{host}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(keys: &[Key], kind: &str) -> Vec<(String, bool)> {
        keys.iter()
            .filter(|k| k.kind == kind)
            .map(|k| (k.value.clone(), k.proof))
            .collect()
    }

    #[test]
    fn profile_links_become_platform_references() {
        assert_eq!(
            link_ref("https://github.com/Ana-S").as_deref(),
            Some("github:ana-s")
        );
        assert_eq!(
            link_ref("https://fosstodon.org/@ana").as_deref(),
            Some("mastodon:ana@fosstodon.org")
        );
        assert_eq!(
            link_ref("https://bsky.app/profile/ana.dev").as_deref(),
            Some("bluesky:ana.dev")
        );
        assert_eq!(
            link_ref("https://matrix.to/#/@ana:matrix.org").as_deref(),
            Some("matrix:@ana:matrix.org")
        );
        assert_eq!(link_ref("ana.dev").as_deref(), Some("domain:ana.dev"));
        assert_eq!(
            link_ref("https://www.ana.dev/").as_deref(),
            Some("domain:ana.dev")
        );
        assert_eq!(link_ref("https://ana.dev/blog/post"), None);
        assert_eq!(link_ref("javascript:alert(1)"), None);
    }

    #[test]
    fn a_github_profile_claims_its_blog_twitter_and_social_accounts_and_its_noreply_login() {
        let facts = IdentityFacts {
            platform: Some(Platform::Github),
            handle: "ana-s".into(),
            display_name: Some("Ana Souza".into()),
            email: Some("1234+ana-s@users.noreply.github.com".into()),
            raw: Some(
                serde_json::json!({
                    "login": "ana-s", "blog": "https://ana.dev", "twitter_username": "anas",
                    "company": "@acme",
                    "social_accounts": [{"provider": "mastodon", "url": "https://fosstodon.org/@ana"}]
                })
                .to_string(),
            ),
            ..Default::default()
        };
        let keys = keys(&facts);
        assert_eq!(
            kinds(&keys, "claim"),
            vec![
                ("domain:ana.dev".to_string(), true),
                ("github:ana-s".to_string(), true),
                ("mastodon:ana@fosstodon.org".to_string(), true),
                ("twitter:anas".to_string(), true),
            ]
        );
        assert_eq!(
            kinds(&keys, "self"),
            vec![("github:ana-s".to_string(), false)]
        );
        assert_eq!(kinds(&keys, "org"), vec![("acme".to_string(), false)]);
        assert_eq!(
            kinds(&keys, "email"),
            vec![],
            "a noreply address is not an email"
        );
    }

    #[test]
    fn only_verified_mastodon_links_and_vouched_personal_emails_are_proof() {
        let facts = IdentityFacts {
            platform: Some(Platform::Mastodon),
            handle: "ana@fosstodon.org".into(),
            profile_url: Some("https://fosstodon.org/@ana".into()),
            raw: Some(
                serde_json::json!({"fields": [
                    {"name": "Code", "value": "<a href=\"https://github.com/ana-s\" rel=\"me\">github.com/ana-s</a>", "verified_at": "2024-01-01T00:00:00Z"},
                    {"name": "Site", "value": "<a href=\"https://ana.dev\">ana.dev</a>", "verified_at": null}
                ]})
                .to_string(),
            ),
            ..Default::default()
        };
        let keys = keys(&facts);
        assert_eq!(
            kinds(&keys, "claim"),
            vec![
                ("domain:ana.dev".to_string(), false),
                ("github:ana-s".to_string(), true)
            ]
        );
        let slack = |email: &str| IdentityFacts {
            platform: Some(Platform::Slack),
            handle: "x".into(),
            email: Some(email.into()),
            ..Default::default()
        };
        assert_eq!(
            kinds(&super::keys(&slack("Ana.Souza@Acme.io")), "email"),
            vec![("ana.souza@acme.io".to_string(), true)]
        );
        assert_eq!(
            kinds(&super::keys(&slack("info@acme.io")), "email"),
            vec![("info@acme.io".to_string(), false)],
            "a role address is never proof"
        );
    }
}
