//! Where the console looks: one line per scope (account, Region, progress or the error that
//! stopped it), and the editor that chooses accounts and Regions.

use leptos::prelude::*;

use crate::console::fleet::Fleet;
use crate::console::scope::DEFAULT_ROLE_NAME;
use crate::ui::actions::scopes;
use crate::ui::state::use_app;

#[component]
pub fn Scopes() -> impl IntoView {
    let app = use_app();
    let rows = Memo::new(move |_| {
        app.fleet.with(|f: &Fleet| {
            f.scopes()
                .iter()
                .map(|e| {
                    (
                        e.id.account.clone(),
                        e.account_name.clone(),
                        e.id.region.clone(),
                        e.state(),
                        e.status_text(),
                        e.error().and_then(|er| er.code().map(|c| c.to_string())),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let open = app.scopes_open;
    view! {
        <section class="card scopes" aria-labelledby="scopes-title">
            <div class="card-head">
                <h2 id="scopes-title">"Scopes"</h2>
                <span class="spacer"></span>
                <button
                    type="button"
                    class="btn small"
                    data-testid="scopes"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Close" } else { "Choose accounts and Regions" }}
                </button>
            </div>
            <ul class="scope-list" data-testid="scope-status">
                <For
                    each=move || rows.get()
                    key=|r| (r.0.clone(), r.2.clone(), r.3, r.4.clone())
                    children=move |(account, name, region, state, text, code)| {
                        let label = match &name {
                            Some(n) => format!("{account} ({n})"),
                            None => account.clone(),
                        };
                        let (account_attr, region_attr) = (account.clone(), region.clone());
                        let class = match state {
                            "failed" => "scope-row failed",
                            "done" => "scope-row done",
                            _ => "scope-row",
                        };
                        view! {
                            <li
                                class=class
                                data-testid="scope-status-row"
                                data-account=account_attr
                                data-region=region_attr
                                data-state=state
                            >
                                <span class="mono">{label}</span>
                                " \u{b7} "
                                <span class="mono">{region}</span>
                                " \u{b7} "
                                {code.map(|c| view! { <span class="code-tag">{c}</span> " " })}
                                <span class=if state == "failed" { "danger-text" } else { "muted" }>{text}</span>
                            </li>
                        }
                    }
                />
            </ul>
            <Show when=move || open.get()>
                <ScopeEditor/>
            </Show>
        </section>
    }
}

#[component]
fn ScopeEditor() -> impl IntoView {
    let app = use_app();
    let (partition, regions) = scopes::offered_regions(app);
    let listing = RwSignal::new(false);
    let req = app.scope_request;
    let checked = move |r: &'static str| move || req.with(|q| q.regions.iter().any(|x| x == r));
    let toggle = move |r: &'static str, on: bool| {
        req.update(|q| {
            q.regions.retain(|x| x != r);
            if on {
                q.regions.push(r.to_string());
            }
        })
    };
    let all = regions.clone();
    view! {
        <div class="scope-editor">
            <fieldset class="scope-regions">
                <legend>{format!("Regions ({partition})")}</legend>
                <div class="region-grid">
                    {regions
                        .iter()
                        .map(|r| {
                            let r: &'static str = r;
                            view! {
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        data-testid="scope-region"
                                        data-region=r
                                        prop:checked=checked(r)
                                        on:change=move |ev| toggle(r, event_target_checked(&ev))
                                    />
                                    <span class="mono">{r}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
                <button
                    type="button"
                    class="link-button"
                    data-testid="scope-all-regions"
                    on:click=move |_| req.update(|q| q.regions = all.iter().map(|r| r.to_string()).collect())
                >
                    {format!("All Regions of {partition}")}
                </button>
            </fieldset>
            <div class="scope-accounts">
                <label for="scope-accounts">"Other accounts: role ARNs, or 12-digit account ids (one per line)"</label>
                <textarea
                    id="scope-accounts"
                    data-testid="scope-accounts"
                    rows="5"
                    spellcheck="false"
                    autocomplete="off"
                    placeholder="210987654321\narn:aws:iam::345678901234:role/Audit"
                    prop:value=move || req.with(|q| q.accounts_text.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        req.update(|q| q.accounts_text = v)
                    }
                ></textarea>
                <div class="row">
                    <label>
                        "Role name for account ids "
                        <input
                            type="text"
                            data-testid="scope-role-name"
                            spellcheck="false"
                            autocomplete="off"
                            placeholder=DEFAULT_ROLE_NAME
                            prop:value=move || req.with(|q| q.role_name.clone())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                req.update(|q| q.role_name = v)
                            }
                        />
                    </label>
                    <label>
                        "External id (if the roles ask for one) "
                        <input
                            type="text"
                            data-testid="scope-external-id"
                            spellcheck="false"
                            autocomplete="off"
                            prop:value=move || req.with(|q| q.external_id.clone())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                req.update(|q| q.external_id = v)
                            }
                        />
                    </label>
                </div>
                <p class="hint">
                    "Each account is reached with STS AssumeRole from the pasted credentials (session name keyturn-<you>, one hour: role chaining allows no more). "
                    "The credentials are renewed before they expire and kept in memory only."
                </p>
            </div>
            {move || app.scopes_message.get().map(|m| view! {
                <p class="scope-message" role="alert" data-testid="scope-message">{m}</p>
            })}
            <div class="row">
                <button
                    type="button"
                    class="btn"
                    data-testid="org-list-accounts"
                    prop:disabled=move || listing.get()
                    on:click=move |_| scopes::list_org_accounts(app, listing)
                >
                    {move || if listing.get() { "Listing\u{2026}" } else { "List my organization's accounts" }}
                </button>
                <span class="spacer"></span>
                <button
                    type="button"
                    class="btn primary"
                    data-testid="scope-apply"
                    on:click=move |_| scopes::apply(app)
                >
                    "Apply"
                </button>
            </div>
        </div>
    }
}
