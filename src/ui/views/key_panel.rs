//! The key panel: on-demand quota and "Rotate now" (or why not), automatic rotation settings,
//! the rotation history and the key materials (paged), metadata and tags, and "Copy as AWS
//! CLI".

use leptos::prelude::*;

use super::compliance::Finding;

use super::import::{ImportMaterial, LastUseSection};
use super::widgets::CliBox;
use crate::aws::kms::{KeyMetadata, RotationsListEntry, Tag};
use crate::console::arn::parse_arn;
use crate::console::cli::{self, CliTarget};
use crate::console::fleet::RowKey;
use crate::console::format;
use crate::console::import;
use crate::console::inventory::{KeyRow, Load};
use crate::console::material;
use crate::console::quota::{ON_DEMAND_ROTATION_LIMIT, QUOTA_LOW_THRESHOLD};
use crate::console::rotation::{
    activity, Activity, AutoSetting, RotateFlow, RotatePhase, DEFAULT_ROTATION_PERIOD_DAYS,
    MAX_ROTATION_PERIOD_DAYS, MIN_ROTATION_PERIOD_DAYS,
};
use crate::console::scope::ScopeId;
use crate::ui::actions::load::refresh_key;
use crate::ui::actions::material as material_actions;
use crate::ui::actions::navigate::{open_key, select_key};
use crate::ui::actions::{rotate, settings};
use crate::ui::state::{use_app, App, NoticeKind};

/// History rows per page (the demo fleet's busiest key, 25 on-demand rotations, fits one page).
const HISTORY_PAGE: usize = 25;

/// Key materials per page.
const MATERIAL_PAGE: usize = 10;

/// The CLI target of `key`'s scope (its Region, the session's endpoint settings).
fn cli_target(app: App, key: &RowKey) -> CliTarget {
    app.endpoint_for(&key.scope.region)
        .map(|e| CliTarget::from(&e))
        .unwrap_or_default()
}

#[component]
pub fn KeyPanel(key: RowKey) -> impl IntoView {
    let app = use_app();
    let key_id = key.key_id.clone();
    let id = StoredValue::new(key.clone());
    let row = Memo::new(move |_| {
        let id = id.get_value();
        app.fleet.with(|f| f.row(&id).cloned())
    });

    let present = Memo::new(move |_| row.with(Option::is_some));

    // A key opened by link or "go to key" that ListKeys did not list: read it on its own.
    Effect::new(move |requested: Option<bool>| {
        if requested == Some(true) {
            return true;
        }
        let key = id.get_value();
        let (listed, exists) = app.fleet.with(|f| {
            f.scope(&key.scope).map_or((false, false), |e| {
                let i = &e.inventory;
                (
                    i.keys_done || i.keys_error.is_some() || i.finished,
                    i.row(&key.key_id).is_some(),
                )
            })
        });
        if listed && !exists {
            refresh_key(app, id.get_value());
            return true;
        }
        false
    });

    // A rotation started elsewhere (another console, the CLI) shows as in progress: read the
    // key again every few seconds until it completes. Our own rotations are followed by the
    // rotation driver instead.
    let rotation = rotate::use_rotation(Signal::stored(Some(id.get_value())));
    let external_rotation = Memo::new(move |_| {
        app.fleet
            .with(|f| rotation.activity(f.row(&id.get_value())))
            == Activity::Elsewhere
    });
    let poll = StoredValue::new_local(None::<IntervalHandle>);
    Effect::new(move |_| {
        let wanted = external_rotation.get();
        if let Some(h) = poll.try_update_value(Option::take).flatten() {
            h.clear();
        }
        if wanted {
            let handle = set_interval_with_handle(
                move || refresh_key(app, id.get_value()),
                std::time::Duration::from_secs(5),
            );
            poll.set_value(handle.ok());
        }
    });
    on_cleanup(move || {
        if let Some(h) = poll.try_update_value(Option::take).flatten() {
            h.clear();
        }
    });

    let title = move || {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| r.alias().map(str::to_string))
                .unwrap_or_else(|| "Key without alias".to_string())
        })
    };

    view! {
        <aside
            class="card key-panel"
            data-testid="key-panel"
            data-key-id=key_id.clone()
            aria-labelledby="key-panel-title"
        >
            <div class="panel-head">
                <div class="panel-title">
                    <h2 id="key-panel-title">{title}</h2>
                    <div class="id">{key_id.clone()}</div>
                </div>
                <button
                    type="button"
                    class="btn small"
                    data-testid="key-panel-refresh"
                    on:click=move |_| refresh_key(app, id.get_value())
                    title="Read this key again"
                >
                    "Reload"
                </button>
                <button
                    type="button"
                    class="btn small ghost"
                    data-testid="key-panel-close"
                    aria-label="Close the key panel"
                    on:click=move |_| select_key(app, None, true)
                >
                    "Close"
                </button>
            </div>
            <div class="panel-body">
                // Built once when the key is known: the sections follow the row themselves, so
                // a refresh does not reset what the user is typing.
                <Show
                    when=move || present.get()
                    fallback=|| view! {
                        <p class="empty"><span class="spinner" aria-hidden="true"></span> " Loading the key\u{2026}"</p>
                    }
                >
                    <Problems row=row/>
                    <Finding key=id.get_value()/>
                    <OnDemand row=row key=id.get_value()/>
                    <History row=row/>
                    <Materials row=row key=id.get_value()/>
                    <ImportMaterial row=row key=id.get_value() target=cli_target(app, &id.get_value())/>
                    <LastUseSection key=id.get_value() target=cli_target(app, &id.get_value())/>
                    <Automatic row=row key=id.get_value()/>
                    <Details row=row key=id.get_value()/>
                </Show>
            </div>
        </aside>
    }
}

#[component]
fn Problems(row: Memo<Option<KeyRow>>) -> impl IntoView {
    let problems =
        Memo::new(move |_| row.with(|r| r.as_ref().map(KeyRow::problems).unwrap_or_default()));
    move || {
        let p = problems.get();
        (!p.is_empty()).then(|| {
            view! {
                <div class="banner warning" data-testid="key-problems">
                    <div class="banner-body">
                        <div class="banner-title">"Some of this key could not be read"</div>
                        <ul>{p.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                    </div>
                </div>
            }
        })
    }
}

#[component]
fn OnDemand(row: Memo<Option<KeyRow>>, key: RowKey) -> impl IntoView {
    let app = use_app();
    let scope = StoredValue::new(key.scope.clone());
    let scoped = move |id: &str| RowKey::new(scope.get_value(), id);
    // A replica's primary is in the same account.
    let home_account = StoredValue::new(key.scope.account.clone());
    let key_id = move || row.with(|r| r.as_ref().map(|r| r.key_id.clone()).unwrap_or_default());
    let rotation = rotate::use_rotation(Signal::derive(move || Some(scoped(&key_id()))));
    let flow = Memo::new(move |_| {
        rotation
            .flow
            .get()
            .unwrap_or_else(|| RotateFlow::new(key_id()))
    });
    let supports =
        Memo::new(move |_| row.with(|r| r.as_ref().is_some_and(KeyRow::supports_on_demand)));
    let remaining = Memo::new(move |_| row.with(|r| r.as_ref().and_then(KeyRow::remaining)));
    let used = Memo::new(move |_| row.with(|r| r.as_ref().and_then(KeyRow::on_demand_used)));
    let busy = Memo::new(move |_| row.with(|r| flow.with(|f| activity(r.as_ref(), Some(f)))));
    let in_progress = Memo::new(move |_| busy.get().shows_in_progress());
    let eligibility = Memo::new({
        let key = key.clone();
        move |_| app.fleet.with(|f| f.rotate_now(&key))
    });
    let enabled = Memo::new(move |_| {
        flow.with(|f| f.button_enabled(eligibility.with(Result::is_ok), busy.get()))
    });
    let reason = Memo::new(move |_| {
        if enabled.get() {
            return None;
        }
        if let Err(b) = eligibility.get() {
            return Some(b.sentence());
        }
        Some(match busy.get() {
            Activity::Unknown => "The outcome of this key's last rotation request is not known \
                                  yet (see below): no new rotation until it is."
                .to_string(),
            Activity::Elsewhere => "An on-demand rotation of this key is in progress.".to_string(),
            _ => flow
                .with(RotateFlow::status_text)
                .unwrap_or_else(|| "The rotation dialog is open.".to_string()),
        })
    });
    let unknown_text = Memo::new(move |_| flow.with(|f| f.unknown().map(|u| u.sentence())));
    let primary = Memo::new(move |_| {
        eligibility.with(|e| {
            e.as_ref().err().and_then(|b| {
                b.primary()
                    .map(|(arn, region)| (arn.map(str::to_string), region.map(str::to_string)))
            })
        })
    });
    let flow_line = Memo::new(move |_| {
        flow.with(|f| match f.phase() {
            RotatePhase::Done => f.status_text().map(|t| ("success-line", t)),
            RotatePhase::Failed(_) => f.status_text().map(|t| ("danger-text", t)),
            _ => None,
        })
    });
    let progress_text = move || {
        flow.with(RotateFlow::status_text)
            .filter(|_| busy.get() == Activity::Ours)
            .unwrap_or_else(|| "An on-demand rotation of this key is in progress.".to_string())
    };
    // While a rotation of this key is under way or its outcome unknown, a ready-to-paste
    // rotate command would be a retry by another name.
    let cli_text = move || {
        if busy.get().is_busy() {
            "# not shown while this key's last rotation is not settled (docs/rotation-safety.md)"
                .to_string()
        } else {
            cli::shell_text(cli::rotate_key_on_demand(
                &cli_target(app, &scoped(&key_id())),
                &key_id(),
            ))
        }
    };

    view! {
        <section class="panel-section" aria-labelledby="sec-on-demand">
            <h3 id="sec-on-demand">"On-demand rotation"</h3>
            {move || {
                if !supports.get() {
                    return None;
                }
                Some(match remaining.get() {
                    Some(n) => {
                        let note = match used.get() {
                            Some(u) => format!("{u} used"),
                            None => String::new(),
                        };
                        view! {
                            <div class="quota">
                                <div class="quota-figure">
                                    <span class="big" data-testid="remaining-rotations">{n}</span>
                                    <span>{format!("of {ON_DEMAND_ROTATION_LIMIT} on-demand rotations left")}</span>
                                </div>
                                <meter
                                    min="0"
                                    max=ON_DEMAND_ROTATION_LIMIT
                                    low=QUOTA_LOW_THRESHOLD + 1
                                    high=ON_DEMAND_ROTATION_LIMIT / 2
                                    optimum=ON_DEMAND_ROTATION_LIMIT
                                    value=n
                                    aria-label="On-demand rotations left"
                                ></meter>
                                <span class="hint">{note}</span>
                            </div>
                        }
                            .into_any()
                    }
                    None => view! {
                        <p class="muted" data-testid="remaining-rotations-loading">
                            "Counting the on-demand rotations\u{2026}"
                        </p>
                    }
                        .into_any(),
                })
            }}
            <div class="rotate-actions">
                <button
                    type="button"
                    class="btn primary"
                    data-testid="rotate-now"
                    prop:disabled=move || !enabled.get()
                    aria-describedby=move || reason.with(Option::is_some).then_some("rotate-blocked-reason")
                    on:click=move |_| {
                        if enabled.get_untracked() {
                            rotation.open();
                        }
                    }
                >
                    "Rotate now"
                </button>
            </div>
            {move || {
                reason
                    .get()
                    .map(|r| {
                        view! {
                            <p class="blocked-reason" id="rotate-blocked-reason" data-testid="rotate-blocked-reason">
                                {r}
                                {primary
                                    .get()
                                    .and_then(|(arn, region)| {
                                        let region = region?;
                                        let primary_id = arn
                                            .as_deref()
                                            .and_then(|a| parse_arn(a).ok())
                                            .map(|a| a.resource);
                                        let label = format!("Open the primary key in {region}");
                                        Some(view! {
                                            " "
                                            <button
                                                type="button"
                                                class="link-button"
                                                data-testid="go-to-primary"
                                                on:click=move |_| {
                                                    if let Some(id) = primary_id.clone() {
                                                        let scope = ScopeId::new(
                                                            home_account.get_value(),
                                                            region.clone(),
                                                        );
                                                        open_key(app, RowKey::new(scope, id));
                                                    }
                                                }
                                            >
                                                {label}
                                            </button>
                                        })
                                    })}
                            </p>
                        }
                    })
            }}
            {move || {
                unknown_text
                    .get()
                    .map(|text| {
                        view! {
                            <div class="banner warning" data-testid="rotation-unknown" role="alert">
                                <div class="banner-body">
                                    <div class="banner-title">"Rotation outcome not known yet"</div>
                                    <div>{text}</div>
                                </div>
                                <button
                                    type="button"
                                    class="btn small"
                                    data-testid="check-again"
                                    on:click=move |_| rotation.check_again()
                                >
                                    "Check again"
                                </button>
                            </div>
                        }
                    })
            }}
            <Show when=move || in_progress.get()>
                <div class="in-progress" data-testid="rotation-in-progress" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    <span>{progress_text}</span>
                </div>
            </Show>
            {move || {
                flow_line
                    .get()
                    .map(|(class, text)| view! { <p class=class data-testid="rotation-outcome">{text}</p> })
            }}
            <CliBox label=cli::SHELL_LABEL testid="cli-command" copy_testid="copy-cli" text=Signal::derive(cli_text)/>
        </section>
    }
}

#[component]
fn Automatic(row: Memo<Option<KeyRow>>, key: RowKey) -> impl IntoView {
    let app = use_app();
    let scope = StoredValue::new(key.scope.clone());
    let scoped = move |id: &str| RowKey::new(scope.get_value(), id);
    let key_id = move || row.with(|r| r.as_ref().map(|r| r.key_id.clone()).unwrap_or_default());
    let status =
        Memo::new(move |_| row.with(|r| r.as_ref().and_then(|r| r.status.loaded().cloned())));
    let allowed = Memo::new(move |_| {
        row.with(|r| match r {
            Some(r) => r.automatic_rotation(),
            None => Err(crate::console::eligibility::Blocked::Loading),
        })
    });
    let auto_text = move || {
        row.with(|r| {
            r.as_ref()
                .map(|r| r.auto_rotation().text())
                .unwrap_or_default()
        })
    };
    let next = move || row.with(|r| r.as_ref().and_then(KeyRow::next_rotation));

    // The form starts from the server's values and follows them until the user edits it.
    let enabled = RwSignal::new(false);
    let period = RwSignal::new(DEFAULT_ROTATION_PERIOD_DAYS.to_string());
    let dirty = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let period_error = RwSignal::new(None::<String>);
    // The banner shown for a bad period, so a later valid save can take it down again.
    let banner_text = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        if let Some(s) = status.get() {
            if !dirty.get_untracked() {
                let setting = AutoSetting::from_status(&s);
                enabled.set(setting.enabled);
                period.set(setting.period_days.to_string());
            }
        }
    });
    let controls_disabled = move || allowed.with(Result::is_err) || saving.get();

    let save = move |_| {
        if saving.get_untracked() {
            return;
        }
        let setting = match AutoSetting::from_form(enabled.get_untracked(), &period.get_untracked())
        {
            Ok(s) => s,
            Err(e) => {
                // Shown by the field and in the banner; nothing is sent.
                period_error.set(Some(e.to_string()));
                app.show_error_text(e.to_string());
                banner_text.set_value(Some(e.to_string()));
                return;
            }
        };
        period_error.set(None);
        if let Some(t) = banner_text.get_value() {
            if app
                .error
                .with_untracked(|e| e.as_ref().is_some_and(|e| e.sentence == t))
            {
                app.dismiss_error();
            }
            banner_text.set_value(None);
        }
        let on_saved = move |s: &crate::console::eligibility::RotationStatus| {
            let fresh = AutoSetting::from_status(s);
            enabled.set(fresh.enabled);
            period.set(fresh.period_days.to_string());
            dirty.set(false);
            let text = if s.key_rotation_enabled {
                let next = s
                    .next_rotation_date
                    .map(|d| format!("; next rotation {}", format::date(d)))
                    .unwrap_or_default();
                format!(
                    "Automatic rotation is on, every {} days{next}.",
                    s.rotation_period_in_days.unwrap_or(fresh.period_days)
                )
            } else {
                "Automatic rotation is off.".to_string()
            };
            app.notify(NoticeKind::Success, text);
        };
        settings::save_rotation_settings(app, scoped(&key_id()), setting, saving, on_saved);
    };

    let cli_text = move || {
        let setting = AutoSetting {
            enabled: enabled.get(),
            period_days: period
                .with(|p| p.trim().parse::<u32>().ok())
                .unwrap_or(DEFAULT_ROTATION_PERIOD_DAYS),
        };
        cli::shell_text(setting.cli(&cli_target(app, &scoped(&key_id())), &key_id()))
    };

    view! {
        <section class="panel-section" aria-labelledby="sec-automatic">
            <h3 id="sec-automatic">"Automatic rotation"</h3>
            <p>
                <span data-testid="auto-rotation-status">{auto_text}</span>
                {move || next().map(|d| view! { <span class="muted">" \u{b7} next " {format::date(d)}</span> })}
            </p>
            {move || {
                allowed
                    .get()
                    .err()
                    .filter(|b| *b != crate::console::eligibility::Blocked::Loading)
                    .map(|b| {
                        view! {
                            <p class="blocked-reason" data-testid="auto-rotation-blocked-reason">
                                {b.sentence()}
                            </p>
                        }
                    })
            }}
            <div class="settings-form">
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="auto-rotation-toggle"
                        prop:checked=move || enabled.get()
                        prop:disabled=controls_disabled
                        on:change=move |ev| {
                            enabled.set(event_target_checked(&ev));
                            dirty.set(true);
                        }
                    />
                    "Rotate this key automatically"
                </label>
                <div class="settings-row">
                    <div class="field">
                        <label for="rotation-period">"Period (days)"</label>
                        <input
                            id="rotation-period"
                            type="number"
                            inputmode="numeric"
                            min=MIN_ROTATION_PERIOD_DAYS
                            max=MAX_ROTATION_PERIOD_DAYS
                            step="1"
                            data-testid="rotation-period"
                            aria-describedby="rotation-period-hint"
                            aria-invalid=move || if period_error.with(Option::is_some) { "true" } else { "false" }
                            prop:value=move || period.get()
                            prop:disabled=controls_disabled
                            on:input=move |ev| {
                                period.set(event_target_value(&ev));
                                period_error.set(None);
                                dirty.set(true);
                            }
                        />
                    </div>
                    <button
                        type="button"
                        class="btn"
                        data-testid="save-rotation-settings"
                        prop:disabled=controls_disabled
                        on:click=save
                    >
                        {move || if saving.get() { "Saving\u{2026}" } else { "Save" }}
                    </button>
                </div>
                <p class="hint" id="rotation-period-hint">
                    {format!(
                        "From {MIN_ROTATION_PERIOD_DAYS} to {MAX_ROTATION_PERIOD_DAYS} days; {DEFAULT_ROTATION_PERIOD_DAYS} if unsure. The period is sent only when rotation is on.",
                    )}
                </p>
                {move || {
                    period_error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="field-error" data-testid="rotation-period-error">
                                    {e}
                                </p>
                            }
                        })
                }}
            </div>
            <CliBox
                label="AWS CLI for this setting (POSIX shell: sh, bash, zsh)"
                testid="cli-command-settings"
                copy_testid="copy-cli-settings"
                text=Signal::derive(cli_text)
            />
        </section>
    }
}

/// Newest first; entries without a date (first material, material pending rotation) last.
fn history_order(rotations: &[RotationsListEntry]) -> Vec<RotationsListEntry> {
    let mut v = rotations.to_vec();
    crate::sort::sort_by(&mut v, |a, b| {
        let ka = a.rotation_date.map(|t| t.epoch_seconds());
        let kb = b.rotation_date.map(|t| t.epoch_seconds());
        match (ka, kb) {
            (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    v
}

#[component]
fn History(row: Memo<Option<KeyRow>>) -> impl IntoView {
    let page = RwSignal::new(0usize);
    let entries = Memo::new(move |_| {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| r.rotations.loaded().map(|v| history_order(v)))
        })
    });
    let state = Memo::new(move |_| {
        row.with(|r| match r {
            None => "loading",
            Some(r) if r.rotations.is_pending() => "loading",
            Some(r) if r.rotations.error().is_some() => "failed",
            Some(r) if r.rotations.loaded().is_none() => "none",
            Some(_) => "loaded",
        })
    });
    let total = move || entries.with(|e| e.as_ref().map_or(0, Vec::len));
    let pages = move || total().div_ceil(HISTORY_PAGE).max(1);
    let shown = move || {
        let p = page.get().min(pages() - 1);
        entries.with(|e| {
            e.as_ref()
                .map(|v| {
                    v.iter()
                        .skip(p * HISTORY_PAGE)
                        .take(HISTORY_PAGE)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    view! {
        <section class="panel-section" aria-labelledby="sec-history">
            <h3 id="sec-history">"Rotation history"</h3>
            {move || match state.get() {
                "loading" => view! { <p class="muted">"Loading the rotation history\u{2026}"</p> }.into_any(),
                "failed" => view! { <p class="danger-text">"The rotation history could not be read (see above)."</p> }.into_any(),
                "none" => view! { <p class="muted">"This key has no rotation history (it cannot be rotated)."</p> }.into_any(),
                _ => view! {
                    <table class="history" data-testid="rotation-history">
                        <thead>
                            <tr>
                                <th scope="col">"Date"</th>
                                <th scope="col">"Type"</th>
                                <th scope="col" class="material">"Key material"</th>
                                <th scope="col">"State"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                shown()
                                    .into_iter()
                                    .map(|e| {
                                        let date = e
                                            .rotation_date
                                            .map(format::date_time)
                                            .unwrap_or_else(|| "\u{2014}".to_string());
                                        let kind = match &e.rotation_type {
                                            Some(t) => t.to_string(),
                                            None => "initial / imported".to_string(),
                                        };
                                        let material_full = e.key_material_id.clone().unwrap_or_default();
                                        // 64 hex characters: the start identifies it, the title has it all.
                                        let material = match material_full.get(..8) {
                                            Some(head) if material_full.len() > 8 => format!("{head}\u{2026}"),
                                            _ if material_full.is_empty() => "\u{2014}".to_string(),
                                            _ => material_full.clone(),
                                        };
                                        let mut state = e
                                            .key_material_state
                                            .as_ref()
                                            .map(ToString::to_string)
                                            .unwrap_or_else(|| "\u{2014}".to_string());
                                        if let Some(d) = e.key_material_description.as_ref().filter(|d| !d.is_empty()) {
                                            state = format!("{state} \u{b7} {d}");
                                        }
                                        view! {
                                            <tr data-testid="rotation-history-row">
                                                <td class="date">{date}</td>
                                                <td>{kind}</td>
                                                <td class="material" title=material_full>{material}</td>
                                                <td>{state}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </tbody>
                    </table>
                    <Show when=move || total() == 0>
                        <p class="muted">"No rotations yet."</p>
                    </Show>
                    <Show when=move || { pages() > 1 }>
                        <Pager page=page pages=Signal::derive(pages) name="history"/>
                    </Show>
                }
                    .into_any(),
            }}
        </section>
    }
}

/// Newer / "page N of M" / Older for one of the panel's tables; ids `{name}-newer`,
/// `{name}-page`, `{name}-older`.
#[component]
fn Pager(page: RwSignal<usize>, pages: Signal<usize>, name: &'static str) -> impl IntoView {
    view! {
        <div class="pager">
            <button
                type="button"
                class="btn small"
                data-testid=format!("{name}-newer")
                prop:disabled=move || page.get() == 0
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
            >
                "Newer"
            </button>
            <span data-testid=format!("{name}-page")>
                {move || format!("page {} of {}", page.get().min(pages.get() - 1) + 1, pages.get())}
            </span>
            <button
                type="button"
                class="btn small"
                data-testid=format!("{name}-older")
                prop:disabled=move || { page.get() + 1 >= pages.get() }
                on:click=move |_| page.update(|p| *p += 1)
            >
                "Older"
            </button>
        </div>
    }
}

/// Every key material (ListKeyRotations with ALL_KEY_MATERIAL), read when the panel opens and
/// again when the key's rotations change; the current one marked, ids copyable, paged. Imported
/// material can be deleted, after a warning (docs/kms.md §2.15 DeleteImportedKeyMaterial).
#[component]
fn Materials(row: Memo<Option<KeyRow>>, key: RowKey) -> impl IntoView {
    let app = use_app();
    let page = RwSignal::new(0usize);
    let read = RwSignal::new(None::<Result<Vec<RotationsListEntry>, String>>);
    // What the inventory knows of the rotations (for imported keys, every material): a change
    // means the materials changed. None: KMS does not list rotations for this key (asymmetric,
    // HMAC, AWS managed...).
    let rotations = Memo::new(move |_| {
        row.with(|r| {
            r.as_ref().and_then(|r| match &r.rotations {
                Load::Loaded(v) => Some(Some(v.clone())),
                Load::Skipped => None,
                _ => Some(None),
            })
        })
    });
    let imported = Memo::new(move |_| {
        row.with(|r| {
            r.as_ref()
                .and_then(KeyRow::meta)
                .is_some_and(|m| m.origin == Some(crate::aws::kms::Origin::External))
        })
    });
    let confirm = RwSignal::new(None::<String>);
    let deleting = RwSignal::new(false);
    let outcome: material_actions::Outcome = RwSignal::new(None);
    let target = StoredValue::new(cli_target(app, &key));
    let key = StoredValue::new(key);
    Effect::new(move |_| {
        if let Some(Some(_)) = rotations.get() {
            settings::load_materials(app, key.get_value(), read);
        }
    });
    let rows = Memo::new(move |_| {
        read.with(|r| match r {
            Some(Ok(v)) => Some(Ok(material::rows(v))),
            Some(Err(e)) => Some(Err(e.clone())),
            None => None,
        })
    });
    let total = move || rows.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).map_or(0, Vec::len));
    let pages = move || total().div_ceil(MATERIAL_PAGE).max(1);
    let shown = move || {
        let p = page.get().min(pages() - 1);
        rows.with(|r| {
            r.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|v| {
                    v.iter()
                        .skip(p * MATERIAL_PAGE)
                        .take(MATERIAL_PAGE)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let ask = move |id: String| {
        outcome.set(None);
        confirm.set(Some(id));
    };
    view! {
        <Show when=move || rotations.with(Option::is_some)>
            <section class="panel-section" aria-labelledby="sec-material">
                <h3 id="sec-material">"Key material"</h3>
                {move || match rows.get() {
                    None => view! { <p class="muted">"Loading the key materials\u{2026}"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="danger-text">{format!("The key materials could not be read: {e}")}</p> }.into_any(),
                    Some(Ok(_)) => view! {
                        <table class="history materials" data-testid="key-material-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Key material id"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Rotation"</th>
                                    <th scope="col">"Imported material"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {move || {
                                    let delete = imported.get().then_some(ask);
                                    shown().into_iter().map(|m| material_row(app, m, delete)).collect_view()
                                }}
                            </tbody>
                        </table>
                        <Show when=move || { pages() > 1 }>
                            <Pager page=page pages=Signal::derive(pages) name="material"/>
                        </Show>
                    }
                        .into_any(),
                }}
                {move || confirm.get().map(|id| {
                    let cli_text = import::delete_cli(&target.get_value(), &key.get_value().key_id, &id);
                    let confirmed = id.clone();
                    view! {
                        <div class="banner warning" role="alertdialog" aria-labelledby="delete-material-title" data-testid="delete-material-warning">
                            <p id="delete-material-title">
                                <strong>"Delete imported key material "</strong>
                                <code class="id">{id.clone()}</code>
                                "?"
                            </p>
                            <p>
                                "If this is material the key has (current or earlier), the key becomes unusable (PendingImport): nothing can be encrypted or decrypted with it until you import the same material again, and data encrypted under it stays unreadable if that material is lost. Material pending rotation is only removed; for a multi-Region primary its replicas' copies go too."
                            </p>
                            <pre class="cli">{cli_text}</pre>
                            <div class="dialog-actions">
                                <button
                                    type="button"
                                    class="btn danger"
                                    data-testid="delete-material-confirm"
                                    prop:disabled=move || deleting.get()
                                    on:click=move |_| {
                                        material_actions::delete(app, key.get_value(), confirmed.clone(), deleting, outcome);
                                        confirm.set(None);
                                    }
                                >
                                    "Delete key material"
                                </button>
                                <button
                                    type="button"
                                    class="btn ghost"
                                    data-testid="delete-material-cancel"
                                    on:click=move |_| confirm.set(None)
                                >
                                    "Cancel"
                                </button>
                            </div>
                        </div>
                    }
                })}
                {move || outcome.get().map(|(ok, text)| view! {
                    <p
                        class=if ok { "outcome ok" } else { "outcome danger-text" }
                        data-testid="delete-material-outcome"
                        data-ok=if ok { "true" } else { "false" }
                        role="status"
                    >
                        {text}
                    </p>
                })}
            </section>
        </Show>
    }
}

/// One row of the key material table (all of it text: server text never becomes HTML).
/// `delete`: for imported keys, asks to delete this material.
fn material_row(
    app: App,
    m: material::MaterialRow,
    delete: Option<impl Fn(String) + Copy + 'static>,
) -> impl IntoView {
    let id = m.id.clone();
    let short = material::short_id(&m.id);
    let rotation = if m.rotated.is_empty() {
        m.kind.clone()
    } else {
        format!("{} \u{b7} {}", m.kind, m.rotated)
    };
    // Material whose import KMS still holds can be deleted; PENDING_IMPORT is already gone.
    let deletable = m.import_state != "PENDING_IMPORT" && !m.id.is_empty();
    let delete_id = m.id.clone();
    let imported = [m.import_state, m.description, m.expiration]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" \u{b7} ");
    let imported = if imported.is_empty() {
        "\u{2014}".to_string()
    } else {
        imported
    };
    let current = if m.current { "true" } else { "false" };
    let state = m.state.clone();
    view! {
        <tr data-testid="key-material-row" data-material-id=m.id.clone() data-state=state data-current=current>
            <td class="material">
                <code class="id" title=m.id.clone()>{short}</code>
                " "
                <button
                    type="button"
                    class="link-button"
                    data-testid="copy-material-id"
                    aria-label="Copy the key material id"
                    on:click=move |_| settings::copy_saying(app, id.clone(), "Copied the key material id.")
                >
                    "Copy"
                </button>
            </td>
            <td>
                {m.state}
                {m.current.then(|| view! { " " <span class="badge ok">"current"</span> })}
            </td>
            <td>{rotation}</td>
            <td>
                {imported}
                {delete.filter(|_| deletable).map(|ask| view! {
                    " "
                    <button
                        type="button"
                        class="link-button danger-text"
                        data-testid="delete-material"
                        aria-label="Delete this imported key material"
                        on:click=move |_| ask(delete_id.clone())
                    >
                        "Delete"
                    </button>
                })}
            </td>
        </tr>
    }
}

fn meta_rows(meta: &KeyMetadata, aliases: &[String]) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = Vec::new();
    if let Some(arn) = &meta.arn {
        v.push(("ARN", arn.clone()));
    }
    if !aliases.is_empty() {
        v.push(("Aliases", aliases.join(", ")));
    }
    v.push((
        "Description",
        meta.description
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "\u{2014}".to_string()),
    ));
    let opt = |x: Option<String>| x.unwrap_or_else(|| "\u{2014}".to_string());
    v.push((
        "State",
        opt(meta.key_state.as_ref().map(ToString::to_string)),
    ));
    if let Some(d) = meta.deletion_date {
        v.push(("Deletion date", format::date_time(d)));
    }
    v.push(("Key spec", opt(meta.spec().map(ToString::to_string))));
    v.push((
        "Key usage",
        opt(meta.key_usage.as_ref().map(ToString::to_string)),
    ));
    v.push(("Origin", opt(meta.origin.as_ref().map(ToString::to_string))));
    v.push((
        "Key manager",
        opt(meta.key_manager.as_ref().map(ToString::to_string)),
    ));
    if let Some(store) = &meta.custom_key_store_id {
        v.push(("Custom key store", store.clone()));
    }
    v.push(("Created", format::opt_date(meta.creation_date)));
    if let Some(cfg) = &meta.multi_region_configuration {
        let kind = cfg
            .multi_region_key_type
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let primary = cfg
            .primary_key
            .as_ref()
            .and_then(|p| p.region.clone())
            .map(|r| format!(", primary in {r}"))
            .unwrap_or_default();
        let replicas: Vec<String> = cfg
            .replica_keys
            .iter()
            .filter_map(|r| r.region.clone())
            .collect();
        let replicas = if replicas.is_empty() {
            String::new()
        } else {
            format!(", replicas in {}", replicas.join(", "))
        };
        v.push(("Multi-Region", format!("{kind}{primary}{replicas}")));
    }
    if let Some(m) = &meta.current_key_material_id {
        v.push(("Current key material", m.clone()));
    }
    if let Some(t) = meta.valid_to {
        v.push(("Imported material expires", format::date_time(t)));
    }
    v
}

#[component]
fn Details(row: Memo<Option<KeyRow>>, key: RowKey) -> impl IntoView {
    let app = use_app();
    let rows = Memo::new(move |_| {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| r.meta().map(|m| meta_rows(m, &r.aliases)))
        })
    });

    // Tags, read in the key's scope.
    let tags = RwSignal::new(None::<Result<Vec<Tag>, String>>);
    let scope = StoredValue::new(key.scope.clone());
    let load_tags = move |key_id: String| {
        settings::load_tags(app, RowKey::new(scope.get_value(), key_id), tags);
    };
    let described = Memo::new(move |_| {
        row.with(|r| r.as_ref().and_then(|r| r.meta().map(|m| m.key_id.clone())))
    });
    Effect::new(move |prev: Option<Option<String>>| {
        let id = described.get();
        if id.is_some() && prev.flatten() != id {
            if let Some(id) = id.clone() {
                load_tags(id);
            }
        }
        id
    });

    view! {
        <section class="panel-section" aria-labelledby="sec-details">
            <h3 id="sec-details">"Key details"</h3>
            {move || match rows.get() {
                None => view! { <p class="muted">"The key's details are not available."</p> }.into_any(),
                Some(rows) => view! {
                    <dl class="meta" data-testid="key-metadata">
                        {rows
                            .into_iter()
                            .map(|(k, v)| view! { <dt>{k}</dt> <dd>{v}</dd> })
                            .collect_view()}
                        <dt>"Tags"</dt>
                        <dd data-testid="key-tags">
                            {move || match tags.get() {
                                None => "\u{2026}".to_string(),
                                Some(Ok(t)) if t.is_empty() => "\u{2014}".to_string(),
                                Some(Ok(t)) => t
                                    .iter()
                                    .map(|t| format!("{}={}", t.tag_key, t.tag_value))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                Some(Err(e)) => e,
                            }}
                        </dd>
                    </dl>
                }
                    .into_any(),
            }}
        </section>
    }
}
