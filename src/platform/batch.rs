//! What one page of a sync (or one slice of the demo) brings in, as connectors translate it:
//! identities, conversations, messages, and records set aside. Plain data: the store's
//! [`crate::ingest`] writes it. Must never: depend on the store.

use crate::model::{ConversationKind, Millis};

/// A platform account as a connector saw it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncomingIdentity {
    pub external_id: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub profile_url: Option<String>,
    pub avatar_url: Option<String>,
    pub organization: Option<String>,
    pub bio: Option<String>,
    pub location: Option<String>,
    /// The platform's own payload, kept as evidence for merging later.
    pub raw: Option<String>,
    /// When the person joined or was first seen, if the platform says.
    pub joined_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncomingConversation {
    pub external_id: String,
    pub kind: ConversationKind,
    pub title: Option<String>,
    pub container: Option<String>,
    pub url: Option<String>,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncomingMessage {
    pub conversation_external_id: String,
    pub external_id: String,
    pub author_external_id: String,
    /// Plain text. When empty and `html` is given, the text is derived from the HTML.
    pub text: String,
    /// HTML exactly as the platform sent it; sanitised here before it is stored.
    pub html: Option<String>,
    pub created_at: Millis,
    pub edited_at: Option<Millis>,
    pub deleted_at: Option<Millis>,
    pub reply_to_external_id: Option<String>,
    pub url: Option<String>,
    pub mentions_us: bool,
}

/// A record a connector could not read (an unexpected shape, an absurd size): kept aside with
/// its payload instead of failing its page on every run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quarantined {
    /// What it was meant to be: `message`, `member`, `topic`…
    pub kind: String,
    /// The platform's id of the record, when it could be read.
    pub external_id: Option<String>,
    /// Why it could not be read, in words.
    pub reason: String,
    /// The record exactly as the platform sent it (cut at 1 MB).
    pub raw: String,
    /// Where it came from (a channel, a room, a topic), for reading it again.
    pub context: Option<String>,
}

/// Everything one page of a sync (or one slice of the demo) brings in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub identities: Vec<IncomingIdentity>,
    pub conversations: Vec<IncomingConversation>,
    pub messages: Vec<IncomingMessage>,
    pub quarantined: Vec<Quarantined>,
}
