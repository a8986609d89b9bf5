//! Someone else's recent records, remembered so they can be read again: platforms whose APIs
//! never say that a post was edited or deleted (Mastodon, Bluesky) re-read their newest ones
//! each run. Owns: one remembered record (its id, conversation and author) and a list of them
//! stored in a cursor, in the separators each platform has always written (so saved syncs
//! resume). Must never: fetch anything.

/// A record of someone else's, remembered so it can be read again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    /// The platform's id of the record (a Mastodon status id, a Bluesky post URI).
    pub id: String,
    pub conversation: String,
    pub author: String,
}

/// How a platform writes its list in a cursor: what separates records, and their fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Format {
    pub records: char,
    pub fields: char,
}

/// The records a cursor holds, in its order (incomplete records are left out).
pub(crate) fn parse(s: &str, format: Format) -> Vec<Seen> {
    s.split(format.records)
        .filter(|r| !r.trim().is_empty())
        .filter_map(|r| {
            let mut p = r.trim().split(format.fields);
            Some(Seen {
                id: p.next()?.to_string(),
                conversation: p.next()?.to_string(),
                author: p.next()?.to_string(),
            })
        })
        .collect()
}

/// The records as their cursor holds them.
pub(crate) fn write(records: &[Seen], format: Format) -> String {
    records
        .iter()
        .map(|e| [e.id.as_str(), &e.conversation, &e.author].join(&format.fields.to_string()))
        .collect::<Vec<_>>()
        .join(&format.records.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: Format = Format {
        records: ' ',
        fields: ',',
    };

    #[test]
    fn a_list_round_trips_through_its_cursor_in_its_platforms_separators() {
        let list = parse("1,c1,a  2,c1,b\n bad 3,c2,a", F);
        assert_eq!(list.len(), 3, "incomplete records are left out: {list:?}");
        assert!(list.iter().all(|e| e.id != "bad"));
        assert_eq!(parse(&write(&list, F), F), list);
        let lines = Format {
            records: '\n',
            fields: '\t',
        };
        assert_eq!(
            write(&list, lines),
            "1\tc1\ta\n2\tc1\tb\n3\tc2\ta",
            "Bluesky keeps one per line"
        );
    }
}
