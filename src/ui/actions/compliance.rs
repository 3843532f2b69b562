//! The rotation policy, the compliance picture's cell filter, the exports and the fixes offered
//! from a finding (docs/compliance.md).

use leptos::prelude::*;

use super::super::dom;
use super::super::state::{App, NoticeKind};
use super::settings;
use crate::aws::limiter::seconds;
use crate::console::charts;
use crate::console::export;
use crate::console::fleet::RowKey;
use crate::console::policy::Policy;
use crate::console::rotation::AutoSetting;
use crate::console::scope::ScopeId;

/// sessionStorage key of the policy: the tab's, never with the credentials.
const POLICY_KEY: &str = "keyturn.policy";

/// The policy this tab kept, if any (at start).
pub fn restore_policy(app: App) {
    if let Some(p) = dom::session_get(POLICY_KEY).and_then(|t| Policy::from_json(&t)) {
        app.policy.set(p);
    }
}

/// Change the policy and keep it for the tab.
pub fn set_policy(app: App, change: impl FnOnce(&mut Policy)) {
    let mut p = app.policy.get_untracked();
    change(&mut p);
    if app.policy.with_untracked(|old| *old != p) {
        dom::session_set(POLICY_KEY, &p.to_json());
        app.policy.set(p);
    }
}

/// Back to the defaults (docs/compliance.md §2).
pub fn reset_policy(app: App) {
    dom::session_remove(POLICY_KEY);
    app.policy.set(Policy::default());
}

/// A cell of the compliance picture: only that scope's keys (again: every scope).
pub fn toggle_scope_filter(app: App, scope: ScopeId) {
    app.filter.update(|f| {
        f.scope = if f.scope.as_ref() == Some(&scope) {
            None
        } else {
            Some(scope)
        };
    });
}

/// Which export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Csv,
    Json,
    Report,
}

/// Make the export from what the page holds and offer it as a download.
pub fn download(app: App, which: Export) {
    let now = seconds(dom::now());
    let policy = app.policy.get_untracked();
    let (name, mime, text) = app.verdicts.with_untracked(|v| {
        app.fleet.with_untracked(|f| match which {
            Export::Csv => (
                export::file_name("inventory", now, "csv"),
                "text/csv;charset=utf-8",
                export::csv(f, v),
            ),
            Export::Json => (
                export::file_name("inventory", now, "json"),
                "application/json",
                export::json(f, v, &policy, now),
            ),
            Export::Report => {
                let s = app.summary.get_untracked();
                let pictures = charts::all(f, v, &s, &policy, now);
                (
                    export::file_name("report", now, "html"),
                    "text/html;charset=utf-8",
                    export::report(f, v, &s, &policy, &pictures, now),
                )
            }
        })
    });
    if !dom::download(&name, mime, &text) {
        app.notify(
            NoticeKind::Warning,
            "The browser did not start the download: allow downloads for this page and try again.",
        );
    }
}

/// "Enable automatic rotation every N days" from a finding, once confirmed: the verdict updates
/// when KMS's status comes back (`save_rotation_settings` writes it into the fleet).
pub fn enable_from_finding(app: App, key: RowKey, period_days: u32, saving: RwSignal<bool>) {
    let setting = AutoSetting {
        enabled: true,
        period_days,
    };
    settings::save_rotation_settings(app, key, setting, saving, move |s| {
        if s.key_rotation_enabled {
            app.notify(
                NoticeKind::Success,
                format!("Automatic rotation is on, every {period_days} days."),
            );
        }
    });
}
