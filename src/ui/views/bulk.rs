//! The bulk bar (selection count, action, period, Plan), the plan (every selected key, the
//! counts, billing, the CLI script, the typed confirmation) and the run (progress, pause,
//! resume, cancel, every key's outcome, the summary per scope, retry and export). Renders
//! `App::selection`, `bulk_plan` and `bulk_run`; every change goes through `actions::bulk`.

use leptos::prelude::*;

use crate::console::bulk::plan::{Action, Decision, Plan};
use crate::console::bulk::run::{Run, RunCounts, RunState};
use crate::console::format::thousands;
use crate::ui::actions::bulk;
use crate::ui::state::use_app;

#[component]
pub fn BulkPanel() -> impl IntoView {
    let app = use_app();
    let action = RwSignal::new(Action::EnableAuto);
    let period = RwSignal::new("365".to_string());
    let message = RwSignal::new(None::<String>);
    let count = Memo::new(move |_| app.selection.with(|s| s.len()));
    let has_plan = Memo::new(move |_| app.bulk_plan.with(Option::is_some));
    let has_run = Memo::new(move |_| app.bulk_run.with(Option::is_some));
    let make = move || {
        message.set(bulk::make_plan(app, action.get_untracked(), &period.get_untracked()).err());
    };
    view! {
        <section class="card bulk" id="bulk-bar" data-testid="bulk-bar" aria-label="Bulk actions">
            <form
                class="bulk-bar"
                on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    make();
                }
            >
                <strong class="selection-count" data-testid="selection-count" aria-live="polite">
                    {move || format!("{} selected", thousands(count.get()))}
                </strong>
                <button
                    type="button"
                    class="btn small ghost"
                    data-testid="selection-clear"
                    disabled=move || count.get() == 0
                    on:click=move |_| bulk::clear_selection(app)
                >
                    "Clear"
                </button>
                <label class="field-inline">
                    <span>"Action"</span>
                    <select
                        data-testid="bulk-action"
                        on:change=move |ev| {
                            if let Some(a) = Action::parse(&event_target_value(&ev)) {
                                action.set(a);
                            }
                        }
                    >
                        {Action::ALL
                            .into_iter()
                            .map(|a| {
                                view! {
                                    <option value=a.as_str() selected=move || action.get() == a>
                                        {a.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="field-inline">
                    <span>"Period (days)"</span>
                    <input
                        type="text"
                        inputmode="numeric"
                        size="5"
                        autocomplete="off"
                        data-testid="bulk-period"
                        disabled=move || !action.get().needs_period()
                        prop:value=move || period.get()
                        on:input=move |ev| period.set(event_target_value(&ev))
                    />
                </label>
                <button
                    type="submit"
                    class="btn primary small"
                    data-testid="bulk-plan"
                    disabled=move || count.get() == 0
                >
                    "Plan"
                </button>
                {move || {
                    message
                        .get()
                        .map(|m| view! { <span class="danger-text" role="alert">{m}</span> })
                }}
            </form>
            <Show when=move || has_plan.get()>
                <PlanView/>
            </Show>
            <Show when=move || has_run.get()>
                <RunView/>
            </Show>
        </section>
    }
}

/// The plan on screen: what each selected key gets, the counts and the confirmation.
#[component]
fn PlanView() -> impl IntoView {
    let app = use_app();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let plan = Memo::new(move |_| app.bulk_plan.get());
    // A typed count confirms the plan it was typed for, never the next one.
    Effect::new(move |_| {
        plan.track();
        typed.set(String::new());
        error.set(None);
    });
    let with_plan = move |f: fn(&Plan) -> String| move || plan.with(|p| p.as_ref().map(f));
    let script = Memo::new(move |_| {
        plan.with(|p| p.as_ref().map(|p| bulk::script(app, p)))
            .unwrap_or_default()
    });
    let rows = Memo::new(move |_| plan.with(|p| p.as_ref().map_or(0, |p| p.rows.len())));
    let needs_count =
        Memo::new(move |_| plan.with(|p| p.as_ref().is_some_and(Plan::needs_typed_count)));
    let can_run = Memo::new(move |_| {
        plan.with(|p| {
            p.as_ref()
                .is_some_and(|p| p.sends() > 0 && p.confirmed_by(&typed.get()))
        })
    });
    let share = move || app.quota_share.get();
    view! {
        <div class="bulk-plan" id="bulk-plan-view" data-testid="bulk-plan-view" tabindex="-1">
            <div class="card-head">
                <h3>{with_plan(|p| format!("Plan: {}", p.request.describe()))}</h3>
                <span class="spacer"></span>
                <button type="button" class="btn small ghost" data-testid="bulk-plan-close" on:click=move |_| bulk::close_plan(app)>
                    "Close plan"
                </button>
            </div>
            <p data-testid="bulk-plan-summary">
                {with_plan(|p| {
                    format!(
                        "{} selected: {} to send ({} {}), {} skipped.",
                        thousands(p.rows.len()),
                        thousands(p.sends()),
                        thousands(p.sends()),
                        p.request.action.operation(),
                        thousands(p.skips())
                    )
                })}
                " "
                {move || {
                    plan.with(|p| {
                        p.as_ref().map(|p| {
                            let op = p.request.action.operation();
                            let rate = crate::aws::limiter::published_quota(op);
                            format!(
                                "{op} is limited to {rate} requests per second per account and \
                                 Region; at keyturn's share ({:.0} %), the sends take at least \
                                 {:.1} s.",
                                share() * 100.0,
                                p.min_seconds(share())
                            )
                        })
                    })
                }}
            </p>
            {move || {
                plan.with(|p| {
                    let p = p.as_ref()?;
                    (p.request.action == Action::RotateNow).then(|| {
                        view! {
                            <p data-testid="bulk-plan-rotations">
                                {format!(
                                    "On-demand rotations used: {} (one from each key's 25).",
                                    thousands(p.rotations_consumed())
                                )}
                            </p>
                        }
                    })
                })
            }}
            {move || {
                plan.with(|p| p.as_ref().and_then(Plan::billing_note))
                    .map(|n| view! { <p class="warn-text" data-testid="bulk-plan-billing">{n}</p> })
            }}
            <table class="bulk-scopes" data-testid="bulk-plan-scopes">
                <thead>
                    <tr>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Region"</th>
                        <th scope="col" class="num">"Requests"</th>
                        <th scope="col" class="num">"Skipped"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        plan.with(|p| {
                            p.as_ref()
                                .map(|p| p.per_scope())
                                .unwrap_or_default()
                                .into_iter()
                                .map(|l| {
                                    view! {
                                        <tr data-testid="bulk-plan-scope" data-account=l.scope.account.clone() data-region=l.scope.region.clone()>
                                            <td class="mono">{l.scope.account.clone()}</td>
                                            <td class="mono">{l.scope.region.clone()}</td>
                                            <td class="num">{thousands(l.sends)}</td>
                                            <td class="num">{thousands(l.skips)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()
                        })
                    }}
                </tbody>
            </table>
            <div class="bulk-list">
                <table class="bulk-rows">
                    <thead>
                        <tr>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Account"</th>
                            <th scope="col">"Region"</th>
                            <th scope="col">"Now"</th>
                            <th scope="col">"Plan"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || 0..rows.get() key=|i| *i children=move |i| view! { <PlanRowView plan=plan index=i/> }/>
                    </tbody>
                </table>
            </div>
            <div class="cli-box">
                <div class="cli-head">
                    <span class="field-label">"The plan as AWS CLI commands (POSIX shell: sh, bash, zsh)"</span>
                    <button
                        type="button"
                        class="btn small"
                        data-testid="bulk-plan-copy"
                        on:click=move |_| bulk::copy_script(app, script.get_untracked())
                    >
                        "Copy script"
                    </button>
                </div>
                <pre class="cli cli-script" data-testid="bulk-plan-cli">{move || script.get()}</pre>
            </div>
            <form
                class="bulk-confirm"
                on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    error.set(bulk::run(app, &typed.get_untracked()).err());
                }
            >
                <Show when=move || needs_count.get()>
                    <label class="field-inline">
                        <span>
                            {move || {
                                plan.with(|p| p.as_ref().map(|p| {
                                    format!(
                                        "This rotates {} keys now and uses one of each key's 25 on-demand rotations. Type {} to confirm:",
                                        p.sends(),
                                        p.sends()
                                    )
                                }))
                            }}
                        </span>
                        <input
                            type="text"
                            inputmode="numeric"
                            size="6"
                            autocomplete="off"
                            data-testid="bulk-confirm-count"
                            prop:value=move || typed.get()
                            on:input=move |ev| typed.set(event_target_value(&ev))
                        />
                    </label>
                </Show>
                <button type="submit" class="btn primary" data-testid="bulk-run" disabled=move || !can_run.get()>
                    {move || plan.with(|p| p.as_ref().map(|p| format!("Run: send {}", thousands(p.sends()))))}
                </button>
                {move || error.get().map(|e| view! { <span class="danger-text" role="alert">{e}</span> })}
            </form>
        </div>
    }
}

#[component]
fn PlanRowView(plan: Memo<Option<Plan>>, index: usize) -> impl IntoView {
    let row =
        Memo::new(move |_| plan.with(|p| p.as_ref().and_then(|p| p.rows.get(index).cloned())));
    let sent = move || {
        plan.with(|p| {
            p.as_ref()
                .map(|p| p.request.sent_text())
                .unwrap_or_default()
        })
    };
    move || {
        row.get().map(|r| {
            let (kind, text) = match &r.decision {
                Decision::Send => ("send", sent()),
                Decision::Skip(s) => ("skip", s.sentence()),
            };
            let alias = r.alias.clone();
            view! {
                <tr
                    data-testid="bulk-plan-row"
                    data-key-id=r.key.key_id.clone()
                    data-account=r.key.scope.account.clone()
                    data-region=r.key.scope.region.clone()
                    data-plan=kind
                >
                    <td>
                        <div class="cell-main">{alias.unwrap_or_else(|| "\u{2014}".to_string())}</div>
                        <div class="cell-sub id">{r.key.key_id.clone()}</div>
                    </td>
                    <td class="mono">{r.key.scope.account.clone()}</td>
                    <td class="mono">{r.key.scope.region.clone()}</td>
                    <td>{r.now.clone()}</td>
                    <td class=if kind == "send" { "plan-send" } else { "plan-skip muted" } data-testid="bulk-plan-what">
                        {if kind == "send" { format!("Send {text}") } else { format!("Skip: {text}") }}
                    </td>
                </tr>
            }
        })
    }
}

/// The run: progress, controls, results.
#[component]
fn RunView() -> impl IntoView {
    let app = use_app();
    let state = Memo::new(move |_| app.bulk_run.with(|r| r.as_ref().map(|r| r.state)));
    let counts = Memo::new(move |_| {
        app.bulk_run
            .with(|r| r.as_ref().map(Run::counts).unwrap_or_default())
    });
    let rows = Memo::new(move |_| {
        app.bulk_run
            .with(|r| r.as_ref().map_or(0, |r| r.items.len()))
    });
    let restored = Memo::new(move |_| {
        app.bulk_run
            .with(|r| r.as_ref().is_some_and(|r| r.restored))
    });
    let title = Memo::new(move |_| {
        app.bulk_run.with(|r| {
            r.as_ref()
                .map(|r| format!("Bulk run: {}", r.request.describe()))
        })
    });
    let over = Memo::new(move |_| app.bulk_run.with(|r| r.as_ref().is_some_and(Run::is_over)));
    let timing = Memo::new(move |_| {
        app.bulk_run.with(|r| {
            let r = r.as_ref()?;
            let took = r.elapsed_seconds()?;
            let (sent, min) = r.quota_minimum();
            Some(format!(
                "{} request{} sent in {took:.1} s (time paused not counted); the quotas allow \
                 {} in no less than {min:.1} s.",
                thousands(sent),
                if sent == 1 { "" } else { "s" },
                if sent == 1 { "it" } else { "them" },
            ))
        })
    });
    let state_text = move || match state.get() {
        Some(RunState::Running) => "running",
        Some(RunState::Paused) => "paused",
        Some(RunState::Cancelled) => "cancelled",
        Some(RunState::Finished) => "finished",
        None => "",
    };
    let progress_text = move || {
        let c = counts.get();
        format!(
            "{} of {} keys have an outcome: {} done, {} failed, {} skipped, {} unknown{}",
            thousands(c.finished()),
            thousands(c.total()),
            thousands(c.done),
            thousands(c.failed),
            thousands(c.skipped),
            thousands(c.unknown),
            if c.sending > 0 {
                format!(", {} on their way", thousands(c.sending))
            } else {
                String::new()
            }
        )
    };
    let percent = move || app.bulk_run.with(|r| r.as_ref().map_or(0.0, Run::fraction)) * 100.0;
    view! {
        <div class="bulk-run" id="bulk-run-view" data-testid="bulk-run-view" data-state=state_text tabindex="-1">
            <div class="card-head">
                <h3>{move || title.get()}</h3>
                <span class="badge outline" data-testid="bulk-state">{state_text}</span>
                <span class="spacer"></span>
                <button
                    type="button"
                    class="btn small"
                    data-testid="bulk-pause"
                    disabled=move || state.get() != Some(RunState::Running)
                    on:click=move |_| bulk::pause(app)
                >
                    "Pause"
                </button>
                <button
                    type="button"
                    class="btn small"
                    data-testid="bulk-resume"
                    disabled=move || state.get() != Some(RunState::Paused)
                    on:click=move |_| bulk::resume(app)
                >
                    "Resume"
                </button>
                <button
                    type="button"
                    class="btn small danger"
                    data-testid="bulk-cancel"
                    disabled=move || !matches!(state.get(), Some(RunState::Running | RunState::Paused))
                    on:click=move |_| bulk::cancel(app)
                >
                    "Cancel"
                </button>
            </div>
            <Show when=move || restored.get()>
                <p class="warn-text" data-testid="bulk-restored">
                    "This run was interrupted by a reload. Keys already sent keep their outcome, and rotations whose answer was lost are being checked against KMS's history. Resume sends only the keys that never left, each after checking that KMS's count still matches the plan."
                </p>
            </Show>
            <div
                class="bulk-progress"
                data-testid="bulk-progress"
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax=move || counts.get().total()
                aria-valuenow=move || counts.get().finished()
                aria-valuetext=progress_text
            >
                <div class="bar" style=move || format!("width: {:.1}%", percent())></div>
            </div>
            <p class="bulk-progress-text" aria-live="polite">{progress_text}</p>
            {move || timing.get().map(|t| view! { <p data-testid="bulk-timing">{t}</p> })}
            <table class="bulk-scopes" data-testid="bulk-summary">
                <thead>
                    <tr>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Region"</th>
                        <th scope="col" class="num">"Done"</th>
                        <th scope="col" class="num">"Failed"</th>
                        <th scope="col" class="num">"Skipped"</th>
                        <th scope="col" class="num">"Unknown"</th>
                        <th scope="col" class="num">"Waiting"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        app.bulk_run
                            .with(|r| r.as_ref().map(Run::per_scope).unwrap_or_default())
                            .into_iter()
                            .map(|(s, c): (_, RunCounts)| {
                                view! {
                                    <tr data-testid="bulk-summary-scope" data-account=s.account.clone() data-region=s.region.clone()>
                                        <td class="mono">{s.account.clone()}</td>
                                        <td class="mono">{s.region.clone()}</td>
                                        <td class="num">{c.done}</td>
                                        <td class="num">{c.failed}</td>
                                        <td class="num">{c.skipped}</td>
                                        <td class="num">{c.unknown}</td>
                                        <td class="num">{c.pending + c.sending}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            <div class="bulk-after" role="group" aria-label="After the run">
                <button
                    type="button"
                    class="btn small"
                    data-testid="bulk-retry-failed"
                    disabled=move || !over.get() || counts.get().failed == 0
                    on:click=move |_| bulk::retry_failed(app)
                >
                    {move || format!("Retry the failed ({})", counts.get().failed)}
                </button>
                <button type="button" class="btn small" data-testid="bulk-export-csv" on:click=move |_| bulk::download(app, false)>
                    "Results as CSV"
                </button>
                <button type="button" class="btn small" data-testid="bulk-export-json" on:click=move |_| bulk::download(app, true)>
                    "Results as JSON"
                </button>
                <button
                    type="button"
                    class="btn small ghost"
                    data-testid="bulk-dismiss"
                    disabled=move || !over.get()
                    on:click=move |_| bulk::dismiss(app)
                >
                    "Dismiss"
                </button>
            </div>
            <div class="bulk-list">
                <table class="bulk-rows">
                    <thead>
                        <tr>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Account"</th>
                            <th scope="col">"Region"</th>
                            <th scope="col">"Outcome"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || 0..rows.get() key=|i| *i children=move |i| view! { <ResultRow index=i/> }/>
                    </tbody>
                </table>
            </div>
        </div>
    }
}

#[component]
fn ResultRow(index: usize) -> impl IntoView {
    let app = use_app();
    let item = Memo::new(move |_| {
        app.bulk_run
            .with(|r| r.as_ref().and_then(|r| r.items.get(index).cloned()))
    });
    move || {
        item.get().map(|i| {
            let outcome = i.state.outcome();
            let class = match outcome {
                "done" => "badge ok",
                "failed" => "badge danger",
                "unknown" => "badge warn",
                _ => "badge outline",
            };
            view! {
                <tr data-testid="bulk-result-row" data-key-id=i.key_id.clone() data-account=i.account.clone() data-region=i.region.clone() data-outcome=outcome>
                    <td>
                        <div class="cell-main">{i.label.clone()}</div>
                        <div class="cell-sub id">{i.key_id.clone()}</div>
                    </td>
                    <td class="mono">{i.account.clone()}</td>
                    <td class="mono">{i.region.clone()}</td>
                    <td>
                        <span class=class>{outcome}</span>
                        " "
                        <span data-testid="bulk-result-text">{i.state.text().to_string()}</span>
                    </td>
                </tr>
            }
        })
    }
}
