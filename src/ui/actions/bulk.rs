//! Bulk actions (docs/bulk.md): select keys, plan, confirm, run paced per scope, pause, resume,
//! cancel, retry the failed, export the results. The only code that starts a bulk request.
//!
//! Every "Rotate now" of a run goes through the single rotation's path
//! ([`super::rotate::start_planned`]): its lock, its record, its pre-send check with the count
//! the plan showed, its reconciliation. The run only decides which key goes next: each scope has
//! a few workers that claim keys one at a time ([`Run::claim`]), so a key is taken once; the
//! scope's limiter paces the requests to the quota (docs/kms.md §4.1).

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::answer::Slot;
use super::super::dom;
use super::super::state::{App, BulkAnswer, KmsClient, NoticeKind};
use super::{compliance, rotate, settings};
use crate::console::bulk::plan::{plan, Action, Plan, Request};
use crate::console::bulk::run::{
    apply_setting, next_after, next_without_report, ItemState, Next, Run, RunState,
    THROTTLED_ROUNDS,
};
use crate::console::cli::CliTarget;
use crate::console::fleet::RowKey;
use crate::console::policy::Outcome;
use crate::console::rotation::{activity, Activity, Gate, RotateUpdate};
use crate::console::scope::ScopeId;
use crate::console::session::CancelToken;

/// sessionStorage key of the run (account, Region, key id and outcome text; no credential).
const RUN_KEY: &str = "keyturn.bulk";

const STORAGE_OFF: &str = "This tab cannot write to its sessionStorage (it is off or full): \
     without it a reload could not tell what was sent, so nothing is sent. Free some storage or \
     allow it for this site, then run again.";

/// Workers per scope: enough to keep the quota busy while each key's reads are answered.
fn workers_for(action: Action) -> usize {
    match action {
        Action::RotateNow | Action::DisableAuto => 3,
        Action::EnableAuto | Action::SetPeriod => 6,
    }
}

fn now_ms() -> u64 {
    (crate::aws::limiter::seconds(dom::now()) * 1000.0) as u64
}

// ---------------------------------------------------------------------------------------------
// Selection

pub fn set_selected(app: App, key: RowKey, on: bool) {
    app.selection.update(|s| s.set(key, on));
}

/// "Select all shown": `shown` is every key the filter shows, on every page.
pub fn toggle_all_shown(app: App, shown: &[RowKey]) {
    app.selection.update(|s| s.toggle_all(shown));
}

pub fn clear_selection(app: App) {
    app.selection.update(|s| s.clear());
}

/// From the compliance card: select every listed key that fails the policy.
pub fn select_failing(app: App) {
    let failing: Vec<RowKey> = app.verdicts.with_untracked(|v| {
        app.fleet.with_untracked(|f| {
            crate::console::filter::listed_refs(f)
                .filter(|at| v.at(*at).is_some_and(|v| v.outcome == Outcome::Fail))
                .filter_map(|at| at.key(f))
                .collect()
        })
    });
    let n = failing.len();
    app.selection.update(|s| s.extend(failing));
    app.notify(
        NoticeKind::Success,
        format!(
            "Selected {n} failing key{}: choose an action above the table and make a plan.",
            if n == 1 { "" } else { "s" }
        ),
    );
    dom::reveal("bulk-bar");
}

// ---------------------------------------------------------------------------------------------
// Plan

/// This console is rotating the key or does not know its last rotation's outcome.
fn busy(app: App) -> impl Fn(&RowKey) -> bool {
    let recorded = rotate::recorded_lock_names();
    move |k: &RowKey| {
        let flow_busy = app
            .flows
            .with_untracked(|m| activity(None, m.get(&k.key())) != Activity::Idle);
        flow_busy
            || recorded.contains(&super::super::locks::name(
                &k.scope.account,
                &k.scope.region,
                &k.key_id,
            ))
    }
}

/// "Plan": decide for every selected key. Err: the period's message.
pub fn make_plan(app: App, action: Action, period: &str) -> Result<(), String> {
    let request = Request::new(action, period).map_err(|e| e.to_string())?;
    show_plan(app, &request);
    Ok(())
}

/// Plan `request` over the selection and show it.
fn show_plan(app: App, request: &Request) {
    let p = app.selection.with_untracked(|s| {
        app.fleet
            .with_untracked(|f| plan(f, s.iter(), request, busy(app)))
    });
    app.bulk_plan.set(Some(p));
    dom::reveal("bulk-plan-view");
}

pub fn close_plan(app: App) {
    app.bulk_plan.set(None);
}

/// The plan as a shell script, with each scope's endpoint settings.
pub fn script(app: App, p: &Plan) -> String {
    let made = crate::console::format::iso(crate::aws::kms::Timestamp(
        crate::aws::limiter::seconds(dom::now()),
    ));
    p.script(
        |scope| {
            app.endpoint_for(&scope.region)
                .map(|e| CliTarget::from(&e))
                .unwrap_or_else(|| CliTarget::new(scope.region.clone(), None))
        },
        &made,
    )
}

pub fn copy_script(app: App, text: String) {
    settings::copy_with_notice(app, text);
}

// ---------------------------------------------------------------------------------------------
// Run

fn save_now(app: App) {
    app.bulk_rt.update_value(|rt| rt.save_due = false);
    match app
        .bulk_run
        .with_untracked(|r| r.as_ref().map(Run::to_json))
    {
        Some(json) => {
            dom::session_set(RUN_KEY, &json);
        }
        None => dom::session_remove(RUN_KEY),
    }
}

/// Keep the run in sessionStorage: at once when a rotation's state changed (a reload must
/// find it), within a quarter second for settings (idempotent: a lag only re-reads).
fn save(app: App, urgent: bool) {
    if urgent {
        return save_now(app);
    }
    let due = app
        .bulk_rt
        .try_update_value(|rt| std::mem::replace(&mut rt.save_due, true))
        .unwrap_or(true);
    if !due {
        set_timeout(move || save_now(app), Duration::from_millis(250));
    }
}

fn update_run(app: App, urgent: bool, f: impl FnOnce(&mut Run)) {
    app.bulk_run.update(|r| {
        if let Some(r) = r.as_mut() {
            f(r);
        }
    });
    save(app, urgent);
}

/// At start-up: a run kept from before a reload, paused (nothing is sent before Resume).
/// Keys that were on their way are resolved at once ([`Run::restore`]): a rotation with a
/// record is unknown until the connection's reconciliation settles it through
/// [`rotation_update`].
pub fn restore(app: App) {
    let kept = dom::session_get(RUN_KEY)
        .and_then(|t| Run::restore(&t, |i| rotate::recorded(&i.scope(), &i.key_id)));
    if let Some(run) = kept {
        app.bulk_run.set(Some(run));
        save(app, true);
    }
}

/// "Run" (after the typed count, when asked): start the plan on screen.
pub fn run(app: App, typed: &str) -> Result<(), String> {
    let Some(p) = app.bulk_plan.get_untracked() else {
        return Err("Make a plan first.".to_string());
    };
    if !p.confirmed_by(typed) {
        return Err(format!(
            "Type {} (the number of keys to rotate) to confirm.",
            p.sends()
        ));
    }
    if app.rotation_token().is_none() {
        return Err("Connect first.".to_string());
    }
    if !dom::storage_works() {
        return Err(STORAGE_OFF.to_string());
    }
    if app
        .bulk_run
        .with_untracked(|r| r.as_ref().is_some_and(|r| !r.is_over()))
    {
        return Err("Another bulk run is not finished: cancel it or let it finish first.".into());
    }
    app.bulk_run.set(Some(Run::start(
        &p,
        now_ms(),
        app.quota_share.get_untracked(),
    )));
    app.bulk_plan.set(None);
    save(app, true);
    spawn_workers(app);
    dom::reveal("bulk-run-view");
    Ok(())
}

pub fn pause(app: App) {
    update_run(app, true, |r| r.pause(now_ms()));
}

pub fn cancel(app: App) {
    update_run(app, true, |r| r.cancel(now_ms()));
}

/// Resume a paused run (also one restored after a reload, once connected again).
pub fn resume(app: App) {
    if app.rotation_token().is_none() {
        app.show_error_text("Connect again to resume the bulk run.");
        return;
    }
    let share = app.quota_share.get_untracked();
    update_run(app, true, |r| {
        // The share may be higher now (a reload resets it): the minimum must stay a bound.
        let rate = crate::aws::limiter::published_quota(r.action().operation()) * share;
        r.rate = r.rate.max(rate);
        r.resume(now_ms());
    });
    spawn_workers(app);
}

/// Forget a run that is over (its results stay in the export until then).
pub fn dismiss(app: App) {
    if app
        .bulk_run
        .with_untracked(|r| r.as_ref().is_some_and(Run::is_over))
    {
        app.bulk_run.set(None);
        save(app, true);
    }
}

/// "Retry the failed": a new plan of the same action over the failed keys, from fresh state.
pub fn retry_failed(app: App) {
    let Some((keys, request)) = app
        .bulk_run
        .with_untracked(|r| r.as_ref().map(|r| (r.failed_keys(), r.request.clone())))
    else {
        return;
    };
    app.selection.update(|s| {
        s.clear();
        s.extend(keys);
    });
    show_plan(app, &request);
}

pub fn download(app: App, json: bool) {
    let now = crate::aws::limiter::seconds(dom::now());
    let Some((name, mime, text)) = app.bulk_run.with_untracked(|r| {
        r.as_ref().map(|r| {
            if json {
                (r.file_name(now, "json"), "application/json", r.json(now))
            } else {
                (r.file_name(now, "csv"), "text/csv;charset=utf-8", r.csv())
            }
        })
    }) else {
        return;
    };
    compliance::save_file(app, &name, mime, &text);
}

/// A client of `scope` for a run's settings: the rotations' transport (a scope reload does not
/// abort it) and the scope's limiters.
fn client_for(app: App, scope: &ScopeId) -> Option<KmsClient> {
    let creds = app.credentials_for(&scope.account)?;
    let endpoint = app.endpoint_for(&scope.region)?;
    let root = app.rotation_transport.get_value();
    let client = app.logged_client(&root, creds, endpoint, Some(scope));
    client.set_clock_offset_ms(app.clock_offset_ms());
    Some(client)
}

fn apply_status(
    app: App,
    scope: &ScopeId,
    key_id: &str,
    status: Option<crate::console::eligibility::RotationStatus>,
) {
    if let Some(s) = status {
        app.fleet.update(|f| {
            if let Some(e) = f.scope_mut(scope) {
                e.inventory.set_status(key_id, s);
            }
        });
    }
}

/// Start the missing workers of every scope with keys to send.
fn spawn_workers(app: App) {
    let Some((id, action, scopes)) = app.bulk_run.with_untracked(|r| {
        r.as_ref()
            .map(|r| (r.started_ms, r.action(), r.scopes_to_send()))
    }) else {
        return;
    };
    for scope in scopes {
        let alive = app
            .bulk_rt
            .with_value(|rt| rt.workers.get(&scope).copied().unwrap_or(0));
        for _ in alive..workers_for(action) {
            app.bulk_rt
                .update_value(|rt| *rt.workers.entry(scope.clone()).or_insert(0) += 1);
            let scope = scope.clone();
            spawn_local(async move {
                worker(app, id, &scope).await;
                app.bulk_rt.update_value(|rt| {
                    if let Some(n) = rt.workers.get_mut(&scope) {
                        *n = n.saturating_sub(1);
                    }
                });
            });
        }
    }
}

/// The run `id` is on screen and running.
fn running(app: App, id: u64) -> bool {
    app.bulk_run.with_untracked(|r| {
        r.as_ref()
            .is_some_and(|r| r.started_ms == id && r.state == RunState::Running)
    })
}

/// One worker of one scope: take the next key, send it, until none is left or the run stops.
/// It serves the session it started in: once that ends, the run pauses, even if the user
/// connects again meanwhile (docs/bulk.md §3).
async fn worker(app: App, id: u64, scope: &ScopeId) {
    let Some(token) = app.rotation_token() else {
        return update_run(app, true, |r| r.pause(now_ms()));
    };
    loop {
        if token.is_cancelled() {
            return update_run(app, true, |r| r.pause(now_ms()));
        }
        if !running(app, id) {
            return;
        }
        let mut claimed = None;
        update_run(app, true, |r| claimed = r.claim(scope));
        let Some(i) = claimed else { return };
        let Some((item, request)) = app
            .bulk_run
            .with_untracked(|r| r.as_ref().map(|r| (r.items[i].clone(), r.request.clone())))
        else {
            return;
        };
        let go = Go {
            app,
            id,
            token: token.clone(),
        };
        if request.action == Action::RotateNow {
            rotate_item(&go, i, item.row_key(), item.used).await;
        } else {
            setting_item(&go, i, scope, &item.key_id, &request).await;
        }
    }
}

/// What a worker asks before each step: its run is on screen and running, and the session it
/// started in goes on.
#[derive(Clone)]
struct Go {
    app: App,
    id: u64,
    token: CancelToken,
}

impl Go {
    fn on(&self) -> bool {
        !self.token.is_cancelled() && running(self.app, self.id)
    }

    /// Wait `d`; then [`Go::on`].
    async fn after(&self, d: Duration) -> bool {
        gloo_timers::future::sleep(d).await;
        self.on()
    }
}

fn scope_loading(app: App, scope: &ScopeId) -> bool {
    app.fleet
        .with_untracked(|f| f.scope(scope).is_some_and(|e| e.state() == "loading"))
}

async fn setting_item(go: &Go, i: usize, scope: &ScopeId, key_id: &str, request: &Request) {
    let app = go.app;
    let mut waits = 0;
    let client = loop {
        match client_for(app, scope) {
            Some(c) => break c,
            // An assumed role's scope has no credentials until AssumeRole answers.
            None if scope_loading(app, scope) && waits < LOADING_WAITS => {
                waits += 1;
                if !go.after(Duration::from_secs(1)).await {
                    return update_run(app, true, |r| r.release(i, now_ms()));
                }
            }
            None => return not_connected(app, i),
        }
    };
    let may_send = || go.on();
    match apply_setting(&client, key_id, request, may_send).await {
        None => update_run(app, true, |r| r.release(i, now_ms())),
        Some((state, status)) => {
            apply_status(app, scope, key_id, status);
            update_run(app, false, |r| r.settle(i, state, false, now_ms()));
        }
    }
}

/// A key claimed while its account has no connection: with the session gone it waits for the
/// next one (the worker then pauses the run); otherwise that account's credentials are missing
/// (an assumed role that failed), and it fails with nothing sent.
fn not_connected(app: App, i: usize) {
    if app.rotation_token().is_none() {
        update_run(app, true, |r| r.release(i, now_ms()));
    } else {
        update_run(app, true, |r| {
            r.settle(
                i,
                ItemState::Failed(
                    "Not connected to this key's account (its role could not be assumed): \
                     nothing was sent."
                        .to_string(),
                ),
                false,
                now_ms(),
            )
        });
    }
}

/// One key's "Rotate now" through the single rotation's path; returns once KMS answered (the
/// rotation is then followed, or reconciled, in the background like any other).
async fn rotate_item(go: &Go, i: usize, key: RowKey, used: Option<u32>) {
    let app = go.app;
    let mut wait = Duration::from_secs(2);
    let mut round = 0;
    let mut loading_waits = 0;
    while round <= THROTTLED_ROUNDS {
        let gate = {
            let go = go.clone();
            Gate::new(move || go.on())
        };
        let started = match rotate::start_planned(app, key.clone(), used, gate) {
            Ok(f) => f,
            Err(rotate::NotStarted::Disconnected) => return not_connected(app, i),
            // Resumed right after reconnecting: the key's scope is still being read.
            Err(rotate::NotStarted::Loading) if loading_waits < LOADING_WAITS => {
                loading_waits += 1;
                if !go.after(Duration::from_secs(1)).await {
                    return update_run(app, true, |r| r.release(i, now_ms()));
                }
                continue;
            }
            Err(rotate::NotStarted::Loading) => {
                return update_run(app, true, |r| {
                    r.settle(
                        i,
                        ItemState::Failed(
                            "The key's scope or details did not finish loading in two minutes: \
                             nothing was sent."
                                .to_string(),
                        ),
                        false,
                        now_ms(),
                    )
                })
            }
            Err(rotate::NotStarted::Fail(sentence)) => {
                return update_run(app, true, |r| {
                    r.settle(i, ItemState::Failed(sentence), false, now_ms())
                })
            }
            Err(rotate::NotStarted::Skip(sentence)) => {
                update_run(app, true, |r| {
                    r.settle(i, ItemState::Skipped(sentence), false, now_ms())
                });
                return;
            }
        };
        let slot = Slot::new();
        let fk = key.key();
        app.bulk_rt.update_value(|rt| {
            rt.waiters.insert(fk.clone(), Rc::clone(&slot));
            rt.started.insert(fk.clone());
        });
        let answer_slot = Rc::clone(&slot);
        let done_key = fk.clone();
        let scope = key.scope.clone();
        let key_id = key.key_id.clone();
        spawn_local(async move {
            let outcome = started.await;
            app.bulk_rt.update_value(|rt| {
                rt.started.remove(&done_key);
            });
            if answer_slot.given() {
                return;
            }
            // The driver ended without telling the run (the session ended while it waited for
            // the lock or for KMS): the record says whether the request may have left.
            let next = next_without_report(&outcome, rotate::recorded(&scope, &key_id));
            apply_next(app, i, next, Some(&answer_slot));
        });
        let answer = slot.wait().await;
        app.bulk_rt.update_value(|rt| {
            rt.waiters.remove(&fk);
        });
        match answer {
            BulkAnswer::Settled => return,
            BulkAnswer::Released => {
                update_run(app, true, |r| r.release(i, now_ms()));
                return;
            }
            BulkAnswer::Throttled => {
                round += 1;
                if round > THROTTLED_ROUNDS {
                    break;
                }
                // Paused, cancelled or disconnected during the wait: nothing of it was sent.
                if !go.after(wait).await {
                    return update_run(app, true, |r| r.release(i, now_ms()));
                }
                wait *= 2;
            }
        }
    }
    update_run(app, true, |r| {
        r.settle(
            i,
            ItemState::Failed(
                "Still throttled after several rounds of waiting: nothing was sent. Retry the \
                 failed keys when the account is quieter."
                    .to_string(),
            ),
            false,
            now_ms(),
        )
    });
}

/// How many seconds a resumed run waits for a key's scope to load before failing it.
const LOADING_WAITS: u32 = 120;

/// Fold `next` into item `i` and tell its worker, if one waits.
fn apply_next(app: App, i: usize, next: Next, waiter: Option<&Slot<BulkAnswer>>) {
    let tell = |a: BulkAnswer| {
        if let Some(w) = waiter {
            w.give(a);
        }
    };
    match next {
        Next::Settle(state, following) => {
            update_run(app, true, |r| r.settle(i, state, following, now_ms()));
            tell(BulkAnswer::Settled);
        }
        // Without a waiting worker (a reconciliation after a reload) there is nothing to send
        // again: the run's item keeps its state.
        Next::Throttled => tell(BulkAnswer::Throttled),
        Next::Released => tell(BulkAnswer::Released),
        Next::Nothing => {}
    }
}

/// A run's rotation started here ([`rotate_item`]) and still running: its outcome is told in
/// the run's results, not in a banner per key.
pub fn speaks_for(app: App, key: &RowKey) -> bool {
    app.bulk_rt.with_value(|rt| rt.started.contains(&key.key()))
}

/// Every rotation update of every key (ui/actions/rotate.rs `on_update`): when the run waits
/// for that key, its item follows the outcome, and its worker is told to go on.
pub fn rotation_update(app: App, scope: &ScopeId, key_id: &str, u: &RotateUpdate) {
    let Some(i) = app.bulk_run.with_untracked(|r| {
        r.as_ref()
            .and_then(|r| r.find(scope, key_id).filter(|i| r.awaits(*i)))
    }) else {
        return;
    };
    let fk = RowKey::new(scope.clone(), key_id).key();
    let waiter = app.bulk_rt.with_value(|rt| rt.waiters.get(&fk).cloned());
    apply_next(app, i, next_after(u), waiter.as_deref());
}
