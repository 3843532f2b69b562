//! "Remember in this tab": the session kept in sessionStorage, only when the user ticks the box.
//! Never localStorage, cookies or the URL. Disconnect and any ended session call [`forget`].

use serde::{Deserialize, Serialize};

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

/// Keep the session for this tab. Returns false when the browser refused (storage disabled).
pub fn remember(credentials: &Credentials, endpoint: &EndpointConfig) -> bool {
    let saved = Saved {
        credentials: credentials.to_export_json(),
        region: endpoint.region.clone(),
        fips: endpoint.fips,
        dual_stack: endpoint.dual_stack,
        endpoint_url: endpoint.custom_url.clone(),
        sts_endpoint_url: endpoint.sts_url.clone(),
    };
    match serde_json::to_string(&saved) {
        Ok(text) => dom::session_set(KEY, &text),
        Err(_) => false,
    }
}

/// The remembered session, if any and readable. A damaged entry is removed.
pub fn recall() -> Option<(Credentials, EndpointConfig)> {
    let text = dom::session_get(KEY)?;
    let parsed = serde_json::from_str::<Saved>(&text).ok().and_then(|saved| {
        let creds = parse_credentials(&saved.credentials).ok()?;
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
    if let Ok(mut saved) = serde_json::from_str::<Saved>(&text) {
        saved.region = region.to_string();
        if let Ok(text) = serde_json::to_string(&saved) {
            dom::session_set(KEY, &text);
        }
    }
}
