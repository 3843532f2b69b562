//! keyturn: a browser console for AWS KMS key rotation.
//!
//! Layers (data flows down, nothing imports upward):
//! - `aws`: the AWS wire layer (credentials, endpoints, SigV4, typed KMS/STS operations, errors,
//!   retries). Pure Rust, compiles natively and for wasm32.
//! - `console`: what the console does (inventory, eligibility, quota, rotation workflow). Pure Rust.
//! - `ui`: Leptos views, browser only.
//! - `sort`: the one sort both `aws` and `console` use (its compiled size, docs/performance.md §5).

pub mod aws;
pub mod console;
pub mod sort;
#[cfg(target_arch = "wasm32")]
pub mod ui;
