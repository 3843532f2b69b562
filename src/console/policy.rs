//! The rotation policy and each key's verdict against it (docs/compliance.md §2-§4): pure
//! functions of the fleet, the policy and the time, recomputed whenever one of them changes.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::aws::kms::{KeyManager, KeySpec, KeyState, MultiRegionKeyType, Origin, Timestamp};
use crate::console::filter::RowRef;
use crate::console::fleet::{Fleet, RowKey};
use crate::console::format;
use crate::console::inventory::{KeyRow, Load};
use crate::console::scope::ScopeId;

const DAY: f64 = 86_400.0;

/// What the user's organisation requires (docs/compliance.md §2). Kept in the tab's
/// sessionStorage, never with the credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// R1: automatic rotation on (CIS 3.6, Config `cmk-backing-key-rotation-enabled`).
    pub require_auto: bool,
    /// R2: the automatic period at most this many days.
    pub max_period_days: Option<u32>,
    /// R3: the current key material at most this many days old.
    pub max_age_days: Option<u32>,
    /// W1: warn at this many on-demand rotations left or fewer.
    pub min_remaining: Option<u32>,
    pub include_aws_managed: bool,
    pub include_imported: bool,
    pub include_disabled: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            require_auto: true,
            max_period_days: Some(365),
            max_age_days: Some(365),
            min_remaining: Some(5),
            include_aws_managed: false,
            include_imported: false,
            include_disabled: false,
        }
    }
}

impl Policy {
    /// The stored form (sessionStorage).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored policy; fields it lacks take their defaults, an unreadable one is `None`.
    pub fn from_json(text: &str) -> Option<Policy> {
        crate::aws::wire::from_json(text).ok()
    }

    /// The period "enable automatic rotation" offers from a finding: the policy's maximum
    /// (at most KMS's 2560), else KMS's default of 365. None when the maximum is below KMS's
    /// shortest period (90 days): no automatic period meets it, only rotating on demand does.
    pub fn fix_period(&self) -> Option<u32> {
        let max = self
            .max_period_days
            .unwrap_or(crate::console::rotation::DEFAULT_ROTATION_PERIOD_DAYS);
        (max >= crate::console::rotation::MIN_ROTATION_PERIOD_DAYS)
            .then(|| max.min(crate::console::rotation::MAX_ROTATION_PERIOD_DAYS))
    }
}

/// A key's verdict. The order is the sort order of the Verdict column: failing keys first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Fail,
    Unknown,
    Pass,
    NotApplicable,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::NotApplicable,
        Outcome::Unknown,
    ];

    /// The `data-verdict` value and the exports' `verdict` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "n/a",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "Pass",
            Outcome::Fail => "Fail",
            Outcome::NotApplicable => "N/A",
            Outcome::Unknown => "Unknown",
        }
    }
}

/// Why the policy does not apply to a key (docs/compliance.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotApplicable {
    AwsManaged,
    /// An HMAC or asymmetric spec (or one this build does not know).
    ManualOnly {
        spec: String,
    },
    CustomKeyStore,
    Imported,
    PendingDeletion,
    Disabled,
    State {
        state: String,
    },
}

/// One line of a verdict.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    NotApplicable(NotApplicable),
    /// R1.
    AutoOff,
    /// R2.
    PeriodTooLong {
        period: u32,
        max: u32,
    },
    /// R3.
    MaterialTooOld {
        days: u32,
        max: u32,
    },
    /// W1.
    FewRotationsLeft {
        left: u32,
    },
    /// W2: the material is older than `max` days from `exceeds`, before the next rotation on
    /// `next`.
    AgesBeforeNextRotation {
        max: u32,
        exceeds: Timestamp,
        next: Timestamp,
    },
    /// An on-demand rotation is running (OnDemandRotationStartDate is set): the verdict
    /// changes when it completes.
    RotationInProgress,
    /// R3 has no date to count from (no rotation and no CreationDate).
    NoMaterialDate,
    /// An included disabled key.
    DisabledNote,
    /// A replica with its primary's verdict.
    JudgedByPrimary {
        region: String,
    },
    /// A replica whose primary's scope is not loaded.
    PrimaryNotLoaded {
        region: String,
    },
    /// DescribeKey (or a read a rule needs) has not answered.
    NotRead,
    /// A read a rule needs failed.
    ReadFailed {
        operation: &'static str,
        code: String,
    },
}

impl Reason {
    /// The sentence shown and exported (docs/compliance.md §3-§4 give each one).
    pub fn text(&self) -> String {
        match self {
            Reason::NotApplicable(n) => match n {
                NotApplicable::AwsManaged => "AWS managed: AWS rotates it yearly".to_string(),
                NotApplicable::ManualOnly { spec } => format!("{spec} key: manual rotation only"),
                NotApplicable::CustomKeyStore => {
                    "custom key store: KMS does not rotate it".to_string()
                }
                NotApplicable::Imported => {
                    "imported key material: no automatic rotation".to_string()
                }
                NotApplicable::PendingDeletion => "pending deletion".to_string(),
                NotApplicable::Disabled => "disabled".to_string(),
                NotApplicable::State { state } => format!("state {state}"),
            },
            Reason::AutoOff => "automatic rotation off".to_string(),
            Reason::PeriodTooLong { period, max } => format!("period {period} > {max}"),
            Reason::MaterialTooOld { days, max } => format!("material {days} days old > {max}"),
            Reason::FewRotationsLeft { left: 0 } => "no on-demand rotations left".to_string(),
            Reason::FewRotationsLeft { left: 1 } => "1 on-demand rotation left".to_string(),
            Reason::FewRotationsLeft { left } => format!("{left} on-demand rotations left"),
            Reason::AgesBeforeNextRotation { max, exceeds, next } => format!(
                "material exceeds {max} days on {}, before the next rotation on {}",
                format::date(*exceeds),
                format::date(*next)
            ),
            Reason::RotationInProgress => "an on-demand rotation is in progress".to_string(),
            Reason::NoMaterialDate => "no date for the current key material".to_string(),
            Reason::DisabledNote => {
                "disabled: KMS does not rotate it until it is enabled".to_string()
            }
            Reason::JudgedByPrimary { region } => format!("judged by its primary in {region}"),
            Reason::PrimaryNotLoaded { region } => {
                format!("primary in {region} not loaded: judged by the replica's own reads")
            }
            Reason::NotRead => "not read yet".to_string(),
            Reason::ReadFailed { operation, code } => format!("{operation} failed: {code}"),
        }
    }

    /// A failed rule (as opposed to a warning, a note or an unknown input).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Reason::AutoOff | Reason::PeriodTooLong { .. } | Reason::MaterialTooOld { .. }
        )
    }

    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Reason::FewRotationsLeft { .. } | Reason::AgesBeforeNextRotation { .. }
        )
    }
}

/// A key's verdict with its reasons, in the order of docs/compliance.md §4.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    /// Whole days since the current material became current, when known (also for keys the
    /// policy does not apply to: the exports show it).
    pub material_age_days: Option<u32>,
}

impl Verdict {
    fn new(outcome: Outcome, reasons: Vec<Reason>, material_age_days: Option<u32>) -> Self {
        Verdict {
            outcome,
            reasons,
            material_age_days,
        }
    }

    /// The reasons as one line, `; `-separated (the exports' `reasons` field).
    pub fn reasons_text(&self) -> String {
        self.reasons
            .iter()
            .map(Reason::text)
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn has_warning(&self) -> bool {
        self.reasons.iter().any(Reason::is_warning)
    }

    /// Automatic rotation off or too slow: "enable automatic rotation" fixes it.
    pub fn fixed_by_enabling(&self) -> bool {
        self.reasons
            .iter()
            .any(|r| matches!(r, Reason::AutoOff | Reason::PeriodTooLong { .. }))
    }

    /// The material is too old: a rotation now fixes it.
    pub fn fixed_by_rotating(&self) -> bool {
        self.reasons
            .iter()
            .any(|r| matches!(r, Reason::MaterialTooOld { .. }))
    }
}

/// The date the key's current material became current: the newest completed rotation, else
/// the key's creation (docs/compliance.md §4, R3). None before both reads answered.
pub fn material_date(row: &KeyRow) -> Option<Timestamp> {
    // A key waiting for its first import has no material.
    if row.state() == Some(&KeyState::PendingImport) {
        return None;
    }
    match &row.rotations {
        Load::Loaded(_) | Load::Skipped => {}
        _ => return None,
    }
    row.last_rotation()
        .or_else(|| row.meta().and_then(|m| m.creation_date))
}

fn age_days(date: Timestamp, now: f64) -> u32 {
    let days = ((now - date.epoch_seconds()) / DAY).floor();
    if days.is_finite() && days > 0.0 {
        days.min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

/// Whether the policy applies to the key at all (docs/compliance.md §3).
fn not_applicable(row: &KeyRow, policy: &Policy) -> Option<NotApplicable> {
    let m = row.meta()?;
    if m.key_manager == Some(KeyManager::Aws) && !policy.include_aws_managed {
        return Some(NotApplicable::AwsManaged);
    }
    match m.spec() {
        None | Some(KeySpec::SymmetricDefault) => {}
        Some(s) => {
            return Some(NotApplicable::ManualOnly {
                spec: s.to_string(),
            });
        }
    }
    if matches!(
        m.origin,
        Some(Origin::AwsCloudHsm) | Some(Origin::ExternalKeyStore)
    ) || m.custom_key_store_id.is_some()
    {
        return Some(NotApplicable::CustomKeyStore);
    }
    if m.origin == Some(Origin::External) && !policy.include_imported {
        return Some(NotApplicable::Imported);
    }
    match &m.key_state {
        None | Some(KeyState::Enabled) => None,
        Some(KeyState::PendingDeletion) => Some(NotApplicable::PendingDeletion),
        Some(KeyState::Disabled) if policy.include_disabled => None,
        Some(KeyState::Disabled) => Some(NotApplicable::Disabled),
        Some(s) => Some(NotApplicable::State {
            state: s.to_string(),
        }),
    }
}

/// The reason a needed read is not available, if it is not.
fn unread<T>(load: &Load<T>, operation: &'static str) -> Option<Reason> {
    match load {
        Load::Loaded(_) => None,
        Load::Pending => Some(Reason::NotRead),
        Load::Failed(e) => Some(Reason::ReadFailed {
            operation,
            code: e.code().map_or_else(|| e.to_string(), |c| c.to_string()),
        }),
        Load::Skipped => Some(Reason::ReadFailed {
            operation,
            code: "not supported for this key".to_string(),
        }),
    }
}

/// The key's verdict from its own reads (a replica is not delegated here: [`Verdicts::of`]).
pub fn judge(row: &KeyRow, policy: &Policy, now: f64) -> Verdict {
    let age = material_date(row).map(|d| age_days(d, now));
    let meta = match &row.metadata {
        Load::Loaded(m) => m,
        Load::Pending | Load::Skipped => {
            return Verdict::new(Outcome::Unknown, vec![Reason::NotRead], age)
        }
        Load::Failed(_) => {
            let r = unread(&row.metadata, "DescribeKey");
            return Verdict::new(Outcome::Unknown, r.into_iter().collect(), age);
        }
    };
    if let Some(n) = not_applicable(row, policy) {
        return Verdict::new(Outcome::NotApplicable, vec![Reason::NotApplicable(n)], age);
    }
    let aws_managed = meta.key_manager == Some(KeyManager::Aws);
    let imported = meta.origin == Some(Origin::External);
    let mut reasons = Vec::new();
    // An unread input is listed where its first rule would be (docs/compliance.md §4).
    let mut unknown = false;

    // R1 and R2 read GetKeyRotationStatus (imported keys have no automatic rotation).
    let status = row.status.loaded();
    let auto_period = if imported {
        None
    } else if let Some(s) = status {
        if s.key_rotation_enabled || aws_managed {
            Some(
                s.rotation_period_in_days
                    .unwrap_or(crate::console::rotation::DEFAULT_ROTATION_PERIOD_DAYS),
            )
        } else {
            if policy.require_auto {
                reasons.push(Reason::AutoOff);
            }
            None
        }
    } else {
        let needed = policy.require_auto || policy.max_period_days.is_some();
        if needed {
            if let Some(r) = unread(&row.status, "GetKeyRotationStatus") {
                reasons.push(r);
                unknown = true;
            }
        }
        None
    };
    if let (Some(period), Some(max)) = (auto_period, policy.max_period_days) {
        if period > max {
            reasons.push(Reason::PeriodTooLong { period, max });
        }
    }

    // R3 and W1 read ListKeyRotations.
    let needs_rotations = policy.max_age_days.is_some() || policy.min_remaining.is_some();
    if needs_rotations && !matches!(row.rotations, Load::Loaded(_)) {
        if let Some(r) = unread(&row.rotations, "ListKeyRotations") {
            if !reasons.contains(&r) {
                reasons.push(r);
            }
            unknown = true;
        }
    }
    let mut age_ok = false;
    match (age, policy.max_age_days) {
        (Some(days), Some(max)) if days > max => reasons.push(Reason::MaterialTooOld { days, max }),
        (Some(_), Some(_)) => age_ok = true,
        // The reads answered but give no date: R3 cannot pass.
        (None, Some(_)) if matches!(row.rotations, Load::Loaded(_)) => {
            reasons.push(Reason::NoMaterialDate);
            unknown = true;
        }
        _ => {}
    }
    if let (Some(min), Some(left)) = (policy.min_remaining, row.remaining()) {
        if left <= min {
            reasons.push(Reason::FewRotationsLeft { left });
        }
    }
    // W2: R3 holds today, but not until the next automatic rotation.
    if let (true, Some(max), Some(date), Some(next)) = (
        age_ok,
        policy.max_age_days,
        material_date(row),
        status
            .and_then(|s| s.next_rotation_date)
            .filter(|_| auto_period.is_some()),
    ) {
        // R3 fails from the first instant the age in whole days exceeds `max`: `max + 1` days
        // after the material's date. A period equal to the maximum rotates a day before that.
        let exceeds = Timestamp(date.epoch_seconds() + f64::from(max + 1) * DAY);
        if exceeds.epoch_seconds() < next.epoch_seconds() {
            reasons.push(Reason::AgesBeforeNextRotation { max, exceeds, next });
        }
    }
    if meta.key_state == Some(KeyState::Disabled) {
        reasons.push(Reason::DisabledNote);
    }
    if row.in_progress() {
        reasons.push(Reason::RotationInProgress);
    }
    let outcome = if reasons.iter().any(Reason::is_failure) {
        Outcome::Fail
    } else if unknown {
        Outcome::Unknown
    } else {
        Outcome::Pass
    };
    Verdict::new(outcome, reasons, age)
}

/// The primary's Region of a multi-Region replica.
fn replica_of(row: &KeyRow) -> Option<&str> {
    let m = row.meta()?;
    if m.multi_region_key_type() != Some(&MultiRegionKeyType::Replica) {
        return None;
    }
    m.multi_region_configuration
        .as_ref()?
        .primary_key
        .as_ref()?
        .region
        .as_deref()
}

/// Every row's verdict, by position: `per_scope[s][r]` is the verdict of
/// `fleet.scopes()[s].inventory.rows()[r]` for the fleet it was computed from.
#[derive(Clone, Debug, Default)]
pub struct Verdicts {
    /// Shared, so an update copies a pointer per unchanged row, not its reasons.
    per_scope: Vec<Vec<Arc<Verdict>>>,
    /// What the verdicts were computed from, so [`Verdicts::update`] judges again only the rows
    /// that changed: each scope's id and its rows' revisions, the policy and the hour.
    scopes: Vec<ScopeId>,
    revs: Vec<Vec<u64>>,
    stamp: Option<(Policy, u64)>,
}

/// Two computations from the same rows (revisions), scopes, policy and hour are equal: the
/// verdicts are a function of those, so the (cheap) inputs are compared, not the verdicts.
impl PartialEq for Verdicts {
    fn eq(&self, other: &Self) -> bool {
        self.stamp == other.stamp && self.scopes == other.scopes && self.revs == other.revs
    }
}

impl Verdicts {
    /// Judge every key of the fleet; a replica through its primary when the primary's scope is
    /// loaded (docs/compliance.md §3).
    pub fn of(fleet: &Fleet, policy: &Policy, now: f64) -> Verdicts {
        Verdicts::update(None, fleet, policy, now)
    }

    /// [`Verdicts::of`], reusing `prev`'s verdict of every row whose revision, policy and hour
    /// are unchanged: a batch of loader answers judges only the rows it changed (ages move by
    /// the hour, so a reused verdict is at most an hour old, as between two hourly runs).
    pub fn update(prev: Option<&Verdicts>, fleet: &Fleet, policy: &Policy, now: f64) -> Verdicts {
        let stamp = (policy.clone(), (now / 3600.0).max(0.0) as u64);
        let reusable = prev.filter(|p| p.stamp.as_ref() == Some(&stamp));
        let mut per_scope = Vec::with_capacity(fleet.scopes().len());
        let mut revs = Vec::with_capacity(fleet.scopes().len());
        for (s, e) in fleet.scopes().iter().enumerate() {
            let old = reusable
                .filter(|p| p.scopes.get(s) == Some(&e.id))
                .map(|p| (&p.per_scope[s], &p.revs[s]));
            let rows = e.inventory.rows();
            let mut verdicts = Vec::with_capacity(rows.len());
            let mut rs = Vec::with_capacity(rows.len());
            for (i, r) in rows.iter().enumerate() {
                let kept = old
                    .filter(|(_, revs)| revs.get(i) == Some(&r.rev()))
                    .and_then(|(v, _)| v.get(i))
                    // A replica's verdict depends on its primary's: judged again below.
                    .filter(|_| replica_of(r).is_none());
                verdicts.push(match kept {
                    Some(v) => Arc::clone(v),
                    None => Arc::new(judge(r, policy, now)),
                });
                rs.push(r.rev());
            }
            per_scope.push(verdicts);
            revs.push(rs);
        }
        for (s, e) in fleet.scopes().iter().enumerate() {
            for (i, row) in e.inventory.rows().iter().enumerate() {
                let Some(region) = replica_of(row) else {
                    continue;
                };
                // The replica's own state decides first: a disabled replica is n/a whatever
                // its primary.
                if per_scope[s][i].outcome == Outcome::NotApplicable {
                    continue;
                }
                let primary = ScopeId::new(e.id.account.clone(), region);
                let from_primary = fleet
                    .scopes()
                    .iter()
                    .position(|p| p.id == primary)
                    .and_then(|ps| {
                        let pi = fleet.scopes()[ps].inventory.position(&row.key_id)?;
                        Some(Verdict::clone(&per_scope[ps][pi]))
                    });
                let v = &mut per_scope[s][i];
                match from_primary {
                    Some(mut pv) => {
                        pv.reasons.push(Reason::JudgedByPrimary {
                            region: region.to_string(),
                        });
                        *v = Arc::new(pv);
                    }
                    None => Arc::make_mut(v).reasons.push(Reason::PrimaryNotLoaded {
                        region: region.to_string(),
                    }),
                }
            }
        }
        Verdicts {
            per_scope,
            scopes: fleet.scopes().iter().map(|e| e.id.clone()).collect(),
            revs,
            stamp: Some(stamp),
        }
    }

    /// The verdict of the row at `at` (a position from the same fleet).
    pub fn at(&self, at: RowRef) -> Option<&Verdict> {
        let (s, r) = at.indices();
        self.get(s, r)
    }

    /// The verdict of row `r` of scope `s` (indices into the same fleet).
    pub fn get(&self, s: usize, r: usize) -> Option<&Verdict> {
        self.per_scope.get(s)?.get(r).map(|v| &**v)
    }

    /// The verdict of `key` in `fleet` (the fleet these verdicts were computed from).
    pub fn of_key(&self, fleet: &Fleet, key: &RowKey) -> Option<&Verdict> {
        let s = fleet.scopes().iter().position(|e| e.id == key.scope)?;
        let r = fleet.scopes()[s].inventory.position(&key.key_id)?;
        self.get(s, r)
    }

    /// Every row's verdict with its scope index and row index.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, &Verdict)> {
        self.per_scope
            .iter()
            .enumerate()
            .flat_map(|(s, v)| v.iter().enumerate().map(move |(r, x)| (s, r, &**x)))
    }

    /// Only the verdicts, for comparing two computations.
    pub fn same_verdicts(&self, other: &Verdicts) -> bool {
        self.per_scope == other.per_scope
    }
}

/// Verdict counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
    pub unknown: usize,
    /// Passing or failing keys with a warning.
    pub warnings: usize,
}

impl Counts {
    pub fn add(&mut self, v: &Verdict) {
        match v.outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
            Outcome::Unknown => self.unknown += 1,
        }
        if v.has_warning() {
            self.warnings += 1;
        }
    }

    pub fn get(&self, o: Outcome) -> usize {
        match o {
            Outcome::Pass => self.pass,
            Outcome::Fail => self.fail,
            Outcome::NotApplicable => self.not_applicable,
            Outcome::Unknown => self.unknown,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.not_applicable + self.unknown
    }
}

/// The counts over the rows the table lists (a multi-Region set once), in all and per scope in
/// the fleet's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub total: Counts,
    pub per_scope: Vec<(ScopeId, Counts)>,
}

impl Summary {
    pub fn of(fleet: &Fleet, verdicts: &Verdicts) -> Summary {
        let mut per_scope: Vec<(ScopeId, Counts)> = fleet
            .scopes()
            .iter()
            .map(|e| (e.id.clone(), Counts::default()))
            .collect();
        let mut total = Counts::default();
        for at in crate::console::filter::listed_refs(fleet) {
            if let Some(v) = verdicts.at(at) {
                total.add(v);
                if let Some((_, c)) = per_scope.get_mut(at.indices().0) {
                    c.add(v);
                }
            }
        }
        Summary { total, per_scope }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::aws::kms::{MultiRegionConfiguration, MultiRegionKey, RotationType};
    use crate::console::eligibility::tests::symmetric;
    use crate::console::eligibility::RotationStatus;
    use crate::console::inventory::{Inventory, InventoryEvent};
    use crate::console::quota::tests::{entry, on_demand};

    pub(crate) const NOW: f64 = 1_795_608_000.0; // 2026-11-25T12:00:00Z

    pub(crate) fn ago(days: f64) -> Timestamp {
        Timestamp(NOW - days * DAY)
    }

    pub(crate) struct Key {
        pub(crate) meta: crate::aws::kms::KeyMetadata,
        pub(crate) status: Option<Result<RotationStatus, &'static str>>,
        pub(crate) rotations: Option<Vec<crate::aws::kms::RotationsListEntry>>,
    }

    pub(crate) fn key(id: &str, created_days_ago: f64) -> Key {
        let mut meta = symmetric(id);
        meta.creation_date = Some(ago(created_days_ago));
        Key {
            meta,
            status: Some(Ok(RotationStatus::default())),
            rotations: Some(vec![]),
        }
    }

    pub(crate) fn auto(
        period: u32,
        next_in_days: f64,
    ) -> Option<Result<RotationStatus, &'static str>> {
        Some(Ok(RotationStatus {
            key_rotation_enabled: true,
            rotation_period_in_days: Some(period),
            next_rotation_date: Some(ago(-next_in_days)),
            ..Default::default()
        }))
    }

    pub(crate) fn inventory(region: &str, keys: Vec<Key>) -> Inventory {
        let mut inv = Inventory::new(region);
        inv.apply(InventoryEvent::KeysPage(
            keys.iter()
                .map(|k| crate::aws::kms::KeyListEntry {
                    key_id: k.meta.key_id.clone(),
                    key_arn: None,
                })
                .collect(),
        ));
        inv.apply(InventoryEvent::KeysDone);
        for k in keys {
            let id = k.meta.key_id.clone();
            inv.apply(InventoryEvent::Described {
                key_id: id.clone(),
                result: Ok(k.meta),
            });
            if let Some(s) = k.status {
                inv.apply(InventoryEvent::Status {
                    key_id: id.clone(),
                    result: s.map_err(|code| {
                        crate::aws::error::AwsError::from(crate::aws::error::ErrorKind::Service {
                            code: crate::aws::error::ErrorCode::from(code),
                            message: String::new(),
                            status: 400,
                            request_id: None,
                        })
                    }),
                });
            }
            if let Some(r) = k.rotations {
                inv.apply(InventoryEvent::Rotations {
                    key_id: id,
                    result: Ok(r),
                });
            }
        }
        inv
    }

    fn verdict_of(k: Key) -> Verdict {
        verdict_with(k, &Policy::default())
    }

    fn verdict_with(k: Key, policy: &Policy) -> Verdict {
        let id = k.meta.key_id.clone();
        let inv = inventory("us-east-1", vec![k]);
        judge(inv.row(&id).unwrap(), policy, NOW)
    }

    fn texts(v: &Verdict) -> Vec<String> {
        v.reasons.iter().map(Reason::text).collect()
    }

    #[test]
    fn automatic_rotation_on_schedule_passes() {
        let mut k = key("k", 500.0);
        k.status = auto(365, 230.0);
        k.rotations = Some(vec![entry(
            Some(RotationType::Automatic),
            Some(ago(135.0).0),
        )]);
        let v = verdict_of(k);
        assert_eq!(v.outcome, Outcome::Pass, "{:?}", texts(&v));
        assert!(v.reasons.is_empty());
        assert_eq!(v.material_age_days, Some(135));
    }

    #[test]
    fn off_and_old_material_fail_with_both_reasons() {
        let v = verdict_of(key("k", 412.5));
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(
            texts(&v),
            ["automatic rotation off", "material 412 days old > 365"]
        );
    }

    #[test]
    fn a_recent_manual_rotation_satisfies_the_age_rule() {
        let mut k = key("k", 600.0);
        k.rotations = Some(vec![entry(Some(RotationType::OnDemand), Some(ago(30.0).0))]);
        let v = verdict_of(k);
        assert_eq!(texts(&v), ["automatic rotation off"]);
        let lax = Policy {
            require_auto: false,
            ..Policy::default()
        };
        let mut k = key("k", 600.0);
        k.rotations = Some(vec![entry(Some(RotationType::OnDemand), Some(ago(30.0).0))]);
        let v = verdict_with(k, &lax);
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(v.material_age_days, Some(30));
    }

    #[test]
    fn a_long_period_fails() {
        let mut k = key("k", 100.0);
        k.status = auto(730, 630.0);
        let v = verdict_of(k);
        assert_eq!(v.outcome, Outcome::Fail);
        // The material also turns 365 before the next rotation (W2).
        assert_eq!(texts(&v)[0], "period 730 > 365");
        assert!(
            texts(&v)[1].starts_with("material exceeds 365 days on 2027-08"),
            "{:?}",
            texts(&v)
        );
        assert!(v.fixed_by_enabling() && !v.fixed_by_rotating());
    }

    #[test]
    fn few_rotations_left_warn_without_failing() {
        let mut k = key("k", 100.0);
        k.status = auto(365, 265.0);
        let mut r = on_demand(22);
        r.push(entry(Some(RotationType::OnDemand), Some(ago(5.0).0)));
        k.rotations = Some(r);
        let v = verdict_of(k);
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(texts(&v), ["2 on-demand rotations left"]);
        assert!(v.has_warning());
    }

    #[test]
    fn keys_outside_the_policy_are_not_applicable() {
        let mut rsa = key("rsa", 10.0);
        rsa.meta.key_spec = Some(KeySpec::Rsa2048);
        assert_eq!(
            texts(&verdict_of(rsa)),
            ["RSA_2048 key: manual rotation only"]
        );
        let mut hmac = key("hmac", 10.0);
        hmac.meta.key_spec = Some(KeySpec::Hmac256);
        assert_eq!(
            texts(&verdict_of(hmac)),
            ["HMAC_256 key: manual rotation only"]
        );
        let mut aws = key("aws", 10.0);
        aws.meta.key_manager = Some(KeyManager::Aws);
        let v = verdict_of(aws);
        assert_eq!(v.outcome, Outcome::NotApplicable);
        assert_eq!(texts(&v), ["AWS managed: AWS rotates it yearly"]);
        let mut disabled = key("d", 10.0);
        disabled.meta.key_state = Some(KeyState::Disabled);
        assert_eq!(texts(&verdict_of(disabled)), ["disabled"]);
        let mut imported = key("i", 10.0);
        imported.meta.origin = Some(Origin::External);
        assert_eq!(
            texts(&verdict_of(imported)),
            ["imported key material: no automatic rotation"]
        );
        let mut hsm = key("h", 10.0);
        hsm.meta.origin = Some(Origin::AwsCloudHsm);
        assert_eq!(
            texts(&verdict_of(hsm)),
            ["custom key store: KMS does not rotate it"]
        );
        let mut gone = key("g", 10.0);
        gone.meta.key_state = Some(KeyState::PendingDeletion);
        assert_eq!(texts(&verdict_of(gone)), ["pending deletion"]);
    }

    #[test]
    fn included_kinds_are_judged() {
        let all = Policy {
            include_aws_managed: true,
            include_imported: true,
            include_disabled: true,
            ..Policy::default()
        };
        // AWS managed: always on, 365 by default; old material fails.
        let mut aws = key("aws", 800.0);
        aws.meta.key_manager = Some(KeyManager::Aws);
        aws.status = Some(Ok(RotationStatus {
            key_rotation_enabled: true,
            ..Default::default()
        }));
        aws.rotations = Some(vec![entry(
            Some(RotationType::Automatic),
            Some(ago(70.0).0),
        )]);
        assert_eq!(verdict_with(aws, &all).outcome, Outcome::Pass);
        // Imported: only the age rule.
        let mut imported = key("i", 400.0);
        imported.meta.origin = Some(Origin::External);
        imported.status = None;
        let v = verdict_with(imported, &all);
        assert_eq!(texts(&v), ["material 400 days old > 365"]);
        // Disabled: judged, with the note.
        let mut disabled = key("d", 10.0);
        disabled.meta.key_state = Some(KeyState::Disabled);
        let v = verdict_with(disabled, &all);
        assert_eq!(
            texts(&v),
            [
                "automatic rotation off",
                "disabled: KMS does not rotate it until it is enabled"
            ]
        );
    }

    #[test]
    fn a_denied_read_is_unknown_unless_a_rule_fails() {
        let mut k = key("k", 10.0);
        k.status = Some(Err("AccessDeniedException"));
        k.rotations = Some(vec![]);
        let v = verdict_of(k);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert_eq!(
            texts(&v),
            ["GetKeyRotationStatus failed: AccessDeniedException"]
        );
        let mut k = key("k", 400.0);
        k.status = Some(Err("AccessDeniedException"));
        let v = verdict_of(k);
        assert_eq!(v.outcome, Outcome::Fail);
        let mut pending = key("p", 10.0);
        pending.status = None;
        pending.rotations = None;
        let v = verdict_of(pending);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert_eq!(texts(&v), ["not read yet"]);
    }

    #[test]
    fn a_replica_takes_its_primarys_verdict() {
        let region_config = |primary: bool| MultiRegionConfiguration {
            multi_region_key_type: Some(if primary {
                MultiRegionKeyType::Primary
            } else {
                MultiRegionKeyType::Replica
            }),
            primary_key: Some(MultiRegionKey {
                arn: None,
                region: Some("us-west-2".into()),
            }),
            replica_keys: vec![],
        };
        let mut primary = key("mrk-1", 800.0);
        primary.meta.multi_region = Some(true);
        primary.meta.multi_region_configuration = Some(region_config(true));
        let mut replica = key("mrk-1", 800.0);
        replica.meta.multi_region = Some(true);
        replica.meta.multi_region_configuration = Some(region_config(false));
        replica.status = auto(365, 100.0);
        replica.rotations = Some(vec![entry(
            Some(RotationType::Automatic),
            Some(ago(10.0).0),
        )]);
        let west = ScopeId::new("111122223333", "us-west-2");
        let east = ScopeId::new("111122223333", "us-east-1");
        let mut fleet = Fleet::default();
        fleet.set_scopes(vec![
            (east.clone(), None, false),
            (west.clone(), None, false),
        ]);
        // Only the replica's scope loaded: its own reads pass.
        for ev in events(inventory("us-east-1", vec![replica])) {
            fleet.apply(&east, ev);
        }
        let v = Verdicts::of(&fleet, &Policy::default(), NOW);
        let rv = v
            .of_key(&fleet, &RowKey::new(east.clone(), "mrk-1"))
            .unwrap();
        assert_eq!(rv.outcome, Outcome::Pass);
        assert_eq!(
            texts(rv),
            ["primary in us-west-2 not loaded: judged by the replica's own reads"]
        );
        // With the primary loaded: its verdict (off, old material).
        for ev in events(inventory("us-west-2", vec![primary])) {
            fleet.apply(&west, ev);
        }
        let v = Verdicts::of(&fleet, &Policy::default(), NOW);
        let rv = v.of_key(&fleet, &RowKey::new(east, "mrk-1")).unwrap();
        assert_eq!(rv.outcome, Outcome::Fail);
        assert_eq!(
            texts(rv).last().map(String::as_str),
            Some("judged by its primary in us-west-2")
        );
        // The summary counts the set once (the primary, as the table lists it).
        let s = Summary::of(&fleet, &v);
        assert_eq!(s.total.total(), 1);
        assert_eq!(s.total.fail, 1);
    }

    /// A fleet of one scope (111122223333, us-east-1) holding `keys`, loaded.
    pub(crate) fn fleet_of(keys: Vec<Key>) -> Fleet {
        let id = ScopeId::new("111122223333", "us-east-1");
        let mut fleet = Fleet::default();
        fleet.set_scopes(vec![(id.clone(), Some("payments".into()), false)]);
        for ev in events(inventory("us-east-1", keys)) {
            fleet.apply(&id, ev);
        }
        fleet
    }

    /// The events that rebuild `inv` in a fleet (aliases included).
    pub(crate) fn events(inv: Inventory) -> Vec<InventoryEvent> {
        let mut out = vec![
            InventoryEvent::KeysPage(
                inv.rows()
                    .iter()
                    .map(|r| crate::aws::kms::KeyListEntry {
                        key_id: r.key_id.clone(),
                        key_arn: None,
                    })
                    .collect(),
            ),
            InventoryEvent::KeysDone,
            InventoryEvent::AliasesPage(
                inv.rows()
                    .iter()
                    .flat_map(|r| {
                        r.aliases.iter().map(|a| crate::aws::kms::AliasListEntry {
                            alias_name: a.clone(),
                            target_key_id: Some(r.key_id.clone()),
                            ..Default::default()
                        })
                    })
                    .collect(),
            ),
            InventoryEvent::AliasesDone,
        ];
        for r in inv.rows() {
            if let Load::Loaded(m) = &r.metadata {
                out.push(InventoryEvent::Described {
                    key_id: r.key_id.clone(),
                    result: Ok(m.clone()),
                });
            }
            if let Load::Loaded(s) = &r.status {
                out.push(InventoryEvent::Status {
                    key_id: r.key_id.clone(),
                    result: Ok(s.clone()),
                });
            }
            if let Load::Loaded(x) = &r.rotations {
                out.push(InventoryEvent::Rotations {
                    key_id: r.key_id.clone(),
                    result: Ok(x.clone()),
                });
            }
        }
        out.push(InventoryEvent::Finished);
        out
    }

    #[test]
    fn an_update_judges_only_changed_rows_and_equals_a_full_run() {
        let mut old = key("k-old", 400.0);
        old.status = Some(Ok(RotationStatus::default()));
        let fresh = key("k-new", 10.0);
        let mut fleet = fleet_of(vec![old, fresh]);
        let p = Policy::default();
        let first = Verdicts::of(&fleet, &p, NOW);
        // k-new gets automatic rotation: only its verdict changes.
        let id = ScopeId::new("111122223333", "us-east-1");
        fleet.apply(
            &id,
            InventoryEvent::Status {
                key_id: "k-new".into(),
                result: Ok(RotationStatus {
                    key_rotation_enabled: true,
                    rotation_period_in_days: Some(365),
                    next_rotation_date: Some(ago(-355.0)),
                    ..Default::default()
                }),
            },
        );
        let updated = Verdicts::update(Some(&first), &fleet, &p, NOW + 60.0);
        let full = Verdicts::of(&fleet, &p, NOW + 60.0);
        assert!(updated.same_verdicts(&full));
        let k = |v: &Verdicts, key: &str| {
            v.of_key(&fleet, &RowKey::new(id.clone(), key))
                .unwrap()
                .outcome
        };
        assert_eq!(k(&updated, "k-new"), Outcome::Pass);
        assert_eq!(k(&updated, "k-old"), Outcome::Fail);
        // Another policy judges everything again.
        let lax = Policy {
            require_auto: false,
            max_age_days: None,
            ..Policy::default()
        };
        let relaxed = Verdicts::update(Some(&updated), &fleet, &lax, NOW + 60.0);
        assert_eq!(k(&relaxed, "k-old"), Outcome::Pass);
    }

    #[test]
    fn the_policy_round_trips_and_fills_defaults() {
        let p = Policy {
            max_age_days: None,
            include_disabled: true,
            ..Policy::default()
        };
        assert_eq!(Policy::from_json(&p.to_json()), Some(p));
        assert_eq!(
            Policy::from_json(r#"{"require_auto": false}"#),
            Some(Policy {
                require_auto: false,
                ..Policy::default()
            })
        );
        assert_eq!(Policy::from_json("not json"), None);
        assert_eq!(Policy::default().fix_period(), Some(365));
        let p = Policy {
            max_period_days: Some(30),
            ..Policy::default()
        };
        assert_eq!(p.fix_period(), None);
        let p = Policy {
            max_period_days: Some(9000),
            ..Policy::default()
        };
        assert_eq!(p.fix_period(), Some(2560));
    }
}
