//! The selected keys: a set of rows by (scope, key), kept while the table pages, filters and
//! sorts, so "select all shown" covers every page and scope of the current filter.

use std::collections::BTreeSet;

use crate::console::fleet::{Fleet, RowKey};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection(BTreeSet<RowKey>);

/// The state of the "select all shown" box for the keys the filter shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllShown {
    None,
    Some,
    All,
}

impl Selection {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, key: &RowKey) -> bool {
        self.0.contains(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &RowKey> {
        self.0.iter()
    }

    /// Select or unselect one key.
    pub fn set(&mut self, key: RowKey, on: bool) {
        if on {
            self.0.insert(key);
        } else {
            self.0.remove(&key);
        }
    }

    /// "Select all shown": when every shown key is selected already, unselect them; otherwise
    /// select them all. Keys selected under another filter stay selected.
    pub fn toggle_all(&mut self, shown: &[RowKey]) {
        if self.all_shown(shown) == AllShown::All {
            for k in shown {
                self.0.remove(k);
            }
        } else {
            self.0.extend(shown.iter().cloned());
        }
    }

    /// Add `keys` (a compliance finding's "select all failing keys").
    pub fn extend(&mut self, keys: impl IntoIterator<Item = RowKey>) {
        self.0.extend(keys);
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn all_shown(&self, shown: &[RowKey]) -> AllShown {
        let n = shown.iter().filter(|k| self.0.contains(k)).count();
        match n {
            0 => AllShown::None,
            n if n == shown.len() => AllShown::All,
            _ => AllShown::Some,
        }
    }

    /// Forget keys that are no longer in the fleet (a scope dropped, a key gone after reload).
    pub fn retain_in(&mut self, fleet: &Fleet) {
        self.0.retain(|k| fleet.row(k).is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::scope::ScopeId;

    fn k(region: &str, id: &str) -> RowKey {
        RowKey::new(ScopeId::new("111122223333", region), id)
    }

    #[test]
    fn select_all_shown_adds_then_removes_only_the_shown() {
        let mut s = Selection::default();
        s.set(k("us-west-2", "other"), true);
        let shown = vec![k("us-east-1", "a"), k("us-east-1", "b")];
        assert_eq!(s.all_shown(&shown), AllShown::None);
        s.set(k("us-east-1", "a"), true);
        assert_eq!(s.all_shown(&shown), AllShown::Some);
        s.toggle_all(&shown);
        assert_eq!(s.all_shown(&shown), AllShown::All);
        assert_eq!(s.len(), 3);
        s.toggle_all(&shown);
        assert_eq!(s.all_shown(&shown), AllShown::None);
        assert!(
            s.contains(&k("us-west-2", "other")),
            "other filters' picks stay"
        );
        assert_eq!(s.all_shown(&[]), AllShown::None);
    }

    #[test]
    fn same_key_id_in_two_scopes_is_two_selections() {
        let mut s = Selection::default();
        s.set(k("us-east-1", "mrk-1"), true);
        s.set(k("us-west-2", "mrk-1"), true);
        assert_eq!(s.len(), 2);
        s.set(k("us-east-1", "mrk-1"), false);
        assert!(!s.contains(&k("us-east-1", "mrk-1")));
        assert!(s.contains(&k("us-west-2", "mrk-1")));
    }
}
