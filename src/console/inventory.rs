//! The region's keys as they load, and the loader that fills them.
//!
//! Rows are keyed by KeyId and created from ListKeys pages; ListAliases, DescribeKey,
//! GetKeyRotationStatus and ListKeyRotations fill them in. Each per-key call may fail on its
//! own (AccessDenied on one key's policy, throttling): the row keeps the error and the rest of
//! the page carries on. The loader reports [`InventoryEvent`]s through a callback; the UI applies
//! them to its [`Inventory`] with [`Inventory::apply`], so rows appear and fill in as answers
//! arrive.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::aws::client::{
    Client, MarkerGuard, LIST_ALIASES_PAGE, LIST_KEYS_PAGE, LIST_ROTATIONS_PAGE,
};
use crate::aws::error::{ApiOperation, AwsError, ErrorCode, ErrorKind};
use crate::aws::kms::{
    AliasListEntry, DescribeKey, GetKeyRotationStatus, IncludeKeyMaterial, KeyListEntry,
    KeyManager, KeyMetadata, KeyState, ListAliases, ListKeyRotations, ListKeys, Paginated,
    RotationsListEntry, Timestamp,
};
use crate::aws::transport::Transport;
use crate::console::eligibility::{self, Blocked, RotationStatus};
use crate::console::filter::RowFacts;
use crate::console::format::thousands;
use crate::console::quota::{self, Quota};
use crate::console::session::{ends_session, CancelToken};

/// One piece of a row: not asked yet (or in flight), answered, failed with the reason, or not
/// meaningful for this key (e.g. rotation status of an asymmetric key).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Load<T> {
    #[default]
    Pending,
    Loaded(T),
    Failed(AwsError),
    Skipped,
}

impl<T> Load<T> {
    pub fn loaded(&self) -> Option<&T> {
        match self {
            Load::Loaded(v) => Some(v),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&AwsError> {
        match self {
            Load::Failed(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(self, Load::Pending)
    }

    fn from_result(r: Result<T, AwsError>) -> Self {
        match r {
            Ok(v) => Load::Loaded(v),
            // The key does not support the call: nothing to show, nothing wrong.
            Err(e) if matches!(e.code(), Some(ErrorCode::UnsupportedOperationException)) => {
                Load::Skipped
            }
            Err(e) => Load::Failed(e),
        }
    }
}

/// The automatic-rotation column.
#[derive(Clone, Debug, PartialEq)]
pub enum AutoRotation {
    /// Not read yet, or the read failed.
    Unknown,
    /// The key cannot rotate automatically (asymmetric, HMAC, custom key store, imported).
    NotApplicable,
    /// AWS managed: rotated yearly by AWS, not changeable.
    AwsManaged,
    Off,
    On {
        period_days: Option<u32>,
        next: Option<Timestamp>,
    },
}

impl AutoRotation {
    pub fn text(&self) -> String {
        match self {
            AutoRotation::Unknown => "\u{2014}".to_string(),
            AutoRotation::NotApplicable => "not available".to_string(),
            AutoRotation::AwsManaged => "yearly (AWS managed)".to_string(),
            AutoRotation::Off => "off".to_string(),
            AutoRotation::On {
                period_days: Some(d),
                ..
            } => format!("on, every {d} days"),
            AutoRotation::On { .. } => "on".to_string(),
        }
    }

    /// Sort rank: on (by period) < off < AWS managed < not available < unknown.
    fn rank(&self) -> (u8, u32) {
        match self {
            AutoRotation::On { period_days, .. } => (0, period_days.unwrap_or(u32::MAX)),
            AutoRotation::Off => (1, 0),
            AutoRotation::AwsManaged => (2, 0),
            AutoRotation::NotApplicable => (3, 0),
            AutoRotation::Unknown => (4, 0),
        }
    }

    pub(crate) fn sort_key(&self) -> (u8, u32) {
        self.rank()
    }
}

/// One key of the inventory.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRow {
    pub key_id: String,
    pub arn: Option<String>,
    /// Alias names pointing at this key, sorted.
    pub aliases: Vec<String>,
    pub metadata: Load<KeyMetadata>,
    pub status: Load<RotationStatus>,
    /// Every page of ListKeyRotations.
    pub rotations: Load<Vec<RotationsListEntry>>,
    /// RotateKeyOnDemand answered LimitExceededException: the quota is 0 whatever the count.
    pub server_limit_exceeded: bool,
    /// What the table derives from the row, refreshed on every change ([`RowMut`]).
    derived: Derived,
}

/// What the table derives from a row, computed once per change of the row instead of once per
/// keystroke or batch: the filter's facts and a revision. Derived data is not part of the
/// row's equality (two rows with the same data are equal whatever their revisions).
#[derive(Clone, Debug, Default)]
struct Derived {
    rev: u64,
    facts: RowFacts,
}

impl PartialEq for Derived {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Revisions are unique across every inventory of the page (a reload builds a new inventory
/// whose rows must not reuse an old row's revision).
static NEXT_REV: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A row being changed: its derived facts and revision are refreshed when the change ends.
/// The only way to get a `&mut KeyRow` out of an [`Inventory`].
pub struct RowMut<'a>(&'a mut KeyRow);

impl std::ops::Deref for RowMut<'_> {
    type Target = KeyRow;
    fn deref(&self) -> &KeyRow {
        self.0
    }
}

impl std::ops::DerefMut for RowMut<'_> {
    fn deref_mut(&mut self) -> &mut KeyRow {
        self.0
    }
}

impl Drop for RowMut<'_> {
    fn drop(&mut self) {
        self.0.derive();
    }
}

impl KeyRow {
    pub fn new(key_id: impl Into<String>, arn: Option<String>) -> Self {
        let mut row = KeyRow {
            key_id: key_id.into(),
            arn,
            aliases: Vec::new(),
            metadata: Load::Pending,
            status: Load::Pending,
            rotations: Load::Pending,
            server_limit_exceeded: false,
            derived: Derived::default(),
        };
        row.derive();
        row
    }

    fn derive(&mut self) {
        self.derived = Derived {
            rev: NEXT_REV.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            facts: RowFacts::of(self),
        };
    }

    /// Changes whenever the row does: a table row compares this, not the row.
    pub fn rev(&self) -> u64 {
        self.derived.rev
    }

    /// The filter's and the sort's view of the row (filter.rs).
    pub fn facts(&self) -> &RowFacts {
        &self.derived.facts
    }

    pub fn meta(&self) -> Option<&KeyMetadata> {
        self.metadata.loaded()
    }

    /// The first alias (sorted), if any.
    pub fn alias(&self) -> Option<&str> {
        self.aliases.first().map(String::as_str)
    }

    pub fn description(&self) -> Option<&str> {
        self.meta()
            .and_then(|m| m.description.as_deref())
            .filter(|d| !d.is_empty())
    }

    pub fn state(&self) -> Option<&KeyState> {
        self.meta().and_then(|m| m.key_state.as_ref())
    }

    pub fn state_text(&self) -> String {
        self.state()
            .map_or_else(|| "\u{2014}".to_string(), |s| s.to_string())
    }

    pub fn spec_text(&self) -> String {
        self.meta()
            .and_then(|m| m.spec())
            .map_or_else(|| "\u{2014}".to_string(), |s| s.to_string())
    }

    /// AWS managed: by DescribeKey, or before it answers by an `alias/aws/...` alias.
    pub fn is_aws_managed(&self) -> bool {
        match self.meta() {
            Some(m) => m.key_manager == Some(KeyManager::Aws),
            None => self.aliases.iter().any(|a| a.starts_with("alias/aws/")),
        }
    }

    pub fn is_customer_managed(&self) -> bool {
        self.meta()
            .is_some_and(|m| m.key_manager == Some(KeyManager::Customer))
    }

    pub fn auto_rotation(&self) -> AutoRotation {
        if self.is_aws_managed() {
            return AutoRotation::AwsManaged;
        }
        if let Some(m) = self.meta() {
            match eligibility::automatic_rotation(m) {
                // A replica shares its primary's setting: show what the status says.
                Err(Blocked::Replica { .. }) => {}
                Err(b) if b.is_permanent() || b == Blocked::ImportedNoAutomatic => {
                    return AutoRotation::NotApplicable
                }
                _ => {}
            }
        }
        match &self.status {
            Load::Loaded(s) if s.key_rotation_enabled => AutoRotation::On {
                period_days: s.rotation_period_in_days,
                next: s.next_rotation_date,
            },
            Load::Loaded(_) => AutoRotation::Off,
            Load::Skipped => AutoRotation::NotApplicable,
            _ => AutoRotation::Unknown,
        }
    }

    pub fn next_rotation(&self) -> Option<Timestamp> {
        match self.auto_rotation() {
            AutoRotation::On { next, .. } => next,
            _ => None,
        }
    }

    /// KMS shows an on-demand rotation running (OnDemandRotationStartDate is set). What this
    /// console itself is doing is the rotation flow's to say: `rotation::activity` combines both.
    pub fn in_progress(&self) -> bool {
        self.status
            .loaded()
            .is_some_and(|s| s.on_demand_rotation_start_date.is_some())
    }

    /// The key can, by its kind, be rotated on demand (so a quota means something).
    pub fn supports_on_demand(&self) -> bool {
        self.meta()
            .is_some_and(|m| eligibility::key_kind(m).is_ok())
    }

    /// The on-demand quota, once ListKeyRotations has answered, for keys that support it.
    pub fn quota(&self) -> Option<Quota> {
        if !self.supports_on_demand() {
            return None;
        }
        let rotations = self.rotations.loaded()?;
        Some(Quota::new(
            rotations,
            self.in_progress(),
            self.server_limit_exceeded,
        ))
    }

    pub fn remaining(&self) -> Option<u32> {
        if self.server_limit_exceeded && self.supports_on_demand() {
            return Some(0);
        }
        self.quota().map(|q| q.remaining())
    }

    pub fn on_demand_used(&self) -> Option<u32> {
        self.rotations.loaded().map(|r| quota::on_demand_used(r))
    }

    /// Completed rotations of any kind (automatic and on demand), once the history is read: a
    /// key's first two rotations are billed (docs/bulk.md §2).
    pub fn rotation_count(&self) -> Option<usize> {
        self.rotations
            .loaded()
            .map(|r| r.iter().filter(|e| e.rotation_type.is_some()).count())
    }

    /// The latest completed rotation's date.
    pub fn last_rotation(&self) -> Option<Timestamp> {
        self.rotations
            .loaded()
            .and_then(|r| quota::last_rotation(r))
            .and_then(|e| e.rotation_date)
    }

    /// Imported material pending rotation (EXTERNAL keys).
    pub fn pending_material(&self) -> Option<&RotationsListEntry> {
        self.rotations
            .loaded()
            .and_then(|r| quota::pending_material(r))
    }

    /// Whether "Rotate now" is possible, or why not.
    pub fn rotate_now(&self) -> Result<(), Blocked> {
        match &self.metadata {
            Load::Loaded(m) => {
                eligibility::rotate_now(
                    m,
                    self.status.loaded(),
                    self.remaining(),
                    self.pending_material()
                        .and_then(|m| m.key_material_state.as_ref()),
                )?;
                Ok(())
            }
            Load::Failed(e) => Err(Blocked::Unreadable {
                reason: e.user_message(),
            }),
            Load::Pending | Load::Skipped => Err(Blocked::Loading),
        }
    }

    /// Whether automatic rotation can be changed, or why not.
    pub fn automatic_rotation(&self) -> Result<(), Blocked> {
        match &self.metadata {
            Load::Loaded(m) => eligibility::automatic_rotation(m),
            Load::Failed(e) => Err(Blocked::Unreadable {
                reason: e.user_message(),
            }),
            Load::Pending | Load::Skipped => Err(Blocked::Loading),
        }
    }

    /// What could not be read about this key, one sentence per failed call (e.g. AccessDenied
    /// naming the permission). Empty when nothing failed.
    pub fn problems(&self) -> Vec<String> {
        [
            self.metadata.error(),
            self.status.error(),
            self.rotations.error(),
        ]
        .into_iter()
        .flatten()
        .map(AwsError::user_message)
        .collect()
    }

    /// Did any read of this key fail?
    pub fn has_problem(&self) -> bool {
        self.metadata.error().is_some()
            || self.status.error().is_some()
            || self.rotations.error().is_some()
    }

    /// The AWS error codes of the failed reads (for a compact badge).
    pub fn problem_codes(&self) -> Vec<String> {
        [
            self.metadata.error(),
            self.status.error(),
            self.rotations.error(),
        ]
        .into_iter()
        .flatten()
        .map(|e| e.code().map_or_else(|| e.to_string(), ErrorCode::to_string))
        .collect()
    }

    /// DescribeKey answered (either way).
    pub fn is_described(&self) -> bool {
        !self.metadata.is_pending()
    }

    /// Every read for this row has answered or was skipped.
    pub fn is_complete(&self) -> bool {
        !self.metadata.is_pending() && !self.status.is_pending() && !self.rotations.is_pending()
    }

    fn set_metadata(&mut self, result: Result<KeyMetadata, AwsError>) {
        match result {
            Ok(meta) => {
                if self.arn.is_none() {
                    self.arn = meta.arn.clone();
                }
                let reads = eligibility::rotation_reads(&meta);
                if !reads.status && self.status.is_pending() {
                    self.status = Load::Skipped;
                }
                if !reads.rotations && self.rotations.is_pending() {
                    self.rotations = Load::Skipped;
                }
                self.metadata = Load::Loaded(meta);
            }
            Err(e) => {
                // Without the key's kind the rotation reads are not attempted.
                if self.status.is_pending() {
                    self.status = Load::Skipped;
                }
                if self.rotations.is_pending() {
                    self.rotations = Load::Skipped;
                }
                self.metadata = Load::Failed(e);
            }
        }
    }
}

/// What the loader reports, in the order it learns things.
// Events are handed over one at a time and dropped after `apply`; boxing the metadata would
// only complicate matching in the UI.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum InventoryEvent {
    /// A ListKeys page: new rows.
    KeysPage(Vec<KeyListEntry>),
    /// All ListKeys pages are in.
    KeysDone,
    /// ListKeys failed: the inventory cannot be shown.
    KeysFailed(AwsError),
    /// A ListAliases page.
    AliasesPage(Vec<AliasListEntry>),
    AliasesDone,
    /// ListAliases failed: rows stay without aliases.
    AliasesFailed(AwsError),
    Described {
        key_id: String,
        result: Result<KeyMetadata, AwsError>,
    },
    Status {
        key_id: String,
        result: Result<RotationStatus, AwsError>,
    },
    Rotations {
        key_id: String,
        result: Result<Vec<RotationsListEntry>, AwsError>,
    },
    /// An error that means the credentials no longer work; loading stopped.
    Stopped(AwsError),
    /// Everything asked has answered.
    Finished,
}

/// The region's keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    pub region: String,
    rows: Vec<KeyRow>,
    index: HashMap<String, usize>,
    /// TargetKeyId -> alias names, kept so rows created later still get their aliases.
    alias_targets: HashMap<String, Vec<String>>,
    pub keys_done: bool,
    pub keys_error: Option<AwsError>,
    pub aliases: Load<()>,
    pub finished: bool,
    pub stopped: Option<AwsError>,
}

/// Loading progress, for "described 140 of 1,000".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub listed: usize,
    pub keys_done: bool,
    pub described: usize,
    pub complete: usize,
    pub finished: bool,
}

impl Progress {
    pub fn text(&self) -> String {
        if !self.keys_done && !self.finished {
            return format!("listing keys: {} so far", thousands(self.listed));
        }
        if self.described < self.listed && !self.finished {
            return format!(
                "described {} of {}",
                thousands(self.described),
                thousands(self.listed)
            );
        }
        if self.complete < self.listed && !self.finished {
            return format!(
                "reading rotation details: {} of {}",
                thousands(self.complete),
                thousands(self.listed)
            );
        }
        let n = self.listed;
        format!("{} {}", thousands(n), if n == 1 { "key" } else { "keys" })
    }

    /// 0.0 ..= 1.0 for a progress bar (listing counts as the first tenth).
    pub fn fraction(&self) -> f64 {
        if self.finished {
            return 1.0;
        }
        if !self.keys_done || self.listed == 0 {
            return 0.0;
        }
        let n = self.listed as f64;
        0.1 + 0.45 * (self.described as f64 / n) + 0.45 * (self.complete as f64 / n)
    }

    pub fn is_loading(&self) -> bool {
        !self.finished
    }
}

impl Inventory {
    pub fn new(region: impl Into<String>) -> Self {
        Inventory {
            region: region.into(),
            ..Default::default()
        }
    }

    pub fn rows(&self) -> &[KeyRow] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn row(&self, key_id: &str) -> Option<&KeyRow> {
        self.index.get(key_id).and_then(|&i| self.rows.get(i))
    }

    /// Where `key_id` sits in [`Inventory::rows`] (rows are only ever appended).
    pub fn position(&self, key_id: &str) -> Option<usize> {
        self.index.get(key_id).copied()
    }

    pub fn row_mut(&mut self, key_id: &str) -> Option<RowMut<'_>> {
        match self.index.get(key_id) {
            Some(&i) => self.rows.get_mut(i).map(RowMut),
            None => None,
        }
    }

    /// The row an alias name points at.
    pub fn find_alias(&self, alias_name: &str) -> Option<&KeyRow> {
        self.rows
            .iter()
            .find(|r| r.aliases.iter().any(|a| a == alias_name))
    }

    pub fn key_ids(&self) -> Vec<String> {
        self.rows.iter().map(|r| r.key_id.clone()).collect()
    }

    /// Keys whose reads failed (to retry them).
    pub fn failed_key_ids(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.has_problem())
            .map(|r| r.key_id.clone())
            .collect()
    }

    pub fn failed_count(&self) -> usize {
        self.rows.iter().filter(|r| r.has_problem()).count()
    }

    pub fn progress(&self) -> Progress {
        Progress {
            listed: self.rows.len(),
            keys_done: self.keys_done,
            described: self.rows.iter().filter(|r| r.is_described()).count(),
            complete: self.rows.iter().filter(|r| r.is_complete()).count(),
            finished: self.finished,
        }
    }

    fn ensure_row(&mut self, key_id: &str, arn: Option<String>) -> RowMut<'_> {
        let i = match self.index.get(key_id) {
            Some(&i) => i,
            None => {
                let mut row = KeyRow::new(key_id, arn);
                if let Some(names) = self.alias_targets.get(key_id) {
                    row.aliases = names.clone();
                }
                self.rows.push(row);
                let i = self.rows.len() - 1;
                self.index.insert(key_id.to_string(), i);
                i
            }
        };
        RowMut(&mut self.rows[i])
    }

    fn add_alias(&mut self, target: &str, name: &str) {
        let names = self.alias_targets.entry(target.to_string()).or_default();
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
            crate::sort::sort(names);
        }
        let names = names.clone();
        if let Some(mut row) = self.row_mut(target) {
            row.aliases = names;
        }
    }

    /// Fold one loader event into the model.
    pub fn apply(&mut self, event: InventoryEvent) {
        match event {
            InventoryEvent::KeysPage(keys) => {
                for k in keys {
                    if !k.key_id.is_empty() {
                        self.ensure_row(&k.key_id, k.key_arn);
                    }
                }
            }
            InventoryEvent::KeysDone => self.keys_done = true,
            InventoryEvent::KeysFailed(e) => {
                self.keys_error = Some(e);
                self.finished = true;
            }
            InventoryEvent::AliasesPage(aliases) => {
                for a in aliases {
                    // Predefined alias/aws/* aliases can exist before their key: no target.
                    if let Some(target) = a.target_key_id.as_deref().filter(|t| !t.is_empty()) {
                        self.add_alias(target, &a.alias_name);
                    }
                }
            }
            InventoryEvent::AliasesDone => {
                if self.aliases.is_pending() {
                    self.aliases = Load::Loaded(());
                }
            }
            InventoryEvent::AliasesFailed(e) => self.aliases = Load::Failed(e),
            InventoryEvent::Described { key_id, result } => {
                self.ensure_row(&key_id, None).set_metadata(result);
            }
            InventoryEvent::Status { key_id, result } => {
                self.ensure_row(&key_id, None).status = Load::from_result(result);
            }
            InventoryEvent::Rotations { key_id, result } => {
                self.ensure_row(&key_id, None).rotations = Load::from_result(result);
            }
            InventoryEvent::Stopped(e) => {
                self.stopped = Some(e);
                self.finished = true;
            }
            InventoryEvent::Finished => self.finished = true,
        }
    }

    /// A key opened directly ("go to key", a link) that ListKeys has not shown (yet).
    pub fn upsert_metadata(&mut self, meta: KeyMetadata) {
        let id = meta.key_id.clone();
        let arn = meta.arn.clone();
        self.ensure_row(&id, arn).set_metadata(Ok(meta));
    }

    /// Fresh GetKeyRotationStatus (after Enable/Disable, during a rotation).
    pub fn set_status(&mut self, key_id: &str, status: RotationStatus) {
        self.ensure_row(key_id, None).status = Load::Loaded(status);
    }

    /// Fresh ListKeyRotations (all pages).
    pub fn set_rotations(&mut self, key_id: &str, rotations: Vec<RotationsListEntry>) {
        self.ensure_row(key_id, None).rotations = Load::Loaded(rotations);
    }

    /// RotateKeyOnDemand answered LimitExceededException.
    pub fn mark_limit_exceeded(&mut self, key_id: &str) {
        self.ensure_row(key_id, None).server_limit_exceeded = true;
    }
}

// ---------------------------------------------------------------------------------------------
// The loader

/// How hard the loader may push. Pacing is the client's (one adaptive limiter per operation
/// and scope, docs/kms.md §4.3); the loader only bounds how many keys are read at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadConfig {
    /// Keys whose reads are in flight at once.
    pub concurrency: usize,
    /// Keys to read first (the rows on screen); the view updates it while the load runs.
    pub priority: Priority,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            // Four times a host's six connections: the browser queues what it cannot send yet,
            // so a connection never waits for the page to send a key's next read after an
            // answer (docs/kms.md §6.2). Pacing stays the limiter's.
            concurrency: 24,
            priority: Priority::default(),
        }
    }
}

impl LoadConfig {
    pub fn with_concurrency(concurrency: usize) -> Self {
        LoadConfig {
            concurrency,
            ..LoadConfig::default()
        }
    }
}

/// The keys a running load reads next, before the rest of its queue: the rows on screen load
/// first. Shared between the view, which sets it, and the load, which takes from it.
#[derive(Clone, Debug, Default)]
pub struct Priority(std::rc::Rc<RefCell<VecDeque<String>>>);

impl PartialEq for Priority {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Priority {}

impl Priority {
    /// Read these keys next (replaces the previous wish).
    pub fn set(&self, key_ids: impl IntoIterator<Item = String>) {
        *self.0.borrow_mut() = key_ids.into_iter().collect();
    }

    fn take(&self) -> Option<String> {
        self.0.borrow_mut().pop_front()
    }
}

/// How a load ended.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadOutcome {
    Finished,
    /// The generation changed (disconnect, region switch): results after that were dropped.
    Cancelled,
    /// ListKeys failed, or an error ended the session.
    Failed(AwsError),
}

/// Drive several futures to completion on the current task (no spawning: works on the
/// single-threaded browser executor and under `block_on`). Polls every unfinished future on each
/// wake-up, which is cheap for the handful of workers used here.
pub(crate) struct JoinAll<'a> {
    futures: Vec<Option<Pin<Box<dyn Future<Output = ()> + 'a>>>>,
}

impl<'a> JoinAll<'a> {
    pub(crate) fn new(futures: Vec<Pin<Box<dyn Future<Output = ()> + 'a>>>) -> Self {
        JoinAll {
            futures: futures.into_iter().map(Some).collect(),
        }
    }
}

impl Future for JoinAll<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut pending = false;
        for slot in self.futures.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    pending = true;
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

enum Stop {
    Cancelled,
    Error(AwsError),
}

/// Follow NextMarker while Truncated, pacing each page and stopping on cancellation.
/// A read throttled through all of its attempts is sent again, up to this many more times: a
/// throttled request did nothing, and the scope's limiter has slowed down meanwhile, so the
/// next round is paced below the quota (docs/kms.md §4.2). Reads only; a rotation is never
/// resent this way.
const THROTTLED_READ_ROUNDS: u32 = 3;

/// `client.call(op)`, sent again while KMS throttles it (see [`THROTTLED_READ_ROUNDS`]).
async fn patient_read<T: Transport, O: crate::aws::kms::Operation>(
    client: &Client<T>,
    token: &CancelToken,
    op: &O,
) -> Result<O::Output, AwsError> {
    let mut round = 0;
    loop {
        let r = client.call(op).await;
        match &r {
            Err(e)
                if round < THROTTLED_READ_ROUNDS
                    && !token.is_cancelled()
                    && e.code().is_some_and(ErrorCode::is_throttling) =>
            {
                round += 1;
            }
            _ => return r,
        }
    }
}

async fn all_pages<T, O, F>(
    client: &Client<T>,
    token: &CancelToken,
    first: O,
    mut on_page: F,
) -> Result<Vec<O::Item>, Stop>
where
    T: Transport,
    O: Paginated,
    O::Item: Clone,
    F: FnMut(Vec<O::Item>),
{
    let mut op = first;
    let mut all = Vec::new();
    let mut guard = MarkerGuard::default();
    loop {
        if token.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        guard.sent(&op);
        let out = patient_read(client, token, &op).await;
        if token.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let (items, next, truncated) = O::into_page(out.map_err(Stop::Error)?);
        all.extend(items.iter().cloned());
        on_page(items);
        if !guard
            .advance(&mut op, next, truncated)
            .map_err(Stop::Error)?
        {
            return Ok(all);
        }
    }
}

/// Every page of one list, neither paced nor cancellable (a key's history or tags, read when
/// its panel asks), by the same rule as the loader's. `on_page` sees each page as it arrives.
pub async fn every_page<T, O, F>(
    client: &Client<T>,
    first: O,
    on_page: F,
) -> Result<Vec<O::Item>, AwsError>
where
    T: Transport,
    O: Paginated,
    O::Item: Clone,
    F: FnMut(Vec<O::Item>),
{
    match all_pages(client, &CancelToken::never(), first, on_page).await {
        Ok(v) => Ok(v),
        Err(Stop::Error(e)) => Err(e),
        Err(Stop::Cancelled) => Err(AwsError::from(ErrorKind::Aborted)
            .with_operation(ApiOperation::new(O::SERVICE, O::NAME))),
    }
}

/// Every ListKeyRotations page for one key (ALL_KEY_MATERIAL when asked, e.g. for EXTERNAL keys).
pub async fn list_rotations<T: Transport>(
    client: &Client<T>,
    key_id: &str,
    all_key_material: bool,
) -> Result<Vec<RotationsListEntry>, AwsError> {
    every_page(client, rotations_request(key_id, all_key_material), |_| {}).await
}

fn rotations_request(key_id: &str, all_key_material: bool) -> ListKeyRotations {
    ListKeyRotations {
        key_id: key_id.to_string(),
        include_key_material: all_key_material.then_some(IncludeKeyMaterial::AllKeyMaterial),
        limit: Some(LIST_ROTATIONS_PAGE),
        marker: None,
    }
}

/// Load the whole inventory of the client's region: every ListKeys page (rows appear), then
/// every ListAliases page side by side with each key's DescribeKey, GetKeyRotationStatus and
/// ListKeyRotations where meaningful, `config.concurrency` keys at a time. Stops as soon as
/// `token` is cancelled; nothing is reported after that.
pub async fn load_inventory<T: Transport, F: FnMut(InventoryEvent)>(
    client: &Client<T>,
    token: &CancelToken,
    config: &LoadConfig,
    emit: F,
) -> LoadOutcome {
    let emit = RefCell::new(emit);
    let send = |ev: InventoryEvent| {
        if !token.is_cancelled() {
            (emit.borrow_mut())(ev);
        }
    };

    let first = ListKeys {
        limit: Some(LIST_KEYS_PAGE),
        ..Default::default()
    };
    let keys = match all_pages(client, token, first, |page| {
        send(InventoryEvent::KeysPage(page))
    })
    .await
    {
        Ok(keys) => keys,
        Err(Stop::Cancelled) => return LoadOutcome::Cancelled,
        Err(Stop::Error(e)) => {
            send(InventoryEvent::KeysFailed(e.clone()));
            return LoadOutcome::Failed(e);
        }
    };
    send(InventoryEvent::KeysDone);

    let mut seen = std::collections::HashSet::new();
    let ids: Vec<String> = keys
        .into_iter()
        .map(|k| k.key_id)
        .filter(|id| !id.is_empty() && seen.insert(id.clone()))
        .collect();

    // Aliases are listed side by side with the keys' reads: the rows fill in while the alias
    // pages arrive (a first screenful does not wait for every alias page). An error that ends
    // the session, met by either half, stops the other, and nothing is reported after it.
    let fatal: RefCell<Option<AwsError>> = RefCell::new(None);
    let stopped = std::cell::Cell::new(false);
    let guarded = |ev: InventoryEvent| {
        if stopped.get() || (fatal.borrow().is_some() && !matches!(ev, InventoryEvent::Stopped(_)))
        {
            return;
        }
        if matches!(ev, InventoryEvent::Stopped(_)) {
            stopped.set(true);
        }
        send(ev);
    };
    let aliases = async {
        let first = ListAliases {
            limit: Some(LIST_ALIASES_PAGE),
            ..Default::default()
        };
        match all_pages(client, token, first, |page| {
            guarded(InventoryEvent::AliasesPage(page))
        })
        .await
        {
            Ok(_) => guarded(InventoryEvent::AliasesDone),
            Err(Stop::Cancelled) => {}
            Err(Stop::Error(e)) if ends_session(&e) => {
                let mut f = fatal.borrow_mut();
                if f.is_none() {
                    *f = Some(e);
                }
            }
            Err(Stop::Error(e)) => guarded(InventoryEvent::AliasesFailed(e)),
        }
    };
    let outcome: RefCell<LoadOutcome> = RefCell::new(LoadOutcome::Cancelled);
    let reads = async {
        *outcome.borrow_mut() = details(client, ids, token, config, &guarded, &fatal).await;
    };
    JoinAll::new(vec![Box::pin(aliases), Box::pin(reads)]).await;

    if token.is_cancelled() {
        return LoadOutcome::Cancelled;
    }
    let outcome = outcome.into_inner();
    // The alias listing met it after the reads were done.
    if let (LoadOutcome::Finished, Some(e)) = (&outcome, fatal.borrow().clone()) {
        guarded(InventoryEvent::Stopped(e.clone()));
        return LoadOutcome::Failed(e);
    }
    if outcome == LoadOutcome::Finished {
        guarded(InventoryEvent::Finished);
    }
    outcome
}

/// Re-read some keys' details (DescribeKey, rotation status, rotations): after an action, or to
/// retry the rows that failed. It never reports `Finished` (a refresh during the main load
/// must not mark the inventory loaded); `Stopped` is reported as usual.
pub async fn load_key_details<T: Transport, F: FnMut(InventoryEvent)>(
    client: &Client<T>,
    key_ids: Vec<String>,
    token: &CancelToken,
    config: &LoadConfig,
    emit: F,
) -> LoadOutcome {
    let emit = RefCell::new(emit);
    let send = |ev: InventoryEvent| {
        if !token.is_cancelled() {
            (emit.borrow_mut())(ev);
        }
    };
    details(client, key_ids, token, config, &send, &RefCell::new(None)).await
}

/// Read `key_ids`' details. `fatal` is shared with whatever runs beside (the alias listing): an
/// error that ends the session, found by either, stops both.
async fn details<T: Transport>(
    client: &Client<T>,
    key_ids: Vec<String>,
    token: &CancelToken,
    config: &LoadConfig,
    send: &dyn Fn(InventoryEvent),
    fatal: &RefCell<Option<AwsError>>,
) -> LoadOutcome {
    // Keys not read yet; the queue's order, unless the priority names some of them first.
    let pending: RefCell<std::collections::HashSet<String>> =
        RefCell::new(key_ids.iter().cloned().collect());
    let queue = RefCell::new(VecDeque::from(key_ids));
    let next_key = || -> Option<String> {
        let mut pending = pending.borrow_mut();
        while let Some(k) = config.priority.take() {
            if pending.remove(&k) {
                return Some(k);
            }
        }
        let mut queue = queue.borrow_mut();
        while let Some(k) = queue.pop_front() {
            if pending.remove(&k) {
                return Some(k);
            }
        }
        None
    };
    let worker = || async {
        loop {
            if token.is_cancelled() || fatal.borrow().is_some() {
                return;
            }
            let Some(key_id) = next_key() else {
                return;
            };
            match load_one(client, token, &key_id, send).await {
                Ok(()) => {}
                Err(Stop::Cancelled) => return,
                Err(Stop::Error(e)) => {
                    let mut f = fatal.borrow_mut();
                    if f.is_none() {
                        *f = Some(e);
                    }
                    return;
                }
            }
        }
    };
    let n = config.concurrency.max(1);
    let workers: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = (0..n)
        .map(|_| Box::pin(worker()) as Pin<Box<dyn Future<Output = ()>>>)
        .collect();
    JoinAll::new(workers).await;

    if token.is_cancelled() {
        return LoadOutcome::Cancelled;
    }
    if let Some(e) = fatal.borrow().clone() {
        send(InventoryEvent::Stopped(e.clone()));
        return LoadOutcome::Failed(e);
    }
    LoadOutcome::Finished
}

/// One key's reads. `Err(Stop::Error)` only for errors that end the session (the error is also
/// reported on the row); other failures stay on the row and the load goes on.
async fn load_one<T: Transport>(
    client: &Client<T>,
    token: &CancelToken,
    key_id: &str,
    send: &dyn Fn(InventoryEvent),
) -> Result<(), Stop> {
    let fatal = |e: &AwsError| {
        if ends_session(e) {
            Err(Stop::Error(e.clone()))
        } else {
            Ok(())
        }
    };

    if token.is_cancelled() {
        return Err(Stop::Cancelled);
    }
    let described = patient_read(client, token, &DescribeKey::new(key_id))
        .await
        .map(|o| o.key_metadata);
    if token.is_cancelled() {
        return Err(Stop::Cancelled);
    }
    let meta = match described {
        Ok(m) => m,
        Err(e) => {
            send(InventoryEvent::Described {
                key_id: key_id.to_string(),
                result: Err(e.clone()),
            });
            return fatal(&e);
        }
    };
    let reads = eligibility::rotation_reads(&meta);
    send(InventoryEvent::Described {
        key_id: key_id.to_string(),
        result: Ok(meta),
    });

    if reads.status {
        if token.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let r = patient_read(client, token, &GetKeyRotationStatus::new(key_id)).await;
        if token.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let failed = r.as_ref().err().cloned();
        send(InventoryEvent::Status {
            key_id: key_id.to_string(),
            result: r,
        });
        if let Some(e) = failed {
            fatal(&e)?;
        }
    }

    if reads.rotations {
        let r = all_pages(
            client,
            token,
            rotations_request(key_id, reads.all_key_material),
            |_| {},
        )
        .await;
        let result = match r {
            Ok(v) => Ok(v),
            Err(Stop::Cancelled) => return Err(Stop::Cancelled),
            Err(Stop::Error(e)) => Err(e),
        };
        let failed = result.as_ref().err().cloned();
        send(InventoryEvent::Rotations {
            key_id: key_id.to_string(),
            result,
        });
        if let Some(e) = failed {
            fatal(&e)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::kms::KeySpec;
    use crate::aws::transport::fake::FakeTransport;
    use crate::console::session::Generation;
    use crate::console::testkit::*;
    use futures::executor::block_on;
    use std::cell::Cell;
    use std::rc::Rc;

    const A: &str = "1234abcd-12ab-34cd-56ef-1234567890aa";
    const B: &str = "1234abcd-12ab-34cd-56ef-1234567890bb";
    const C: &str = "1234abcd-12ab-34cd-56ef-1234567890cc";
    const D: &str = "1234abcd-12ab-34cd-56ef-1234567890dd";

    fn run(
        client: &Client<FakeKms>,
        token: &CancelToken,
        config: &LoadConfig,
    ) -> (Inventory, Vec<InventoryEvent>, LoadOutcome) {
        let mut inv = Inventory::new("us-east-1");
        let mut events = Vec::new();
        let outcome = block_on(load_inventory(client, token, config, |ev| {
            events.push(ev.clone());
            inv.apply(ev);
        }));
        (inv, events, outcome)
    }

    // -----------------------------------------------------------------------------------------
    // every_page: the paging rule every list read follows (MarkerGuard), on a FIFO script.

    fn scripted() -> Client<FakeTransport> {
        let creds = crate::aws::credentials::Credentials::new(
            "ASIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
            None,
        )
        .expect("valid test credentials");
        let config = crate::aws::endpoint::EndpointConfig {
            region: "us-east-1".to_string(),
            ..Default::default()
        };
        Client::new(FakeTransport::new(), creds, config)
    }

    fn keys_from_the_start() -> ListKeys {
        ListKeys {
            limit: Some(LIST_KEYS_PAGE),
            ..Default::default()
        }
    }

    #[test]
    fn every_page_follows_next_marker_and_reports_pages() {
        let c = scripted();
        c.transport()
            .reply(
                200,
                &[],
                r#"{"Keys":[{"KeyId":"a"},{"KeyId":"b"}],"NextMarker":"m1","Truncated":true}"#,
            )
            .reply(
                200,
                &[],
                r#"{"Keys":[],"NextMarker":"m2","Truncated":true}"#,
            )
            .reply(200, &[], r#"{"Keys":[{"KeyId":"c"}],"Truncated":false}"#);
        let mut pages = Vec::new();
        let all = block_on(every_page(&c, keys_from_the_start(), |p| {
            pages.push(p.len())
        }))
        .expect("ok");
        assert_eq!(
            all.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        assert_eq!(pages, vec![2, 0, 1]);
        let reqs = c.transport().requests.borrow();
        assert_eq!(reqs[0].body, br#"{"Limit":1000}"#);
        assert_eq!(reqs[1].body, br#"{"Limit":1000,"Marker":"m1"}"#);
        assert_eq!(reqs[2].body, br#"{"Limit":1000,"Marker":"m2"}"#);
    }

    #[test]
    fn list_rotations_asks_for_full_pages_of_one_key() {
        let c = scripted();
        c.transport().reply(
            200,
            &[],
            r#"{"Rotations":[{"RotationType":"ON_DEMAND"}],"Truncated":false}"#,
        );
        assert_eq!(
            block_on(list_rotations(&c, "k1", false)).map(|v| v.len()),
            Ok(1)
        );
        let reqs = c.transport().requests.borrow();
        assert_eq!(reqs[0].body, br#"{"KeyId":"k1","Limit":1000}"#);
        assert_eq!(
            reqs[0].header("X-Amz-Target"),
            Some("TrentService.ListKeyRotations")
        );
    }

    #[test]
    fn every_page_stops_on_a_truncated_page_without_a_new_marker() {
        let c = scripted();
        c.transport()
            .reply(200, &[], r#"{"Keys":[{"KeyId":"a"}],"Truncated":true}"#);
        let err = block_on(every_page(&c, keys_from_the_start(), |_| {})).expect_err("no marker");
        assert!(matches!(err.kind, ErrorKind::Decode { .. }), "{err:?}");
        assert_eq!(err.operation, Some(ApiOperation::kms("ListKeys")));
        let c = scripted();
        c.transport()
            .reply(200, &[], r#"{"Keys":[],"NextMarker":"m","Truncated":true}"#)
            .reply(200, &[], r#"{"Keys":[],"NextMarker":"m","Truncated":true}"#);
        assert!(block_on(every_page(&c, keys_from_the_start(), |_| {})).is_err());
        assert_eq!(c.transport().sent(), 2);
    }

    #[test]
    fn every_page_stops_a_cycle() {
        let c = scripted();
        c.transport()
            .reply(200, &[], r#"{"Keys":[],"NextMarker":"a","Truncated":true}"#)
            .reply(200, &[], r#"{"Keys":[],"NextMarker":"b","Truncated":true}"#)
            .reply(200, &[], r#"{"Keys":[],"NextMarker":"a","Truncated":true}"#);
        let err = block_on(every_page(&c, keys_from_the_start(), |_| {})).expect_err("a cycle");
        assert!(err.to_string().contains("circle"), "{err}");
        assert_eq!(c.transport().sent(), 3);
    }

    #[test]
    fn every_page_propagates_errors_mid_way() {
        let c = scripted();
        c.transport()
            .reply(
                200,
                &[],
                r#"{"Keys":[{"KeyId":"a"}],"NextMarker":"m","Truncated":true}"#,
            )
            .reply(
                400,
                &[],
                r#"{"__type":"com.amazonaws.kms#InvalidMarkerException","message":"m"}"#,
            );
        let err = block_on(every_page(&c, keys_from_the_start(), |_| {})).expect_err("bad marker");
        assert_eq!(err.code(), Some(&ErrorCode::InvalidMarkerException));
        assert_eq!(err.operation, Some(ApiOperation::kms("ListKeys")));
    }

    fn unpaced() -> LoadConfig {
        LoadConfig::with_concurrency(8)
    }

    #[test]
    fn loads_every_page_and_fills_rows() {
        let c = client();
        let t = c.transport();
        t.once("ListKeys", None, key_list(&[A, B], Some("m1")));
        t.once("ListKeys", None, key_list(&[C, D], None));
        t.always(
            "ListAliases",
            None,
            alias_list(&[
                ("alias/zeta", Some(A)),
                ("alias/alpha", Some(A)),
                ("alias/aws/ebs", None),
                ("alias/rsa", Some(B)),
            ]),
        );
        t.always(
            "DescribeKey",
            Some(A),
            describe(
                A,
                "SYMMETRIC_DEFAULT",
                "Enabled",
                "CUSTOMER",
                "AWS_KMS",
                r#","Description":"Payments <b>key</b>""#,
            ),
        );
        t.always(
            "DescribeKey",
            Some(B),
            describe(B, "RSA_2048", "Enabled", "CUSTOMER", "AWS_KMS", ""),
        );
        t.always(
            "DescribeKey",
            Some(C),
            Reply::Err("AccessDeniedException", 400),
        );
        t.always(
            "DescribeKey",
            Some(D),
            describe(D, "SYMMETRIC_DEFAULT", "Enabled", "AWS", "AWS_KMS", ""),
        );
        t.always(
            "GetKeyRotationStatus",
            Some(A),
            status(true, Some(180), false),
        );
        t.always(
            "GetKeyRotationStatus",
            Some(D),
            status(true, Some(365), false),
        );
        t.once("ListKeyRotations", Some(A), rotations(2, 1, Some("r1")));
        t.once("ListKeyRotations", Some(A), rotations(1, 0, None));
        t.always("ListKeyRotations", Some(D), rotations(0, 3, None));

        let (inv, events, outcome) = run(&c, &CancelToken::never(), &unpaced());
        assert_eq!(outcome, LoadOutcome::Finished);
        assert_eq!(
            events.first(),
            Some(&InventoryEvent::KeysPage(vec![
                KeyListEntry {
                    key_id: A.into(),
                    key_arn: Some(format!("arn:aws:kms:us-east-1:111122223333:key/{A}"))
                },
                KeyListEntry {
                    key_id: B.into(),
                    key_arn: Some(format!("arn:aws:kms:us-east-1:111122223333:key/{B}"))
                },
            ]))
        );
        assert_eq!(events.last(), Some(&InventoryEvent::Finished));
        assert_eq!(inv.key_ids(), [A, B, C, D]);
        assert!(inv.finished && inv.keys_done);
        assert_eq!(inv.aliases, Load::Loaded(()));

        // Pagination: the second ListKeys and ListKeyRotations pages carried the markers.
        let log = t.log.borrow();
        let markers: Vec<_> = log
            .iter()
            .filter(|(op, _)| op == "ListKeys" || op == "ListKeyRotations")
            .filter_map(|(_, b)| b.get("Marker").and_then(|m| m.as_str()).map(str::to_string))
            .collect();
        assert_eq!(markers, ["m1", "r1"]);
        // Page sizes: the largest each list allows.
        for (op, limit) in [
            ("ListKeys", LIST_KEYS_PAGE),
            ("ListAliases", LIST_ALIASES_PAGE),
            ("ListKeyRotations", LIST_ROTATIONS_PAGE),
        ] {
            assert!(log.iter().any(|(o, _)| o == op), "{op} sent");
            assert!(log
                .iter()
                .filter(|(o, _)| o == op)
                .all(|(_, b)| b["Limit"] == limit));
        }
        assert_eq!((LIST_KEYS_PAGE, LIST_ALIASES_PAGE), (1000, 100));
        drop(log);

        let a = inv.row(A).unwrap();
        assert_eq!(a.aliases, ["alias/alpha", "alias/zeta"]);
        assert_eq!(a.alias(), Some("alias/alpha"));
        assert_eq!(a.description(), Some("Payments <b>key</b>"));
        assert_eq!(a.on_demand_used(), Some(3));
        assert_eq!(a.remaining(), Some(22));
        assert_eq!(
            a.auto_rotation(),
            AutoRotation::On {
                period_days: Some(180),
                next: Some(Timestamp(1_800_000_000.0))
            }
        );
        assert_eq!(a.auto_rotation().text(), "on, every 180 days");
        assert_eq!(a.last_rotation(), Some(Timestamp(1_795_000_001.0)));
        assert_eq!(a.rotate_now(), Ok(()));
        assert!(a.problems().is_empty());
        assert!(a.is_customer_managed());

        // The RSA key: no rotation reads at all.
        let b = inv.row(B).unwrap();
        assert_eq!(t.count_for("GetKeyRotationStatus", B), 0);
        assert_eq!(t.count_for("ListKeyRotations", B), 0);
        assert_eq!(b.status, Load::Skipped);
        assert_eq!(b.auto_rotation(), AutoRotation::NotApplicable);
        assert_eq!(b.remaining(), None);
        assert!(matches!(b.rotate_now(), Err(Blocked::Asymmetric { .. })));
        assert_eq!(b.spec_text(), "RSA_2048");

        // Access denied: the row stays, with the reason.
        let cr = inv.row(C).unwrap();
        assert!(cr.is_complete());
        assert_eq!(cr.problem_codes(), ["AccessDeniedException"]);
        assert!(
            cr.problems()[0].contains("kms:DescribeKey"),
            "{:?}",
            cr.problems()
        );
        assert!(matches!(cr.rotate_now(), Err(Blocked::Unreadable { .. })));
        assert_eq!(inv.failed_key_ids(), [C]);
        assert_eq!(inv.failed_count(), 1);
        assert!(cr.has_problem() && !inv.row(A).unwrap().has_problem());

        // AWS managed.
        let d = inv.row(D).unwrap();
        assert!(d.is_aws_managed());
        assert_eq!(d.auto_rotation(), AutoRotation::AwsManaged);
        assert_eq!(d.remaining(), None);
        assert_eq!(d.rotate_now(), Err(Blocked::AwsManaged));

        let p = inv.progress();
        assert_eq!(p.text(), "4 keys");
        assert_eq!(p.fraction(), 1.0);
        assert!(!p.is_loading());
    }

    #[test]
    fn per_key_calls_run_concurrently_within_the_bound() {
        let c = client();
        let t = c.transport();
        let ids: Vec<String> = (0..20)
            .map(|i| format!("1234abcd-12ab-34cd-56ef-1234567890{i:02}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        t.once("ListKeys", None, key_list(&refs, None));
        t.always("ListAliases", None, alias_list(&[]));
        for id in &ids {
            t.always("DescribeKey", Some(id), symmetric_key(id));
        }
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        let config = LoadConfig::with_concurrency(3);
        let (inv, _, outcome) = run(&c, &CancelToken::never(), &config);
        assert_eq!(outcome, LoadOutcome::Finished);
        // Three keys' reads at a time, and the alias listing beside them.
        assert_eq!(t.max_in_flight.get(), 3 + 1);
        assert_eq!(t.count("DescribeKey"), 20);
        assert_eq!(t.count("GetKeyRotationStatus"), 20);
        assert_eq!(t.count("ListKeyRotations"), 20);
        assert!(inv
            .rows()
            .iter()
            .all(|r| r.is_complete() && r.remaining() == Some(25)));

        // concurrency 1 means one key at a time (beside the alias listing).
        let c = client();
        let t = c.transport();
        t.once("ListKeys", None, key_list(&refs[..4], None));
        t.always("ListAliases", None, alias_list(&[]));
        t.always(
            "DescribeKey",
            None,
            Reply::Err("AccessDeniedException", 400),
        );
        let config = LoadConfig::with_concurrency(1);
        run(&c, &CancelToken::never(), &config);
        assert_eq!(t.max_in_flight.get(), 1 + 1);
    }

    #[test]
    fn keys_on_screen_are_read_first() {
        let c = client();
        let t = c.transport();
        let ids: Vec<String> = (0..30)
            .map(|i| format!("{i:08}-0000-0000-0000-000000000000"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        t.once("ListKeys", None, key_list(&refs, None));
        t.always("ListAliases", None, alias_list(&[]));
        for id in &refs {
            t.always("DescribeKey", Some(id), symmetric_key(id));
        }
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        let config = LoadConfig::with_concurrency(1);
        // The view asks for the last three keys (and one that is not in the load).
        config.priority.set([
            ids[29].clone(),
            "nope".to_string(),
            ids[27].clone(),
            ids[28].clone(),
        ]);
        let (inv, _, _) = run(&c, &CancelToken::never(), &config);
        assert!(inv.rows().iter().all(KeyRow::is_complete));
        let described: Vec<String> = t
            .log
            .borrow()
            .iter()
            .filter(|(op, _)| op == "DescribeKey")
            .map(|(_, body)| body["KeyId"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(described.len(), 30, "each key once");
        assert_eq!(
            &described[..3],
            &[ids[29].clone(), ids[27].clone(), ids[28].clone()]
        );
        assert_eq!(described[3], ids[0]);
    }

    #[test]
    fn requests_are_paced_per_operation_by_the_scopes_limiters() {
        use crate::aws::limiter::{Limiters, MIN_SHARE};
        // 5% of each quota: DescribeKey may go at 100 rps (starting at 70, 7 at once),
        // ListKeyRotations at 5 (starting at 3.5, one at once).
        let limiters = Rc::new(Limiters::new(MIN_SHARE));
        let c = client().with_limiters(Rc::clone(&limiters));
        let t = c.transport();
        let ids: Vec<String> = (0..20)
            .map(|i| format!("{i:08}-0000-0000-0000-000000000000"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        t.once("ListKeys", None, key_list(&refs, None));
        t.always("ListAliases", None, alias_list(&[]));
        for id in &refs {
            t.always("DescribeKey", Some(id), symmetric_key(id));
        }
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        // One throttle: the limiter cuts ListKeyRotations and the retry gets the answer.
        t.once(
            "ListKeyRotations",
            None,
            Reply::Err("ThrottlingException", 400),
        );
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        let (inv, _, _) = run(&c, &CancelToken::never(), &LoadConfig::with_concurrency(20));
        assert!(inv.rows().iter().all(KeyRow::is_complete));
        let sent = t.sent_at_ms.borrow();
        let times = |op: &str| -> Vec<u64> {
            let mut v: Vec<u64> = sent
                .iter()
                .filter(|(o, _)| o == op)
                .map(|(_, t)| *t)
                .collect();
            v.sort_unstable();
            v
        };
        let describe = times("DescribeKey");
        assert_eq!(describe.len(), 20);
        // Past the burst of 7, starts are at least 1/70 s apart.
        for w in describe[7..].windows(2) {
            assert!(w[1] - w[0] >= 14, "{describe:?}");
        }
        let rot = times("ListKeyRotations");
        assert_eq!(rot.len(), 21);
        // 21 requests at no more than 5 per second: more than 4 s from first to last.
        assert!(rot[20] - rot[0] >= 4000, "{rot:?}");
        let status = limiters.status(0.0);
        let lr = status
            .iter()
            .find(|s| s.operation == "ListKeyRotations")
            .unwrap();
        assert_eq!(lr.throttles, 1);
        assert!((lr.ceiling - 5.0).abs() < 1e-9);
        assert!(status
            .iter()
            .any(|s| s.operation == "DescribeKey" && s.throttles == 0));
    }

    #[test]
    fn a_read_throttled_through_every_attempt_is_sent_again() {
        let c = client();
        let t = c.transport();
        t.once("ListKeys", None, key_list(&[A], None));
        t.always("ListAliases", None, alias_list(&[]));
        t.always("DescribeKey", Some(A), symmetric_key(A));
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        // Five throttles: the first call's three attempts, then two of the next round's.
        for _ in 0..5 {
            t.once(
                "ListKeyRotations",
                None,
                Reply::Err("ThrottlingException", 400),
            );
        }
        t.always("ListKeyRotations", None, rotations(2, 0, None));
        let (inv, _, _) = run(&c, &CancelToken::never(), &LoadConfig::default());
        let row = inv.row(A).unwrap();
        assert!(
            matches!(row.rotations, Load::Loaded(_)),
            "{:?}",
            row.rotations
        );
        assert_eq!(row.on_demand_used(), Some(2));
        let sent = t.log.borrow();
        assert_eq!(
            sent.iter()
                .filter(|(op, _)| op == "ListKeyRotations")
                .count(),
            6
        );
        // Throttled without end: it gives up after 1 + THROTTLED_READ_ROUNDS calls.
        let c = client();
        let t = c.transport();
        t.once("ListKeys", None, key_list(&[B], None));
        t.always("ListAliases", None, alias_list(&[]));
        t.always("DescribeKey", Some(B), symmetric_key(B));
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always(
            "ListKeyRotations",
            None,
            Reply::Err("ThrottlingException", 400),
        );
        let (inv, _, _) = run(&c, &CancelToken::never(), &LoadConfig::default());
        assert!(inv.row(B).unwrap().rotations.error().is_some());
        let n = t
            .log
            .borrow()
            .iter()
            .filter(|(op, _)| op == "ListKeyRotations")
            .count();
        assert_eq!(n, 3 * (1 + THROTTLED_READ_ROUNDS as usize));
    }

    #[test]
    fn an_expired_token_while_listing_aliases_stops_the_key_reads_too() {
        let c = client();
        let t = c.transport();
        let ids: Vec<String> = (0..40)
            .map(|i| format!("1234abcd-12ab-34cd-56ef-1234567890{i:02}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        t.once("ListKeys", None, key_list(&refs, None));
        t.always(
            "ListAliases",
            None,
            Reply::Err("ExpiredTokenException", 400),
        );
        for id in &ids {
            t.always("DescribeKey", Some(id), symmetric_key(id));
        }
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        let (_, events, outcome) = run(&c, &CancelToken::never(), &LoadConfig::with_concurrency(2));
        assert!(
            matches!(outcome, LoadOutcome::Failed(ref e) if e.code() == Some(&ErrorCode::ExpiredTokenException)),
            "{outcome:?}"
        );
        // One Stopped, last; no Finished; the reads stopped long before all 40 keys.
        let stopped: Vec<usize> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, InventoryEvent::Stopped(_)))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(stopped, [events.len() - 1], "{events:?}");
        assert!(!events.iter().any(|e| matches!(e, InventoryEvent::Finished)));
        assert!(t.count("DescribeKey") < 40, "{}", t.count("DescribeKey"));
    }

    #[test]
    fn stops_when_the_generation_changes() {
        let c = client();
        let t = c.transport();
        let ids: Vec<String> = (0..30)
            .map(|i| format!("1234abcd-12ab-34cd-56ef-1234567890{i:02}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        t.once("ListKeys", None, key_list(&refs, None));
        t.always("ListAliases", None, alias_list(&[]));
        t.always(
            "DescribeKey",
            None,
            describe("x", "RSA_2048", "Enabled", "CUSTOMER", "AWS_KMS", ""),
        );
        let gen = Generation::new();
        let token = gen.token();
        let described = Rc::new(Cell::new(0));
        {
            let gen = gen.clone();
            let described = Rc::clone(&described);
            *t.on_send.borrow_mut() = Some(Box::new(move |op, _| {
                if op == "DescribeKey" {
                    described.set(described.get() + 1);
                    if described.get() == 5 {
                        gen.bump(); // region switch
                    }
                }
            }));
        }
        let config = LoadConfig::with_concurrency(2);
        let (inv, events, outcome) = run(&c, &token, &config);
        assert_eq!(outcome, LoadOutcome::Cancelled);
        assert!(token.is_cancelled());
        // Answers that arrived after the switch were dropped; no more requests were started.
        let describes = events
            .iter()
            .filter(|e| matches!(e, InventoryEvent::Described { .. }))
            .count();
        assert!(describes < 5, "{describes}");
        assert!(t.count("DescribeKey") <= 6, "{}", t.count("DescribeKey"));
        assert!(!events.contains(&InventoryEvent::Finished));
        assert!(!inv.finished);
    }

    #[test]
    fn an_expired_token_stops_the_load() {
        let c = client();
        let t = c.transport();
        let ids: Vec<String> = (0..10)
            .map(|i| format!("1234abcd-12ab-34cd-56ef-1234567890{i:02}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        t.once("ListKeys", None, key_list(&refs, None));
        t.always("ListAliases", None, alias_list(&[]));
        t.always(
            "DescribeKey",
            None,
            Reply::Err("ExpiredTokenException", 400),
        );
        let config = LoadConfig::with_concurrency(1);
        let (inv, events, outcome) = run(&c, &CancelToken::never(), &config);
        assert!(
            matches!(outcome, LoadOutcome::Failed(ref e) if e.code() == Some(&ErrorCode::ExpiredTokenException))
        );
        assert_eq!(t.count("DescribeKey"), 1);
        assert!(matches!(events.last(), Some(InventoryEvent::Stopped(_))));
        assert!(inv.stopped.is_some() && inv.finished);
    }

    #[test]
    fn list_keys_failure_and_alias_failure() {
        let c = client();
        c.transport()
            .always("ListKeys", None, Reply::Err("AccessDeniedException", 400));
        let (inv, _, outcome) = run(&c, &CancelToken::never(), &unpaced());
        assert!(matches!(outcome, LoadOutcome::Failed(_)));
        assert!(inv.keys_error.is_some());
        assert!(inv.finished);
        assert_eq!(c.transport().count("ListAliases"), 0);

        let c = client();
        let t = c.transport();
        t.once("ListKeys", None, key_list(&[A], None));
        t.always(
            "ListAliases",
            None,
            Reply::Err("AccessDeniedException", 400),
        );
        t.always("DescribeKey", Some(A), symmetric_key(A));
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        let (inv, _, outcome) = run(&c, &CancelToken::never(), &unpaced());
        assert_eq!(outcome, LoadOutcome::Finished);
        assert!(inv.aliases.error().is_some());
        assert!(inv.row(A).unwrap().is_complete());
    }

    #[test]
    fn imported_keys_list_all_key_material() {
        let c = client();
        let t = c.transport();
        t.once("ListKeys", None, key_list(&[A], None));
        t.always("ListAliases", None, alias_list(&[]));
        t.always(
            "DescribeKey",
            Some(A),
            describe(
                A,
                "SYMMETRIC_DEFAULT",
                "Enabled",
                "CUSTOMER",
                "EXTERNAL",
                "",
            ),
        );
        t.always(
            "GetKeyRotationStatus",
            None,
            Reply::Err("UnsupportedOperationException", 400),
        );
        t.always(
            "ListKeyRotations",
            None,
            ok(&format!(
                r#"{{"Rotations":[{{"KeyId":"{A}","KeyMaterialId":"{m1}","KeyMaterialState":"CURRENT","ImportState":"IMPORTED"}},{{"KeyId":"{A}","KeyMaterialId":"{m2}","KeyMaterialState":"PENDING_ROTATION","ImportState":"IMPORTED"}}],"Truncated":false}}"#,
                m1 = "a".repeat(64),
                m2 = "b".repeat(64)
            )),
        );
        let (inv, _, _) = run(&c, &CancelToken::never(), &unpaced());
        let log = t.log.borrow();
        let (_, body) = log.iter().find(|(op, _)| op == "ListKeyRotations").unwrap();
        assert_eq!(body["IncludeKeyMaterial"], "ALL_KEY_MATERIAL");
        drop(log);
        let row = inv.row(A).unwrap();
        // UnsupportedOperationException on the status is "not applicable", not a problem.
        assert_eq!(row.status, Load::Skipped);
        assert!(row.problems().is_empty());
        assert_eq!(row.remaining(), Some(25));
        assert!(row.pending_material().is_some());
        assert_eq!(row.rotate_now(), Ok(()));
        assert_eq!(row.automatic_rotation(), Err(Blocked::ImportedNoAutomatic));
        assert_eq!(row.auto_rotation(), AutoRotation::NotApplicable);
    }

    #[test]
    fn load_key_details_refreshes_one_key() {
        let c = client();
        let t = c.transport();
        t.always("DescribeKey", Some(A), symmetric_key(A));
        t.always("GetKeyRotationStatus", None, status(true, Some(90), true));
        t.always("ListKeyRotations", None, rotations(24, 0, None));
        let mut inv = Inventory::new("us-east-1");
        let outcome = block_on(load_key_details(
            &c,
            vec![A.to_string()],
            &CancelToken::never(),
            &LoadConfig::default(),
            |ev| inv.apply(ev),
        ));
        assert_eq!(outcome, LoadOutcome::Finished);
        assert!(!inv.finished, "a refresh does not finish the inventory");
        let row = inv.row(A).unwrap();
        assert!(row.in_progress());
        // 25 - 24 - 1 in progress.
        assert_eq!(row.remaining(), Some(0));
        assert_eq!(row.rotate_now(), Err(Blocked::InProgress));
    }

    #[test]
    fn model_events_in_any_order() {
        let mut inv = Inventory::new("eu-west-1");
        // Aliases before their key's page, an empty target, duplicates.
        inv.apply(InventoryEvent::AliasesPage(vec![
            AliasListEntry {
                alias_name: "alias/b".into(),
                target_key_id: Some(A.into()),
                ..Default::default()
            },
            AliasListEntry {
                alias_name: "alias/aws/lambda".into(),
                target_key_id: None,
                ..Default::default()
            },
            AliasListEntry {
                alias_name: "alias/empty".into(),
                target_key_id: Some(String::new()),
                ..Default::default()
            },
        ]));
        assert!(inv.is_empty());
        inv.apply(InventoryEvent::KeysPage(vec![
            KeyListEntry {
                key_id: A.into(),
                key_arn: None,
            },
            KeyListEntry {
                key_id: A.into(),
                key_arn: None,
            },
        ]));
        assert_eq!(inv.len(), 1);
        assert_eq!(inv.row(A).unwrap().aliases, ["alias/b"]);
        assert_eq!(
            inv.find_alias("alias/b").map(|r| r.key_id.as_str()),
            Some(A)
        );
        assert!(inv.find_alias("alias/aws/lambda").is_none());
        let p = inv.progress();
        assert_eq!(p.text(), "listing keys: 1 so far");
        inv.apply(InventoryEvent::KeysDone);
        assert_eq!(inv.progress().text(), "described 0 of 1");
        assert!(inv.progress().fraction() > 0.0);
        inv.apply(InventoryEvent::Described {
            key_id: A.into(),
            result: Ok(crate::console::eligibility::tests::symmetric(A)),
        });
        assert_eq!(inv.progress().text(), "reading rotation details: 0 of 1");
        assert_eq!(inv.row(A).unwrap().rotate_now(), Ok(()));
        // AWS managed by alias before DescribeKey answers.
        let mut r = KeyRow::new(B, None);
        r.aliases.push("alias/aws/s3".into());
        assert!(r.is_aws_managed());
        assert_eq!(r.rotate_now(), Err(Blocked::Loading));
        assert_eq!(r.state_text(), "\u{2014}");
        // Upserts from "go to key" and actions.
        let mut meta = crate::console::eligibility::tests::symmetric(C);
        meta.key_spec = Some(KeySpec::Hmac256);
        inv.upsert_metadata(meta);
        assert_eq!(inv.row(C).unwrap().status, Load::Skipped);
        inv.mark_limit_exceeded(A);
        assert_eq!(inv.row(A).unwrap().remaining(), Some(0));
        assert_eq!(
            inv.row(A).unwrap().rotate_now(),
            Err(Blocked::NoRotationsLeft)
        );
    }

    #[test]
    fn progress_text() {
        let p = Progress {
            listed: 1000,
            keys_done: true,
            described: 140,
            complete: 100,
            finished: false,
        };
        assert_eq!(p.text(), "described 140 of 1,000");
        let p = Progress {
            described: 1000,
            complete: 999,
            ..p
        };
        assert_eq!(p.text(), "reading rotation details: 999 of 1,000");
        let p = Progress {
            listed: 1,
            finished: true,
            ..p
        };
        assert_eq!(p.text(), "1 key");
    }

    #[test]
    fn join_all_runs_everything() {
        let hits = Cell::new(0);
        let futs: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = (0..5)
            .map(|_| {
                Box::pin(async {
                    hits.set(hits.get() + 1);
                }) as Pin<Box<dyn Future<Output = ()>>>
            })
            .collect();
        block_on(JoinAll::new(futs));
        assert_eq!(hits.get(), 5);
        block_on(JoinAll::new(Vec::new()));
    }
}
