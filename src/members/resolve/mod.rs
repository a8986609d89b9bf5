//! Working out who is who: one member per human. Owns: each identity's normalised keys
//! (kept by [`stored`]), automatic merges on proof (a verified email, a profile linking another
//! account), the suggestion list (`merge_suggestions`) scored by a Fellegi–Sunter model learnt
//! from the workspace's own data, and checking new or changed identities as they are ingested.
//! Must never: merge on anything weaker than proof without a person's say, or merge a pair a
//! person told apart.
//!
//! Two paths share one definition of keys, candidates and scores: the whole workspace
//! ([`Store::resolve_members`]: learns the model, recomputes every suggestion) and a few new
//! identities inside the ingest transaction ([`check_identities`]: indexed lookups only).

pub mod keys;
pub mod model;
pub mod names;
mod stored;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rusqlite::{params, Connection, OptionalExtension};

use self::keys::{IdentityFacts, Key};
use self::model::{
    compare, compare_quick, pattern, probability, Comparison, Model, Outcome, Pattern, Profile,
    Scored,
};
use self::names::{same_given, similar};
use super::merge::{self, How, Why};
use crate::error::{Error, Result};
use crate::model::{
    MemberSummary, MergeFactor, MergeSuggestion, Millis, Progress, ResolveReport, ReviewDecision,
    ReviewStep,
};
use crate::store::Store;

/// Where the learnt model is kept between runs.
const MODEL_SETTING: &str = "members.resolve_model";
/// Which rules the stored keys were worked out by; a whole run works out every identity's keys
/// again when the rules changed (2: organisation suffixes only at the end).
const KEYS_VERSION: i64 = 2;
const KEYS_VERSION_SETTING: &str = "members.keys_version";
/// A key shared by more identities than this finds no candidates: it is too common to say
/// anything alone ("alex", "maria"), and other keys still find the pair.
const BLOCK_CAP: usize = 40;
/// The probability above which a pair is suggested, by default: the review queue, its count
/// and `hearth members suggest` without `--min-score`.
pub const DEFAULT_MIN_PROBABILITY: f64 = 0.8;
/// The probability from which a pair is kept, so that a lower bar than the default
/// (`hearth members suggest --min-score 0.6`) shows the less likely ones too, each with its
/// reasons. Under the default, most pairs are two people (at 0.5–0.8 on the demo of 2,000
/// people, 7 of 10: `docs/performance.md`, "Stop 34: a lower default threshold, tried").
pub const KEPT_MIN_PROBABILITY: f64 = 0.5;

/// The keys that find candidates: (kind looked in, value).
fn lookups(keys: &[Key]) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for k in keys {
        match k.kind.as_str() {
            "email" => out.push(("email", k.value.clone())),
            "handle" => {
                out.push(("handle", k.value.clone()));
                out.push(("hname", k.value.clone()));
            }
            "hname" => out.push(("handle", k.value.clone())),
            "stem" => {
                out.push(("stem", k.value.clone()));
                // "rosakorovski66" finds "Rosa Korovski", whose name makes that handle. Not the
                // other way: a name's short forms ("anas") are held by many, and each would
                // find every "anas12" (at 100k people, 65% more pairs to weigh). A named account
                // that syncs after the numbered one is found by the next whole run.
                out.push(("hname", k.value.clone()));
            }
            "name" => out.push(("name", k.value.clone())),
            "block" => out.push(("block", k.value.clone())),
            "claim" => {
                out.push(("self", k.value.clone()));
                out.push(("claim", k.value.clone()));
            }
            "self" => out.push(("claim", k.value.clone())),
            _ => {}
        }
    }
    out
}

/// The words of an identity's name, in order, from its keys.
fn words_of(keys: &[Key]) -> Vec<String> {
    keys.iter()
        .find(|k| k.kind == "words")
        .map(|k| k.value.split(' ').map(str::to_string).collect())
        .unwrap_or_default()
}

/// Whether two identities' names say they are different people (both named, and the given
/// names neither the same, nor nicknames of one another, nor close).
fn names_conflict(a: &Profile, b: &Profile) -> bool {
    match (a.name_words.first(), b.name_words.first()) {
        (Some(x), Some(y)) => !same_given(x, y) && similar(x, y) < 0.85,
        _ => false,
    }
}

const FACTS_SQL: &str = "SELECT i.id, i.platform, i.external_id, i.handle, i.display_name,
    i.email, i.profile_url, i.raw, i.organization, i.location, i.bio
    FROM identities i";

fn facts_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, IdentityFacts)> {
    let platform: String = r.get(1)?;
    Ok((
        r.get(0)?,
        IdentityFacts {
            platform: platform.parse().ok(),
            external_id: r.get(2)?,
            handle: r.get(3)?,
            display_name: r.get(4)?,
            email: r.get(5)?,
            profile_url: r.get(6)?,
            raw: r.get(7)?,
            organization: r.get(8)?,
            location: r.get(9)?,
            bio: r.get(10)?,
            ..Default::default()
        },
    ))
}

/// Works out the keys of these identities again, from what is stored about them, and stores
/// them.
pub(crate) fn refresh_keys(conn: &Connection, identities: &[i64]) -> Result<()> {
    refresh_keys_keeping(conn, identities, |_, _| {})
}

/// [`refresh_keys`], handing each identity's keys to `keep` once stored (a bulk check keeps
/// them rather than read them back).
fn refresh_keys_keeping(
    conn: &Connection,
    identities: &[i64],
    mut keep: impl FnMut(i64, Vec<Key>),
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!("{FACTS_SQL} WHERE i.id BETWEEN ?1 AND ?2"))?;
    // a few at a time as they come (a sync's); many read first and worked out on every core
    // (an imported list's: 100k identities' keys take a second on one)
    for ids in identities.chunks(4096) {
        let mut facts = Vec::with_capacity(ids.len());
        // identities written one after another are read by one statement per run of ids
        for (first, last) in super::id_runs(ids) {
            for f in stmt.query_map([first, last], facts_from_row)? {
                facts.push(f?);
            }
        }
        let worked_out: Vec<Vec<Key>> = if facts.len() > 64 {
            on_every_core(&facts, |share| {
                share.iter().map(|(_, f)| keys::keys(f)).collect::<Vec<_>>()
            })
            .concat()
        } else {
            facts.iter().map(|(_, f)| keys::keys(f)).collect()
        };
        let batch: Vec<(i64, &[Key])> = facts
            .iter()
            .zip(&worked_out)
            .map(|((id, _), keys)| (*id, keys.as_slice()))
            .collect();
        stored::store(conn, &batch)?;
        for ((id, _), keys) in facts.iter().zip(worked_out) {
            keep(*id, keys);
        }
    }
    Ok(())
}

/// The identities whose keys were never worked out (or cannot be read).
fn without_keys(conn: &Connection) -> Result<Vec<i64>> {
    Ok(conn
        .prepare(
            "SELECT id FROM identities i
             WHERE NOT EXISTS (SELECT 1 FROM identity_keysets k
                               WHERE k.identity_id = i.id AND json_valid(k.keys))",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Makes the stored keys whole after the rows were copied in (an import of an export, a
/// recovery, an upgrade from before schema 13): the index again from each identity's hashes,
/// and keys worked out for the identities that have none.
pub(crate) fn restore_keys(conn: &Connection) -> Result<()> {
    stored::reindex(conn)?;
    refresh_keys(conn, &without_keys(conn)?)
}

/// One identity's profile and keys, if it belongs to a live member of the community.
fn load_profile(conn: &Connection, identity: i64) -> Result<Option<(Profile, Vec<Key>)>> {
    let head: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT i.member_id, i.account_id FROM identities i JOIN members m ON m.id = i.member_id
             WHERE i.id = ?1 AND m.is_team = 0 AND m.merged_into IS NULL",
        )?
        .query_row([identity], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((member, account)) = head else {
        return Ok(None);
    };
    let keys = stored::keys_of(conn, identity)?;
    let profile = Profile::from_keys(identity, member, account, words_of(&keys), &keys);
    Ok(Some((profile, keys)))
}

/// The model learnt by the last whole run, or the prior one.
fn stored_model(conn: &Connection) -> Result<Model> {
    let json: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [MODEL_SETTING],
            |r| r.get(0),
        )
        .optional()?;
    let mut model = json
        .and_then(|j| serde_json::from_str::<Model>(&j).ok())
        .unwrap_or_default();
    if model.population == 0 {
        model.population = conn.query_row("SELECT count(*) FROM identities", [], |r| r.get(0))?;
    }
    Ok(model)
}

/// How many conversations two members both wrote in (counted up to 10).
fn together(conn: &Connection, a: i64, b: i64) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM (
                 SELECT DISTINCT x.conversation_id FROM member_activity x
                 WHERE x.member_id = ?1 AND x.conversation_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM member_activity y
                               WHERE y.member_id = ?2 AND y.conversation_id = x.conversation_id)
                 LIMIT 10)",
        )?
        .query_row(params![a, b], |r| r.get(0))?)
}

/// Whether `scored` is worth a person's look: likely enough, and more than a name speaks for it.
fn worth_suggesting(s: &Scored, min_probability: f64) -> bool {
    s.probability >= min_probability && s.beyond_name
}

/// Why two identities are one person beyond doubt, if they are: a verified email they share,
/// or a verified link from one profile to the other. `holders` says how many members hold a
/// key of that kind and value (a shared inbox, a company domain: never proof).
fn proof_between(
    a: &Profile,
    a_keys: &[Key],
    b: &Profile,
    b_keys: &[Key],
    holders: &mut dyn FnMut(&str, &str) -> Result<u32>,
) -> Result<Option<(String, Vec<MergeFactor>)>> {
    // most pairs hold no proof at all: that is seen before the names are compared
    let any_proof = |keys: &[Key]| keys.iter().any(|k| k.proof);
    if !(any_proof(a_keys) || any_proof(b_keys)) || names_conflict(a, b) {
        return Ok(None);
    }
    let proven = |keys: &[Key], kind: &str, value: &str| {
        keys.iter()
            .any(|k| k.kind == kind && k.value == value && k.proof)
    };
    for k in a_keys.iter().filter(|k| k.proof) {
        let (why, factor) = match k.kind.as_str() {
            "email" if proven(b_keys, "email", &k.value) => {
                // one person on several platforms holds it several times; more than that is an
                // address a group uses (the names differing is checked above)
                if holders("email", &k.value)? > 4 {
                    continue;
                }
                (
                    format!("both accounts have the verified email {}", k.value),
                    "same verified email",
                )
            }
            "claim"
                if b_keys
                    .iter()
                    .any(|x| x.kind == "self" && x.value == k.value) =>
            {
                if holders("claim", &k.value)? > 1 || holders("self", &k.value)? > 1 {
                    continue; // a link several profiles name: a company or a project
                }
                (
                    format!("one profile links the other: {}", k.value),
                    "verified profile link",
                )
            }
            _ => continue,
        };
        return Ok(Some((
            why.clone(),
            vec![MergeFactor {
                field: "proof".into(),
                weight: 99.0,
                text: format!("{factor}: {why}"),
            }],
        )));
    }
    // the other way round: b claims a
    for k in b_keys.iter().filter(|k| k.proof && k.kind == "claim") {
        if a_keys
            .iter()
            .any(|x| x.kind == "self" && x.value == k.value)
        {
            if holders("claim", &k.value)? > 1 || holders("self", &k.value)? > 1 {
                continue;
            }
            let why = format!("one profile links the other: {}", k.value);
            return Ok(Some((
                why.clone(),
                vec![MergeFactor {
                    field: "proof".into(),
                    weight: 99.0,
                    text: format!("verified profile link: {why}"),
                }],
            )));
        }
    }
    Ok(None)
}

/// Checks identities just written by a sync, inside its transaction: works out their keys,
/// merges them on proof, and suggests the likely duplicates they make. Returns how many
/// merges it made.
pub(crate) fn check_identities(conn: &Connection, identities: &[i64], now: Millis) -> Result<u64> {
    if identities.is_empty() {
        return Ok(0);
    }
    refresh_keys(conn, identities)?;
    let mut model: Option<Model> = None;
    let mut merged = 0;
    for &id in identities {
        let Some((profile, keys)) = load_profile(conn, id)? else {
            continue;
        };
        // the candidates: identities sharing a key, unless the key is too common
        let mut candidates: Vec<i64> = Vec::new();
        for (kind, value) in lookups(&keys) {
            let found = stored::holders(conn, kind, &value, BLOCK_CAP + 1)?;
            if found.len() <= BLOCK_CAP {
                candidates.extend(found.into_iter().filter(|&c| c != id));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: HashMap<i64, Scored> = HashMap::default();
        for c in candidates {
            let Some((other, other_keys)) = load_profile(conn, c)? else {
                continue;
            };
            // the member may have changed with a merge made a moment ago
            let mine = merge::live_member(conn, profile.member_id)?;
            let theirs = other.member_id;
            if mine == theirs || merge::rejected(conn, mine, theirs)? {
                continue;
            }
            let proof = proof_between(&profile, &keys, &other, &other_keys, &mut |k, v| {
                stored::member_count(conn, k, v)
            })?;
            if let Some((reason, evidence)) = proof {
                merge_on_proof(conn, mine, theirs, reason, evidence, now)?;
                merged += 1;
                continue;
            }
            let model = match &mut model {
                Some(m) => m,
                None => model.insert(stored_model(conn)?),
            };
            let c = compare(&profile, &other, together(conn, mine, theirs)?);
            count_values(conn, model, &c)?;
            let scored = model.score(&c);
            if worth_suggesting(&scored, KEPT_MIN_PROBABILITY) {
                let slot = best.entry(theirs).or_insert_with(|| scored.clone());
                if scored.score > slot.score {
                    *slot = scored;
                }
            }
        }
        let mine = merge::live_member(conn, profile.member_id)?;
        for (theirs, scored) in best {
            let theirs = merge::live_member(conn, theirs)?;
            if theirs != mine {
                upsert_suggestion(conn, mine, theirs, &scored, now)?;
            }
        }
    }
    Ok(merged)
}

/// [`check_identities`] for many identities at once (an imported list of thousands): the
/// same keys, candidates, proof and scores, with the workspace's keys read once into memory
/// instead of looked up identity by identity, and each pair of new identities compared once.
/// `progress` is told how many of `identities` are done. Returns how many merges it made.
pub(crate) fn check_many(
    conn: &Connection,
    identities: &[i64],
    now: Millis,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64> {
    if identities.is_empty() {
        return Ok(0);
    }
    let mut fresh: HashMap<i64, Vec<Key>> = HashMap::default();
    refresh_keys_keeping(conn, identities, |id, keys| {
        fresh.insert(id, keys);
    })?;
    let (profiles, all_keys) = load_all(conn, fresh)?;
    let index = key_index(&all_keys);
    let at: HashMap<i64, usize> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.identity_id, i))
        .collect();
    let checked: HashSet<usize> = identities
        .iter()
        .filter_map(|id| at.get(id).copied())
        .collect();
    let rejected = rejected_pairs(conn)?;
    let model = Model {
        counts: counts_of(&index),
        ..stored_model(conn)?
    };
    // members merged during this run: where each went
    let mut moved: HashMap<i64, i64> = HashMap::default();
    let live = |moved: &HashMap<i64, i64>, mut m: i64| {
        while let Some(&n) = moved.get(&m) {
            m = n;
        }
        m
    };
    let member_holders = |kind: &str, value: &str| -> u32 {
        let mut members: Vec<i64> = index
            .get(&(kind, value))
            .map(|v| v.iter().map(|&i| profiles[i].member_id).collect())
            .unwrap_or_default();
        members.sort_unstable();
        members.dedup();
        members.len() as u32
    };
    // What each checked identity's candidates hold, worked out on every core (read-only: the
    // proof and the weight of a pair depend on the two profiles alone). Co-activity is left
    // out here and added below for the few pairs whose members both wrote somewhere (an
    // imported list's members never did).
    let weigh = |share: &[usize]| -> Result<Vec<Found>> {
        let mut found_all = Vec::new();
        for &i in share {
            let mut candidates: Vec<usize> = Vec::new();
            for (kind, value) in lookups(&all_keys[i]) {
                if let Some(found) = index.get(&(kind, value.as_str())) {
                    if found.len() <= BLOCK_CAP {
                        // a pair of two checked identities is compared once, from its first
                        candidates.extend(
                            found
                                .iter()
                                .copied()
                                .filter(|&j| j != i && (j > i || !checked.contains(&j))),
                        );
                    }
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            for j in candidates {
                let (a, b) = (&profiles[i], &profiles[j]);
                if a.member_id == b.member_id
                    || rejected.contains(&ordered(a.identity_id, b.identity_id))
                {
                    continue;
                }
                let proof = proof_between(a, &all_keys[i], b, &all_keys[j], &mut |k, v| {
                    Ok(member_holders(k, v))
                })?;
                found_all.push(match proof {
                    Some((reason, evidence)) => Found::Proof(i, j, reason, evidence),
                    None => {
                        let (evidence, beyond_name) = model.evidence(&compare_quick(a, b, 0));
                        Found::Weighed(i, j, evidence, beyond_name)
                    }
                });
            }
        }
        Ok(found_all)
    };
    let positions: Vec<usize> = identities
        .iter()
        .filter_map(|id| at.get(id).copied())
        .collect();
    let mut merged = 0;
    // member pair → the best pair of identities for it: (score, i, j, threads shared)
    let mut best: HashMap<(i64, i64), (f64, usize, usize, u32)> = HashMap::default();
    let mut active: HashMap<i64, bool> = HashMap::default();
    progress(0, identities.len() as u64);
    let mut done = 0;
    // in steps, for the progress bar; within a step in the order of `identities`, so a run
    // makes the same merges as checking them one by one would
    for step in positions.chunks(BULK_STEP) {
        let found = on_every_core(step, weigh)
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        for f in found.into_iter().flatten() {
            let (i, j) = match &f {
                Found::Proof(i, j, ..) | Found::Weighed(i, j, ..) => (*i, *j),
            };
            let (a, b) = (&profiles[i], &profiles[j]);
            let mine = live(&moved, a.member_id);
            let theirs = live(&moved, b.member_id);
            if mine == theirs {
                continue;
            }
            let (mut evidence, mut beyond_name) = match f {
                Found::Proof(_, _, reason, why) => {
                    if merge::rejected(conn, mine, theirs)? {
                        continue;
                    }
                    let (keep, absorb) = older_first(conn, mine, theirs)?;
                    merge_on_proof(conn, keep, absorb, reason, why, now)?;
                    moved.insert(absorb, keep);
                    merged += 1;
                    continue;
                }
                Found::Weighed(_, _, evidence, beyond_name) => (evidence, beyond_name),
            };
            // co-activity, only for members that wrote somewhere
            let mut wrote = |m: i64| -> Result<bool> {
                if let Some(&w) = active.get(&m) {
                    return Ok(w);
                }
                let w: bool = conn
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM member_activity WHERE member_id = ?1)",
                    )?
                    .query_row([m], |r| r.get(0))?;
                active.insert(m, w);
                Ok(w)
            };
            let shared = if wrote(mine)? && wrote(theirs)? {
                together(conn, mine, theirs)?
            } else {
                0
            };
            if shared > 0 {
                (evidence, beyond_name) = model.evidence(&compare_quick(a, b, shared));
            }
            let score = model.prior() + evidence;
            if beyond_name && probability(score) >= KEPT_MIN_PROBABILITY {
                let slot = best
                    .entry(ordered(mine, theirs))
                    .or_insert((score, i, j, shared));
                if score > slot.0 {
                    *slot = (score, i, j, shared);
                }
            }
        }
        done += step.len() as u64;
        progress(done, identities.len() as u64);
    }
    for ((a, b), (_, i, j, shared)) in best {
        let (a, b) = (live(&moved, a), live(&moved, b));
        if a != b && !merge::rejected(conn, a, b)? {
            let scored = model.score(&compare(&profiles[i], &profiles[j], shared));
            upsert_suggestion(conn, a, b, &scored, now)?;
        }
    }
    progress(identities.len() as u64, identities.len() as u64);
    Ok(merged)
}

/// What a checked identity and one of its candidates hold: proof that they are one person, or
/// the weight of the evidence (without co-activity) and whether more than a name speaks for it.
enum Found {
    Proof(usize, usize, String, Vec<MergeFactor>),
    Weighed(usize, usize, f64, bool),
}

/// Identities weighed on every core between two reports of progress, in a bulk check.
const BULK_STEP: usize = 8192;

/// Fills in how common each matched value is, for the frequency adjustment.
fn count_values(conn: &Connection, model: &mut Model, c: &Comparison) -> Result<()> {
    for (kind, value) in c.iter().flat_map(Outcome::counted) {
        if model.count(kind, value).is_none() {
            model.set_count(kind, value, stored::count(conn, kind, value)?);
        }
    }
    Ok(())
}

/// Merges two members a platform proved to be one person; the one seen first is kept.
fn merge_on_proof(
    conn: &Connection,
    a: i64,
    b: i64,
    reason: String,
    evidence: Vec<MergeFactor>,
    now: Millis,
) -> Result<i64> {
    let (keep, absorb) = older_first(conn, a, b)?;
    merge::merge_in(
        conn,
        keep,
        absorb,
        &Why {
            how: How::Proof,
            decided_by: "Hearth".into(),
            reason,
            evidence,
            score: None,
        },
        now,
    )
}

/// The member seen first is kept (its id is the one people have seen longest).
fn older_first(conn: &Connection, a: i64, b: i64) -> Result<(i64, i64)> {
    let first = |id: i64| -> Result<(Option<Millis>, i64)> {
        Ok(conn.query_row(
            "SELECT first_seen_at, id FROM members WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    };
    let (fa, fb) = (first(a)?, first(b)?);
    let key = |f: (Option<Millis>, i64)| (f.0.unwrap_or(Millis::MAX), f.1);
    Ok(if key(fa) <= key(fb) { (a, b) } else { (b, a) })
}

fn upsert_suggestion(conn: &Connection, a: i64, b: i64, s: &Scored, now: Millis) -> Result<()> {
    let (a, b) = (a.min(b), a.max(b));
    let reasons = serde_json::to_string(&s.factors)
        .map_err(|e| Error::invalid(format!("cannot record a suggestion: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO merge_suggestions (member_a, member_b, score, probability, reasons, computed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (member_a, member_b) DO UPDATE SET
             score = excluded.score, probability = excluded.probability,
             reasons = excluded.reasons, computed_at = excluded.computed_at",
    )?
    .execute(params![a, b, s.score, s.probability, reasons, now])?;
    Ok(())
}

/// Which identities (by their place in `all_keys`) hold each (kind, value).
fn key_index(all_keys: &[Vec<Key>]) -> HashMap<(&str, &str), Vec<usize>> {
    let mut index: HashMap<(&str, &str), Vec<usize>> = HashMap::default();
    for (i, keys) in all_keys.iter().enumerate() {
        for k in keys {
            index
                .entry((k.kind.as_str(), k.value.as_str()))
                .or_default()
                .push(i);
        }
    }
    index
}

/// How many identities hold each value (kind → value → identities), for the frequency
/// adjustment.
fn counts_of(index: &HashMap<(&str, &str), Vec<usize>>) -> HashMap<String, HashMap<String, u32>> {
    let mut counts: HashMap<String, HashMap<String, u32>> = HashMap::default();
    for (&(kind, value), held) in index {
        if !counts.contains_key(kind) {
            counts.insert(kind.to_string(), HashMap::default());
        }
        if let Some(values) = counts.get_mut(kind) {
            values.insert(value.to_string(), held.len() as u32);
        }
    }
    counts
}

/// `work` over `items` on every core (at most eight), each core a contiguous share, the
/// results in the order of the shares: the same result on any machine.
fn on_every_core<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunk = items.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|share| scope.spawn(|| work(share)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Union–find over profile indexes, for proof merges in the whole-workspace run.
struct Groups(Vec<usize>);

impl Groups {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
}

impl Store {
    /// Works out who is who across the whole workspace: keys for identities that have none,
    /// merges on proof, learns the model from the workspace's own data and recomputes every
    /// suggestion. `progress` is called as it goes.
    pub fn resolve_members(
        &mut self,
        now: Millis,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ResolveReport> {
        let tx = self.conn_mut().transaction()?;
        let mut report = ResolveReport::default();
        let mut step = |phase: &str, done: u64, total: u64| {
            progress(&Progress {
                phase: phase.to_string(),
                done,
                total,
            })
        };

        // --- keys for identities that have none yet (after an upgrade or an import) -------------
        let version: i64 = tx
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [KEYS_VERSION_SETTING],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        if version < KEYS_VERSION {
            // (an empty table has nothing to redo)
            stored::forget_all(&tx)?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![KEYS_VERSION_SETTING, KEYS_VERSION.to_string()],
            )?;
        }
        let missing = without_keys(&tx)?;
        for (n, chunk) in missing.chunks(2000).enumerate() {
            refresh_keys(&tx, chunk)?;
            step(
                "Reading profiles",
                (n * 2000 + chunk.len()) as u64,
                missing.len() as u64,
            );
        }

        // --- organisations for members who have none yet (a bulk load, an import) ----------
        let unsettled: Vec<i64> = tx
            .prepare(
                "SELECT id FROM members WHERE organization_id IS NULL
                 AND organization_set_by IS NULL AND merged_into IS NULL",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        step("Finding organisations", 0, unsettled.len() as u64);
        crate::members::organizations::settle_in(&tx, &unsettled, now)?;

        // --- every live identity of the community, with its keys --------------------------------
        step("Reading every identity", 0, 1);
        let (mut profiles, all_keys) = load_all(&tx, HashMap::default())?;
        report.identities = profiles.len() as u64;
        let index = key_index(&all_keys);
        let counts = counts_of(&index);
        step("Finding candidates", 0, profiles.len() as u64);

        // --- candidate pairs, by blocking ---------------------------------------------------
        let positions: Vec<usize> = (0..profiles.len()).collect();
        let mut pairs: Vec<(u32, u32)> = on_every_core(&positions, |share| {
            let mut pairs: Vec<(u32, u32)> = Vec::new();
            for &i in share {
                let p = &profiles[i];
                for (kind, value) in lookups(&all_keys[i]) {
                    let Some(found) = index.get(&(kind, value.as_str())) else {
                        continue;
                    };
                    if found.len() > BLOCK_CAP {
                        continue;
                    }
                    // (a key too common on one side may not be on the other: both sides
                    // look, and the duplicates go below)
                    for &j in found {
                        if j != i && profiles[j].member_id != p.member_id {
                            pairs.push((i.min(j) as u32, i.max(j) as u32));
                        }
                    }
                }
            }
            pairs
        })
        .concat();
        pairs.sort_unstable();
        pairs.dedup();
        report.candidate_pairs = pairs.len() as u64;
        let rejected = rejected_pairs(&tx)?;

        // --- merges on proof ----------------------------------------------------------------
        let member_holders = |kind: &str, value: &str, profiles: &[Profile]| -> u32 {
            let mut members: Vec<i64> = index
                .get(&(kind, value))
                .map(|v| v.iter().map(|&i| profiles[i].member_id).collect())
                .unwrap_or_default();
            members.sort_unstable();
            members.dedup();
            members.len() as u32
        };
        let mut groups = Groups((0..profiles.len()).collect());
        let proofs: Vec<(usize, usize, String, Vec<MergeFactor>)> =
            on_every_core(&pairs, |share| -> Result<Vec<_>> {
                let mut proofs = Vec::new();
                for &(i, j) in share {
                    let (i, j) = (i as usize, j as usize);
                    if rejected.contains(&ordered(profiles[i].identity_id, profiles[j].identity_id))
                    {
                        continue;
                    }
                    let proof = proof_between(
                        &profiles[i],
                        &all_keys[i],
                        &profiles[j],
                        &all_keys[j],
                        &mut |k, v| Ok(member_holders(k, v, &profiles)),
                    )?;
                    if let Some((reason, evidence)) = proof {
                        proofs.push((i, j, reason, evidence));
                    }
                }
                Ok(proofs)
            })
            .into_iter()
            .collect::<Result<Vec<_>>>()?
            .concat();
        for (i, j, reason, evidence) in proofs {
            let (gi, gj) = (groups.find(i), groups.find(j));
            if gi == gj {
                continue;
            }
            let a = merge::live_member(&tx, profiles[i].member_id)?;
            let b = merge::live_member(&tx, profiles[j].member_id)?;
            if a == b || merge::rejected(&tx, a, b)? {
                continue;
            }
            merge_on_proof(&tx, a, b, reason, evidence, now)?;
            groups.0[gj] = gi;
            report.merged_on_proof += 1;
        }
        if report.merged_on_proof > 0 {
            for p in &mut profiles {
                p.member_id = merge::live_member(&tx, p.member_id)?;
            }
        }

        // --- random pairs (almost all two people), to learn how often things agree by chance --
        let mut rng = fastrand::Rng::with_seed(0x4845_4152_5448);
        let n = profiles.len();
        let random_pairs: Vec<(usize, usize)> = if n > 100 {
            (0..50_000.min(n * 20))
                .map(|_| (rng.usize(..n), rng.usize(..n)))
                .filter(|&(i, j)| profiles[i].member_id != profiles[j].member_id)
                .collect()
        } else {
            Vec::new()
        };

        // --- co-activity of the members in candidate and random pairs ------------------------
        let mut wanted: HashSet<i64> = HashSet::default();
        for &(i, j) in &pairs {
            wanted.insert(profiles[i as usize].member_id);
            wanted.insert(profiles[j as usize].member_id);
        }
        for &(i, j) in &random_pairs {
            wanted.insert(profiles[i].member_id);
            wanted.insert(profiles[j].member_id);
        }
        let conversations = conversations_of(&tx, &wanted)?;
        let shared = |a: i64, b: i64| -> u32 {
            match (conversations.get(&a), conversations.get(&b)) {
                (Some(x), Some(y)) => {
                    let (small, large) = if x.len() <= y.len() { (x, y) } else { (y, x) };
                    small
                        .iter()
                        .filter(|c| large.binary_search(c).is_ok())
                        .count() as u32
                }
                _ => 0,
            }
        };

        // --- learn: u from random pairs, m from known pairs, the match share by EM ----------
        step("Learning from the workspace", 0, 1);
        let mut model = Model {
            counts,
            population: profiles.len() as u32,
            ..Model::default()
        };
        let random: Vec<Comparison> = random_pairs
            .iter()
            .map(|&(i, j)| {
                let (a, b) = (&profiles[i], &profiles[j]);
                compare_quick(a, b, shared(a.member_id, b.member_id))
            })
            .collect();
        model.learn_u(&random);
        // pairs known to be one person: the identities each member already holds
        let mut by_member: HashMap<i64, Vec<usize>> = HashMap::default();
        for (i, p) in profiles.iter().enumerate() {
            by_member.entry(p.member_id).or_default().push(i);
        }
        let mut known: Vec<Comparison> = Vec::new();
        let mut groups: Vec<Vec<Profile>> = Vec::new();
        for idx in by_member.values().filter(|v| v.len() > 1) {
            // compared without the email most were merged on (see `Profile::without_email`)
            let held: Vec<Profile> = idx
                .iter()
                .take(6)
                .map(|&i| profiles[i].without_email())
                .collect();
            for (k, a) in held.iter().enumerate() {
                for b in &held[k + 1..] {
                    known.push(compare_quick(a, b, 2));
                }
            }
            groups.push(held);
        }
        model.learn_m(&known);
        model.learn_m_numbered(groups.iter().flat_map(|held| {
            held.iter()
                .enumerate()
                .flat_map(move |(k, a)| held[k + 1..].iter().map(move |b| (a, b)))
        }));
        // every candidate pair compared once: its outcomes (to learn the share of matches by)
        // and the weight of its evidence are kept, not the comparison (1.7M comparisons
        // would hold gigabytes)
        // (on every core: each compares a share of the pairs, read-only; the shares are put
        // together in order, so a run's result does not depend on the cores)
        let weigh = |share: &[(u32, u32)]| {
            let mut patterns: HashMap<Pattern, f64> = HashMap::default();
            let mut weighed: Vec<(u32, u32, f64)> = Vec::new();
            for &(i, j) in share {
                let (a, b) = (&profiles[i as usize], &profiles[j as usize]);
                if a.member_id == b.member_id {
                    continue;
                }
                let c = compare_quick(a, b, shared(a.member_id, b.member_id));
                *patterns.entry(pattern(&c)).or_default() += 1.0;
                let (evidence, beyond_name) = model.evidence(&c);
                if beyond_name {
                    weighed.push((i, j, evidence));
                }
            }
            (patterns, weighed)
        };
        let shares = on_every_core(&pairs, weigh);
        let mut patterns: HashMap<Pattern, f64> = HashMap::default();
        let mut weighed: Vec<(u32, u32, f64)> = Vec::with_capacity(pairs.len() / 8);
        for (p, w) in shares {
            for (k, n) in p {
                *patterns.entry(k).or_default() += n;
            }
            weighed.extend(w);
        }
        let n = profiles.len() as f64;
        model.learn_lambda(&patterns, n * (n - 1.0) / 2.0);
        let json = serde_json::to_string(&model)
            .map_err(|e| Error::invalid(format!("cannot keep the model: {e}")))?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![MODEL_SETTING, json],
        )?;

        // --- score, keep the best pair of identities per pair of members --------------------
        step("Scoring candidates", 0, weighed.len() as u64);
        let prior = model.prior();
        let mut best: HashMap<(i64, i64), (f64, usize, usize)> = HashMap::default();
        for &(i, j, evidence) in &weighed {
            let (i, j) = (i as usize, j as usize);
            let (a, b) = (&profiles[i], &profiles[j]);
            let score = prior + evidence;
            if probability(score) < KEPT_MIN_PROBABILITY
                || rejected.contains(&ordered(a.identity_id, b.identity_id))
            {
                continue;
            }
            let key = ordered(a.member_id, b.member_id);
            match best.get(&key) {
                Some(&(s, _, _)) if s >= score => {}
                _ => {
                    best.insert(key, (score, i, j));
                }
            }
        }
        // a member pair with any rejected identity pair is never suggested
        let mut keep_rows: Vec<((i64, i64), Scored)> = Vec::new();
        for (key, (_, i, j)) in best {
            // (no rejection at all: none to look for)
            if rejected.is_empty() || !merge::rejected(&tx, key.0, key.1)? {
                // the pair kept, compared again with its reasons in words
                let (a, b) = (&profiles[i], &profiles[j]);
                let explained = compare(a, b, shared(a.member_id, b.member_id));
                keep_rows.push((key, model.score(&explained)));
            }
        }
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS fresh_suggestions (a INTEGER, b INTEGER, PRIMARY KEY (a, b))",
            [],
        )?;
        tx.execute("DELETE FROM temp.fresh_suggestions", [])?;
        for ((a, b), scored) in &keep_rows {
            upsert_suggestion(&tx, *a, *b, scored, now)?;
            tx.prepare_cached(
                "INSERT OR IGNORE INTO temp.fresh_suggestions (a, b) VALUES (?1, ?2)",
            )?
            .execute(params![a, b])?;
        }
        tx.execute(
            "DELETE FROM merge_suggestions WHERE NOT EXISTS (
                 SELECT 1 FROM temp.fresh_suggestions f WHERE f.a = member_a AND f.b = member_b)",
            [],
        )?;
        tx.execute("DROP TABLE temp.fresh_suggestions", [])?;
        // what the review queue shows: the pairs at the default bar and up
        report.suggestions = keep_rows
            .iter()
            .filter(|(_, scored)| scored.probability >= DEFAULT_MIN_PROBABILITY)
            .count() as u64;
        tx.commit()?;
        step("Done", 1, 1);
        Ok(report)
    }

    /// Possible duplicates, most likely first (skipped ones last).
    pub fn merge_suggestions(
        &self,
        min_probability: f64,
        limit: u32,
    ) -> Result<Vec<MergeSuggestion>> {
        let conn = self.conn();
        let rows: Vec<(i64, i64, f64, f64, String, bool)> = conn
            .prepare_cached(
                "SELECT member_a, member_b, score, probability, reasons, skipped_at IS NOT NULL
                 FROM merge_suggestions WHERE probability >= ?1
                 ORDER BY skipped_at IS NOT NULL, score DESC, member_a, member_b LIMIT ?2",
            )?
            .query_map(params![min_probability, limit], |r| r.try_into())?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (a, b, score, probability, reasons, skipped) in rows {
            out.push(MergeSuggestion {
                a: self.member_summary(a)?,
                b: self.member_summary(b)?,
                score: (score * 10.0).round() / 10.0,
                probability,
                reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                skipped,
            });
        }
        Ok(out)
    }

    /// How many possible duplicates wait for a look.
    pub fn merge_suggestion_count(&self) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM merge_suggestions WHERE probability >= ?1",
            [DEFAULT_MIN_PROBABILITY],
            |r| r.get(0),
        )?)
    }

    /// Accepts the suggestion that `a` and `b` are one person: merges them with its reasons.
    pub fn accept_suggestion(
        &mut self,
        a: i64,
        b: i64,
        decided_by: &str,
        now: Millis,
    ) -> Result<i64> {
        let step = self.review_suggestion(a, b, ReviewDecision::Accept, decided_by, now)?;
        step.merge_id
            .ok_or_else(|| Error::invalid("accepting the suggestion made no merge"))
    }

    /// Puts a suggestion after the others, to look at later.
    pub fn skip_suggestion(&mut self, a: i64, b: i64, now: Millis) -> Result<()> {
        self.review_suggestion(a, b, ReviewDecision::Skip, "", now)
            .map(drop)
    }

    /// Decides about the suggestion that `a` and `b` are one person: accept merges them with
    /// its reasons, reject tells them apart for good, skip puts it after the others. Returns
    /// what [`Store::undo_review`] needs to put everything back.
    pub fn review_suggestion(
        &mut self,
        a: i64,
        b: i64,
        decision: ReviewDecision,
        decided_by: &str,
        now: Millis,
    ) -> Result<ReviewStep> {
        let tx = self.conn_mut().transaction()?;
        let (a, b) = ordered(merge::live_member(&tx, a)?, merge::live_member(&tx, b)?);
        let row: Option<(f64, f64, String, Millis, Option<Millis>)> = tx
            .query_row(
                "SELECT score, probability, reasons, computed_at, skipped_at FROM merge_suggestions
                 WHERE member_a = ?1 AND member_b = ?2",
                params![a, b],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (score, probability, reasons, computed_at, skipped_at) = row.ok_or_else(|| {
            Error::invalid(format!(
                "members {a} and {b} are not suggested as one person (any more)"
            ))
        })?;
        let reasons: Vec<MergeFactor> = serde_json::from_str(&reasons).unwrap_or_default();
        let mut merge_id = None;
        match decision {
            ReviewDecision::Accept => {
                let reason = reasons
                    .iter()
                    .filter(|f| f.weight > 0.0 && f.field != "prior")
                    .map(|f| f.text.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                let (keep, absorb) = older_first(&tx, a, b)?;
                let why = Why {
                    how: How::Accepted,
                    decided_by: decided_by.to_string(),
                    reason,
                    evidence: reasons.clone(),
                    score: Some(score),
                };
                merge_id = Some(merge::merge_in(&tx, keep, absorb, &why, now)?);
            }
            ReviewDecision::Reject => merge::reject_in(&tx, a, b, now)?,
            ReviewDecision::Skip => {
                tx.execute(
                    "UPDATE merge_suggestions SET skipped_at = ?3 WHERE member_a = ?1 AND member_b = ?2",
                    params![a, b, now],
                )?;
            }
        }
        tx.commit()?;
        Ok(ReviewStep {
            decision,
            a,
            b,
            merge_id,
            at: now,
            score,
            probability,
            reasons,
            computed_at,
            skipped_at,
        })
    }

    /// Undoes a decision made in review: the merge an accept made is undone, the pair a
    /// reject told apart may be suggested again, and the suggestion is back as it was.
    pub fn undo_review(&mut self, step: &ReviewStep, now: Millis) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let mut told_apart_at = step.at;
        if let Some(merge_id) = step.merge_id {
            merge::unmerge_in(&tx, merge_id, now)?;
            told_apart_at = now;
        }
        let (a, b) = ordered(
            merge::live_member(&tx, step.a)?,
            merge::live_member(&tx, step.b)?,
        );
        if a == b {
            return Err(Error::invalid(format!(
                "members {a} and {b} have been merged since; undo that merge in their history"
            )));
        }
        if step.decision != ReviewDecision::Skip {
            // only what this decision (or the unmerge just now) wrote: older rejections stay
            tx.execute(
                "DELETE FROM merge_rejections WHERE rejected_at = ?3 AND (
                     (identity_a IN (SELECT id FROM identities WHERE member_id = ?1)
                      AND identity_b IN (SELECT id FROM identities WHERE member_id = ?2))
                  OR (identity_a IN (SELECT id FROM identities WHERE member_id = ?2)
                      AND identity_b IN (SELECT id FROM identities WHERE member_id = ?1)))",
                params![a, b, told_apart_at],
            )?;
        }
        let reasons = serde_json::to_string(&step.reasons)
            .map_err(|e| Error::invalid(format!("cannot record a suggestion: {e}")))?;
        tx.execute(
            "INSERT INTO merge_suggestions
                 (member_a, member_b, score, probability, reasons, computed_at, skipped_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (member_a, member_b) DO UPDATE SET
                 score = excluded.score, probability = excluded.probability,
                 reasons = excluded.reasons, computed_at = excluded.computed_at,
                 skipped_at = excluded.skipped_at",
            params![
                a,
                b,
                step.score,
                step.probability,
                reasons,
                step.computed_at,
                step.skipped_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// How likely members `a` and `b` are one person, and why, whether or not that is enough
    /// for a suggestion: their closest pair of identities, scored by the workspace's model
    /// (`None` when they have no identity to compare). For a person about to merge two members
    /// by hand, and for looking into a pair Hearth did not suggest.
    pub fn explain_pair(&self, a: i64, b: i64) -> Result<Option<MergeSuggestion>> {
        let conn = self.conn();
        let (a, b) = (merge::live_member(conn, a)?, merge::live_member(conn, b)?);
        let identities = |m: i64| -> Result<Vec<(Profile, Vec<Key>)>> {
            let ids: Vec<i64> = conn
                .prepare_cached("SELECT id FROM identities WHERE member_id = ?1 ORDER BY id")?
                .query_map([m], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::new();
            for id in ids {
                out.extend(load_profile(conn, id)?);
            }
            Ok(out)
        };
        let (xs, ys) = (identities(a)?, identities(b)?);
        let mut model = stored_model(conn)?;
        let shared_threads = together(conn, a, b)?;
        let mut best: Option<Scored> = None;
        for (x, _) in &xs {
            for (y, _) in &ys {
                let c = compare(x, y, shared_threads);
                count_values(conn, &mut model, &c)?;
                let scored = model.score(&c);
                if best.as_ref().is_none_or(|b| scored.score > b.score) {
                    best = Some(scored);
                }
            }
        }
        let Some(best) = best else {
            return Ok(None);
        };
        Ok(Some(MergeSuggestion {
            a: self.member_summary(a)?,
            b: self.member_summary(b)?,
            score: (best.score * 10.0).round() / 10.0,
            probability: best.probability,
            reasons: best.factors,
            skipped: false,
        }))
    }

    /// One member as the list shows them.
    pub fn member_summary(&self, id: i64) -> Result<MemberSummary> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {} FROM members m WHERE m.id = ?1",
                super::SUMMARY_COLUMNS
            ))?
            .query_row([id], super::summary_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found("member", id))
    }
}

fn ordered(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

fn rejected_pairs(conn: &Connection) -> Result<HashSet<(i64, i64)>> {
    Ok(conn
        .prepare("SELECT identity_a, identity_b FROM merge_rejections")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Every live identity of the community (not the team's) with its profile and keys: the keys
/// of `fresh` as given (worked out a moment ago), the others read.
fn load_all(
    conn: &Connection,
    mut fresh: HashMap<i64, Vec<Key>>,
) -> Result<(Vec<Profile>, Vec<Vec<Key>>)> {
    // the live identities first, then every identity's keys in the table's own order: no join
    // to sort by; the keys are decoded on every core
    let live: HashMap<i64, (i64, i64)> = conn
        .prepare(
            "SELECT i.id, i.member_id, i.account_id FROM identities i
             JOIN members m ON m.id = i.member_id
             WHERE m.is_team = 0 AND m.merged_into IS NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare("SELECT identity_id, keys FROM identity_keysets")?;
    let mut rows = stmt.query([])?;
    // (identity, member, account, its keys if they are to be read)
    let mut held: Vec<(i64, i64, i64, Option<String>)> = Vec::with_capacity(live.len());
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        // not a team account's, nor one merged away
        if let Some(&(member, account)) = live.get(&id) {
            let json = if fresh.contains_key(&id) {
                None
            } else {
                Some(r.get(1)?)
            };
            held.push((id, member, account, json));
        }
    }
    let decoded: Vec<Vec<Key>> = on_every_core(&held, |share| {
        share
            .iter()
            .map(|(id, _, _, json)| match json {
                Some(json) => stored::decode(*id, json),
                None => Ok(Vec::new()),
            })
            .collect::<Result<Vec<_>>>()
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?
    .concat();
    let mut profiles = Vec::with_capacity(held.len());
    let mut all_keys: Vec<Vec<Key>> = Vec::with_capacity(held.len());
    for ((id, member, account, _), read) in held.iter().zip(decoded) {
        let keys = fresh.remove(id).unwrap_or(read);
        // an identity with no keys (a placeholder account) is nobody's candidate
        if !keys.is_empty() {
            profiles.push(Profile::from_keys(
                *id,
                *member,
                *account,
                words_of(&keys),
                &keys,
            ));
            all_keys.push(keys);
        }
    }
    Ok((profiles, all_keys))
}

/// The conversations each of `members` wrote in, sorted.
fn conversations_of(conn: &Connection, members: &HashSet<i64>) -> Result<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::default();
    let mut stmt = conn.prepare(
        "SELECT DISTINCT member_id, conversation_id FROM member_activity
         WHERE conversation_id IS NOT NULL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let member: i64 = r.get(0)?;
        if members.contains(&member) {
            out.entry(member).or_default().push(r.get(1)?);
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    Ok(out)
}
