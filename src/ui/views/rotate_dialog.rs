//! The "Rotate now" confirmation: a modal dialog that traps focus, closes on Escape, and sends
//! at most one RotateKeyOnDemand however often "Rotate key" is clicked (ui/rotations.rs).

use leptos::html;
use leptos::prelude::*;

use crate::console::cli;
use crate::console::fleet::RowKey;
use crate::console::rotation::{confirm_text_for, RotatePhase};
use crate::ui::actions::rotate::use_rotation;
use crate::ui::dom;
use crate::ui::state::use_app;

#[component]
pub fn RotateDialog() -> impl IntoView {
    let app = use_app();
    move || app.dialog.get().map(|key| view! { <DialogBody key=key/> })
}

#[component]
fn DialogBody(key: RowKey) -> impl IntoView {
    let app = use_app();
    let cancel_ref = NodeRef::<html::Button>::new();
    let confirm_ref = NodeRef::<html::Button>::new();
    let id = StoredValue::new(key.clone());
    let text = Memo::new(move |_| {
        app.fleet
            .with(|f| f.row(&id.get_value()).map(confirm_text_for))
    });
    let rotation = use_rotation(Signal::stored(Some(key.clone())));
    let sending = Memo::new(move |_| !matches!(rotation.phase(), RotatePhase::Confirming));
    let sending_text = move || {
        rotation
            .flow
            .with(|f| f.as_ref().and_then(|f| f.status_text()))
            .unwrap_or_else(|| "Sending the rotation request\u{2026}".to_string())
    };
    let cli_text = move || {
        let key = id.get_value();
        let target = app
            .endpoint_for(&key.scope.region)
            .map(|e| cli::CliTarget::from(&e))
            .unwrap_or_default();
        cli::shell_text(cli::rotate_key_on_demand(&target, &key.key_id))
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
        rotation.confirm();
    };

    view! {
        <div class="modal-backdrop" on:click=move |_| {
            if !sending.get_untracked() {
                rotation.close_dialog()
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
                        " "
                        {sending_text}
                    </p>
                </Show>
                <div class="modal-actions">
                    <button
                        type="button"
                        class="btn"
                        data-testid="cancel-rotate"
                        node_ref=cancel_ref
                        on:click=move |_| rotation.close_dialog()
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
