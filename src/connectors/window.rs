//! The re-read window some connectors keep: the newest messages known to exist in a channel,
//! key → author, stored in a cursor as `key:author,key:author`. Platforms whose REST history
//! never says that a message was deleted (Discord, Slack) read the window again each run, and
//! a message missing from the answer is marked deleted. Owns: the window's storage and
//! trimming. Must never: fetch anything.

use std::collections::BTreeMap;

use crate::platform::{CursorChange, Cursors};

/// How a platform writes the keys of its window in the cursor.
pub(crate) trait WindowKey: Ord + Copy {
    fn read(s: &str) -> Option<Self>;
    fn write(&self) -> String;
}

/// Discord snowflakes.
impl WindowKey for u64 {
    fn read(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    fn write(&self) -> String {
        self.to_string()
    }
}

/// The newest messages known to exist: key → author.
#[derive(Debug)]
pub(crate) struct Window<K>(pub(crate) BTreeMap<K, String>);

impl<K> Default for Window<K> {
    fn default() -> Self {
        Window(BTreeMap::new())
    }
}

impl<K: WindowKey> Window<K> {
    /// The window a cursor holds (entries it cannot read are left out).
    pub(crate) fn parse(s: Option<&str>) -> Self {
        Window(
            s.unwrap_or("")
                .split(',')
                .filter_map(|p| p.split_once(':'))
                .filter_map(|(k, author)| Some((K::read(k)?, author.to_string())))
                .collect(),
        )
    }

    pub(crate) fn insert(&mut self, key: K, author: &str) {
        self.0.insert(key, author.to_string());
    }

    /// Keeps the newest `n`.
    pub(crate) fn keep_newest(&mut self, n: usize) {
        while self.0.len() > n {
            self.0.pop_first();
        }
    }

    /// Forgets what is older than `before`.
    pub(crate) fn forget_before(&mut self, before: K) {
        self.0.retain(|k, _| *k >= before);
    }

    /// The cursor `win:{chan}` holding this window, unless it holds it already.
    pub(crate) fn change(&self, chan: &str, cursors: &Cursors) -> Option<CursorChange> {
        let key = format!("win:{chan}");
        let value = self
            .0
            .iter()
            .map(|(k, a)| format!("{}:{a}", k.write()))
            .collect::<Vec<_>>()
            .join(",");
        (cursors.get(&key).unwrap_or("") != value).then(|| CursorChange::set(key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_keeps_its_newest_entries_and_round_trips_through_its_cursor() {
        let mut w: Window<u64> = Window::parse(Some("3:a,1:b,2:c,junk,x:y"));
        assert_eq!(w.0.len(), 3, "unreadable entries are left out");
        w.insert(4, "d");
        w.keep_newest(3);
        assert_eq!(w.0.keys().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        w.forget_before(3);
        let change = w.change("c1", &Cursors::default()).expect("a change");
        assert_eq!(change.value.as_deref(), Some("3:a,4:d"));
        let mut stored = Cursors::default();
        stored.apply(&[change]);
        assert!(
            w.change("c1", &stored).is_none(),
            "no change when it holds it already"
        );
    }
}
