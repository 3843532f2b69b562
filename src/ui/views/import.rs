//! The key panel's "Import key material" and "Last use" sections (docs/kms.md §2.13-§2.16).
//! The page never holds plaintext key material: it offers the wrapping public key and token as
//! downloads and takes back only the wrapped material (console/import.rs).

use leptos::prelude::*;

use super::widgets::CliBox;
use crate::aws::kms::{ImportType, MultiRegionKeyType, Origin, WrappingAlgorithm, WrappingKeySpec};
use crate::console::cli::{self, CliTarget};
use crate::console::fleet::RowKey;
use crate::console::format;
use crate::console::import::{self, ImportForm};
use crate::console::inventory::KeyRow;
use crate::console::last_use;
use crate::ui::actions::material::{self, ChosenFile, FileRead, Parameters};
use crate::ui::state::use_app;

/// Shown for keys of origin EXTERNAL.
#[component]
pub fn ImportMaterial(row: Memo<Option<KeyRow>>, key: RowKey, target: CliTarget) -> impl IntoView {
    let app = use_app();
    let key = StoredValue::new(key);
    let target = StoredValue::new(target);
    let external = Memo::new(move |_| {
        row.with(|r| {
            r.as_ref()
                .and_then(KeyRow::meta)
                .is_some_and(|m| m.origin == Some(Origin::External))
        })
    });
    let replica = Memo::new(move |_| {
        row.with(|r| {
            r.as_ref()
                .and_then(KeyRow::meta)
                .and_then(|m| m.multi_region_configuration.as_ref())
                .is_some_and(|c| c.multi_region_key_type == Some(MultiRegionKeyType::Replica))
        })
    });
    let arn = move || {
        row.with(|r| {
            r.as_ref()
                .and_then(KeyRow::meta)
                .and_then(|m| m.arn.clone())
                .unwrap_or_else(|| key.get_value().key_id)
        })
    };

    let spec = RwSignal::new(import::WRAPPING_KEY_SPECS[0].to_string());
    let algorithm = RwSignal::new(import::WRAPPING_ALGORITHMS[0].0.to_string());
    let params = RwSignal::new(None::<Result<Parameters, String>>);
    let fetching = RwSignal::new(false);
    on_cleanup(move || material::forget_parameters(params));

    let wrapped: FileRead = RwSignal::new(None);
    let token: FileRead = RwSignal::new(None);
    let import_type = RwSignal::new(String::new());
    let material_id = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let expires = RwSignal::new(false);
    let valid_to = RwSignal::new(String::new());
    let importing = RwSignal::new(false);
    let outcome: material::Outcome = RwSignal::new(None);

    let chosen_type = move || {
        let t = import_type.get();
        if t.is_empty() {
            import::default_import_type(replica.get())
        } else {
            ImportType::from(t.as_str())
        }
    };
    let form = move || ImportForm {
        import_type: chosen_type(),
        material_id: material_id.get(),
        description: description.get(),
        expires: expires.get(),
        valid_to: valid_to.get(),
    };
    let now = move || crate::aws::kms::Timestamp::from_system_time(app.now.get());
    let params_cli = move || {
        import::parameters_cli(
            &target.get_value(),
            &arn(),
            &WrappingAlgorithm::from(algorithm.get().as_str()),
            &WrappingKeySpec::from(spec.get().as_str()),
        )
    };
    let import_cli = move || import::import_cli(&target.get_value(), &arn(), &form(), now());
    let wrap_text =
        move || import::wrap_commands(&WrappingAlgorithm::from(algorithm.get().as_str()));

    let get_params = move |_| {
        material::get_parameters(
            app,
            key.get_value(),
            WrappingAlgorithm::from(algorithm.get_untracked().as_str()),
            WrappingKeySpec::from(spec.get_untracked().as_str()),
            params,
            fetching,
        )
    };
    let reading = move || {
        [wrapped, token]
            .iter()
            .any(|f| f.with(|c| c == &Some(ChosenFile::Reading)))
    };
    let submit = move |_| {
        let bytes = |f: FileRead| {
            f.with_untracked(|c| c.as_ref().and_then(|c| c.bytes().map(<[u8]>::to_vec)))
        };
        match (bytes(wrapped), bytes(token)) {
            (Some(w), Some(t)) => {
                material::import(app, key.get_value(), w, t, form(), importing, outcome)
            }
            (None, _) => outcome.set(Some((
                false,
                "Choose the file with the wrapped key material.".to_string(),
            ))),
            (_, None) => outcome.set(Some((false, "Choose the import token file.".to_string()))),
        }
    };
    let file_line = move |f: FileRead| {
        f.get().map(|c| match c {
            ChosenFile::Reading => "Reading\u{2026}".to_string(),
            ChosenFile::Read(name, bytes) => {
                format!("{name}: {} bytes", format::thousands(bytes.len()))
            }
            ChosenFile::Failed(e) => e,
        })
    };
    let key_id = move || key.get_value().key_id;

    view! {
        <Show when=move || external.get()>
            <section class="panel-section" aria-labelledby="sec-import" data-testid="import-material">
                <h3 id="sec-import">"Import key material"</h3>
                <p class="hint">
                    "Plaintext key material never enters this page: wrap it outside keyturn (in your HSM, or with OpenSSL) with the public key below, then upload the wrapped file and its import token."
                </p>
                <Show when=move || replica.get()>
                    <p class="hint" data-testid="import-replica-hint">
                        "This is a replica: import the same material its primary key has, with ImportType EXISTING_KEY_MATERIAL."
                    </p>
                </Show>
                <h4>"1. Get a wrapping public key and an import token"</h4>
                <div class="settings-row">
                    <div class="field">
                        <label for="import-wrapping-spec">"Wrapping key spec"</label>
                        <select
                            id="import-wrapping-spec"
                            data-testid="import-wrapping-spec"
                            prop:value=move || spec.get()
                            on:change=move |ev| {
                                spec.set(event_target_value(&ev));
                                material::clear_parameters(params);
                            }
                        >
                            {import::WRAPPING_KEY_SPECS
                                .iter()
                                .map(|s| view! { <option value=*s>{*s}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="import-wrapping-algorithm">"Wrapping algorithm"</label>
                        <select
                            id="import-wrapping-algorithm"
                            data-testid="import-wrapping-algorithm"
                            prop:value=move || algorithm.get()
                            on:change=move |ev| {
                                algorithm.set(event_target_value(&ev));
                                material::clear_parameters(params);
                            }
                        >
                            {import::WRAPPING_ALGORITHMS
                                .iter()
                                .map(|(v, label)| view! { <option value=*v>{*label}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <button
                        type="button"
                        class="btn"
                        data-testid="import-get-params"
                        prop:disabled=move || fetching.get()
                        on:click=get_params
                    >
                        {move || if fetching.get() { "Getting\u{2026}" } else { "Get the public key and token" }}
                    </button>
                </div>
                {move || params.get().map(|p| match p {
                    Ok(p) => view! {
                        <p class="import-downloads">
                            <a
                                data-testid="download-public-key"
                                href=p.public_key_url.clone()
                                download=import::download_name(&key_id(), import::PUBLIC_KEY_FILE)
                            >
                                {format!("Public key ({}, DER)", p.spec)}
                            </a>
                            " \u{b7} "
                            <a
                                data-testid="download-import-token"
                                href=p.token_url.clone()
                                download=import::download_name(&key_id(), import::IMPORT_TOKEN_FILE)
                            >
                                "Import token"
                            </a>
                            <span class="muted" data-testid="import-params-valid-to">
                                {format!(
                                    " \u{b7} for {}, valid until {}",
                                    p.algorithm,
                                    p.valid_to.map_or_else(|| "\u{2014}".to_string(), format::date_time)
                                )}
                            </span>
                        </p>
                    }
                        .into_any(),
                    Err(e) => view! { <p class="danger-text" data-testid="import-params-error">{e}</p> }.into_any(),
                })}
                <CliBox
                    label="AWS CLI for step 1 (POSIX shell: sh, bash, zsh)"
                    testid="cli-command-import-params"
                    copy_testid="copy-cli-import-params"
                    text=Signal::derive(params_cli)
                />
                <h4>"2. Wrap the key material outside keyturn"</h4>
                <p class="hint">
                    "With OpenSSL 3, for 32 bytes of symmetric material in PlaintextKeyMaterial.bin (the files named as downloaded):"
                </p>
                <pre class="cli" data-testid="import-wrap-commands">{wrap_text}</pre>
                <h4>"3. Upload the wrapped material and the token"</h4>
                <div class="settings-row">
                    <div class="field">
                        <label for="import-material-file">"Wrapped key material"</label>
                        <input
                            id="import-material-file"
                            type="file"
                            data-testid="import-material-file"
                            on:change=move |ev| material::read_file(event_target(&ev), wrapped)
                        />
                        <span class="hint">{move || file_line(wrapped)}</span>
                    </div>
                    <div class="field">
                        <label for="import-token-file">"Import token"</label>
                        <input
                            id="import-token-file"
                            type="file"
                            data-testid="import-token-file"
                            on:change=move |ev| material::read_file(event_target(&ev), token)
                        />
                        <span class="hint">{move || file_line(token)}</span>
                    </div>
                </div>
                <div class="settings-row">
                    <div class="field">
                        <label for="import-type">"Import type"</label>
                        <select
                            id="import-type"
                            data-testid="import-type"
                            prop:value=move || chosen_type().to_string()
                            on:change=move |ev| import_type.set(event_target_value(&ev))
                        >
                            <option value="NEW_KEY_MATERIAL">"NEW_KEY_MATERIAL: new material, for a rotation"</option>
                            <option value="EXISTING_KEY_MATERIAL">"EXISTING_KEY_MATERIAL: material this key had"</option>
                        </select>
                    </div>
                    <Show when=move || chosen_type() == ImportType::ExistingKeyMaterial>
                        <div class="field">
                            <label for="import-material-id">"Key material id (optional)"</label>
                            <input
                                id="import-material-id"
                                type="text"
                                autocomplete="off"
                                spellcheck="false"
                                data-testid="import-material-id"
                                prop:value=move || material_id.get()
                                on:input=move |ev| material_id.set(event_target_value(&ev))
                            />
                        </div>
                    </Show>
                </div>
                <div class="settings-row">
                    <div class="field">
                        <label for="import-description">"Description (optional)"</label>
                        <input
                            id="import-description"
                            type="text"
                            autocomplete="off"
                            maxlength="256"
                            data-testid="import-description"
                            prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="field">
                        <label for="import-expiration">"Expiration"</label>
                        <select
                            id="import-expiration"
                            data-testid="import-expiration"
                            prop:value=move || if expires.get() { "KEY_MATERIAL_EXPIRES" } else { "KEY_MATERIAL_DOES_NOT_EXPIRE" }
                            on:change=move |ev| expires.set(event_target_value(&ev) == "KEY_MATERIAL_EXPIRES")
                        >
                            <option value="KEY_MATERIAL_DOES_NOT_EXPIRE">"Does not expire"</option>
                            <option value="KEY_MATERIAL_EXPIRES">"Expires on a date"</option>
                        </select>
                    </div>
                    <Show when=move || expires.get()>
                        <div class="field">
                            <label for="import-valid-to">"Expires at the end of (UTC)"</label>
                            <input
                                id="import-valid-to"
                                type="date"
                                data-testid="import-valid-to"
                                prop:value=move || valid_to.get()
                                on:input=move |ev| valid_to.set(event_target_value(&ev))
                            />
                        </div>
                    </Show>
                </div>
                <Show when=move || expires.get()>
                    <p class="hint">
                        "When the material expires KMS deletes it and the key becomes unusable until the same material is imported again."
                    </p>
                </Show>
                <button
                    type="button"
                    class="btn primary"
                    data-testid="import-submit"
                    prop:disabled=move || importing.get() || reading()
                    on:click=submit
                >
                    {move || if importing.get() { "Importing\u{2026}" } else { "Import key material" }}
                </button>
                {move || outcome.get().map(|(ok, text)| view! {
                    <p
                        class=if ok { "outcome ok" } else { "outcome danger-text" }
                        data-testid="import-outcome"
                        data-ok=if ok { "true" } else { "false" }
                        role="status"
                    >
                        {text}
                    </p>
                })}
                <CliBox
                    label="AWS CLI for step 3 (POSIX shell: sh, bash, zsh)"
                    testid="cli-command-import"
                    copy_testid="copy-cli-import"
                    text=Signal::derive(import_cli)
                />
            </section>
        </Show>
    }
}

/// GetKeyLastUsage, read when the panel opens (unless the inventory column has it) and on
/// "Check again".
#[component]
pub fn LastUseSection(key: RowKey, target: CliTarget) -> impl IntoView {
    let app = use_app();
    let key = StoredValue::new(key);
    let target = StoredValue::new(target);
    material::load_last_use(app, vec![key.get_value()]);
    let read = Memo::new(move |_| {
        app.last_use
            .with(|m| m.get(&key.get_value()).cloned().flatten())
    });
    let cli_text = move || {
        cli::shell_text(cli::CliCommand::with_args(
            &target.get_value(),
            "get-key-last-usage",
            &[("--key-id", key.get_value().key_id)],
        ))
    };
    view! {
        <section class="panel-section" aria-labelledby="sec-last-use">
            <h3 id="sec-last-use">"Last use"</h3>
            {move || match read.get() {
                None => view! { <p class="muted" data-testid="last-use" data-state="loading">"Reading the last use\u{2026}"</p> }.into_any(),
                Some(Ok(u)) => view! { <p data-testid="last-use" data-state=u.state()>{u.sentence()}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="danger-text" data-testid="last-use" data-state="error">{e}</p> }.into_any(),
            }}
            <p class="hint">{last_use::CAUTION}</p>
            <button
                type="button"
                class="btn small"
                data-testid="last-use-reload"
                on:click=move |_| material::reload_last_use(app, key.get_value())
            >
                "Check again"
            </button>
            <CliBox
                label="AWS CLI (POSIX shell: sh, bash, zsh)"
                testid="cli-command-last-use"
                copy_testid="copy-cli-last-use"
                text=Signal::derive(cli_text)
            />
        </section>
    }
}
