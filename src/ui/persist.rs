//! "Remember in this tab": the session kept in sessionStorage, only when the user ticks the box
//! and only for temporary credentials (with an expiry): browsers persist sessionStorage for
//! session restore and copy it to a duplicated tab, so a long-term key (no expiry) would outlive
//! the tab. An expired entry is dropped when read. Never localStorage, cookies or the URL.
//! Disconnect and any ended session call [`forget`].

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::dom;
use crate::aws::credentials::{parse_credentials, Credentials};
use crate::aws::endpoint::EndpointConfig;

const KEY: &str = "keyturn.session";

#[derive(Serialize, Deserialize)]
struct Saved {
    /// `aws configure export-credentials` JSON (read back by `parse_credentials`).
    credentials: String,
    region: String,
    #[serde(default)]
    fips: bool,
    #[serde(default)]
    dual_stack: bool,
    #[serde(default)]
    endpoint_url: Option<String>,
    #[serde(default)]
    sts_endpoint_url: Option<String>,
}

/// Why the session was not remembered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotRemembered {
    /// Long-term credentials (no expiry) are never written to storage.
    NoExpiry,
    /// The browser refused (storage disabled).
    Refused,
}

/// Keep the session for this tab, if its credentials expire.
pub fn remember(credentials: &Credentials, endpoint: &EndpointConfig) -> Result<(), NotRemembered> {
    if credentials.expiration().is_none() {
        forget();
        return Err(NotRemembered::NoExpiry);
    }
    let saved = Saved {
        credentials: credentials.to_export_json(),
        region: endpoint.region.clone(),
        fips: endpoint.fips,
        dual_stack: endpoint.dual_stack,
        endpoint_url: endpoint.custom_url.clone(),
        sts_endpoint_url: endpoint.sts_url.clone(),
    };
    let stored = match serde_json::to_string(&saved) {
        Ok(mut text) => {
            let ok = dom::session_set(KEY, &text);
            text.zeroize();
            ok
        }
        Err(_) => false,
    };
    let mut saved = saved;
    saved.credentials.zeroize();
    if stored {
        Ok(())
    } else {
        Err(NotRemembered::Refused)
    }
}

/// The remembered session, if any and readable. A damaged entry is removed.
pub fn recall() -> Option<(Credentials, EndpointConfig)> {
    let text = dom::session_get(KEY)?;
    let parsed = crate::aws::wire::from_json::<Saved>(&text)
        .ok()
        .and_then(|saved| {
            let creds = parse_credentials(&saved.credentials).ok()?;
            // Only temporary credentials are kept, and not past their expiry.
            if creds.expiration().is_none() || creds.is_expired(dom::now()) {
                return None;
            }
            Some((
                creds,
                EndpointConfig {
                    region: saved.region,
                    fips: saved.fips,
                    dual_stack: saved.dual_stack,
                    custom_url: saved.endpoint_url.filter(|u| !u.trim().is_empty()),
                    sts_url: saved.sts_endpoint_url.filter(|u| !u.trim().is_empty()),
                },
            ))
        });
    if parsed.is_none() {
        forget();
    }
    parsed
}

/// Remove the remembered session.
pub fn forget() {
    dom::session_remove(KEY);
}

/// Update the region of a remembered session (after a region switch), if one is kept.
pub fn update_region(region: &str) {
    let Some(text) = dom::session_get(KEY) else {
        return;
    };
    if let Ok(mut saved) = crate::aws::wire::from_json::<Saved>(&text) {
        saved.region = region.to_string();
        if let Ok(text) = serde_json::to_string(&saved) {
            dom::session_set(KEY, &text);
        }
    }
}
