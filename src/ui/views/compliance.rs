//! Compliance: the policy form, the verdict counts, the four pictures and the exports
//! (docs/compliance.md); and the finding shown in a key's panel with its one-step fixes.

use leptos::prelude::*;

use super::widgets::verdict_view;
use crate::console::charts::{self, Chart, Mark};
use crate::console::fleet::RowKey;
use crate::console::format::thousands;
use crate::console::policy::{Outcome, Policy};
use crate::console::scope::ScopeId;
use crate::ui::actions::compliance::{self as actions, Export};
use crate::ui::actions::{bulk, rotate};
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
                type="text"
                inputmode="numeric"
                pattern="[0-9]*"
                autocomplete="off"
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

/// What element a mark is: the page rebuilds a mark's element only when this changes, and
/// otherwise updates its attributes (a focused bar keeps its focus while counts change).
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Cell(ScopeId),
    Bar,
    Plain,
    Text,
    Line,
    None,
}

/// A focusable mark (a bar or a cell).
fn focusable(m: &Mark) -> bool {
    matches!(m, Mark::Rect { label: Some(_), .. })
}

#[component]
fn MarkView(
    chart: Memo<Chart>,
    index: usize,
    stop: Memo<Option<usize>>,
    active: RwSignal<Option<usize>>,
) -> impl IntoView {
    let app = use_app();
    // One tab stop per picture (roving tabindex): the arrow keys move between its bars.
    let tabindex = move || if stop.get() == Some(index) { "0" } else { "-1" };
    let on_focus = move |_| active.set(Some(index));
    let mark = Memo::new(move |_| chart.with(|c| c.marks.get(index).cloned()));
    let kind = Memo::new(move |_| {
        mark.with(|m| match m {
            Some(Mark::Rect { scope: Some(s), .. }) => Kind::Cell(s.clone()),
            Some(Mark::Rect { label: Some(_), .. }) => Kind::Bar,
            Some(Mark::Rect { .. }) => Kind::Plain,
            Some(Mark::Text { .. }) => Kind::Text,
            Some(Mark::Line { .. }) => Kind::Line,
            None => Kind::None,
        })
    });
    let rect = move |pick: fn(f64, f64, f64, f64) -> f64| {
        move || {
            mark.with(|m| match m {
                Some(Mark::Rect { x, y, w, h, .. }) => pick(*x, *y, *w, *h),
                _ => 0.0,
            })
        }
    };
    let class = move || {
        mark.with(|m| match m {
            Some(
                Mark::Rect { class, .. } | Mark::Text { class, .. } | Mark::Line { class, .. },
            ) => *class,
            None => "",
        })
    };
    let label = move || {
        mark.with(|m| match m {
            Some(Mark::Rect { label: Some(l), .. }) => l.clone(),
            _ => String::new(),
        })
    };
    let text = move |pick: fn(&Mark) -> String| move || mark.with(|m| m.as_ref().map(pick));
    let line = move |pick: fn(f64, f64, f64, f64) -> f64| {
        move || {
            mark.with(|m| match m {
                Some(Mark::Line { x1, y1, x2, y2, .. }) => pick(*x1, *y1, *x2, *y2),
                _ => 0.0,
            })
        }
    };
    move || {
        match kind.get() {
        Kind::Cell(scope) => {
            let s = StoredValue::new(scope.clone());
            let pressed = move || {
                if app.filter.with(|f| f.scope.as_ref() == Some(&s.get_value())) {
                    "true"
                } else {
                    "false"
                }
            };
            view! {
                <g
                    class="chart-button"
                    role="button"
                    tabindex=tabindex
                    data-mark=index
                    on:focus=on_focus
                    data-testid="chart-cell"
                    data-account=scope.account.clone()
                    data-region=scope.region.clone()
                    aria-label=label
                    aria-pressed=pressed
                    on:click=move |_| actions::toggle_scope_filter(app, s.get_value())
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" || ev.key() == " " {
                            ev.prevent_default();
                            actions::toggle_scope_filter(app, s.get_value());
                        }
                    }
                >
                    <title>{label}</title>
                    <rect
                        x=rect(|x, _, _, _| x)
                        y=rect(|_, y, _, _| y)
                        width=rect(|_, _, w, _| w)
                        height=rect(|_, _, _, h| h)
                        rx="4"
                        class=class
                    ></rect>
                </g>
            }
            .into_any()
        }
        Kind::Bar => view! {
            <rect
                x=rect(|x, _, _, _| x)
                y=rect(|_, y, _, _| y)
                width=rect(|_, _, w, _| w)
                height=rect(|_, _, _, h| h)
                class=class
                tabindex=tabindex
                data-mark=index
                on:focus=on_focus
                role="img"
                aria-label=label
            >
                <title>{label}</title>
            </rect>
        }
        .into_any(),
        Kind::Plain => view! {
            <rect
                x=rect(|x, _, _, _| x)
                y=rect(|_, y, _, _| y)
                width=rect(|_, _, w, _| w)
                height=rect(|_, _, _, h| h)
                class=class
            ></rect>
        }
        .into_any(),
        Kind::Text => view! {
            <text
                x={text(|m| match m { Mark::Text { x, .. } => x.to_string(), _ => String::new() })}
                y={text(|m| match m { Mark::Text { y, .. } => y.to_string(), _ => String::new() })}
                class=class
                text-anchor={text(|m| match m { Mark::Text { anchor, .. } => anchor.as_str().to_string(), _ => String::new() })}
                aria-hidden="true"
            >
                {text(|m| match m { Mark::Text { text, .. } => text.clone(), _ => String::new() })}
            </text>
        }
        .into_any(),
        Kind::Line => view! {
            <line
                x1=line(|x1, _, _, _| x1)
                y1=line(|_, y1, _, _| y1)
                x2=line(|_, _, x2, _| x2)
                y2=line(|_, _, _, y2| y2)
                class=class
            ></line>
        }
        .into_any(),
        Kind::None => ().into_any(),
    }
    }
}

/// One picture as SVG: bars take focus and name their value; the compliance picture's cells
/// are buttons that filter the table to their scope. Marks are positions, updated in place.
#[component]
fn ChartView(chart: Memo<Chart>) -> impl IntoView {
    let head = Memo::new(move |_| {
        chart.with(|c| (c.id, c.title.clone(), c.summary.clone(), c.width, c.height))
    });
    let count = Memo::new(move |_| chart.with(|c| c.marks.len()));
    // The picture's one tab stop: the bar last focused while it is still a bar, else the first.
    let active = RwSignal::new(None::<usize>);
    let stop = Memo::new(move |_| {
        chart.with(|c| {
            active
                .get()
                .filter(|&i| c.marks.get(i).is_some_and(focusable))
                .or_else(|| c.marks.iter().position(focusable))
        })
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(at) = stop.get_untracked() else {
            return;
        };
        let next = chart.with_untracked(|c| {
            let bars: Vec<usize> = (0..c.marks.len())
                .filter(|&i| focusable(&c.marks[i]))
                .collect();
            let here = bars.iter().position(|&i| i == at)?;
            match ev.key().as_str() {
                "ArrowRight" | "ArrowDown" => bars.get(here + 1).copied(),
                "ArrowLeft" | "ArrowUp" => here.checked_sub(1).and_then(|h| bars.get(h).copied()),
                "Home" => bars.first().copied(),
                "End" => bars.last().copied(),
                _ => None,
            }
        });
        if let Some(i) = next {
            ev.prevent_default();
            active.set(Some(i));
            crate::ui::dom::focus_within(&ev, &format!("[data-mark=\"{i}\"]"));
        }
    };
    let id = head.with_untracked(|h| h.0);
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    let title = move || head.with(|h| h.1.clone());
    let summary = move || head.with(|h| h.2.clone());
    view! {
        <figure class="chart-figure">
            <svg
                class="chart"
                data-testid=id
                viewBox=move || head.with(|h| format!("0 0 {} {}", h.3, h.4))
                role="group"
                aria-labelledby=labelled_by
                on:keydown=on_key
            >
                <title id=title_id>{title}</title>
                <desc id=desc_id>{summary}</desc>
                <For
                    each=move || 0..count.get()
                    key=|i| *i
                    children=move |i| view! { <MarkView chart=chart index=i stop=stop active=active/> }
                />
            </svg>
            <figcaption>
                <strong>{title}</strong>
                " "
                <span class="muted">{summary}</span>
            </figcaption>
        </figure>
    }
}

/// The compliance card above the inventory.
#[component]
pub fn ComplianceCard() -> impl IntoView {
    let app = use_app();
    let open = RwSignal::new(actions::pictures_open_initially());
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
                <p class="compliance-summary" data-testid="compliance-summary">
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
                <button
                    type="button"
                    class="btn small"
                    data-testid="select-failing"
                    title="Add every failing key (all pages and scopes) to the bulk selection"
                    disabled=move || total.get().get(Outcome::Fail) == 0
                    on:click=move |_| bulk::select_failing(app)
                >
                    "Select all failing keys"
                </button>
                <div class="export-buttons" role="group" aria-label="Export">
                    <button
                        type="button"
                        class="btn small"
                        data-testid="export-csv"
                        title="The inventory with verdicts as CSV (README: Exports)"
                        on:click=move |_| actions::download(app, Export::Csv)
                    >
                        "CSV"
                    </button>
                    <button
                        type="button"
                        class="btn small"
                        data-testid="export-json"
                        title="The inventory with verdicts, the policy and the scopes as JSON"
                        on:click=move |_| actions::download(app, Export::Json)
                    >
                        "JSON"
                    </button>
                    <button
                        type="button"
                        class="btn small"
                        data-testid="export-report"
                        title="A printable page: summary, pictures and failing keys"
                        on:click=move |_| actions::download(app, Export::Report)
                    >
                        "Report"
                    </button>
                </div>
                <button
                    type="button"
                    class="btn small ghost"
                    data-testid="compliance-toggle"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    aria-controls="compliance-body"
                    on:click=move |_| actions::set_pictures_open(open, !open.get_untracked())
                >
                    {move || if open.get() { "Hide policy and pictures" } else { "Show policy and pictures" }}
                </button>
            </div>
            <Show when=move || open.get()>
                <div class="compliance-body" id="compliance-body">
                    <form
                        class="policy"
                        data-testid="policy"
                        aria-label="Rotation policy"
                        on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()
                    >
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
                            <PolicyCheck
                                label="AWS managed keys"
                                testid="policy-include-aws"
                                get=|p| p.include_aws_managed
                                set=|p, v| p.include_aws_managed = v
                            />
                            <PolicyCheck
                                label="imported key material"
                                testid="policy-include-imported"
                                get=|p| p.include_imported
                                set=|p, v| p.include_imported = v
                            />
                            <PolicyCheck
                                label="disabled keys"
                                testid="policy-include-disabled"
                                get=|p| p.include_disabled
                                set=|p, v| p.include_disabled = v
                            />
                        </fieldset>
                        <button
                            type="button"
                            class="link-button"
                            data-testid="policy-reset"
                            prop:disabled=move || app.policy.with(|p| *p == Policy::default())
                            on:click=move |_| actions::reset_policy(app)
                        >
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
    let max_period = Memo::new(move |_| app.policy.with(|p| p.max_period_days));
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
                let enable = (v.fixed_by_enabling() && can_enable.get()).then(|| match period.get() {
                    Some(days) => view! {
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
                    .into_any(),
                    None => view! {
                        <p class="hint" data-testid="fix-period-too-short">
                            {format!(
                                "KMS's shortest automatic period is 90 days, above the policy's {} days: rotate on demand to keep to it.",
                                max_period.get().unwrap_or(0)
                            )}
                        </p>
                    }
                    .into_any(),
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
                            "Turn on automatic rotation every {} days? KMS then rotates this key on that schedule; each of a key's first two rotations adds to its monthly cost.",
                            period.get().unwrap_or(0)
                        )}
                    </p>
                    <button
                        type="button"
                        class="btn primary"
                        data-testid="fix-confirm"
                        prop:disabled=move || saving.get()
                        on:click=move |_| {
                            confirming.set(false);
                            if let Some(days) = period.get_untracked() {
                                actions::enable_from_finding(app, stored.get_value(), days, saving);
                            }
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
