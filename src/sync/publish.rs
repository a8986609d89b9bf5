//! Publishing what the calendar has due: what `hearth publish --due` (from cron) and the
//! desktop app's publisher call. Owns: releasing due items into the outbox and flushing the
//! accounts that now hold posts. Must never: send past the outbox — its claims are what keep
//! two publishers running at once from posting anything twice.

use super::outbox::flush_account;
use super::run::connector_for;
use super::{Clock, Connector, ErrorKind};
use crate::error::Result;
use crate::model::Millis;
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

/// Reads how people reacted to the posts `account_id` published lately (see
/// [`Store::posts_to_measure`]), as sync brings in their replies. A post the platform cannot
/// read now keeps the counts it had; the first failure that would stop the next read too
/// (offline, a rejected token) ends the round. Returns how many posts were read.
pub async fn measure_posts(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
    clock: &(dyn Fn() -> Millis + Send + Sync),
) -> Result<u32> {
    let mut read = 0;
    for (target, post) in store.posts_to_measure(account_id, clock())? {
        match connector.engagement(&post).await {
            Ok(e) => {
                store.record_post_engagement(target, e, clock())?;
                read += 1;
            }
            Err(e) if e.kind() == ErrorKind::Permanent => {
                store.record_post_engagement(target, None, clock())?;
            }
            Err(_) => break,
        }
    }
    Ok(read)
}
