//! The page: connect form or console, the countdown tick, the URL fragment, and the actions that
//! change the connection (connect, switch region). Views only: the rules come from `console/`.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::connect::ConnectPage;
use super::dom;
use super::error_banner::Banners;
use super::header::Header;
use super::inventory::Workspace;
use super::persist;
use super::request_log::RequestLog;
use super::rotate_dialog::RotateDialog;
use super::rotations::{self, close_dialog};
use super::state::{App as AppState, NoticeKind};
use crate::aws::credentials::Credentials;
use crate::aws::endpoint::EndpointConfig;
use crate::console::arn::{parse_fragment, Route};
use crate::console::session::{Connection, Session};

/// Check the credentials with STS GetCallerIdentity, then open the console.
pub fn connect(app: AppState, creds: Credentials, endpoint: EndpointConfig, remember: bool) {
    app.abort_requests();
    app.connection.set(Connection::Connecting);
    let creds = Rc::new(creds);
    let client = app.logged_client(app.transport, Rc::clone(&creds), endpoint.clone());
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
                let session = Session::new(identity, endpoint, creds.expiration());
                app.credentials.set_value(Some(creds));
                app.client.set_value(Some(client));
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
                app.report(&err);
            }
        }
    });
}

/// Start the inventory of the session's region, and open the key the URL names (if it is in
/// this region) or switch to its region.
fn after_connect(app: AppState) {
    // Rotations sent from this tab before a reload or an ended session come first.
    rotations::reconcile_recorded(app);
    let route = parse_fragment(&dom::hash());
    let region = app.region().unwrap_or_default();
    match route {
        Route::Key { region: r, key_id } if r != region => {
            switch_region(app, r);
            super::inventory::select_key(app, Some(key_id), false);
        }
        Route::Key { key_id, .. } => {
            super::inventory::start(app);
            super::inventory::select_key(app, Some(key_id), false);
        }
        Route::Region { region: r } if r != region => switch_region(app, r),
        _ => {
            super::inventory::start(app);
            dom::set_hash(&Route::Region { region }.to_fragment(), false);
        }
    }
}

/// Switch region with the same credentials: cancel every load of the old region, make a new
/// client, reload the inventory.
pub fn switch_region(app: AppState, region: String) {
    let Some(creds) = app.credentials.get_value() else {
        return;
    };
    if app.region().as_deref() == Some(region.as_str()) {
        return;
    }
    let mut endpoint = match app
        .connection
        .with_untracked(|c| c.session().map(|s| s.endpoint.clone()))
    {
        Some(e) => e,
        None => return,
    };
    endpoint.region = region.clone();
    if let Err(e) = crate::aws::endpoint::resolve(crate::aws::endpoint::Service::Kms, &endpoint) {
        app.show_error_text(e.to_string());
        return;
    }
    app.abort_requests();
    app.clear_console();
    let offset = app.client().map(|c| c.clock_offset_ms()).unwrap_or(0);
    let client = app.logged_client(app.transport, creds, endpoint);
    client.set_clock_offset_ms(offset);
    app.client.set_value(Some(client));
    app.connection.update(|c| {
        if let Some(s) = c.session_mut() {
            s.switch_region(&region);
        }
    });
    persist::update_region(&region);
    dom::set_hash(&Route::Region { region }.to_fragment(), true);
    super::inventory::start(app);
}

/// React to the address bar (Back/Forward, an edited or pasted link) while connected.
fn on_route_change(app: AppState) {
    if !app.connection.with_untracked(Connection::is_connected) {
        return;
    }
    let route = parse_fragment(&dom::hash());
    let current = app.region().unwrap_or_default();
    if let Some(r) = route.region() {
        if r != current {
            let key = route.key_id().map(str::to_string);
            switch_region(app, r.to_string());
            if key.is_some() {
                super::inventory::select_key(app, key, false);
            }
            return;
        }
    }
    super::inventory::select_key(app, route.key_id().map(str::to_string), false);
}

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();

    // The countdown and expiry check.
    let tick = set_interval_with_handle(
        move || {
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
                app.end_session(reason);
            }
        },
        Duration::from_secs(1),
    );
    if let Ok(handle) = tick {
        on_cleanup(move || handle.clear());
    }

    let hash_listener =
        window_event_listener(leptos::ev::hashchange, move |_| on_route_change(app));
    let pop_listener = window_event_listener(leptos::ev::popstate, move |_| on_route_change(app));
    // Escape closes the dialog if one is open, else the key panel.
    let key_listener = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Escape" {
            return;
        }
        if app.dialog.with_untracked(Option::is_some) {
            ev.prevent_default();
            close_dialog(app);
        } else if app.selected.with_untracked(Option::is_some) {
            ev.prevent_default();
            super::inventory::select_key(app, None, true);
        }
    });
    // Leaving the page while a rotation's outcome is being checked: the browser asks first
    // (the record in sessionStorage survives a reload, not a closed tab).
    let unload_listener = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if rotations::unresolved(app) > 0 {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || {
        hash_listener.remove();
        pop_listener.remove();
        key_listener.remove();
        unload_listener.remove();
    });

    // Rotations this tab sent and has not settled keep their keys locked across a reload.
    rotations::hold_recorded_locks(app);

    // "Remember in this tab": reconnect from sessionStorage after a reload.
    if let Some((creds, endpoint)) = persist::recall() {
        connect(app, creds, endpoint, true);
    }

    let connected = Memo::new(move |_| app.connection.with(Connection::is_connected));

    view! {
        <Show
            when=move || connected.get()
            fallback=move || {
                // The form starts in the region of the URL (a shared link, or the session that
                // just ended), else us-east-1.
                let region = parse_fragment(&dom::hash())
                    .region()
                    .map(str::to_string)
                    .unwrap_or_else(|| "us-east-1".to_string());
                view! {
                    <Banners app=app/>
                    <ConnectPage app=app initial_region=region/>
                    <Show when=move || app.log.with(|l| !l.is_empty())>
                        <RequestLog app=app/>
                    </Show>
                }
            }
        >
            <Header app=app/>
            <Banners app=app/>
            <Workspace app=app/>
            <RequestLog app=app/>
            <footer class="footer">
                "keyturn signs every request in this page. The request log never shows the secret key or session token."
            </footer>
        </Show>
        <RotateDialog app=app/>
    }
}
