//! "Rotate now" and automatic-rotation settings: the state machine the UI renders, and the async
//! drivers that talk to KMS through any [`Transport`] (fetch in the browser, a scripted fake in
//! tests).
//!
//! The promises (docs/rotation-safety.md): one confirmation sends at most one RotateKeyOnDemand;
//! the key is read again right before sending; a 2xx means KMS acted; a request whose outcome
//! is unknown is never resent, and "not applied" is concluded only from KMS's own status and full
//! history read at least [`NOT_APPLIED_WINDOW`] after sending (docs/kms.md §4.6 Eventual
//! consistency). Until then the outcome is unknown and only the user's "Check again" reads again.

use std::time::{Duration, SystemTime};

use crate::aws::client::Client;
use crate::aws::error::{ApiOperation, AwsError, ErrorCode, ErrorKind};
use crate::aws::kms::{
    DisableKeyRotation, EnableKeyRotation, GetKeyRotationStatus, Operation, RotateKeyOnDemand,
    RotationsListEntry, Timestamp,
};
use crate::aws::retry::{self, Acted};
use crate::aws::transport::Transport;
use crate::console::cli::{self, CliCommand, CliTarget};
use crate::console::eligibility::RotationStatus;
use crate::console::format;
use crate::console::inventory::{list_rotations, Inventory, KeyRow};
use crate::console::quota::{self, ON_DEMAND_ROTATION_LIMIT};
use crate::console::session::CancelToken;

// ---------------------------------------------------------------------------------------------
// Automatic rotation period

/// EnableKeyRotation's `RotationPeriodInDays` range and default (docs/kms.md §2.8
/// EnableKeyRotation, §3.4 Automatic rotation).
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

    /// The equivalent AWS CLI command (None for an invalid key id, see cli.rs).
    pub fn cli(&self, target: &CliTarget, key_id: &str) -> Option<CliCommand> {
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
    /// EnableKeyRotation / DisableKeyRotation (the error names which) failed; nothing changed.
    #[error("the change was rejected: {0}")]
    Rejected(AwsError),
    /// The change was accepted, but re-reading GetKeyRotationStatus failed.
    #[error("saved, but the new status could not be read: {0}")]
    SavedButUnread(AwsError),
}

impl SaveError {
    pub fn error(&self) -> &AwsError {
        match self {
            SaveError::Rejected(error) | SaveError::SavedButUnread(error) => error,
        }
    }

    /// A sentence with the next step (AccessDenied names `kms:EnableKeyRotation` etc.).
    pub fn sentence(&self) -> String {
        match self {
            SaveError::Rejected(error) => error.user_message(),
            SaveError::SavedButUnread(e) => format!(
                "The setting was saved, but its new values could not be read back. {}",
                e.user_message()
            ),
        }
    }
}

/// Enable (with the period) or disable automatic rotation, then re-read GetKeyRotationStatus so
/// the panel and the row show the server's values. Reads are repeated a few times (1 s, 2 s)
/// while they still show the old setting (docs/kms.md §4.6 Eventual consistency).
pub async fn save_automatic_rotation<T: Transport>(
    client: &Client<T>,
    key_id: &str,
    setting: AutoSetting,
    gate: Option<&dyn Fn() -> bool>,
) -> Result<RotationStatus, SaveError> {
    let sent = if setting.enabled {
        client
            .call_while(
                &EnableKeyRotation {
                    key_id: key_id.to_string(),
                    rotation_period_in_days: Some(setting.period_days),
                },
                gate,
            )
            .await
    } else {
        client
            .call_while(
                &DisableKeyRotation {
                    key_id: key_id.to_string(),
                },
                gate,
            )
            .await
    };
    if let Err(error) = sent {
        return Err(SaveError::Rejected(error));
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
        None => Err(SaveError::SavedButUnread(
            AwsError::from(ErrorKind::Aborted)
                .with_operation(ApiOperation::kms(GetKeyRotationStatus::NAME)),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Rotate now: state machine

/// After a RotateKeyOnDemand whose answer was lost, how long the outcome stays unknown before
/// the console may conclude that nothing happened: KMS is eventually consistent, and a rotation
/// may show in GetKeyRotationStatus and ListKeyRotations only after seconds, sometimes minutes
/// (docs/rotation-safety.md §3).
pub const NOT_APPLIED_WINDOW: Duration = Duration::from_secs(120);

/// How long the browser waits for an answer (the fetch transport's timeout): a request whose
/// page went away mid-flight failed at most this long after it was sent.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a "Rotate now" stands. [`RotateFlow`] is the one owner of this state: every "is a
/// rotation of this key under way?" question is answered by [`activity`].
#[derive(Clone, Debug, PartialEq)]
pub enum RotatePhase {
    Idle,
    /// The dialog is open. Nothing is under way yet.
    Confirming,
    /// Confirmed: re-reading the key right before sending (docs/rotation-safety.md §2).
    Checking,
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
    /// Sent, and whether KMS acted (or, when it accepted, that the rotation completed) is not
    /// known: no retry is offered, only "Check again".
    Unknown(UnknownOutcome),
    Failed(RotateFailure),
}

/// A rotation that was sent and whose outcome the console could not establish.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownOutcome {
    /// What happened to the request (timeout, dropped connection, 5xx...); None when KMS
    /// accepted it and only its completion was not seen.
    pub cause: Option<AwsError>,
    /// The last failed read while reconciling, if any.
    pub check: Option<AwsError>,
    pub pending: PendingRotation,
}

impl UnknownOutcome {
    pub fn sentence(&self) -> String {
        let why = self
            .check
            .as_ref()
            .map(|e| format!(" The last read of the key failed: {}", e.user_message()))
            .unwrap_or_default();
        let sent = format::date_time(Timestamp::from_system_time(self.pending.sent_at));
        let what = match &self.cause {
            Some(cause) => format!(
                "The rotation request sent {sent} got no clear answer ({}), and keyturn could \
                 not yet confirm from the key's rotation status and history whether KMS \
                 applied it.",
                short_cause(&cause.kind)
            ),
            None => format!(
                "KMS accepted the rotation sent {sent}, but keyturn has not yet seen it complete \
                 in the key's rotation history."
            ),
        };
        format!(
            "{what} \u{201c}Rotate now\u{201d} stays off for this key until that is known, so it \
             is never rotated twice: use \u{201c}Check again\u{201d}.{why}"
        )
    }
}

/// A RotateKeyOnDemand that was sent: what reconciling its outcome needs. Kept (without any
/// credential) until the outcome is known, also across a reload (docs/rotation-safety.md §4).
#[derive(Clone, Debug, PartialEq)]
pub struct PendingRotation {
    pub key_id: String,
    /// When the request left, by this machine's clock (not corrected by the server offset,
    /// which may change meanwhile: the window is measured here).
    pub sent_at: SystemTime,
    /// When its failure was seen (None if the page went away before any answer).
    pub failed_at: Option<SystemTime>,
    /// ON_DEMAND entries in the history right before sending (the pre-send check read them).
    pub baseline_on_demand: u32,
    /// KMS answered 2xx: the rotation happened, only its completion is not yet seen.
    pub accepted: bool,
}

impl PendingRotation {
    /// From when "not applied" may be concluded: the window after the failure was seen, or
    /// after the latest moment it can have happened.
    pub fn not_applied_after(&self, window: Duration) -> SystemTime {
        let failed = match self.failed_at {
            Some(f) => f.max(self.sent_at),
            None => self.sent_at + ANSWER_TIMEOUT,
        };
        failed + window
    }

    /// Does this history show the rotation? More ON_DEMAND entries than before it was sent.
    pub fn is_visible(&self, rotations: &[RotationsListEntry]) -> bool {
        quota::on_demand_used(rotations) > self.baseline_on_demand
    }
}

/// Why a rotation did not happen.
#[derive(Clone, Debug, PartialEq)]
pub enum RotateFailure {
    /// KMS answered with an error: nothing was rotated.
    Rejected(AwsError),
    /// The answer was lost, and after the window KMS's own status and full history showed no
    /// new or running rotation: safe to try again.
    NotApplied { cause: AwsError },
    /// The check right before sending stopped it: nothing was sent.
    Refused(Refusal),
}

/// What the pre-send check found.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// OnDemandRotationStartDate is set: a rotation is already running.
    InProgress,
    /// The on-demand count changed since the dialog showed it (another rotation happened).
    CountChanged { shown: u32, now: u32 },
    /// No on-demand rotation left.
    NoneLeft,
    /// The key could not be read, so nothing was sent.
    CouldNotCheck(AwsError),
    /// Another tab of the console holds this key's rotation lock.
    OtherTab,
    /// An earlier rotation request of this key from this tab is not settled yet.
    Unsettled,
    /// The bulk run that holds the ticket was paused or cancelled before the request left.
    Stopped,
}

impl RotateFailure {
    pub fn error(&self) -> Option<&AwsError> {
        match self {
            RotateFailure::Rejected(e) | RotateFailure::NotApplied { cause: e } => Some(e),
            RotateFailure::Refused(Refusal::CouldNotCheck(e)) => Some(e),
            RotateFailure::Refused(_) => None,
        }
    }

    /// A sentence that says what happened and what to do.
    pub fn sentence(&self) -> String {
        match self {
            RotateFailure::Rejected(e) => e.user_message(),
            RotateFailure::NotApplied { cause } => format!(
                "The rotation request got no clear answer ({}). For two minutes since, KMS's \
                 rotation status and full rotation history showed no new or running rotation, \
                 so it was not applied. You can try again.",
                short_cause(&cause.kind)
            ),
            RotateFailure::Refused(r) => match r {
                Refusal::InProgress => "Nothing was sent: reading the key right before sending \
                     showed an on-demand rotation already in progress."
                    .to_string(),
                Refusal::CountChanged { shown, now } => format!(
                    "Nothing was sent: the key's on-demand rotation count changed since the \
                     dialog opened ({shown} used then, {now} now), so another rotation happened \
                     meanwhile. Check the history, then rotate again if you still want to."
                ),
                Refusal::NoneLeft => format!(
                    "Nothing was sent: the key has used all its {ON_DEMAND_ROTATION_LIMIT} \
                     on-demand rotations."
                ),
                Refusal::CouldNotCheck(e) => format!(
                    "Nothing was sent: keyturn reads the key right before sending and that read \
                     failed. {}",
                    e.user_message()
                ),
                Refusal::OtherTab => "Nothing was sent: another keyturn tab is rotating this \
                     key or checking a rotation's outcome. Wait for it to finish."
                    .to_string(),
                Refusal::Unsettled => "Nothing was sent: the outcome of an earlier rotation \
                     request of this key is not known yet. Use \u{201c}Check again\u{201d}."
                    .to_string(),
                Refusal::Stopped => "Nothing was sent: the bulk run was paused or cancelled \
                     before this key's request left."
                    .to_string(),
            },
        }
    }

    /// May the user start another attempt? Not after LimitExceededException or with none left.
    pub fn can_retry(&self) -> bool {
        match self {
            RotateFailure::Rejected(e) => {
                !matches!(e.code(), Some(ErrorCode::LimitExceededException))
            }
            RotateFailure::Refused(Refusal::NoneLeft) => false,
            RotateFailure::NotApplied { .. } | RotateFailure::Refused(_) => true,
        }
    }

    /// The server said the quota is exhausted: the remaining count must show 0.
    pub fn is_limit_exceeded(&self) -> bool {
        matches!(
            self,
            RotateFailure::Rejected(e) if matches!(e.code(), Some(ErrorCode::LimitExceededException))
        )
    }
}

fn short_cause(e: &ErrorKind) -> String {
    match e {
        ErrorKind::OutcomeUnknown { cause } => short_cause(cause),
        ErrorKind::Timeout => "timed out".to_string(),
        ErrorKind::Network(_) => "the connection failed".to_string(),
        ErrorKind::Aborted => {
            "its answer was never seen: the page was reloaded or the session ended first"
                .to_string()
        }
        ErrorKind::Http { status, .. } => format!("HTTP {status}"),
        other => other
            .code()
            .map_or_else(|| other.to_string(), ErrorCode::to_string),
    }
}

/// Proof that the user confirmed: only [`RotateFlow::confirm`] makes one, once per dialog.
/// The driver consumes it, so one confirmation can start at most one RotateKeyOnDemand.
#[derive(Debug)]
pub struct SendTicket {
    key_id: String,
    /// The ON_DEMAND count the dialog showed; the pre-send check refuses if it changed.
    shown_on_demand: Option<u32>,
    gate: Option<Gate>,
}

impl SendTicket {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Ask `gate` right before the request leaves; a "no" refuses with [`Refusal::Stopped`]
    /// (a bulk run paused or cancelled meanwhile: docs/bulk.md §3).
    pub fn with_gate(mut self, gate: Gate) -> Self {
        self.gate = Some(gate);
        self
    }
}

/// "May this request still leave?", asked by the driver right before RotateKeyOnDemand.
#[derive(Clone)]
pub struct Gate(std::rc::Rc<dyn Fn() -> bool>);

impl Gate {
    pub fn new(f: impl Fn() -> bool + 'static) -> Self {
        Gate(std::rc::Rc::new(f))
    }

    fn open(&self) -> bool {
        (self.0)()
    }
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate")
    }
}

/// What the driver reports as it goes; apply each to the flow ([`RotateFlow::apply`]) and to
/// the inventory ([`apply_to_inventory`]).
#[derive(Clone, Debug, PartialEq)]
pub enum RotateUpdate {
    /// The pre-send check passed: RotateKeyOnDemand leaves right after this update (keep the
    /// record now, before the request exists).
    Sending(PendingRotation),
    /// KMS accepted RotateKeyOnDemand (or reconciliation showed it had).
    Sent,
    /// The answer was lost (the record now has `failed_at`); reading the key's state.
    Reconciling {
        cause: AwsError,
        pending: PendingRotation,
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
    Unknown(UnknownOutcome),
    Failed(RotateFailure),
    /// Disconnect or session end while it ran (an unknown outcome stays recorded).
    Cancelled,
}

impl RotateOutcome {
    /// The check before sending stopped it: this run sent nothing (and any earlier record of
    /// the key is not its to forget).
    pub fn sent_nothing(&self) -> bool {
        matches!(self, RotateOutcome::Failed(RotateFailure::Refused(_)))
    }
}

/// The "Rotate now" state of one key.
#[derive(Clone, Debug, PartialEq)]
pub struct RotateFlow {
    key_id: String,
    phase: RotatePhase,
}

/// What is happening with a key's on-demand rotation, from the two places that know: this
/// console's flow and KMS's status. The one answer to "is it busy?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Nothing under way.
    Idle,
    /// This console is checking, sending or following a rotation.
    Ours,
    /// This console sent one whose outcome is unknown.
    Unknown,
    /// KMS shows a rotation in progress that this console is not following (another tab, the
    /// CLI, another console).
    Elsewhere,
}

impl Activity {
    /// A rotation is (or may be) under way: "Rotate now" stays off.
    pub fn is_busy(self) -> bool {
        self != Activity::Idle
    }

    /// Show the "in progress" mark (not for an unknown outcome: that has its own notice).
    pub fn shows_in_progress(self) -> bool {
        matches!(self, Activity::Ours | Activity::Elsewhere)
    }
}

/// See [`Activity`].
pub fn activity(row: Option<&KeyRow>, flow: Option<&RotateFlow>) -> Activity {
    match flow.map(RotateFlow::phase) {
        Some(RotatePhase::Unknown(_)) => return Activity::Unknown,
        Some(
            RotatePhase::Checking
            | RotatePhase::Sending
            | RotatePhase::Reconciling
            | RotatePhase::InProgress { .. },
        ) => return Activity::Ours,
        _ => {}
    }
    if row.is_some_and(KeyRow::in_progress) {
        Activity::Elsewhere
    } else {
        Activity::Idle
    }
}

impl RotateFlow {
    pub fn new(key_id: impl Into<String>) -> Self {
        RotateFlow {
            key_id: key_id.into(),
            phase: RotatePhase::Idle,
        }
    }

    /// A flow for a rotation sent earlier (a record kept across a reload): reconciling it.
    pub fn reconciling(key_id: impl Into<String>) -> Self {
        RotateFlow {
            key_id: key_id.into(),
            phase: RotatePhase::Reconciling,
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn phase(&self) -> &RotatePhase {
        &self.phase
    }

    /// The "Rotate now" button: enabled when the key is eligible, nothing is under way here
    /// or at KMS ([`activity`]), the dialog is not open, and a failure, if any, allows another
    /// attempt.
    pub fn button_enabled(&self, eligible: bool, activity: Activity) -> bool {
        eligible
            && !activity.is_busy()
            && match &self.phase {
                RotatePhase::Idle | RotatePhase::Done => true,
                RotatePhase::Failed(f) => f.can_retry(),
                _ => false,
            }
    }

    /// "Rotate now" clicked: open the dialog. False (and no change) when the button is off.
    pub fn open(&mut self, eligible: bool, activity: Activity) -> bool {
        if !self.button_enabled(eligible, activity) {
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
    /// click outside Confirming) gets `None`, so a double click sends at most one request.
    /// `shown_on_demand` is the ON_DEMAND count the dialog showed.
    pub fn confirm(&mut self, shown_on_demand: Option<u32>) -> Option<SendTicket> {
        if self.phase != RotatePhase::Confirming {
            return None;
        }
        self.phase = RotatePhase::Checking;
        Some(SendTicket {
            key_id: self.key_id.clone(),
            shown_on_demand,
            gate: None,
        })
    }

    /// "Check again" on an unknown outcome: the record to reconcile (None in any other phase).
    pub fn check_again(&mut self) -> Option<PendingRotation> {
        match &self.phase {
            RotatePhase::Unknown(u) => {
                let pending = u.pending.clone();
                self.phase = RotatePhase::Reconciling;
                Some(pending)
            }
            _ => None,
        }
    }

    pub fn apply(&mut self, update: &RotateUpdate) {
        match update {
            RotateUpdate::Sending(_) => self.phase = RotatePhase::Sending,
            RotateUpdate::Sent => {
                if !matches!(self.phase, RotatePhase::InProgress { .. }) {
                    self.phase = RotatePhase::InProgress { started: None };
                }
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
                    RotateOutcome::Unknown(u) => RotatePhase::Unknown(u.clone()),
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
            RotatePhase::Checking => {
                Some("Reading the key once more before sending\u{2026}".to_string())
            }
            RotatePhase::Sending => Some("Sending the rotation request\u{2026}".to_string()),
            RotatePhase::Reconciling => Some(
                "A rotation request got no clear answer; reading the key's rotation status and \
                 history to find out whether KMS applied it, before anything else\u{2026}"
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
            RotatePhase::Unknown(u) => Some(u.sentence()),
            RotatePhase::Failed(f) => Some(f.sentence()),
        }
    }

    pub fn unknown(&self) -> Option<&UnknownOutcome> {
        match &self.phase {
            RotatePhase::Unknown(u) => Some(u),
            _ => None,
        }
    }
}

/// Reflect a driver update in the inventory row: fresh status and history, and
/// LimitExceededException forcing the remaining count to 0.
pub fn apply_to_inventory(inventory: &mut Inventory, key_id: &str, update: &RotateUpdate) {
    match update {
        RotateUpdate::Status(s) => inventory.set_status(key_id, s.clone()),
        RotateUpdate::Rotations(r) => inventory.set_rotations(key_id, r.clone()),
        RotateUpdate::Finished(RotateOutcome::Failed(f)) if f.is_limit_exceeded() => {
            inventory.mark_limit_exceeded(key_id);
        }
        _ => {}
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

/// How the driver waits. Defaults: follow an accepted rotation from 1 s, doubling to 10 s, for
/// up to 10 minutes; reconcile a lost answer with reads from 2 s, doubling to 15 s, for at
/// least [`NOT_APPLIED_WINDOW`], then up to 3 more reads if those fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub give_up_after: Duration,
    pub reconcile_first: Duration,
    pub reconcile_max: Duration,
    pub not_applied_window: Duration,
    pub settle_attempts: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            give_up_after: Duration::from_secs(600),
            reconcile_first: Duration::from_secs(2),
            reconcile_max: Duration::from_secs(15),
            not_applied_window: NOT_APPLIED_WINDOW,
            settle_attempts: 3,
        }
    }
}

/// Run a confirmed "Rotate now": at most one RotateKeyOnDemand, then follow it. Every step is
/// reported through `on_update` (ending with `Finished`) until `token` is cancelled; the returned
/// outcome is the same as the last `Finished` (or `Cancelled`, which is not reported).
///
/// 1. The pre-send check: GetKeyRotationStatus and the full ListKeyRotations, read now. Refuse
///    (nothing sent) when a rotation is in progress, the ON_DEMAND count differs from what the
///    dialog showed, none is left, or the key cannot be read.
/// 2. `Sending(record)`, then RotateKeyOnDemand once.
/// 3. A 2xx, readable or not, means KMS acted: follow it ([`follow`]).
/// 4. An error that says KMS did nothing: `Failed(Rejected)`.
/// 5. No clear answer (timeout, dropped connection, 5xx): [`reconcile`]. Never resent here.
///
/// docs/rotation-safety.md §2-§3.
pub async fn rotate<T: Transport, F: FnMut(RotateUpdate)>(
    client: &Client<T>,
    ticket: SendTicket,
    token: &CancelToken,
    policy: &PollPolicy,
    mut on_update: F,
) -> RotateOutcome {
    let SendTicket {
        key_id,
        shown_on_demand,
        gate,
    } = ticket;
    let mut report = |u: RotateUpdate| {
        if !token.is_cancelled() {
            on_update(u);
        }
    };
    let finish = |outcome: RotateOutcome, report: &mut dyn FnMut(RotateUpdate)| {
        report(RotateUpdate::Finished(outcome.clone()));
        outcome
    };
    let refuse = |r: Refusal, report: &mut dyn FnMut(RotateUpdate)| {
        finish(RotateOutcome::Failed(RotateFailure::Refused(r)), report)
    };

    // 1. The pre-send check.
    let status = client.call(&GetKeyRotationStatus::new(&key_id)).await;
    if token.is_cancelled() {
        return RotateOutcome::Cancelled;
    }
    let status = match status {
        Ok(s) => s,
        Err(e) => return refuse(Refusal::CouldNotCheck(e), &mut report),
    };
    let running = status.on_demand_rotation_start_date.is_some();
    report(RotateUpdate::Status(status));
    if running {
        return refuse(Refusal::InProgress, &mut report);
    }
    let history = list_rotations(client, &key_id, false).await;
    if token.is_cancelled() {
        return RotateOutcome::Cancelled;
    }
    let history = match history {
        Ok(r) => r,
        Err(e) => return refuse(Refusal::CouldNotCheck(e), &mut report),
    };
    let used = quota::on_demand_used(&history);
    report(RotateUpdate::Rotations(history));
    if let Some(shown) = shown_on_demand.filter(|s| *s != used) {
        return refuse(Refusal::CountChanged { shown, now: used }, &mut report);
    }
    if used >= ON_DEMAND_ROTATION_LIMIT {
        return refuse(Refusal::NoneLeft, &mut report);
    }
    // Its turn at the quota first, so the record below is written only right before it leaves.
    client.wait_turn::<RotateKeyOnDemand>().await;
    if token.is_cancelled() {
        return RotateOutcome::Cancelled;
    }
    if gate.as_ref().is_some_and(|g| !g.open()) {
        return refuse(Refusal::Stopped, &mut report);
    }

    // 2. The one request, recorded before it leaves.
    let mut pending = PendingRotation {
        key_id: key_id.clone(),
        sent_at: client.transport().now(),
        failed_at: None,
        baseline_on_demand: used,
        accepted: false,
    };
    report(RotateUpdate::Sending(pending.clone()));
    // The gate is asked again before each attempt: the limiter's wait or a throttled attempt
    // can outlast a pause (docs/bulk.md §3). Stopped means no attempt was acted on.
    let open = gate.as_ref().map(|g| move || g.open());
    let sent = client
        .call_while(
            &RotateKeyOnDemand::new(&key_id),
            open.as_ref().map(|f| f as &dyn Fn() -> bool),
        )
        .await;
    if matches!(&sent, Err(e) if e.kind == ErrorKind::Stopped) {
        return refuse(Refusal::Stopped, &mut report);
    }
    let acted = match &sent {
        Ok(_) => Acted::Yes,
        Err(e) => retry::acted(e),
    };
    match (acted, sent) {
        (Acted::Yes, _) => {
            pending.accepted = true;
            report(RotateUpdate::Sent);
            let outcome = follow(client, &pending, token, policy, &mut report).await;
            if outcome == RotateOutcome::Cancelled {
                return outcome;
            }
            finish(outcome, &mut report)
        }
        (Acted::No, Err(e)) if !token.is_cancelled() => finish(
            RotateOutcome::Failed(RotateFailure::Rejected(e)),
            &mut report,
        ),
        (_, Err(e)) => {
            if token.is_cancelled() {
                return RotateOutcome::Cancelled;
            }
            pending.failed_at = Some(client.transport().now());
            report(RotateUpdate::Reconciling {
                cause: e.clone(),
                pending: pending.clone(),
            });
            let outcome = reconcile(client, &pending, e, token, policy, &mut report).await;
            if outcome == RotateOutcome::Cancelled {
                return outcome;
            }
            finish(outcome, &mut report)
        }
        (_, Ok(_)) => RotateOutcome::Cancelled,
    }
}

/// Find out what became of a sent RotateKeyOnDemand whose answer was lost (`cause`), from KMS's
/// own state: GetKeyRotationStatus and the full ListKeyRotations, read with backoff.
/// - A start date, or a new ON_DEMAND entry: it was applied (followed to completion).
/// - "Not applied" only when both reads succeeded, showed nothing, and were made at least
///   `not_applied_window` after the request was sent (eventual consistency).
/// - Otherwise (reads failing after the window, or a session-ending error): `Unknown`.
///
/// Used right after the failure, by "Check again", and for records kept across a reload.
/// docs/rotation-safety.md §3.
pub async fn reconcile<T: Transport>(
    client: &Client<T>,
    pending: &PendingRotation,
    cause: AwsError,
    token: &CancelToken,
    policy: &PollPolicy,
    report: &mut dyn FnMut(RotateUpdate),
) -> RotateOutcome {
    if pending.accepted {
        report(RotateUpdate::Sent);
        return follow(client, pending, token, policy, report).await;
    }
    let deadline = pending.not_applied_after(policy.not_applied_window);
    let mut delay = policy.reconcile_first;
    let mut reads_after_window = 0;
    let mut last_error: Option<AwsError> = None;
    let unknown = |check: Option<AwsError>| {
        RotateOutcome::Unknown(UnknownOutcome {
            cause: Some(cause.clone()),
            check,
            pending: pending.clone(),
        })
    };
    loop {
        client.transport().sleep(delay).await;
        delay = (delay * 2).min(policy.reconcile_max);
        if token.is_cancelled() {
            return RotateOutcome::Cancelled;
        }
        let read_at = client.transport().now();
        let mut clean = true;
        match client
            .call(&GetKeyRotationStatus::new(&pending.key_id))
            .await
        {
            Ok(s) => {
                let running = s.on_demand_rotation_start_date.is_some();
                report(RotateUpdate::Status(s));
                if running {
                    report(RotateUpdate::Sent);
                    return follow(client, pending, token, policy, report).await;
                }
            }
            Err(e) => {
                clean = false;
                last_error = Some(e);
            }
        }
        if token.is_cancelled() {
            return RotateOutcome::Cancelled;
        }
        match list_rotations(client, &pending.key_id, false).await {
            Ok(r) => {
                let visible = pending.is_visible(&r);
                report(RotateUpdate::Rotations(r));
                if visible {
                    report(RotateUpdate::Sent);
                    return RotateOutcome::Completed;
                }
            }
            Err(e) => {
                clean = false;
                last_error = Some(e);
            }
        }
        if token.is_cancelled() {
            return RotateOutcome::Cancelled;
        }
        if last_error
            .as_ref()
            .is_some_and(crate::console::session::ends_session)
        {
            return unknown(last_error);
        }
        if read_at >= deadline {
            if clean {
                return RotateOutcome::Failed(RotateFailure::NotApplied { cause });
            }
            reads_after_window += 1;
            if reads_after_window >= policy.settle_attempts {
                return unknown(last_error);
            }
        }
        if clean {
            last_error = None;
        }
    }
}

/// Accepted, but its completion not seen (followed for `give_up_after`, or the session ended):
/// not settled, "Check again" follows it again.
fn still_unseen(pending: &PendingRotation, check: Option<AwsError>) -> RotateOutcome {
    RotateOutcome::Unknown(UnknownOutcome {
        cause: None,
        check,
        pending: PendingRotation {
            accepted: true,
            ..pending.clone()
        },
    })
}

/// Follow an accepted rotation: GetKeyRotationStatus with backoff until OnDemandRotationStartDate
/// is gone, then ListKeyRotations until the new ON_DEMAND entry shows (eventual consistency).
async fn follow<T: Transport>(
    client: &Client<T>,
    pending: &PendingRotation,
    token: &CancelToken,
    policy: &PollPolicy,
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
            return still_unseen(pending, last_error);
        }
        client.transport().sleep(delay).await;
        delay = (delay * 2).min(policy.max_delay);
        if token.is_cancelled() {
            return RotateOutcome::Cancelled;
        }
        match client
            .call(&GetKeyRotationStatus::new(&pending.key_id))
            .await
        {
            Ok(s) => {
                let running = s.on_demand_rotation_start_date.is_some();
                report(RotateUpdate::Status(s));
                if running {
                    continue;
                }
            }
            Err(e) => {
                if crate::console::session::ends_session(&e) {
                    return still_unseen(pending, Some(e));
                }
                // Without the status, the history alone decides.
                last_error = Some(e);
            }
        }
        if token.is_cancelled() {
            return RotateOutcome::Cancelled;
        }
        match list_rotations(client, &pending.key_id, false).await {
            Ok(r) => {
                let visible = pending.is_visible(&r);
                report(RotateUpdate::Rotations(r));
                if visible {
                    return RotateOutcome::Completed;
                }
            }
            Err(e) => {
                if crate::console::session::ends_session(&e) {
                    return still_unseen(pending, Some(e));
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
        assert!(flow.open(true, Activity::Idle));
        match flow.confirm(None) {
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
        let mut inv = Inventory::new("us-east-1");
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
            on.cli(&t, K).map(|c| c.to_shell()).unwrap_or_default(),
            format!("aws kms enable-key-rotation --key-id {K} --rotation-period-in-days 180 --region us-east-1")
        );
        let off = AutoSetting {
            enabled: false,
            period_days: 365,
        };
        assert!(off
            .cli(&t, K)
            .is_some_and(|c| c.to_shell().starts_with("aws kms disable-key-rotation")));
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
            None,
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
            None,
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
            None,
        ))
        .unwrap_err();
        assert!(matches!(
            e,
            SaveError::Rejected(AwsError {
                operation: Some(ApiOperation {
                    name: "EnableKeyRotation",
                    ..
                }),
                ..
            })
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
            None,
        ))
        .unwrap_err();
        assert_eq!(e.error().code(), Some(&ErrorCode::DisabledException));
        assert_eq!(
            e.error().operation,
            Some(ApiOperation::kms("DisableKeyRotation"))
        );

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
            None,
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
            None,
        ))
        .unwrap_err();
        assert!(matches!(e, SaveError::SavedButUnread(_)));
        assert!(e.sentence().contains("saved"));
    }

    /// The pre-send check's two reads: no rotation running, `on_demand` ON_DEMAND entries.
    fn idle_before_sending(t: &FakeKms, on_demand: usize) {
        t.once("GetKeyRotationStatus", None, status(false, None, false));
        t.once("ListKeyRotations", None, rotations(on_demand, 0, None));
    }

    fn rejected(outcome: &RotateOutcome) -> Option<&RotateFailure> {
        match outcome {
            RotateOutcome::Failed(f) => Some(f),
            _ => None,
        }
    }

    #[test]
    fn flow_sends_once_per_confirmation() {
        let mut f = RotateFlow::new(K);
        assert_eq!(f.phase(), &RotatePhase::Idle);
        assert!(f.button_enabled(true, Activity::Idle));
        assert!(!f.button_enabled(false, Activity::Idle));
        assert!(!f.button_enabled(true, Activity::Elsewhere));
        assert!(f.confirm(None).is_none(), "no ticket without the dialog");
        assert!(f.open(true, Activity::Idle));
        assert!(
            !f.button_enabled(true, Activity::Idle),
            "off while the dialog is open"
        );
        // An open dialog is not a rotation under way.
        assert_eq!(activity(None, Some(&f)), Activity::Idle);
        assert_eq!(f.status_text(), None);
        f.cancel();
        assert_eq!(f.phase(), &RotatePhase::Idle);
        assert!(f.open(true, Activity::Idle));
        let ticket = f.confirm(Some(3));
        assert!(ticket.is_some());
        assert_eq!(ticket.as_ref().map(|t| t.key_id()), Some(K));
        // Double click: the second confirm gets nothing; the button is off at once.
        assert!(f.confirm(Some(3)).is_none());
        assert_eq!(f.phase(), &RotatePhase::Checking);
        assert_eq!(activity(None, Some(&f)), Activity::Ours);
        assert!(!f.open(true, Activity::Idle));
        assert!(f.status_text().unwrap().contains("before sending"));
        let pending = PendingRotation {
            key_id: K.into(),
            sent_at: SystemTime::UNIX_EPOCH,
            failed_at: None,
            baseline_on_demand: 3,
            accepted: false,
        };
        f.apply(&RotateUpdate::Sending(pending));
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
        assert!(!f.button_enabled(true, Activity::Idle));
        f.apply(&RotateUpdate::Finished(RotateOutcome::Completed));
        assert_eq!(f.phase(), &RotatePhase::Done);
        assert!(f.button_enabled(true, Activity::Idle));
        assert!(f.status_text().unwrap().contains("complete"));
    }

    #[test]
    fn one_answer_to_is_it_busy() {
        let mut inv = Inventory::new("us-east-1");
        inv.upsert_metadata(crate::console::eligibility::tests::symmetric(K));
        inv.set_status(
            K,
            RotationStatus {
                on_demand_rotation_start_date: Some(Timestamp(1.0)),
                ..Default::default()
            },
        );
        let row = inv.row(K);
        assert_eq!(activity(row, None), Activity::Elsewhere);
        assert!(activity(row, None).shows_in_progress());
        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Sent);
        assert_eq!(activity(row, Some(&f)), Activity::Ours);
        assert_eq!(activity(None, Some(&RotateFlow::new(K))), Activity::Idle);
    }

    #[test]
    fn flow_after_failures() {
        let limit = AwsError::from(ErrorKind::Service {
            code: ErrorCode::LimitExceededException,
            message: "m".into(),
            status: 400,
            request_id: None,
        })
        .with_operation(ApiOperation::kms(RotateKeyOnDemand::NAME));
        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Finished(RotateOutcome::Failed(
            RotateFailure::Rejected(limit.clone()),
        )));
        assert!(!f.button_enabled(true, Activity::Idle));
        assert!(!f.open(true, Activity::Idle));
        let RotatePhase::Failed(failure) = f.phase() else {
            panic!("{:?}", f.phase())
        };
        assert!(failure.is_limit_exceeded());
        assert_eq!(
            failure.error().and_then(AwsError::code),
            Some(&ErrorCode::LimitExceededException)
        );

        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Finished(RotateOutcome::Failed(
            RotateFailure::NotApplied {
                cause: ErrorKind::Timeout.into(),
            },
        )));
        assert!(f.button_enabled(true, Activity::Idle));
        assert!(f.status_text().unwrap().contains("not applied"));
        assert!(
            f.open(true, Activity::Idle),
            "the user may try again, after confirming again"
        );

        // Unknown: no retry, only "Check again", which hands back the record to reconcile.
        let pending = PendingRotation {
            key_id: K.into(),
            sent_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_608_000),
            failed_at: None,
            baseline_on_demand: 4,
            accepted: false,
        };
        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Finished(RotateOutcome::Unknown(
            UnknownOutcome {
                cause: Some(ErrorKind::Timeout.into()),
                check: None,
                pending: pending.clone(),
            },
        )));
        assert_eq!(activity(None, Some(&f)), Activity::Unknown);
        assert!(!f.button_enabled(true, Activity::Idle));
        assert!(!f.open(true, Activity::Idle));
        let text = f.status_text().unwrap();
        assert!(
            text.contains("Check again") && text.contains("never rotated twice"),
            "{text}"
        );
        assert_eq!(f.check_again(), Some(pending));
        assert_eq!(f.phase(), &RotatePhase::Reconciling);
        assert_eq!(f.check_again(), None, "once");

        let mut f = RotateFlow::new(K);
        f.apply(&RotateUpdate::Finished(RotateOutcome::Cancelled));
        assert_eq!(f.phase(), &RotatePhase::Idle);
    }

    #[test]
    fn failure_sentences_say_what_to_do() {
        use ErrorCode as C;
        let err = |code: ErrorCode| {
            RotateFailure::Rejected(
                AwsError::from(ErrorKind::Service {
                    code,
                    message: String::new(),
                    status: 400,
                    request_id: None,
                })
                .with_operation(ApiOperation::kms(RotateKeyOnDemand::NAME)),
            )
        };
        let s = err(C::ConflictException).sentence();
        assert!(s.contains("20 minutes"), "{s}");
        let s = err(C::LimitExceededException).sentence();
        assert!(s.contains("all its on-demand rotations"), "{s}");
        let s = err(C::DisabledException).sentence();
        assert!(s.contains("Enable the key"), "{s}");
        let s = err(C::KMSInvalidStateException).sentence();
        assert!(s.contains("state"), "{s}");
        let s = err(C::UnsupportedOperationException).sentence();
        assert!(s.contains("not supported"), "{s}");
        let s = err(C::AccessDeniedException).sentence();
        assert!(s.contains("kms:RotateKeyOnDemand"), "{s}");
        assert!(err(C::ConflictException).can_retry());
        assert!(!err(C::LimitExceededException).can_retry());
        let changed = RotateFailure::Refused(Refusal::CountChanged { shown: 3, now: 4 });
        assert!(changed.sentence().contains("Nothing was sent"));
        assert!(changed.sentence().contains("3 used then, 4 now"));
        assert!(changed.can_retry());
        assert!(!RotateFailure::Refused(Refusal::NoneLeft).can_retry());
        let tab = RotateFailure::Refused(Refusal::OtherTab).sentence();
        assert!(tab.contains("another keyturn tab"), "{tab}");
    }

    #[test]
    fn rotate_now_happy_path_like_the_local_peer() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 2);
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
                "GetKeyRotationStatus",
                "ListKeyRotations",
                "RotateKeyOnDemand",
                "GetKeyRotationStatus",
                "ListKeyRotations"
            ]
        );
        assert!(
            matches!(&updates[2], RotateUpdate::Sending(p) if p.baseline_on_demand == 2 && !p.accepted)
        );
        assert_eq!(updates[3], RotateUpdate::Sent);
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
    fn the_check_before_sending_refuses_and_sends_nothing() {
        // A rotation already running.
        let c = client();
        let t = c.transport();
        t.always("GetKeyRotationStatus", None, status(false, None, true));
        t.always("ListKeyRotations", None, rotations(2, 0, None));
        let (_, _, outcome, _) = drive(&c, &CancelToken::never());
        assert_eq!(
            rejected(&outcome),
            Some(&RotateFailure::Refused(Refusal::InProgress))
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 0);

        // The count changed since the dialog showed it.
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 5);
        let mut flow = RotateFlow::new(K);
        assert!(flow.open(true, Activity::Idle));
        let ticket = flow.confirm(Some(4)).unwrap();
        let outcome = block_on(rotate(
            &c,
            ticket,
            &CancelToken::never(),
            &PollPolicy::default(),
            |u| flow.apply(&u),
        ));
        assert_eq!(
            rejected(&outcome),
            Some(&RotateFailure::Refused(Refusal::CountChanged {
                shown: 4,
                now: 5
            }))
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 0);
        assert!(
            flow.button_enabled(true, Activity::Idle),
            "the user can look and confirm again"
        );

        // None left.
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 25);
        let (_, _, outcome, _) = drive(&c, &CancelToken::never());
        assert_eq!(
            rejected(&outcome),
            Some(&RotateFailure::Refused(Refusal::NoneLeft))
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 0);

        // The key cannot be read right now: nothing is sent either.
        let c = client();
        let t = c.transport();
        t.once("GetKeyRotationStatus", None, status(false, None, false));
        t.always(
            "ListKeyRotations",
            None,
            Reply::Err("AccessDeniedException", 400),
        );
        let (_, _, outcome, _) = drive(&c, &CancelToken::never());
        assert!(
            matches!(
                rejected(&outcome),
                Some(RotateFailure::Refused(Refusal::CouldNotCheck(_)))
            ),
            "{outcome:?}"
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 0);
    }

    /// A confirmed rotation of K with a bulk run's gate, which closes when `close_on` is sent;
    /// the outcome and the flow afterwards.
    fn rotate_gated(c: &Client<FakeKms>, close_on: &'static str) -> (RotateOutcome, RotateFlow) {
        let t = c.transport();
        let open = std::rc::Rc::new(std::cell::Cell::new(true));
        let mut flow = RotateFlow::new(K);
        assert!(flow.open(true, Activity::Idle));
        let gate_open = std::rc::Rc::clone(&open);
        let ticket = flow
            .confirm(Some(3))
            .unwrap()
            .with_gate(Gate::new(move || gate_open.get()));
        t.on_send.replace(Some(Box::new(move |op, _| {
            if op == close_on {
                open.set(false);
            }
        })));
        let outcome = block_on(rotate(
            c,
            ticket,
            &CancelToken::never(),
            &PollPolicy::default(),
            |u| flow.apply(&u),
        ));
        (outcome, flow)
    }

    #[test]
    fn a_closed_gate_refuses_after_the_check_and_before_the_request() {
        let c = client();
        idle_before_sending(c.transport(), 3);
        // The bulk run is paused while the key is read.
        let (outcome, flow) = rotate_gated(&c, "ListKeyRotations");
        assert_eq!(
            rejected(&outcome),
            Some(&RotateFailure::Refused(Refusal::Stopped))
        );
        assert!(outcome.sent_nothing());
        assert_eq!(c.transport().count("RotateKeyOnDemand"), 0);
        assert!(flow.button_enabled(true, Activity::Idle));
    }

    #[test]
    fn a_gate_closed_while_the_request_is_throttled_stops_its_retry() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 3);
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Err("ThrottlingException", 400),
        );
        // Paused while the first attempt is on its way: it finishes, no retry leaves.
        let (outcome, _) = rotate_gated(&c, "RotateKeyOnDemand");
        assert_eq!(
            rejected(&outcome),
            Some(&RotateFailure::Refused(Refusal::Stopped))
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
    }

    #[test]
    fn the_record_is_written_after_the_quota_wait_right_before_the_request() {
        use crate::aws::limiter::{Limiters, MIN_SHARE};
        let limiters = std::rc::Rc::new(Limiters::new(MIN_SHARE));
        let c = client().with_limiters(std::rc::Rc::clone(&limiters));
        let t = c.transport();
        let start_ms = t.clock_ms.get();
        // Others of the scope took RotateKeyOnDemand's slots: this one has to wait its turn.
        for _ in 0..3 {
            limiters.acquire(
                RotateKeyOnDemand::NAME,
                crate::aws::limiter::seconds(t.now()),
            );
        }
        idle_before_sending(t, 3);
        t.always("RotateKeyOnDemand", None, ok(r#"{"KeyId":"k"}"#));
        let (_, updates, _, _) = drive(&c, &CancelToken::never());
        let recorded = updates
            .iter()
            .find_map(|u| match u {
                RotateUpdate::Sending(p) => Some(p.sent_at),
                _ => None,
            })
            .expect("a record");
        let recorded_ms = recorded
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let sent_ms = t
            .sent_at_ms
            .borrow()
            .iter()
            .find(|(op, _)| op == "RotateKeyOnDemand")
            .map(|(_, at)| *at)
            .unwrap();
        assert!(
            sent_ms - start_ms >= 4000,
            "it waited for its turn: {} ms",
            sent_ms - start_ms
        );
        assert_eq!(
            recorded_ms, sent_ms,
            "no wait between the record and the request"
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
    }

    #[test]
    fn a_2xx_with_an_unreadable_body_is_a_rotation_that_happened() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 1);
        t.always("RotateKeyOnDemand", None, ok("<html>not json"));
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(2, 0, None));
        let (flow, updates, outcome, _) = drive(&c, &CancelToken::never());
        assert_eq!(outcome, RotateOutcome::Completed);
        assert!(updates.contains(&RotateUpdate::Sent));
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        assert_eq!(flow.phase(), &RotatePhase::Done);
    }

    #[test]
    fn rotate_now_follows_a_slow_rotation_with_backoff() {
        let c = client();
        let t = c.transport();
        t.once("GetKeyRotationStatus", None, status(true, Some(365), false));
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
        let mut inv = Inventory::new("us-east-1");
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
        assert_eq!(t.count("GetKeyRotationStatus"), 7);
        let secs: Vec<u64> = t.sleeps.borrow().iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 10, 10]);
        assert_eq!(inv.row(K).unwrap().remaining(), Some(24));
        assert_eq!(flow.phase(), &RotatePhase::Done);
    }

    #[test]
    fn rotate_now_rejections() {
        static REJECTIONS: [ErrorCode; 6] = [
            ErrorCode::ConflictException,
            ErrorCode::LimitExceededException,
            ErrorCode::DisabledException,
            ErrorCode::KMSInvalidStateException,
            ErrorCode::UnsupportedOperationException,
            ErrorCode::AccessDeniedException,
        ];
        for code in &REJECTIONS {
            let c = client();
            let t = c.transport();
            idle_before_sending(t, 1);
            t.always("RotateKeyOnDemand", None, Reply::Err(code.as_str(), 400));
            let (flow, _, outcome, inv) = drive(&c, &CancelToken::never());
            let RotateOutcome::Failed(RotateFailure::Rejected(e)) = &outcome else {
                panic!("{code}: {outcome:?}");
            };
            assert_eq!(e.code(), Some(code));
            assert_eq!(t.count("RotateKeyOnDemand"), 1, "{code}: never retried");
            assert_eq!(t.count("GetKeyRotationStatus"), 1, "{code}: only the check");
            assert!(matches!(flow.phase(), RotatePhase::Failed(_)));
            let remaining = inv.row(K).unwrap().remaining();
            if *code == ErrorCode::LimitExceededException {
                // The server's word overrides the computed count.
                assert_eq!(remaining, Some(0));
                assert!(!flow.button_enabled(true, Activity::Idle));
            } else {
                assert_eq!(remaining, Some(24));
                assert!(flow.button_enabled(true, Activity::Idle));
            }
        }
    }

    #[test]
    fn timeout_then_reconcile_finds_it_running() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 5);
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
        assert!(updates.iter().any(
            |u| matches!(u, RotateUpdate::Reconciling { cause, pending } if matches!(cause.kind, ErrorKind::OutcomeUnknown { .. }) && pending.failed_at.is_some())
        ));
        assert!(updates.contains(&RotateUpdate::Sent));
        assert_eq!(flow.phase(), &RotatePhase::Done);
    }

    #[test]
    fn dropped_connection_then_reconcile_finds_the_new_entry() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 5);
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

    /// The clock (ms since the epoch) of the fake, minus when RotateKeyOnDemand was sent.
    fn ms_since_rotate(t: &FakeKms) -> u64 {
        let sent = t
            .sent_at_ms
            .borrow()
            .iter()
            .find(|(op, _)| op == "RotateKeyOnDemand")
            .map_or(0, |(_, at)| *at);
        t.clock_ms.get() - sent
    }

    #[test]
    fn not_applied_only_after_the_window_with_clean_reads() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 5);
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Err("KMSInternalException", 500),
        );
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(5, 0, None));
        let (flow, _, outcome, _) = drive(&c, &CancelToken::never());
        assert!(
            matches!(rejected(&outcome), Some(RotateFailure::NotApplied { .. })),
            "{outcome:?}"
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        assert!(ms_since_rotate(t) >= 120_000, "concluded before the window");
        // Backoff: 2, 4, 8, 15, 15... s.
        let secs: Vec<u64> = t.sleeps.borrow().iter().map(|d| d.as_secs()).collect();
        assert_eq!(&secs[..5], [2, 4, 8, 15, 15]);
        assert!(flow.button_enabled(true, Activity::Idle));
    }

    #[test]
    fn a_rotation_that_shows_late_is_found_not_called_not_applied() {
        // 500 after the work, and KMS's reads lag 60 s (eventual consistency): the old 14 s
        // window concluded "not applied, try again" here.
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 5);
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Err("KMSInternalException", 500),
        );
        for _ in 0..6 {
            t.once("GetKeyRotationStatus", None, status(false, None, false));
            t.once("ListKeyRotations", None, rotations(5, 0, None));
        }
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always("ListKeyRotations", None, rotations(6, 0, None));
        let (flow, _, outcome, _) = drive(&c, &CancelToken::never());
        assert_eq!(outcome, RotateOutcome::Completed);
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        assert_eq!(flow.phase(), &RotatePhase::Done);
    }

    #[test]
    fn a_status_read_alone_never_concludes_not_applied() {
        // Every ListKeyRotations throttled: the history was never read, so the outcome stays
        // unknown however often GetKeyRotationStatus answers.
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 5);
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Transport(TransportError::Timeout),
        );
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.always(
            "ListKeyRotations",
            None,
            Reply::Err("ThrottlingException", 400),
        );
        let (flow, _, outcome, _) = drive(&c, &CancelToken::never());
        let RotateOutcome::Unknown(u) = &outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(u.pending.baseline_on_demand, 5);
        assert_eq!(
            u.check.as_ref().and_then(AwsError::code),
            Some(&ErrorCode::ThrottlingException)
        );
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        assert!(!flow.button_enabled(true, Activity::Idle));
        assert!(flow.unknown().is_some());
    }

    #[test]
    fn the_window_starts_when_the_failure_was_seen() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_608_000);
        let mut p = PendingRotation {
            key_id: K.into(),
            sent_at: t0,
            failed_at: Some(t0 + Duration::from_secs(30)),
            baseline_on_demand: 0,
            accepted: false,
        };
        let window = NOT_APPLIED_WINDOW;
        assert_eq!(p.not_applied_after(window), t0 + Duration::from_secs(150));
        // The page went away before any answer: the latest it can have failed.
        p.failed_at = None;
        assert_eq!(p.not_applied_after(window), t0 + ANSWER_TIMEOUT + window);
        // A clock that went backwards does not shorten the window.
        p.failed_at = Some(t0 - Duration::from_secs(600));
        assert_eq!(p.not_applied_after(window), t0 + window);
    }

    #[test]
    fn check_again_reads_and_settles() {
        let pending = PendingRotation {
            key_id: K.into(),
            sent_at: SystemTime::UNIX_EPOCH + Duration::from_millis(T0_MS)
                - Duration::from_secs(600),
            failed_at: None,
            baseline_on_demand: 5,
            accepted: false,
        };
        // Long after the window: one pass of reads decides, and reconciling never sends.
        let check = |on_demand: usize| {
            let c = client();
            c.transport()
                .always("GetKeyRotationStatus", None, status(false, None, false))
                .always("ListKeyRotations", None, rotations(on_demand, 0, None));
            let outcome = block_on(reconcile(
                &c,
                &pending,
                ErrorKind::Timeout.into(),
                &CancelToken::never(),
                &PollPolicy::default(),
                &mut |_| {},
            ));
            let t = c.transport();
            (
                outcome,
                t.count("GetKeyRotationStatus"),
                t.count("RotateKeyOnDemand"),
            )
        };
        let (outcome, reads, sent) = check(5);
        assert!(matches!(
            rejected(&outcome),
            Some(RotateFailure::NotApplied { .. })
        ));
        assert_eq!((reads, sent), (1, 0));
        // The entry is there: applied.
        let (outcome, _, sent) = check(6);
        assert_eq!(outcome, RotateOutcome::Completed);
        assert_eq!(sent, 0, "reconciling never sends");
        // A record of an accepted rotation is followed, never judged "not applied".
        let c = client();
        let t = c.transport();
        t.always("GetKeyRotationStatus", None, status(false, None, false));
        t.once("ListKeyRotations", None, rotations(5, 0, None));
        t.always("ListKeyRotations", None, rotations(6, 0, None));
        let accepted = PendingRotation {
            accepted: true,
            ..pending
        };
        let outcome = block_on(reconcile(
            &c,
            &accepted,
            ErrorKind::Aborted.into(),
            &CancelToken::never(),
            &PollPolicy::default(),
            &mut |_| {},
        ));
        assert_eq!(outcome, RotateOutcome::Completed);
    }

    #[test]
    fn a_session_ending_error_while_reconciling_leaves_it_unknown() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 5);
        t.always(
            "RotateKeyOnDemand",
            None,
            Reply::Transport(TransportError::Network("reset".into())),
        );
        t.always(
            "GetKeyRotationStatus",
            None,
            Reply::Err("ExpiredTokenException", 400),
        );
        t.always(
            "ListKeyRotations",
            None,
            Reply::Err("ExpiredTokenException", 400),
        );
        let (_, _, outcome, _) = drive(&c, &CancelToken::never());
        assert!(matches!(outcome, RotateOutcome::Unknown(_)), "{outcome:?}");
        assert_eq!(
            t.count("GetKeyRotationStatus"),
            2,
            "the check, then one reconcile read"
        );
    }

    #[test]
    fn gives_up_waiting_but_says_it_was_accepted() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 0);
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
        // Accepted but never seen complete: not settled, "Rotate now" stays off, and "Check
        // again" follows it (never "not applied").
        let RotateOutcome::Unknown(u) = &outcome else {
            panic!("{outcome:?}");
        };
        assert!(u.cause.is_none() && u.pending.accepted);
        assert!(u.sentence().contains("KMS accepted"), "{}", u.sentence());
        assert!(!flow.button_enabled(true, Activity::Idle));
        assert_eq!(t.count("RotateKeyOnDemand"), 1);
        let waited: u64 = t.sleeps.borrow().iter().map(|d| d.as_secs()).sum();
        assert!((60..=70).contains(&waited), "{waited}");
    }

    #[test]
    fn cancellation_stops_following() {
        let c = client();
        let t = c.transport();
        idle_before_sending(t, 0);
        t.always("ListKeyRotations", None, rotations(0, 0, None));
        t.always("RotateKeyOnDemand", None, ok("{}"));
        t.always("GetKeyRotationStatus", None, status(false, None, true));
        let gen = Generation::new();
        let token = gen.token();
        {
            let gen = gen.clone();
            let seen = std::cell::Cell::new(0);
            *t.on_send.borrow_mut() = Some(Box::new(move |op, _| {
                if op == "GetKeyRotationStatus" {
                    seen.set(seen.get() + 1);
                    if seen.get() == 2 {
                        gen.bump(); // disconnect while following
                    }
                }
            }));
        }
        let (_, updates, outcome, _) = drive(&c, &token);
        assert_eq!(outcome, RotateOutcome::Cancelled);
        assert_eq!(updates.last(), Some(&RotateUpdate::Sent));
        assert_eq!(t.count("GetKeyRotationStatus"), 2);
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
