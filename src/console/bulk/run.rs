//! A bulk run: each planned key's state from "pending" to its outcome, claimed one at a time per
//! scope so no key is sent twice, paused, resumed and cancelled between sends, and kept in the
//! tab's sessionStorage so a reload neither forgets nor repeats a send (docs/bulk.md §3-§4).
//! Also the driver of one key's automatic-rotation setting within a run.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::aws::client::Client;
use crate::aws::error::{AwsError, ErrorCode, ErrorKind};
use crate::aws::kms::GetKeyRotationStatus;
use crate::aws::retry::{self, Acted, ErrorClass};
use crate::aws::transport::Transport;
use crate::console::bulk::plan::{Action, Decision, Plan, Request};
use crate::console::eligibility::RotationStatus;
use crate::console::export::{csv_line, file_name};
use crate::console::fleet::RowKey;
use crate::console::rotation::{
    save_automatic_rotation, AutoSetting, Refusal, RotateFailure, RotateOutcome, RotateUpdate,
    SaveError,
};
use crate::console::scope::ScopeId;

/// Where one key of the run is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "text", rename_all = "snake_case")]
pub enum ItemState {
    Pending,
    /// Claimed: its request is being prepared or is on its way.
    Sending,
    Done(String),
    Failed(String),
    Skipped(String),
    /// The request got no clear answer; KMS's own history decides (docs/rotation-safety.md §3).
    Unknown(String),
}

impl ItemState {
    /// The contract's `data-outcome` ("pending" and "sending" before an outcome).
    pub fn outcome(&self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::Sending => "sending",
            ItemState::Done(_) => "done",
            ItemState::Failed(_) => "failed",
            ItemState::Skipped(_) => "skipped",
            ItemState::Unknown(_) => "unknown",
        }
    }

    pub fn text(&self) -> &str {
        match self {
            ItemState::Pending => "waiting",
            ItemState::Sending => "sending\u{2026}",
            ItemState::Done(t)
            | ItemState::Failed(t)
            | ItemState::Skipped(t)
            | ItemState::Unknown(t) => t,
        }
    }

    fn is_open(&self) -> bool {
        matches!(self, ItemState::Pending | ItemState::Sending)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub account: String,
    pub region: String,
    pub key_id: String,
    pub label: String,
    pub arn: Option<String>,
    /// ON_DEMAND rotations used when planned (the send refuses if KMS's count differs).
    pub used: Option<u32>,
    pub state: ItemState,
    /// A rotation KMS accepted whose completion is still being followed.
    #[serde(default)]
    pub following: bool,
}

impl Item {
    pub fn scope(&self) -> ScopeId {
        ScopeId::new(self.account.clone(), self.region.clone())
    }

    pub fn row_key(&self) -> RowKey {
        RowKey::new(self.scope(), self.key_id.clone())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    /// Stopped between sends; Resume goes on. A run restored after a reload starts here.
    Paused,
    /// Stopped for good: keys not yet sent are skipped.
    Cancelled,
    /// Every key has its outcome (or is still being reconciled, see [`Run::open`]).
    Finished,
}

/// Counts of the run's keys by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub pending: usize,
    pub sending: usize,
    pub done: usize,
    pub failed: usize,
    pub skipped: usize,
    pub unknown: usize,
}

impl RunCounts {
    fn add(&mut self, s: &ItemState) {
        match s {
            ItemState::Pending => self.pending += 1,
            ItemState::Sending => self.sending += 1,
            ItemState::Done(_) => self.done += 1,
            ItemState::Failed(_) => self.failed += 1,
            ItemState::Skipped(_) => self.skipped += 1,
            ItemState::Unknown(_) => self.unknown += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pending + self.sending + self.done + self.failed + self.skipped + self.unknown
    }

    /// Keys with an outcome.
    pub fn finished(&self) -> usize {
        self.total() - self.pending - self.sending
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// When it started (ms since the epoch): names its export and tells runs apart.
    pub started_ms: u64,
    pub request: Request,
    pub items: Vec<Item>,
    pub state: RunState,
    #[serde(default)]
    pub finished_ms: Option<u64>,
    /// Read back from sessionStorage after a reload.
    #[serde(default)]
    pub restored: bool,
    /// Requests per second per scope the quota share allows ([`Plan::rate`]), for the
    /// quota-bound minimum of what was sent.
    #[serde(default)]
    pub rate: f64,
    /// Since when the run is paused (ms), and the time it spent paused before.
    #[serde(default)]
    pub paused_at: Option<u64>,
    #[serde(default)]
    pub paused_ms: u64,
    /// When a key last got an outcome (ms): a reload's pause is counted from there.
    #[serde(default)]
    pub last_change_ms: u64,
}

/// A paused or cancelled key's sentence.
pub const CANCELLED: &str = "Not sent: the run was cancelled before this key's turn.";

/// A rotation that may have left before a reload or the end of the session.
pub const RELOADED_UNKNOWN: &str = "The request may have left before the page reloaded or the \
     session ended: its outcome is read from KMS's rotation history when this tab connects to \
     the account again. It is never sent again meanwhile.";

/// A setting on its way when the page reloaded, in a cancelled run.
const RELOADED_SETTING: &str = "The page reloaded while this request was on its way and its \
     answer was not seen. Sending it again is safe (it sets a value): retry the failed keys.";

impl Run {
    /// A run of `plan`: its sends pending, its skips already skipped (with their reasons).
    /// `share` is the share of each quota the console uses (for the quota-bound minimum).
    pub fn start(plan: &Plan, now_ms: u64, share: f64) -> Run {
        let items = plan
            .rows
            .iter()
            .map(|r| Item {
                account: r.key.scope.account.clone(),
                region: r.key.scope.region.clone(),
                key_id: r.key.key_id.clone(),
                label: r.label().to_string(),
                arn: r.arn.clone(),
                used: r.used,
                state: match &r.decision {
                    Decision::Send => ItemState::Pending,
                    Decision::Skip(s) => ItemState::Skipped(s.sentence()),
                },
                following: false,
            })
            .collect();
        let mut run = Run {
            started_ms: now_ms,
            request: plan.request.clone(),
            items,
            state: RunState::Running,
            finished_ms: None,
            restored: false,
            rate: plan.rate(share),
            paused_at: None,
            paused_ms: 0,
            last_change_ms: now_ms,
        };
        run.check_finished(now_ms);
        run
    }

    pub fn action(&self) -> Action {
        self.request.action
    }

    /// The scopes with keys still to send, in the run's order.
    pub fn scopes_to_send(&self) -> Vec<ScopeId> {
        let mut out: Vec<ScopeId> = Vec::new();
        for i in self.items.iter().filter(|i| i.state == ItemState::Pending) {
            let s = i.scope();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The next key of `scope` to send, marked as sending; None when paused, cancelled or
    /// none is left. The one place a key is taken for sending, so it is taken once.
    pub fn claim(&mut self, scope: &ScopeId) -> Option<usize> {
        if self.state != RunState::Running {
            return None;
        }
        let i = self.items.iter().position(|i| {
            i.state == ItemState::Pending && i.account == scope.account && i.region == scope.region
        })?;
        self.items[i].state = ItemState::Sending;
        Some(i)
    }

    /// A claimed key whose request never left (paused or cancelled first): pending again, or
    /// skipped when the run was cancelled.
    pub fn release(&mut self, i: usize, now_ms: u64) {
        if let Some(item) = self.items.get_mut(i) {
            if item.state == ItemState::Sending {
                item.state = if self.state == RunState::Cancelled {
                    ItemState::Skipped(CANCELLED.to_string())
                } else {
                    ItemState::Pending
                };
            }
        }
        self.check_finished(now_ms);
    }

    /// Record a key's outcome (or a later, better-known one: an unknown reconciled, an accepted
    /// rotation completed).
    pub fn settle(&mut self, i: usize, state: ItemState, following: bool, now_ms: u64) {
        if let Some(item) = self.items.get_mut(i) {
            item.state = state;
            item.following = following;
        }
        self.check_finished(now_ms);
    }

    pub fn find(&self, scope: &ScopeId, key_id: &str) -> Option<usize> {
        self.items.iter().position(|i| {
            i.key_id == key_id && i.account == scope.account && i.region == scope.region
        })
    }

    /// The run is waiting for this key's outcome (sending, unknown, or an accepted rotation
    /// still followed): a later rotation update of the key belongs to it.
    pub fn awaits(&self, i: usize) -> bool {
        self.items.get(i).is_some_and(|it| {
            matches!(it.state, ItemState::Sending | ItemState::Unknown(_)) || it.following
        })
    }

    pub fn pause(&mut self, now_ms: u64) {
        if self.state == RunState::Running {
            self.state = RunState::Paused;
            self.paused_at = Some(now_ms);
        }
    }

    pub fn resume(&mut self, now_ms: u64) {
        if self.state == RunState::Paused {
            self.state = RunState::Running;
            self.restored = false;
            if let Some(at) = self.paused_at.take() {
                self.paused_ms += now_ms.saturating_sub(at);
            }
        }
        self.check_finished(now_ms);
    }

    /// Stop before the next send: every key not yet claimed is skipped; requests on their way
    /// finish (never cut mid-request).
    pub fn cancel(&mut self, now_ms: u64) {
        if matches!(self.state, RunState::Running | RunState::Paused) {
            self.state = RunState::Cancelled;
            for item in &mut self.items {
                if item.state == ItemState::Pending {
                    item.state = ItemState::Skipped(CANCELLED.to_string());
                }
            }
        }
        self.check_finished(now_ms);
    }

    fn check_finished(&mut self, now_ms: u64) {
        self.last_change_ms = self.last_change_ms.max(now_ms);
        let open = self.items.iter().any(|i| i.state.is_open());
        // Nothing waits to be sent or is on its way: finished, even if paused or cancelled.
        if !open && self.state != RunState::Finished {
            self.state = RunState::Finished;
            self.finished_ms = Some(now_ms);
        }
    }

    /// Nothing more will be sent (finished or cancelled) but outcomes may still change.
    pub fn is_over(&self) -> bool {
        matches!(self.state, RunState::Finished | RunState::Cancelled)
            && !self.items.iter().any(|i| i.state == ItemState::Sending)
    }

    /// Keys whose outcome is still open to change: being sent, unknown, or followed.
    pub fn open(&self) -> usize {
        self.items
            .iter()
            .filter(|i| {
                matches!(i.state, ItemState::Sending | ItemState::Unknown(_)) || i.following
            })
            .count()
    }

    pub fn counts(&self) -> RunCounts {
        let mut c = RunCounts::default();
        for i in &self.items {
            c.add(&i.state);
        }
        c
    }

    /// Counts per (account, Region), in the run's order.
    pub fn per_scope(&self) -> Vec<(ScopeId, RunCounts)> {
        let mut out: Vec<(ScopeId, RunCounts)> = Vec::new();
        for i in &self.items {
            let s = i.scope();
            match out.iter_mut().find(|(id, _)| *id == s) {
                Some((_, c)) => c.add(&i.state),
                None => {
                    let mut c = RunCounts::default();
                    c.add(&i.state);
                    out.push((s, c));
                }
            }
        }
        out
    }

    /// Share of the keys with an outcome, 0..=1.
    pub fn fraction(&self) -> f64 {
        let c = self.counts();
        if c.total() == 0 {
            1.0
        } else {
            c.finished() as f64 / c.total() as f64
        }
    }

    /// The failed keys, for "Retry the failed" (a new plan from fresh state; unknown outcomes
    /// are not in it: they are reconciled first).
    pub fn failed_keys(&self) -> Vec<RowKey> {
        self.items
            .iter()
            .filter(|i| matches!(i.state, ItemState::Failed(_)))
            .map(Item::row_key)
            .collect()
    }

    /// How the run is kept in sessionStorage (no credential: account, Region, key and text).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A run read back after a reload: paused, so nothing is sent before the user resumes.
    /// Unreadable storage is no run. Keys that were on their way are resolved at once, so the
    /// run never waits for something that will not come (docs/bulk.md §4):
    /// - "Rotate now" with a rotation record (`recorded`): the request may have left; unknown
    ///   until the record's reconciliation from KMS's history settles it. Without a record it
    ///   never left (the record is written before the request): pending again.
    /// - A setting: pending again (sending it again sets the same value), or, in a cancelled
    ///   run, failed with "retry is safe".
    pub fn restore(text: &str, recorded: impl Fn(&Item) -> bool) -> Option<Run> {
        let mut run: Run = crate::aws::wire::from_json(text).ok()?;
        if run.state == RunState::Running {
            run.state = RunState::Paused;
            // The reload's time counts as paused from the last send on record.
            run.paused_at = Some(run.last_change_ms.max(run.started_ms));
        }
        run.restored = true;
        let rotate_now = run.action() == Action::RotateNow;
        let cancelled = run.state == RunState::Cancelled;
        for item in &mut run.items {
            if item.state != ItemState::Sending {
                continue;
            }
            item.state = match (rotate_now, cancelled) {
                (true, _) if recorded(item) => ItemState::Unknown(RELOADED_UNKNOWN.to_string()),
                (_, false) => ItemState::Pending,
                (true, true) => ItemState::Skipped(CANCELLED.to_string()),
                (false, true) => ItemState::Failed(RELOADED_SETTING.to_string()),
            };
        }
        let at = run
            .finished_ms
            .unwrap_or(run.last_change_ms.max(run.started_ms));
        run.check_finished(at);
        Some(run)
    }

    /// Results as CSV (RFC 4180, every field quoted, formula-safe like the inventory export).
    pub fn csv(&self) -> String {
        let mut out = String::new();
        csv_line(&mut out, &RESULT_COLUMNS.map(str::to_string));
        let sent = self.request.sent_text();
        for i in &self.items {
            // What was sent: nothing for a key skipped or never reached.
            let sent = match i.state {
                ItemState::Pending | ItemState::Skipped(_) => String::new(),
                _ => sent.clone(),
            };
            csv_line(
                &mut out,
                &[
                    i.account.clone(),
                    i.region.clone(),
                    i.key_id.clone(),
                    i.arn.clone().unwrap_or_default(),
                    i.label.clone(),
                    self.request.action.as_str().to_string(),
                    sent,
                    i.state.outcome().to_string(),
                    i.state.text().to_string(),
                ],
            );
        }
        out
    }

    /// Results as JSON: the request, the counts, and one object per key.
    pub fn json(&self, now: f64) -> String {
        let c = self.counts();
        let keys: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|i| {
                serde_json::json!({
                    "Account": i.account,
                    "Region": i.region,
                    "KeyId": i.key_id,
                    "KeyArn": i.arn,
                    "Label": i.label,
                    "Outcome": i.state.outcome(),
                    "Detail": i.state.text(),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "GeneratedAt": crate::console::format::iso(crate::aws::kms::Timestamp(now)),
            "Action": self.request.action.as_str(),
            "Operation": self.request.action.operation(),
            "RotationPeriodInDays": self.request.period_days,
            "Counts": {
                "Done": c.done, "Failed": c.failed, "Skipped": c.skipped,
                "Unknown": c.unknown, "Pending": c.pending + c.sending,
            },
            "Keys": keys,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// Seconds from the start to the last outcome (None while running).
    /// How long the run was sending: start to finish, less the time it was paused (also
    /// across a reload).
    pub fn elapsed_seconds(&self) -> Option<f64> {
        let finished = self.finished_ms?;
        let paused = self.paused_ms + self.paused_at.map_or(0, |at| finished.saturating_sub(at));
        Some(
            finished
                .saturating_sub(self.started_ms)
                .saturating_sub(paused) as f64
                / 1000.0,
        )
    }

    /// The requests sent (keys done, failed or unknown) and the shortest time the quotas allow
    /// for them: the busiest scope's count at `rate`, the first request at once
    /// ([`Plan::min_seconds`]).
    pub fn quota_minimum(&self) -> (usize, f64) {
        let mut per_scope: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
        for i in &self.items {
            if matches!(
                i.state,
                ItemState::Done(_) | ItemState::Failed(_) | ItemState::Unknown(_)
            ) {
                *per_scope.entry((&i.account, &i.region)).or_default() += 1;
            }
        }
        let sent = per_scope.values().sum();
        let busiest = per_scope.values().copied().max().unwrap_or(0);
        let min = if self.rate > 0.0 {
            busiest.saturating_sub(1) as f64 / self.rate
        } else {
            0.0
        };
        (sent, min)
    }

    pub fn file_name(&self, now: f64, ext: &str) -> String {
        file_name("keyturn-bulk", now, ext)
    }
}

/// What a rotation update means for the run's item of that key, and for the worker waiting on
/// it (docs/bulk.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// The item has this outcome (`following`: accepted, completion still followed); the
    /// worker goes on to the next key.
    Settle(ItemState, bool),
    /// Throttled through every attempt, or the pre-send reads were: nothing was done; wait and
    /// start again.
    Throttled,
    /// Nothing was sent (paused, cancelled, or the session ended first): claim it again later.
    Released,
    /// Not an outcome (the pre-send reads' results).
    Nothing,
}

/// [`Next`] for one update of the key's rotation.
pub fn next_after(u: &RotateUpdate) -> Next {
    let throttled = |e: &AwsError| {
        retry::classify(e) == ErrorClass::Throttling
            && !matches!(e.code(), Some(ErrorCode::LimitExceededException))
    };
    match u {
        RotateUpdate::Sent => Next::Settle(
            ItemState::Done("KMS accepted the rotation; it is in progress.".to_string()),
            true,
        ),
        RotateUpdate::Reconciling { cause, .. } => Next::Settle(
            ItemState::Unknown(format!(
                "No clear answer ({}): reading KMS's rotation status and history to find out \
                 whether it was applied. It is never sent again meanwhile.",
                cause_text(cause)
            )),
            false,
        ),
        RotateUpdate::Finished(outcome) => match outcome {
            RotateOutcome::Completed => Next::Settle(
                ItemState::Done("Rotated: the new key material is in the history.".to_string()),
                false,
            ),
            RotateOutcome::Unknown(u) => Next::Settle(ItemState::Unknown(u.sentence()), false),
            RotateOutcome::Cancelled
            | RotateOutcome::Failed(RotateFailure::Refused(Refusal::Stopped)) => Next::Released,
            RotateOutcome::Failed(
                RotateFailure::Rejected(e) | RotateFailure::Refused(Refusal::CouldNotCheck(e)),
            ) if throttled(e) => Next::Throttled,
            RotateOutcome::Failed(f @ RotateFailure::Refused(r))
                if !matches!(r, Refusal::CouldNotCheck(_)) =>
            {
                Next::Settle(ItemState::Skipped(f.sentence()), false)
            }
            RotateOutcome::Failed(f) => Next::Settle(ItemState::Failed(f.sentence()), false),
        },
        RotateUpdate::Sending(_) | RotateUpdate::Status(_) | RotateUpdate::Rotations(_) => {
            Next::Nothing
        }
    }
}

/// [`Next`] when the rotation's driver ended without telling the run (the session ended while it
/// waited for the lock or for an answer): unknown if its record says the request may have left.
pub fn next_without_report(outcome: &RotateOutcome, recorded: bool) -> Next {
    // Refused before anything left (stopped, another tab, unsettled): a record is not this one's.
    if recorded && !outcome.sent_nothing() {
        return Next::Settle(ItemState::Unknown(RELOADED_UNKNOWN.to_string()), false);
    }
    match next_after(&RotateUpdate::Finished(outcome.clone())) {
        Next::Nothing => Next::Released,
        n => n,
    }
}

/// The results CSV's header, in order.
pub const RESULT_COLUMNS: [&str; 9] = [
    "account", "region", "key_id", "key_arn", "label", "action", "sent", "outcome", "detail",
];

/// How many more rounds a setting throttled through all of the client's attempts is sent
/// again (nothing was done: docs/kms.md §4.2), and the wait before the first.
pub const THROTTLED_ROUNDS: u32 = 4;
const THROTTLED_WAIT: Duration = Duration::from_secs(2);

/// One key's automatic-rotation setting in a run: EnableKeyRotation / DisableKeyRotation (both
/// idempotent: the same value sent twice changes nothing), then its status read back.
/// - Throttled through every attempt of the client: waits and sends again, a few rounds.
/// - No clear answer (5xx, dropped connection, after the client's own retries): reads the
///   status; the change showing is done, otherwise failed with "retry" advice.
pub async fn apply_setting<T: Transport>(
    client: &Client<T>,
    key_id: &str,
    request: &Request,
    may_send: impl Fn() -> bool,
) -> Option<(ItemState, Option<RotationStatus>)> {
    let setting = setting_of(request);
    let mut wait = THROTTLED_WAIT;
    for round in 0..=THROTTLED_ROUNDS {
        if round > 0 {
            client.transport().sleep(wait).await;
            wait *= 2;
        }
        // Paused or cancelled while waiting: this key's request has not left.
        if !may_send() {
            return None;
        }
        match save_automatic_rotation(client, key_id, setting, Some(&may_send)).await {
            Ok(status) => {
                let text = if setting.is_reflected_in(&status) {
                    done_text(&setting)
                } else {
                    format!(
                        "{} KMS accepted it; its status still shows the old setting (reads can \
                         lag a few seconds).",
                        done_text(&setting)
                    )
                };
                return Some((ItemState::Done(text), Some(status)));
            }
            Err(SaveError::SavedButUnread(e)) => {
                let text = format!(
                    "{} KMS accepted it; reading the status back failed: {}",
                    done_text(&setting),
                    e.user_message()
                );
                return Some((ItemState::Done(text), None));
            }
            // Paused or cancelled before an attempt left (docs/bulk.md §3).
            Err(SaveError::Rejected(e)) if e.kind == ErrorKind::Stopped => return None,
            Err(SaveError::Rejected(e)) if retry::classify(&e) == ErrorClass::Throttling => {
                continue
            }
            Err(SaveError::Rejected(e)) if retry::acted(&e) == Acted::Unknown => {
                return Some(verify_setting(client, key_id, &setting, &e).await)
            }
            Err(SaveError::Rejected(e)) => {
                return Some((ItemState::Failed(e.user_message()), None))
            }
        }
    }
    Some((
        ItemState::Failed(
            "Still throttled after several rounds of waiting: nothing was changed. Retry the \
         failed keys when the account is quieter, or lower the share of the quota keyturn uses."
                .to_string(),
        ),
        None,
    ))
}

fn done_text(setting: &AutoSetting) -> String {
    if setting.enabled {
        format!("Automatic rotation on, every {} days.", setting.period_days)
    } else {
        "Automatic rotation off.".to_string()
    }
}

/// After an unclear answer (or a reload while the request was on its way): does KMS show the
/// setting? Never sends.
pub async fn verify_setting<T: Transport>(
    client: &Client<T>,
    key_id: &str,
    setting: &AutoSetting,
    cause: &AwsError,
) -> (ItemState, Option<RotationStatus>) {
    match client.call(&GetKeyRotationStatus::new(key_id)).await {
        Ok(s) if setting.is_reflected_in(&s) => (ItemState::Done(done_text(setting)), Some(s)),
        Ok(s) => (
            ItemState::Failed(format!(
                "The request got no clear answer ({}) and KMS does not show the change: it was \
             probably not applied. Retrying is safe (the request sets a value).",
                cause_text(cause)
            )),
            Some(s),
        ),
        Err(e) => (
            ItemState::Failed(format!(
                "The request got no clear answer ({}) and reading the status failed too: {} \
             Retrying is safe (the request sets a value).",
                cause_text(cause),
                e.user_message()
            )),
            None,
        ),
    }
}

fn cause_text(e: &AwsError) -> String {
    e.code()
        .map_or_else(|| e.kind.to_string(), ErrorCode::to_string)
}

/// The setting a run's request sets.
pub fn setting_of(request: &Request) -> AutoSetting {
    AutoSetting {
        enabled: request.action != Action::DisableAuto,
        period_days: request.period_days.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::bulk::plan::{plan, Request};
    use crate::console::fleet::Fleet;
    use crate::console::policy::tests::{auto, events, inventory, key};
    use crate::console::testkit::{self, Reply};

    const A: &str = "111122223333";

    fn two_scopes() -> (Fleet, Vec<RowKey>) {
        let mut fleet = Fleet::default();
        let east = ScopeId::new(A, "us-east-1");
        let west = ScopeId::new(A, "us-west-2");
        fleet.set_scopes(vec![
            (east.clone(), None, false),
            (west.clone(), None, false),
        ]);
        let mut on = key("e-on", 10.0);
        on.status = auto(180, 10.0);
        for ev in events(inventory(
            "us-east-1",
            vec![key("e1", 10.0), key("e2", 10.0), on],
        )) {
            fleet.apply(&east, ev);
        }
        for ev in events(inventory("us-west-2", vec![key("w1", 10.0)])) {
            fleet.apply(&west, ev);
        }
        let keys = [
            ("us-east-1", "e1"),
            ("us-east-1", "e2"),
            ("us-east-1", "e-on"),
            ("us-west-2", "w1"),
        ]
        .iter()
        .map(|(r, k)| RowKey::new(ScopeId::new(A, *r), *k))
        .collect();
        (fleet, keys)
    }

    fn run() -> Run {
        let (f, keys) = two_scopes();
        let p = plan(
            &f,
            &keys,
            &Request::new(Action::EnableAuto, "180").unwrap(),
            |_| false,
        );
        Run::start(&p, 1000, 0.9)
    }

    #[test]
    fn each_key_is_claimed_once_per_scope_and_skips_are_settled_from_the_start() {
        let mut r = run();
        let east = ScopeId::new(A, "us-east-1");
        let west = ScopeId::new(A, "us-west-2");
        assert_eq!(r.counts().skipped, 1, "e-on is already at 180");
        assert_eq!(r.scopes_to_send(), vec![east.clone(), west.clone()]);
        let a = r.claim(&east).unwrap();
        let b = r.claim(&east).unwrap();
        assert_ne!(a, b);
        assert_eq!(
            r.claim(&east),
            None,
            "two keys in us-east-1, each taken once"
        );
        let w = r.claim(&west).unwrap();
        assert_eq!(r.counts().sending, 3);
        r.settle(a, ItemState::Done("ok".into()), false, 2000);
        r.settle(b, ItemState::Failed("no".into()), false, 2000);
        assert_eq!(r.state, RunState::Running);
        r.settle(w, ItemState::Unknown("?".into()), false, 3000);
        assert_eq!(r.state, RunState::Finished);
        assert_eq!(r.finished_ms, Some(3000));
        let c = r.counts();
        assert_eq!((c.done, c.failed, c.skipped, c.unknown), (1, 1, 1, 1));
        assert_eq!(r.failed_keys(), vec![RowKey::new(east.clone(), "e2")]);
        assert_eq!(r.open(), 1, "the unknown one can still change");
        assert!(r.awaits(w) && !r.awaits(a));
        let per = r.per_scope();
        assert_eq!(per.len(), 2);
        assert_eq!(per[0].1.total(), 3);
        assert!((r.fraction() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn pause_stops_claims_and_a_released_key_is_sent_later_cancel_skips_the_rest() {
        let mut r = run();
        let east = ScopeId::new(A, "us-east-1");
        let a = r.claim(&east).unwrap();
        r.pause(1500);
        assert_eq!(r.claim(&east), None, "paused: nothing more is taken");
        r.release(a, 1500);
        assert_eq!(r.items[a].state, ItemState::Pending);
        assert_eq!(
            r.state,
            RunState::Paused,
            "pending keys keep a paused run open"
        );
        r.resume(1600);
        let again = r.claim(&east).unwrap();
        assert_eq!(again, a, "the released key is next");
        r.cancel(1700);
        assert_eq!(r.claim(&east), None);
        let c = r.counts();
        assert_eq!((c.sending, c.pending, c.skipped), (1, 0, 3));
        assert!(!r.is_over(), "a request on its way finishes");
        r.release(again, 1800);
        assert_eq!(r.items[again].state, ItemState::Skipped(CANCELLED.into()));
        assert!(r.is_over());
        assert_eq!(r.state, RunState::Finished);
    }

    #[test]
    fn a_run_read_back_after_a_reload_is_paused_and_keeps_every_state() {
        let mut r = run();
        let east = ScopeId::new(A, "us-east-1");
        let a = r.claim(&east).unwrap();
        r.settle(a, ItemState::Done("ok".into()), false, 1100);
        let b = r.claim(&east).unwrap();
        let json = r.to_json();
        for word in ["Secret", "Token", "AccessKey"] {
            assert!(!json.contains(word), "{json}");
        }
        let back = Run::restore(&json, |_| false).unwrap();
        assert_eq!(back.state, RunState::Paused);
        assert!(back.restored);
        assert_eq!(back.items[a].state, ItemState::Done("ok".into()));
        assert_eq!(
            back.items[b].state,
            ItemState::Pending,
            "a setting on its way is sent again on Resume (it sets a value)"
        );
        // Cancelled: the setting on its way is failed with "retry is safe", never left open.
        let mut c = r.clone();
        c.cancel(1200);
        let back = Run::restore(&c.to_json(), |_| false).unwrap();
        assert!(matches!(back.items[b].state, ItemState::Failed(_)));
        assert!(back.is_over());
        assert_eq!(back.state, RunState::Finished);
    }

    #[test]
    fn the_run_time_leaves_out_pauses_and_the_minimum_counts_what_was_sent() {
        let mut r = run();
        let east = ScopeId::new(A, "us-east-1");
        let west = ScopeId::new(A, "us-west-2");
        let a = r.claim(&east).unwrap();
        r.settle(a, ItemState::Done("ok".into()), false, 2000);
        r.pause(3000);
        r.resume(13_000);
        let b = r.claim(&east).unwrap();
        r.settle(b, ItemState::Failed("no".into()), false, 14_000);
        let w = r.claim(&west).unwrap();
        r.settle(w, ItemState::Done("ok".into()), false, 15_000);
        assert_eq!(r.state, RunState::Finished);
        // 1 s to 15 s, less 10 s paused.
        assert_eq!(r.elapsed_seconds(), Some(4.0));
        // Three sent, two in us-east-1: one interval at the share's rate.
        let (sent, min) = r.quota_minimum();
        assert_eq!(sent, 3);
        assert!((min - 1.0 / r.rate).abs() < 1e-9, "{min}");
    }

    #[test]
    fn a_rotation_on_its_way_at_a_reload_is_unknown_with_a_record_and_pending_without() {
        let mut r = run();
        r.request = Request::new(Action::RotateNow, "").unwrap();
        let east = ScopeId::new(A, "us-east-1");
        let a = r.claim(&east).unwrap();
        let b = r.claim(&east).unwrap();
        let a_id = r.items[a].key_id.clone();
        let json = r.to_json();
        let back = Run::restore(&json, |i| i.key_id == a_id).unwrap();
        assert!(matches!(back.items[a].state, ItemState::Unknown(_)));
        assert!(back.awaits(a), "the record's reconciliation settles it");
        assert_eq!(back.items[b].state, ItemState::Pending);
        assert!(!back.is_over());
        // Cancelled before the reload: never sent, so skipped; the unknown one stays unknown.
        let mut c = r.clone();
        c.cancel(1300);
        let back = Run::restore(&c.to_json(), |i| i.key_id == a_id).unwrap();
        assert!(matches!(back.items[a].state, ItemState::Unknown(_)));
        assert_eq!(back.items[b].state, ItemState::Skipped(CANCELLED.into()));
        assert!(back.is_over(), "nothing is being sent: a new run may start");
    }

    #[test]
    fn updates_tell_the_worker_what_to_do() {
        use crate::aws::error::ErrorKind as K;
        let service = |code: &str| {
            AwsError::from(K::Service {
                code: ErrorCode::from(code),
                message: String::new(),
                status: 400,
                request_id: None,
            })
        };
        let failed = |f: RotateFailure| RotateUpdate::Finished(RotateOutcome::Failed(f));
        assert!(matches!(
            next_after(&RotateUpdate::Sent),
            Next::Settle(ItemState::Done(_), true)
        ));
        assert_eq!(
            next_after(&failed(RotateFailure::Rejected(service(
                "ThrottlingException"
            )))),
            Next::Throttled
        );
        assert_eq!(
            next_after(&failed(RotateFailure::Refused(Refusal::CouldNotCheck(
                service("ThrottlingException")
            )))),
            Next::Throttled,
            "throttled pre-send reads wait too"
        );
        assert!(
            matches!(
                next_after(&failed(RotateFailure::Rejected(service(
                    "LimitExceededException"
                )))),
                Next::Settle(ItemState::Failed(_), false)
            ),
            "no rotations left is an outcome, not a reason to wait"
        );
        assert!(matches!(
            next_after(&failed(RotateFailure::Refused(Refusal::CouldNotCheck(
                service("AccessDeniedException")
            )))),
            Next::Settle(ItemState::Failed(_), false)
        ));
        assert!(matches!(
            next_after(&failed(RotateFailure::Refused(Refusal::OtherTab))),
            Next::Settle(ItemState::Skipped(_), false)
        ));
        assert_eq!(
            next_after(&failed(RotateFailure::Refused(Refusal::Stopped))),
            Next::Released
        );
        assert_eq!(
            next_after(&RotateUpdate::Finished(RotateOutcome::Cancelled)),
            Next::Released
        );
        // The session ended with nothing reported: the record decides.
        assert!(matches!(
            next_without_report(&RotateOutcome::Cancelled, true),
            Next::Settle(ItemState::Unknown(_), false)
        ));
        assert_eq!(
            next_without_report(&RotateOutcome::Cancelled, false),
            Next::Released
        );
        assert_eq!(
            next_without_report(
                &RotateOutcome::Failed(RotateFailure::Refused(Refusal::OtherTab)),
                false
            ),
            Next::Settle(
                ItemState::Skipped(RotateFailure::Refused(Refusal::OtherTab).sentence()),
                false
            )
        );
        assert!(Run::restore("{", |_| false).is_none());
        assert!(Run::restore("", |_| false).is_none());
    }

    #[test]
    fn results_export_as_csv_and_json() {
        let mut r = run();
        let east = ScopeId::new(A, "us-east-1");
        let a = r.claim(&east).unwrap();
        r.settle(
            a,
            ItemState::Failed("=cmd|' /C calc'!A0".into()),
            false,
            1100,
        );
        let csv = r.csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "\"account\",\"region\",\"key_id\",\"key_arn\",\"label\",\"action\",\"sent\",\
             \"outcome\",\"detail\""
        );
        assert_eq!(
            lines.len(),
            r.items.len() + 2,
            "header, rows, and the final CRLF"
        );
        assert!(csv.contains("\"failed\",\"'=cmd|' /C calc'!A0\""), "{csv}");
        let json: serde_json::Value = serde_json::from_str(&r.json(1_795_608_000.0)).unwrap();
        assert_eq!(json["Action"], "enable-auto");
        assert_eq!(json["RotationPeriodInDays"], 180);
        assert_eq!(json["Counts"]["Failed"], 1);
        assert_eq!(json["Keys"].as_array().unwrap().len(), 4);
    }

    fn status_json(enabled: bool, period: u32) -> Reply {
        testkit::status(enabled, Some(period), false)
    }

    #[test]
    fn a_setting_throttled_through_the_clients_retries_waits_and_is_sent_again() {
        let fake = testkit::client();
        let t = fake.transport();
        for _ in 0..3 {
            t.once(
                "EnableKeyRotation",
                None,
                Reply::Err("ThrottlingException", 400),
            );
        }
        t.always("EnableKeyRotation", None, testkit::ok("{}"));
        t.always("GetKeyRotationStatus", None, status_json(true, 180));
        let req = Request::new(Action::EnableAuto, "180").unwrap();
        let out = futures::executor::block_on(apply_setting(&fake, "k", &req, || true));
        assert_eq!(
            out.map(|o| o.0),
            Some(ItemState::Done(
                "Automatic rotation on, every 180 days.".into()
            ))
        );
        assert_eq!(
            t.count("EnableKeyRotation"),
            4,
            "3 throttled attempts, then one more round"
        );
        assert!(t.sleeps.borrow().contains(&THROTTLED_WAIT));
    }

    #[test]
    fn an_unclear_answer_is_checked_by_reading_never_by_sending_again() {
        let fake = testkit::client();
        let t = fake.transport();
        t.always(
            "EnableKeyRotation",
            None,
            Reply::Err("KMSInternalException", 500),
        );
        t.always("GetKeyRotationStatus", None, status_json(true, 180));
        let req = Request::new(Action::EnableAuto, "180").unwrap();
        let out = futures::executor::block_on(apply_setting(&fake, "k", &req, || true));
        assert_eq!(
            out.map(|o| o.0),
            Some(ItemState::Done(
                "Automatic rotation on, every 180 days.".into()
            ))
        );
        let sent = t.count("EnableKeyRotation");
        let fake2 = testkit::client();
        let t2 = fake2.transport();
        t2.always(
            "EnableKeyRotation",
            None,
            Reply::Err("KMSInternalException", 500),
        );
        t2.always("GetKeyRotationStatus", None, status_json(false, 365));
        let out = futures::executor::block_on(apply_setting(&fake2, "k", &req, || true));
        match out.map(|o| o.0) {
            Some(ItemState::Failed(t)) => assert!(t.contains("not applied"), "{t}"),
            o => panic!("{o:?}"),
        }
        assert_eq!(
            t2.count("EnableKeyRotation"),
            sent,
            "only the client's own retries"
        );
    }

    #[test]
    fn a_paused_run_sends_nothing_for_a_claimed_setting() {
        let fake = testkit::client();
        let req = Request::new(Action::DisableAuto, "").unwrap();
        let out = futures::executor::block_on(apply_setting(&fake, "k", &req, || false));
        assert!(out.is_none());
        assert_eq!(fake.transport().count("DisableKeyRotation"), 0);
    }
}
