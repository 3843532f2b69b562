//! The inventory: the region's keys as they load (progress, filter, quick filters, sort, count),
//! the "go to key" box, and the key selection that the key panel and the URL follow.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::app::switch_region;
use super::dom;
use super::key_panel::KeyPanel;
use super::state::App;
use crate::aws::error::{AwsError, ErrorCode};
use crate::aws::kms::{DescribeKey, KeyState, MultiRegionKeyType};
use crate::console::arn::{key_fragment, parse_key_ref, KeyRef, Route};
use crate::console::filter::{self, SortColumn};
use crate::console::format;
use crate::console::inventory::{
    load_inventory, load_key_details, AutoRotation, Inventory, InventoryEvent, KeyRow, LoadConfig,
    LoadOutcome,
};
use crate::console::quota::{is_low, ON_DEMAND_ROTATION_LIMIT};
use crate::console::rotation::{self, Activity, RotateFlow};
use crate::console::session::CancelToken;

/// How often loader events are folded into the view: one re-render per batch instead of one per
/// answer keeps a 1,000-key load smooth.
const FLUSH_EVERY: Duration = Duration::from_millis(150);

/// Table page sizes offered; the second is the default.
const PAGE_SIZES: [usize; 3] = [50, 100, 250];

/// Collects loader events and applies them to `app.inventory` in batches. Events that arrive
/// after the token was cancelled (disconnect, region switch) are dropped.
struct Batcher {
    app: App,
    token: CancelToken,
    buffer: RefCell<Vec<InventoryEvent>>,
    scheduled: Cell<bool>,
    /// Single-key refreshes must not mark the whole inventory finished.
    partial: bool,
}

impl Batcher {
    fn new(app: App, token: CancelToken, partial: bool) -> Rc<Self> {
        Rc::new(Batcher {
            app,
            token,
            buffer: RefCell::new(Vec::new()),
            scheduled: Cell::new(false),
            partial,
        })
    }

    fn push(self: &Rc<Self>, ev: InventoryEvent) {
        if self.partial && matches!(ev, InventoryEvent::Finished | InventoryEvent::Stopped(_)) {
            return;
        }
        self.buffer.borrow_mut().push(ev);
        if !self.scheduled.get() {
            self.scheduled.set(true);
            let me = Rc::clone(self);
            set_timeout(move || me.flush(), FLUSH_EVERY);
        }
    }

    fn flush(&self) {
        self.scheduled.set(false);
        let events = std::mem::take(&mut *self.buffer.borrow_mut());
        if events.is_empty() || self.token.is_cancelled() {
            return;
        }
        let generation = self.token.generation();
        self.app.inventory.update(|inv| {
            if inv.generation != generation {
                return;
            }
            for ev in events {
                inv.apply(ev);
            }
        });
    }
}

/// Start (or restart) the inventory of the current session's region.
pub fn start(app: App) {
    let Some(client) = app.client() else { return };
    let Some((token, region)) = app
        .connection
        .with_untracked(|c| c.session().map(|s| (s.token(), s.region().to_string())))
    else {
        return;
    };
    app.inventory
        .set(Inventory::new(region, token.generation()));
    let batcher = Batcher::new(app, token.clone(), false);
    spawn_local(async move {
        let sink = Rc::clone(&batcher);
        let outcome = load_inventory(&client, &token, &LoadConfig::default(), move |ev| {
            sink.push(ev)
        })
        .await;
        batcher.flush();
        if let LoadOutcome::Failed(e) = outcome {
            app.report(&e);
        }
    });
}

/// Read again every key whose reads failed (throttling that outlasted the retries, a
/// permission since granted). `busy` is true while it runs.
fn retry_failed(app: App, busy: RwSignal<bool>) {
    let Some((client, token)) = app.connected() else {
        return;
    };
    let ids = app.inventory.with_untracked(Inventory::failed_key_ids);
    if ids.is_empty() {
        return;
    }
    busy.set(true);
    let batcher = Batcher::new(app, token.clone(), true);
    spawn_local(async move {
        let sink = Rc::clone(&batcher);
        let outcome = load_key_details(&client, ids, &token, &LoadConfig::default(), move |ev| {
            sink.push(ev)
        })
        .await;
        batcher.flush();
        busy.try_set(false);
        if let LoadOutcome::Failed(e) = outcome {
            app.report(&e);
        }
    });
}

/// Re-read one key's details (DescribeKey, rotation status, history). A key that does not
/// exist is not added to the inventory: its panel closes with the error.
pub fn refresh_key(app: App, key_id: String) {
    let Some((client, token)) = app.connected() else {
        return;
    };
    let batcher = Batcher::new(app, token.clone(), true);
    spawn_local(async move {
        let sink = Rc::clone(&batcher);
        let wanted = key_id.clone();
        let not_found: Rc<RefCell<Option<AwsError>>> = Rc::new(RefCell::new(None));
        let nf = Rc::clone(&not_found);
        let _ = load_key_details(
            &client,
            vec![key_id.clone()],
            &token,
            &LoadConfig::default(),
            move |ev| match ev {
                InventoryEvent::Described {
                    ref key_id,
                    result: Err(ref e),
                } if key_id == &wanted
                    && matches!(e.code(), Some(ErrorCode::NotFoundException)) =>
                {
                    *nf.borrow_mut() = Some(e.clone());
                }
                ev => sink.push(ev),
            },
        )
        .await;
        batcher.flush();
        let missing = not_found.borrow_mut().take();
        if let Some(e) = missing {
            if app.selected.get_untracked().as_deref() == Some(key_id.as_str()) {
                select_key(app, None, false);
            }
            app.report(&e);
        }
    });
}

/// Open (Some) or close (None) a key panel, and put it in the URL. `push` adds a history entry.
pub fn select_key(app: App, key_id: Option<String>, push: bool) {
    let region = app.region().unwrap_or_default();
    if app.selected.get_untracked() != key_id {
        app.selected.set(key_id.clone());
    }
    if region.is_empty() {
        return;
    }
    let fragment = match &key_id {
        Some(id) => key_fragment(&region, id),
        None => Route::Region { region }.to_fragment(),
    };
    dom::set_hash(&fragment, push);
}

/// "Go to key": a key id, key ARN (its region is used), alias name or alias ARN.
/// Minimal adapter: aliases that are not in the loaded inventory are resolved with one
/// DescribeKey here (console/ has no resolver for them).
fn go_to_key(app: App, input: String) {
    let key_ref = match parse_key_ref(&input) {
        Ok(k) => k,
        Err(e) => {
            app.show_error_text(e.to_string());
            return;
        }
    };
    let current = app.region().unwrap_or_default();
    if let Some(r) = key_ref.region() {
        if r != current {
            switch_region(app, r.to_string());
        }
    }
    if let Some(id) = key_ref.key_id() {
        select_key(app, Some(id.to_ascii_lowercase()), true);
        return;
    }
    // An alias: look in the inventory of this region first.
    if let KeyRef::AliasName(name) = &key_ref {
        let found = app
            .inventory
            .with_untracked(|inv| inv.find_alias(name).map(|r| r.key_id.clone()));
        if let Some(id) = found {
            select_key(app, Some(id), true);
            return;
        }
    }
    let Some((client, token)) = app.connected() else {
        return;
    };
    let describe_id = key_ref.describe_key_id();
    spawn_local(async move {
        let result = client.call(&DescribeKey::new(describe_id)).await;
        if token.is_cancelled() {
            return;
        }
        match result {
            Ok(out) => {
                let id = out.key_metadata.key_id.clone();
                let generation = token.generation();
                app.inventory.update(|inv| {
                    if inv.generation == generation {
                        inv.upsert_metadata(out.key_metadata);
                    }
                });
                select_key(app, Some(id.clone()), true);
                refresh_key(app, id);
            }
            Err(e) => app.report(&e),
        }
    });
}

/// What one table row shows, computed from the model so that a row re-renders only when its
/// own text changes.
#[derive(Clone, Debug, PartialEq)]
struct RowView {
    key_id: String,
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
}

fn row_view(row: &KeyRow, flow: Option<&RotateFlow>) -> RowView {
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
    RowView {
        key_id: row.key_id.clone(),
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
            codes.sort();
            codes.dedup();
            codes
        },
        problem_text: row.problems().join(" "),
        loading: !row.is_complete(),
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
    view! {
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
    }
}

#[component]
fn KeyTableRow(app: App, key_id: String) -> impl IntoView {
    let id = key_id.clone();
    let view_memo = Memo::new(move |_| {
        app.inventory.with(|inv| {
            inv.row(&id).map(|r| {
                app.flows
                    .with(|m| row_view(r, m.get(&rotation::flow_key(&inv.region, &id))))
            })
        })
    });
    let id_sel = key_id.clone();
    let selected = Memo::new(move |_| app.selected.with(|s| s.as_deref() == Some(id_sel.as_str())));
    let open = {
        let key_id = key_id.clone();
        move || select_key(app, Some(key_id.clone()), true)
    };
    let open_click = open.clone();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" || ev.key() == " " {
            ev.prevent_default();
            open();
        }
    };

    view! {
        <tr
            class=move || if selected.get() { "key-row selected" } else { "key-row" }
            data-testid="key-row"
            data-key-id=key_id
            tabindex="0"
            aria-selected=move || if selected.get() { "true" } else { "false" }
            on:click=move |_| open_click()
            on:keydown=on_key
        >
            {move || view_memo.get().map(row_cells)}
        </tr>
    }
}

#[component]
fn SortHeader(
    app: App,
    column: SortColumn,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
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
fn AliasHeader(app: App) -> impl IntoView {
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
    app: App,
    label: &'static str,
    testid: &'static str,
    get: fn(&filter::Filter) -> bool,
    set: fn(&mut filter::Filter, bool),
) -> impl IntoView {
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
fn InventoryCard(app: App) -> impl IntoView {
    let visible = Memo::new(move |_| {
        let filter = app.filter.get();
        let sort = app.sort.get();
        app.inventory.with(|inv| {
            filter::view(inv, &filter, sort)
                .into_iter()
                .map(|r| r.key_id.clone())
                .collect::<Vec<String>>()
        })
    });
    let progress = Memo::new(move |_| app.inventory.with(Inventory::progress));
    let total = Memo::new(move |_| app.inventory.with(Inventory::len));
    let keys_error = Memo::new(move |_| {
        app.inventory
            .with(|i| i.keys_error.as_ref().map(AwsError::user_message))
    });
    let aliases_error = Memo::new(move |_| {
        app.inventory
            .with(|i| i.aliases.error().map(AwsError::user_message))
    });
    let region = Memo::new(move |_| app.inventory.with(|i| i.region.clone()));
    let failed = Memo::new(move |_| app.inventory.with(Inventory::failed_count));
    let retrying = RwSignal::new(false);
    let goto = RwSignal::new(String::new());
    // Read once a second (the page's clock tick): the limiters are plain state, not signals.
    let pacing = Memo::new(move |_| {
        app.now.track();
        let region = region.get();
        format::pacing_text(&app.limiters_for(&region).status())
    });

    // Pages keep the table small: every layout pass of a 1,000-row table costs more than the
    // requests that fill it.
    let page = RwSignal::new(0usize);
    let page_size = RwSignal::new(PAGE_SIZES[1]);
    Effect::new(move |_| {
        app.filter.track();
        app.sort.track();
        region.track();
        page.set(0);
    });
    let pages = Memo::new(move |_| visible.with(Vec::len).div_ceil(page_size.get()).max(1));
    let page_ids = Memo::new(move |_| {
        let size = page_size.get();
        let p = page.get().min(pages.get() - 1);
        visible.with(|v| {
            v.iter()
                .skip(p * size)
                .take(size)
                .cloned()
                .collect::<Vec<String>>()
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
                <h2 id="inventory-title">"Keys in " {move || region.get()}</h2>
                <span class="spacer"></span>
                <form
                    class="goto"
                    role="search"
                    aria-label="Go to key"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let v = goto.get_untracked();
                        go_to_key(app, v);
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
                <div class="chips" role="group" aria-label="Quick filters">
                    <QuickFilter
                        app=app
                        label="Rotatable now"
                        testid="filter-rotatable"
                        get=|f| f.rotatable
                        set=|f, v| f.rotatable = v
                    />
                    <QuickFilter
                        app=app
                        label="Automatic rotation off"
                        testid="filter-auto-off"
                        get=|f| f.auto_off
                        set=|f, v| f.auto_off = v
                    />
                    <QuickFilter
                        app=app
                        label="Customer managed"
                        testid="filter-customer-managed"
                        get=|f| f.customer_managed
                        set=|f, v| f.customer_managed = v
                    />
                    <QuickFilter
                        app=app
                        label="Quota low"
                        testid="filter-quota-low"
                        get=|f| f.quota_low
                        set=|f, v| f.quota_low = v
                    />
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
                <label class="pager-size" title="The share of each KMS request quota keyturn may use in this account and region; it backs off further whenever KMS throttles.">
                    "Pace "
                    <select
                        data-testid="quota-share"
                        on:change=move |ev| {
                            if let Ok(pct) = event_target_value(&ev).parse::<f64>() {
                                app.set_quota_share(pct / 100.0);
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
                        on:click=move |_| retry_failed(app, retrying)
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
                    title="List and read every key of the region again"
                    disabled=move || progress.get().is_loading()
                    on:click=move |_| start(app)
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
                <table class="keys" data-testid="key-table">
                    <caption class="visually-hidden">
                        "KMS keys with their rotation status. Select a row to open the key."
                    </caption>
                    <thead>
                        <tr>
                            <AliasHeader app=app/>
                            <SortHeader app=app column=SortColumn::State/>
                            <SortHeader app=app column=SortColumn::Spec class="col-optional"/>
                            <SortHeader app=app column=SortColumn::AutoRotation/>
                            <SortHeader app=app column=SortColumn::NextRotation class="col-optional"/>
                            <SortHeader app=app column=SortColumn::Remaining class="num"/>
                            <SortHeader app=app column=SortColumn::LastRotation class="col-optional"/>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || page_ids.get()
                            key=|id| id.clone()
                            children=move |id| view! { <KeyTableRow app=app key_id=id/> }
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
                            view! { <p class="empty">"There are no KMS keys in this region."</p> }
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

/// The connected page body: the inventory, and the key panel beside it when a key is open.
#[component]
pub fn Workspace(app: App) -> impl IntoView {
    let open = Memo::new(move |_| app.selected.with(Option::is_some));
    view! {
        <main class=move || if open.get() { "workspace with-panel" } else { "workspace" } id="main">
            <InventoryCard app=app/>
            {move || app.selected.get().map(|id| view! { <KeyPanel app=app key_id=id/> })}
        </main>
    }
}
