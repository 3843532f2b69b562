//! "Rotate now" and automatic-rotation settings: the state machine the UI renders, and the async
//! drivers that talk to KMS through any [`Transport`] (fetch in the browser, a scripted fake in
//! tests).
//!
//! Rules that matter here (kms-api.md §2 RotateKeyOnDemand, §3.3, §4.3 "Eventual
//! consistency"): RotateKeyOnDemand is asynchronous — OnDemandRotationStartDate shows while it
//! runs and the ListKeyRotations entry appears only afterwards, possibly later still. A request
//! whose outcome is unknown is never resent: the driver reads the key's state to find out, and
//! only the user can start another attempt.

use std::time::{Duration, SystemTime};

use crate::aws::client::Client;
use crate::aws::error::AwsError;
use crate::aws::kms::{
    DisableKeyRotation, EnableKeyRotation, GetKeyRotationStatus, Operation, RotateKeyOnDemand,
    RotationType, RotationsListEntry, Timestamp,
};
use crate::aws::transport::Transport;
use crate::console::cli::{self, CliCommand, CliTarget};
use crate::console::eligibility::RotationStatus;
use crate::console::format;
use crate::console::inventory::{list_rotations, Inventory, KeyRow};
use crate::console::quota::{self, ON_DEMAND_ROTATION_LIMIT};
use crate::console::session::CancelToken;

// ---------------------------------------------------------------------------------------------
// Automatic rotation period

/// EnableKeyRotation's `RotationPeriodInDays` range and default (kms-api.md §2, §6).
pub const MIN_ROTATION_PERIOD_DAYS: u32 = 90;
pub const MAX_ROTATION_PERIOD_DAYS: u32 = 2560;
pub const DEFAULT_ROTATION_PERIOD_DAYS: u32 = 365;

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
pub enum PeriodError {
    #[error(
        "Enter a rotation period: a whole number of days from 90 to 2560 (the default is 365)."
    )]
    Empty,
    #[error(
        "\u{201c}{0}\u{201d} is not a whole number of days: enter a number from 90 to 2560 \
         (the default is 365)."
    )]
    NotANumber(String),
    #[error("{0} days is out of range: the rotation period must be from 90 to 2560 days.")]
    OutOfRange(String),
}

/// Check the period field before anything is sent.
pub fn validate_period(input: &str) -> Result<u32, PeriodError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(PeriodError::Empty);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        // "-5" and "1e3" are numbers, just not allowed ones; say so plainly.
        if s.parse::<f64>().is_ok() {
            return Err(PeriodError::OutOfRange(s.to_string()));
        }
        return Err(PeriodError::NotANumber(s.to_string()));
    }
    match s.parse::<u64>() {
        Ok(n)
            if (u64::from(MIN_ROTATION_PERIOD_DAYS)..=u64::from(MAX_ROTATION_PERIOD_DAYS))
                .contains(&n) =>
        {
            u32::try_from(n).map_err(|_| PeriodError::OutOfRange(s.to_string()))
        }
        _ => Err(PeriodError::OutOfRange(s.to_string())),
    }
}

/// The automatic-rotation form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AutoSetting {
    pub enabled: bool,
    pub period_days: u32,
}

impl AutoSetting {
    /// The form's initial values from GetKeyRotationStatus (period 365 when absent).
    pub fn from_status(status: &RotationStatus) -> Self {
        AutoSetting {
            enabled: status.key_rotation_enabled,
            period_days: status
                .rotation_period_in_days
                .unwrap_or(DEFAULT_ROTATION_PERIOD_DAYS),
        }
    }

    /// Read the form: the period is validated only when rotation is being turned on (it is not
    /// sent otherwise).
    pub fn from_form(enabled: bool, period_input: &str) -> Result<Self, PeriodError> {
        if !enabled {
            let period_days = validate_period(period_input).unwrap_or(DEFAULT_ROTATION_PERIOD_DAYS);
            return Ok(AutoSetting {
                enabled,
                period_days,
            });
        }
        Ok(AutoSetting {
            enabled,
            period_days: validate_period(period_input)?,
        })
    }

    /// Does the server's status show this setting? A period the server does not report (some
    /// peers omit it) is not held against it.
    pub fn is_reflected_in(&self, status: &RotationStatus) -> bool {
        if status.key_rotation_enabled != self.enabled {
            return false;
        }
        !self.enabled
            || status
                .rotation_period_in_days
                .is_none_or(|p| p == self.period_days)
    }

    /// The equivalent AWS CLI command.
    pub fn cli(&self, target: &CliTarget, key_id: &str) -> CliCommand {
        if self.enabled {
            cli::enable_key_rotation(target, key_id, self.period_days)
        } else {
            cli::disable_key_rotation(target, key_id)
        }
    }
}

/// Why saving automatic-rotation settings did not end with fresh server values.
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
pub enum SaveError {
    /// EnableKeyRotation / DisableKeyRotation (`operation`) failed; nothing changed.
    #[error("{operation}: {error}")]
    Rejected {
        operation: &'static str,
        error: AwsError,
    },
    /// The change was accepted, but re-reading GetKeyRotationStatus failed.
    #[error("saved, but the new status could not be read: {0}")]
    SavedButUnread(AwsError),
}

impl SaveError {
    pub fn error(&self) -> &AwsError {
        match self {
            SaveError::Rejected { error, .. } | SaveError::SavedButUnread(error) => error,
        }
    }

    /// A sentence with the next step (AccessDenied names `kms:EnableKeyRotation` etc.).
    pub fn sentence(&self) -> String {
        match self {
            SaveError::Rejected { operation, error } => error.user_message(operation),
            SaveError::SavedButUnread(e) => format!(
                "The setting was saved, but its new values could not be read back. {}",
                e.user_message(GetKeyRotationStatus::NAME)
            ),
        }
    }
}

/// Enable (with the period) or disable automatic rotation, then re-read GetKeyRotationStatus so
/// the panel and the row show the server's values. Reads are repeated a few times (1 s, 2 s)
/// while they still show the old setting, for eventual consistency (kms-api.md §4.3).
pub async fn save_automatic_rotation<T: Transport>(
    client: &Client<T>,
    key_id: &str,
    setting: AutoSetting,
) -> Result<RotationStatus, SaveError> {
    let sent = if setting.enabled {
        client
            .call(&EnableKeyRotation {
                key_id: key_id.to_string(),
                rotation_period_in_days: Some(setting.period_days),
            })
            .await
    } else {
        client
            .call(&DisableKeyRotation {
                key_id: key_id.to_string(),
            })
            .await
    };
    if let Err(error) = sent {
        let operation = if setting.enabled {
            EnableKeyRotation::NAME
        } else {
            DisableKeyRotation::NAME
        };
        return Err(SaveError::Rejected { operation, error });
    }
    let mut last = None;
    for delay in [0_u64, 1000, 2000] {
        if delay > 0 {
            client.transport().sleep(Duration::from_millis(delay)).await;
        }
        match client.call(&GetKeyRotationStatus::new(key_id)).await {
            Ok(s) if setting.is_reflected_in(&s) => return Ok(s),
            Ok(s) => last = Some(Ok(s)),
            Err(e) => last = Some(Err(e)),
        }
    }
    match last {
        // Still the old value: show what the server says, it wins.
        Some(Ok(s)) => Ok(s),
        Some(Err(e)) => Err(SaveError::SavedButUnread(e)),
        None => Err(SaveError::SavedButUnread(AwsError::Aborted)),
    }
}

// ---------------------------------------------------------------------------------------------
// Rotate now: state machine

/// Where a "Rotate now" stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RotatePhase {
    Idle,
    /// The dialog is open.
    Confirming,
    /// RotateKeyOnDemand is on its way (the button is already disabled).
    Sending,
    /// The request's outcome is unknown; reading the key's state to find out.
    Reconciling,
    /// KMS accepted the rotation; following it until it shows in the history.
    InProgress {
        started: Option<Timestamp>,
    },
    /// The new ON_DEMAND entry is in the history.
    Done,
    /// Accepted, but not yet visible after the polling window: it may still be running.
    StillRunning,
    Failed(RotateFailure),
}

/// Why a rotation did not happen (or might not have).
#[derive(Clone, Debug, PartialEq)]
pub enum RotateFailure {
    /// KMS answered with an error: nothing was rotated.
    Rejected(AwsError),
    /// The answer was lost, and reading the key showed no new rotation: safe to try again.
    NotApplied { cause: AwsError },
    /// The answer was lost and the key's state could not be read either.
    Unknown {
        cause: AwsError,
        check: Option<AwsError>,
    },
}

impl RotateFailure {
    pub fn error(&self) -> &AwsError {
        match self {
            RotateFailure::Rejected(e) => e,
            RotateFailure::NotApplied { cause } | RotateFailure::Unknown { cause, .. } => cause,
        }
    }

    /// The AWS error code, for the error banner.
    pub fn code(&self) -> Option<&str> {
        self.error().code()
    }

    /// A sentence that says what happened and what to do.
    pub fn sentence(&self) -> String {
        match self {
            RotateFailure::Rejected(e) => e.user_message(RotateKeyOnDemand::NAME),
            RotateFailure::NotApplied { cause } => format!(
                "The rotation request got no clear answer ({}). keyturn then read the key several \
                 times and found no new or running rotation, so it was most likely not applied. \
                 You can try again.",
                short_cause(cause)
            ),
            RotateFailure::Unknown { cause, check } => {
                let why = check
                    .as_ref()
                    .map(|e| {
                        format!(
                            " Reading the key also failed: {}",
                            e.user_message("GetKeyRotationStatus")
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "The rotation request got no clear answer ({}), and keyturn could not find out \
                     whether it was applied. Reload the key's rotation history before trying \
                     again, so the key is not rotated twice.{why}",
                    short_cause(cause)
                )
            }
        }
    }

    /// May the user start another attempt? Not after LimitExceededException (the quota is used
    /// up for good).
    pub fn can_retry(&self) -> bool {
        match self {
            RotateFailure::Rejected(e) => e.code() != Some("LimitExceededException"),
            RotateFailure::NotApplied { .. } | RotateFailure::Unknown { .. } => true,
        }
    }

    /// The server said the quota is exhausted: the remaining count must show 0.
    pub fn is_limit_exceeded(&self) -> bool {
        matches!(self, RotateFailure::Rejected(e) if e.code() == Some("LimitExceededException"))
    }
}

fn short_cause(e: &AwsError) -> String {
    match e {
        AwsError::OutcomeUnknown { cause, .. } => short_cause(cause),
        AwsError::Timeout => "timed out".to_string(),
        AwsError::Network(_) => "the connection failed".to_string(),
        AwsError::Aborted => "cancelled".to_string(),
        AwsError::Http { status, .. } => format!("HTTP {status}"),
        other => other
            .code()
            .map_or_else(|| other.to_string(), str::to_string),
    }
}

/// Proof that the user confirmed: only [`RotateFlow::confirm`] makes one, once per dialog.
/// The driver consumes it, so one confirmation can start at most one RotateKeyOnDemand.
#[derive(Debug)]
pub struct SendTicket {
    key_id: String,
    baseline_on_demand: Option<u32>,
}

impl SendTicket {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// What the driver reports as it goes; apply each to the flow ([`RotateFlow::apply`]) and to
/// the inventory ([`apply_to_inventory`]).
#[derive(Clone, Debug, PartialEq)]
pub enum RotateUpdate {
    /// KMS accepted RotateKeyOnDemand (or reconciliation showed it had).
    Sent,
    /// The answer was lost; reading the key's state.
    Reconciling {
        cause: AwsError,
    },
    /// A fresh GetKeyRotationStatus.
    Status(RotationStatus),
    /// A fresh ListKeyRotations (all pages).
    Rotations(Vec<RotationsListEntry>),
    Finished(RotateOutcome),
}

#[derive(Clone, Debug, PartialEq)]
pub enum RotateOutcome {
    Completed,
    StillRunning {
        last_error: Option<AwsError>,
    },
    Failed(RotateFailure),
    /// Disconnect or region switch while it ran.
    Cancelled,
}

/// The "Rotate now" state of one key panel.
#[derive(Clone, Debug, PartialEq)]
pub struct RotateFlow {
    key_id: String,
    phase: RotatePhase,
}

impl RotateFlow {
    pub fn new(key_id: impl Into<String>) -> Self {
        RotateFlow {
            key_id: key_id.into(),
            phase: RotatePhase::Idle,
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn phase(&self) -> &RotatePhase {
        &self.phase
    }

    /// Something is on its way or being followed: the button stays disabled.
    pub fn is_busy(&self) -> bool {
        matches!(
            self.phase,
            RotatePhase::Confirming
                | RotatePhase::Sending
                | RotatePhase::Reconciling
                | RotatePhase::InProgress { .. }
        )
    }

    /// The "Rotate now" button: enabled when the key is eligible and nothing is under way
    /// (and a failure, if any, allows another attempt).
    pub fn button_enabled(&self, eligible: bool) -> bool {
        eligible
            && match &self.phase {
                RotatePhase::Idle | RotatePhase::Done | RotatePhase::StillRunning => true,
                RotatePhase::Failed(f) => f.can_retry(),
                _ => false,
            }
    }

    /// "Rotate now" clicked: open the dialog. False (and no change) while busy or after a
    /// failure that allows no retry.
    pub fn open(&mut self) -> bool {
        if !self.button_enabled(true) {
            return false;
        }
        self.phase = RotatePhase::Confirming;
        true
    }

    /// "Cancel" or Escape in the dialog.
    pub fn cancel(&mut self) {
        if self.phase == RotatePhase::Confirming {
            self.phase = RotatePhase::Idle;
        }
    }

    /// "Rotate key" in the dialog. Returns the ticket exactly once; a second click (or any
    /// click outside Confirming) gets `None`, so a double click sends one request.
    /// `baseline_on_demand` is the ON_DEMAND count the panel knows (a fallback; the driver
    /// re-reads it right before sending).
    pub fn confirm(&mut self, baseline_on_demand: Option<u32>) -> Option<SendTicket> {
        if self.phase != RotatePhase::Confirming {
            return None;
        }
        self.phase = RotatePhase::Sending;
        Some(SendTicket {
            key_id: self.key_id.clone(),
            baseline_on_demand,
        })
    }

    pub fn apply(&mut self, update: &RotateUpdate) {
        match update {
            RotateUpdate::Sent => {
                self.phase = RotatePhase::InProgress { started: None };
            }
            RotateUpdate::Reconciling { .. } => self.phase = RotatePhase::Reconciling,
            RotateUpdate::Status(s) => {
                if let RotatePhase::InProgress { started } = &mut self.phase {
                    if s.on_demand_rotation_start_date.is_some() {
                        *started = s.on_demand_rotation_start_date;
                    }
                }
            }
            RotateUpdate::Rotations(_) => {}
            RotateUpdate::Finished(outcome) => {
                self.phase = match outcome {
                    RotateOutcome::Completed => RotatePhase::Done,
                    RotateOutcome::StillRunning { .. } => RotatePhase::StillRunning,
                    RotateOutcome::Failed(f) => RotatePhase::Failed(f.clone()),
                    RotateOutcome::Cancelled => RotatePhase::Idle,
                };
            }
        }
    }

    /// The panel's status line ("notice" / "error-banner").
    pub fn status_text(&self) -> Option<String> {
        match &self.phase {
            RotatePhase::Idle | RotatePhase::Confirming => None,
            RotatePhase::Sending => Some("Sending the rotation request\u{2026}".to_string()),
            RotatePhase::Reconciling => Some(
                "The rotation request got no clear answer; checking the key's rotation state before \
                 anything else\u{2026}"
                    .to_string(),
            ),
            RotatePhase::InProgress { started: Some(t) } => Some(format!(
                "Rotation in progress (started {}).",
                format::date_time(*t)
            )),
            RotatePhase::InProgress { started: None } => {
                Some("Rotation in progress\u{2026}".to_string())
            }
            RotatePhase::Done => Some(
                "Rotation complete: the new key material is in the rotation history.".to_string(),
            ),
            RotatePhase::StillRunning => Some(
                "KMS accepted the rotation, but it has not shown up in the rotation history yet. \
                 Reload the key in a few minutes."
                    .to_string(),
            ),
            RotatePhase::Failed(f) => Some(f.sentence()),
        }
    }

    pub fn failure(&self) -> Option<&RotateFailure> {
        match &self.phase {
            RotatePhase::Failed(f) => Some(f),
            _ => None,
        }
    }
}

/// Reflect a driver update in the inventory row: fresh status and history, the "in progress"
/// mark, and LimitExceededException forcing the remaining count to 0.
pub fn apply_to_inventory(inventory: &mut Inventory, key_id: &str, update: &RotateUpdate) {
    match update {
        RotateUpdate::Sent => {
            if let Some(r) = inventory.row_mut(key_id) {
                r.rotation_sent = true;
            }
        }
        RotateUpdate::Reconciling { .. } => {}
        RotateUpdate::Status(s) => inventory.set_status(key_id, s.clone()),
        RotateUpdate::Rotations(r) => inventory.set_rotations(key_id, r.clone()),
        RotateUpdate::Finished(outcome) => {
            if let Some(r) = inventory.row_mut(key_id) {
                r.rotation_sent = false;
            }
            if let RotateOutcome::Failed(f) = outcome {
                if f.is_limit_exceeded() {
                    inventory.mark_limit_exceeded(key_id);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rotate now: confirmation text

/// The confirmation dialog's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmText {
    pub title: String,
    /// Names the key and its alias.
    pub key: String,
    /// How many on-demand rotations remain after this one.
    pub remaining: String,
    pub schedule: String,
    pub billing: String,
    /// For imported keys: which pending material becomes current.
    pub material: Option<String>,
    pub confirm_label: String,
    pub cancel_label: String,
}

impl ConfirmText {
    /// The body sentences in display order.
    pub fn lines(&self) -> Vec<&str> {
        let mut v = vec![self.key.as_str(), self.remaining.as_str()];
        if let Some(m) = &self.material {
            v.push(m);
        }
        v.push(&self.schedule);
        v.push(&self.billing);
        v
    }
}

/// Build the dialog text. `remaining_now` is the count before this rotation.
pub fn confirm_text(
    key_id: &str,
    alias: Option<&str>,
    remaining_now: Option<u32>,
    pending_material: Option<&RotationsListEntry>,
) -> ConfirmText {
    let key = match alias {
        Some(a) => format!("Key {key_id} ({a}) gets new key material now."),
        None => format!("Key {key_id} gets new key material now."),
    };
    let remaining = match remaining_now {
        Some(n) => {
            let after = n.saturating_sub(1);
            let noun = if after == 1 { "rotation" } else { "rotations" };
            format!(
                "After this rotation, {after} of {ON_DEMAND_ROTATION_LIMIT} on-demand {noun} \
                 will remain for this key."
            )
        }
        None => format!(
            "keyturn could not count this key's earlier on-demand rotations; each key allows at \
             most {ON_DEMAND_ROTATION_LIMIT}."
        ),
    };
    let material = pending_material.map(|m| {
        let id = m.key_material_id.as_deref().unwrap_or("(no id)");
        let desc = m
            .key_material_description
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| format!(" \u{201c}{d}\u{201d}"))
            .unwrap_or_default();
        let expires = m
            .valid_to
            .map(|t| format!(", expires {}", format::date(t)))
            .unwrap_or_default();
        format!("The imported key material {id}{desc}{expires} becomes current.")
    });
    ConfirmText {
        title: "Rotate key material now?".to_string(),
        key,
        remaining,
        schedule: "Rotating now does not change the automatic rotation schedule.".to_string(),
        billing: "Rotations are billed: each of the first two rotations of a key adds to its \
                  monthly key cost."
            .to_string(),
        material,
        confirm_label: "Rotate key".to_string(),
        cancel_label: "Cancel".to_string(),
    }
}

/// [`confirm_text`] for an inventory row.
pub fn confirm_text_for(row: &KeyRow) -> ConfirmText {
    confirm_text(
        &row.key_id,
        row.alias(),
        row.remaining(),
        row.pending_material(),
    )
}

// ---------------------------------------------------------------------------------------------
// Rotate now: driver

/// How the driver waits. Defaults: poll after 1 s, doubling to at most 10 s, for up to 10
/// minutes; reconcile a lost answer with reads after 2, 4 and 8 s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub give_up_after: Duration,
    pub reconcile_delays: Vec<Duration>,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            give_up_after: Duration::from_secs(600),
            reconcile_delays: vec![
                Duration::from_secs(2),
                Duration::from_secs(4),
                Duration::from_secs(8),
            ],
        }
    }
}

/// A failure that does not tell whether KMS acted (kms-api.md §4.3; the client wraps these in
/// OutcomeUnknown for RotateKeyOnDemand, the bare forms are accepted too).
fn is_ambiguous(e: &AwsError) -> bool {
    match e {
        AwsError::OutcomeUnknown { .. }
        | AwsError::Network(_)
        | AwsError::Timeout
        | AwsError::Aborted => true,
        AwsError::Http { status, .. } => *status >= 500,
        AwsError::Service { status, code, .. } => {
            *status >= 500 && !matches!(code.as_str(), "LimitExceededException")
        }
        _ => false,
    }
}

/// How a new rotation is recognised in ListKeyRotations: more ON_DEMAND entries than before;
/// without a "before" count, an ON_DEMAND entry dated after the request was sent (less 5
/// minutes for clock differences).
struct NewRotation {
    baseline: Option<u32>,
    sent_at: SystemTime,
}

impl NewRotation {
    fn is_visible(&self, rotations: &[RotationsListEntry]) -> bool {
        match self.baseline {
            Some(b) => quota::on_demand_used(rotations) > b,
            None => {
                let since = Timestamp::from_system_time(self.sent_at).epoch_seconds() - 300.0;
                rotations.iter().any(|r| {
                    r.rotation_type == Some(RotationType::OnDemand)
                        && r.rotation_date.is_some_and(|d| d.epoch_seconds() >= since)
                })
            }
        }
    }
}

/// Run a confirmed "Rotate now": exactly one RotateKeyOnDemand, then follow it. Every step is
/// reported through `on_update` (ending with `Finished`) until `token` is cancelled; the returned
/// outcome is the same as the last `Finished` (or `Cancelled`, which is not reported). An
/// error that ends the session while following shows up as `StillRunning { last_error }`: pass
/// it to [`crate::console::session::Connection::check_error`].
///
/// 1. Re-read the ON_DEMAND count (the baseline that tells a new rotation apart).
/// 2. Send RotateKeyOnDemand once.
/// 3. Accepted: poll GetKeyRotationStatus with backoff until OnDemandRotationStartDate is gone,
///    then ListKeyRotations until the new ON_DEMAND entry shows (eventual consistency).
/// 4. Rejected: `Failed(Rejected)` with the error (LimitExceededException also zeroes the quota
///    via [`apply_to_inventory`]).
/// 5. Outcome unknown (timeout, dropped connection, 5xx): read the status and history; a start
///    date or a new entry means it was sent; otherwise `NotApplied` (retry offered to the user),
///    or `Unknown` if nothing could be read. Never resent here.
pub async fn rotate<T: Transport, F: FnMut(RotateUpdate)>(
    client: &Client<T>,
    ticket: SendTicket,
    token: &CancelToken,
    policy: &PollPolicy,
    mut on_update: F,
) -> RotateOutcome {
    let SendTicket {
        key_id,
        baseline_on_demand,
    } = ticket;
    let key_id = key_id.as_str();
    let mut report = |u: RotateUpdate| {
        if !token.is_cancelled() {
            on_update(u);
        }
    };
    let finish = |outcome: RotateOutcome, report: &mut dyn FnMut(RotateUpdate)| {
        report(RotateUpdate::Finished(outcome.clone()));
        outcome
    };

    // 1. Baseline. A failed read falls back to the panel's count, then to dates.
    let baseline = match list_rotations(client, key_id, false).await {
        Ok(r) => Some(quota::on_demand_used(&r)),
        Err(_) => baseline_on_demand,
    };
    if token.is_cancelled() {
        return RotateOutcome::Cancelled;
    }
    let detect = NewRotation {
        baseline,
        sent_at: client.now(),
    };

    // 2. The one request.
    let sent = client.call(&RotateKeyOnDemand::new(key_id)).await;
    match sent {
        Ok(_) => {
            report(RotateUpdate::Sent);
        }
        Err(e) if is_ambiguous(&e) => {
            if token.is_cancelled() {
                return RotateOutcome::Cancelled;
            }
            report(RotateUpdate::Reconciling { cause: e.clone() });
            match reconcile(client, key_id, token, policy, &detect, &mut report).await {
                Reconciled::Sent => report(RotateUpdate::Sent),
                Reconciled::Completed => {
                    report(RotateUpdate::Sent);
                    return finish(RotateOutcome::Completed, &mut report);
                }
                Reconciled::NotApplied => {
                    return finish(
                        RotateOutcome::Failed(RotateFailure::NotApplied { cause: e }),
                        &mut report,
                    )
                }
                Reconciled::Unknown(check) => {
                    return finish(
                        RotateOutcome::Failed(RotateFailure::Unknown { cause: e, check }),
                        &mut report,
                    )
                }
                Reconciled::Cancelled => return RotateOutcome::Cancelled,
            }
        }
        Err(e) => {
            if token.is_cancelled() {
                return RotateOutcome::Cancelled;
            }
            return finish(
                RotateOutcome::Failed(RotateFailure::Rejected(e)),
                &mut report,
            );
        }
    }

    // 3. Follow it.
    let outcome = follow(client, key_id, token, policy, &detect, &mut report).await;
    if outcome == RotateOutcome::Cancelled {
        return outcome;
    }
    finish(outcome, &mut report)
}

enum Reconciled {
    Sent,
    Completed,
    NotApplied,
    Unknown(Option<AwsError>),
    Cancelled,
}

async fn reconcile<T: Transport>(
    client: &Client<T>,
    key_id: &str,
    token: &CancelToken,
    policy: &PollPolicy,
    detect: &NewRotation,
    report: &mut dyn FnMut(RotateUpdate),
) -> Reconciled {
    let mut any_read = false;
    let mut last_error = None;
    for delay in &policy.reconcile_delays {
        client.transport().sleep(*delay).await;
        if token.is_cancelled() {
            return Reconciled::Cancelled;
        }
        match client.call(&GetKeyRotationStatus::new(key_id)).await {
            Ok(s) => {
                any_read = true;
                let running = s.on_demand_rotation_start_date.is_some();
                report(RotateUpdate::Status(s));
                if running {
                    return Reconciled::Sent;
                }
            }
            Err(e) => last_error = Some(e),
        }
        if token.is_cancelled() {
            return Reconciled::Cancelled;
        }
        match list_rotations(client, key_id, false).await {
            Ok(r) => {
                any_read = true;
                let visible = detect.is_visible(&r);
                report(RotateUpdate::Rotations(r));
                if visible {
                    return Reconciled::Completed;
                }
            }
            Err(e) => last_error = Some(e),
        }
    }
    if token.is_cancelled() {
        return Reconciled::Cancelled;
    }
    // Without any successful read (or without a baseline to compare with) nothing is known.
    if any_read && (detect.baseline.is_some() || last_error.is_none()) {
        Reconciled::NotApplied
    } else {
        Reconciled::Unknown(last_error)
    }
}

async fn follow<T: Transport>(
    client: &Client<T>,
    key_id: &str,
    token: &CancelToken,
    policy: &PollPolicy,
    detect: &NewRotation,
    report: &mut dyn FnMut(RotateUpdate),
) -> RotateOutcome {
    let start = client.transport().now();
    let mut delay = policy.first_delay;
    let mut last_error = None;
    loop {
        let waited = client
            .transport()
            .now()
            .duration_since(start)
            .unwrap_or_default();
        if waited >= policy.give_up_after {
            return RotateOutcome::StillRunning { last_error };
        }
        client.transport().sleep(delay).await;
        delay = (delay * 2).min(policy.max_delay);
        if token.is_cancelled() {
            return RotateOutcome::Cancelled;
        }
        match client.call(&GetKeyRotationStatus::new(key_id)).await {
            Ok(s) => {
                let running = s.on_demand_rotation_start_date.is_some();
                report(RotateUpdate::Status(s));
                if running {
                    continue;
                }
            }
            Err(e) => {
                if crate::console::session::ends_session(&e) {
                    return RotateOutcome::StillRunning {
                        last_error: Some(e),
                    };
                }
                // Without the status, the history alone decides.
                last_error = Some(e);
            }
        }
        if token.is_cancelled() {
            return RotateOutcome::Cancelled;
        }
        match list_rotations(client, key_id, false).await {
            Ok(r) => {
                let visible = detect.is_visible(&r);
                report(RotateUpdate::Rotations(r));
                if visible {
                    return RotateOutcome::Completed;
                }
            }
            Err(e) => {
                if crate::console::session::ends_session(&e) {
                    return RotateOutcome::StillRunning {
                        last_error: Some(e),
                    };
                }
                last_error = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::transport::TransportError;
    use crate::console::session::Generation;
    use crate::console::testkit::*;
    use futures::executor::block_on;

    const K: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn confirmed(flow: &mut RotateFlow) -> SendTicket {
        assert!(flow.open());
        match flow.confirm(Some(0)) {
            Some(t) => t,
            None => panic!("no ticket"),
        }
    }

    fn drive(
        client: &Client<FakeKms>,
        token: &CancelToken,
    ) -> (RotateFlow, Vec<RotateUpdate>, RotateOutcome, Inventory) {
        let mut flow = RotateFlow::new(K);
        let ticket = confirmed(&mut flow);
        let mut inv = Inventory::new("us-east-1", 0);
        inv.upsert_metadata(crate::console::eligibility::tests::symmetric(K));
        let mut updates = Vec::new();
        let outcome = block_on(rotate(client, ticket, token, &PollPolicy::default(), |u| {
            flow.apply(&u);
            apply_to_inventory(&mut inv, K, &u);
            updates.push(u);
        }));
        (flow, updates, outcome, inv)
    }

    #[test]
    fn period_validation() {
        assert_eq!(validate_period("365"), Ok(365));
        assert_eq!(validate_period(" 90 "), Ok(90));
        assert_eq!(validate_period("2560"), Ok(2560));
        assert_eq!(validate_period(""), Err(PeriodError::Empty));
        assert!(matches!(
            validate_period("89"),
            Err(PeriodError::OutOfRange(_))
        ));
        assert!(matches!(
            validate_period("2561"),
            Err(PeriodError::OutOfRange(_))
        ));
        assert!(matches!(
            validate_period("-100"),
            Err(PeriodError::OutOfRange(_))
        ));
        assert!(matches!(
            validate_period("365.5"),
            Err(PeriodError::OutOfRange(_))
        ));
        assert!(matches!(
            validate_period("99999999999999999999999"),
            Err(PeriodError::OutOfRange(_))
        ));
        assert!(matches!(
            validate_period("a year"),
            Err(PeriodError::NotANumber(_))
        ));
        let msg = validate_period("89").unwrap_err().to_string();
        assert!(msg.contains("90") && msg.contains("2560"), "{msg}");
        assert!(PeriodError::Empty.to_string().contains("365"));
    }

    #[test]
    fn auto_setting_form() {
        let s = AutoSetting::from_status(&RotationStatus::default());
        assert_eq!(
            s,
            AutoSetting {
                enabled: false,
                period_days: 365
            }
        );
        assert_eq!(
            AutoSetting::from_form(true, "180"),
            Ok(AutoSetting {
                enabled: true,
                period_days: 180
            })
        );
        assert!(AutoSetting::from_form(true, "30").is_err());
        // Turning rotation off never fails on the period field.
        assert_eq!(
            AutoSetting::from_form(false, "junk"),
            Ok(AutoSetting {
                enabled: false,
                period_days: 365
            })
        );
        let on = AutoSetting {
            enabled: true,
            period_days: 180,
        };
        let st = |enabled, period| RotationStatus {
            key_rotation_enabled: enabled,
            rotation_period_in_days: period,
            ..Default::default()
        };
        assert!(on.is_reflected_in(&st(true, Some(180))));
        assert!(on.is_reflected_in(&st(true, None)));
        assert!(!on.is_reflected_in(&st(true, Some(365))));
        assert!(!on.is_reflected_in(&st(false, None)));
        let t = CliTarget::new("us-east-1", None);
        assert_eq!(
            on.cli(&t, K).to_shell(),
            format!("aws kms enable-key-rotation --key-id {K} --rotation-period-in-days 180 --region us-east-1")
        );
        let off = AutoSetting {
            enabled: false,
            period_days: 365,
        };
        assert!(off
            .cli(&t, K)
            .to_shell()
            .starts_with("aws kms disable-key-rotation"));
    }

    #[test]
    fn save_enables_then_rereads_until_the_server_shows_it() {
        let c = client();
        let t = c.transport();
        t.always("EnableKeyRotation", None, ok("null"));
        t.once("GetKeyRotationStatus", None, status(false, None, false)); // lagging
        t.always("GetKeyRotationStatus", None, status(true, Some(180), false));
        let s = block_on(save_automatic_rotation(
            &c,
            K,
            AutoSetting {
                enabled: true,
                period_days: 180,
            },
        ));
        let s = s.expect("saved");
        assert!(s.key_rotation_enabled);
        assert_eq!(s.rotation_period_in_days, Some(180));
        let log = t.log.borrow();
        assert_eq!(log[0].0, "EnableKeyRotation");
        assert_eq!(log[0].1["RotationPeriodInDays"], 180);
        assert_eq!(log[0].1["KeyId"], K);
        assert_eq!(t.count("GetKeyRotationStatus"), 2);
        assert_eq!(*t.sleeps.borrow(), [Duration::from_secs(1)]);
    }

    #[test]
    fn save_disable_and_errors() {
        let c = client();
        let t = c.transport();
        t.always("DisableKeyRotation", None, ok(""));
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        let s = block_on(save_automatic_rotation(
            &c,
            K,
            AutoSetting {
                enabled: false,
                period_days: 365,
            },
        ));
        assert_eq!(s.map(|s| s.key_rotation_enabled), Ok(false));
        assert_eq!(t.count("GetKeyRotationStatus"), 1);

        let c = client();
        c.transport().always(
            "EnableKeyRotation",
            None,
            Reply::Err("AccessDeniedException", 400),
        );
        let e = block_on(save_automatic_rotation(
            &c,
            K,
            AutoSetting {
                enabled: true,
                period_days: 365,
            },
        ))
        .unwrap_err();
        assert!(matches!(
            e,
            SaveError::Rejected {
                operation: "EnableKeyRotation",
                ..
            }
        ));
        assert!(
            e.sentence().contains("kms:EnableKeyRotation"),
            "{}",
            e.sentence()
        );
        assert_eq!(c.transport().count("GetKeyRotationStatus"), 0);

        let c = client();
        c.transport().always(
            "DisableKeyRotation",
            None,
            Reply::Err("DisabledException", 400),
        );
        let e = block_on(save_automatic_rotation(
            &c,
            K,
            AutoSetting {
                enabled: false,
                period_days: 365,
            },
        ))
        .unwrap_err();
        assert_eq!(e.error().code(), Some("DisabledException"));

        // The server keeps showing the old value: its answer is shown (it wins).
        let c = client();
        c.transport().always("EnableKeyRotation", None, ok("{}"));
        c.transport()
            .always("GetKeyRotationStatus", None, status(true, Some(365), false));
        let s = block_on(save_automatic_rotation(
            &c,
            K,
            AutoSetting {
                enabled: true,
                period_days: 200,
            },
        ));
        assert_eq!(s.map(|s| s.rotation_period_in_days), Ok(Some(365)));
        assert_eq!(c.transport().count("GetKeyRotationStatus"), 3);

        // Saved, but the re-read is denied.
        let c = client();
        c.transport().always("EnableKeyRotation", None, ok("{}"));
        c.transport().always(
            "GetKeyRotationStatus",
            None,
            Reply::Err("AccessDeniedException", 400),
        );
        let e = block_on(save_automatic_rotation(
            &c,
            K,
            AutoSetting {
                enabled: true,
                period_days: 200,
            },
        ))
        .unwrap_err();
        assert!(matches!(e, SaveError::SavedButUnread(_)));
        assert!(e.sentence().contains("saved"));
    }

    #[test]
    fn flow_sends_once_per_confirmation() {
        let mut f = RotateFlow::new(K);
        assert_eq!(f.phase(), &RotatePhase::Idle);
        assert!(f.button_enabled(true));
        assert!(!f.button_enabled(false));
        assert!(f.confirm(None).is_none(), "no ticket without the dialog");
        assert!(f.open());
        assert!(!f.button_enabled(true), "disabled while the dialog is open");
        f.cancel();
        assert_eq!(f.phase(), &RotatePhase::Idle);
        assert!(f.open());
        let ticket = f.confirm(Some(3));
        assert!(ticket.is_some());
        assert_eq!(ticket.as_ref().map(|t| t.key_id()), Some(K));
        // Double click: the second confirm gets nothing; the button is disabled at once.
        assert!(f.confirm(Some(3)).is_none());
        assert!(!f.button_enabled(true));
        assert!(!f.open());
        assert!(f.is_busy());
        assert!(f.status_text().unwrap().contains("Sending"));
        f.apply(&RotateUpdate::Sent);
        assert_eq!(f.phase(), &RotatePhase::InProgress { started: None });
        f.apply(&RotateUpdate::Status(RotationStatus {
            on_demand_rotation_start_date: Some(Timestamp(1_795_608_000.0)),
            ..Default::default()
        }));
        assert_eq!(
            f.phase(),
            &RotatePhase::InProgress {
                started: Some(Timestamp(1_795_608_000.0))
            }
        );
        assert!(f.status_text().unwrap().contains("2026-11-25 12:00 UTC"));
        assert!(!f.button_enabled(true));
        f.apply(&RotateUpdate::Finished(RotateOutcome::Completed));
        assert_eq!(f.phase(), &RotatePhase::Done);
        assert!(f.button_enabled(true));
        assert!(f.status_text().unwrap().contains("complete"));
    }

    #[test]
    fn flow_after_failures() {
        let limit = AwsError::Service {
            code: "LimitExceededException".into(),
            message: "m".into(),
            status: 400,
            request_id: None,
        };
        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Finished(RotateOutcome::Failed(
            RotateFailure::Rejected(limit.clone()),
        )));
        assert!(!f.button_enabled(true));
        assert!(!f.open());
        assert!(f.failure().unwrap().is_limit_exceeded());
        assert_eq!(f.failure().unwrap().code(), Some("LimitExceededException"));

        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Finished(RotateOutcome::Failed(
            RotateFailure::NotApplied {
                cause: AwsError::Timeout,
            },
        )));
        assert!(f.button_enabled(true));
        assert!(f.status_text().unwrap().contains("not applied"));
        assert!(f.open(), "the user may try again, after confirming again");

        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Reconciling {
            cause: AwsError::Timeout,
        });
        assert_eq!(f.phase(), &RotatePhase::Reconciling);
        assert!(!f.button_enabled(true));
        f.apply(&RotateUpdate::Finished(RotateOutcome::Cancelled));
        assert_eq!(f.phase(), &RotatePhase::Idle);
        f.apply(&RotateUpdate::Finished(RotateOutcome::StillRunning {
            last_error: None,
        }));
        assert!(f.status_text().unwrap().contains("not shown up"));
    }

    #[test]
    fn failure_sentences_say_what_to_do() {
        let err = |code: &str| {
            RotateFailure::Rejected(AwsError::Service {
                code: code.into(),
                message: String::new(),
                status: 400,
                request_id: None,
            })
        };
        let s = err("ConflictException").sentence();
        assert!(s.contains("20 minutes"), "{s}");
        let s = err("LimitExceededException").sentence();
        assert!(s.contains("all its on-demand rotations"), "{s}");
        let s = err("DisabledException").sentence();
        assert!(s.contains("Enable the key"), "{s}");
        let s = err("KMSInvalidStateException").sentence();
        assert!(s.contains("state"), "{s}");
        let s = err("UnsupportedOperationException").sentence();
        assert!(s.contains("not supported"), "{s}");
        let s = err("AccessDeniedException").sentence();
        assert!(s.contains("kms:RotateKeyOnDemand"), "{s}");
        assert!(err("ConflictException").can_retry());
        assert!(!err("LimitExceededException").can_retry());
        let u = RotateFailure::Unknown {
            cause: AwsError::OutcomeUnknown {
                operation: "RotateKeyOnDemand".into(),
                cause: Box::new(AwsError::Timeout),
            },
            check: Some(AwsError::Network("x".into())),
        };
        assert!(u.sentence().contains("timed out"), "{}", u.sentence());
        assert!(u.sentence().contains("not rotated twice"));
    }

    #[test]
    fn rotate_now_happy_path_like_the_local_peer() {
        let c = client();
        let t = c.transport();
        t.once("ListKeyRotations", None, rotations(2, 0, None)); // baseline
        t.always(
            "RotateKeyOnDemand",
            None,
            ok(&format!(r#"{{"KeyId":"{K}"}}"#)),
        );
        t.always("GetKeyRotationStatus", None, status(false, None, false)); // moto: no dates
        t.always("ListKeyRotations", None, rotations(3, 0, None));
        let (flow, updates, outcome, inv) = drive(&c, &CancelToken::never());
        assert_eq!(outcome, RotateOutcome::Completed);
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        assert_eq!(
            t.ops(),
            [
                "ListKeyRotations",
                "RotateKeyOnDemand",
                "GetKeyRotationStatus",
                "ListKeyRotations"
            ]
        );
        assert_eq!(updates[0], RotateUpdate::Sent);
        assert!(matches!(
            updates.last(),
            Some(RotateUpdate::Finished(RotateOutcome::Completed))
        ));
        assert_eq!(flow.phase(), &RotatePhase::Done);
        let row = inv.row(K).unwrap();
        assert!(!row.in_progress());
        assert_eq!(row.remaining(), Some(22));
    }

    #[test]
    fn rotate_now_follows_a_slow_rotation_with_backoff() {
        let c = client();
        let t = c.transport();
        t.once("ListKeyRotations", None, rotations(0, 4, None)); // baseline: 0 on demand
        t.always("RotateKeyOnDemand", None, ok("{}"));
        for _ in 0..4 {
            t.once("GetKeyRotationStatus", None, status(true, Some(365), true));
        }
        t.always("GetKeyRotationStatus", None, status(true, Some(365), false));
        // Eventual consistency: the history lags one more poll.
        t.once("ListKeyRotations", None, rotations(0, 4, None));
        t.always("ListKeyRotations", None, rotations(1, 4, None));
        let mut seen_in_progress = false;
        let mut flow = RotateFlow::new(K);
        let ticket = confirmed(&mut flow);
        let mut inv = Inventory::new("us-east-1", 0);
        inv.upsert_metadata(crate::console::eligibility::tests::symmetric(K));
        let outcome = block_on(rotate(
            &c,
            ticket,
            &CancelToken::never(),
            &PollPolicy::default(),
            |u| {
                flow.apply(&u);
                apply_to_inventory(&mut inv, K, &u);
                if matches!(u, RotateUpdate::Status(ref s) if s.on_demand_rotation_start_date.is_some())
                {
                    let row = inv.row(K).unwrap();
                    assert!(row.in_progress());
                    assert_eq!(
                        row.rotate_now(),
                        Err(crate::console::eligibility::Blocked::InProgress)
                    );
                    seen_in_progress = true;
                }
            },
        ));
        assert_eq!(outcome, RotateOutcome::Completed);
        assert!(seen_in_progress);
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        assert_eq!(t.count("GetKeyRotationStatus"), 6);
        let secs: Vec<u64> = t.sleeps.borrow().iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 10, 10]);
        assert_eq!(inv.row(K).unwrap().remaining(), Some(24));
        assert_eq!(flow.phase(), &RotatePhase::Done);
    }

    #[test]
    fn rotate_now_rejections() {
        for code in [
            "ConflictException",
            "LimitExceededException",
            "DisabledException",
            "KMSInvalidStateException",
            "UnsupportedOperationException",
            "AccessDeniedException",
        ] {
            let c = client();
            let t = c.transport();
            t.always("ListKeyRotations", None, rotations(1, 0, None));
            t.always("RotateKeyOnDemand", None, Reply::Err(code, 400));
            let (flow, _, outcome, inv) = drive(&c, &CancelToken::never());
            let RotateOutcome::Failed(RotateFailure::Rejected(e)) = &outcome else {
                panic!("{code}: {outcome:?}");
            };
            assert_eq!(e.code(), Some(code));
            assert_eq!(t.count("RotateKeyOnDemand"), 1, "{code}: never retried");
            assert_eq!(t.count("GetKeyRotationStatus"), 0);
            assert!(matches!(flow.phase(), RotatePhase::Failed(_)));
            let remaining = inv.row(K).unwrap().remaining();
            if code == "LimitExceededException" {
                // The server's word overrides the computed count (no rotations were loaded).
                assert_eq!(remaining, Some(0));
                assert!(!flow.button_enabled(true));
            } else {
                assert_eq!(remaining, None);
                assert!(flow.button_enabled(true));
            }
        }
    }

    #[test]
    fn timeout_then_reconcile_finds_it_running() {
        let c = client();
        let t = c.transport();
        t.once("ListKeyRotations", None, rotations(5, 0, None));
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Transport(TransportError::Timeout),
        );
        t.once("GetKeyRotationStatus", None, status(false, None, true));
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(6, 0, None));
        let (flow, updates, outcome, _) = drive(&c, &CancelToken::never());
        assert_eq!(outcome, RotateOutcome::Completed);
        assert_eq!(t.count("RotateKeyOnDemand"), 1, "never resent");
        assert!(
            matches!(updates[0], RotateUpdate::Reconciling { ref cause } if cause.is_outcome_unknown())
        );
        assert!(updates.contains(&RotateUpdate::Sent));
        assert_eq!(flow.phase(), &RotatePhase::Done);
    }

    #[test]
    fn dropped_connection_then_reconcile_finds_the_new_entry() {
        let c = client();
        let t = c.transport();
        t.once("ListKeyRotations", None, rotations(5, 0, None));
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Transport(TransportError::Network("reset".into())),
        );
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(6, 0, None));
        let (_, _, outcome, inv) = drive(&c, &CancelToken::never());
        assert_eq!(outcome, RotateOutcome::Completed);
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        assert_eq!(inv.row(K).unwrap().remaining(), Some(19));
    }

    #[test]
    fn server_fault_not_applied_offers_retry() {
        let c = client();
        let t = c.transport();
        t.always("ListKeyRotations", None, rotations(5, 0, None));
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Err("KMSInternalException", 500),
        );
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        let (flow, _, outcome, _) = drive(&c, &CancelToken::never());
        assert!(
            matches!(
                outcome,
                RotateOutcome::Failed(RotateFailure::NotApplied { .. })
            ),
            "{outcome:?}"
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        // Reconciliation read three times, after 2, 4 and 8 s.
        let secs: Vec<u64> = t.sleeps.borrow().iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, [2, 4, 8]);
        assert!(flow.button_enabled(true));
    }

    #[test]
    fn unknown_when_nothing_can_be_read() {
        let c = client();
        let t = c.transport();
        t.always(
            "ListKeyRotations",
            None,
            Reply::Err("AccessDeniedException", 400),
        );
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Transport(TransportError::Timeout),
        );
        t.always(
            "GetKeyRotationStatus",
            None,
            Reply::Err("AccessDeniedException", 400),
        );
        let mut flow = RotateFlow::new(K);
        assert!(flow.open());
        let ticket = flow.confirm(None).unwrap(); // no baseline known
        let outcome = block_on(rotate(
            &c,
            ticket,
            &CancelToken::never(),
            &PollPolicy::default(),
            |u| flow.apply(&u),
        ));
        let RotateOutcome::Failed(f @ RotateFailure::Unknown { .. }) = &outcome else {
            panic!("{outcome:?}");
        };
        assert!(f.sentence().contains("could not find out"));
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
    }

    #[test]
    fn without_a_baseline_dates_decide() {
        let c = client();
        let t = c.transport();
        t.once(
            "ListKeyRotations",
            None,
            Reply::Err("ThrottlingException", 400),
        );
        t.once(
            "ListKeyRotations",
            None,
            Reply::Err("ThrottlingException", 400),
        );
        t.once(
            "ListKeyRotations",
            None,
            Reply::Err("ThrottlingException", 400),
        );
        t.always("RotateKeyOnDemand", None, ok("{}"));
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        // An old ON_DEMAND entry first, then one dated now (T0 = 2026-11-25 12:00).
        t.once("ListKeyRotations", None, rotations(1, 0, None));
        t.always(
            "ListKeyRotations",
            None,
            ok(r#"{"Rotations":[{"RotationDate":1795000000,"RotationType":"ON_DEMAND"},{"RotationDate":1795608005,"RotationType":"ON_DEMAND"}],"Truncated":false}"#),
        );
        let mut flow = RotateFlow::new(K);
        assert!(flow.open());
        let ticket = flow.confirm(None).unwrap();
        let outcome = block_on(rotate(
            &c,
            ticket,
            &CancelToken::never(),
            &PollPolicy::default(),
            |_| {},
        ));
        assert_eq!(outcome, RotateOutcome::Completed);
        assert_eq!(t.count("GetKeyRotationStatus"), 2);
    }

    #[test]
    fn gives_up_waiting_but_says_it_was_accepted() {
        let c = client();
        let t = c.transport();
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        t.always("RotateKeyOnDemand", None, ok("{}"));
        t.always("GetKeyRotationStatus", None, status(false, None, true));
        let policy = PollPolicy {
            give_up_after: Duration::from_secs(60),
            ..Default::default()
        };
        let mut flow = RotateFlow::new(K);
        let ticket = confirmed(&mut flow);
        let outcome = block_on(rotate(&c, ticket, &CancelToken::never(), &policy, |u| {
            flow.apply(&u)
        }));
        assert_eq!(outcome, RotateOutcome::StillRunning { last_error: None });
        assert_eq!(flow.phase(), &RotatePhase::StillRunning);
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        let waited: u64 = t.sleeps.borrow().iter().map(|d| d.as_secs()).sum();
        assert!((60..=70).contains(&waited), "{waited}");
    }

    #[test]
    fn cancellation_stops_following() {
        let c = client();
        let t = c.transport();
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        t.always("RotateKeyOnDemand", None, ok("{}"));
        t.always("GetKeyRotationStatus", None, status(false, None, true));
        let gen = Generation::new();
        let token = gen.token();
        {
            let gen = gen.clone();
            *t.on_send.borrow_mut() = Some(Box::new(move |op, _| {
                if op == "GetKeyRotationStatus" {
                    gen.bump(); // disconnect
                }
            }));
        }
        let (_, updates, outcome, _) = drive(&c, &token);
        assert_eq!(outcome, RotateOutcome::Cancelled);
        assert_eq!(updates, [RotateUpdate::Sent]);
        assert_eq!(t.count("GetKeyRotationStatus"), 1);
    }

    #[test]
    fn confirm_dialog_text() {
        let t = confirm_text(K, Some("alias/demo-app"), Some(25), None);
        assert_eq!(t.title, "Rotate key material now?");
        assert!(t.key.contains(K) && t.key.contains("alias/demo-app"));
        assert_eq!(
            t.remaining,
            "After this rotation, 24 of 25 on-demand rotations will remain for this key."
        );
        assert!(t
            .schedule
            .contains("does not change the automatic rotation schedule"));
        assert!(t.billing.contains("billed"));
        assert_eq!(t.lines().len(), 4);
        assert_eq!(t.confirm_label, "Rotate key");
        let t = confirm_text(K, None, Some(2), None);
        assert!(t.remaining.contains("1 of 25 on-demand rotation will"));
        assert!(!t.key.contains('('));
        let t = confirm_text(K, None, None, None);
        assert!(t.remaining.contains("could not count"));
        let m = RotationsListEntry {
            key_material_id: Some("b".repeat(64)),
            key_material_description: Some("2026 material".into()),
            valid_to: Some(Timestamp(1_800_000_000.0)),
            ..Default::default()
        };
        let t = confirm_text(K, None, Some(10), Some(&m));
        let line = t.material.clone().unwrap();
        assert!(
            line.contains(&"b".repeat(64))
                && line.contains("2026 material")
                && line.contains("2027-01-15"),
            "{line}"
        );
        assert_eq!(t.lines().len(), 5);

        let mut row = KeyRow::new(K, None);
        row.aliases.push("alias/x".into());
        row.metadata = crate::console::inventory::Load::Loaded(
            crate::console::eligibility::tests::symmetric(K),
        );
        row.rotations = crate::console::inventory::Load::Loaded(vec![]);
        assert!(confirm_text_for(&row).remaining.contains("24 of 25"));
    }
}
