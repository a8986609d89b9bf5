//! Members from a file: an event's attendees, a newsletter's subscribers, a spreadsheet someone
//! kept. Owns: reading CSV as people save it (UTF-8 with or without a BOM, UTF-16 with a BOM,
//! Windows-1252; comma, semicolon, tab or pipe between cells, quoted cells over several lines),
//! finding what each column is from its header, refusing bad rows with their line and why, and
//! writing each good row as an identity of an "Imported list" account (`Platform::List`, one
//! account per list), checked against the members as a synced identity is.
//! Must never: write anything when the file cannot be read or holds no good row, change
//! anything when the same file is imported again, or take what a list says as proof (see
//! `resolve::keys`).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use super::resolve::names::{fold, normalise_email};
use crate::error::{Error, Result};
use crate::model::{
    CsvColumn, CsvPreview, ImportProblem, MemberImportOptions, MemberImportReport, Millis,
    Platform, Progress,
};
use crate::store::Store;
use crate::text::{clean_name, clean_text};

/// What a column of a members file becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Email,
    Name,
    FirstName,
    LastName,
    Handle,
    Organization,
    Location,
    Github,
    Twitter,
    Mastodon,
    Website,
    Bio,
    /// A custom field (`member_fields`, and a `field:NAME` key identities are matched on).
    Custom(String),
    Skip,
}

/// The fields one can name in `--map COLUMN=FIELD`.
const FIELD_NAMES: &str = "email, name, first_name, last_name, handle, organization, location, \
                           github, twitter, mastodon, website, bio, field:NAME or skip";

impl std::str::FromStr for Field {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if let Some(name) = t.strip_prefix("field:") {
            let name = name.trim();
            if name.is_empty() {
                return Err(Error::invalid("a custom field needs a name: field:NAME"));
            }
            return Ok(Field::Custom(name.to_string()));
        }
        Ok(match t.to_ascii_lowercase().replace('-', "_").as_str() {
            "email" => Field::Email,
            "name" => Field::Name,
            "first_name" => Field::FirstName,
            "last_name" => Field::LastName,
            "handle" | "username" => Field::Handle,
            "organization" | "organisation" | "company" => Field::Organization,
            "location" | "city" => Field::Location,
            "github" => Field::Github,
            "twitter" => Field::Twitter,
            "mastodon" => Field::Mastodon,
            "website" => Field::Website,
            "bio" => Field::Bio,
            "skip" => Field::Skip,
            _ => {
                return Err(Error::invalid(format!(
                    "'{t}' is not a field Hearth knows; use {FIELD_NAMES}"
                )))
            }
        })
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Field::Email => "email",
            Field::Name => "name",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Handle => "handle",
            Field::Organization => "organization",
            Field::Location => "location",
            Field::Github => "github",
            Field::Twitter => "twitter",
            Field::Mastodon => "mastodon",
            Field::Website => "website",
            Field::Bio => "bio",
            Field::Skip => "skip",
            Field::Custom(name) => return write!(f, "field:{name}"),
        };
        f.write_str(s)
    }
}

/// A header as compared: ASCII letters and digits only, lowercase, accents dropped
/// ("E-Mail-Adresse" → "emailadresse", "Prénom" → "prenom").
fn header_key(h: &str) -> String {
    fold(h).replace(' ', "")
}

/// What a column is, from its header: the common words in English, and a few in German,
/// French, Spanish and Portuguese. Anything else is a custom field of that name.
pub fn detect(header: &str) -> Field {
    let h = header.trim();
    if let Some(name) = h.strip_prefix("field:") {
        // what `hearth export members` writes
        return Field::Custom(name.trim().to_string());
    }
    match header_key(h).as_str() {
        "" => Field::Skip,
        "email" | "emails" | "mail" | "emailaddress" | "mailaddress" | "emailadresse"
        | "courriel" | "correo" | "correoelectronico" | "adresseemail" | "adressemail" => {
            Field::Email
        }
        "name" | "fullname" | "displayname" | "attendee" | "attendeename" | "participant"
        | "participantname" | "subscriber" | "nomcomplet" | "nombre" | "nombrecompleto"
        | "nome" | "nomecompleto" | "vollername" | "teilnehmer" => Field::Name,
        "firstname" | "first" | "givenname" | "forename" | "vorname" | "prenom"
        | "primeironome" => Field::FirstName,
        "lastname" | "last" | "surname" | "familyname" | "nachname" | "familienname" | "nom"
        | "apellido" | "apellidos" | "sobrenome" | "ultimonome" => Field::LastName,
        "handle" | "username" | "user" | "login" | "nickname" | "nick" | "pseudo"
        | "benutzername" => Field::Handle,
        "organization" | "organisation" | "org" | "company" | "companyname" | "employer"
        | "affiliation" | "firma" | "unternehmen" | "entreprise" | "societe" | "empresa" => {
            Field::Organization
        }
        "location" | "city" | "town" | "place" | "ort" | "stadt" | "wohnort" | "ville"
        | "ciudad" | "cidade" => Field::Location,
        "github" | "githubusername" | "githubhandle" | "githublogin" | "githubprofile" => {
            Field::Github
        }
        "twitter" | "twitterhandle" | "twitterusername" | "x" => Field::Twitter,
        "mastodon" | "mastodonhandle" | "fediverse" => Field::Mastodon,
        "website" | "web" | "homepage" | "url" | "blog" | "site" | "webseite" | "siteweb" => {
            Field::Website
        }
        "bio" | "about" | "aboutme" => Field::Bio,
        // what `hearth export members` adds that is Hearth's own, not the person's
        "id" | "firstseen" | "lastactive" | "messages" | "accounts" | "lists" | "tags"
        | "notes" => Field::Skip,
        _ => Field::Custom(h.to_string()),
    }
}

/// A file's text as UTF-8 bytes, and what it was.
struct Decoded {
    bytes: Vec<u8>,
    encoding: &'static str,
}

/// Reads the bytes as the encoding they are in. UTF-8 (a BOM or not) stays; UTF-16 needs its
/// BOM; bytes that are not UTF-8 are Windows-1252 (what Excel on Windows saves as "CSV"),
/// unless the file holds real UTF-8 letters elsewhere: then it is UTF-8 with a few damaged
/// rows, refused one by one.
fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Decoded {
            bytes: rest.to_vec(),
            encoding: "UTF-8 with BOM",
        };
    }
    for (bom, enc) in [
        (&[0xFF, 0xFE], encoding_rs::UTF_16LE),
        (&[0xFE, 0xFF], encoding_rs::UTF_16BE),
    ] {
        if bytes.starts_with(bom) {
            let (text, _) = enc.decode_without_bom_handling(&bytes[2..]);
            return Decoded {
                bytes: text.into_owned().into_bytes(),
                encoding: "UTF-16",
            };
        }
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return Decoded {
            bytes,
            encoding: "UTF-8",
        };
    }
    let real_utf8 = bytes.utf8_chunks().any(|c| !c.valid().is_ascii());
    if real_utf8 {
        return Decoded {
            bytes,
            encoding: "UTF-8",
        };
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
    Decoded {
        bytes: text.into_owned().into_bytes(),
        encoding: "Windows-1252",
    }
}

/// The delimiter the header line uses most, outside quotes: `,`, `;`, tab or `|`.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], 4 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "\\t".to_string(),
        d => (d as char).to_string(),
    }
}

/// One good row, ready to write.
#[derive(Debug, Clone)]
struct Row {
    /// The normalised email, or `name:` and the folded name when there is no email.
    external_id: String,
    email: Option<String>,
    name: Option<String>,
    handle: Option<String>,
    organization: Option<String>,
    location: Option<String>,
    bio: Option<String>,
    /// What the list says beyond the identity's columns (handle, links, custom fields), as it
    /// is kept in `identities.raw` for the keys.
    raw: String,
    /// Custom fields: (name as the header wrote it, value).
    fields: Vec<(String, String)>,
}

/// A file read and checked: its columns, its good rows and the refused ones.
struct Parsed {
    encoding: &'static str,
    delimiter: u8,
    headers: Vec<String>,
    fields: Vec<Field>,
    samples: Vec<Vec<String>>,
    rows: u64,
    good: Vec<Row>,
    problems: Vec<ImportProblem>,
    /// Why no row can be imported as the columns are mapped (no email or name column).
    blocked: Option<String>,
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        context: format!("cannot read {}", path.display()),
        source,
    })
}

/// Whether `email` (trimmed) looks like an address: one `@`, something before it, a domain
/// with a dot and no empty label, and nothing a mail address cannot hold.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty())
        && !email
            .chars()
            .any(|c| c.is_whitespace() || "<>(),;:\"[]\\".contains(c))
}

fn parse(bytes: Vec<u8>, options: &MemberImportOptions) -> Result<Parsed> {
    let decoded = decode(bytes);
    let delimiter = sniff_delimiter(&decoded.bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded.bytes.as_slice());
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(Error::invalid(format!("the header cannot be read: {e}"))),
        None => return Err(Error::invalid("the file is empty")),
    };
    let headers: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let mut fields: Vec<Field> = headers.iter().map(|h| detect(h)).collect();
    for (column, field) in &options.map {
        let wanted = header_key(column);
        let at = headers
            .iter()
            .position(|h| h == column.trim())
            .or_else(|| headers.iter().position(|h| header_key(h) == wanted))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "there is no column '{column}' (the columns are: {})",
                    headers.join(", ")
                ))
            })?;
        fields[at] = field.parse()?;
    }
    let blocked = (!fields.iter().any(|f| {
        matches!(
            f,
            Field::Email | Field::Name | Field::FirstName | Field::LastName
        )
    }))
    .then(|| {
        format!(
            "no column is an email or a name (the columns are: {}); say which with --map COLUMN=email or --map COLUMN=name",
            headers.join(", ")
        )
    });

    let mut parsed = Parsed {
        encoding: decoded.encoding,
        delimiter,
        samples: vec![Vec::new(); headers.len()],
        headers,
        fields,
        rows: 0,
        good: Vec::new(),
        problems: Vec::new(),
        blocked,
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                parsed.rows += 1;
                parsed.problems.push(ImportProblem {
                    line,
                    reason: format!("the row cannot be read ({e})"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank line, or a row of empty cells
        }
        parsed.rows += 1;
        // what each column holds, from the first rows that have it (to map columns by)
        for (i, cell) in record.iter().enumerate().take(parsed.samples.len()) {
            let samples = &mut parsed.samples[i];
            if samples.len() < 3 && !cell.iter().all(u8::is_ascii_whitespace) {
                let text = String::from_utf8_lossy(cell);
                samples.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
        if parsed.blocked.is_some() {
            continue; // every row would be refused for the same reason, said once
        }
        match read_row(&parsed, &record) {
            Ok(row) => {
                if let Some(&first) = seen.get(&row.external_id) {
                    let who = row
                        .email
                        .clone()
                        .or_else(|| row.name.clone())
                        .unwrap_or_default();
                    parsed.problems.push(ImportProblem {
                        line,
                        reason: format!("'{who}' is already on line {first}"),
                    });
                    continue;
                }
                seen.insert(row.external_id.clone(), line);
                parsed.good.push(row);
            }
            Err(reason) => parsed.problems.push(ImportProblem { line, reason }),
        }
    }
    Ok(parsed)
}

/// One record as a row to write, or why it cannot be.
fn read_row(parsed: &Parsed, record: &csv::ByteRecord) -> std::result::Result<Row, String> {
    if record.len() > parsed.headers.len()
        && record
            .iter()
            .skip(parsed.headers.len())
            .any(|c| !c.iter().all(u8::is_ascii_whitespace))
    {
        return Err(format!(
            "the row has {} cells where the header has {} (a delimiter or a quote inside a cell?)",
            record.len(),
            parsed.headers.len()
        ));
    }
    let mut email = None;
    let (mut name, mut first, mut last) = (None, None, None);
    let mut row = Row {
        external_id: String::new(),
        email: None,
        name: None,
        handle: None,
        organization: None,
        location: None,
        bio: None,
        raw: String::new(),
        fields: Vec::new(),
    };
    let mut raw = Map::new();
    let mut custom = Map::new();
    for (i, cell) in record.iter().enumerate().take(parsed.headers.len()) {
        let text = std::str::from_utf8(cell).map_err(|_| {
            format!(
                "the '{}' cell is not text in the file's encoding (UTF-8)",
                parsed.headers[i]
            )
        })?;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let slot = |s: &mut Option<String>, v: String| {
            if s.is_none() {
                *s = Some(v);
            }
        };
        match &parsed.fields[i] {
            Field::Email => {
                // several addresses in one cell ("a@x.org; b@y.org"): the first is the person's
                let first = text
                    .split([';', ','])
                    .map(str::trim)
                    .find(|e| !e.is_empty());
                slot(&mut email, first.unwrap_or(text).to_string())
            }
            Field::Name => slot(&mut name, clean_name(text).into_owned()),
            Field::FirstName => slot(&mut first, clean_name(text).into_owned()),
            Field::LastName => slot(&mut last, clean_name(text).into_owned()),
            Field::Handle => slot(&mut row.handle, clean_name(text).into_owned()),
            Field::Organization => slot(&mut row.organization, clean_name(text).into_owned()),
            Field::Location => slot(&mut row.location, clean_name(text).into_owned()),
            Field::Bio => slot(&mut row.bio, clean_text(text).into_owned()),
            Field::Github | Field::Twitter | Field::Mastodon | Field::Website => {
                let kind = parsed.fields[i].to_string();
                raw.entry(kind)
                    .or_insert_with(|| Value::from(clean_name(text).into_owned()));
            }
            Field::Custom(field) => {
                let value = clean_text(text).into_owned();
                if !custom.contains_key(&field.to_lowercase()) {
                    custom.insert(field.to_lowercase(), Value::from(value.clone()));
                    row.fields.push((field.clone(), value));
                }
            }
            Field::Skip => {}
        }
    }
    row.name = name.or_else(|| {
        let joined = [first, last].into_iter().flatten().collect::<Vec<_>>();
        (!joined.is_empty()).then(|| joined.join(" "))
    });
    if let Some(e) = &email {
        if !valid_email(e) {
            return Err(format!("'{e}' is not an email address"));
        }
    }
    row.external_id = match (&email, &row.name) {
        (None, None) => return Err("it has neither an email nor a name".to_string()),
        (e, n) => row_key(e.as_deref(), n.as_deref()).ok_or_else(|| match e {
            Some(e) => format!("'{e}' is not an email address"),
            None => format!(
                "'{}' is not a name Hearth can tell apart from others",
                n.as_deref().unwrap_or_default()
            ),
        })?,
    };
    row.email = email;
    if let Some(h) = &row.handle {
        raw.insert("handle".into(), Value::from(h.clone()));
    }
    if !custom.is_empty() {
        raw.insert("fields".into(), Value::Object(custom));
    }
    row.raw = Value::Object(raw).to_string();
    Ok(row)
}

/// The platform id of a row on a list: its normalised email, or `name:` and its folded name
/// when it has no email. Importing the same person again finds the same identity.
pub fn row_key(email: Option<&str>, name: Option<&str>) -> Option<String> {
    match (email, name) {
        (Some(e), _) => normalise_email(e),
        (None, Some(n)) => {
            let folded = fold(n);
            (!folded.is_empty()).then(|| format!("name:{folded}"))
        }
        (None, None) => None,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads a members file and says what importing it would do, writing nothing: how each column
/// maps (after `options.map`), the delimiter and encoding found, and the rows it would refuse.
pub fn preview_member_csv(path: &Path, options: &MemberImportOptions) -> Result<CsvPreview> {
    let parsed = parse(read_file(path)?, options)
        .map_err(|e| Error::invalid(format!("{}: {e}", file_name(path))))?;
    Ok(CsvPreview {
        columns: parsed
            .headers
            .iter()
            .zip(&parsed.fields)
            .zip(&parsed.samples)
            .map(|((h, f), s)| CsvColumn {
                header: h.clone(),
                detected_field: f.to_string(),
                samples: s.clone(),
            })
            .collect(),
        delimiter: delimiter_name(parsed.delimiter),
        encoding: parsed.encoding.to_string(),
        rows: parsed.rows,
        good_rows: parsed.good.len() as u64,
        problems: parsed.problems,
        blocked: parsed.blocked,
    })
}

/// The list's account, created if new.
fn list_account(conn: &Connection, name: &str, now: Millis) -> Result<i64> {
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM accounts WHERE platform = ?1 AND name = ?2",
            params![Platform::List.as_str(), name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO accounts (platform, name, created_at) VALUES (?1, ?2, ?3)",
        params![Platform::List.as_str(), name, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Identities checked per step of the progress bar.
const CHECK_CHUNK: usize = 500;
/// From this many new or changed identities on, they are checked with the workspace's keys in
/// memory (`check_many`) rather than looked up one by one (`check_identities`): reading every
/// key once costs less than thousands of lookups.
const BULK_CHECK: usize = 1000;

impl Store {
    /// Imports a members file into the list `options.list` (default: the file's name): each
    /// good row becomes (or updates) an identity of that list, checked against the members
    /// like a synced one (merges on proof, suggestions). Bad rows are reported with their line
    /// and the others imported; a file that cannot be read, or without a good row, writes
    /// nothing. The same file imported again changes nothing. One IMMEDIATE transaction.
    pub fn import_members(
        &mut self,
        path: &Path,
        options: &MemberImportOptions,
        now: Millis,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<MemberImportReport> {
        let name = file_name(path);
        progress(&Progress {
            phase: format!("Reading {name}"),
            done: 0,
            total: 1,
        });
        let parsed =
            parse(read_file(path)?, options).map_err(|e| Error::invalid(format!("{name}: {e}")))?;
        if let Some(blocked) = &parsed.blocked {
            return Err(Error::invalid(format!("{name}: {blocked}")));
        }
        if parsed.good.is_empty() {
            let mut why: Vec<String> = parsed
                .problems
                .iter()
                .take(10)
                .map(|p| format!("line {}: {}", p.line, p.reason))
                .collect();
            if parsed.problems.len() > 10 {
                why.push(format!("and {} more", parsed.problems.len() - 10));
            }
            return Err(Error::invalid(if why.is_empty() {
                format!("{name} holds no rows below its header; nothing was imported")
            } else {
                format!(
                    "no row of {name} can be imported, so nothing was: {}",
                    why.join("; ")
                )
            }));
        }
        let list = options
            .list
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| name.clone())
            });
        let mut report = MemberImportReport {
            list: list.clone(),
            encoding: parsed.encoding.to_string(),
            delimiter: delimiter_name(parsed.delimiter),
            rows: parsed.rows,
            problems: parsed.problems.clone(),
            ..Default::default()
        };
        let tx = self.conn_mut().transaction()?;
        let account = list_account(&tx, &list, now)?;
        let written = write_rows(&tx, account, &parsed.good, now, &mut report, progress)?;
        let total = written.len();
        if total >= BULK_CHECK {
            report.merged_on_proof +=
                super::resolve::check_many(&tx, &written, now, &mut |done, total| {
                    progress(&Progress {
                        phase: "Checking who is who".into(),
                        done,
                        total,
                    })
                })?;
        } else {
            for (n, chunk) in written.chunks(CHECK_CHUNK).enumerate() {
                report.merged_on_proof += super::resolve::check_identities(&tx, chunk, now)?;
                progress(&Progress {
                    phase: "Checking who is who".into(),
                    done: (n * CHECK_CHUNK + chunk.len()) as u64,
                    total: total as u64,
                });
            }
        }
        let suggestions: i64 = tx.query_row(
            "SELECT count(*) FROM merge_suggestions s
             WHERE s.probability >= ?2
               AND (s.member_a IN (SELECT member_id FROM identities WHERE account_id = ?1)
                    OR s.member_b IN (SELECT member_id FROM identities WHERE account_id = ?1))",
            params![account, super::resolve::DEFAULT_MIN_PROBABILITY],
            |r| r.get(0),
        )?;
        report.suggestions = suggestions as u64;
        tx.commit()?;
        Ok(report)
    }
}

/// Writes the rows into the list's account; returns the identities that are new or changed.
fn write_rows(
    conn: &Connection,
    account: i64,
    rows: &[Row],
    now: Millis,
    report: &mut MemberImportReport,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<i64>> {
    type Stored = (
        i64,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let list = Platform::List.as_str();
    let mut find = conn.prepare_cached(
        "SELECT id, member_id, handle, display_name, email, organization, location, bio, raw
         FROM identities WHERE platform = ?1 AND account_id = ?2 AND external_id = ?3",
    )?;
    let mut update = conn.prepare_cached(
        "UPDATE identities SET handle = ?2, display_name = ?3, email = ?4, organization = ?5,
             location = ?6, bio = ?7, raw = ?8
         WHERE id = ?1",
    )?;
    let mut fill_member = conn.prepare_cached(
        "UPDATE members SET organization = coalesce(organization, ?2),
             location = coalesce(location, ?3), bio = coalesce(bio, ?4), updated_at = ?5
         WHERE id = ?1",
    )?;
    let mut new_member = conn.prepare_cached(
        "INSERT INTO members (display_name, organization, location, bio, is_team, created_at,
             updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)",
    )?;
    let mut new_identity = conn.prepare_cached(
        "INSERT INTO identities (member_id, account_id, platform, external_id, handle,
             display_name, email, raw, organization, location, bio)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut set_field = conn.prepare_cached(
        "INSERT INTO member_fields (member_id, name, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (member_id, name) DO UPDATE SET value = excluded.value
         WHERE value IS NOT excluded.value",
    )?;
    let mut written = Vec::new();
    // members made now get their search row once; members whose row changed get it again
    let mut fresh = Vec::new();
    let mut members = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        // what the identity shows where a handle goes: its handle, else its email, else its name
        let handle = row
            .handle
            .clone()
            .or_else(|| row.email.clone())
            .or_else(|| row.name.clone())
            .unwrap_or_else(|| row.external_id.clone());
        let stored: Option<Stored> = find
            .query_row(params![list, account, row.external_id], |r| r.try_into())
            .optional()?;
        let member = match stored {
            Some((id, member, h, name, email, org, place, bio, raw)) => {
                if (h, name, email, org, place, bio, raw)
                    == (
                        handle.clone(),
                        row.name.clone(),
                        row.email.clone(),
                        row.organization.clone(),
                        row.location.clone(),
                        row.bio.clone(),
                        Some(row.raw.clone()),
                    )
                {
                    report.unchanged += 1;
                    continue;
                }
                update.execute(params![
                    id,
                    handle,
                    row.name,
                    row.email,
                    row.organization,
                    row.location,
                    row.bio,
                    row.raw
                ])?;
                fill_member.execute(params![
                    member,
                    row.organization,
                    row.location,
                    row.bio,
                    now
                ])?;
                report.updated += 1;
                written.push(id);
                member
            }
            None => {
                let display = row.name.clone().unwrap_or_else(|| handle.clone());
                new_member.execute(params![
                    display,
                    row.organization,
                    row.location,
                    row.bio,
                    now
                ])?;
                let member = conn.last_insert_rowid();
                new_identity.execute(params![
                    member,
                    account,
                    list,
                    row.external_id,
                    handle,
                    row.name,
                    row.email,
                    row.raw,
                    row.organization,
                    row.location,
                    row.bio
                ])?;
                report.new += 1;
                written.push(conn.last_insert_rowid());
                fresh.push(member);
                member
            }
        };
        for (name, value) in &row.fields {
            set_field.execute(params![member, name, value])?;
        }
        if fresh.last() != Some(&member) {
            members.push(member);
        }
        if n % 1000 == 999 {
            progress(&Progress {
                phase: "Importing members".into(),
                done: n as u64 + 1,
                total: rows.len() as u64,
            });
        }
    }
    progress(&Progress {
        phase: "Importing members".into(),
        done: rows.len() as u64,
        total: rows.len() as u64,
    });
    super::index_new_members(conn, &fresh)?;
    for member in members {
        super::reindex_member(conn, member)?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_whatever_their_case_accents_and_language() {
        for (header, field) in [
            ("E-Mail", Field::Email),
            ("Email Address", Field::Email),
            ("  FULL NAME ", Field::Name),
            ("Prénom", Field::FirstName),
            ("Nachname", Field::LastName),
            ("Company", Field::Organization),
            ("GitHub username", Field::Github),
            ("Stadt", Field::Location),
            ("field:T-shirt", Field::Custom("T-shirt".into())),
            ("T-shirt size", Field::Custom("T-shirt size".into())),
        ] {
            assert_eq!(detect(header), field, "{header}");
        }
    }

    #[test]
    fn the_delimiter_is_the_one_the_header_line_uses_outside_quotes() {
        assert_eq!(sniff_delimiter(b"name;email;\"a,b\"\nx;y;z"), b';');
        assert_eq!(sniff_delimiter(b"name\temail\n"), b'\t');
        assert_eq!(sniff_delimiter(b"name,email\n"), b',');
        assert_eq!(sniff_delimiter(b"email\n"), b',');
    }

    #[test]
    fn bytes_that_are_not_utf8_are_read_as_windows_1252() {
        let d = decode(b"name\nM\xfcller\nS\xe3o\n".to_vec());
        assert_eq!(d.encoding, "Windows-1252");
        assert_eq!(String::from_utf8(d.bytes).unwrap(), "name\nMüller\nSão\n");
        let d = decode("\u{feff}name\nMüller\n".as_bytes().to_vec());
        assert_eq!(d.encoding, "UTF-8 with BOM");
        assert_eq!(String::from_utf8(d.bytes).unwrap(), "name\nMüller\n");
    }

    #[test]
    fn emails_are_checked_as_people_mistype_them() {
        for bad in [
            "maria@",
            "@x.org",
            "maria",
            "a@b",
            "a b@x.org",
            "a@x..org",
            "a@@x.org",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(valid_email("maria.g+meetup@acme.io"));
    }

    #[test]
    fn a_mapped_field_reads_back_as_written() {
        for f in [
            "email",
            "first_name",
            "field:Dietary needs",
            "skip",
            "github",
        ] {
            assert_eq!(f.parse::<Field>().unwrap().to_string(), f);
        }
        assert!("nonsense".parse::<Field>().is_err());
    }
}
