//! What the console does: pure Rust, no Leptos, no web-sys. The UI only renders what these
//! modules compute and calls their async drivers.
//!
//! - [`scope`]: where the console looks: (account, Region) pairs, role ARNs, AssumeRole rules.
//! - [`session`]: the connection, credential expiry, and the generation that cancels old loads.
//! - [`fleet`]: every scope's inventory; rows by (scope, key); multi-Region sets.
//! - [`inventory`]: the region's keys as they load, and the concurrent, paced loader.
//! - [`filter`]: text and quick filters, sorting, the shown-keys count.
//! - [`eligibility`]: whether a key can be rotated now / have automatic rotation changed, and why not.
//! - [`policy`]: the rotation policy and every key's verdict against it.
//! - [`charts`]: the compliance pictures as geometry.
//! - [`export`]: CSV, JSON and the printable report.
//! - [`quota`]: the on-demand rotation limit and the remaining count.
//! - [`rotation`]: the "Rotate now" state machine and driver, automatic-rotation settings.
//! - [`bulk`]: selecting many keys, the plan of what to send, and the paced run.
//! - [`rotation_record`]: rotations whose outcome is not settled, kept across a reload.
//! - [`cli`]: "Copy as AWS CLI".
//! - [`arn`]: "go to key" parsing and the URL fragment.
//! - [`format`]: dates and numbers as text.

pub mod arn;
pub mod bulk;
pub mod charts;
pub mod cli;
pub mod eligibility;
pub mod export;
pub mod filter;
pub mod fleet;
pub mod format;
pub mod import;
pub mod inventory;
pub mod last_use;
pub mod material;
pub mod policy;
pub mod quota;
pub mod rotation;
pub mod rotation_record;
pub mod scope;
pub mod session;

#[cfg(test)]
pub(crate) mod testkit;
