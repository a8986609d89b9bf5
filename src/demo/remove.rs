//! Leaving the demo: removing the demo community in one step. Owns: knowing what is the demo's
//! (its sample accounts and everything synced "through" them, the people who exist only there
//! with the notes on them, the demo's calendar posts). Must never: touch an account the user
//! connected, or anything that came through one.

use crate::error::Result;
use crate::model::DemoRemoval;
use crate::store::Store;

impl Store {
    /// Removes the demo community: its sample accounts with their conversations and messages,
    /// the members known only through them (with the notes on them), and the demo's calendar
    /// posts. Accounts the user connected, and everything synced through them, stay; a member
    /// who also has an identity on a real account stays with that identity.
    pub fn remove_demo(&mut self) -> Result<DemoRemoval> {
        let tx = self.conn_mut().transaction()?;
        let count = |sql: &str| -> Result<i64> { Ok(tx.query_row(sql, [], |r| r.get(0))?) };
        let removal = DemoRemoval {
            accounts: count("SELECT count(*) FROM accounts WHERE demo = 1")?,
            conversations: count(
                "SELECT count(*) FROM conversations
                 WHERE account_id IN (SELECT id FROM accounts WHERE demo = 1)",
            )?,
            messages: count(
                "SELECT count(*) FROM messages
                 WHERE account_id IN (SELECT id FROM accounts WHERE demo = 1)",
            )?,
            members: count(
                "SELECT count(*) FROM members m WHERE EXISTS (
                     SELECT 1 FROM identities i JOIN accounts a ON a.id = i.account_id
                     WHERE i.member_id = m.id AND a.demo = 1)
                 AND NOT EXISTS (
                     SELECT 1 FROM identities i JOIN accounts a ON a.id = i.account_id
                     WHERE i.member_id = m.id AND a.demo = 0)",
            )?,
            notes: count(
                "SELECT count(*) FROM notes WHERE member_id IN (
                     SELECT m.id FROM members m WHERE EXISTS (
                         SELECT 1 FROM identities i JOIN accounts a ON a.id = i.account_id
                         WHERE i.member_id = m.id AND a.demo = 1)
                     AND NOT EXISTS (
                         SELECT 1 FROM identities i JOIN accounts a ON a.id = i.account_id
                         WHERE i.member_id = m.id AND a.demo = 0))",
            )?,
            calendar_items: count("SELECT count(*) FROM calendar_items WHERE demo = 1")?,
        };
        let touched: Vec<i64> = tx
            .prepare(
                "SELECT DISTINCT i.member_id FROM identities i JOIN accounts a ON a.id = i.account_id
                 WHERE a.demo = 1",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.execute_batch(
            "DELETE FROM member_activity WHERE identity_id IN (
                 SELECT i.id FROM identities i JOIN accounts a ON a.id = i.account_id
                 WHERE a.demo = 1);
             DELETE FROM messages WHERE account_id IN (SELECT id FROM accounts WHERE demo = 1);
             DELETE FROM accounts WHERE demo = 1;
             DELETE FROM calendar_items WHERE demo = 1;
             DELETE FROM segments WHERE demo = 1;
             DELETE FROM rules WHERE demo = 1;
             DELETE FROM views WHERE demo = 1;
             DELETE FROM settings WHERE key = 'me.name'
                 AND value IN (SELECT name FROM team_members WHERE demo = 1);
             DELETE FROM team_members WHERE demo = 1;",
        )?;
        crate::members::settle_members(&tx, &touched, false)?;
        // Tags nothing uses any more (the demo's) go too.
        tx.execute_batch(
            "DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM conversation_tags)
                 AND id NOT IN (SELECT tag_id FROM member_tags);",
        )?;
        tx.commit()?;
        Ok(removal)
    }

    /// How many of the demo community's sample accounts the workspace holds.
    pub fn demo_accounts(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM accounts WHERE demo = 1", [], |r| {
                r.get(0)
            })?)
    }
}
