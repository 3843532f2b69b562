//! The browser side (wasm32 only): state ([`state`], provided by context), the actions that
//! change it ([`actions`], the only code that starts requests), and the views that render it
//! ([`views`]). The rules live in `console/`, the wire in `aws/`.

mod actions;
mod answer;
mod dom;
mod fmt;
mod locks;
mod persist;
mod state;
mod views;

/// The id of the stand-in `index.html` paints before the wasm is ready (docs/performance.md §4).
const BOOT_SHELL: &str = "boot-shell";

/// Install the panic hook and mount the console on `<body>`.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        // The console gets the full message and location; the page gets a banner instead of
        // going blank. A panic is a keyturn bug, never a user or network condition.
        console_error_panic_hook::hook(info);
        // A panic while mounting would leave index.html's painted stand-in (a dead form) up.
        dom::remove_by_id(BOOT_SHELL);
        dom::raw_error_banner(
            "keyturn hit an internal error and stopped.",
            "Reload the page to continue. Details are in the browser console. Your credentials \
             were not written anywhere unless you chose \u{201c}Remember in this tab\u{201d}.",
        );
    }));
    leptos::mount::mount_to_body(views::app::App);
    // The app has rendered (mounting is synchronous): the painted stand-in goes.
    dom::remove_by_id(BOOT_SHELL);
}
