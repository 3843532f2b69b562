//! Compliance: the policy form, the verdict counts, the four pictures and the exports
//! (docs/compliance.md); and the finding shown in a key's panel with its one-step fixes.

use leptos::prelude::*;

use super::widgets::verdict_view;
use crate::console::charts::{self, Chart, Mark};
use crate::console::fleet::RowKey;
use crate::console::format::thousands;
use crate::console::policy::{Outcome, Policy};
use crate::ui::actions::compliance::{self as actions, Export};
use crate::ui::actions::rotate;
use crate::ui::state::use_app;

/// A number of days or rotations: empty means "no limit".
fn parse_limit(text: &str) -> Result<Option<u32>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| ())
}

#[component]
fn LimitField(
    label: &'static str,
    testid: &'static str,
    hint: &'static str,
    get: fn(&Policy) -> Option<u32>,
    set: fn(&mut Policy, Option<u32>),
) -> impl IntoView {
    let app = use_app();
    let invalid = RwSignal::new(false);
    let id = format!("{testid}-input");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="number"
                inputmode="numeric"
                min="0"
                step="1"
                data-testid=testid
                placeholder="no limit"
                title=hint
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                prop:value=move || app.policy.with(|p| get(p).map(|n| n.to_string()).unwrap_or_default())
                on:change=move |ev| match parse_limit(&event_target_value(&ev)) {
                    Ok(v) => {
                        invalid.set(false);
                        actions::set_policy(app, |p| set(p, v));
                    }
                    Err(()) => invalid.set(true),
                }
            />
        </div>
    }
}

#[component]
fn PolicyCheck(
    label: &'static str,
    testid: &'static str,
    get: fn(&Policy) -> bool,
    set: fn(&mut Policy, bool),
) -> impl IntoView {
    let app = use_app();
    view! {
        <label class="check">
            <input
                type="checkbox"
                data-testid=testid
                prop:checked=move || app.policy.with(get)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    actions::set_policy(app, |p| set(p, on));
                }
            />
            {label}
        </label>
    }
}

/// One picture as SVG: bars take focus and name their value; the compliance picture's cells
/// are buttons that filter the table to their scope.
#[component]
fn ChartView(chart: Memo<Chart>) -> impl IntoView {
    let app = use_app();
    move || {
        chart.with(|c| {
            let id = c.id;
            let marks = c
                .marks
                .iter()
                .cloned()
                .map(|m| match m {
                    Mark::Rect {
                        x,
                        y,
                        w,
                        h,
                        class,
                        label,
                        scope: Some(scope),
                    } => {
                        let label = label.unwrap_or_default();
                        let pressed = {
                            let s = scope.clone();
                            move || {
                                if app.filter.with(|f| f.scope.as_ref() == Some(&s)) {
                                    "true"
                                } else {
                                    "false"
                                }
                            }
                        };
                        let (s1, s2) = (scope.clone(), scope.clone());
                        let aria = label.clone();
                        view! {
                            <g
                                class="chart-button"
                                role="button"
                                tabindex="0"
                                data-testid="chart-cell"
                                data-account=scope.account.clone()
                                data-region=scope.region.clone()
                                aria-label=aria
                                aria-pressed=pressed
                                on:click=move |_| actions::toggle_scope_filter(app, s1.clone())
                                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                    if ev.key() == "Enter" || ev.key() == " " {
                                        ev.prevent_default();
                                        actions::toggle_scope_filter(app, s2.clone());
                                    }
                                }
                            >
                                <title>{label}</title>
                                <rect x=x y=y width=w height=h rx="4" class=class></rect>
                            </g>
                        }
                        .into_any()
                    }
                    Mark::Rect {
                        x,
                        y,
                        w,
                        h,
                        class,
                        label: Some(label),
                        ..
                    } => {
                        let aria = label.clone();
                        view! {
                            <rect x=x y=y width=w height=h class=class tabindex="0" role="img" aria-label=aria>
                                <title>{label}</title>
                            </rect>
                        }
                        .into_any()
                    }
                    Mark::Rect { x, y, w, h, class, .. } => {
                        view! { <rect x=x y=y width=w height=h class=class></rect> }.into_any()
                    }
                    Mark::Text {
                        x,
                        y,
                        text,
                        class,
                        anchor,
                    } => view! {
                        <text x=x y=y class=class text-anchor=anchor.as_str() aria-hidden="true">{text}</text>
                    }
                    .into_any(),
                    Mark::Line {
                        x1,
                        y1,
                        x2,
                        y2,
                        class,
                    } => view! { <line x1=x1 y1=y1 x2=x2 y2=y2 class=class></line> }.into_any(),
                })
                .collect_view();
            let title_id = format!("{id}-title");
            let desc_id = format!("{id}-desc");
            let labelled_by = format!("{title_id} {desc_id}");
            view! {
                <figure class="chart-figure">
                    <svg
                        class="chart"
                        data-testid=id
                        viewBox=format!("0 0 {} {}", c.width, c.height)
                        role="group"
                        aria-labelledby=labelled_by
                    >
                        <title id=title_id>{c.title.clone()}</title>
                        <desc id=desc_id>{c.summary.clone()}</desc>
                        {marks}
                    </svg>
                    <figcaption>
                        <strong>{c.title.clone()}</strong>
                        " "
                        <span class="muted">{c.summary.clone()}</span>
                    </figcaption>
                </figure>
            }
        })
    }
}

/// The compliance card above the inventory.
#[component]
pub fn ComplianceCard() -> impl IntoView {
    let app = use_app();
    let open = RwSignal::new(true);
    let now = Memo::new(move |_| crate::aws::limiter::seconds(app.now.get()) as u64 / 3600);
    let grid = Memo::new(move |_| {
        app.summary
            .with(|s| app.fleet.with(|f| charts::compliance(f, s)))
    });
    let timeline = Memo::new(move |_| {
        let _ = now.get();
        let t = crate::aws::limiter::seconds(app.now.get_untracked());
        app.fleet.with(|f| charts::timeline(f, t))
    });
    let age = Memo::new(move |_| {
        app.policy.with(|p| {
            app.verdicts
                .with(|v| app.fleet.with(|f| charts::material_age(f, v, p)))
        })
    });
    let left = Memo::new(move |_| {
        app.policy
            .with(|p| app.fleet.with(|f| charts::remaining(f, p)))
    });
    let total = Memo::new(move |_| app.summary.with(|s| s.total));
    let multi = Memo::new(move |_| app.fleet.with(|f| f.is_multi()));
    let count = move |o: Outcome, word: &'static str, testid: &'static str, class: &'static str| {
        view! {
            <span class=class data-testid=testid>
                {move || format!("{} {word}", thousands(total.get().get(o)))}
            </span>
        }
    };
    view! {
        <section class="card compliance" data-testid="compliance" aria-labelledby="compliance-title">
            <div class="card-head">
                <h2 id="compliance-title">"Compliance"</h2>
                <p class="compliance-summary" data-testid="compliance-summary" aria-live="polite">
                    {count(Outcome::Pass, "pass", "compliance-pass", "badge ok")}
                    {count(Outcome::Fail, "fail", "compliance-fail", "badge danger")}
                    {count(Outcome::NotApplicable, "n/a", "compliance-na", "badge outline")}
                    {count(Outcome::Unknown, "unknown", "compliance-unknown", "badge warn")}
                    {move || {
                        let w = total.get().warnings;
                        (w > 0).then(|| view! {
                            <span class="warn-text" data-testid="compliance-warnings">
                                {format!("{} with warnings", thousands(w))}
                            </span>
                        })
                    }}
                </p>
                <span class="spacer"></span>
                <div class="export-buttons" role="group" aria-label="Export">
                    <button type="button" class="btn small" data-testid="export-csv"
                        title="The inventory with verdicts as CSV (README: Exports)"
                        on:click=move |_| actions::download(app, Export::Csv)>"CSV"</button>
                    <button type="button" class="btn small" data-testid="export-json"
                        title="The inventory with verdicts, the policy and the scopes as JSON"
                        on:click=move |_| actions::download(app, Export::Json)>"JSON"</button>
                    <button type="button" class="btn small" data-testid="export-report"
                        title="A printable page: summary, pictures and failing keys"
                        on:click=move |_| actions::download(app, Export::Report)>"Report"</button>
                </div>
                <button
                    type="button"
                    class="btn small ghost"
                    data-testid="compliance-toggle"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    aria-controls="compliance-body"
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Hide policy and pictures" } else { "Show policy and pictures" }}
                </button>
            </div>
            <Show when=move || open.get()>
                <div class="compliance-body" id="compliance-body">
                    <form class="policy" data-testid="policy" aria-label="Rotation policy"
                        on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                        <PolicyCheck
                            label="Require automatic rotation (CIS 3.6)"
                            testid="policy-require-auto"
                            get=|p| p.require_auto
                            set=|p, v| p.require_auto = v
                        />
                        <LimitField
                            label="Max rotation period (days)"
                            testid="policy-max-period"
                            hint="Automatic rotation must be at least this frequent; empty: no limit"
                            get=|p| p.max_period_days
                            set=|p, v| p.max_period_days = v
                        />
                        <LimitField
                            label="Max key material age (days)"
                            testid="policy-max-age"
                            hint="Days since the current key material became current (a manual rotation counts); empty: no limit"
                            get=|p| p.max_age_days
                            set=|p, v| p.max_age_days = v
                        />
                        <LimitField
                            label="Warn at on-demand rotations left"
                            testid="policy-min-remaining"
                            hint="Warn when this many on-demand rotations or fewer are left; empty: never"
                            get=|p| p.min_remaining
                            set=|p, v| p.min_remaining = v
                        />
                        <fieldset class="policy-include">
                            <legend>"Also judge"</legend>
                            <PolicyCheck label="AWS managed keys" testid="policy-include-aws"
                                get=|p| p.include_aws_managed set=|p, v| p.include_aws_managed = v/>
                            <PolicyCheck label="imported key material" testid="policy-include-imported"
                                get=|p| p.include_imported set=|p, v| p.include_imported = v/>
                            <PolicyCheck label="disabled keys" testid="policy-include-disabled"
                                get=|p| p.include_disabled set=|p, v| p.include_disabled = v/>
                        </fieldset>
                        <button type="button" class="link-button" data-testid="policy-reset"
                            prop:disabled=move || app.policy.with(|p| *p == Policy::default())
                            on:click=move |_| actions::reset_policy(app)>
                            "Defaults"
                        </button>
                    </form>
                    <div class=move || if multi.get() { "charts" } else { "charts single" }>
                        <ChartView chart=grid/>
                        <ChartView chart=timeline/>
                        <ChartView chart=age/>
                        <ChartView chart=left/>
                    </div>
                </div>
            </Show>
        </section>
    }
}

/// The policy's verdict of one key, with the fixes a failing one can take in one step
/// (docs/compliance.md §4): enable automatic rotation with the policy's period, or rotate now.
#[component]
pub fn Finding(key: RowKey) -> impl IntoView {
    let app = use_app();
    let stored = StoredValue::new(key.clone());
    let verdict = Memo::new(move |_| {
        let k = stored.get_value();
        app.verdicts
            .with(|v| app.fleet.with(|f| v.of_key(f, &k).cloned()))
    });
    let can_enable = Memo::new(move |_| {
        let k = stored.get_value();
        app.fleet
            .with(|f| f.row(&k).is_some_and(|r| r.automatic_rotation().is_ok()))
    });
    let can_rotate = Memo::new(move |_| {
        let k = stored.get_value();
        app.fleet
            .with(|f| f.row(&k).is_some_and(|r| r.rotate_now().is_ok()))
    });
    let period = Memo::new(move |_| app.policy.with(Policy::fix_period));
    let rotation = rotate::use_rotation(Signal::stored(Some(key)));
    let confirming = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let outcome = move || verdict.with(|v| v.as_ref().map(|v| v.outcome.as_str()));
    view! {
        <section class="panel-section finding" aria-labelledby="sec-policy" data-testid="policy-verdict" data-verdict=outcome>
            <h3 id="sec-policy">"Rotation policy"</h3>
            <p class="verdict-line">{move || verdict.get().map(verdict_view)}</p>
            {move || {
                let v = verdict.get()?;
                if v.outcome != Outcome::Fail {
                    return None;
                }
                let enable = (v.fixed_by_enabling() && can_enable.get()).then(|| {
                    let days = period.get();
                    view! {
                        <button
                            type="button"
                            class="btn"
                            data-testid="fix-enable-auto"
                            prop:disabled=move || saving.get()
                            on:click=move |_| confirming.set(true)
                        >
                            {format!("Enable automatic rotation every {days} days")}
                        </button>
                    }
                });
                let rotate_now = (v.fixed_by_rotating() && can_rotate.get()).then(|| view! {
                    <button
                        type="button"
                        class="btn"
                        data-testid="fix-rotate-now"
                        on:click=move |_| rotation.open()
                    >
                        "Rotate now"
                    </button>
                });
                Some(view! { <div class="fix-actions">{enable}{rotate_now}</div> })
            }}
            <Show when=move || confirming.get()>
                <div class="confirm-inline" role="group" aria-label="Confirm the fix" data-testid="fix-confirm-box">
                    <p>
                        {move || format!(
                            "Turn on automatic rotation every {} days? KMS then rotates this key on that schedule; each rotation adds to its monthly cost for the first two rotations.",
                            period.get()
                        )}
                    </p>
                    <button
                        type="button"
                        class="btn primary"
                        data-testid="fix-confirm"
                        prop:disabled=move || saving.get()
                        on:click=move |_| {
                            confirming.set(false);
                            actions::enable_from_finding(app, stored.get_value(), period.get_untracked(), saving);
                        }
                    >
                        "Enable"
                    </button>
                    <button type="button" class="btn ghost" data-testid="fix-cancel" on:click=move |_| confirming.set(false)>
                        "Cancel"
                    </button>
                </div>
            </Show>
        </section>
    }
}
