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

/// Mount the console on `<body>`. The shipped build has panic = "immediate-abort", so no panic
/// hook would run: js/boot.js shows the "internal error" banner when the wasm traps
/// (docs/performance.md §5).
pub fn mount() {
    leptos::mount::mount_to_body(views::app::App);
    // The app has rendered (mounting is synchronous): the painted stand-in goes.
    dom::remove_by_id(BOOT_SHELL);
}
