//! The inventory: every scope's keys as they load (progress, filter, quick filters, sort,
//! grouping, count), the "go to key" box, and the rows that open the key panel.

use leptos::prelude::*;

use super::key_panel::KeyPanel;
use super::widgets::verdict_view;
use crate::aws::kms::{KeyState, MultiRegionKeyType};
use crate::console::bulk::selection::AllShown;
use crate::console::filter::{self, Group, SortColumn};
use crate::console::fleet::{Fleet, RowKey};
use crate::console::format;
use crate::console::inventory::{AutoRotation, KeyRow};
use crate::console::policy::Verdict;
use crate::console::quota::{is_low, ON_DEMAND_ROTATION_LIMIT};
use crate::console::rotation::{self, Activity, RotateFlow};
use crate::ui::actions::{bulk, compliance, load, material, navigate, rotate, scopes};
use crate::ui::state::use_app;

/// Table page sizes offered; the second is the default.
const PAGE_SIZES: [usize; 3] = [50, 100, 250];

/// What one table row shows, computed from the model so that a row re-renders only when its
/// own text changes.
#[derive(Clone, Debug, PartialEq)]
struct RowView {
    key_id: String,
    /// Account id (and name) and Region, shown when several scopes are chosen.
    scope: Option<(String, String)>,
    /// The other Regions of a multi-Region set that are loaded (the primary's row lists them).
    set_regions: Vec<String>,
    alias: Option<String>,
    more_aliases: usize,
    description: Option<String>,
    managed: Option<&'static str>,
    multi_region: Option<&'static str>,
    spec: String,
    state: String,
    state_class: &'static str,
    auto: String,
    auto_class: &'static str,
    next: String,
    remaining: String,
    remaining_class: &'static str,
    last: String,
    in_progress: bool,
    outcome_unknown: bool,
    problems: Vec<String>,
    problem_text: String,
    loading: bool,
    verdict: Option<Verdict>,
}

fn row_view(
    fleet: &Fleet,
    key: &RowKey,
    row: &KeyRow,
    flow: Option<&RotateFlow>,
    verdict: Option<Verdict>,
) -> RowView {
    let activity = rotation::activity(Some(row), flow);
    let meta = row.meta();
    let state_class = match row.state() {
        Some(KeyState::Enabled) => "badge ok",
        Some(KeyState::Disabled) => "badge",
        Some(KeyState::PendingDeletion) => "badge danger",
        Some(_) => "badge warn",
        None => "badge outline",
    };
    let auto = row.auto_rotation();
    let auto_class = match auto {
        AutoRotation::On { .. } => "badge ok",
        AutoRotation::Off => "badge warn",
        AutoRotation::AwsManaged => "badge info",
        _ => "muted",
    };
    let remaining = row.remaining();
    let (remaining_text, remaining_class) = match remaining {
        Some(n) => (
            format!("{n} of {ON_DEMAND_ROTATION_LIMIT}"),
            if n == 0 {
                "danger-text"
            } else if is_low(n) {
                "warn-text"
            } else {
                ""
            },
        ),
        None if !row.is_described() || row.rotations.is_pending() => {
            ("\u{2026}".to_string(), "muted")
        }
        None => ("n/a".to_string(), "muted"),
    };
    let multi_region = meta.and_then(|m| match m.multi_region_key_type() {
        Some(MultiRegionKeyType::Primary) => Some("multi-Region primary"),
        Some(MultiRegionKeyType::Replica) => Some("multi-Region replica"),
        _ => None,
    });
    let scope = fleet.is_multi().then(|| {
        let name = fleet
            .scope(&key.scope)
            .and_then(|e| e.account_name.clone())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        (
            format!("{}{name}", key.scope.account),
            key.scope.region.clone(),
        )
    });
    let set_regions = fleet
        .set_members(key)
        .into_iter()
        .map(|(s, primary)| {
            if primary {
                format!("primary in {}", s.region)
            } else {
                s.region
            }
        })
        .collect();
    RowView {
        key_id: row.key_id.clone(),
        scope,
        set_regions,
        alias: row.alias().map(str::to_string),
        more_aliases: row.aliases.len().saturating_sub(1),
        description: row.description().map(str::to_string),
        managed: row.is_aws_managed().then_some("AWS managed"),
        multi_region,
        spec: row.spec_text(),
        state: row.state_text(),
        state_class,
        auto: auto.text(),
        auto_class,
        next: format::opt_date(row.next_rotation()),
        remaining: remaining_text,
        remaining_class,
        last: format::opt_date(row.last_rotation()),
        in_progress: activity.shows_in_progress(),
        outcome_unknown: activity == Activity::Unknown,
        problems: {
            // One badge per distinct code: two reads denied the same way say it once.
            let mut codes = row.problem_codes();
            crate::sort::sort(&mut codes);
            codes.dedup();
            codes
        },
        problem_text: row.problems().join(" "),
        loading: !row.is_complete(),
        verdict,
    }
}

/// The cells of one row, from its [`RowView`] (rendered as a whole: a row changes rarely, and
/// one render closure per row keeps the bundle smaller than one per cell).
fn row_cells(v: RowView) -> impl IntoView {
    let more = (v.more_aliases > 0).then(|| format!("+{} more alias(es)", v.more_aliases));
    let desc_title = v.description.clone();
    let badges_busy = v.loading && v.problems.is_empty();
    let problems =
        (!v.problems.is_empty()).then(|| (v.problems.join(", "), v.problem_text.clone()));
    let scope = v.scope.clone();
    let set = (!v.set_regions.is_empty()).then(|| v.set_regions.join(", "));
    view! {
        {scope.map(|(account, region)| view! {
            <td data-label="Account"><span class="mono" data-testid="key-account">{account}</span></td>
            <td data-label="Region"><span class="mono" data-testid="key-region">{region}</span></td>
        })}
        <td class="col-key">
            <div class="cell-main" data-testid="key-alias">
                {v.alias.unwrap_or_else(|| "\u{2014}".to_string())}
            </div>
            {more.map(|t| view! { <div class="cell-sub">{t}</div> })}
            <div class="cell-sub id" data-testid="key-id">{v.key_id}</div>
            {v.description.map(|d| view! {
                <div class="cell-sub desc" data-testid="key-description" title=desc_title>{d}</div>
            })}
            // In the key's own cell, so a narrow or scrolled table never hides why a row is odd.
            {(v.in_progress || v.outcome_unknown || problems.is_some() || badges_busy).then(|| view! {
                <div class="badges row-status">
                    {v.in_progress.then(|| view! {
                        <span class="badge info" data-testid="key-in-progress">
                            <span class="spinner" aria-hidden="true"></span>
                            " in progress"
                        </span>
                    })}
                    {v.outcome_unknown.then(|| view! {
                        <span class="badge warn" data-testid="key-outcome-unknown">"rotation outcome unknown"</span>
                    })}
                    {problems.map(|(codes, text)| view! {
                        <span class="badge danger" title=text data-testid="key-problem">{codes}</span>
                    })}
                    {badges_busy.then(|| view! {
                        <span class="spinner" role="img" aria-label="loading"></span>
                    })}
                </div>
            })}
        </td>
        <td data-label="State">
            <span class=v.state_class data-testid="key-state">{v.state}</span>
        </td>
        <td class="col-optional">
            <div>{v.spec}</div>
            <div class="badges">
                {v.managed.map(|m| view! { <span class="badge info">{m}</span> })}
                {v.multi_region.map(|m| view! { <span class="badge outline">{m}</span> })}
                {set.map(|r| view! {
                    <span class="badge outline" data-testid="key-replicas" title="The other Regions of this multi-Region key (one set: rotate it through its primary)">
                        {format!("also in {r}")}
                    </span>
                })}
            </div>
        </td>
        <td data-label="Automatic rotation">
            <span class=v.auto_class data-testid="key-auto-rotation">{v.auto}</span>
        </td>
        <td class="col-optional">{v.next}</td>
        <td class="num" data-label="On-demand left">
            <span class=v.remaining_class data-testid="key-remaining">{v.remaining}</span>
        </td>
        <td class="col-optional">{v.last}</td>
        <td class="col-verdict" data-label="Policy" data-testid="key-verdict">
            {v.verdict.map(verdict_view)}
        </td>
    }
}

/// A line of the table body: a key, or the header of the group that starts there on the page.
#[derive(Clone, Debug, PartialEq)]
enum Line {
    Key(RowKey),
    Group { name: String, text: String },
}

/// One line of the table body by position: the page's `index`-th line. A new page, filter or
/// order gives the position another key, and the row's cells are updated in place instead of being
/// built again (docs/performance.md §2).
#[component]
fn TableLine(lines: Memo<Vec<Line>>, index: usize) -> impl IntoView {
    let app = use_app();
    let line = Memo::new(move |_| lines.with(|v| v.get(index).cloned()));
    let is_group = Memo::new(move |_| line.with(|l| matches!(l, Some(Line::Group { .. }))));
    move || {
        if is_group.get() {
            let name = move || match line.get() {
                Some(Line::Group { name, .. }) => name,
                _ => String::new(),
            };
            let text = move || match line.get() {
                Some(Line::Group { text, .. }) => text,
                _ => String::new(),
            };
            view! {
                <tr class="group-row" data-testid="group-header" data-group=name>
                    <th colspan=move || if app.show_last_use.get() { "12" } else { "11" } scope="rowgroup">{text}</th>
                </tr>
            }
            .into_any()
        } else {
            let key = Memo::new(move |_| match line.get() {
                Some(Line::Key(k)) => Some(k),
                _ => None,
            });
            view! { <KeyTableRow key=key/> }.into_any()
        }
    }
}

#[component]
fn KeyTableRow(key: Memo<Option<RowKey>>) -> impl IntoView {
    let app = use_app();
    // The rotation's flow is its own memo, so a row re-renders only when its own flow changes.
    let rotation = rotate::use_rotation(key);
    // What the row's text depends on besides its flow: its revision, the scope columns and its
    // multi-Region set. Cheap to compare, so a batch of loader answers re-renders only the rows
    // whose keys changed (docs/performance.md §2).
    let signature = Memo::new(move |_| {
        key.with(|k| {
            let k = k.as_ref()?;
            app.fleet.with(|f| {
                let rev = f.row(k)?.rev();
                let name = f.scope(&k.scope).and_then(|e| e.account_name.clone());
                let verdict = app.verdicts.with(|v| v.of_key(f, k).cloned());
                Some((
                    k.clone(),
                    rev,
                    f.is_multi(),
                    name,
                    f.set_members(k),
                    verdict,
                ))
            })
        })
    });
    let view_memo = Memo::new(move |_| {
        // Read, not only tracked: a memo never read has no sources and never changes.
        signature.with(|_| ());
        let flow = rotation.flow.get();
        key.with(|k| {
            let k = k.as_ref()?;
            app.fleet.with_untracked(|f| {
                let verdict = app.verdicts.with_untracked(|v| v.of_key(f, k).cloned());
                f.row(k).map(|r| row_view(f, k, r, flow.as_ref(), verdict))
            })
        })
    });
    let selected = Memo::new(move |_| {
        key.with(|k| k.is_some() && app.selected.with(|s| s.as_ref() == k.as_ref()))
    });
    // A position can show another key between the press and the click (a batch re-sorts the
    // page while loading): the click opens the key that was under the pointer when pressed.
    let pressed = StoredValue::new(None::<RowKey>);
    let open = move || {
        let k = pressed
            .try_update_value(Option::take)
            .flatten()
            .or_else(|| key.get_untracked());
        if let Some(k) = k {
            navigate::select_key(app, Some(k), true);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" || ev.key() == " " {
            ev.prevent_default();
            open();
        }
    };
    let attr = move |pick: fn(&RowKey) -> String| move || key.with(|k| k.as_ref().map(pick));
    let checked = Memo::new(move |_| {
        key.with(|k| {
            k.as_ref()
                .is_some_and(|k| app.selection.with(|s| s.contains(k)))
        })
    });
    let check_label = move || {
        key.with(|k| {
            k.as_ref()
                .map(|k| format!("Select {} for a bulk action", k.key_id))
        })
    };
    let verdict_attr = move || {
        signature.with(|s| {
            s.as_ref()
                .and_then(|s| s.5.as_ref().map(|v| v.outcome.as_str()))
        })
    };

    view! {
        <tr
            class=move || if selected.get() { "key-row selected" } else { "key-row" }
            data-testid="key-row"
            data-key-id=attr(|k| k.key_id.clone())
            data-account=attr(|k| k.scope.account.clone())
            data-region=attr(|k| k.scope.region.clone())
            data-verdict=verdict_attr
            tabindex="0"
            aria-selected=move || if selected.get() { "true" } else { "false" }
            on:pointerdown=move |_| pressed.set_value(key.get_untracked())
            on:click=move |_| open()
            on:keydown=on_key
        >
            {move || view_memo.get().map(row_cells)}
            <Show when=move || app.show_last_use.get()>
                <LastUseCell key=key/>
            </Show>
            // The checkbox selects for a bulk action; its clicks and keys never open the key. It is
            // the last cell, so a click at the row's start always opens the key.
            <td
                class="col-select"
                on:click=|ev| ev.stop_propagation()
                on:pointerdown=|ev| ev.stop_propagation()
                on:keydown=|ev| ev.stop_propagation()
            >
                <input
                    type="checkbox"
                    data-testid="select-row"
                    aria-label=check_label
                    prop:checked=move || checked.get()
                    on:change=move |ev| {
                        if let Some(k) = key.get_untracked() {
                            bulk::set_selected(app, k, event_target_checked(&ev));
                        }
                    }
                />
            </td>
        </tr>
    }
}

#[component]
fn SortHeader(column: SortColumn, #[prop(optional)] class: &'static str) -> impl IntoView {
    let app = use_app();
    view! {
        <th class=class aria-sort=move || app.sort.with(|s| s.aria_for(column)) scope="col">
            <button
                type="button"
                class="sort"
                on:click=move |_| app.sort.update(|s| *s = s.toggled(column))
            >
                {column.label()}
            </button>
        </th>
    }
}

/// The first column holds alias and key id, so its header sorts by either.
#[component]
fn AliasHeader() -> impl IntoView {
    let app = use_app();
    let aria = move || {
        app.sort.with(|s| match s.aria_for(SortColumn::Alias) {
            "none" => s.aria_for(SortColumn::KeyId),
            a => a,
        })
    };
    let pressed = move |c: SortColumn| {
        move || {
            if app.sort.with(|s| s.column == c) {
                "true"
            } else {
                "false"
            }
        }
    };
    view! {
        <th class="col-key" aria-sort=aria scope="col">
            <button
                type="button"
                class="sort"
                data-sorted=pressed(SortColumn::Alias)
                on:click=move |_| app.sort.update(|s| *s = s.toggled(SortColumn::Alias))
            >
                {SortColumn::Alias.label()}
            </button>
            <span class="sort-sep" aria-hidden="true">" / "</span>
            <button
                type="button"
                class="sort"
                data-sorted=pressed(SortColumn::KeyId)
                on:click=move |_| app.sort.update(|s| *s = s.toggled(SortColumn::KeyId))
            >
                {SortColumn::KeyId.label()}
            </button>
        </th>
    }
}

#[component]
fn QuickFilter(
    label: &'static str,
    testid: &'static str,
    get: fn(&filter::Filter) -> bool,
    set: fn(&mut filter::Filter, bool),
) -> impl IntoView {
    let app = use_app();
    let on = move || app.filter.with(get);
    view! {
        <button
            type="button"
            class="chip"
            data-testid=testid
            aria-pressed=move || if on() { "true" } else { "false" }
            on:click=move |_| app.filter.update(|f| {
                let v = get(f);
                set(f, !v)
            })
        >
            {label}
        </button>
    }
}

#[component]
fn InventoryCard() -> impl IntoView {
    let app = use_app();
    // Sorting runs when the fleet or the order changes; a keystroke only filters the sorted
    // rows, by facts each row derived when it changed (filter.rs).
    let order = Memo::new(move |_| {
        let sort = app.sort.get();
        let group = app.group.get();
        app.verdicts
            .with(|v| app.fleet.with(|f| filter::sorted(f, sort, group, v)))
    });
    let visible = Memo::new(move |_| {
        let filter = app.filter.get();
        order.with(|o| {
            app.verdicts
                .with(|v| app.fleet.with(|f| filter::filter_sorted(f, o, &filter, v)))
        })
    });
    let progress = Memo::new(move |_| app.fleet.with(Fleet::progress));
    let shown_keys = move || {
        visible.with_untracked(|v| {
            app.fleet
                .with_untracked(|f| v.iter().filter_map(|at| at.key(f)).collect::<Vec<RowKey>>())
        })
    };
    // Nothing selected (the common case while loading): no pass over the rows.
    let all_shown = Memo::new(move |_| {
        if app.selection.with(|s| s.is_empty()) {
            return AllShown::None;
        }
        visible.with(|v| {
            app.fleet.with(|f| {
                let keys: Vec<RowKey> = v.iter().filter_map(|at| at.key(f)).collect();
                app.selection.with(|s| s.all_shown(&keys))
            })
        })
    });
    let total = Memo::new(move |_| app.fleet.with(filter::listed_len));
    let multi = Memo::new(move |_| app.fleet.with(Fleet::is_multi));
    // With one scope its errors show here; with several, on each scope's line (Scopes).
    let single = move |pick: fn(&crate::console::inventory::Inventory) -> Option<String>| {
        app.fleet.with(|f| match f.scopes() {
            [one] => pick(&one.inventory),
            _ => None,
        })
    };
    let keys_error = Memo::new(move |_| {
        single(|i| {
            i.keys_error
                .as_ref()
                .map(crate::aws::error::AwsError::user_message)
        })
    });
    let aliases_error = Memo::new(move |_| {
        single(|i| {
            i.aliases
                .error()
                .map(crate::aws::error::AwsError::user_message)
        })
    });
    let title = Memo::new(move |_| {
        app.fleet.with(|f| match f.scopes() {
            [one] => format!("Keys in {}", one.id.region),
            all => {
                let mut regions: Vec<&str> = all.iter().map(|e| e.id.region.as_str()).collect();
                crate::sort::sort(&mut regions);
                regions.dedup();
                let accounts = f.accounts_in_order().len();
                format!(
                    "Keys in {accounts} account{} \u{d7} {} Region{}",
                    if accounts == 1 { "" } else { "s" },
                    regions.len(),
                    if regions.len() == 1 { "" } else { "s" }
                )
            }
        })
    });
    let failed = Memo::new(move |_| app.fleet.with(Fleet::failed_count));
    let retrying = RwSignal::new(false);
    let goto = RwSignal::new(String::new());
    // Read once a second (the page's clock tick): the limiters are plain state, not signals.
    let pacing = Memo::new(move |_| {
        let now = crate::aws::limiter::seconds(app.now.get());
        let status: Vec<_> = app
            .limiters
            .with_value(|m| m.values().flat_map(|l| l.status(now)).collect());
        format::pacing_text(&status)
    });

    // Pages keep the table small: every layout pass of a 1,000-row table costs more than the
    // requests that fill it.
    let page = RwSignal::new(0usize);
    let page_size = RwSignal::new(PAGE_SIZES[1]);
    Effect::new(move |_| {
        app.filter.track();
        app.sort.track();
        app.group.track();
        multi.track();
        page.set(0);
    });
    let pages = Memo::new(move |_| visible.with(Vec::len).div_ceil(page_size.get()).max(1));
    let page_ids = Memo::new(move |_| {
        let size = page_size.get();
        let p = page.get().min(pages.get() - 1);
        visible.with(|v| {
            app.fleet.with(|f| {
                v.iter()
                    .skip(p * size)
                    .take(size)
                    .filter_map(|at| at.key(f))
                    .collect::<Vec<RowKey>>()
            })
        })
    });
    // The rows on screen are read first by the loads still running.
    Effect::new(move |_| page_ids.with(|keys| load::prioritize(app, keys)));
    // While grouping, each group's first row on the page gets a header with the group's size.
    // The "Last use" column reads the shown page's keys only, when shown (docs/kms.md §2.16).
    Effect::new(move |_| {
        if app.show_last_use.get() {
            material::load_last_use(app, page_ids.get());
        }
    });
    let lines = Memo::new(move |_| {
        let group = app.group.get();
        let keys = page_ids.get();
        if group == Group::None || !multi.get() {
            return keys.into_iter().map(Line::Key).collect::<Vec<_>>();
        }
        app.fleet.with(|f| {
            let counts = visible.with(|v| filter::group_sizes(f, v, group));
            let mut out = Vec::with_capacity(keys.len() + 4);
            let mut last: Option<String> = None;
            for k in keys {
                let name = group.of_id(&k.scope).to_string();
                if last.as_deref() != Some(name.as_str()) {
                    let label = match group {
                        Group::Account => {
                            let account_name = f
                                .scope(&k.scope)
                                .and_then(|e| e.account_name.clone())
                                .map(|n| format!(" ({n})"))
                                .unwrap_or_default();
                            format!("Account {name}{account_name}")
                        }
                        _ => format!("Region {name}"),
                    };
                    let n = counts.get(&name).copied().unwrap_or(0);
                    out.push(Line::Group {
                        text: format!(
                            "{label} \u{2014} {} key{}",
                            format::thousands(n),
                            if n == 1 { "" } else { "s" }
                        ),
                        name: name.clone(),
                    });
                    last = Some(name);
                }
                out.push(Line::Key(k));
            }
            out
        })
    });
    let range_text = move || {
        let n = visible.with(Vec::len);
        let size = page_size.get();
        let p = page.get().min(pages.get() - 1);
        let first = (p * size + 1).min(n);
        let last = ((p + 1) * size).min(n);
        format!(
            "Rows {}\u{2013}{} of {}",
            format::thousands(first),
            format::thousands(last),
            format::thousands(n)
        )
    };

    view! {
        <section class="card inventory" id="inventory" aria-labelledby="inventory-title" tabindex="-1">
            <div class="card-head">
                <h2 id="inventory-title">{move || title.get()}</h2>
                <span class="spacer"></span>
                <form
                    class="goto"
                    role="search"
                    aria-label="Go to key"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let v = goto.get_untracked();
                        navigate::go_to_key(app, v);
                    }
                >
                    <label for="goto-key" class="visually-hidden">"Go to key"</label>
                    <input
                        id="goto-key"
                        type="text"
                        data-testid="go-to-key"
                        placeholder="Go to key: ID, ARN, alias/name or alias ARN"
                        spellcheck="false"
                        autocomplete="off"
                        prop:value=move || goto.get()
                        on:input=move |ev| goto.set(event_target_value(&ev))
                    />
                    <button type="submit" class="btn small" data-testid="go-to-key-submit">
                        "Open"
                    </button>
                </form>
            </div>
            <div class="toolbar">
                <div class="filter">
                    <label for="inventory-filter" class="visually-hidden">
                        "Filter keys by alias, ID or description"
                    </label>
                    <input
                        id="inventory-filter"
                        type="search"
                        data-testid="inventory-filter"
                        placeholder="Filter by alias, key ID or description"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || app.filter.with(|f| f.text.clone())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            app.filter.update(|f| f.text = v)
                        }
                    />
                </div>
                <Show when=move || multi.get()>
                    <label class="pager-size">
                        "Group by "
                        <select
                            data-testid="group-by"
                            on:change=move |ev| app.group.set(Group::parse(&event_target_value(&ev)))
                        >
                            {[(Group::None, "nothing"), (Group::Account, "account"), (Group::Region, "Region")]
                                .into_iter()
                                .map(|(g, label)| view! {
                                    <option value=g.as_str() prop:selected=move || app.group.get() == g>{label}</option>
                                })
                                .collect_view()}
                        </select>
                    </label>
                </Show>
                <div class="chips" role="group" aria-label="Quick filters">
                    <QuickFilter
                        label="Rotatable now"
                        testid="filter-rotatable"
                        get=|f| f.rotatable
                        set=|f, v| f.rotatable = v
                    />
                    <QuickFilter
                        label="Automatic rotation off"
                        testid="filter-auto-off"
                        get=|f| f.auto_off
                        set=|f, v| f.auto_off = v
                    />
                    <QuickFilter
                        label="Customer managed"
                        testid="filter-customer-managed"
                        get=|f| f.customer_managed
                        set=|f, v| f.customer_managed = v
                    />
                    <QuickFilter
                        label="Failing policy"
                        testid="filter-failing"
                        get=|f| f.failing
                        set=|f, v| f.failing = v
                    />
                    <QuickFilter
                        label="Quota low"
                        testid="filter-quota-low"
                        get=|f| f.quota_low
                        set=|f, v| f.quota_low = v
                    />
                    // Set from a cell of the compliance picture; a click here lifts it.
                    {move || app.filter.with(|f| f.scope.clone()).map(|s| view! {
                        <button
                            type="button"
                            class="chip"
                            data-testid="filter-scope"
                            aria-pressed="true"
                            title="Only this scope's keys (from the compliance picture): select to show every scope"
                            on:click=move |_| compliance::clear_scope_filter(app)
                        >
                            {format!("{} {} \u{2715}", s.account, s.region)}
                        </button>
                    })}
                </div>
            </div>
            <div class="inventory-status">
                <span class="count" data-testid="inventory-count" aria-live="polite">
                    {move || filter::count_text(visible.with(Vec::len), total.get())}
                </span>
                <Show when=move || progress.get().is_loading()>
                    <span class="progress" data-testid="inventory-progress" role="status">
                        <progress
                            max="1"
                            prop:value=move || progress.get().fraction()
                            aria-label="Loading progress"
                        ></progress>
                        <span>{move || progress.get().text()}</span>
                    </span>
                </Show>
                {move || pacing.get().map(|t| view! {
                    <span class="warn-text" data-testid="pacing-status" role="status">{t}</span>
                })}
                <label class="pager-size" title="Show when each key of the page was last used (GetKeyLastUsage, read for the shown page only: its quota is 5 requests per second)">
                    <input
                        type="checkbox"
                        data-testid="show-last-use"
                        prop:checked=move || app.show_last_use.get()
                        on:change=move |ev| app.show_last_use.set(event_target_checked(&ev))
                    />
                    " Last use"
                </label>
                <label class="pager-size" title="The share of each KMS request quota keyturn may use in this account and region; it backs off further whenever KMS throttles.">
                    "Pace "
                    <select
                        data-testid="quota-share"
                        on:change=move |ev| {
                            if let Ok(pct) = event_target_value(&ev).parse::<f64>() {
                                scopes::set_quota_share(app, pct / 100.0);
                            }
                        }
                    >
                        {[25u32, 50, 75, 90, 100]
                            .into_iter()
                            .map(|pct| {
                                let selected = move || {
                                    (app.quota_share.get() * 100.0).round() as u32 == pct
                                };
                                view! {
                                    <option value=pct.to_string() prop:selected=selected>
                                        {format!("{pct}% of the quota")}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <Show when=move || app.filter.with(filter::Filter::is_active)>
                    <button
                        type="button"
                        class="link-button"
                        on:click=move |_| app.filter.set(filter::Filter::default())
                    >
                        "Clear filters"
                    </button>
                </Show>
                <Show when=move || { failed.get() > 0 && !progress.get().is_loading() }>
                    <button
                        type="button"
                        class="btn small"
                        data-testid="inventory-retry-failed"
                        disabled=move || retrying.get()
                        on:click=move |_| load::retry_failed(app, retrying)
                    >
                        {move || {
                            let n = failed.get();
                            if retrying.get() {
                                "Retrying\u{2026}".to_string()
                            } else if n == 1 {
                                "Retry the key that failed".to_string()
                            } else {
                                format!("Retry the {} keys that failed", format::thousands(n))
                            }
                        }}
                    </button>
                </Show>
                <button
                    type="button"
                    class="btn small"
                    data-testid="inventory-reload"
                    title="List and read every key of every scope again"
                    disabled=move || progress.get().is_loading()
                    on:click=move |_| load::reload_all(app)
                >
                    "Reload"
                </button>
                {move || {
                    aliases_error
                        .get()
                        .map(|e| {
                            view! {
                                <span class="warn-text">"Aliases could not be listed: " {e}</span>
                            }
                        })
                }}
            </div>
            <div class="table-wrap">
                <table class=move || if multi.get() { "keys multi" } else { "keys" } data-testid="key-table">
                    <caption class="visually-hidden">
                        "KMS keys with their rotation status. Select a row to open the key."
                    </caption>
                    <thead>
                        <tr>
                            <Show when=move || multi.get()>
                                <th scope="col">"Account"</th>
                                <th scope="col">"Region"</th>
                            </Show>
                            <AliasHeader/>
                            <SortHeader column=SortColumn::State/>
                            <SortHeader column=SortColumn::Spec class="col-optional"/>
                            <SortHeader column=SortColumn::AutoRotation/>
                            <SortHeader column=SortColumn::NextRotation class="col-optional"/>
                            <SortHeader column=SortColumn::Remaining class="num"/>
                            <SortHeader column=SortColumn::LastRotation class="col-optional"/>
                            <SortHeader column=SortColumn::Verdict class="col-verdict"/>
                            <Show when=move || app.show_last_use.get()>
                                <th scope="col" class="col-last-use">"Last use"</th>
                            </Show>
                            <th scope="col" class="col-select">
                                <input
                                    type="checkbox"
                                    data-testid="select-all-shown"
                                    title="Select every key the filters show, on every page"
                                    aria-label=move || format!("Select all {} shown keys, on every page", visible.with(Vec::len))
                                    prop:checked=move || all_shown.get() == AllShown::All
                                    prop:indeterminate=move || all_shown.get() == AllShown::Some
                                    on:change=move |_| {
                                        let keys = shown_keys();
                                        bulk::toggle_all_shown(app, &keys);
                                    }
                                />
                            </th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || 0..lines.with(Vec::len)
                            key=|i| *i
                            children=move |i| view! { <TableLine lines=lines index=i/> }
                        />
                    </tbody>
                </table>
                {move || {
                    if let Some(e) = keys_error.get() {
                        return Some(view! { <p class="empty danger-text">{e}</p> }.into_any());
                    }
                    let p = progress.get();
                    if total.get() == 0 && !p.is_loading() {
                        return Some(
                            view! { <p class="empty">"There are no KMS keys in the chosen scopes."</p> }
                                .into_any(),
                        );
                    }
                    if total.get() > 0 && visible.with(Vec::is_empty) {
                        return Some(
                            view! { <p class="empty">"No key matches the filters."</p> }.into_any(),
                        );
                    }
                    None
                }}
            </div>
            <Show when=move || { visible.with(Vec::len) > PAGE_SIZES[0] }>
                <div class="pager table-pager" data-testid="inventory-pager">
                    <span>{range_text}</span>
                    <span class="spacer"></span>
                    <label class="pager-size">
                        "Rows per page "
                        <select on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                page_size.set(n.max(1));
                                page.set(0);
                            }
                        }>
                            {PAGE_SIZES
                                .iter()
                                .map(|n| {
                                    let n = *n;
                                    view! {
                                        <option value=n.to_string() prop:selected=move || page_size.get() == n>
                                            {n.to_string()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <button
                        type="button"
                        class="btn small"
                        data-testid="inventory-prev"
                        prop:disabled=move || page.get() == 0
                        on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
                    >
                        "Previous"
                    </button>
                    <button
                        type="button"
                        class="btn small"
                        data-testid="inventory-next"
                        prop:disabled=move || { page.get() + 1 >= pages.get() }
                        on:click=move |_| page.update(|p| *p += 1)
                    >
                        "Next"
                    </button>
                </div>
            </Show>
        </section>
    }
}

/// One key's last use in the inventory (the "Last use" column).
#[component]
fn LastUseCell(key: Memo<Option<RowKey>>) -> impl IntoView {
    let app = use_app();
    let read = Memo::new(move |_| {
        key.with(|k| {
            k.as_ref()
                .and_then(|k| app.last_use.with(|m| m.get(k).cloned()))
        })
    });
    let state = move || match read.get() {
        Some(Some(Ok(u))) => u.state(),
        Some(Some(Err(_))) => "error",
        _ => "loading",
    };
    let text = move || match read.get() {
        Some(Some(Ok(u))) => u.short(),
        Some(Some(Err(_))) => "unreadable".to_string(),
        _ => "\u{2026}".to_string(),
    };
    let title = move || match read.get() {
        Some(Some(Ok(u))) => u.sentence(),
        Some(Some(Err(e))) => e,
        _ => "Reading the last use\u{2026}".to_string(),
    };
    view! {
        <td class="col-last-use" data-testid="last-use-cell" data-state=state title=title>{text}</td>
    }
}

/// The connected page body: the inventory, and the key panel beside it when a key is open.
#[component]
pub fn Workspace() -> impl IntoView {
    let app = use_app();
    let open = Memo::new(move |_| app.selected.with(Option::is_some));
    view! {
        <main class=move || if open.get() { "workspace with-panel" } else { "workspace" } id="main">
            <InventoryCard/>
            {move || app.selected.get().map(|key| view! { <KeyPanel key=key/> })}
        </main>
    }
}
