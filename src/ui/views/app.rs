//! The page: the connect form or the console, and the page-wide listeners (the one-second
//! tick, the URL, Escape, leaving the page). It provides the state by context.

use std::time::Duration;

use leptos::prelude::*;

use super::bulk::BulkPanel;
use super::compliance::ComplianceCard;
use super::connect::ConnectPage;
use super::error_banner::{Banners, NoticeLine};
use super::header::Header;
use super::inventory::Workspace;
use super::request_log::RequestLog;
use super::rotate_dialog::RotateDialog;
use super::scopes::Scopes;
use crate::console::arn::parse_fragment;
use crate::console::session::Connection;
use crate::ui::actions::{bulk, compliance, navigate, rotate, session};
use crate::ui::state::App as AppState;
use crate::ui::{dom, persist};

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    provide_context(app);

    // The countdown, the expiry check and role renewals.
    let tick = set_interval_with_handle(move || session::tick(app), Duration::from_secs(1));
    if let Ok(handle) = tick {
        on_cleanup(move || handle.clear());
    }

    let on_route = move || {
        if app.connection.with_untracked(Connection::is_connected) {
            navigate::on_route_change(app);
        }
    };
    let hash_listener = window_event_listener(leptos::ev::hashchange, move |_| on_route());
    let pop_listener = window_event_listener(leptos::ev::popstate, move |_| on_route());
    // Escape closes the dialog if one is open, else the key panel.
    let key_listener = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Escape" {
            return;
        }
        if app.dialog.with_untracked(Option::is_some) {
            ev.prevent_default();
            rotate::close_dialog(app);
        } else if app.selected.with_untracked(Option::is_some) {
            ev.prevent_default();
            navigate::select_key(app, None, true);
        }
    });
    // Leaving the page while a rotation's outcome is being checked: the browser asks first
    // (the record in sessionStorage survives a reload, not a closed tab).
    let unload_listener = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if rotate::unresolved(app) > 0 {
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

    compliance::restore_policy(app);

    // Rotations this tab sent and has not settled keep their keys locked across a reload.
    rotate::hold_recorded_locks(app);
    bulk::restore(app);

    // "Remember in this tab": reconnect from sessionStorage after a reload.
    if let Some((creds, endpoint)) = persist::recall() {
        session::connect(app, creds, endpoint, true);
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
                // The error shows beside the Connect button (ConnectPage), the notice on top.
                view! {
                    <div class="banners"><NoticeLine/></div>
                    <ConnectPage initial_region=region/>
                    <Show when=move || app.log.with(|l| !l.is_empty())>
                        <RequestLog/>
                    </Show>
                }
            }
        >
            <Header/>
            <Banners/>
            <Scopes/>
            <ComplianceCard/>
            <BulkPanel/>
            <Workspace/>
            <RequestLog/>
            <footer class="footer">
                "keyturn signs every request in this page. The request log never shows the secret key or session token."
            </footer>
        </Show>
        <RotateDialog/>
    }
}
