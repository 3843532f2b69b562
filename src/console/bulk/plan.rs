//! A bulk plan: for each selected key, the request that will be sent or why it is skipped, with
//! the same eligibility rules as the key panel (docs/bulk.md §2). Nothing here sends anything;
//! the plan is also written as a POSIX shell script of AWS CLI commands.

use serde::{Deserialize, Serialize};

use crate::aws::limiter::published_quota;
use crate::console::cli::{self, CliTarget};
use crate::console::eligibility::Blocked;
use crate::console::fleet::{Fleet, RowKey};
use crate::console::inventory::{AutoRotation, KeyRow};
use crate::console::quota::ON_DEMAND_ROTATION_LIMIT;
use crate::console::rotation::{validate_period, PeriodError};
use crate::console::scope::ScopeId;

/// What a bulk run does to each key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    EnableAuto,
    SetPeriod,
    DisableAuto,
    RotateNow,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::EnableAuto,
        Action::SetPeriod,
        Action::DisableAuto,
        Action::RotateNow,
    ];

    /// The contract's option value ("bulk-action").
    pub fn as_str(self) -> &'static str {
        match self {
            Action::EnableAuto => "enable-auto",
            Action::SetPeriod => "set-period",
            Action::DisableAuto => "disable-auto",
            Action::RotateNow => "rotate-now",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::EnableAuto => "Enable automatic rotation",
            Action::SetPeriod => "Change the rotation period",
            Action::DisableAuto => "Disable automatic rotation",
            Action::RotateNow => "Rotate now (on demand)",
        }
    }

    /// The KMS operation sent per key.
    pub fn operation(self) -> &'static str {
        match self {
            Action::EnableAuto | Action::SetPeriod => "EnableKeyRotation",
            Action::DisableAuto => "DisableKeyRotation",
            Action::RotateNow => "RotateKeyOnDemand",
        }
    }

    pub fn needs_period(self) -> bool {
        matches!(self, Action::EnableAuto | Action::SetPeriod)
    }
}

/// An action with its period (for the two that set one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub action: Action,
    pub period_days: Option<u32>,
}

impl Request {
    /// Check the period field (only for the actions that send one).
    pub fn new(action: Action, period_input: &str) -> Result<Request, PeriodError> {
        let period_days = if action.needs_period() {
            Some(validate_period(period_input)?)
        } else {
            None
        };
        Ok(Request {
            action,
            period_days,
        })
    }

    /// "enable automatic rotation every 180 days".
    pub fn describe(&self) -> String {
        let days = self.period_days.unwrap_or_default();
        match self.action {
            Action::EnableAuto => format!("enable automatic rotation every {days} days"),
            Action::SetPeriod => format!("change the rotation period to {days} days"),
            Action::DisableAuto => "disable automatic rotation".to_string(),
            Action::RotateNow => "rotate on demand now".to_string(),
        }
    }

    /// What is sent to one key: "EnableKeyRotation, every 180 days".
    pub fn sent_text(&self) -> String {
        match self.period_days {
            Some(d) => format!("{}, every {d} days", self.action.operation()),
            None => self.action.operation().to_string(),
        }
    }
}

/// Why a selected key gets no request.
#[derive(Clone, Debug, PartialEq)]
pub enum Skip {
    /// The key panel's reason (AWS managed, asymmetric, disabled, none left, in progress...).
    Blocked(Blocked),
    /// A multi-Region replica whose primary is loaded: the primary acts for the whole set.
    ThroughPrimary {
        primary_region: String,
        primary_selected: bool,
    },
    AlreadyOn {
        period_days: u32,
    },
    AlreadyOff,
    /// "Change the period" of a key whose automatic rotation is off.
    AutoOff,
    /// "Change the period": the status could not be read, so it is not known to be on.
    StatusUnread,
    /// "Rotate now": the history could not be read, so the count left is not known.
    HistoryUnread,
    /// This console is rotating the key, or does not know the outcome of its last rotation.
    Busy,
    /// Selected, but no longer in the inventory.
    Gone,
}

impl Skip {
    pub fn sentence(&self) -> String {
        match self {
            Skip::Blocked(b) => b.sentence(),
            Skip::ThroughPrimary {
                primary_region,
                primary_selected: true,
            } => format!(
                "Multi-Region replica: its primary in {primary_region} is in this plan once, \
                 for the whole set."
            ),
            Skip::ThroughPrimary { primary_region, .. } => format!(
                "Multi-Region replica: rotation is set on its primary in {primary_region}; \
                 select the primary to act on the whole set."
            ),
            Skip::AlreadyOn { period_days } => {
                format!("Already compliant: automatic rotation is on, every {period_days} days.")
            }
            Skip::AlreadyOff => "Automatic rotation is already off.".to_string(),
            Skip::AutoOff => "Automatic rotation is off: use \u{201c}Enable automatic \
                 rotation\u{201d} to turn it on with a period."
                .to_string(),
            Skip::StatusUnread => "Its rotation status could not be read, so keyturn cannot \
                 tell whether automatic rotation is on."
                .to_string(),
            Skip::HistoryUnread => "Its rotation history could not be read, so keyturn cannot \
                 tell how many on-demand rotations are left."
                .to_string(),
            Skip::Busy => "A rotation of this key from this tab is under way or its outcome \
                 is not known yet: see the key panel."
                .to_string(),
            Skip::Gone => "The key is no longer in the inventory.".to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Send,
    Skip(Skip),
}

/// One selected key in the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRow {
    pub key: RowKey,
    pub alias: Option<String>,
    pub arn: Option<String>,
    pub decision: Decision,
    /// The key's setting or count now, in words.
    pub now: String,
    /// ON_DEMAND rotations used when planned: a "Rotate now" send refuses if KMS's count
    /// differs when it is sent (someone else rotated the key since).
    pub used: Option<u32>,
    /// The key has had fewer than two rotations, so its next one adds to its monthly cost.
    pub first_two: bool,
}

impl PlanRow {
    pub fn sends(&self) -> bool {
        self.decision == Decision::Send
    }

    /// The alias, else the key id.
    pub fn label(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.key.key_id)
    }
}

/// Sends and skips of one (account, Region).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeLine {
    pub scope: ScopeId,
    pub sends: usize,
    pub skips: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub request: Request,
    pub rows: Vec<PlanRow>,
}

/// Decide for each selected key, in the fleet's order (scope, then the key's position).
/// `busy` says whether this console is rotating a key or has an unsettled outcome for it.
pub fn plan<'a>(
    fleet: &Fleet,
    selection: impl IntoIterator<Item = &'a RowKey>,
    request: &Request,
    busy: impl Fn(&RowKey) -> bool,
) -> Plan {
    let selected: std::collections::BTreeSet<&RowKey> = selection.into_iter().collect();
    let mut rows = Vec::with_capacity(selected.len());
    for entry in fleet.scopes() {
        for row in entry.inventory.rows() {
            let key = RowKey::new(entry.id.clone(), row.key_id.clone());
            if selected.contains(&key) {
                rows.push(decide(fleet, &key, row, request, &selected, &busy));
            }
        }
    }
    for key in selected {
        if fleet.row(key).is_none() {
            rows.push(PlanRow {
                key: key.clone(),
                alias: None,
                arn: None,
                decision: Decision::Skip(Skip::Gone),
                now: String::new(),
                used: None,
                first_two: false,
            });
        }
    }
    Plan {
        request: request.clone(),
        rows,
    }
}

fn decide(
    fleet: &Fleet,
    key: &RowKey,
    row: &KeyRow,
    request: &Request,
    selected: &std::collections::BTreeSet<&RowKey>,
    busy: &impl Fn(&RowKey) -> bool,
) -> PlanRow {
    let auto = row.auto_rotation();
    let used = row.on_demand_used();
    let now = match request.action {
        Action::RotateNow => match used {
            Some(u) => format!("{u} of {ON_DEMAND_ROTATION_LIMIT} on-demand rotations used"),
            None => "on-demand count not read".to_string(),
        },
        _ => match auto {
            AutoRotation::On {
                period_days: Some(d),
                ..
            } => format!("on, every {d} days"),
            AutoRotation::On { .. } => "on".to_string(),
            AutoRotation::Off => "off".to_string(),
            AutoRotation::AwsManaged => "AWS managed".to_string(),
            AutoRotation::NotApplicable => "n/a".to_string(),
            AutoRotation::Unknown => "not read".to_string(),
        },
    };
    let skip = skip_reason(fleet, key, row, request, &auto, used, selected, busy);
    PlanRow {
        key: key.clone(),
        alias: row.alias().map(str::to_string),
        arn: row.arn.clone(),
        decision: skip.map_or(Decision::Send, Decision::Skip),
        now,
        used,
        first_two: row.rotation_count().is_some_and(|n| n < 2),
    }
}

#[allow(clippy::too_many_arguments)]
fn skip_reason(
    fleet: &Fleet,
    key: &RowKey,
    row: &KeyRow,
    request: &Request,
    auto: &AutoRotation,
    used: Option<u32>,
    selected: &std::collections::BTreeSet<&RowKey>,
    busy: &impl Fn(&RowKey) -> bool,
) -> Option<Skip> {
    if busy(key) {
        return Some(Skip::Busy);
    }
    // A replica whose primary is loaded: the set is acted on through the primary, once.
    if let Some(region) = row.facts().replica_of() {
        let primary = RowKey::new(ScopeId::new(key.scope.account.clone(), region), &key.key_id);
        if fleet.row(&primary).is_some() {
            return Some(Skip::ThroughPrimary {
                primary_region: region.to_string(),
                primary_selected: selected.contains(&primary),
            });
        }
    }
    let eligible = match request.action {
        // The fleet's answer names only the replicas still missing new imported material.
        Action::RotateNow => fleet.rotate_now(key),
        _ => row.automatic_rotation(),
    };
    if let Err(b) = eligible {
        return Some(Skip::Blocked(b));
    }
    let wanted = request.period_days;
    match (request.action, auto) {
        (Action::RotateNow, _) if used.is_none() => Some(Skip::HistoryUnread),
        (Action::RotateNow, _) => None,
        (
            Action::EnableAuto | Action::SetPeriod,
            AutoRotation::On {
                period_days: Some(d),
                ..
            },
        ) if Some(*d) == wanted => Some(Skip::AlreadyOn { period_days: *d }),
        (Action::SetPeriod, AutoRotation::Off) => Some(Skip::AutoOff),
        (Action::SetPeriod, AutoRotation::Unknown) => Some(Skip::StatusUnread),
        (Action::DisableAuto, AutoRotation::Off) => Some(Skip::AlreadyOff),
        // Enable or disable with the status unread: the request is idempotent, send it.
        _ => None,
    }
}

impl Plan {
    pub fn sends(&self) -> usize {
        self.rows.iter().filter(|r| r.sends()).count()
    }

    pub fn skips(&self) -> usize {
        self.rows.len() - self.sends()
    }

    /// Sends and skips per (account, Region), in the plan's order.
    pub fn per_scope(&self) -> Vec<ScopeLine> {
        let mut out: Vec<ScopeLine> = Vec::new();
        for r in &self.rows {
            let at = match out.iter().position(|l| l.scope == r.key.scope) {
                Some(at) => at,
                None => {
                    out.push(ScopeLine {
                        scope: r.key.scope.clone(),
                        sends: 0,
                        skips: 0,
                    });
                    out.len() - 1
                }
            };
            if r.sends() {
                out[at].sends += 1;
            } else {
                out[at].skips += 1;
            }
        }
        out
    }

    /// On-demand rotations the plan uses (each counts towards its key's 25).
    pub fn rotations_consumed(&self) -> usize {
        match self.request.action {
            Action::RotateNow => self.sends(),
            _ => 0,
        }
    }

    /// Keys to send whose next rotation adds to their monthly cost.
    pub fn billed(&self) -> usize {
        match self.request.action {
            Action::DisableAuto => 0,
            _ => self
                .rows
                .iter()
                .filter(|r| r.sends() && r.first_two)
                .count(),
        }
    }

    /// The billing rule, with how many keys of this plan it touches (docs/bulk.md §2).
    pub fn billing_note(&self) -> Option<String> {
        let n = self.billed();
        let when = match self.request.action {
            Action::DisableAuto => return None,
            Action::RotateNow => "this rotation adds",
            _ => "their next automatic rotation adds",
        };
        Some(format!(
            "Billing: each of a key's first two rotations adds to its monthly cost; later \
             rotations are free. {n} of the keys to send {} had fewer than two rotations, so \
             {when} to {} monthly cost.",
            if n == 1 { "has" } else { "have" },
            if n == 1 { "its" } else { "their" },
        ))
    }

    /// Rotating more than one key on demand: the user types the number of keys first.
    pub fn needs_typed_count(&self) -> bool {
        self.request.action == Action::RotateNow && self.sends() > 1
    }

    /// The typed confirmation matches (always true when none is asked for).
    pub fn confirmed_by(&self, typed: &str) -> bool {
        !self.needs_typed_count() || typed.trim().parse::<usize>().ok() == Some(self.sends())
    }

    /// Requests per second per account and Region at `share` of the operation's quota.
    pub fn rate(&self, share: f64) -> f64 {
        published_quota(self.request.action.operation()) * share
    }

    /// The shortest run the quotas allow: the busiest scope's sends at [`Plan::rate`], the
    /// first one at once (scopes run side by side; docs/kms.md §4.1).
    pub fn min_seconds(&self, share: f64) -> f64 {
        let rate = self.rate(share);
        self.per_scope()
            .iter()
            .map(|l| l.sends.saturating_sub(1) as f64 / rate)
            .fold(0.0, f64::max)
    }

    /// The plan as a POSIX shell script: one AWS CLI command per key to send, with its Region,
    /// grouped by account and Region, and one comment per skipped key. `target` gives each
    /// scope's endpoint settings; `made` is the time it was made (ISO 8601).
    pub fn script(&self, target: impl Fn(&ScopeId) -> CliTarget, made: &str) -> String {
        let mut out = String::new();
        out.push_str("#!/bin/sh\n");
        out.push_str(&format!(
            "# keyturn bulk plan: {}. Made {}.\n",
            self.request.describe(),
            comment(made)
        ));
        out.push_str(&format!(
            "# {} selected keys: {} to send, {} skipped.\n",
            self.rows.len(),
            self.sends(),
            self.skips()
        ));
        out.push_str(
            "# Run each account's commands with that account's credentials (for example\n\
             # AWS_PROFILE=...). The AWS CLI retries throttled requests itself.\n",
        );
        if let Some(note) = self.billing_note() {
            out.push_str(&format!("# {}\n", comment(&note)));
        }
        out.push_str("set -u\n");
        for line in self.per_scope() {
            out.push_str(&format!(
                "\n# {} {}: {} {}, {} skipped\n",
                comment(&line.scope.account),
                comment(&line.scope.region),
                line.sends,
                self.request.action.operation(),
                line.skips
            ));
            let t = target(&line.scope);
            for r in self.rows.iter().filter(|r| r.key.scope == line.scope) {
                let arg = r
                    .arn
                    .as_deref()
                    .filter(|a| cli::is_valid_key_arg(a))
                    .unwrap_or(&r.key.key_id);
                match &r.decision {
                    Decision::Send => {
                        let cmd = match self.request.action {
                            Action::EnableAuto | Action::SetPeriod => cli::enable_key_rotation(
                                &t,
                                arg,
                                self.request.period_days.unwrap_or_default(),
                            ),
                            Action::DisableAuto => cli::disable_key_rotation(&t, arg),
                            Action::RotateNow => cli::rotate_key_on_demand(&t, arg),
                        };
                        out.push_str(&cli::shell_text(cmd));
                        out.push('\n');
                    }
                    Decision::Skip(s) => out.push_str(&format!(
                        "# skipped {} ({}): {}\n",
                        comment(r.label()),
                        comment(&r.key.key_id),
                        comment(&s.sentence())
                    )),
                }
            }
        }
        out
    }
}

/// Text for a shell comment: one line, whatever a server put in it (a line break would end the
/// comment and make the rest a command).
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::kms::{
        KeyManager, KeySpec, KeyState, MultiRegionConfiguration, MultiRegionKey,
        MultiRegionKeyType, RotationType,
    };
    use crate::console::policy::tests::{ago, auto, events, inventory, key, Key};
    use crate::console::quota::tests::entry;

    fn on_demand(days_ago: f64) -> crate::aws::kms::RotationsListEntry {
        entry(Some(RotationType::OnDemand), Some(ago(days_ago).0))
    }

    const A: &str = "111122223333";

    fn fleet(scopes: Vec<(&str, Vec<Key>)>) -> Fleet {
        let mut fleet = Fleet::default();
        fleet.set_scopes(
            scopes
                .iter()
                .map(|(r, _)| (ScopeId::new(A, *r), None, false))
                .collect(),
        );
        for (region, keys) in scopes {
            let id = ScopeId::new(A, region);
            for ev in events(inventory(region, keys)) {
                fleet.apply(&id, ev);
            }
        }
        fleet
    }

    fn rk(region: &str, id: &str) -> RowKey {
        RowKey::new(ScopeId::new(A, region), id)
    }

    fn req(action: Action, period: &str) -> Request {
        Request::new(action, period).unwrap()
    }

    fn decisions(p: &Plan) -> Vec<(String, Result<(), String>)> {
        p.rows
            .iter()
            .map(|r| {
                (
                    r.key.key_id.clone(),
                    match &r.decision {
                        Decision::Send => Ok(()),
                        Decision::Skip(s) => Err(s.sentence()),
                    },
                )
            })
            .collect()
    }

    fn sample() -> Fleet {
        fleet(vec![("us-east-1", sample_keys())])
    }

    fn sample_keys() -> Vec<Key> {
        let off = key("off", 400.0);
        let mut on180 = key("on180", 400.0);
        on180.status = auto(180, 20.0);
        let mut on365 = key("on365", 400.0);
        on365.status = auto(365, 20.0);
        let mut aws = key("aws", 400.0);
        aws.meta.key_manager = Some(KeyManager::Aws);
        let mut asym = key("asym", 10.0);
        asym.meta.key_spec = Some(KeySpec::Rsa2048);
        asym.status = None;
        asym.rotations = None;
        let mut disabled = key("disabled", 10.0);
        disabled.meta.key_state = Some(KeyState::Disabled);
        let mut used_up = key("used-up", 900.0);
        used_up.rotations = Some((0..25).map(|i| on_demand(800.0 - i as f64)).collect());
        let mut unread = key("unread", 10.0);
        unread.status = Some(Err("AccessDeniedException"));
        unread.rotations = None;
        vec![off, on180, on365, aws, asym, disabled, used_up, unread]
    }

    fn all(f: &Fleet) -> Vec<RowKey> {
        f.scopes()
            .iter()
            .flat_map(|e| {
                e.inventory
                    .rows()
                    .iter()
                    .map(|r| RowKey::new(e.id.clone(), r.key_id.clone()))
            })
            .collect()
    }

    #[test]
    fn enable_sends_to_keys_not_at_the_period_and_names_every_skip() {
        let f = sample();
        let keys = all(&f);
        let p = plan(&f, &keys, &req(Action::EnableAuto, "180"), |_| false);
        let d = decisions(&p);
        let sent: Vec<&str> = d
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(sent, ["off", "on365", "used-up", "unread"]);
        let why = |id: &str| {
            d.iter()
                .find(|(k, _)| k == id)
                .unwrap()
                .1
                .clone()
                .unwrap_err()
        };
        assert!(
            why("on180").starts_with("Already compliant"),
            "{}",
            why("on180")
        );
        assert!(why("aws").contains("AWS managed"));
        assert!(why("asym").contains("asymmetric"));
        assert!(why("disabled").contains("disabled"));
        assert_eq!(p.sends(), 4);
        assert_eq!(p.skips(), 4);
        assert_eq!(p.rotations_consumed(), 0);
        assert_eq!(
            p.per_scope(),
            vec![ScopeLine {
                scope: ScopeId::new(A, "us-east-1"),
                sends: 4,
                skips: 4
            }]
        );
    }

    #[test]
    fn set_period_needs_automatic_rotation_on_and_disable_skips_keys_already_off() {
        let f = sample();
        let keys = all(&f);
        let p = plan(&f, &keys, &req(Action::SetPeriod, "180"), |_| false);
        let sent: Vec<String> = decisions(&p)
            .into_iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(k, _)| k)
            .collect();
        assert_eq!(sent, ["on365"]);
        let row = |p: &Plan, id: &str| p.rows.iter().find(|r| r.key.key_id == id).cloned().unwrap();
        assert_eq!(row(&p, "off").decision, Decision::Skip(Skip::AutoOff));
        assert_eq!(
            row(&p, "unread").decision,
            Decision::Skip(Skip::StatusUnread)
        );
        let p = plan(&f, &keys, &req(Action::DisableAuto, ""), |_| false);
        assert_eq!(row(&p, "off").decision, Decision::Skip(Skip::AlreadyOff));
        assert!(row(&p, "on180").sends() && row(&p, "on365").sends());
        assert!(
            row(&p, "unread").sends(),
            "disable is idempotent: sent when unread"
        );
        assert_eq!(p.billing_note(), None);
    }

    #[test]
    fn rotate_now_skips_none_left_in_progress_unread_and_busy() {
        let mut f = sample();
        let mut running = key("running", 10.0);
        running.status = Some(Ok(crate::console::eligibility::RotationStatus {
            on_demand_rotation_start_date: Some(crate::console::policy::tests::ago(0.01)),
            ..Default::default()
        }));
        let mut two = key("two-done", 100.0);
        two.rotations = Some(vec![on_demand(50.0), on_demand(40.0)]);
        let id = ScopeId::new(A, "us-east-1");
        for ev in events(inventory("us-east-1", vec![running, two, key("mine", 5.0)])) {
            f.apply(&id, ev);
        }
        let keys = all(&f);
        let busy_key = rk("us-east-1", "mine");
        let p = plan(&f, &keys, &req(Action::RotateNow, ""), |k| *k == busy_key);
        let d = decisions(&p);
        let sent: Vec<&str> = d
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(sent, ["off", "on180", "on365", "two-done"]);
        let why = |id: &str| {
            d.iter()
                .find(|(k, _)| k == id)
                .unwrap()
                .1
                .clone()
                .unwrap_err()
        };
        assert!(why("used-up").contains("all 25"), "{}", why("used-up"));
        assert!(why("running").contains("already in progress"));
        assert!(
            why("unread").contains("could not be read"),
            "{}",
            why("unread")
        );
        assert!(why("mine").contains("under way"));
        assert_eq!(p.rotations_consumed(), 4);
        // off, on180, on365 have no rotation yet; two-done has had two.
        assert_eq!(p.billed(), 3);
        assert!(p
            .billing_note()
            .unwrap()
            .contains("3 of the keys to send have had fewer"));
        let planned = p.rows.iter().find(|r| r.key.key_id == "two-done").unwrap();
        assert_eq!(planned.used, Some(2));
        assert!(p.needs_typed_count());
        assert!(!p.confirmed_by(""));
        assert!(!p.confirmed_by("3"));
        assert!(p.confirmed_by(" 4 "));
        let one = plan(&f, &keys[..1], &req(Action::RotateNow, ""), |_| false);
        assert!(!one.needs_typed_count() && one.confirmed_by(""));
    }

    fn multi_region(id: &str, kind: MultiRegionKeyType, primary_region: &str) -> Key {
        let mut k = key(id, 100.0);
        k.meta.multi_region = Some(true);
        k.meta.multi_region_configuration = Some(MultiRegionConfiguration {
            multi_region_key_type: Some(kind),
            primary_key: Some(MultiRegionKey {
                arn: Some(format!("arn:aws:kms:{primary_region}:{A}:key/{id}")),
                region: Some(primary_region.to_string()),
            }),
            replica_keys: vec![],
        });
        k
    }

    #[test]
    fn a_replica_goes_through_its_loaded_primary_once() {
        let f = fleet(vec![
            (
                "us-east-1",
                vec![multi_region(
                    "mrk-1",
                    MultiRegionKeyType::Primary,
                    "us-east-1",
                )],
            ),
            (
                "eu-west-1",
                vec![
                    multi_region("mrk-1", MultiRegionKeyType::Replica, "us-east-1"),
                    multi_region("mrk-2", MultiRegionKeyType::Replica, "ap-south-1"),
                ],
            ),
        ]);
        let keys = [
            rk("eu-west-1", "mrk-1"),
            rk("us-east-1", "mrk-1"),
            rk("eu-west-1", "mrk-2"),
        ];
        let p = plan(&f, &keys, &req(Action::RotateNow, ""), |_| false);
        assert_eq!(p.sends(), 1, "{:?}", decisions(&p));
        assert_eq!(p.rows[0].key, rk("us-east-1", "mrk-1"));
        assert!(p.rows[0].sends());
        assert_eq!(
            p.rows[1].decision,
            Decision::Skip(Skip::ThroughPrimary {
                primary_region: "us-east-1".into(),
                primary_selected: true
            })
        );
        // The primary of mrk-2 is not loaded: the key panel's replica sentence.
        match &p.rows[2].decision {
            Decision::Skip(Skip::Blocked(Blocked::Replica { primary_region, .. })) => {
                assert_eq!(primary_region.as_deref(), Some("ap-south-1"))
            }
            d => panic!("{d:?}"),
        }
        let only_replica = plan(&f, &keys[..1], &req(Action::EnableAuto, "365"), |_| false);
        assert!(matches!(
            &only_replica.rows[0].decision,
            Decision::Skip(Skip::ThroughPrimary {
                primary_selected: false,
                ..
            })
        ));
        assert_eq!(
            p.per_scope()
                .iter()
                .map(|l| (l.sends, l.skips))
                .collect::<Vec<_>>(),
            [(1, 0), (0, 2)]
        );
    }

    #[test]
    fn a_selected_key_that_left_the_inventory_is_skipped() {
        let f = sample();
        let gone = rk("us-east-1", "gone");
        let p = plan(&f, [&gone], &req(Action::DisableAuto, ""), |_| false);
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].decision, Decision::Skip(Skip::Gone));
    }

    #[test]
    fn the_quota_bound_minimum_is_the_busiest_scopes_sends_at_its_rate() {
        let keys: Vec<Key> = (0..20).map(|i| key(&format!("k{i:02}"), 100.0)).collect();
        let other: Vec<Key> = (0..10).map(|i| key(&format!("w{i:02}"), 100.0)).collect();
        let f = fleet(vec![("us-east-1", keys), ("us-west-2", other)]);
        let sel = all(&f);
        let p = plan(&f, &sel, &req(Action::RotateNow, ""), |_| false);
        // 20 RotateKeyOnDemand at 5 per second, the first at once: 3.8 s; the other scope runs
        // alongside.
        assert!((p.min_seconds(1.0) - 19.0 / 5.0).abs() < 1e-9);
        assert!((p.min_seconds(0.5) - 19.0 / 2.5).abs() < 1e-9);
        let p = plan(&f, &sel, &req(Action::EnableAuto, "180"), |_| false);
        assert!((p.min_seconds(1.0) - 19.0 / 15.0).abs() < 1e-9);
    }

    #[test]
    fn the_script_has_one_command_per_send_with_its_region_and_a_comment_per_skip() {
        let id = |n: u32| format!("1234abcd-12ab-34cd-56ef-{n:012}");
        let mut off = key(&id(1), 10.0);
        off.meta.arn = Some(format!("arn:aws:kms:us-east-1:{A}:key/{}", id(1)));
        let mut on180 = key(&id(2), 10.0);
        on180.status = auto(180, 20.0);
        let mut evil = key(&id(3), 10.0);
        evil.meta.key_state = Some(KeyState::Other("Weird\nrm -rf ~".into()));
        let mut west = key(&id(4), 10.0);
        west.meta.arn = None;
        let f = fleet(vec![
            ("us-east-1", vec![off, on180, evil]),
            ("us-west-2", vec![west]),
        ]);
        let keys = all(&f);
        let p = plan(&f, &keys, &req(Action::EnableAuto, "180"), |_| false);
        let s = p.script(
            |scope| CliTarget::new(scope.region.clone(), Some("http://127.0.0.1:4610".into())),
            "2026-12-02T10:00:00Z",
        );
        assert!(s.starts_with("#!/bin/sh\n"), "{s}");
        let commands: Vec<&str> = s.lines().filter(|l| l.starts_with("aws ")).collect();
        assert_eq!(
            commands,
            [
                format!(
                    "aws kms enable-key-rotation --key-id arn:aws:kms:us-east-1:{A}:key/{} \
                     --rotation-period-in-days 180 --region us-east-1 --endpoint-url \
                     http://127.0.0.1:4610",
                    id(1)
                ),
                format!(
                    "aws kms enable-key-rotation --key-id {} --rotation-period-in-days 180 \
                     --region us-west-2 --endpoint-url http://127.0.0.1:4610",
                    id(4)
                ),
            ],
            "{s}"
        );
        let skipped = s.lines().filter(|l| l.starts_with("# skipped ")).count();
        assert_eq!(skipped, p.skips());
        assert!(s.contains(&format!(
            "\n# {A} us-east-1: 1 EnableKeyRotation, 2 skipped\n"
        )));
        // Every line is a comment, a command, `set -u` or blank: the server's line break
        // stayed inside its comment.
        for line in s.lines() {
            assert!(
                line.is_empty()
                    || line.starts_with('#')
                    || line.starts_with("aws ")
                    || line == "set -u",
                "{line:?}"
            );
        }
        assert!(s.contains("The key's state is Weird rm -rf ~"), "{s}");
    }

    #[test]
    fn requests_check_the_period_only_where_one_is_sent() {
        assert!(Request::new(Action::EnableAuto, "89").is_err());
        assert!(Request::new(Action::SetPeriod, "").is_err());
        assert_eq!(
            Request::new(Action::RotateNow, "junk").unwrap().period_days,
            None
        );
        assert_eq!(
            req(Action::EnableAuto, "180").sent_text(),
            "EnableKeyRotation, every 180 days"
        );
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::parse("rotate"), None);
    }
}
