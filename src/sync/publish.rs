//! Publishing what the calendar has due: what `hearth publish --due` (from cron) and the
//! desktop app's publisher call. Owns: releasing due items into the outbox and flushing the
//! accounts that now hold posts. Must never: send past the outbox — its claims are what keep
//! two publishers running at once from posting anything twice.

use super::outbox::flush_account;
use super::run::connector_for;
use super::Clock;
use crate::error::Result;
use crate::model::PublishReport;
use crate::store::Store;

/// Queues every due target and sends what the accounts concerned hold in their outbox.
/// Accounts that cannot be reached keep their posts queued for the next run; each problem is
/// in the report with its account's name.
pub async fn publish_due(store: &mut Store, clock: Clock) -> Result<PublishReport> {
    let released = store.release_due_posts(clock())?;
    let mut report = PublishReport {
        queued: released.queued,
        missed: released.missed,
        ..PublishReport::default()
    };
    for account_id in store.accounts_with_due_posts(clock())? {
        let account = store.account(account_id)?;
        if account.demo {
            continue;
        }
        let connector = match connector_for(store, &account, clock.clone()) {
            Ok(c) => c,
            Err(e) => {
                report.problems.push(format!("{}: {e}", account.name));
                continue;
            }
        };
        report.accounts.push(account_id);
        match flush_account(store, account_id, connector.as_ref(), &*clock).await {
            Ok(f) => {
                report.sent += f.sent as u32;
                report.reconciled += f.reconciled as u32;
                report.waiting += (f.waiting + f.elsewhere) as u32;
                report.failed += f.failed as u32;
                if let Some(p) = f.problem {
                    report.problems.push(format!("{}: {p}", account.name));
                }
            }
            Err(e) => report.problems.push(format!("{}: {e}", account.name)),
        }
    }
    Ok(report)
}
