//! The top bar once connected: who (account, ARN), until when (live countdown), where (region
//! switch), and Disconnect.

use leptos::prelude::*;

use super::widgets::RegionSelect;
use crate::console::session::{expiry, expiry_text, Expiry};
use crate::ui::actions::{rotate, scopes, session};
use crate::ui::fmt::local_date_time;
use crate::ui::state::use_app;

#[component]
pub fn Header() -> impl IntoView {
    let app = use_app();
    let session = move || app.connection.with(|c| c.session().cloned());
    let account = move || session().map(|s| s.identity.account).unwrap_or_default();
    let arn = move || session().map(|s| s.identity.arn).unwrap_or_default();
    let expiration = Memo::new(move |_| session().and_then(|s| s.expiration));
    let endpoint_url = Memo::new(move |_| session().and_then(|s| s.endpoint.custom_url));

    // The select follows the session's region; picking one switches without new credentials.
    let region = RwSignal::new(app.home_scope().map(|s| s.region).unwrap_or_default());
    Effect::new(move |_| {
        if let Some(r) = app
            .connection
            .with(|c| c.session().map(|s| s.region().to_string()))
        {
            region.set(r);
        }
    });

    let expiry_class = move || match expiry(expiration.get(), app.now.get()) {
        Expiry::Soon(_) => "expiry soon",
        Expiry::Expired => "expiry expired",
        _ => "expiry",
    };
    let expiry_title = move || match expiration.get() {
        Some(t) => format!("The credentials expire at {}", local_date_time(t)),
        None => "The pasted credentials carry no expiry time".to_string(),
    };

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"k"</span>
                <span>"keyturn"</span>
            </div>
            <div class="identity" data-testid="identity" aria-label="Connected identity">
                <span class="account">"Account " {account}</span>
                <span class="arn mono" title=arn>{arn}</span>
            </div>
            <div class="topbar-controls">
                <div class="region-switch">
                    <label for="region-switch">"Region"</label>
                    <RegionSelect
                        value=region
                        id="region-switch"
                        on_pick=Callback::new(move |r: String| scopes::switch_region(app, r))
                    />
                </div>
                {move || {
                    endpoint_url
                        .get()
                        .map(|u| {
                            view! {
                                <span class="endpoint-tag mono" title="Custom endpoint URL">
                                    {u}
                                </span>
                            }
                        })
                }}
                <span
                    class=expiry_class
                    data-testid="credentials-expiry"
                    title=expiry_title
                    role="timer"
                    aria-live="off"
                >
                    {move || expiry_text(expiration.get(), app.now.get())}
                </span>
                <button
                    type="button"
                    class="btn small"
                    data-testid="disconnect"
                    on:click=move |_| {
                        let open = rotate::unresolved(app);
                        let ask = format!(
                            "{open} rotation{} sent from this tab {} not settled yet (its outcome \
                             is still being checked). Disconnect anyway? keyturn keeps a note \
                             (key, region, time sent; no credential) in this tab and checks it \
                             first when you connect to this account again.",
                            if open == 1 { "" } else { "s" },
                            if open == 1 { "is" } else { "are" },
                        );
                        if open == 0 || crate::ui::dom::confirm(&ask) {
                            session::disconnect(app);
                        }
                    }
                >
                    "Disconnect"
                </button>
            </div>
        </header>
    }
}
