//! The connect form: paste (any format) or three fields, region by partition, Advanced endpoint
//! settings, "Remember in this tab".

use leptos::prelude::*;

use super::error_banner::ErrorBanner;
use super::widgets::RegionSelect;
use crate::aws::credentials::{parse_credentials, Credentials};
use crate::aws::endpoint::EndpointConfig;
use crate::console::session::Connection;
use crate::ui::actions::session::connect;
use crate::ui::dom;
use crate::ui::state::use_app;

/// What the form turns into: credentials and endpoint, or a sentence saying what to fix.
fn read_form(
    paste: &str,
    akid: &str,
    secret: &str,
    token: &str,
    endpoint: EndpointConfig,
) -> Result<(Credentials, EndpointConfig), String> {
    let creds = if !paste.trim().is_empty() {
        parse_credentials(paste).map_err(|e| e.to_string())?
    } else if akid.trim().is_empty() && secret.trim().is_empty() {
        return Err(
            "Paste your credentials, or fill in the access key ID and secret access key."
                .to_string(),
        );
    } else {
        let token = Some(token.trim().to_string()).filter(|t| !t.is_empty());
        Credentials::new(akid, secret, token, None).map_err(|e| e.to_string())?
    };
    use crate::aws::endpoint::{resolve, Service};
    resolve(Service::Kms, &endpoint).map_err(|e| e.to_string())?;
    resolve(Service::Sts, &endpoint).map_err(|e| format!("STS endpoint: {e}"))?;
    Ok((creds, endpoint))
}

/// A labelled endpoint URL input with its hint; `id` is also its test id.
#[component]
fn UrlField(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    hint: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="text"
                inputmode="url"
                data-testid=id
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                aria-describedby=hint_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p class="hint" id=hint_id>{hint}</p>
        </div>
    }
}

#[component]
pub fn ConnectPage(initial_region: String) -> impl IntoView {
    let app = use_app();
    // Form state lives here only: when the page goes away (connected) or is re-created
    // (disconnect), the typed secrets go with it.
    let paste = RwSignal::new(String::new());
    let akid = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let region = RwSignal::new(initial_region);
    let endpoint_url = RwSignal::new(String::new());
    let sts_url = RwSignal::new(String::new());
    let fips = RwSignal::new(false);
    let dual_stack = RwSignal::new(false);
    let remember = RwSignal::new(false);
    // The typed secrets go with the form: wiped from these signals when it is unmounted
    // (connected), not left for the allocator to hand out again.
    on_cleanup(move || {
        use zeroize::Zeroize;
        for field in [paste, secret, token] {
            field.try_update_untracked(|s| s.zeroize());
        }
    });

    let connecting =
        Memo::new(move |_| app.connection.with(|c| matches!(c, Connection::Connecting)));
    // Why the last session ended; not repeated when the error banner already says it.
    let reason = Memo::new(move |_| {
        let reason = app.connection.with(|c| c.reason().map(str::to_string))?;
        let in_banner = app
            .error
            .with(|e| e.as_ref().is_some_and(|e| e.sentence == reason));
        (!in_banner).then_some(reason)
    });

    // No <form> and no password inputs: a browser's password manager offers to save (and sync)
    // what a form with a password field submits, and an AWS secret key must never be captured.
    let submit = move || {
        if connecting.get_untracked() {
            return;
        }
        let endpoint = EndpointConfig {
            region: region.get_untracked(),
            fips: fips.get_untracked(),
            dual_stack: dual_stack.get_untracked(),
            custom_url: Some(endpoint_url.get_untracked().trim().to_string())
                .filter(|u| !u.is_empty()),
            sts_url: Some(sts_url.get_untracked().trim().to_string()).filter(|u| !u.is_empty()),
        };
        let read = read_form(
            &paste.get_untracked(),
            &akid.get_untracked(),
            &secret.get_untracked(),
            &token.get_untracked(),
            endpoint,
        );
        match read {
            Ok((creds, endpoint)) => {
                app.dismiss_error();
                connect(app, creds, endpoint, remember.get_untracked());
            }
            // Shown beside the Connect button.
            Err(sentence) => app.show_error_text(sentence),
        }
    };

    view! {
        <main class="connect-page" id="main">
            <section class="connect-card" aria-labelledby="connect-title">
                <header>
                    <div class="brand">
                        <span class="brand-mark" aria-hidden="true">"k"</span>
                        <h1 id="connect-title">"keyturn"</h1>
                    </div>
                    <p class="lede">
                        "Rotation status, quotas and on-demand rotation for your AWS KMS keys. "
                        "Requests are signed in this page and go straight to AWS."
                    </p>
                </header>
                {move || {
                    reason
                        .get()
                        .map(|r| {
                            view! {
                                <div class="banner warning connect-reason" data-testid="connect-reason" role="status">
                                    <div class="banner-body">
                                        <div class="banner-title">"The session ended"</div>
                                        <div>{r}</div>
                                    </div>
                                </div>
                            }
                        })
                }}
                <div
                    class="connect-form"
                    role="group"
                    aria-labelledby="connect-title"
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        // Enter in a one-line field connects, as a form would (not in the paste box).
                        if ev.key() == "Enter" && dom::event_target_tag(&ev).as_deref() == Some("INPUT") {
                            ev.prevent_default();
                            submit();
                        }
                    }
                >
                    <div class="field">
                        <label for="cred-paste">"Paste credentials"</label>
                        <textarea
                            id="cred-paste"
                            class="paste"
                            data-testid="credentials-paste"
                            spellcheck="false"
                            autocomplete="off"
                            aria-describedby="cred-paste-hint"
                            placeholder="{\"Credentials\": {\"AccessKeyId\": \"ASIA…\", …}}  or  export AWS_ACCESS_KEY_ID=…"
                            prop:value=move || paste.get()
                            on:input=move |ev| paste.set(event_target_value(&ev))
                        ></textarea>
                        <p class="hint" id="cred-paste-hint">
                            "Accepts the JSON of aws sts assume-role / get-session-token or aws configure export-credentials, "
                            "export AWS_…= lines, or a [profile] block."
                        </p>
                    </div>
                    <div class="or-sep">"or enter them separately"</div>
                    <div class="grid-2">
                        <div class="field">
                            <label for="akid">"Access key ID"</label>
                            <input
                                id="akid"
                                type="text"
                                data-testid="access-key-id"
                                autocomplete="off"
                                spellcheck="false"
                                prop:value=move || akid.get()
                                on:input=move |ev| akid.set(event_target_value(&ev))
                            />
                        </div>
                        <div class="field">
                            <label for="secret">"Secret access key"</label>
                            <input
                                id="secret"
                                type="text"
                                class="masked"
                                data-testid="secret-access-key"
                                autocomplete="off"
                                autocapitalize="off"
                                spellcheck="false"
                                data-1p-ignore="true"
                                data-lpignore="true"
                                prop:value=move || secret.get()
                                on:input=move |ev| secret.set(event_target_value(&ev))
                            />
                        </div>
                        <div class="field span-2">
                            <label for="token">"Session token " <span class="muted">"(for temporary credentials)"</span></label>
                            <input
                                id="token"
                                type="text"
                                class="masked"
                                data-testid="session-token"
                                autocomplete="off"
                                autocapitalize="off"
                                spellcheck="false"
                                data-1p-ignore="true"
                                data-lpignore="true"
                                prop:value=move || token.get()
                                on:input=move |ev| token.set(event_target_value(&ev))
                            />
                        </div>
                    </div>
                    <div class="field">
                        <label for="region">"Region"</label>
                        <RegionSelect
                            value=region
                            id="region"
                            on_pick=Callback::new(move |r: String| region.set(r))
                        />
                    </div>
                    <details class="advanced" prop:open=move || !endpoint_url.get_untracked().is_empty()>
                        <summary data-testid="advanced">"Advanced"</summary>
                        <div class="advanced-body">
                            <UrlField
                                id="endpoint-url"
                                label="Endpoint URL"
                                placeholder="https://kms.us-east-1.amazonaws.com"
                                hint="Like the CLI's --endpoint-url: used for KMS (and for STS unless set below), signed for the region above."
                                value=endpoint_url
                            />
                            <UrlField
                                id="sts-endpoint-url"
                                label="STS endpoint URL (optional)"
                                placeholder="https://sts.us-east-1.amazonaws.com"
                                hint="Where \u{201c}who am I\u{201d} (GetCallerIdentity) goes. Leave it empty when the endpoint above answers STS too, as a local peer does; a KMS VPC endpoint does not."
                                value=sts_url
                            />
                            <div class="inline-checks">
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        data-testid="fips"
                                        prop:checked=move || fips.get()
                                        on:change=move |ev| fips.set(event_target_checked(&ev))
                                    />
                                    "FIPS endpoint"
                                </label>
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        data-testid="dual-stack"
                                        prop:checked=move || dual_stack.get()
                                        on:change=move |ev| dual_stack.set(event_target_checked(&ev))
                                    />
                                    "Dual-stack (IPv6) endpoint"
                                </label>
                            </div>
                        </div>
                    </details>
                    <ErrorBanner/>
                    <div class="connect-actions">
                        <label class="check">
                            <input
                                type="checkbox"
                                data-testid="remember-in-tab"
                                aria-describedby="remember-hint"
                                prop:checked=move || remember.get()
                                on:change=move |ev| remember.set(event_target_checked(&ev))
                            />
                            "Remember in this tab"
                        </label>
                        <button
                            type="button"
                            class="btn primary"
                            data-testid="connect"
                            prop:disabled=move || connecting.get()
                            on:click=move |_| submit()
                        >
                            {move || if connecting.get() { "Connecting\u{2026}" } else { "Connect" }}
                        </button>
                    </div>
                    <p class="hint" id="remember-hint">
                        "Off: the credentials live only in this page's memory and are gone on reload. "
                        "On: temporary credentials (those with an expiry) are kept in this tab's sessionStorage "
                        "so that a reload reconnects, until you disconnect or they expire. The browser may "
                        "restore sessionStorage when it restores or duplicates the tab. Long-term access keys "
                        "(AKIA\u{2026}, no expiry) are never kept."
                    </p>
                </div>
                <p class="privacy-note">
                    "keyturn has no server: credentials are never sent anywhere but the AWS endpoint, "
                    "and never written to localStorage, cookies or the URL."
                </p>
            </section>
        </main>
    }
}
