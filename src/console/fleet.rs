//! The fleet: one [`Inventory`] per scope (account, Region), and the questions asked across
//! them: a row by its [`RowKey`], every row, progress, and multi-Region sets (docs/kms.md §5.1).
//!
//! A multi-Region key has the same key id (`mrk-...`) in every Region of its account; its
//! primary and replicas are one set. A replica is rotated through its primary, so the set is
//! shown once: the table lists a replica on its own only when its primary's Region is not
//! among the chosen scopes.

use std::collections::HashMap;
use std::fmt;

use crate::aws::error::AwsError;
use crate::aws::kms::{KeyMaterialState, MultiRegionKeyType};
use crate::console::eligibility::Blocked;
use crate::console::inventory::{Inventory, InventoryEvent, KeyRow, Progress};
use crate::console::scope::ScopeId;
use crate::console::session::CancelToken;

/// A key in its scope: what the selection, the URL and the rotation flows are keyed by. A
/// multi-Region key has the same id in every Region, and its primary and replicas are
/// different keys to rotate (or not), so the scope is part of the key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    pub scope: ScopeId,
    pub key_id: String,
}

impl RowKey {
    pub fn new(scope: ScopeId, key_id: impl Into<String>) -> Self {
        RowKey {
            scope,
            key_id: key_id.into(),
        }
    }

    /// `account/region/key-id`.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.scope.account, self.scope.region, self.key_id
        )
    }
}

impl fmt::Display for RowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Where a scope is.
#[derive(Clone, Debug, PartialEq)]
pub enum ScopePhase {
    /// Waiting for AssumeRole into its account.
    Assuming,
    Loading,
    Done,
    /// AssumeRole, ListKeys, or an error that stopped the load; the other scopes go on.
    Failed(AwsError),
}

/// One scope and its keys.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeEntry {
    pub id: ScopeId,
    /// From Organizations, when listed.
    pub account_name: Option<String>,
    /// Reached through AssumeRole (not the pasted credentials).
    pub assumed: bool,
    pub phase: ScopePhase,
    pub inventory: Inventory,
}

impl ScopeEntry {
    fn new(id: ScopeId, account_name: Option<String>, assumed: bool) -> Self {
        let inventory = Inventory::new(id.region.clone());
        ScopeEntry {
            id,
            account_name,
            assumed,
            phase: if assumed {
                ScopePhase::Assuming
            } else {
                ScopePhase::Loading
            },
            inventory,
        }
    }

    /// `loading`, `done` or `failed` (the UI contract's `data-state`).
    pub fn state(&self) -> &'static str {
        match &self.phase {
            ScopePhase::Assuming | ScopePhase::Loading => "loading",
            ScopePhase::Done => "done",
            ScopePhase::Failed(_) => "failed",
        }
    }

    pub fn error(&self) -> Option<&AwsError> {
        match &self.phase {
            ScopePhase::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// One line for the scope list.
    pub fn status_text(&self) -> String {
        match &self.phase {
            ScopePhase::Assuming => "assuming the role\u{2026}".to_string(),
            ScopePhase::Loading => self.inventory.progress().text(),
            ScopePhase::Done => self.inventory.progress().text(),
            ScopePhase::Failed(e) => {
                let code = e.code().map(|c| format!("{c}: ")).unwrap_or_default();
                format!("{code}{}", e.user_message())
            }
        }
    }
}

/// Every scope's keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fleet {
    scopes: Vec<ScopeEntry>,
    index: HashMap<ScopeId, usize>,
}

impl Fleet {
    /// Choose the scopes: entries already loaded for a scope that stays are kept (with their
    /// keys); scopes no longer chosen are dropped. Returns the scopes that are new.
    pub fn set_scopes(&mut self, chosen: Vec<(ScopeId, Option<String>, bool)>) -> Vec<ScopeId> {
        let mut old: HashMap<ScopeId, ScopeEntry> =
            self.scopes.drain(..).map(|e| (e.id.clone(), e)).collect();
        let mut fresh = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (id, name, assumed) in chosen {
            if !seen.insert(id.clone()) {
                continue; // listed twice
            }
            let entry = match old.remove(&id) {
                Some(mut e) => {
                    if name.is_some() {
                        e.account_name = name;
                    }
                    e
                }
                None => {
                    fresh.push(id.clone());
                    ScopeEntry::new(id.clone(), name, assumed)
                }
            };
            self.scopes.push(entry);
        }
        self.index = self
            .scopes
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        fresh
    }

    /// Start a scope over (a reload): its keys are forgotten.
    pub fn restart(&mut self, id: &ScopeId) {
        if let Some(e) = self.scope_mut(id) {
            e.inventory = Inventory::new(id.region.clone());
            e.phase = ScopePhase::Loading;
        }
    }

    pub fn scopes(&self) -> &[ScopeEntry] {
        &self.scopes
    }

    pub fn scope(&self, id: &ScopeId) -> Option<&ScopeEntry> {
        self.index.get(id).and_then(|&i| self.scopes.get(i))
    }

    pub fn scope_mut(&mut self, id: &ScopeId) -> Option<&mut ScopeEntry> {
        match self.index.get(id) {
            Some(&i) => self.scopes.get_mut(i),
            None => None,
        }
    }

    /// More than one scope: the table shows Account and Region.
    pub fn is_multi(&self) -> bool {
        self.scopes.len() > 1
    }

    /// A fleet of one scope (a test's, a benchmark's).
    pub fn single(id: ScopeId, inventory: Inventory) -> Self {
        let mut f = Fleet::default();
        f.set_scopes(vec![(id.clone(), None, false)]);
        if let Some(e) = f.scope_mut(&id) {
            e.inventory = inventory;
        }
        f
    }

    /// The chosen accounts, each once, in the order chosen (the connected one first).
    pub fn accounts_in_order(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for e in &self.scopes {
            if !v.contains(&e.id.account.as_str()) {
                v.push(&e.id.account);
            }
        }
        v
    }

    pub fn row(&self, key: &RowKey) -> Option<&KeyRow> {
        self.scope(&key.scope)?.inventory.row(&key.key_id)
    }

    /// Whether "Rotate now" is possible for `key`, or why not. For a multi-Region imported
    /// primary waiting for its replicas, the Regions named are those whose loaded replica does
    /// not show the pending material as PENDING_ROTATION (docs/kms.md §3.8 Key material); a
    /// replica whose Region is not loaded is named, since keyturn cannot tell.
    pub fn rotate_now(&self, key: &RowKey) -> Result<(), Blocked> {
        let row = self.row(key).ok_or(Blocked::Loading)?;
        match row.rotate_now() {
            Err(Blocked::ReplicasNeedMaterial { regions }) => {
                let pending = row
                    .pending_material()
                    .and_then(|m| m.key_material_id.as_deref());
                let missing: Vec<String> = regions
                    .iter()
                    .filter(|r| !self.replica_has(key, r, pending))
                    .cloned()
                    .collect();
                // All look ready while KMS still says otherwise (eventual consistency): name
                // every replica rather than none.
                Err(Blocked::ReplicasNeedMaterial {
                    regions: if missing.is_empty() { regions } else { missing },
                })
            }
            other => other,
        }
    }

    fn replica_has(&self, key: &RowKey, region: &str, material: Option<&str>) -> bool {
        let replica = RowKey::new(
            ScopeId::new(key.scope.account.clone(), region),
            key.key_id.clone(),
        );
        self.row(&replica)
            .and_then(|r| r.rotations.loaded())
            .is_some_and(|entries| {
                entries.iter().any(|e| {
                    material.is_some()
                        && e.key_material_id.as_deref() == material
                        && e.key_material_state == Some(KeyMaterialState::PendingRotation)
                })
            })
    }

    /// Every row of every scope, scopes in their order.
    pub fn rows(&self) -> impl Iterator<Item = (&ScopeEntry, &KeyRow)> {
        self.scopes
            .iter()
            .flat_map(|e| e.inventory.rows().iter().map(move |r| (e, r)))
    }

    pub fn len(&self) -> usize {
        self.scopes.iter().map(|e| e.inventory.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fold a batch of one load's events into `scope`, unless that load was cancelled (a
    /// reload, the scope dropped, the session ended): late answers never land.
    pub fn apply_load(&mut self, scope: &ScopeId, load: &CancelToken, events: Vec<InventoryEvent>) {
        if load.is_cancelled() {
            return;
        }
        for ev in events {
            self.apply(scope, ev);
        }
    }

    /// Fold one loader event of `scope` into its inventory (dropped when the scope is gone).
    /// The scope's phase follows.
    pub fn apply(&mut self, scope: &ScopeId, event: InventoryEvent) {
        let Some(e) = self.scope_mut(scope) else {
            return;
        };
        e.inventory.apply(event);
        if let Some(err) = e
            .inventory
            .keys_error
            .as_ref()
            .or(e.inventory.stopped.as_ref())
        {
            e.phase = ScopePhase::Failed(err.clone());
        } else if e.inventory.finished {
            e.phase = ScopePhase::Done;
        }
    }

    /// All scopes' progress, summed.
    pub fn progress(&self) -> Progress {
        let mut p = Progress {
            listed: 0,
            keys_done: true,
            described: 0,
            complete: 0,
            finished: true,
        };
        for e in &self.scopes {
            if matches!(e.phase, ScopePhase::Failed(_)) {
                continue;
            }
            let q = e.inventory.progress();
            p.listed += q.listed;
            p.keys_done &= q.keys_done;
            p.described += q.described;
            p.complete += q.complete;
            p.finished &= q.finished && e.phase == ScopePhase::Done;
        }
        p
    }

    pub fn failed_count(&self) -> usize {
        self.scopes.iter().map(|e| e.inventory.failed_count()).sum()
    }

    /// The row that stands for `key`'s multi-Region set in the table: the primary when it is
    /// loaded in one of the chosen scopes, else the key itself.
    pub fn is_listed(&self, scope: &ScopeId, row: &KeyRow) -> bool {
        let Some(region) = row.facts().replica_of() else {
            return true;
        };
        let primary = ScopeId::new(scope.account.clone(), region);
        self.scope(&primary)
            .and_then(|e| e.inventory.row(&row.key_id))
            .is_none()
    }

    /// The other members of `key`'s multi-Region set that are loaded: (scope, is primary).
    pub fn set_members(&self, key: &RowKey) -> Vec<(ScopeId, bool)> {
        let Some(row) = self.row(key) else {
            return Vec::new();
        };
        if row.meta().and_then(|m| m.multi_region_key_type()).is_none() {
            return Vec::new();
        }
        let mut v: Vec<(ScopeId, bool)> = self
            .scopes
            .iter()
            .filter(|e| e.id.account == key.scope.account && e.id != key.scope)
            .filter_map(|e| {
                let r = e.inventory.row(&key.key_id)?;
                let primary = r
                    .meta()
                    .and_then(|m| m.multi_region_key_type())
                    .is_some_and(|t| *t == MultiRegionKeyType::Primary);
                Some((e.id.clone(), primary))
            })
            .collect();
        crate::sort::sort(&mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::kms::{DescribeKeyOutput, KeyListEntry, KeyMetadata, RotationsListEntry};

    fn id(account: &str, region: &str) -> ScopeId {
        ScopeId::new(account, region)
    }

    fn mrk(region: &str, kind: &str) -> KeyMetadata {
        let json = format!(
            r#"{{"KeyMetadata":{{"KeyId":"mrk-1234567890abcdef1234567890abcdef","Arn":"arn:aws:kms:{region}:111122223333:key/mrk-1234567890abcdef1234567890abcdef","KeyState":"Enabled","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT","KeyManager":"CUSTOMER","Origin":"AWS_KMS","MultiRegion":true,"MultiRegionConfiguration":{{"MultiRegionKeyType":"{kind}","PrimaryKey":{{"Arn":"arn:aws:kms:us-east-1:111122223333:key/mrk-1234567890abcdef1234567890abcdef","Region":"us-east-1"}},"ReplicaKeys":[{{"Arn":"arn:aws:kms:us-west-2:111122223333:key/mrk-1234567890abcdef1234567890abcdef","Region":"us-west-2"}}]}}}}}}"#
        );
        serde_json::from_str::<DescribeKeyOutput>(&json)
            .unwrap()
            .key_metadata
    }

    fn load(f: &mut Fleet, scope: &ScopeId, meta: KeyMetadata) {
        let key_id = meta.key_id.clone();
        f.apply(
            scope,
            InventoryEvent::KeysPage(vec![KeyListEntry {
                key_id: key_id.clone(),
                key_arn: meta.arn.clone(),
            }]),
        );
        f.apply(
            scope,
            InventoryEvent::Described {
                key_id,
                result: Ok(meta),
            },
        );
    }

    /// The missing-replica reason names only the replicas that lack the pending material.
    #[test]
    fn imported_primary_names_only_replicas_without_the_new_material() {
        let mut f = Fleet::default();
        let east = id("111122223333", "us-east-1");
        let west = id("111122223333", "us-west-2");
        let eu = id("111122223333", "eu-west-1");
        f.set_scopes(vec![
            (east.clone(), None, false),
            (west.clone(), None, false),
            (eu.clone(), None, false),
        ]);
        let imported = |region: &str, kind: &str| {
            let mut m = mrk(region, kind);
            m.origin = Some(crate::aws::kms::Origin::External);
            if let Some(c) = m.multi_region_configuration.as_mut() {
                c.replica_keys.push(crate::aws::kms::MultiRegionKey {
                    arn: None,
                    region: Some("eu-west-1".into()),
                });
            }
            m
        };
        let entries = |json: &str| serde_json::from_str::<Vec<RotationsListEntry>>(json).unwrap();
        let pending = "b".repeat(64);
        for (scope, kind, state) in [
            (&east, "PRIMARY", "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"),
            (&west, "REPLICA", "PENDING_ROTATION"),
        ] {
            load(&mut f, scope, imported(&scope.region, kind));
            let body = format!(
                r#"[{{"KeyMaterialId":"{a}","KeyMaterialState":"CURRENT"}},{{"KeyMaterialId":"{pending}","KeyMaterialState":"{state}"}}]"#,
                a = "a".repeat(64)
            );
            f.apply(
                scope,
                InventoryEvent::Rotations {
                    key_id: "mrk-1234567890abcdef1234567890abcdef".into(),
                    result: Ok(entries(&body)),
                },
            );
        }
        let key = RowKey::new(east.clone(), "mrk-1234567890abcdef1234567890abcdef");
        // us-west-2 has it; eu-west-1 is not loaded, so it is named.
        assert_eq!(
            f.rotate_now(&key),
            Err(Blocked::ReplicasNeedMaterial {
                regions: vec!["eu-west-1".into()]
            })
        );
        assert_eq!(f.rotate_now(&RowKey::new(eu, "x")), Err(Blocked::Loading));
    }

    #[test]
    fn scopes_keep_their_keys_when_the_set_changes() {
        let mut f = Fleet::default();
        let a = id("111122223333", "us-east-1");
        let b = id("111122223333", "us-west-2");
        let fresh = f.set_scopes(vec![(a.clone(), None, false)]);
        assert_eq!(fresh, vec![a.clone()]);
        load(&mut f, &a, mrk("us-east-1", "PRIMARY"));
        let fresh = f.set_scopes(vec![
            (a.clone(), Some("prod".into()), false),
            (b.clone(), None, true),
        ]);
        assert_eq!(fresh, vec![b.clone()]);
        assert_eq!(f.len(), 1);
        assert_eq!(f.scope(&a).unwrap().account_name.as_deref(), Some("prod"));
        assert_eq!(f.scope(&b).unwrap().state(), "loading");
        assert!(f.is_multi());
        f.set_scopes(vec![(b.clone(), None, true)]);
        assert!(f.scope(&a).is_none());
        assert!(!f.is_multi());
    }

    #[test]
    fn a_replica_is_listed_only_without_its_primary() {
        let mut f = Fleet::default();
        let east = id("111122223333", "us-east-1");
        let west = id("111122223333", "us-west-2");
        f.set_scopes(vec![(west.clone(), None, false)]);
        load(&mut f, &west, mrk("us-west-2", "REPLICA"));
        let key = RowKey::new(west.clone(), "mrk-1234567890abcdef1234567890abcdef");
        assert!(f.is_listed(&west, f.row(&key).unwrap()));
        f.set_scopes(vec![
            (east.clone(), None, false),
            (west.clone(), None, false),
        ]);
        load(&mut f, &east, mrk("us-east-1", "PRIMARY"));
        assert!(!f.is_listed(&west, f.row(&key).unwrap()));
        let primary = RowKey::new(east.clone(), key.key_id.clone());
        assert!(f.is_listed(&east, f.row(&primary).unwrap()));
        assert_eq!(f.set_members(&primary), vec![(west.clone(), false)]);
        assert_eq!(f.set_members(&key), vec![(east, true)]);
        // Never confused with the same id in another account.
        let other = id("444455556666", "us-west-2");
        f.set_scopes(vec![(other.clone(), None, false)]);
        assert!(f
            .set_members(&RowKey::new(other, key.key_id.clone()))
            .is_empty());
    }

    #[test]
    fn phases_follow_the_loader_and_stale_events_are_dropped() {
        let mut f = Fleet::default();
        let a = id("111122223333", "us-east-1");
        f.set_scopes(vec![(a.clone(), None, false)]);
        let loads = crate::console::session::Generation::new();
        let old = loads.token();
        loads.bump();
        f.restart(&a);
        f.apply_load(&a, &old, vec![InventoryEvent::KeysDone]);
        assert!(!f.scope(&a).unwrap().inventory.keys_done);
        let current = loads.token();
        f.apply_load(
            &a,
            &current,
            vec![InventoryEvent::KeysDone, InventoryEvent::Finished],
        );
        assert_eq!(f.scope(&a).unwrap().state(), "done");
        assert!(f.progress().finished);
        let b = id("210987654321", "us-east-1");
        f.set_scopes(vec![(a.clone(), None, false), (b.clone(), None, true)]);
        assert!(!f.progress().finished);
        f.scope_mut(&b).unwrap().phase =
            ScopePhase::Failed(AwsError::from(crate::aws::error::ErrorKind::Timeout));
        // A failed scope does not hold the fleet's progress back.
        assert!(f.progress().finished);
        assert_eq!(f.scope(&b).unwrap().state(), "failed");
    }
}
