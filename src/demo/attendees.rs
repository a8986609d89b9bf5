//! The demo's attendee list: who signed up for the "Lumen Meetup", as an event tool exports
//! it (UTF-8 with a BOM, one row per attendee, a T-shirt size and dietary needs). Some are
//! people of the community who registered with the address they use there, some with another
//! address, and some are new. Owns: writing that file from a demo database, and which person
//! each row is (the ground truth `hearth import members` is measured against). Must never:
//! write to the database.

use rusqlite::params;

use super::{content, pick, rare_family_name, Truth};
use crate::error::{Error, Result};
use crate::members::import::row_key;
use crate::members::resolve::names::{fold, is_placeholder};
use crate::store::Store;

/// Who a row of the attendee list is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attendee {
    /// A person of the community, with the email one of their accounts shows.
    SameEmail {
        account_id: i64,
        external_id: String,
    },
    /// A person of the community who registered with another address.
    OtherEmail {
        account_id: i64,
        external_id: String,
    },
    /// Someone new to the community.
    New,
}

/// The attendee list as a file, and who each of its rows is.
#[derive(Debug, Clone)]
pub struct AttendeeList {
    /// The file's bytes (UTF-8 with a BOM).
    pub csv: Vec<u8>,
    /// The rows, in order: the key the import gives each row (`row_key`), and who it is.
    pub rows: Vec<(String, Attendee)>,
}

/// A community identity as an attendee row is made from it: account, platform id, name,
/// email, organisation, place.
type Seen = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The name of the file `hearth demo` writes beside the database, and of its list.
pub const FILE_NAME: &str = "lumen-meetup-attendees.csv";
pub const LIST_NAME: &str = "Lumen Meetup";

/// An attendee list for the demo community in `store`: about one person in five signed up,
/// half of them with the address they use in the community, a fifth with another one, and as
/// many again who are new. Same database and seed, same file.
pub fn attendee_list(store: &Store, seed: u64) -> Result<AttendeeList> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x4d45_4554_5550);
    let community: Vec<Seen> = store
        .conn()
        .prepare(
            "SELECT i.account_id, i.external_id, i.display_name, i.email, i.organization,
                        i.location
                 FROM identities i JOIN accounts a ON a.id = i.account_id
                 JOIN members m ON m.id = i.member_id
                 WHERE a.demo = 1 AND m.is_team = 0 AND i.display_name IS NOT NULL
                 ORDER BY i.id",
        )?
        .query_map(params![], |r| r.try_into())?
        .collect::<rusqlite::Result<_>>()?;
    if community.is_empty() {
        return Err(Error::invalid(
            "there is no demo community here to make an attendee list for (run `hearth demo`)",
        ));
    }
    let wanted = (community.len() / 5).clamp(20, 2000);
    let personal = |e: &Option<String>| {
        e.as_deref()
            .is_some_and(|e| !e.contains("family@") && !e.starts_with("team@"))
    };
    let everyone: Vec<usize> = (0..community.len()).collect();
    let with_address: Vec<usize> = (0..community.len())
        .filter(|&i| personal(&community[i].3))
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::invalid(format!("cannot write the attendee list: {e}"));
    out.write_record([
        "Name",
        "Email",
        "Company",
        "City",
        "T-shirt size",
        "Dietary needs",
    ])
    .map_err(csv_err)?;
    let mut rows: Vec<(String, Attendee)> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let mut tries = 0;
    while rows.len() < wanted && tries < wanted * 20 {
        tries += 1;
        let shirt = *pick(&mut rng, &["S", "M", "L", "XL"]);
        let diet = *pick(&mut rng, &["", "", "", "vegetarian", "vegan", "no nuts"]);
        let roll = rng.u8(..10);
        let (name, email, company, city, who) = if roll < 7 {
            // half of all rows registered with the address an account of theirs shows: those
            // are drawn from the people who show one
            let pool: &[usize] = if roll < 5 && !with_address.is_empty() {
                &with_address
            } else {
                &everyone
            };
            let (account_id, external_id, name, email, org, place) =
                community[pool[rng.usize(..pool.len())]].clone();
            // shared family and team inboxes say nothing of which person registered
            let personal = email
                .as_deref()
                .filter(|e| !e.contains("family@") && !e.starts_with("team@"));
            if is_placeholder(&name) {
                continue;
            }
            match personal {
                Some(e) if roll < 5 => {
                    // as people type their address into a form: case and spaces vary
                    let typed = if rng.bool() {
                        e.to_string()
                    } else {
                        format!(" {} ", e.to_uppercase())
                    };
                    (
                        name,
                        typed,
                        org,
                        place,
                        Attendee::SameEmail {
                            account_id,
                            external_id,
                        },
                    )
                }
                _ => {
                    let local = fold(&name).replace(' ', "");
                    if local.is_empty() {
                        continue;
                    }
                    (
                        name,
                        format!("{local}.{}@fastmail.example", rng.u16(..10_000)),
                        org,
                        place,
                        Attendee::OtherEmail {
                            account_id,
                            external_id,
                        },
                    )
                }
            }
        } else {
            let first = *pick(&mut rng, content::FIRST_NAMES);
            let last = rare_family_name(&mut rng);
            let email = format!(
                "{}.{}{}@attendee.example",
                first.to_lowercase(),
                last.to_lowercase(),
                rng.u16(..1000)
            );
            (
                format!("{first} {last}"),
                email,
                None,
                Some(pick(&mut rng, &["Berlin", "São Paulo", "Kraków", "Lisbon"]).to_string()),
                Attendee::New,
            )
        };
        let Some(key) = row_key(Some(&email), Some(&name)) else {
            continue;
        };
        // one row per person and per address, as an event tool keeps them
        let person_key = match &who {
            Attendee::SameEmail {
                account_id,
                external_id,
            }
            | Attendee::OtherEmail {
                account_id,
                external_id,
            } => format!("{account_id}/{external_id}"),
            Attendee::New => format!("new/{key}"),
        };
        if !taken.insert(key.clone()) || !taken.insert(person_key) {
            continue;
        }
        out.write_record([
            name.as_str(),
            email.as_str(),
            company.as_deref().unwrap_or(""),
            city.as_deref().unwrap_or(""),
            shirt,
            diet,
        ])
        .map_err(csv_err)?;
        rows.push((key, who));
    }
    let mut csv = vec![0xEF, 0xBB, 0xBF];
    csv.extend(
        out.into_inner()
            .map_err(|e| Error::invalid(format!("cannot write the attendee list: {e}")))?,
    );
    Ok(AttendeeList { csv, rows })
}

impl Truth {
    /// Adds the rows of an attendee list imported into the list account `list_account`: a
    /// community person's row is that person; a new person is someone of their own.
    pub fn add_list(&mut self, list_account: i64, list: &AttendeeList) {
        let mut next = self.person_of.values().max().map_or(0, |p| p + 1) + 1_000_000;
        for (key, who) in &list.rows {
            let person = match who {
                Attendee::SameEmail {
                    account_id,
                    external_id,
                }
                | Attendee::OtherEmail {
                    account_id,
                    external_id,
                } => self
                    .person_of
                    .get(&(*account_id, external_id.clone()))
                    .copied(),
                Attendee::New => None,
            };
            let person = person.unwrap_or_else(|| {
                next += 1;
                next
            });
            self.person_of.insert((list_account, key.clone()), person);
        }
    }
}
