//! The views: each renders part of [`super::state::App`] (from context) and calls
//! [`super::actions`]. A view file uses no other view file's functions, only the shared
//! widgets of [`widgets`] and child components.

pub mod app;
mod bulk;
mod compliance;
mod connect;
mod error_banner;
mod header;
mod import;
mod inventory;
mod key_panel;
mod request_log;
mod rotate_dialog;
mod scopes;
mod widgets;
