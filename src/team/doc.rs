//! The team's workspace document: each shared conversation's triage state in an Automerge
//! map, keyed by the conversation's identity on its platform (so it lines up across laptops
//! whose databases number conversations differently). Owns: the document's layout, writing a
//! conversation's state into it (only what differs, so an unchanged field is not a conflict),
//! reading it back with the values a conflict set aside, and which conversations changed
//! between two sets of heads.
//! Must never: hold anything but triage state and shared notes (no message text, no member
//! data beyond the identities a shared note names, no private note, no token).
//!
//! ```text
//! ROOT { kind: "hearth-workspace", version: 1,
//!        status:        { "<conversation>": "open" | "waiting" | "snoozed" | "done" },
//!        snoozed_until: { "<conversation>": ms | null },
//!        assignee:      { "<conversation>": "name" | null },
//!        priority:      { "<conversation>": 0..4 },
//!        by:            { "<conversation>": "who changed it last" },
//!        tags:          { "<conversation>\u{1f}<tag>": true },
//!        "note/<id>":   { member: "<identity>\n<identity>…", author: "name", created_at: ms,
//!                         text: Text, deleted: bool },
//!        "mate/<name>": ms when that manager last synced,
//!        "<kind>/<name>": "{…the record…}",   (team list, replies, views, rules, segments)
//!        "mtag/<identity>\u{1f}<tag>": true,
//!        "mfield/<identity>\u{1f}<field>": "value",
//!        "same/<identity>\u{1f}<identity>": "who merged them",
//!        "apart/<identity>\u{1f}<identity>": "who told them apart",
//!        "cal/<id>":    { title, body: Text, state, scheduled_at, published_at, approved_at,
//!                         approved_by, recurrence, time_zone, created_at, publisher, deleted,
//!                         targets: { "<id>": "{…}" }, comments: { "<id>": "{…}" } } }
//! ```
//!
//! A calendar item, like a note, is an object of its own made once by the Hearth that created
//! it: its words an Automerge text, each of its targets and comments one JSON string (a target
//! rewritten on two laptops apart keeps one whole version). `publisher` names the manager whose
//! Hearth publishes it: only that one releases it, so it is posted once.
//!
//! Decisions on who is who name two identities (in order): `same` a merge a person made or
//! accepted, `apart` a rejection (an undone merge records one). Telling two apart removes their
//! `same`.
//!
//! A member's tags and custom fields are written under each of the member's identities
//! (`platform|host|id`), so they find the person on a laptop that merged its members
//! differently: a member has a tag when any of their identities has it.
//!
//! A shared record (`super::records`) is one string, the row as JSON: edited on two laptops
//! apart, one whole version is kept, never a mix of two. Removed: its key is deleted.
//!
//! A shared note is an object of its own at the root, made once by its author under an id no
//! one else uses, its words an Automerge text: two managers typing in one note apart both keep
//! their words. It names its member by the member's identities on the platforms (any of them
//! finds the member on another laptop). A note taken back or deleted is emptied and marked
//! deleted. Notes and teammates sit at the root, not in a map of their own, because documents
//! made before them have no such map, and two laptops each adding it apart would have one map
//! win whole and the other's notes set aside.
//!
//! One map per field, each made once with the document, rather than a map per conversation:
//! two managers who first triage the same conversation while apart would each make its map,
//! and Automerge would keep one map whole and set the other aside (and with it, the tags one
//! of them added). With a map per field, each field is its own register: concurrent values of
//! one field are a conflict shown side by side, and different fields (or tags) merge.
//! A conversation is `<platform>|<host>|<id on the platform>` (`super::conversation_key`).

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{
    Automerge, AutomergeError, ChangeHash, ObjId, ObjType, PatchAction, Prop, ReadDoc, ScalarValue,
    Value, ROOT,
};

use crate::model::{Status, TriageState};

const FIELDS: [&str; 6] = [
    "status",
    "snoozed_until",
    "assignee",
    "priority",
    "by",
    "tags",
];
/// Between a conversation and a tag in the tags map's keys (no platform id or tag holds it).
const TAG_SEP: char = '\u{1f}';

/// A new workspace document: its kind and one empty map per field.
pub fn new_workspace() -> Result<Automerge, AutomergeError> {
    let mut doc = Automerge::new();
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, "kind", "hearth-workspace")?;
        tx.put(ROOT, "version", 1_i64)?;
        for field in FIELDS {
            tx.put_object(ROOT, field, ObjType::Map)?;
        }
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(doc)
}

/// Whether `doc` is a Hearth workspace (a join link could name any document).
pub fn is_workspace(doc: &Automerge) -> bool {
    matches!(doc.get(ROOT, "kind"), Ok(Some((v, _))) if v.as_str() == Some("hearth-workspace"))
        && FIELDS.iter().all(|f| field_map(doc, f).is_some())
}

fn field_map<R: ReadDoc>(doc: &R, field: &str) -> Option<ObjId> {
    match doc.get(ROOT, field) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    }
}

fn tag_key(conversation: &str, tag: &str) -> String {
    format!("{conversation}{TAG_SEP}{tag}")
}

/// The tags the document holds for `conversation`.
fn tags_of<R: ReadDoc>(doc: &R, tags: &ObjId, conversation: &str) -> Vec<String> {
    let from = format!("{conversation}{TAG_SEP}");
    let to = format!(
        "{conversation}{}",
        char::from_u32(TAG_SEP as u32 + 1).unwrap_or(' ')
    );
    doc.map_range(tags, from.clone()..to)
        .map(|item| item.key[from.len()..].to_string())
        .collect()
}

/// One conversation's shared state as the document holds it, and the values concurrent edits
/// set aside (field name, the other value in words), for the UI to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    pub state: TriageState,
    pub by: Option<String>,
    pub conflicts: Vec<(String, String)>,
}

/// Writes `state` for `conversation` into the document, as manager `by`: each field only if
/// it differs from what the document holds. Returns whether anything was written.
pub fn write(
    doc: &mut Automerge,
    conversation: &str,
    state: &TriageState,
    by: &str,
) -> Result<bool, AutomergeError> {
    let current = read(doc, conversation);
    if current.as_ref().map(|c| &c.state) == Some(state) {
        return Ok(false);
    }
    let maps: Vec<ObjId> = FIELDS.iter().filter_map(|f| field_map(doc, f)).collect();
    let [status, snoozed, assignee, priority, who, tags] = maps.as_slice() else {
        return Err(AutomergeError::InvalidOp(ObjType::Map));
    };
    doc.transact::<_, _, AutomergeError>(|tx| {
        let old = current.as_ref().map(|c| &c.state);
        if old.map(|o| o.status) != Some(state.status) {
            tx.put(status, conversation, state.status.as_str())?;
        }
        if old.map(|o| o.snoozed_until) != Some(state.snoozed_until) {
            let v = state
                .snoozed_until
                .map_or(ScalarValue::Null, ScalarValue::Int);
            tx.put(snoozed, conversation, v)?;
        }
        if old.map(|o| o.assignee.as_deref()) != Some(state.assignee.as_deref()) {
            let v = match &state.assignee {
                Some(a) => ScalarValue::Str(a.as_str().into()),
                None => ScalarValue::Null,
            };
            tx.put(assignee, conversation, v)?;
        }
        if old.map(|o| o.priority) != Some(state.priority) {
            tx.put(priority, conversation, state.priority)?;
        }
        let held: BTreeSet<String> = tags_of(tx, tags, conversation).into_iter().collect();
        for tag in &state.tags {
            if !held.contains(tag) {
                tx.put(tags, tag_key(conversation, tag), true)?;
            }
        }
        for tag in held {
            if !state.tags.contains(&tag) {
                tx.delete(tags, tag_key(conversation, &tag))?;
            }
        }
        tx.put(who, conversation, by)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// `conversation`'s shared state (None: no one on the team has triaged it).
pub fn read(doc: &Automerge, conversation: &str) -> Option<Shared> {
    let mut conflicts = Vec::new();
    let mut field = |name: &str| -> Option<ScalarValue> {
        let map = field_map(doc, name)?;
        let all = doc.get_all(&map, conversation).ok()?;
        // get_all lists every concurrent value; the last is the one Automerge picked (as get)
        let (winner, rest) = all.split_last()?;
        // who changed it last is bookkeeping, not a decision two people disagree on
        // (two laptops writing the same value apart agree: no conflict to show)
        if name != "by" {
            let kept = words(&winner.0);
            for (other, _) in rest {
                let other = words(other);
                if other != kept && !conflicts.contains(&(name.to_string(), other.clone())) {
                    conflicts.push((name.to_string(), other));
                }
            }
        }
        match &winner.0 {
            Value::Scalar(s) => Some(s.clone().into_owned()),
            Value::Object(_) => None,
        }
    };
    let status = field("status")?;
    let status = status
        .as_str()
        .and_then(|s| s.parse::<Status>().ok())
        .unwrap_or(Status::Open);
    let snoozed_until = field("snoozed_until").and_then(|v| v.as_i64());
    let assignee = field("assignee").and_then(|v| v.as_str().map(str::to_string));
    let priority = field("priority").and_then(|v| v.as_i64()).unwrap_or(0);
    let by = field("by").and_then(|v| v.as_str().map(str::to_string));
    let tags = field_map(doc, "tags")
        .map(|t| tags_of(doc, &t, conversation))
        .unwrap_or_default();
    Some(Shared {
        state: TriageState {
            status,
            snoozed_until,
            assignee,
            priority,
            tags,
        },
        by,
        conflicts,
    })
}

/// A shared note as the document holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedNote {
    /// The member's identities (`platform|host|id`), any of which finds them.
    pub member: Vec<String>,
    pub author: String,
    pub created_at: i64,
    pub body: String,
    pub deleted: bool,
}

const NOTE: &str = "note/";
const MATE: &str = "mate/";
/// How often a manager's "last synced" is written into the document: often enough to say when
/// a teammate was last around, rarely enough that an idle team's document does not grow.
pub const MATE_EVERY_MS: i64 = 10 * 60 * 1000;

fn note_obj<R: ReadDoc>(doc: &R, id: &str) -> Option<ObjId> {
    match doc.get(ROOT, format!("{NOTE}{id}")) {
        Ok(Some((Value::Object(ObjType::Map), obj))) => Some(obj),
        _ => None,
    }
}

fn text_obj<R: ReadDoc>(doc: &R, note: &ObjId) -> Option<ObjId> {
    match doc.get(note, "text") {
        Ok(Some((Value::Object(ObjType::Text), obj))) => Some(obj),
        _ => None,
    }
}

/// Writes a shared note: made with its member, author and time if the document does not have
/// it, else only its words changed (an edit, merged with teammates' by Automerge). Returns
/// whether anything was written.
pub fn write_note(
    doc: &mut Automerge,
    id: &str,
    note: &SharedNote,
) -> Result<bool, AutomergeError> {
    if let Some(obj) = note_obj(doc, id) {
        // taken back or deleted is final: an edit made apart does not bring it back (sharing
        // it again gives it a new id)
        if read_note(doc, id).is_none_or(|h| h.deleted || h.body == note.body) {
            return Ok(false);
        }
        let text = text_obj(doc, &obj);
        doc.transact::<_, _, AutomergeError>(|tx| {
            let text = match text {
                Some(t) => t,
                None => tx.put_object(&obj, "text", ObjType::Text)?,
            };
            tx.update_text(&text, &note.body)
        })
        .map_err(|f| f.error)?;
        return Ok(true);
    }
    doc.transact::<_, _, AutomergeError>(|tx| {
        let obj = tx.put_object(ROOT, format!("{NOTE}{id}"), ObjType::Map)?;
        tx.put(&obj, "member", note.member.join("\n"))?;
        tx.put(&obj, "author", note.author.as_str())?;
        tx.put(&obj, "created_at", note.created_at)?;
        tx.put(&obj, "deleted", false)?;
        let text = tx.put_object(&obj, "text", ObjType::Text)?;
        tx.splice_text(&text, 0, 0, &note.body)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// Takes a note out of the team's view (taken back by its author, or deleted): its words are
/// removed and it is marked deleted. Returns whether anything was written.
pub fn delete_note(doc: &mut Automerge, id: &str) -> Result<bool, AutomergeError> {
    let Some(obj) = note_obj(doc, id) else {
        return Ok(false);
    };
    if read_note(doc, id).is_some_and(|n| n.deleted && n.body.is_empty()) {
        return Ok(false);
    }
    let text = text_obj(doc, &obj);
    doc.transact::<_, _, AutomergeError>(|tx| {
        if let Some(text) = &text {
            tx.update_text(text, "")?;
        }
        tx.put(&obj, "deleted", true)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// The shared note `id` (None: the team has no such note).
pub fn read_note(doc: &Automerge, id: &str) -> Option<SharedNote> {
    let obj = note_obj(doc, id)?;
    let scalar = |key: &str| match doc.get(&obj, key) {
        Ok(Some((Value::Scalar(s), _))) => Some(s.into_owned()),
        _ => None,
    };
    let member = scalar("member")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Some(SharedNote {
        member: member
            .split('\n')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        author: scalar("author")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        created_at: scalar("created_at").and_then(|v| v.as_i64()).unwrap_or(0),
        body: text_obj(doc, &obj)
            .and_then(|t| doc.text(&t).ok())
            .unwrap_or_default(),
        deleted: matches!(scalar("deleted"), Some(ScalarValue::Boolean(true))),
    })
}

/// Notes that `manager` last synced at `at`, unless the document says so already within
/// [`MATE_EVERY_MS`]. Returns whether anything was written.
pub fn mark_synced(doc: &mut Automerge, manager: &str, at: i64) -> Result<bool, AutomergeError> {
    let key = format!("{MATE}{manager}");
    let held = match doc.get(ROOT, &key) {
        Ok(Some((Value::Scalar(s), _))) => s.as_i64(),
        _ => None,
    };
    if held.is_some_and(|h| at - h < MATE_EVERY_MS && at >= h) {
        return Ok(false);
    }
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, &key, at)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// The team's managers and when each last synced, by name.
pub fn mates(doc: &Automerge) -> Vec<(String, i64)> {
    doc.keys(ROOT)
        .filter_map(|key| {
            let name = key.strip_prefix(MATE)?.to_string();
            match doc.get(ROOT, &key) {
                Ok(Some((Value::Scalar(s), _))) => Some((name, s.as_i64()?)),
                _ => None,
            }
        })
        .collect()
}

fn words(v: &Value<'_>) -> String {
    match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(t) => t.to_string(),
            ScalarValue::Null => "nobody".to_string(),
            other => other.to_string(),
        },
        Value::Object(_) => "(several values)".to_string(),
    }
}

/// Writes a shared record (`Some`: its JSON) or removes it (`None`), if the document holds
/// something else. Returns whether anything was written.
pub fn write_record(
    doc: &mut Automerge,
    key: &str,
    record: Option<&str>,
) -> Result<bool, AutomergeError> {
    if read_record(doc, key).as_deref() == record {
        return Ok(false);
    }
    doc.transact::<_, _, AutomergeError>(|tx| match record {
        Some(json) => tx.put(ROOT, key, json),
        None => tx.delete(ROOT, key),
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// The shared record `key` (None: the team has none by that name).
pub fn read_record(doc: &Automerge, key: &str) -> Option<String> {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
        _ => None,
    }
}

/// Whether a key at the document's root is a shared record's.
fn is_record(key: &str) -> bool {
    super::records::kind_of(key).is_some()
}

const MTAG: &str = "mtag/";
const MFIELD: &str = "mfield/";

/// A member's tags and custom fields as the team holds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberShared {
    pub tags: BTreeSet<String>,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// The keys under `prefix` for one identity, with what follows the separator.
fn under(doc: &Automerge, prefix: &str, identity: &str) -> Vec<(String, String)> {
    let from = format!("{prefix}{identity}{TAG_SEP}");
    let to = format!(
        "{prefix}{identity}{}",
        char::from_u32(TAG_SEP as u32 + 1).unwrap_or(' ')
    );
    doc.map_range(ROOT, from.clone()..to)
        .map(|item| (item.key.to_string(), item.key[from.len()..].to_string()))
        .collect()
}

/// What the team holds for the member with these identities (None: nothing at all).
pub fn read_member(doc: &Automerge, identities: &[String]) -> Option<MemberShared> {
    let mut shared = MemberShared::default();
    let mut any = false;
    for identity in identities {
        for (_, tag) in under(doc, MTAG, identity) {
            any = true;
            shared.tags.insert(tag);
        }
        for (key, name) in under(doc, MFIELD, identity) {
            any = true;
            if let Some(value) = read_record(doc, &key) {
                shared.fields.entry(name).or_insert(value);
            }
        }
    }
    any.then_some(shared)
}

/// Writes a member's tags and fields under each of their identities: what differs only.
/// Returns whether anything was written.
pub fn write_member(
    doc: &mut Automerge,
    identities: &[String],
    shared: &MemberShared,
) -> Result<bool, AutomergeError> {
    let mut puts: Vec<(String, ScalarValue)> = Vec::new();
    let mut deletes: Vec<String> = Vec::new();
    for identity in identities {
        let held: BTreeSet<String> = under(doc, MTAG, identity)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        for tag in &shared.tags {
            if !held.contains(tag) {
                puts.push((
                    format!("{MTAG}{identity}{TAG_SEP}{tag}"),
                    ScalarValue::Boolean(true),
                ));
            }
        }
        for tag in held.difference(&shared.tags) {
            deletes.push(format!("{MTAG}{identity}{TAG_SEP}{tag}"));
        }
        let fields = under(doc, MFIELD, identity);
        for (key, name) in &fields {
            match shared.fields.get(name) {
                None => deletes.push(key.clone()),
                Some(v) if read_record(doc, key).as_deref() != Some(v.as_str()) => {
                    puts.push((key.clone(), ScalarValue::Str(v.as_str().into())));
                }
                Some(_) => {}
            }
        }
        for (name, value) in &shared.fields {
            if !fields.iter().any(|(_, n)| n == name) {
                puts.push((
                    format!("{MFIELD}{identity}{TAG_SEP}{name}"),
                    ScalarValue::Str(value.as_str().into()),
                ));
            }
        }
    }
    if puts.is_empty() && deletes.is_empty() {
        return Ok(false);
    }
    doc.transact::<_, _, AutomergeError>(|tx| {
        for (key, value) in &puts {
            tx.put(ROOT, key, value.clone())?;
        }
        for key in &deletes {
            tx.delete(ROOT, key)?;
        }
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// The identity a member tag's or field's key is under.
fn member_identity(key: &str) -> Option<String> {
    let rest = key
        .strip_prefix(MTAG)
        .or_else(|| key.strip_prefix(MFIELD))?;
    rest.split(TAG_SEP).next().map(str::to_string)
}

const SAME: &str = "same/";
const APART: &str = "apart/";

/// A decision on who is who.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Two identities are one person.
    Same,
    /// Two identities are two people.
    Apart,
}

fn decision_key(decision: Decision, a: &str, b: &str) -> String {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let prefix = match decision {
        Decision::Same => SAME,
        Decision::Apart => APART,
    };
    format!("{prefix}{a}{TAG_SEP}{b}")
}

/// Records a decision on two identities, by `by` (nothing when the team has it already).
/// Returns whether anything was written.
pub fn write_decision(
    doc: &mut Automerge,
    decision: Decision,
    a: &str,
    b: &str,
    by: &str,
) -> Result<bool, AutomergeError> {
    let key = decision_key(decision, a, b);
    let same = decision_key(Decision::Same, a, b);
    let undo_same = decision == Decision::Apart && read_record(doc, &same).is_some();
    if read_record(doc, &key).is_some() && !undo_same {
        return Ok(false);
    }
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, &key, by)?;
        if undo_same {
            tx.delete(ROOT, &same)?;
        }
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// The decision a key holds: what, on which two identities, by whom (None: not a decision,
/// or no longer held).
pub fn read_decision(doc: &Automerge, key: &str) -> Option<(Decision, String, String, String)> {
    let (decision, pair) = if let Some(p) = key.strip_prefix(SAME) {
        (Decision::Same, p)
    } else {
        (Decision::Apart, key.strip_prefix(APART)?)
    };
    let (a, b) = pair.split_once(TAG_SEP)?;
    let by = read_record(doc, key)?;
    Some((decision, a.to_string(), b.to_string(), by))
}

fn is_decision(key: &str) -> bool {
    key.starts_with(SAME) || key.starts_with(APART)
}

const CAL: &str = "cal/";

/// A calendar item as the team holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedItem {
    pub title: String,
    pub body: String,
    pub state: String,
    pub scheduled_at: Option<i64>,
    pub published_at: Option<i64>,
    pub approved_at: Option<i64>,
    pub approved_by: Option<String>,
    pub recurrence: Option<String>,
    pub time_zone: Option<String>,
    pub created_at: i64,
    /// The manager whose Hearth publishes it.
    pub publisher: String,
    /// Its targets and comments, by id, each as JSON.
    pub targets: std::collections::BTreeMap<String, String>,
    pub comments: std::collections::BTreeMap<String, String>,
    pub deleted: bool,
}

fn item_obj(doc: &Automerge, id: &str) -> Option<ObjId> {
    match doc.get(ROOT, format!("{CAL}{id}")) {
        Ok(Some((Value::Object(ObjType::Map), obj))) => Some(obj),
        _ => None,
    }
}

fn child<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str, kind: ObjType) -> Option<ObjId> {
    match doc.get(obj, key) {
        Ok(Some((Value::Object(k), id))) if k == kind => Some(id),
        _ => None,
    }
}

fn scalar_in<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => Some(s.into_owned()),
        _ => None,
    }
}

fn strings_in<R: ReadDoc>(doc: &R, map: &ObjId) -> std::collections::BTreeMap<String, String> {
    doc.keys(map)
        .filter_map(|k| {
            let v = scalar_in(doc, map, &k)?;
            Some((k, v.as_str()?.to_string()))
        })
        .collect()
}

/// The calendar item `id` (None: the team has no such item).
pub fn read_item(doc: &Automerge, id: &str) -> Option<SharedItem> {
    let obj = item_obj(doc, id)?;
    let text = |k: &str| scalar_in(doc, &obj, k).and_then(|v| v.as_str().map(str::to_string));
    let int = |k: &str| scalar_in(doc, &obj, k).and_then(|v| v.as_i64());
    Some(SharedItem {
        title: text("title").unwrap_or_default(),
        body: child(doc, &obj, "body", ObjType::Text)
            .and_then(|t| doc.text(&t).ok())
            .unwrap_or_default(),
        state: text("state").unwrap_or_else(|| "draft".into()),
        scheduled_at: int("scheduled_at"),
        published_at: int("published_at"),
        approved_at: int("approved_at"),
        approved_by: text("approved_by"),
        recurrence: text("recurrence"),
        time_zone: text("time_zone"),
        created_at: int("created_at").unwrap_or(0),
        publisher: text("publisher").unwrap_or_default(),
        targets: child(doc, &obj, "targets", ObjType::Map)
            .map(|m| strings_in(doc, &m))
            .unwrap_or_default(),
        comments: child(doc, &obj, "comments", ObjType::Map)
            .map(|m| strings_in(doc, &m))
            .unwrap_or_default(),
        deleted: matches!(
            scalar_in(doc, &obj, "deleted"),
            Some(ScalarValue::Boolean(true))
        ),
    })
}

fn opt_str(v: &Option<String>) -> ScalarValue {
    v.as_deref()
        .map_or(ScalarValue::Null, |s| ScalarValue::Str(s.into()))
}

fn opt_int(v: Option<i64>) -> ScalarValue {
    v.map_or(ScalarValue::Null, ScalarValue::Int)
}

/// Writes a calendar item: made whole if the document does not have it, else only what
/// differs (its words merged with teammates' by Automerge). A deleted item stays deleted.
/// Returns whether anything was written.
pub fn write_item(
    doc: &mut Automerge,
    id: &str,
    item: &SharedItem,
) -> Result<bool, AutomergeError> {
    let held = read_item(doc, id);
    if held.as_ref().is_some_and(|h| h.deleted || h == item) {
        return Ok(false);
    }
    let scalars = |i: &SharedItem| -> Vec<(&'static str, ScalarValue)> {
        vec![
            ("title", ScalarValue::Str(i.title.as_str().into())),
            ("state", ScalarValue::Str(i.state.as_str().into())),
            ("scheduled_at", opt_int(i.scheduled_at)),
            ("published_at", opt_int(i.published_at)),
            ("approved_at", opt_int(i.approved_at)),
            ("approved_by", opt_str(&i.approved_by)),
            ("recurrence", opt_str(&i.recurrence)),
            ("time_zone", opt_str(&i.time_zone)),
            ("created_at", ScalarValue::Int(i.created_at)),
            ("publisher", ScalarValue::Str(i.publisher.as_str().into())),
        ]
    };
    let obj = item_obj(doc, id);
    doc.transact::<_, _, AutomergeError>(|tx| {
        let (obj, old) = match (&obj, &held) {
            (Some(o), Some(h)) => (o.clone(), h.clone()),
            _ => {
                let o = tx.put_object(ROOT, format!("{CAL}{id}"), ObjType::Map)?;
                tx.put(&o, "deleted", false)?;
                tx.put_object(&o, "body", ObjType::Text)?;
                tx.put_object(&o, "targets", ObjType::Map)?;
                tx.put_object(&o, "comments", ObjType::Map)?;
                (o, SharedItem::default())
            }
        };
        let fresh = held.is_none();
        for ((key, new), (_, was)) in scalars(item).into_iter().zip(scalars(&old)) {
            if fresh || new != was {
                tx.put(&obj, key, new)?;
            }
        }
        if old.body != item.body {
            if let Some(body) = child(tx, &obj, "body", ObjType::Text) {
                tx.update_text(&body, &item.body)?;
            }
        }
        for (name, new, was) in [
            ("targets", &item.targets, &old.targets),
            ("comments", &item.comments, &old.comments),
        ] {
            let Some(map) = child(tx, &obj, name, ObjType::Map) else {
                continue;
            };
            for (k, v) in new {
                if was.get(k) != Some(v) {
                    tx.put(&map, k, v.as_str())?;
                }
            }
            for k in was.keys() {
                if !new.contains_key(k) {
                    tx.delete(&map, k.as_str())?;
                }
            }
        }
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// Takes a calendar item off the team's calendar (deleted here): its words and targets go, and
/// it is marked deleted. Returns whether anything was written.
pub fn delete_item(doc: &mut Automerge, id: &str) -> Result<bool, AutomergeError> {
    let Some(obj) = item_obj(doc, id) else {
        return Ok(false);
    };
    if read_item(doc, id).is_some_and(|i| i.deleted) {
        return Ok(false);
    }
    doc.transact::<_, _, AutomergeError>(|tx| {
        if let Some(body) = child(tx, &obj, "body", ObjType::Text) {
            tx.update_text(&body, "")?;
        }
        for name in ["targets", "comments"] {
            if let Some(map) = child(tx, &obj, name, ObjType::Map) {
                let keys: Vec<String> = tx.keys(&map).collect();
                for k in keys {
                    tx.delete(&map, k.as_str())?;
                }
            }
        }
        tx.put(&obj, "deleted", true)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(true)
}

/// What changed in the document between two sets of heads.
#[derive(Debug, Default, PartialEq)]
pub struct Changed {
    /// Conversations whose shared state changed.
    pub conversations: BTreeSet<String>,
    /// Shared notes made, edited or deleted, by id.
    pub notes: BTreeSet<String>,
    /// Whether a manager's "last synced" changed.
    pub mates: bool,
    /// Shared records added, changed or removed, by key.
    pub records: BTreeSet<String>,
    /// Identities whose member's tags or fields changed.
    pub member_identities: BTreeSet<String>,
    /// Decisions on who is who made or taken back, by key.
    pub decisions: BTreeSet<String>,
    /// Calendar items made, changed or deleted, by id.
    pub items: BTreeSet<String>,
}

/// What changed from `before` to the document's heads now (everything in it when `before` is
/// empty).
pub fn changed_since(doc: &Automerge, before: &[ChangeHash]) -> Changed {
    let conversation = |key: &str| key.split(TAG_SEP).next().unwrap_or(key).to_string();
    let mut changed = Changed::default();
    if before.is_empty() {
        changed.conversations = field_map(doc, "status")
            .map(|all| doc.keys(&all).map(|k| conversation(&k)).collect())
            .unwrap_or_default();
        for key in doc.keys(ROOT) {
            if let Some(id) = key.strip_prefix(NOTE) {
                changed.notes.insert(id.to_string());
            } else if let Some(id) = key.strip_prefix(CAL) {
                changed.items.insert(id.to_string());
            } else if let Some(identity) = member_identity(&key) {
                changed.member_identities.insert(identity);
            } else if is_decision(&key) {
                changed.decisions.insert(key);
            } else if is_record(&key) {
                changed.records.insert(key);
            }
        }
        changed.mates = true;
        return changed;
    }
    let after = doc.get_heads();
    for patch in doc.diff(before, &after) {
        // a note's fields or words: the path starts at its key in the root
        if let Some((_, Prop::Map(top))) = patch.path.first() {
            if let Some(id) = top.strip_prefix(NOTE) {
                changed.notes.insert(id.to_string());
                continue;
            }
            if let Some(id) = top.strip_prefix(CAL) {
                changed.items.insert(id.to_string());
                continue;
            }
        }
        if patch.path.is_empty() {
            if let PatchAction::PutMap { key, .. }
            | PatchAction::DeleteMap { key }
            | PatchAction::Conflict {
                prop: Prop::Map(key),
            } = &patch.action
            {
                if let Some(id) = key.strip_prefix(NOTE) {
                    changed.notes.insert(id.to_string());
                } else if let Some(id) = key.strip_prefix(CAL) {
                    changed.items.insert(id.to_string());
                } else if key.starts_with(MATE) {
                    changed.mates = true;
                } else if let Some(identity) = member_identity(key) {
                    changed.member_identities.insert(identity);
                } else if is_decision(key) {
                    changed.decisions.insert(key.clone());
                } else if is_record(key) {
                    changed.records.insert(key.clone());
                }
            }
            continue;
        }
        let in_a_field = matches!(patch.path.as_slice(),
            [(_, Prop::Map(f))] if FIELDS.contains(&f.as_str()));
        if !in_a_field {
            continue;
        }
        match patch.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                changed.conversations.insert(conversation(&key));
            }
            PatchAction::Conflict {
                prop: Prop::Map(key),
            } => {
                changed.conversations.insert(conversation(&key));
            }
            _ => {}
        }
    }
    changed
}

/// Heads as stored beside the tables (a JSON array of hex hashes) and back.
pub fn heads_to_json(heads: &[ChangeHash]) -> String {
    serde_json::to_string(&heads.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".to_string())
}

pub fn heads_from_json(json: &str) -> Vec<ChangeHash> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|h| h.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: Status, assignee: Option<&str>, tags: &[&str]) -> TriageState {
        TriageState {
            status,
            snoozed_until: None,
            assignee: assignee.map(str::to_string),
            priority: 0,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn a_state_written_reads_back_and_an_unchanged_one_writes_nothing() {
        let mut doc = new_workspace().expect("doc");
        assert!(is_workspace(&doc));
        let s = state(Status::Waiting, Some("Ana"), &["bug", "vip"]);
        assert!(write(&mut doc, "discord||42", &s, "Ana").expect("write"));
        let heads = doc.get_heads();
        assert!(!write(&mut doc, "discord||42", &s, "Ana").expect("write again"));
        assert_eq!(doc.get_heads(), heads, "nothing written for the same state");
        let back = read(&doc, "discord||42").expect("read");
        assert_eq!(back.state.status, Status::Waiting);
        assert_eq!(back.state.assignee.as_deref(), Some("Ana"));
        let mut tags = back.state.tags.clone();
        tags.sort();
        assert_eq!(tags, ["bug", "vip"]);
        // a tag taken off, unassigned
        write(
            &mut doc,
            "discord||42",
            &state(Status::Done, None, &["bug"]),
            "Ben",
        )
        .expect("w");
        let back = read(&doc, "discord||42").expect("read");
        assert_eq!(back.state.tags, ["bug"]);
        assert_eq!(back.state.assignee, None);
        assert_eq!(back.by.as_deref(), Some("Ben"));
        assert!(read(&doc, "discord||43").is_none());
    }

    #[test]
    fn two_managers_apart_converge_and_the_value_set_aside_is_shown() {
        let mut a = new_workspace().expect("doc");
        let mut b = a.fork();
        write(&mut a, "k", &state(Status::Open, Some("Ana"), &[]), "Ana").expect("a");
        write(
            &mut b,
            "k",
            &state(Status::Open, Some("Ben"), &["bug"]),
            "Ben",
        )
        .expect("b");
        write(&mut b, "other", &state(Status::Done, None, &[]), "Ben").expect("b");
        let before = a.get_heads();
        a.merge(&mut b.clone()).expect("merge a");
        b.merge(&mut a.clone()).expect("merge b");
        let (ra, rb) = (read(&a, "k").expect("a"), read(&b, "k").expect("b"));
        assert_eq!(ra.state, rb.state, "both laptops show the same");
        assert_eq!(ra.state.tags, ["bug"], "a tag added on one side is kept");
        let winner = ra.state.assignee.clone().expect("an assignee");
        let other = if winner == "Ana" { "Ben" } else { "Ana" };
        assert!(
            ra.conflicts
                .contains(&("assignee".to_string(), other.to_string())),
            "the other assignee is one click away: {:?}",
            ra.conflicts
        );
        assert_eq!(
            changed_since(&a, &[]).conversations,
            BTreeSet::from(["k".to_string(), "other".to_string()]),
            "from nothing, every conversation is new"
        );
        let changed = changed_since(&a, &before).conversations;
        assert!(
            changed.contains("k") && changed.contains("other"),
            "{changed:?}"
        );
        assert_eq!(
            heads_from_json(&heads_to_json(&a.get_heads())),
            a.get_heads()
        );
    }

    #[test]
    fn the_same_value_written_apart_is_no_conflict() {
        let mut a = new_workspace().expect("doc");
        let mut b = a.fork();
        let same = state(Status::Done, Some("Ana"), &["bug"]);
        write(&mut a, "k", &same, "Ana").expect("a");
        write(&mut b, "k", &same, "Ana").expect("b");
        a.merge(&mut b).expect("merge");
        let back = read(&a, "k").expect("read");
        assert_eq!(back.state, same);
        assert_eq!(back.conflicts, [], "both laptops agree");
    }

    fn note(author: &str, body: &str) -> SharedNote {
        SharedNote {
            member: vec!["discord||7".to_string(), "github||rin".to_string()],
            author: author.to_string(),
            created_at: 1_000,
            body: body.to_string(),
            deleted: false,
        }
    }

    #[test]
    fn two_managers_typing_in_one_note_apart_both_keep_their_words() {
        let mut a = new_workspace().expect("doc");
        assert!(write_note(&mut a, "n1", &note("Ana", "Rin helps on Docker.")).expect("made"));
        let mut b = a.fork();
        let before = a.get_heads();
        write_note(
            &mut a,
            "n1",
            &note("Ana", "Met at FOSDEM. Rin helps on Docker."),
        )
        .expect("a edits");
        write_note(
            &mut b,
            "n1",
            &note("Ana", "Rin helps on Docker. Ask about the December call."),
        )
        .expect("b edits");
        a.merge(&mut b.clone()).expect("merge");
        b.merge(&mut a.clone()).expect("merge");
        let (ra, rb) = (
            read_note(&a, "n1").expect("a"),
            read_note(&b, "n1").expect("b"),
        );
        assert_eq!(ra, rb);
        assert_eq!(
            ra.body,
            "Met at FOSDEM. Rin helps on Docker. Ask about the December call."
        );
        assert_eq!(ra.member, ["discord||7", "github||rin"]);
        assert_eq!(ra.author, "Ana");
        let changed = changed_since(&a, &before);
        assert_eq!(changed.notes, BTreeSet::from(["n1".to_string()]));
        assert!(changed.conversations.is_empty());
        assert!(!write_note(&mut a, "n1", &ra).expect("same"), "nothing new");

        // taken back: emptied and marked, and an edit made apart does not bring it back
        let before = a.get_heads();
        assert!(delete_note(&mut a, "n1").expect("deleted"));
        let gone = read_note(&a, "n1").expect("still named");
        assert!(gone.deleted && gone.body.is_empty());
        assert!(!delete_note(&mut a, "n1").expect("again"));
        assert!(!write_note(&mut a, "n1", &ra).expect("edited apart"));
        assert!(read_note(&a, "n1").expect("named").deleted);
        assert_eq!(
            changed_since(&a, &before).notes,
            BTreeSet::from(["n1".to_string()])
        );
        assert!(!delete_note(&mut a, "n2").expect("unknown"));
    }

    #[test]
    fn a_managers_last_sync_is_written_at_most_every_few_minutes() {
        let mut a = new_workspace().expect("doc");
        assert!(mark_synced(&mut a, "Ana", 1_000).expect("first"));
        assert!(!mark_synced(&mut a, "Ana", 1_000 + MATE_EVERY_MS - 1).expect("soon after"));
        assert!(mark_synced(&mut a, "Ana", 1_000 + MATE_EVERY_MS).expect("later"));
        mark_synced(&mut a, "Ben", 5).expect("Ben");
        assert_eq!(
            mates(&a),
            [
                ("Ana".to_string(), 1_000 + MATE_EVERY_MS),
                ("Ben".to_string(), 5)
            ]
        );
        assert!(changed_since(&a, &[]).mates);
    }

    #[test]
    fn a_members_tags_and_fields_find_them_by_any_identity() {
        let mut a = new_workspace().expect("doc");
        let both = ["discord||7".to_string(), "github||rin".to_string()];
        let mut shared = MemberShared::default();
        shared.tags.insert("vip".into());
        shared.fields.insert("Plan".into(), "Pro".into());
        assert!(write_member(&mut a, &both, &shared).expect("written"));
        assert!(!write_member(&mut a, &both, &shared).expect("again"));
        // a laptop where the two accounts are two members: each has it
        assert_eq!(read_member(&a, &both[..1]), Some(shared.clone()));
        assert_eq!(read_member(&a, &both[1..]), Some(shared.clone()));
        assert_eq!(read_member(&a, &["matrix||x".to_string()]), None);
        let before = a.get_heads();
        let mut less = shared.clone();
        less.tags.clear();
        less.fields.insert("Plan".into(), "Team".into());
        assert!(write_member(&mut a, &both, &less).expect("changed"));
        assert_eq!(read_member(&a, &both), Some(less));
        assert_eq!(
            changed_since(&a, &before).member_identities,
            BTreeSet::from(both.clone())
        );
    }

    #[test]
    fn telling_two_identities_apart_takes_back_their_merge() {
        let mut a = new_workspace().expect("doc");
        assert!(write_decision(&mut a, Decision::Same, "x|h|2", "x|h|1", "Ana").expect("same"));
        assert!(!write_decision(&mut a, Decision::Same, "x|h|1", "x|h|2", "Ben").expect("known"));
        let same = decision_key(Decision::Same, "x|h|1", "x|h|2");
        assert_eq!(
            read_decision(&a, &same),
            Some((Decision::Same, "x|h|1".into(), "x|h|2".into(), "Ana".into()))
        );
        let before = a.get_heads();
        assert!(write_decision(&mut a, Decision::Apart, "x|h|1", "x|h|2", "Ben").expect("apart"));
        assert_eq!(read_decision(&a, &same), None, "the merge is taken back");
        let changed = changed_since(&a, &before).decisions;
        assert!(changed.contains(&same) && changed.len() == 2, "{changed:?}");
    }

    #[test]
    fn a_calendar_item_edited_apart_keeps_both_words_and_each_target_whole() {
        let mut a = new_workspace().expect("doc");
        let mut item = SharedItem {
            title: "Release 3.1".into(),
            body: "3.1 is out.".into(),
            state: "draft".into(),
            created_at: 5,
            publisher: "Ana".into(),
            ..SharedItem::default()
        };
        item.targets
            .insert("t1".into(), "{\"platform\":\"discord\"}".into());
        assert!(write_item(&mut a, "i1", &item).expect("made"));
        assert_eq!(read_item(&a, "i1"), Some(item.clone()));
        assert!(!write_item(&mut a, "i1", &item).expect("same"));
        let mut b = a.fork();
        let mut on_a = item.clone();
        on_a.body = "Big news: 3.1 is out.".into();
        on_a.comments
            .insert("c1".into(), "{\"body\":\"Looks good\"}".into());
        write_item(&mut a, "i1", &on_a).expect("a");
        let mut on_b = item.clone();
        on_b.body = "3.1 is out. Read the notes.".into();
        on_b.state = "in_review".into();
        write_item(&mut b, "i1", &on_b).expect("b");
        a.merge(&mut b).expect("merge");
        let both = read_item(&a, "i1").expect("item");
        assert_eq!(both.body, "Big news: 3.1 is out. Read the notes.");
        assert_eq!(both.state, "in_review");
        assert_eq!(both.comments.len(), 1);
        assert!(delete_item(&mut a, "i1").expect("deleted"));
        let gone = read_item(&a, "i1").expect("named");
        assert!(gone.deleted && gone.body.is_empty() && gone.targets.is_empty());
        assert!(!write_item(&mut a, "i1", &on_a).expect("stays deleted"));
    }
}
