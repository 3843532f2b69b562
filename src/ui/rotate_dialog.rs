//! The "Rotate now" confirmation: a modal dialog that traps focus, closes on Escape, and sends
//! exactly one RotateKeyOnDemand however often "Rotate key" is clicked.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::dom;
use super::state::{App, NoticeKind};
use crate::console::cli;
use crate::console::rotation::{
    apply_to_inventory, confirm_text_for, rotate, PollPolicy, RotateFlow, RotateOutcome,
    RotatePhase, RotateUpdate,
};

/// Close the dialog; a flow still confirming goes back to idle.
pub fn close_dialog(app: App) {
    if let Some(id) = app.dialog.get_untracked() {
        app.flows.update(|m| {
            if let Some(f) = m.get_mut(&id) {
                f.cancel();
            }
        });
    }
    app.dialog.set(None);
}

/// "Rotate key": take the flow's one ticket (a second click gets none) and run the driver.
fn confirm(app: App, key_id: String) {
    let baseline = app
        .inventory
        .with_untracked(|inv| inv.row(&key_id).and_then(|r| r.on_demand_used()));
    let ticket = app
        .flows
        .try_update(|m| {
            m.entry(key_id.clone())
                .or_insert_with(|| RotateFlow::new(key_id.clone()))
                .confirm(baseline)
        })
        .flatten();
    let Some(ticket) = ticket else { return };
    let Some((client, token)) = app.connected() else {
        return;
    };
    let label = app
        .inventory
        .with_untracked(|inv| inv.row(&key_id).and_then(|r| r.alias().map(str::to_string)))
        .unwrap_or_else(|| key_id.clone());
    spawn_local(async move {
        let generation = token.generation();
        let id = key_id.clone();
        let outcome = rotate(&client, ticket, &token, &PollPolicy::default(), move |u| {
            app.flows.update(|m| {
                if let Some(f) = m.get_mut(&id) {
                    f.apply(&u);
                }
            });
            app.inventory.update(|inv| {
                if inv.generation == generation {
                    apply_to_inventory(inv, &id, &u);
                }
            });
            // Accepted: the dialog has done its job; the panel follows the rotation.
            if matches!(u, RotateUpdate::Sent)
                && app.dialog.get_untracked().as_deref() == Some(id.as_str())
            {
                app.dialog.set(None);
            }
        })
        .await;
        if token.is_cancelled() {
            return;
        }
        if app.dialog.get_untracked().as_deref() == Some(key_id.as_str()) {
            app.dialog.set(None);
        }
        match outcome {
            RotateOutcome::Completed => {
                let left = app
                    .inventory
                    .with_untracked(|inv| inv.row(&key_id).and_then(|r| r.remaining()));
                let left = left
                    .map(|n| format!(" {n} on-demand rotations left."))
                    .unwrap_or_default();
                app.notify(
                    NoticeKind::Success,
                    format!("Rotation of {label} complete: new key material is in use.{left}"),
                );
            }
            RotateOutcome::StillRunning { .. } => app.notify(
                NoticeKind::Warning,
                format!(
                    "KMS accepted the rotation of {label}, but it has not shown up in the \
                     rotation history yet. Reload the key in a few minutes."
                ),
            ),
            RotateOutcome::Failed(f) => app.report_sentence(f.sentence(), f.error()),
            RotateOutcome::Cancelled => {}
        }
    });
}

#[component]
pub fn RotateDialog(app: App) -> impl IntoView {
    move || {
        app.dialog
            .get()
            .map(|id| view! { <DialogBody app=app key_id=id/> })
    }
}

#[component]
fn DialogBody(app: App, key_id: String) -> impl IntoView {
    let cancel_ref = NodeRef::<html::Button>::new();
    let confirm_ref = NodeRef::<html::Button>::new();
    let id = StoredValue::new(key_id.clone());
    let text = Memo::new(move |_| {
        app.inventory
            .with(|inv| inv.row(&id.get_value()).map(confirm_text_for))
    });
    let phase = Memo::new(move |_| {
        app.flows
            .with(|m| m.get(&id.get_value()).map(|f| f.phase().clone()))
            .unwrap_or(RotatePhase::Idle)
    });
    let sending = Memo::new(move |_| !matches!(phase.get(), RotatePhase::Confirming));
    let cli_text = move || {
        let target = app
            .connection
            .with_untracked(|c| c.session().map(|s| cli::CliTarget::from(&s.endpoint)))
            .unwrap_or_default();
        cli::rotate_key_on_demand(&target, &id.get_value()).to_shell()
    };

    // Focus goes into the dialog, the page behind stops scrolling, and focus returns to where
    // it was when the dialog closes.
    let previous = StoredValue::new_local(dom::active_element());
    dom::body_class("modal-open", true);
    Effect::new(move |_| {
        if let Some(b) = cancel_ref.get() {
            let _ = b.focus();
        }
    });
    on_cleanup(move || {
        dom::body_class("modal-open", false);
        if let Some(el) = previous.try_get_value().flatten() {
            let _ = el.focus();
        }
    });

    // Tab and Shift+Tab cycle between the dialog's two buttons (the only focusable elements).
    let trap = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let (Some(first), Some(last)) = (cancel_ref.get_untracked(), confirm_ref.get_untracked())
        else {
            return;
        };
        let active = dom::active_element();
        let is = |el: &web_sys::HtmlButtonElement| {
            let node: &web_sys::Node = el;
            active.as_ref().is_some_and(|a| a.is_same_node(Some(node)))
        };
        let last_usable = !last.disabled();
        ev.prevent_default();
        if !last_usable {
            let _ = first.focus();
        } else if ev.shift_key() {
            if is(&first) {
                let _ = last.focus();
            } else {
                let _ = first.focus();
            }
        } else if is(&first) {
            let _ = last.focus();
        } else {
            let _ = first.focus();
        }
    };

    let on_confirm = move |ev: leptos::ev::MouseEvent| {
        // Disable the button in the DOM at once: the flow's single ticket already guarantees one
        // request, this makes the second click of a double click visibly do nothing.
        if let Some(b) = confirm_ref.get_untracked() {
            b.set_disabled(true);
        }
        ev.prevent_default();
        confirm(app, id.get_value());
    };

    view! {
        <div class="modal-backdrop" on:click=move |_| {
            if !sending.get_untracked() {
                close_dialog(app)
            }
        }>
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby="rotate-dialog-title"
                aria-describedby="rotate-dialog-body"
                data-testid="rotate-dialog"
                on:click=|ev| ev.stop_propagation()
                on:keydown=trap
            >
                <h2 id="rotate-dialog-title">
                    {move || text.with(|t| t.as_ref().map(|t| t.title.clone()).unwrap_or_else(|| "Rotate key material now?".to_string()))}
                </h2>
                <div id="rotate-dialog-body">
                    {move || {
                        text.get()
                            .map(|t| {
                                view! {
                                    <p class="target" data-testid="rotate-dialog-key">{t.key.clone()}</p>
                                    <ul class="facts">
                                        <li data-testid="rotate-dialog-remaining">{t.remaining.clone()}</li>
                                        {t.material.clone().map(|m| view! { <li>{m}</li> })}
                                        <li>{t.schedule.clone()}</li>
                                        <li>{t.billing.clone()}</li>
                                    </ul>
                                }
                            })
                    }}
                    <pre class="cli" data-testid="rotate-dialog-cli">{cli_text}</pre>
                </div>
                <Show when=move || sending.get()>
                    <p class="in-progress" role="status">
                        <span class="spinner" aria-hidden="true"></span>
                        " Sending the rotation request\u{2026}"
                    </p>
                </Show>
                <div class="modal-actions">
                    <button
                        type="button"
                        class="btn"
                        data-testid="cancel-rotate"
                        node_ref=cancel_ref
                        on:click=move |_| close_dialog(app)
                    >
                        {move || text.with(|t| t.as_ref().map(|t| t.cancel_label.clone()).unwrap_or_else(|| "Cancel".to_string()))}
                    </button>
                    <button
                        type="button"
                        class="btn primary"
                        data-testid="confirm-rotate"
                        node_ref=confirm_ref
                        prop:disabled=move || sending.get()
                        on:click=on_confirm
                    >
                        {move || text.with(|t| t.as_ref().map(|t| t.confirm_label.clone()).unwrap_or_else(|| "Rotate key".to_string()))}
                    </button>
                </div>
            </div>
        </div>
    }
}
