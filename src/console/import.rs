//! Importing key material into an EXTERNAL key, as the AWS console offers it: the wrapping
//! choices of GetParametersForImport, the checks made before ImportKeyMaterial is sent, and the
//! AWS CLI and openssl commands of each step (docs/kms.md §2.13 GetParametersForImport, §2.14
//! ImportKeyMaterial, §2.15 DeleteImportedKeyMaterial).
//!
//! The page never holds plaintext key material: the user wraps it outside (an HSM, openssl) with
//! the public key downloaded here, and uploads only the wrapped bytes and the import token.

use crate::aws::kms::{
    ExpirationModel, ImportKeyMaterial, ImportType, Timestamp, WrappingAlgorithm, WrappingKeySpec,
};
use crate::console::cli::{shell_text, CliCommand, CliTarget};
use crate::console::format;

/// The wrapping key specs offered, longest first: KMS advises the longest practical one (§2.13).
/// SM2 is for China Regions only and is not offered.
pub const WRAPPING_KEY_SPECS: [&str; 3] = ["RSA_4096", "RSA_3072", "RSA_2048"];

/// The wrapping algorithms offered, with what each means. RSAES_PKCS1_V1_5 is no longer
/// supported (since 2023-10-10) and SM2PKE is for China Regions: neither is offered (§2.13).
pub const WRAPPING_ALGORITHMS: [(&str, &str); 4] = [
    (
        "RSAES_OAEP_SHA_256",
        "RSAES_OAEP_SHA_256: the material is wrapped with the public key",
    ),
    (
        "RSA_AES_KEY_WRAP_SHA_256",
        "RSA_AES_KEY_WRAP_SHA_256: an AES key wraps the material, the public key wraps the AES key",
    ),
    ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_1"),
    ("RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_1"),
];

/// The file names the AWS documentation uses for the downloads and the upload.
pub const PUBLIC_KEY_FILE: &str = "PublicKey.bin";
pub const IMPORT_TOKEN_FILE: &str = "ImportToken.bin";
pub const WRAPPED_MATERIAL_FILE: &str = "EncryptedKeyMaterial.bin";

/// ImportToken and EncryptedKeyMaterial: 1..6144 bytes (§2.14).
pub const MAX_BLOB_BYTES: usize = 6144;
/// ValidTo: at most 365 days after the request (§2.14).
pub const MAX_VALID_DAYS: i64 = 365;
/// KeyMaterialDescription: at most 256 characters (§2.14).
pub const MAX_DESCRIPTION_CHARS: usize = 256;

/// What the user chose in the import form.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportForm {
    pub import_type: ImportType,
    /// For EXISTING_KEY_MATERIAL only; empty: KMS finds the material by its bytes.
    pub material_id: String,
    pub description: String,
    /// KEY_MATERIAL_EXPIRES with `valid_to` (a `YYYY-MM-DD` date, the end of it in UTC).
    pub expires: bool,
    pub valid_to: String,
}

impl Default for ImportForm {
    fn default() -> Self {
        ImportForm {
            import_type: ImportType::NewKeyMaterial,
            material_id: String::new(),
            description: String::new(),
            expires: false,
            valid_to: String::new(),
        }
    }
}

/// Which ImportType fits the key, as ImportKeyMaterial defaults it (§2.14): NEW for a key that
/// never had material, EXISTING for a replica (it takes its primary's material); NEW otherwise,
/// since importing new material for a rotation is what keyturn is for.
pub fn default_import_type(is_replica: bool) -> ImportType {
    if is_replica {
        ImportType::ExistingKeyMaterial
    } else {
        ImportType::NewKeyMaterial
    }
}

/// KeyMaterialDescription: optional, at most 256 characters of `[a-zA-Z0-9:/_\s.-]` (§2.14).
pub fn check_description(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "The description is longer than {MAX_DESCRIPTION_CHARS} characters."
        ));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || c.is_whitespace() || ":/_.-".contains(*c)))
    {
        return Err(format!(
            "The description may hold letters, digits, spaces and : / _ . - only, not {bad:?}."
        ));
    }
    Ok(Some(text.to_string()))
}

/// ValidTo from a `YYYY-MM-DD` date: the end of that day in UTC, in the future and at most 365
/// days from `now` (§2.14).
pub fn parse_valid_to(date: &str, now: Timestamp) -> Result<Timestamp, String> {
    let parts: Vec<&str> = date.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err("Choose the date the key material expires.".to_string());
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err("Choose the date the key material expires.".to_string());
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err("Choose the date the key material expires.".to_string());
    }
    let end = (format::days_from_civil(y, m, d) + 1) as f64 * 86_400.0 - 1.0;
    let latest = now.epoch_seconds() + MAX_VALID_DAYS as f64 * 86_400.0;
    if end <= now.epoch_seconds() {
        return Err("The expiration date must be in the future.".to_string());
    }
    if end > latest {
        return Err(format!(
            "KMS allows an expiration at most {MAX_VALID_DAYS} days ahead: choose {} or earlier.",
            format::date(Timestamp(latest))
        ));
    }
    Ok(Timestamp(end))
}

/// A KeyMaterialId: 64 lower-case hex digits (§2.14).
pub fn is_material_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn check_blob(bytes: &[u8], what: &str) -> Result<(), String> {
    if bytes.is_empty() {
        return Err(format!("The {what} file is empty."));
    }
    if bytes.len() > MAX_BLOB_BYTES {
        return Err(format!(
            "The {what} file is {} bytes; KMS takes at most {MAX_BLOB_BYTES}. Is it the right file?",
            bytes.len()
        ));
    }
    Ok(())
}

/// The ImportKeyMaterial request, or the first thing to fix, in the form's order.
pub fn request(
    key_id: &str,
    wrapped: &[u8],
    token: &[u8],
    form: &ImportForm,
    now: Timestamp,
) -> Result<ImportKeyMaterial, String> {
    check_blob(wrapped, "wrapped key material")?;
    check_blob(token, "import token")?;
    let material_id = form.material_id.trim();
    let key_material_id = match (&form.import_type, material_id.is_empty()) {
        (_, true) => None,
        (ImportType::ExistingKeyMaterial, false) if is_material_id(material_id) => {
            Some(material_id.to_string())
        }
        (ImportType::ExistingKeyMaterial, false) => {
            return Err(
                "A key material id is 64 lower-case hexadecimal digits (copy it from the key \
                 material table)."
                    .to_string(),
            )
        }
        (_, false) => {
            return Err(
                "A key material id can be given only when importing existing material: new \
                 material gets its id from KMS."
                    .to_string(),
            )
        }
    };
    let description = check_description(&form.description)?;
    let (expiration_model, valid_to) = if form.expires {
        (
            ExpirationModel::KeyMaterialExpires,
            Some(parse_valid_to(&form.valid_to, now)?),
        )
    } else {
        (ExpirationModel::KeyMaterialDoesNotExpire, None)
    };
    Ok(ImportKeyMaterial {
        key_id: key_id.to_string(),
        import_token: aws_smithy_types::base64::encode(token),
        encrypted_key_material: aws_smithy_types::base64::encode(wrapped),
        expiration_model,
        valid_to,
        import_type: Some(form.import_type.clone()),
        key_material_description: description,
        key_material_id,
    })
}

/// Step 1 in a shell: the public key and token as the two files the console downloads.
pub fn parameters_cli(
    target: &CliTarget,
    key_id: &str,
    algorithm: &WrappingAlgorithm,
    spec: &WrappingKeySpec,
) -> String {
    let cmd = CliCommand::with_args(
        target,
        "get-parameters-for-import",
        &[
            ("--key-id", key_id.to_string()),
            ("--wrapping-algorithm", algorithm.to_string()),
            ("--wrapping-key-spec", spec.to_string()),
            ("--query", "[PublicKey,ImportToken]".to_string()),
            ("--output", "text".to_string()),
        ],
    );
    match cmd {
        Some(c) => format!(
            "{} > parameters.txt\ncut -f1 parameters.txt | base64 --decode > {PUBLIC_KEY_FILE}\n\
             cut -f2 parameters.txt | base64 --decode > {IMPORT_TOKEN_FILE}",
            c.to_shell()
        ),
        None => shell_text(None),
    }
}

/// Step 2, outside the console: wrapping 32 bytes of material (`PlaintextKeyMaterial.bin`,
/// from the user's HSM or key store) as the AWS documentation shows it with OpenSSL 3.
pub fn wrap_commands(algorithm: &WrappingAlgorithm) -> String {
    let md = match algorithm {
        WrappingAlgorithm::RsaesOaepSha1 | WrappingAlgorithm::RsaAesKeyWrapSha1 => "sha1",
        _ => "sha256",
    };
    let oaep = format!(
        "-inkey {PUBLIC_KEY_FILE} -keyform DER -pubin -pkeyopt rsa_padding_mode:oaep \
         -pkeyopt rsa_oaep_md:{md} -pkeyopt rsa_mgf1_md:{md}"
    );
    match algorithm {
        WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256 => format!(
            "openssl rand -out aes-key.bin 32\n\
             openssl enc -id-aes256-wrap-pad -K \"$(xxd -p < aes-key.bin | tr -d '\\n')\" \
             -iv A65959A6 -in PlaintextKeyMaterial.bin -out material-wrapped.bin\n\
             openssl pkeyutl -encrypt -in aes-key.bin -out aes-key-wrapped.bin {oaep}\n\
             cat aes-key-wrapped.bin material-wrapped.bin > {WRAPPED_MATERIAL_FILE}\n\
             rm aes-key.bin"
        ),
        _ => format!(
            "openssl pkeyutl -encrypt -in PlaintextKeyMaterial.bin -out {WRAPPED_MATERIAL_FILE} \
             {oaep}"
        ),
    }
}

/// Step 3 in a shell: ImportKeyMaterial with the form's choices (files named as downloaded).
pub fn import_cli(target: &CliTarget, key_id: &str, form: &ImportForm, now: Timestamp) -> String {
    let mut args = vec![
        ("--key-id", key_id.to_string()),
        (
            "--encrypted-key-material",
            format!("fileb://{WRAPPED_MATERIAL_FILE}"),
        ),
        ("--import-token", format!("fileb://{IMPORT_TOKEN_FILE}")),
        ("--import-type", form.import_type.to_string()),
    ];
    if form.expires {
        args.push(("--expiration-model", "KEY_MATERIAL_EXPIRES".to_string()));
        if let Ok(t) = parse_valid_to(&form.valid_to, now) {
            args.push(("--valid-to", format::iso(t)));
        }
    } else {
        args.push((
            "--expiration-model",
            "KEY_MATERIAL_DOES_NOT_EXPIRE".to_string(),
        ));
    }
    let id = form.material_id.trim();
    if form.import_type == ImportType::ExistingKeyMaterial && is_material_id(id) {
        args.push(("--key-material-id", id.to_string()));
    }
    if let Ok(Some(d)) = check_description(&form.description) {
        args.push(("--key-material-description", d));
    }
    shell_text(CliCommand::with_args(target, "import-key-material", &args))
}

/// DeleteImportedKeyMaterial of one material.
pub fn delete_cli(target: &CliTarget, key_id: &str, material_id: &str) -> String {
    let mut args = vec![("--key-id", key_id.to_string())];
    if is_material_id(material_id) {
        args.push(("--key-material-id", material_id.to_string()));
    }
    shell_text(CliCommand::with_args(
        target,
        "delete-imported-key-material",
        &args,
    ))
}

/// A file name for a download, with the key id in it so two keys' files do not mix.
pub fn download_name(key_id: &str, file: &str) -> String {
    let safe: String = key_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    format!("{safe}-{file}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const NOW: Timestamp = Timestamp(1_780_000_000.0); // 2026-05-28

    fn form() -> ImportForm {
        ImportForm::default()
    }

    #[test]
    fn request_carries_the_bytes_as_base64_and_the_choices() {
        let mut f = form();
        f.description = " from the HSM ".into();
        let r = request(ID, &[1, 2, 3], &[4, 5], &f, NOW).unwrap();
        assert_eq!(r.encrypted_key_material, "AQID");
        assert_eq!(r.import_token, "BAU=");
        assert_eq!(
            r.expiration_model,
            ExpirationModel::KeyMaterialDoesNotExpire
        );
        assert_eq!(r.valid_to, None);
        assert_eq!(r.import_type, Some(ImportType::NewKeyMaterial));
        assert_eq!(r.key_material_description.as_deref(), Some("from the HSM"));
        assert_eq!(r.key_material_id, None);
    }

    #[test]
    fn request_refuses_what_kms_would() {
        let mut f = form();
        assert!(request(ID, &[], &[1], &f, NOW)
            .unwrap_err()
            .contains("wrapped key material"));
        assert!(request(ID, &[1], &[0; 6145], &f, NOW)
            .unwrap_err()
            .contains("6144"));
        f.material_id = "a".repeat(64);
        assert!(request(ID, &[1], &[1], &f, NOW)
            .unwrap_err()
            .contains("existing material"));
        f.import_type = ImportType::ExistingKeyMaterial;
        assert_eq!(
            request(ID, &[1], &[1], &f, NOW).unwrap().key_material_id,
            Some("a".repeat(64))
        );
        f.material_id = "A".repeat(64);
        assert!(request(ID, &[1], &[1], &f, NOW)
            .unwrap_err()
            .contains("64 lower-case"));
        f.material_id.clear();
        f.description = "<script>".into();
        assert!(request(ID, &[1], &[1], &f, NOW)
            .unwrap_err()
            .contains("'<'"));
        f.description = "x".repeat(257);
        assert!(request(ID, &[1], &[1], &f, NOW)
            .unwrap_err()
            .contains("256"));
        f.description.clear();
        f.expires = true;
        assert!(request(ID, &[1], &[1], &f, NOW)
            .unwrap_err()
            .contains("Choose the date"));
    }

    #[test]
    fn valid_to_is_the_end_of_the_day_within_a_year() {
        let t = parse_valid_to("2026-06-30", NOW).unwrap();
        assert_eq!(format::iso(t), "2026-06-30T23:59:59Z");
        assert!(parse_valid_to("2026-05-01", NOW)
            .unwrap_err()
            .contains("future"));
        let err = parse_valid_to("2027-06-30", NOW).unwrap_err();
        assert!(
            err.contains("365 days") && err.contains("2027-05-28"),
            "{err}"
        );
        assert!(parse_valid_to("2026-13-01", NOW).is_err());
        assert!(parse_valid_to("soon", NOW).is_err());
        let mut f = form();
        f.expires = true;
        f.valid_to = "2026-06-30".into();
        let r = request(ID, &[1], &[1], &f, NOW).unwrap();
        assert_eq!(r.expiration_model, ExpirationModel::KeyMaterialExpires);
        assert_eq!(r.valid_to, Some(t));
    }

    #[test]
    fn commands_for_each_step() {
        let target = CliTarget::new("eu-west-1", None);
        let params = parameters_cli(
            &target,
            ID,
            &WrappingAlgorithm::RsaesOaepSha256,
            &WrappingKeySpec::Rsa4096,
        );
        assert!(params.starts_with(&format!(
            "aws kms get-parameters-for-import --key-id {ID} --wrapping-algorithm \
             RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_4096 --query '[PublicKey,ImportToken]' \
             --output text --region eu-west-1 > parameters.txt"
        )));
        assert!(params.ends_with("base64 --decode > ImportToken.bin"));
        assert!(wrap_commands(&WrappingAlgorithm::RsaesOaepSha1).contains("rsa_oaep_md:sha1"));
        let kw = wrap_commands(&WrappingAlgorithm::RsaAesKeyWrapSha256);
        assert!(kw.contains("-id-aes256-wrap-pad") && kw.contains("rsa_oaep_md:sha256"));
        let mut f = form();
        f.import_type = ImportType::ExistingKeyMaterial;
        f.material_id = "b".repeat(64);
        f.description = "second".into();
        assert_eq!(
            import_cli(&target, ID, &f, NOW),
            format!(
                "aws kms import-key-material --key-id {ID} --encrypted-key-material \
                 fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin \
                 --import-type EXISTING_KEY_MATERIAL --expiration-model \
                 KEY_MATERIAL_DOES_NOT_EXPIRE --key-material-id {} --key-material-description \
                 second --region eu-west-1",
                "b".repeat(64)
            )
        );
        assert_eq!(
            delete_cli(&target, ID, &"c".repeat(64)),
            format!(
                "aws kms delete-imported-key-material --key-id {ID} --key-material-id {} \
                 --region eu-west-1",
                "c".repeat(64)
            )
        );
        assert!(import_cli(&target, "$(rm -rf /)", &f, NOW).starts_with("# no command"));
        assert_eq!(
            download_name(ID, PUBLIC_KEY_FILE),
            format!("{ID}-PublicKey.bin")
        );
        assert_eq!(download_name("mrk-1/../x", "a"), "mrk-1x-a");
    }
}
