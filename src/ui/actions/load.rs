//! Loading: a scope's whole inventory, a reload, the keys whose reads failed, one key.
//! Events are folded into the fleet in batches; events of a cancelled load (its scope's
//! generation moved on) are dropped by `Fleet::apply_load`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::state::App;
use super::{navigate, session};
use crate::aws::error::{AwsError, ErrorCode};
use crate::console::fleet::RowKey;
use crate::console::inventory::{
    load_inventory, load_key_details, InventoryEvent, LoadConfig, LoadOutcome,
};
use crate::console::scope::ScopeId;
use crate::console::session::{ends_session, CancelToken};

/// How often loader events are folded into the view: one re-render per batch instead of one
/// per answer keeps a 1,000-key load smooth.
const FLUSH_EVERY: Duration = Duration::from_millis(150);

/// Collects one load's events and applies them to its scope in batches.
struct Batcher {
    app: App,
    scope: ScopeId,
    token: CancelToken,
    buffer: RefCell<Vec<InventoryEvent>>,
    scheduled: Cell<bool>,
    /// Single-key refreshes must not mark the whole inventory finished.
    partial: bool,
}

impl Batcher {
    fn new(app: App, scope: ScopeId, token: CancelToken, partial: bool) -> Rc<Self> {
        Rc::new(Batcher {
            app,
            scope,
            token,
            buffer: RefCell::new(Vec::new()),
            scheduled: Cell::new(false),
            partial,
        })
    }

    fn push(self: &Rc<Self>, ev: InventoryEvent) {
        if self.partial && matches!(ev, InventoryEvent::Finished | InventoryEvent::Stopped(_)) {
            return;
        }
        self.buffer.borrow_mut().push(ev);
        if !self.scheduled.get() {
            self.scheduled.set(true);
            let me = Rc::clone(self);
            set_timeout(move || me.flush(), FLUSH_EVERY);
        }
    }

    fn flush(&self) {
        self.scheduled.set(false);
        let events = std::mem::take(&mut *self.buffer.borrow_mut());
        if events.is_empty() || self.token.is_cancelled() {
            return;
        }
        self.app
            .fleet
            .update(|f| f.apply_load(&self.scope, &self.token, events));
    }
}

/// (Re)load `scope`: cancel its loads, forget its keys, list and read them again.
pub fn load_scope(app: App, scope: ScopeId) {
    let restarted = app.runtimes.with_value(|m| {
        m.get(&scope).map(|rt| {
            rt.generation.bump();
            (
                Rc::clone(&rt.client),
                rt.generation.token(),
                rt.priority.clone(),
            )
        })
    });
    let Some((client, token, priority)) = restarted else {
        return;
    };
    let config = LoadConfig {
        priority,
        ..LoadConfig::default()
    };
    app.fleet.update(|f| f.restart(&scope));
    let batcher = Batcher::new(app, scope.clone(), token.clone(), false);
    spawn_local(async move {
        let sink = Rc::clone(&batcher);
        let outcome = load_inventory(&client, &token, &config, move |ev| sink.push(ev)).await;
        batcher.flush();
        if let LoadOutcome::Failed(e) = outcome {
            report_scope_failure(app, &e);
        }
    });
}

/// A scope's failure is shown on the scope; the banner says it too when it is the only scope,
/// and a session-ending error ends the session.
fn report_scope_failure(app: App, e: &AwsError) {
    if ends_session(e) || !app.fleet.with_untracked(|f| f.is_multi()) {
        session::report(app, e);
    }
}

/// The rows on screen: each scope's loads read these keys first.
pub fn prioritize(app: App, keys: &[RowKey]) {
    app.runtimes.with_value(|m| {
        for (scope, rt) in m {
            rt.priority.set(
                keys.iter()
                    .filter(|k| &k.scope == scope)
                    .map(|k| k.key_id.clone()),
            );
        }
    });
}

/// Reload every scope.
pub fn reload_all(app: App) {
    let scopes: Vec<ScopeId> = app
        .fleet
        .with_untracked(|f| f.scopes().iter().map(|e| e.id.clone()).collect());
    for s in scopes {
        load_scope(app, s);
    }
}

/// Read again every key whose reads failed, scope by scope. `busy` is true while it runs.
pub fn retry_failed(app: App, busy: RwSignal<bool>) {
    let work: Vec<(ScopeId, Vec<String>)> = app.fleet.with_untracked(|f| {
        f.scopes()
            .iter()
            .map(|e| (e.id.clone(), e.inventory.failed_key_ids()))
            .filter(|(_, ids)| !ids.is_empty())
            .collect()
    });
    if work.is_empty() {
        return;
    }
    busy.set(true);
    let left = Rc::new(Cell::new(work.len()));
    for (scope, ids) in work {
        let Some((client, token)) = app.scope_client(&scope) else {
            left.set(left.get() - 1);
            continue;
        };
        let batcher = Batcher::new(app, scope, token.clone(), true);
        let left = Rc::clone(&left);
        spawn_local(async move {
            let sink = Rc::clone(&batcher);
            let outcome =
                load_key_details(&client, ids, &token, &LoadConfig::default(), move |ev| {
                    sink.push(ev)
                })
                .await;
            batcher.flush();
            left.set(left.get() - 1);
            if left.get() == 0 {
                busy.try_set(false);
            }
            if let LoadOutcome::Failed(e) = outcome {
                session::report(app, &e);
            }
        });
    }
    if left.get() == 0 {
        busy.set(false);
    }
}

/// Re-read one key's details (DescribeKey, rotation status, history) in its scope. A key that
/// does not exist is not added: its panel closes with the error.
pub fn refresh_key(app: App, key: RowKey) {
    let Some((client, token)) = app.scope_client(&key.scope) else {
        return;
    };
    let batcher = Batcher::new(app, key.scope.clone(), token.clone(), true);
    spawn_local(async move {
        let sink = Rc::clone(&batcher);
        let wanted = key.key_id.clone();
        let not_found: Rc<RefCell<Option<AwsError>>> = Rc::new(RefCell::new(None));
        let nf = Rc::clone(&not_found);
        let _ = load_key_details(
            &client,
            vec![key.key_id.clone()],
            &token,
            &LoadConfig::default(),
            move |ev| match ev {
                InventoryEvent::Described {
                    ref key_id,
                    result: Err(ref e),
                } if key_id == &wanted
                    && matches!(e.code(), Some(ErrorCode::NotFoundException)) =>
                {
                    *nf.borrow_mut() = Some(e.clone());
                }
                ev => sink.push(ev),
            },
        )
        .await;
        batcher.flush();
        let missing = not_found.borrow_mut().take();
        if let Some(e) = missing {
            if app.selected.get_untracked().as_ref() == Some(&key) {
                navigate::select_key(app, None, false);
            }
            session::report(app, &e);
        }
    });
}
