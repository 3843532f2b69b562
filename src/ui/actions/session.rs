//! Connect, disconnect, and the end of a session (expired or rejected credentials).

use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::state::{AccountAccess, App, NoticeKind, UiError};
use super::super::{dom, persist};
use super::{navigate, rotate, scopes};
use crate::aws::credentials::Credentials;
use crate::aws::endpoint::EndpointConfig;
use crate::aws::error::{AwsError, ErrorCode, ErrorKind};
use crate::console::filter::Filter;
use crate::console::fleet::Fleet;
use crate::console::session::{ends_session, Connection, Session};

/// Check the credentials with STS GetCallerIdentity, then open the console on the connected
/// account in the chosen Region.
pub fn connect(app: App, creds: Credentials, endpoint: EndpointConfig, remember: bool) {
    abort_requests(app);
    app.connection.set(Connection::Connecting);
    let creds = Rc::new(creds);
    let root = app.transport.get_value();
    let client = app.logged_client(&root, Rc::clone(&creds), endpoint.clone(), None);
    spawn_local(async move {
        let result = client.caller_identity().await;
        // Disconnected (or another connect) in the meantime: drop the answer.
        if !app
            .connection
            .with_untracked(|c| matches!(c, Connection::Connecting))
        {
            return;
        }
        match result {
            Ok(identity) => {
                if creds.is_expired(client.now()) {
                    // STS accepted them, but their own expiry has passed: they will stop
                    // working any second, so do not start.
                    persist::forget();
                    app.connection.set(Connection::Disconnected);
                    app.show_error_text(
                        "These credentials have expired (their expiry time has passed). Get new \
                         credentials, for example with aws sts assume-role, and connect again.",
                    );
                    return;
                }
                let mut remember_note = None;
                if remember {
                    remember_note = match persist::remember(&creds, &endpoint) {
                        Ok(()) => None,
                        Err(persist::NotRemembered::NoExpiry) => Some(
                            "These are long-term credentials (no expiry), so keyturn does not \
                             remember them: the browser could restore them with the tab later. \
                             You are connected; a reload will ask for credentials again. Use \
                             temporary credentials (aws sts get-session-token or assume-role) \
                             to be remembered in this tab.",
                        ),
                        Err(persist::NotRemembered::Refused) => Some(
                            "This browser did not allow keyturn to remember the session in this \
                             tab (sessionStorage is unavailable). You are connected; a reload \
                             will ask for the credentials again.",
                        ),
                    };
                } else {
                    persist::forget();
                }
                let account = identity.account.clone();
                let session = Session::new(identity, endpoint, creds.expiration());
                app.credentials.set_value(Some(Rc::clone(&creds)));
                app.accounts.update_value(|m| {
                    m.clear();
                    m.insert(
                        account,
                        AccountAccess {
                            credentials: creds,
                            role: None,
                        },
                    );
                });
                app.connection.set(Connection::Connected(Box::new(session)));
                app.dismiss_error();
                if let Some(note) = remember_note {
                    app.notify(NoticeKind::Warning, note);
                }
                app.now.set(dom::now());
                dom::scroll_to_top();
                after_connect(app);
            }
            Err(err) => {
                persist::forget();
                app.connection.set(Connection::Disconnected);
                report(app, &err);
            }
        }
    });
}

/// Rotations recorded before a reload come first; then the connected account's scope in the
/// chosen Region (or the Region and account the URL names) loads, and the URL's key opens.
fn after_connect(app: App) {
    rotate::reconcile_recorded(app);
    let Some(home) = app.home_scope() else {
        return;
    };
    scopes::start_home(app, home);
    navigate::follow_url(app);
}

/// Cancel every scope's loads and the session's own requests.
pub fn abort_requests(app: App) {
    app.transport.with_value(|t| t.abort_all());
    app.runtimes
        .with_value(|m| m.values().for_each(|rt| rt.cancel()));
}

/// The session is over: stop every rotation's requests. Locks of rotations that are still
/// recorded (not settled) stay held, so no other tab can rotate those keys meanwhile; the next
/// connection reconciles them (actions/rotate.rs).
fn end_rotations(app: App) {
    app.rotation_gen.with_value(|g| {
        g.bump();
    });
    app.rotation_transport.with_value(|t| t.abort_all());
    let keep = rotate::recorded_lock_names();
    app.locks
        .update_value(|m| m.retain(|name, _| keep.contains(name)));
    app.flows.set(HashMap::new());
    app.dialog.set(None);
}

/// Forget every scope, its clients and what was shown.
fn forget_scopes(app: App) {
    app.runtimes.set_value(HashMap::new());
    app.accounts.set_value(HashMap::new());
    app.limiters.set_value(HashMap::new());
    app.fleet.set(Fleet::default());
    app.last_use.set(HashMap::new());
    app.selected.set(None);
    app.scopes_open.set(false);
    app.scopes_message.set(None);
}

/// Credentials expired or were rejected: cancel everything, forget them, and go back to the
/// connect form with `reason`.
pub fn end_session(app: App, reason: String) {
    abort_requests(app);
    end_rotations(app);
    forget_scopes(app);
    app.credentials.set_value(None);
    persist::forget();
    app.connection.update(|c| c.end(reason));
    dom::scroll_to_top();
    // The old session's requests (account, key ids, access key id) go with it, as on
    // Disconnect.
    app.clear_log();
}

/// The user pressed Disconnect: forget the credentials everywhere.
pub fn disconnect(app: App) {
    abort_requests(app);
    end_rotations(app);
    forget_scopes(app);
    app.filter.set(Filter::default());
    app.credentials.set_value(None);
    persist::forget();
    app.connection.update(|c| c.disconnect());
    dom::scroll_to_top();
    app.clear_log();
    app.dismiss_error();
    app.notice.set(None);
}

/// The page's one-second tick: the clock, the session's expiry, and role sessions due for
/// renewal.
pub fn tick(app: App) {
    let now = dom::now();
    app.now.set(now);
    let expired = app
        .connection
        .with_untracked(|c| c.session().is_some_and(|s| s.is_expired(now)));
    if expired {
        let mut reason = String::new();
        app.connection.update_untracked(|c| {
            let mut probe = c.clone();
            probe.check_expiry(now);
            reason = probe.reason().unwrap_or_default().to_string();
        });
        end_session(app, reason);
        return;
    }
    scopes::refresh_due_roles(app, now);
}

/// Show an AWS error in the banner (code, request id, and a sentence with the next step).
/// Errors that mean the credentials stopped working end the session instead: back to connect
/// with the reason. Cancelled requests are not errors.
pub fn report(app: App, err: &AwsError) {
    report_sentence(app, err.user_message(), err);
}

/// Show a sentence (already written for a person) with the AWS code and request id of the
/// error behind it; session-ending errors go back to connect.
pub fn report_sentence(app: App, sentence: String, err: &AwsError) {
    if matches!(err.kind, ErrorKind::Aborted) {
        return;
    }
    let ui = UiError {
        id: app.fresh_id(),
        sentence,
        code: err.code().map(ErrorCode::to_string),
        request_id: err.request_id().map(str::to_string),
        status: err.status(),
    };
    if app.connection.with_untracked(|c| c.is_connected()) && ends_session(err) {
        end_session(app, ui.sentence.clone());
    }
    app.show_error(ui);
}
