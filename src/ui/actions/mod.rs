//! The page's actions: the only code that starts requests or changes what the page holds.
//! Views render [`super::state::App`] and call these; no view calls another view's code.
//!
//! - [`session`]: connect, disconnect, the end of a session, the credentials' expiry.
//! - [`scopes`]: choose accounts and Regions, AssumeRole and its refresh, the org listing,
//!   the pacing share.
//! - [`load`]: load a scope, reload, retry the failed keys, refresh one key.
//! - [`navigate`]: open and close a key (and the URL), "go to key", Back/Forward.
//! - [`rotate`]: Rotate now, its dialog, "Check again", reconciling recorded rotations.
//! - [`settings`]: automatic rotation settings, the key's tags, copying text.
//! - [`bulk`]: the selection, bulk plans and runs, their results.
//! - [`compliance`]: the rotation policy, the picture's cell filter, exports, fixes.

pub mod bulk;
pub mod compliance;
pub mod load;
pub mod material;
pub mod navigate;
pub mod rotate;
pub mod scopes;
pub mod session;
pub mod settings;
