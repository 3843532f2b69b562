//! Cross-tab rotation locks (Web Locks API, through js/locks.js): held by the tab that rotates
//! a key from confirmation until the outcome is known, so two tabs of the console cannot rotate
//! one key at once (docs/rotation-safety.md §2).

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/js/locks.js")]
extern "C" {
    #[wasm_bindgen(js_name = tryLock)]
    fn try_lock(name: &str) -> js_sys::Promise;
}

/// A held lock; released when dropped.
pub struct KeyLock {
    release: Option<js_sys::Function>,
}

impl Drop for KeyLock {
    fn drop(&mut self) {
        if let Some(f) = self.release.take() {
            let _ = f.call0(&JsValue::NULL);
        }
    }
}

pub enum Acquired {
    Held(KeyLock),
    /// Another tab holds it.
    Busy,
}

/// The lock's name: one per (account, region, key).
pub fn name(account: &str, region: &str, key_id: &str) -> String {
    format!("keyturn.rotate/{account}/{region}/{key_id}")
}

/// Take the lock if no other tab has it. A browser without Web Locks (none that keyturn
/// supports) gets a lock that guards nothing; the check right before sending still runs.
pub async fn acquire(name: &str) -> Acquired {
    let result = JsFuture::from(try_lock(name)).await;
    match result {
        Ok(v) if v.is_null() => Acquired::Busy,
        Ok(v) => Acquired::Held(KeyLock {
            release: v.dyn_into::<js_sys::Function>().ok(),
        }),
        Err(_) => Acquired::Held(KeyLock { release: None }),
    }
}
