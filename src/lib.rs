//! keyturn: a browser console for AWS KMS key rotation.
//!
//! Layers (data flows down, nothing imports upward):
//! - `aws`: the AWS wire layer (credentials, endpoints, SigV4, typed KMS/STS operations, errors,
//!   retries). Pure Rust, compiles natively and for wasm32.
//! - `console`: what the console does (inventory, eligibility, quota, rotation workflow). Pure Rust.
//! - `ui`: Leptos views, browser only.

pub mod aws;
pub mod console;
#[cfg(target_arch = "wasm32")]
pub mod ui;
