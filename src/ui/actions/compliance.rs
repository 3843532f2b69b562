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
use crate::console::policy::{Policy, Summary, Verdicts};
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

/// sessionStorage key of whether the policy and pictures are shown.
const OPEN_KEY: &str = "keyturn.compliance-open";

/// Whether the policy and pictures start shown: as the user last left them in this tab, else
/// shown on a wide screen and folded on a phone, where the table comes first.
pub fn pictures_open_initially() -> bool {
    match dom::session_get(OPEN_KEY).as_deref() {
        Some("1") => true,
        Some("0") => false,
        _ => dom::viewport_width().is_none_or(|w| w > 760.0),
    }
}

/// Show or fold the policy and pictures, and remember it for the tab.
pub fn set_pictures_open(open: RwSignal<bool>, on: bool) {
    dom::session_set(OPEN_KEY, if on { "1" } else { "0" });
    open.set(on);
}

/// Lift the scope filter (the toolbar's chip).
pub fn clear_scope_filter(app: App) {
    app.filter.update(|f| f.scope = None);
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
    let (name, mime, text) = app.fleet.with_untracked(|f| {
        // Judged at the export's own time (the page's verdicts may be up to an hour old:
        // docs/compliance.md §4), so every age matches `GeneratedAt`.
        let v = &Verdicts::of(f, &policy, now);
        match which {
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
                let s = Summary::of(f, v);
                let pictures = charts::all(f, v, &s, &policy, now);
                (
                    export::file_name("report", now, "html"),
                    "text/html;charset=utf-8",
                    export::report(f, v, &s, &policy, &pictures, now),
                )
            }
        }
    });
    save_file(app, &name, mime, &text);
}

/// Start a download made in the page (the bulk results use it too); say so if the browser
/// refuses.
pub fn save_file(app: App, name: &str, mime: &str, text: &str) {
    if !dom::download(name, mime, text) {
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
