//! The AWS wire layer: pure Rust, no Leptos, no DOM types.

pub mod client;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod http;
pub mod kms;
pub mod limiter;
pub mod organizations;
pub mod retry;
pub mod signing;
pub mod sts;
pub mod transport;
pub mod wire;
