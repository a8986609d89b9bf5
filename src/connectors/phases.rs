//! Syncs that read a platform's resources one after the other (followers, then our posts,
//! then mentions…). Owns: which phase a run is in, kept in the `phase` cursor, so a run that
//! stops resumes in the same phase and a finished run starts over at the first one.
//! Must never: fetch anything itself (each connector's `step` does).

use std::future::Future;

use crate::ingest::Batch;
use crate::platform::{ConnectorError, CursorChange, Cursors, Page};

/// What one phase brought for one page.
#[derive(Default)]
pub(crate) struct Step {
    pub batch: Batch,
    pub cursors: Vec<CursorChange>,
    /// The phase has nothing more this run.
    pub done: bool,
    pub label: String,
}

/// The next page of a phased run: asks `step` for the phase in progress (from the `phase`
/// cursor, else the first), skips phases that have nothing to say, and moves the `phase`
/// cursor on when a phase is done. Only cursor changes that change something are kept.
pub(crate) async fn next_page<F, Fut>(
    cursors: &Cursors,
    phases: &[&str],
    step: F,
) -> Result<Page, ConnectorError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<Step, ConnectorError>>,
{
    next_page_in(cursors, "phase", phases, step).await
}

/// [`next_page`] with the phase kept under `key` (Discourse has always called it `step`; the
/// name stays so saved syncs resume).
pub(crate) async fn next_page_in<F, Fut>(
    cursors: &Cursors,
    key: &str,
    phases: &[&str],
    mut step: F,
) -> Result<Page, ConnectorError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<Step, ConnectorError>>,
{
    let current = cursors.get(key);
    let start = current
        .and_then(|p| phases.iter().position(|x| *x == p))
        .unwrap_or(0);
    for (idx, &res) in phases.iter().enumerate().skip(start) {
        let step = step(res.to_string()).await?;
        let mut changes: Vec<CursorChange> = step
            .cursors
            .into_iter()
            .filter(|c| cursors.get(&c.key) != c.value.as_deref())
            .collect();
        let empty = step.batch.identities.is_empty()
            && step.batch.conversations.is_empty()
            && step.batch.messages.is_empty()
            && step.batch.quarantined.is_empty();
        if step.done && empty && changes.is_empty() {
            continue;
        }
        let more = if step.done {
            match phases.get(idx + 1) {
                Some(next) => {
                    changes.push(CursorChange::set(key, *next));
                    true
                }
                None => {
                    if current.is_some() {
                        changes.push(CursorChange::clear(key));
                    }
                    false
                }
            }
        } else {
            if current != Some(res) {
                changes.push(CursorChange::set(key, res));
            }
            true
        };
        return Ok(Page {
            batch: step.batch,
            cursors: changes,
            more,
            label: step.label,
        });
    }
    Ok(Page {
        batch: Batch::default(),
        cursors: current
            .map(|_| vec![CursorChange::clear(key)])
            .unwrap_or_default(),
        more: false,
        label: "up to date".into(),
    })
}
