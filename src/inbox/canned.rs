//! Canned replies: a reply written once ("How to install on Windows") and inserted into many,
//! with variables filled in for the conversation it goes into. Owns: the replies, their
//! variables and how each is filled. Must never: send anything (the composer and the outbox
//! do).

use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{CannedReply, Millis, Platform};
use crate::store::{platform_col, Store};

/// The variables a canned reply may use, and what each becomes.
pub const VARIABLES: [(&str, &str); 5] = [
    (
        "first_name",
        "the first name of the member you are answering",
    ),
    ("name", "their whole name as shown"),
    ("platform", "where the conversation is (Discord, GitHub…)"),
    ("channel", "the channel, category or repository it is in"),
    (
        "my_name",
        "your name (Settings → Inbox, or `hearth canned me NAME`)",
    ),
];

/// The setting that holds the user's own name, for `{my_name}`.
pub const MY_NAME: &str = "me.name";

/// The `{variables}` in `body`, in order, each once; an unknown one is an error that names it
/// and the known ones, and a lone brace is text.
pub fn variables_in(body: &str) -> Result<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        let is_name =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_name {
            if !VARIABLES.iter().any(|(v, _)| *v == name) {
                let known: Vec<String> =
                    VARIABLES.iter().map(|(v, _)| format!("{{{v}}}")).collect();
                return Err(Error::invalid(format!(
                    "the canned reply uses {{{name}}}, which Hearth does not know: use {}",
                    known.join(", ")
                )));
            }
            if !found.iter().any(|f| f == name) {
                found.push(name.to_string());
            }
            rest = &after[close + 1..];
        } else {
            rest = after;
        }
    }
    Ok(found)
}

/// `body` with each known `{variable}` replaced by its value from `value` (braces around
/// anything else stay as written).
pub fn fill(body: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if VARIABLES.iter().any(|(v, _)| *v == &after[..close]) => {
                out.push_str(&value(&after[..close]));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first name in a name as people show it: its first word ("Ana" of "Ana Souza"), or the
/// whole of a handle-like name.
fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_string()
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CannedReply> {
    Ok(CannedReply {
        id: r.get(0)?,
        name: r.get(1)?,
        body: r.get(2)?,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

impl Store {
    /// Every canned reply, by name.
    pub fn canned_replies(&self) -> Result<Vec<CannedReply>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT id, name, body, created_at, updated_at FROM canned_replies
                 ORDER BY name COLLATE NOCASE",
            )?
            .query_map([], from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Saves a canned reply under `name`: a new one, or the one of that name (any case)
    /// rewritten. Its variables must be ones Hearth knows.
    pub fn save_canned_reply(
        &mut self,
        name: &str,
        body: &str,
        now: Millis,
    ) -> Result<CannedReply> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("a canned reply needs a name"));
        }
        if body.trim().is_empty() {
            return Err(Error::invalid(format!(
                "the canned reply '{name}' has no text"
            )));
        }
        variables_in(body)?;
        self.conn().execute(
            "INSERT INTO canned_replies (name, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (name) DO UPDATE SET name = excluded.name, body = excluded.body,
                 updated_at = excluded.updated_at",
            params![name, body, now],
        )?;
        self.conn()
            .prepare_cached(
                "SELECT id, name, body, created_at, updated_at FROM canned_replies WHERE name = ?1",
            )?
            .query_row([name], from_row)
            .map_err(Into::into)
    }

    /// Deletes a canned reply, by number or by name. Returns it as it was (for an undo).
    pub fn remove_canned_reply(&mut self, which: &str) -> Result<CannedReply> {
        let found = self.find_canned(which)?;
        self.conn()
            .execute("DELETE FROM canned_replies WHERE id = ?1", [found.id])?;
        Ok(found)
    }

    fn find_canned(&self, which: &str) -> Result<CannedReply> {
        let which = which.trim();
        let by_id = which.parse::<i64>().ok();
        self.conn()
            .prepare_cached(
                "SELECT id, name, body, created_at, updated_at FROM canned_replies
                 WHERE id = ?1 OR name = ?2",
            )?
            .query_row(params![by_id, which], from_row)
            .optional()?
            .ok_or_else(|| Error::not_found("canned reply", which))
    }

    /// The text of canned reply `which` (number or name) for conversation `conversation`, its
    /// variables filled in: the member is the author of the newest message not from the team.
    pub fn canned_reply_for(&self, which: &str, conversation: i64) -> Result<String> {
        let canned = self.find_canned(which)?;
        let (platform, channel, account): (Platform, Option<String>, String) = self
            .conn()
            .prepare_cached(
                "SELECT c.platform, coalesce(c.container, c.title), a.name
                 FROM conversations c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?1",
            )?
            .query_row([conversation], |r| {
                Ok((platform_col(r, 0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?
            .ok_or_else(|| Error::not_found("conversation", conversation))?;
        let member: Option<String> = self
            .conn()
            .prepare_cached(
                "SELECT coalesce(m.display_name, i.display_name, i.handle)
                 FROM messages g
                 JOIN identities i ON i.id = g.author_identity_id
                 LEFT JOIN members m ON m.id = i.member_id
                 WHERE g.conversation_id = ?1 AND g.from_us = 0
                 ORDER BY g.created_at DESC, g.id DESC LIMIT 1",
            )?
            .query_row([conversation], |r| r.get(0))
            .optional()?;
        let me = self.setting(MY_NAME)?.filter(|n| !n.trim().is_empty());
        let needs = variables_in(&canned.body)?;
        if needs.iter().any(|v| v == "my_name") && me.is_none() {
            return Err(Error::invalid(format!(
                "the canned reply '{}' signs with {{my_name}}: set your name first (Settings → Inbox, or `hearth canned me NAME`)",
                canned.name
            )));
        }
        let member = member.unwrap_or_default();
        Ok(fill(&canned.body, &|v| match v {
            "first_name" => first_name(&member),
            "name" => member.clone(),
            "platform" => platform.label().to_string(),
            "channel" => channel.clone().unwrap_or_else(|| account.clone()),
            "my_name" => me.clone().unwrap_or_default(),
            _ => String::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_found_once_each_and_unknown_ones_are_named() {
        assert_eq!(
            variables_in("Hi {first_name}! {first_name}, see {channel}.").unwrap(),
            ["first_name", "channel"]
        );
        assert_eq!(
            variables_in("a {not a variable} and {").unwrap(),
            Vec::<String>::new()
        );
        let err = variables_in("Hi {firstname}").unwrap_err().to_string();
        assert!(
            err.contains("{firstname}") && err.contains("{first_name}"),
            "{err}"
        );
    }

    #[test]
    fn filling_replaces_known_variables_and_leaves_other_braces() {
        let out = fill("Hi {first_name} — {json: {}} {my_name}", &|v| {
            v.to_uppercase()
        });
        assert_eq!(out, "Hi FIRST_NAME — {json: {}} MY_NAME");
    }
}
