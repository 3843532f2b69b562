//! Small widgets more than one view uses.

use leptos::prelude::*;

use crate::console::policy::{Outcome, Verdict};

use crate::aws::endpoint::{partitions, region_description};
use crate::ui::actions::settings::copy_with_notice;
use crate::ui::state::use_app;

/// A `<select>` of every region, grouped by partition. A value not in the lists (a region typed
/// in a link or used with a custom endpoint) gets its own option so it is never silently lost.
#[component]
pub fn RegionSelect(
    value: RwSignal<String>,
    #[prop(into)] id: String,
    #[prop(optional)] disabled: Option<Signal<bool>>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let known = move |r: &str| partitions().iter().any(|p| p.regions.contains(&r));
    let disabled = disabled.unwrap_or_else(|| Signal::derive(|| false));
    view! {
        <select
            id=id
            data-testid="region"
            prop:disabled=move || disabled.get()
            on:change=move |ev| on_pick.run(event_target_value(&ev))
        >
            {move || {
                let v = value.get();
                (!v.is_empty() && !known(&v))
                    .then(|| {
                        view! {
                            <option value=v.clone() selected=true>
                                {v.clone()}
                            </option>
                        }
                    })
            }}
            {partitions()
                .iter()
                .map(|p| {
                    view! {
                        <optgroup label=format!("{} ({})", p.name, p.id)>
                            {p
                                .regions
                                .iter()
                                .map(|r| {
                                    let r: &'static str = r;
                                    let label = match region_description(r) {
                                        Some(d) => format!("{r} \u{2014} {d}"),
                                        None => r.to_string(),
                                    };
                                    view! {
                                        <option value=r prop:selected=move || value.get() == r>
                                            {label}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </optgroup>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// An AWS CLI command as text, with a button that copies it.
#[component]
pub fn CliBox(
    label: &'static str,
    testid: &'static str,
    copy_testid: &'static str,
    text: Signal<String>,
) -> impl IntoView {
    let app = use_app();
    view! {
        <div class="cli-box">
            <div class="cli-head">
                <span class="field-label">{label}</span>
                <button
                    type="button"
                    class="btn small"
                    data-testid=copy_testid
                    on:click=move |_| copy_with_notice(app, text.get_untracked())
                >
                    "Copy as AWS CLI"
                </button>
            </div>
            <pre class="cli" data-testid=testid>{move || text.get()}</pre>
        </div>
    }
}

/// The CSS class of a verdict badge.
pub fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "badge ok",
        Outcome::Fail => "badge danger",
        Outcome::NotApplicable => "badge outline",
        Outcome::Unknown => "badge warn",
    }
}

/// A verdict's badge and its reasons, each its own element, `; `-separated.
pub fn verdict_view(v: Verdict) -> impl IntoView {
    let n = v.reasons.len();
    view! {
        <span class=outcome_class(v.outcome)>{v.outcome.label()}</span>
        {(n > 0).then(|| view! {
            " "
            <span class="reasons">
                {v.reasons
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let class = if r.is_failure() {
                            "danger-text"
                        } else if r.is_warning() {
                            "warn-text"
                        } else {
                            "muted"
                        };
                        view! {
                            <span class=class data-testid="verdict-reason">{r.text()}</span>
                            {(i + 1 < n).then_some("; ")}
                        }
                    })
                    .collect_view()}
            </span>
        })}
    }
}
