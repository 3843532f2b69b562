//! Acting on many keys at once (docs/bulk.md): which keys are selected, what a plan would send
//! to each and why it skips the others, and the run that sends it, paced per scope.
//!
//! - [`selection`]: the selected keys, across pages and scopes.
//! - [`plan`]: one decision per selected key, the counts per scope, the CLI script.
//! - [`run`]: the run's state (claim, settle, pause, cancel), kept across a reload, and the
//!   driver of the automatic-rotation settings.

pub mod plan;
pub mod run;
pub mod selection;
