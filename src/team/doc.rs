//! The team's workspace document: each shared conversation's triage state in an Automerge
//! map, keyed by the conversation's identity on its platform (so it lines up across laptops
//! whose databases number conversations differently). Owns: the document's layout, writing a
//! conversation's state into it (only what differs, so an unchanged field is not a conflict),
//! reading it back with the values a conflict set aside, and which conversations changed
//! between two sets of heads.
//! Must never: hold anything but triage state (no message text, no member data, no token).
//!
//! ```text
//! ROOT { kind: "hearth-workspace", version: 1,
//!        status:        { "<conversation>": "open" | "waiting" | "snoozed" | "done" },
//!        snoozed_until: { "<conversation>": ms | null },
//!        assignee:      { "<conversation>": "name" | null },
//!        priority:      { "<conversation>": 0..4 },
//!        by:            { "<conversation>": "who changed it last" },
//!        tags:          { "<conversation>\u{1f}<tag>": true } }
//! ```
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

/// The conversations whose shared state changed from `before` to the document's heads now
/// (every one in it when `before` is empty).
pub fn changed_since(doc: &Automerge, before: &[ChangeHash]) -> BTreeSet<String> {
    let conversation = |key: &str| key.split(TAG_SEP).next().unwrap_or(key).to_string();
    if before.is_empty() {
        return field_map(doc, "status")
            .map(|all| doc.keys(&all).map(|k| conversation(&k)).collect())
            .unwrap_or_default();
    }
    let after = doc.get_heads();
    let mut keys = BTreeSet::new();
    for patch in doc.diff(before, &after) {
        let in_a_field = matches!(patch.path.as_slice(),
            [(_, Prop::Map(f))] if FIELDS.contains(&f.as_str()));
        if !in_a_field {
            continue;
        }
        match patch.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                keys.insert(conversation(&key));
            }
            PatchAction::Conflict {
                prop: Prop::Map(key),
            } => {
                keys.insert(conversation(&key));
            }
            _ => {}
        }
    }
    keys
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
            changed_since(&a, &[]),
            BTreeSet::from(["k".to_string(), "other".to_string()]),
            "from nothing, every conversation is new"
        );
        let changed = changed_since(&a, &before);
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
}
