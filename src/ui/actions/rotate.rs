//! The rotation actions: open the dialog, confirm, "Check again", and reconcile rotations kept
//! from before a reload. The only code that starts a RotateKeyOnDemand or reconciles one; views
//! call these and render [`crate::console::rotation::RotateFlow`].
//!
//! What holds across failures (docs/rotation-safety.md): each rotation gets its own client (its
//! own transport, so a region switch or Back/Forward does not abort it, and its own retry
//! budget, so the inventory loader cannot starve its reads); a cross-tab lock per key from
//! confirmation until the outcome is known; a record in sessionStorage from right before the
//! request leaves until the outcome is known, reconciled by the next connection to the account.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::dom;
use super::super::locks::{self, Acquired, KeyLock};
use super::super::state::{App, KmsClient, NoticeKind};

use super::session;
use crate::aws::endpoint::EndpointConfig;
use crate::aws::error::{ApiOperation, AwsError, ErrorKind};
use crate::aws::kms::{Operation, RotateKeyOnDemand};
use crate::console::eligibility::Blocked;
use crate::console::fleet::RowKey;
use crate::console::format;
use crate::console::inventory::KeyRow;
use crate::console::rotation::{
    activity, apply_to_inventory, reconcile, rotate, Activity, Gate, PendingRotation, PollPolicy,
    Refusal, RotateFailure, RotateFlow, RotateOutcome, RotatePhase, RotateUpdate, SendTicket,
    UnknownOutcome,
};
use crate::console::rotation_record::{RotationRecord, RotationRecords};
use crate::console::scope::ScopeId;
use crate::console::session::{ends_session, CancelToken};

/// sessionStorage key of the unsettled rotations (never a credential: rotation_record.rs).
const RECORDS_KEY: &str = "keyturn.rotations";

/// Without a record a reload could not tell whether the request left (docs/rotation-safety.md).
const STORAGE_OFF: &str = "This tab cannot write to its sessionStorage (it is off or full), \
     where keyturn records a rotation before sending it: nothing was sent. Free some storage or \
     allow it for this site, then try again.";

fn records() -> RotationRecords {
    RotationRecords::parse(&dom::session_get(RECORDS_KEY).unwrap_or_default())
}

fn save(records: &RotationRecords) {
    if records.is_empty() {
        dom::session_remove(RECORDS_KEY);
    } else {
        dom::session_set(RECORDS_KEY, &records.to_json());
    }
}

fn keep_record(target: &Target, pending: &PendingRotation) {
    let mut all = records();
    all.upsert(RotationRecord::new(
        &target.account,
        &target.endpoint.region,
        pending,
    ));
    save(&all);
}

fn forget_record(target: &Target, key_id: &str) {
    let mut all = records();
    all.remove(&target.account, &target.endpoint.region, key_id);
    save(&all);
}

/// Where one key's rotation goes: the key's scope (its account's credentials, its Region's
/// endpoint).
#[derive(Clone)]
struct Target {
    scope: ScopeId,
    account: String,
    endpoint: EndpointConfig,
}

impl Target {
    fn lock_name(&self, key_id: &str) -> String {
        locks::name(&self.account, &self.endpoint.region, key_id)
    }

    fn flow_key(&self, key_id: &str) -> String {
        RowKey::new(self.scope.clone(), key_id).key()
    }

    fn row_key(&self, key_id: &str) -> RowKey {
        RowKey::new(self.scope.clone(), key_id)
    }

    fn has_record(&self, key_id: &str) -> bool {
        records().contains(&self.account, &self.endpoint.region, key_id)
    }
}

/// This tab recorded a rotation of `key_id` in `scope` whose outcome is not settled.
pub fn recorded(scope: &ScopeId, key_id: &str) -> bool {
    records().contains(&scope.account, &scope.region, key_id)
}

/// The lock names of every recorded (unsettled) rotation of this tab.
pub fn recorded_lock_names() -> std::collections::HashSet<String> {
    records()
        .all()
        .iter()
        .map(|r| locks::name(&r.account, &r.region, &r.key_id))
        .collect()
}

/// At start-up, before any connection: take the lock of every rotation this tab recorded and
/// has not settled (a reload drops the locks with the page), so no other tab can rotate those
/// keys before this one has reconciled them. Lock names hold no credential.
pub fn hold_recorded_locks(app: App) {
    for name in recorded_lock_names() {
        spawn_local(async move {
            if let Acquired::Held(lock) = locks::acquire(&name).await {
                app.locks.update_value(|m| {
                    m.insert(name, lock);
                });
            }
        });
    }
}

/// This tab's lock for `name`: the one it already holds, or a new one if no tab has it.
async fn take_or_acquire(app: App, name: &str) -> Option<KeyLock> {
    if let Some(lock) = app.locks.try_update_value(|m| m.remove(name)).flatten() {
        return Some(lock);
    }
    match locks::acquire(name).await {
        Acquired::Held(lock) => Some(lock),
        Acquired::Busy => None,
    }
}

/// The target of `scope` (None when disconnected).
fn target(app: App, scope: &ScopeId) -> Option<Target> {
    Some(Target {
        scope: scope.clone(),
        account: scope.account.clone(),
        endpoint: app.endpoint_for(&scope.region)?,
    })
}

/// A client for one rotation (see the module comment), with its account's credentials.
fn rotation_client(app: App, target: &Target) -> Option<KmsClient> {
    let creds = app.credentials_for(&target.account)?;
    let root = app.rotation_transport.get_value();
    let client = app.logged_client(&root, creds, target.endpoint.clone(), Some(&target.scope));
    client.set_clock_offset_ms(app.clock_offset_ms());
    Some(client)
}

/// Rotations this tab is checking, sending, following or has not settled: Disconnect and
/// leaving the page ask first.
pub fn unresolved(app: App) -> usize {
    let mut keys: std::collections::HashSet<String> = records()
        .all()
        .iter()
        .map(|r| RowKey::new(ScopeId::new(r.account.clone(), r.region.clone()), &r.key_id).key())
        .collect();
    app.flows.with_untracked(|m| {
        for (k, f) in m {
            if activity(None, Some(f)) != Activity::Idle {
                keys.insert(k.clone());
            }
        }
    });
    keys.len()
}

/// One key's rotation as the table, the key panel and the dialog see it: the flow these actions
/// own (`App::flows`, one per key) read through one memo, and the commands. Views never touch
/// the flows themselves.
#[derive(Clone, Copy)]
pub struct Rotation {
    app: App,
    key: Signal<Option<RowKey>>,
    /// The key's flow; `None` before this session rotated it.
    pub flow: Memo<Option<RotateFlow>>,
}

/// The rotation of `key` (a signal: a table position shows different keys over time).
pub fn use_rotation(key: impl Into<Signal<Option<RowKey>>>) -> Rotation {
    let app = super::super::state::use_app();
    let key: Signal<Option<RowKey>> = key.into();
    let flow = Memo::new(move |_| {
        key.with(|k| {
            k.as_ref()
                .and_then(|k| app.flows.with(|m| m.get(&k.key()).cloned()))
        })
    });
    Rotation { app, key, flow }
}

impl Rotation {
    /// What the key's row and KMS's state together say is happening (reactive).
    pub fn activity(&self, row: Option<&KeyRow>) -> Activity {
        self.flow.with(|f| activity(row, f.as_ref()))
    }

    /// The flow's phase (idle before any rotation).
    pub fn phase(&self) -> RotatePhase {
        self.flow
            .with(|f| f.as_ref().map(|f| f.phase().clone()))
            .unwrap_or(RotatePhase::Idle)
    }

    /// "Rotate now": open the dialog if the key can be rotated now.
    pub fn open(&self) {
        if let Some(k) = self.key.get_untracked() {
            open(self.app, k);
        }
    }

    /// "Rotate key" in the dialog.
    pub fn confirm(&self) {
        if let Some(k) = self.key.get_untracked() {
            confirm(self.app, k);
        }
    }

    /// "Check again" on an unknown outcome.
    pub fn check_again(&self) {
        if let Some(k) = self.key.get_untracked() {
            check_again(self.app, k);
        }
    }

    /// Close the dialog (a flow still confirming goes back to idle).
    pub fn close_dialog(&self) {
        close_dialog(self.app);
    }
}

/// "Rotate now" in the key panel: open the dialog if the key can be rotated now.
fn open(app: App, key: RowKey) {
    let fk = key.key();
    let key_id = key.key_id.clone();
    let (eligible, busy) = app.fleet.with_untracked(|f| {
        let row = f.row(&key);
        let eligible = row.is_some_and(|r| r.rotate_now().is_ok());
        let busy = app.flows.with_untracked(|m| activity(row, m.get(&fk)));
        (eligible, busy)
    });
    let opened = app
        .flows
        .try_update(|m| {
            m.entry(fk.clone())
                .or_insert_with(|| RotateFlow::new(key_id.clone()))
                .open(eligible, busy)
        })
        .unwrap_or(false);
    if opened {
        app.dialog.set(Some(key));
    }
}

/// Close the dialog; a flow still confirming goes back to idle.
pub fn close_dialog(app: App) {
    if let Some(key) = app.dialog.get_untracked() {
        let fk = key.key();
        app.flows.update(|m| {
            if let Some(f) = m.get_mut(&fk) {
                f.cancel();
            }
        });
    }
    app.dialog.set(None);
}

/// "Rotate key" in the dialog: take the flow's one ticket (a second click gets none), take the
/// key's cross-tab lock, and run the driver.
fn confirm(app: App, key: RowKey) {
    // Everything the run needs first, so a ticket is never taken for a run that cannot start.
    let Some(ready) = ready(app, &key) else {
        return;
    };
    if !dom::storage_works() {
        app.show_error_text(STORAGE_OFF);
        return;
    }
    let shown = app
        .fleet
        .with_untracked(|f| f.row(&key).and_then(|r| r.on_demand_used()));
    let fk = ready.target.flow_key(&key.key_id);
    let ticket = app
        .flows
        .try_update(|m| m.get_mut(&fk).and_then(|f| f.confirm(shown)))
        .flatten();
    let Some(ticket) = ticket else { return };
    spawn_local(async move {
        run_ticket(app, ready, key.key_id, ticket).await;
    });
}

/// What a confirmed rotation needs before its ticket is taken: where it goes, the session's
/// token and its own client.
struct Ready {
    target: Target,
    token: CancelToken,
    client: KmsClient,
}

fn ready(app: App, key: &RowKey) -> Option<Ready> {
    let (Some(target), Some(token)) = (target(app, &key.scope), app.rotation_token()) else {
        return None;
    };
    let client = rotation_client(app, &target)?;
    Some(Ready {
        target,
        token,
        client,
    })
}

/// The one path of every RotateKeyOnDemand, from the dialog or a bulk run: refuse while an
/// earlier one of this tab is unsettled, take the cross-tab lock, run the driver, settle.
async fn run_ticket(app: App, ready: Ready, key_id: String, ticket: SendTicket) -> RotateOutcome {
    let Ready {
        target,
        token,
        client,
    } = ready;
    let refuse = |r: Refusal| {
        let outcome = RotateOutcome::Failed(RotateFailure::Refused(r));
        finish_without_driver(app, &target, &key_id, outcome.clone(), &token);
        outcome
    };
    // A rotation of this key from this tab that is not settled: that one first.
    if target.has_record(&key_id) {
        return refuse(Refusal::Unsettled);
    }
    let Some(lock) = take_or_acquire(app, &target.lock_name(&key_id)).await else {
        return refuse(Refusal::OtherTab);
    };
    let id = key_id.clone();
    let at = target.clone();
    let outcome = rotate(&client, ticket, &token, &PollPolicy::default(), move |u| {
        on_update(app, &at, &id, u)
    })
    .await;
    settle(app, &target, &key_id, outcome.clone(), Some(lock), &token);
    outcome
}

/// Why a bulk run's rotation did not start (nothing was sent).
pub enum NotStarted {
    /// No session, or no credentials for the key's account.
    Disconnected,
    /// The key's scope or details are still loading (after a reconnection): try again soon.
    Loading,
    /// The key cannot be rotated now; the sentence says why.
    Skip(String),
    /// This tab cannot send it now (storage off, the key's dialog open): a failure to retry.
    Fail(String),
}

/// A bulk run's rotation of `key` (docs/bulk.md §3): the flow is opened and confirmed as the
/// dialog would, with the ON_DEMAND count the plan showed (`used`) and the run's `gate`, then
/// goes through [`run_ticket`] like any other.
pub fn start_planned(
    app: App,
    key: RowKey,
    used: Option<u32>,
    gate: Gate,
) -> Result<impl std::future::Future<Output = RotateOutcome>, NotStarted> {
    // An assumed role's scope has no credentials until AssumeRole answers.
    let scope_loading = app
        .fleet
        .with_untracked(|f| f.scope(&key.scope).is_some_and(|e| e.state() == "loading"));
    let ready = ready(app, &key).ok_or(if scope_loading {
        NotStarted::Loading
    } else {
        NotStarted::Disconnected
    })?;
    if !dom::storage_works() {
        return Err(NotStarted::Fail(STORAGE_OFF.to_string()));
    }
    if app.dialog.get_untracked() == Some(key.clone()) {
        return Err(NotStarted::Fail(
            "The rotate dialog of this key is open in this tab: nothing was sent. Close it, \
             then retry the failed keys."
                .to_string(),
        ));
    }
    let fk = key.key();
    let (eligible, busy) = app.fleet.with_untracked(|f| {
        let row = f.row(&key);
        let eligible = row.map(KeyRow::rotate_now);
        let busy = app.flows.with_untracked(|m| activity(row, m.get(&fk)));
        (eligible, busy)
    });
    match eligible {
        Some(Err(Blocked::Loading)) => return Err(NotStarted::Loading),
        None if scope_loading => return Err(NotStarted::Loading),
        Some(Err(b)) => return Err(NotStarted::Skip(b.sentence())),
        None => {
            return Err(NotStarted::Skip(
                "The key is no longer in the inventory.".to_string(),
            ))
        }
        Some(Ok(())) => {}
    }
    let key_id = key.key_id.clone();
    let ticket = app
        .flows
        .try_update(|m| {
            let f = m
                .entry(fk.clone())
                .or_insert_with(|| RotateFlow::new(key_id.clone()));
            if f.open(true, busy) {
                f.confirm(used)
            } else {
                None
            }
        })
        .flatten()
        .ok_or_else(|| {
            NotStarted::Skip(
                "A rotation of this key is under way or its outcome is not known yet: nothing \
                 was sent."
                    .to_string(),
            )
        })?;
    Ok(run_ticket(app, ready, key.key_id, ticket.with_gate(gate)))
}

/// "Check again" on an unknown outcome of `key`: read KMS's state again (never send).
fn check_again(app: App, key: RowKey) {
    let (Some(target), Some(token)) = (target(app, &key.scope), app.rotation_token()) else {
        return;
    };
    let Some(client) = rotation_client(app, &target) else {
        return;
    };
    let key_id = key.key_id.clone();
    let fk = target.flow_key(&key_id);
    let unknown: Option<UnknownOutcome> = app
        .flows
        .with_untracked(|m| m.get(&fk).and_then(|f| f.unknown().cloned()));
    let Some(unknown) = unknown else { return };
    let Some(pending) = app
        .flows
        .try_update(|m| m.get_mut(&fk).and_then(RotateFlow::check_again))
        .flatten()
    else {
        return;
    };
    spawn_local(async move {
        let Some(lock) = take_or_acquire(app, &target.lock_name(&key_id)).await else {
            // Another tab is reconciling it: it stays unknown here.
            let outcome = RotateOutcome::Unknown(unknown);
            finish_without_driver(app, &target, &key_id, outcome, &token);
            return;
        };
        let cause = unknown.cause.unwrap_or_else(answer_never_seen);
        let outcome = run_reconcile(app, &client, &target, &key_id, &pending, cause, &token).await;
        settle(app, &target, &key_id, outcome, Some(lock), &token);
    });
}

/// The cause of a RotateKeyOnDemand whose answer this page never saw (sent before a reload, or
/// by a tab that went away).
fn answer_never_seen() -> AwsError {
    AwsError::from(ErrorKind::Aborted).with_operation(ApiOperation::kms(RotateKeyOnDemand::NAME))
}

/// Right after connecting: the rotations this tab sent to the connected account before a
/// reload or an ended session, whose outcome was not known, are reconciled before anything
/// else.
pub fn reconcile_recorded(app: App) {
    if let Some(home) = app.home_scope() {
        reconcile_recorded_for(app, &home.account);
    }
}

/// The same for `account`, once its credentials are at hand (an assumed role).
pub fn reconcile_recorded_for(app: App, account: &str) {
    let account = account.to_string();
    let kept = records().for_account(&account);
    if kept.is_empty() {
        return;
    }
    let keys: Vec<String> = kept
        .iter()
        .map(|r| {
            format!(
                "{} in {} (sent {})",
                r.key_id,
                r.region,
                format::date_time(crate::aws::kms::Timestamp::from_system_time(
                    r.pending().sent_at
                ))
            )
        })
        .collect();
    app.notify(
        NoticeKind::Warning,
        format!(
            "Before anything else, keyturn is checking what became of {} rotation request{} \
             sent from this tab whose answer it never saw: {}. \u{201c}Rotate now\u{201d} stays \
             off for {} until KMS's own history shows the outcome.",
            kept.len(),
            if kept.len() == 1 { "" } else { "s" },
            keys.join("; "),
            if kept.len() == 1 {
                "that key"
            } else {
                "those keys"
            },
        ),
    );
    for record in kept {
        let scope = ScopeId::new(record.account.clone(), record.region.clone());
        let (Some(target), Some(token)) = (target(app, &scope), app.rotation_token()) else {
            return;
        };
        let Some(client) = rotation_client(app, &target) else {
            return;
        };
        let key_id = record.key_id.clone();
        let pending = record.pending();
        let fk = target.flow_key(&key_id);
        app.flows.update(|m| {
            m.insert(fk.clone(), RotateFlow::reconciling(key_id.clone()));
        });
        spawn_local(async move {
            let Some(lock) = take_or_acquire(app, &target.lock_name(&key_id)).await else {
                // Another tab of this browser holds it (a duplicated tab): here it stays
                // unknown, with its record, until "Check again" gets the lock.
                let outcome = RotateOutcome::Unknown(UnknownOutcome {
                    cause: (!pending.accepted).then(answer_never_seen),
                    check: None,
                    pending,
                });
                finish_without_driver(app, &target, &key_id, outcome, &token);
                return;
            };
            let outcome = run_reconcile(
                app,
                &client,
                &target,
                &key_id,
                &pending,
                answer_never_seen(),
                &token,
            )
            .await;
            settle(app, &target, &key_id, outcome, Some(lock), &token);
        });
    }
}

async fn run_reconcile(
    app: App,
    client: &KmsClient,
    target: &Target,
    key_id: &str,
    pending: &PendingRotation,
    cause: AwsError,
    token: &CancelToken,
) -> RotateOutcome {
    let mut report = |u: RotateUpdate| {
        if !token.is_cancelled() {
            on_update(app, target, key_id, u);
        }
    };
    let outcome = reconcile(
        client,
        pending,
        cause,
        token,
        &PollPolicy::default(),
        &mut report,
    )
    .await;
    if outcome != RotateOutcome::Cancelled {
        report(RotateUpdate::Finished(outcome.clone()));
    }
    outcome
}

/// An outcome reached without running the driver (refused before it, another tab holds the
/// key): shown and settled like one.
fn finish_without_driver(
    app: App,
    target: &Target,
    key_id: &str,
    outcome: RotateOutcome,
    token: &CancelToken,
) {
    // The session ended while this waited (for a lock): its flows are gone, leave them gone.
    if token.is_cancelled() {
        return;
    }
    on_update(app, target, key_id, RotateUpdate::Finished(outcome.clone()));
    settle(app, target, key_id, outcome, None, token);
}

/// Fold one driver update into the flow, the record and the inventory row.
fn on_update(app: App, target: &Target, key_id: &str, u: RotateUpdate) {
    match &u {
        // Kept before the request exists, so nothing can forget it.
        RotateUpdate::Sending(pending) | RotateUpdate::Reconciling { pending, .. } => {
            keep_record(target, pending)
        }
        RotateUpdate::Sent => {
            let mut all = records();
            if let Some(mut r) = all
                .for_account(&target.account)
                .into_iter()
                .find(|r| r.key_id == key_id && r.region == target.endpoint.region)
            {
                r.accepted = true;
                all.upsert(r);
                save(&all);
            }
        }
        _ => {}
    }
    app.flows.update(|m| {
        m.entry(target.flow_key(key_id))
            .or_insert_with(|| RotateFlow::new(key_id))
            .apply(&u);
    });
    app.fleet.update(|f| {
        if let Some(e) = f.scope_mut(&target.scope) {
            apply_to_inventory(&mut e.inventory, key_id, &u);
        }
    });
    super::bulk::rotation_update(app, &target.scope, key_id, &u);
    // Once the request is on its way the dialog has done its job; the panel follows it.
    let done_with_dialog = !matches!(u, RotateUpdate::Status(_) | RotateUpdate::Rotations(_));
    if done_with_dialog && app.dialog.get_untracked() == Some(target.row_key(key_id)) {
        app.dialog.set(None);
    }
}

/// The driver finished: settle the record and the lock, and tell the user. A record is
/// forgotten, and its lock released, only once KMS's own state settled it; a run that sent
/// nothing leaves any earlier record alone.
fn settle(
    app: App,
    target: &Target,
    key_id: &str,
    outcome: RotateOutcome,
    lock: Option<KeyLock>,
    token: &CancelToken,
) {
    let hold = |lock: Option<KeyLock>| {
        if let Some(lock) = lock {
            app.locks.update_value(|m| {
                m.insert(target.lock_name(key_id), lock);
            });
        }
    };
    // Stopped by a bulk run's gate after the record was written: no attempt was acted on, and
    // any record of the key is this run's own (run_ticket refuses otherwise).
    let stopped = outcome == RotateOutcome::Failed(RotateFailure::Refused(Refusal::Stopped));
    if stopped {
        forget_record(target, key_id);
    }
    // The session ended meanwhile: what is recorded stays recorded, with its lock.
    if token.is_cancelled() || outcome == RotateOutcome::Cancelled {
        if target.has_record(key_id) {
            hold(lock);
        }
        return;
    }
    let key = target.row_key(key_id);
    if app.dialog.get_untracked() == Some(key.clone()) {
        app.dialog.set(None);
    }
    let label = app
        .fleet
        .with_untracked(|f| f.row(&key).and_then(|r| r.alias().map(str::to_string)))
        .unwrap_or_else(|| key_id.to_string());
    // A bulk run's rotation: its result row says how it went, not a banner per key.
    let quiet = super::bulk::speaks_for(app, &key);
    if let RotateOutcome::Unknown(u) = &outcome {
        // Not known yet: the record and the lock stay until "Check again" settles it.
        hold(lock);
        if !quiet {
            app.show_error_text(u.sentence());
        }
        return;
    }
    if !outcome.sent_nothing() {
        forget_record(target, key_id);
    }
    drop(lock);
    if quiet {
        // Only what ends the session still goes to the banner (and back to connect).
        if let Some(e) = match &outcome {
            RotateOutcome::Failed(f) => f.error().filter(|e| ends_session(e)),
            _ => None,
        } {
            session::report_sentence(app, e.user_message(), e);
        }
        return;
    }
    match outcome {
        RotateOutcome::Completed => {
            let left = app
                .fleet
                .with_untracked(|f| f.row(&key).and_then(|r| r.remaining()));
            let left = left
                .map(|n| format!(" {n} on-demand rotations left."))
                .unwrap_or_default();
            app.notify(
                NoticeKind::Success,
                format!("Rotation of {label} complete: new key material is in use.{left}"),
            );
        }
        RotateOutcome::Failed(f) => match f.error() {
            Some(e) if !matches!(e.kind, ErrorKind::Aborted) => {
                session::report_sentence(app, f.sentence(), e)
            }
            _ => app.show_error_text(f.sentence()),
        },
        RotateOutcome::Unknown(_) | RotateOutcome::Cancelled => {}
    }
}
