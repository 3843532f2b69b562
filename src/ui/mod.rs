//! The Leptos views (browser only). Views render state and wire events; the rules live in
//! `console/`, the wire in `aws/`.

mod app;
mod connect;
mod dom;
mod error_banner;
mod fmt;
mod header;
mod inventory;
mod key_panel;
mod locks;
mod persist;
mod request_log;
mod rotate_dialog;
mod rotations;
mod state;

/// Install the panic hook and mount the console on `<body>`.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        // The console gets the full message and location; the page gets a banner instead of
        // going blank. A panic is a keyturn bug, never a user or network condition.
        console_error_panic_hook::hook(info);
        dom::raw_error_banner(
            "keyturn hit an internal error and stopped.",
            "Reload the page to continue. Details are in the browser console. Your credentials \
             were not written anywhere unless you chose \u{201c}Remember in this tab\u{201d}.",
        );
    }));
    leptos::mount::mount_to_body(app::App);
}
