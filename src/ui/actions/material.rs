//! The key material actions: import parameters, importing wrapped material, deleting imported
//! material, and last use (docs/kms.md §2.13-§2.16). Each reads the key again afterwards, so
//! the key material table and "Rotate now" follow what KMS now says.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::dom;
use super::super::state::{App, NoticeKind};
use super::load::refresh_key;
use super::session;
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::kms::{
    DeleteImportedKeyMaterial, GetKeyLastUsage, GetParametersForImport, MultiRegionKeyType,
    Timestamp, WrappingAlgorithm, WrappingKeySpec,
};
use crate::console::fleet::RowKey;
use crate::console::import::{self, ImportForm};
use crate::console::last_use::LastUse;
use crate::console::scope::ScopeId;

/// What GetParametersForImport answered, as download links (Blob URLs, revoked by
/// [`forget_parameters`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    pub public_key_url: String,
    pub token_url: String,
    pub valid_to: Option<Timestamp>,
    pub algorithm: WrappingAlgorithm,
    pub spec: WrappingKeySpec,
}

/// A file chosen for the import: still being read, read (its name and bytes), or why not.
#[derive(Clone, Debug, PartialEq)]
pub enum ChosenFile {
    Reading,
    Read(String, Vec<u8>),
    Failed(String),
}

impl ChosenFile {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            ChosenFile::Read(_, b) => Some(b),
            _ => None,
        }
    }
}

/// The file input's state; None until a file is chosen.
pub type FileRead = RwSignal<Option<ChosenFile>>;

/// A step's answer: done or not, and the sentence to show.
pub type Outcome = RwSignal<Option<(bool, String)>>;

fn now() -> Timestamp {
    Timestamp::from_system_time(dom::now())
}

/// The sentence for a failed step; a session-ending error also goes back to connect.
fn failed(app: App, e: &AwsError, unclear: &str) -> String {
    if e.code().is_some_and(|c| c.is_credentials_rejected()) {
        session::report(app, e);
    }
    if matches!(e.kind, ErrorKind::OutcomeUnknown { .. }) {
        return unclear.to_string();
    }
    e.user_message()
}

/// Revoke the download links of `params`.
pub fn forget_parameters(params: RwSignal<Option<Result<Parameters, String>>>) {
    if let Some(Some(Ok(p))) = params.try_get_untracked() {
        dom::revoke_url(&p.public_key_url);
        dom::revoke_url(&p.token_url);
    }
}

/// Take the download links away (revoked), so no public key or token of an earlier answer, or
/// of another wrapping choice, can be downloaded for the next one: material wrapped with it
/// would not import with a new token.
pub fn clear_parameters(params: RwSignal<Option<Result<Parameters, String>>>) {
    forget_parameters(params);
    params.set(None);
}

/// GetParametersForImport: a wrapping public key and an import token, valid 24 hours.
pub fn get_parameters(
    app: App,
    key: RowKey,
    algorithm: WrappingAlgorithm,
    spec: WrappingKeySpec,
    into: RwSignal<Option<Result<Parameters, String>>>,
    busy: RwSignal<bool>,
) {
    let Some((client, token)) = app.scope_client(&key.scope) else {
        return;
    };
    busy.set(true);
    clear_parameters(into);
    spawn_local(async move {
        let op = GetParametersForImport {
            key_id: key.key_id.clone(),
            wrapping_algorithm: algorithm.clone(),
            wrapping_key_spec: spec.clone(),
        };
        let result = client.call(&op).await;
        if token.is_cancelled() {
            return;
        }
        busy.try_set(false);
        let answer = match result {
            Ok(out) => {
                let decode = |b64: Option<String>| {
                    b64.and_then(|s| aws_smithy_types::base64::decode(s).ok())
                        .filter(|b| !b.is_empty())
                };
                match (decode(out.public_key), decode(out.import_token)) {
                    (Some(public), Some(token_bytes)) => {
                        let urls = (
                            dom::bytes_url(&public, "application/octet-stream"),
                            dom::bytes_url(&token_bytes, "application/octet-stream"),
                        );
                        match urls {
                            (Some(public_key_url), Some(token_url)) => Ok(Parameters {
                                public_key_url,
                                token_url,
                                valid_to: out.parameters_valid_to,
                                algorithm,
                                spec,
                            }),
                            _ => Err("The browser could not prepare the downloads.".to_string()),
                        }
                    }
                    _ => Err(
                        "KMS answered without a public key or import token (or with one \
                              that is not base64)."
                            .to_string(),
                    ),
                }
            }
            Err(e) => Err(failed(app, &e, "")),
        };
        forget_parameters(into);
        into.try_set(Some(answer));
    });
}

/// Read the file chosen in `input` into `into`. Until it is read, `into` says so (and the
/// import cannot be sent), so an earlier file's bytes are never sent in its place.
pub fn read_file(input: web_sys::HtmlInputElement, into: FileRead) {
    into.set(Some(ChosenFile::Reading));
    spawn_local(async move {
        let read = dom::read_chosen_file(&input).await.map(|r| match r {
            Ok((name, bytes)) => ChosenFile::Read(name, bytes),
            Err(why) => ChosenFile::Failed(why),
        });
        into.try_set(read);
    });
}

/// ImportKeyMaterial with the wrapped material and token the user uploaded.
pub fn import(
    app: App,
    key: RowKey,
    wrapped: Vec<u8>,
    token_bytes: Vec<u8>,
    form: ImportForm,
    busy: RwSignal<bool>,
    outcome: Outcome,
) {
    let request = match import::request(&key.key_id, &wrapped, &token_bytes, &form, now()) {
        Ok(r) => r,
        Err(sentence) => {
            outcome.set(Some((false, sentence)));
            return;
        }
    };
    let Some((client, token)) = app.scope_client(&key.scope) else {
        return;
    };
    busy.set(true);
    outcome.set(None);
    spawn_local(async move {
        let result = client.call(&request).await;
        if token.is_cancelled() {
            return;
        }
        busy.try_set(false);
        let said = match result {
            Ok(out) => {
                let id = out.key_material_id.unwrap_or_default();
                let what = if id.is_empty() {
                    "KMS imported the key material.".to_string()
                } else {
                    format!("KMS imported the key material {id}.")
                };
                app.notify(NoticeKind::Success, what.clone());
                (true, what)
            }
            Err(e) => (
                false,
                failed(
                    app,
                    &e,
                    "It is not known whether KMS imported the key material (the answer was \
                     lost). The key material table was read again: check it before importing \
                     again.",
                ),
            ),
        };
        outcome.try_set(Some(said));
        refresh_set(app, key);
    });
}

/// Read `key` again, and for a multi-Region replica its primary too: the primary's pending
/// material becomes PENDING_ROTATION once every replica has it (docs/kms.md §3.8 Key material).
fn refresh_set(app: App, key: RowKey) {
    let primary_region = app.fleet.with_untracked(|f| {
        f.row(&key)
            .and_then(|r| r.meta())
            .and_then(|m| m.multi_region_configuration.as_ref())
            .filter(|c| c.multi_region_key_type == Some(MultiRegionKeyType::Replica))
            .and_then(|c| c.primary_key.as_ref())
            .and_then(|p| p.region.clone())
    });
    if let Some(region) = primary_region {
        let primary = RowKey::new(
            ScopeId::new(key.scope.account.clone(), region),
            key.key_id.clone(),
        );
        if app.fleet.with_untracked(|f| f.row(&primary).is_some()) {
            refresh_key(app, primary);
        }
    }
    refresh_key(app, key);
}

/// DeleteImportedKeyMaterial of one material (the caller has asked the user to confirm).
pub fn delete(app: App, key: RowKey, material_id: String, busy: RwSignal<bool>, outcome: Outcome) {
    let Some((client, token)) = app.scope_client(&key.scope) else {
        return;
    };
    busy.set(true);
    outcome.set(None);
    spawn_local(async move {
        let op = DeleteImportedKeyMaterial {
            key_id: key.key_id.clone(),
            key_material_id: Some(material_id.clone()),
        };
        let result = client.call(&op).await;
        if token.is_cancelled() {
            return;
        }
        busy.try_set(false);
        let said = match result {
            Ok(_) => {
                let what = format!(
                    "KMS deleted the key material {material_id}. Import the same material again \
                     to make the key usable."
                );
                app.notify(NoticeKind::Success, "Deleted the imported key material.");
                (true, what)
            }
            Err(e) => (
                false,
                failed(
                    app,
                    &e,
                    "It is not known whether KMS deleted the key material (the answer was \
                     lost). The key material table was read again: check it.",
                ),
            ),
        };
        outcome.try_set(Some(said));
        refresh_set(app, key);
    });
}

/// Ask KMS again for `key`'s last use.
pub fn reload_last_use(app: App, key: RowKey) {
    app.last_use.update(|m| {
        m.remove(&key);
    });
    load_last_use(app, vec![key]);
}

/// GetKeyLastUsage of each of `keys` not asked yet (the key panel, and the inventory column for
/// the shown page), paced by its scope's limiter: 5 requests per second (docs/kms.md §2.16).
pub fn load_last_use(app: App, keys: Vec<RowKey>) {
    let wanted: Vec<RowKey> = app
        .last_use
        .with_untracked(|m| keys.into_iter().filter(|k| !m.contains_key(k)).collect());
    if wanted.is_empty() {
        return;
    }
    app.last_use.update(|m| {
        for k in &wanted {
            m.insert(k.clone(), None);
        }
    });
    for key in wanted {
        let Some((client, token)) = app.scope_client(&key.scope) else {
            app.last_use.update(|m| {
                m.remove(&key);
            });
            continue;
        };
        spawn_local(async move {
            let result = client
                .call(&GetKeyLastUsage {
                    key_id: key.key_id.clone(),
                })
                .await;
            if token.is_cancelled() {
                // Asked again when shown again.
                app.last_use.try_update(|m| {
                    m.remove(&key);
                });
                return;
            }
            let answer = result
                .map(|o| LastUse::from_output(&o))
                .map_err(|e| e.user_message());
            app.last_use.update(|m| {
                m.insert(key, Some(answer));
            });
        });
    }
}
