//! AWS credentials as the user pastes them, validated, with an expiry when the paste has one.
//!
//! Accepted paste formats:
//! - the JSON printed by `aws sts assume-role` / `get-session-token` (a `Credentials` object),
//! - the JSON of `aws configure export-credentials` (`Version: 1`, `AccessKeyId`, ...), which is
//!   also what [`Credentials::to_export_json`] writes, and the instance/container metadata JSON
//!   (`Token` instead of `SessionToken`),
//! - environment lines in any of the shapes `export-credentials --format` prints: `export NAME=v`,
//!   `NAME=v`, `set NAME=v` (cmd), `$Env:NAME="v"` (PowerShell), plus fish's `set -gx NAME v`,
//! - an ini `[profile name]` / `[default]` block from `~/.aws/credentials` or `~/.aws/config`,
//! - three separate fields, through [`Credentials::new`].
//!
//! Nothing here logs, and neither `Debug` nor any error message contains the secret or the token.

use std::fmt;
use std::time::SystemTime;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

/// Validated credentials. The secret and the token are only reachable through their accessors.
/// Not `Clone`: one copy per session, shared by `Rc`, and wiped from memory when the last holder
/// drops it (disconnect, an ended session).
#[derive(PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiration: Option<SystemTime>,
}

/// Why credentials could not be read. Every message names what is missing or malformed and never
/// quotes a secret value.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum CredentialsError {
    #[error(
        "Nothing was pasted. Paste the output of `aws sts assume-role`, \
         `aws configure export-credentials`, `export AWS_...=` lines or a [profile] block."
    )]
    Empty,
    #[error(
        "The pasted text is not in a format keyturn reads. Paste the JSON of `aws sts \
         assume-role` or `aws configure export-credentials`, `export AWS_ACCESS_KEY_ID=...` \
         lines or a [profile] block, or fill in the three fields instead."
    )]
    UnrecognizedFormat,
    /// Position of the JSON syntax error (the parser's message is not kept: it can quote input).
    #[error(
        "The pasted text looks like JSON but is not valid JSON (line {line}, column {column})."
    )]
    InvalidJson { line: usize, column: usize },
    #[error(
        "The pasted JSON has neither a Credentials object nor an AccessKeyId. Paste the output \
         of `aws sts assume-role`, `aws sts get-session-token` or `aws configure \
         export-credentials`."
    )]
    UnrecognizedJson,
    #[error("The pasted JSON has no {0}.")]
    MissingJsonField(&'static str),
    #[error("In the pasted JSON, {0} is not a string.")]
    JsonFieldNotString(&'static str),
    #[error("In the pasted JSON, Credentials is not an object.")]
    JsonCredentialsNotObject,
    #[error(
        "The pasted JSON has Version {0}; keyturn reads Version 1 (the format of \
         `aws configure export-credentials`)."
    )]
    UnsupportedVersion(String),
    #[error("Line {line} is not KEY=value.")]
    MalformedLine { line: usize },
    #[error("Line {line} has a quote that is not closed.")]
    UnclosedQuote { line: usize },
    #[error("The pasted lines have no {0}.")]
    MissingVariable(&'static str),
    #[error("{}", missing_profile_key(profile.as_deref(), key))]
    MissingProfileKey {
        profile: Option<String>,
        key: &'static str,
    },
    #[error("{name} is set twice with different values (lines {first} and {second}); paste one set of credentials.")]
    Conflicting {
        name: String,
        first: usize,
        second: usize,
    },
    #[error("The pasted text holds credentials for {} profiles ({}); paste only one.", .0.len(), .0.join(", "))]
    MultipleProfiles(Vec<String>),
    #[error("The access key ID is empty.")]
    MissingAccessKeyId,
    #[error("The access key ID {0}.")]
    MalformedAccessKeyId(&'static str),
    #[error("The secret access key is empty.")]
    MissingSecretAccessKey,
    #[error("The secret access key {0}.")]
    MalformedSecretAccessKey(&'static str),
    #[error("The session token {0}.")]
    MalformedSessionToken(&'static str),
    /// The expiry text is not secret, so it is quoted to help spot the problem.
    #[error(
        "The expiration {0:?} is not a date and time like 2026-11-25T18:51:00Z or \
         2026-11-25T18:51:00+00:00."
    )]
    InvalidExpiration(String),
}

fn missing_profile_key(profile: Option<&str>, key: &str) -> String {
    match profile {
        Some(name) => format!("The pasted profile [{name}] has no {key}."),
        None => format!("The pasted profile has no {key}."),
    }
}

impl Credentials {
    /// Builds credentials from separate values (the three-field form) and validates them.
    /// Surrounding whitespace is trimmed; an empty token means "no token" (long-term keys).
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expiration: Option<SystemTime>,
    ) -> Result<Self, CredentialsError> {
        let access_key_id = validate_access_key_id(access_key_id.into().trim())?;
        let secret_access_key =
            validate_secret_access_key(secret_access_key.into().trim(), &access_key_id)?;
        let session_token = match session_token {
            Some(token) => validate_session_token(&token)?,
            None => None,
        };
        Ok(Self {
            access_key_id,
            secret_access_key,
            session_token,
            expiration,
        })
    }

    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    pub fn expiration(&self) -> Option<SystemTime> {
        self.expiration
    }

    /// True once `now` has reached the expiry. Credentials without an expiry never expire here
    /// (AWS still decides: an expired token comes back as ExpiredToken).
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expiration.is_some_and(|expiry| now >= expiry)
    }

    /// The `aws configure export-credentials` JSON (`Version: 1`). [`parse_credentials`] reads it
    /// back; the console uses it to keep a session in sessionStorage.
    pub fn to_export_json(&self) -> String {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Export<'a> {
            version: u8,
            access_key_id: &'a str,
            secret_access_key: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            session_token: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            expiration: Option<serde_json::Value>,
        }
        let expiration = self.expiration.map(|expiry| {
            let date_time = DateTime::from(expiry);
            match date_time.fmt(Format::DateTime) {
                Ok(text) => serde_json::Value::String(with_nanos(&text, date_time.subsec_nanos())),
                // Outside years 1..9999 RFC 3339 has no form; epoch seconds still parse back.
                Err(_) if date_time.has_subsec_nanos() => {
                    serde_json::Value::from(date_time.as_secs_f64())
                }
                Err(_) => serde_json::Value::from(date_time.secs()),
            }
        });
        let export = Export {
            version: 1,
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            session_token: self.session_token.as_deref(),
            expiration,
        };
        // Serializing a struct of strings and numbers cannot fail; the fallback keeps this total.
        serde_json::to_string(&export).unwrap_or_default()
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_access_key.zeroize();
        self.session_token.zeroize();
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "** redacted **";
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| REDACTED),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Reads credentials from any supported paste format (see the module docs).
pub fn parse_credentials(text: &str) -> Result<Credentials, CredentialsError> {
    // A byte-order mark can come along when the text was copied out of a file.
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() {
        return Err(CredentialsError::Empty);
    }
    if text.starts_with('{') {
        parse_json(text)
    } else {
        parse_lines(text)
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

fn validate_access_key_id(akid: &str) -> Result<String, CredentialsError> {
    if akid.is_empty() {
        return Err(CredentialsError::MissingAccessKeyId);
    }
    if akid.chars().any(char::is_whitespace) {
        return Err(CredentialsError::MalformedAccessKeyId(
            "contains a space or line break",
        ));
    }
    if akid.chars().any(|c| c.is_ascii_lowercase()) {
        return Err(CredentialsError::MalformedAccessKeyId(
            "has lowercase letters; access key IDs are uppercase letters and digits \
             (AKIA... or ASIA...). Is this the secret access key?",
        ));
    }
    // IAM documents access key IDs as 16..128 word characters. AWS issues AKIA/ASIA + 16, but the
    // prefix is not checked: local peers and other partitions may issue other prefixes.
    if !akid
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        || !(16..=128).contains(&akid.len())
    {
        return Err(CredentialsError::MalformedAccessKeyId(
            "should be 16 to 128 uppercase letters and digits, like AKIA or ASIA followed by \
             16 more",
        ));
    }
    Ok(akid.to_owned())
}

fn validate_secret_access_key(secret: &str, akid: &str) -> Result<String, CredentialsError> {
    if secret.is_empty() {
        return Err(CredentialsError::MissingSecretAccessKey);
    }
    if secret.chars().any(char::is_whitespace) {
        return Err(CredentialsError::MalformedSecretAccessKey(
            "contains a space or line break",
        ));
    }
    if !secret.chars().all(|c| c.is_ascii_graphic()) {
        return Err(CredentialsError::MalformedSecretAccessKey(
            "contains characters that never appear in one (only ASCII letters, digits and \
             symbols do)",
        ));
    }
    if secret == akid {
        return Err(CredentialsError::MalformedSecretAccessKey(
            "is the same as the access key ID",
        ));
    }
    if looks_like_aws_access_key_id(secret) {
        return Err(CredentialsError::MalformedSecretAccessKey(
            "looks like an access key ID (AKIA... or ASIA...); were the two swapped?",
        ));
    }
    Ok(secret.to_owned())
}

/// `Ok(None)` for an empty token (the three-field form with long-term keys).
fn validate_session_token(token: &str) -> Result<Option<String>, CredentialsError> {
    // A token copied out of a narrow terminal can carry the terminal's line wraps; tokens are
    // base64, so line breaks are never part of one.
    let token: String = token
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    if token.is_empty() {
        return Ok(None);
    }
    if token.chars().any(char::is_whitespace) {
        return Err(CredentialsError::MalformedSessionToken("contains a space"));
    }
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(CredentialsError::MalformedSessionToken(
            "contains characters that never appear in one (only ASCII letters, digits and \
             symbols do)",
        ));
    }
    Ok(Some(token))
}

fn looks_like_aws_access_key_id(s: &str) -> bool {
    s.len() == 20
        && (s.starts_with("AKIA") || s.starts_with("ASIA"))
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// ISO 8601 / RFC 3339 with `Z` or an offset; also Python's `str(datetime)` form with a space
/// instead of `T`, and plain epoch seconds.
pub(crate) fn parse_expiration(text: &str) -> Result<SystemTime, CredentialsError> {
    let trimmed = text.trim();
    let invalid = || CredentialsError::InvalidExpiration(trimmed.to_owned());
    let parsed = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        DateTime::from_str(trimmed, Format::EpochSeconds)
    } else {
        let mut normalized = trimmed.to_owned();
        if normalized.len() > 10 && normalized.as_bytes()[10] == b' ' {
            normalized.replace_range(10..11, "T");
        }
        DateTime::from_str(&normalized, Format::DateTimeWithOffset)
    };
    let date_time = parsed.map_err(|_| invalid())?;
    SystemTime::try_from(date_time).map_err(|_| invalid())
}

/// `text`, RFC 3339 from aws-smithy-types (which stops at microseconds), with the fraction
/// written to the nanosecond, so that [`parse_credentials`] reads back exactly this expiry.
fn with_nanos(text: &str, nanos: u32) -> String {
    if nanos.is_multiple_of(1_000) {
        return text.to_owned();
    }
    let seconds = text.split('.').next().unwrap_or(text).trim_end_matches('Z');
    let fraction = format!("{nanos:09}");
    format!("{seconds}.{}Z", fraction.trim_end_matches('0'))
}

fn epoch_seconds_to_system_time(
    seconds: f64,
    original: &serde_json::Number,
) -> Result<SystemTime, CredentialsError> {
    let invalid = || CredentialsError::InvalidExpiration(original.to_string());
    if !seconds.is_finite() {
        return Err(invalid());
    }
    SystemTime::try_from(DateTime::from_secs_f64(seconds)).map_err(|_| invalid())
}

// ---------------------------------------------------------------------------------------------
// JSON

fn parse_json(text: &str) -> Result<Credentials, CredentialsError> {
    // Parsed as an untyped value: typed deserialization errors can quote the offending value.
    let value: serde_json::Value =
        crate::aws::wire::from_json(text).map_err(|e| CredentialsError::InvalidJson {
            line: e.line(),
            column: e.column(),
        })?;
    let top = value
        .as_object()
        .ok_or(CredentialsError::UnrecognizedJson)?;
    let fields = if let Some(inner) = top.get("Credentials") {
        inner
            .as_object()
            .ok_or(CredentialsError::JsonCredentialsNotObject)?
    } else if top.contains_key("AccessKeyId") || top.contains_key("SecretAccessKey") {
        if let Some(version) = top.get("Version") {
            let is_one = version.as_u64() == Some(1) || version.as_str() == Some("1");
            if !is_one {
                return Err(CredentialsError::UnsupportedVersion(version.to_string()));
            }
        }
        top
    } else {
        return Err(CredentialsError::UnrecognizedJson);
    };

    let akid = json_string(fields, "AccessKeyId")?
        .ok_or(CredentialsError::MissingJsonField("AccessKeyId"))?;
    let secret = json_string(fields, "SecretAccessKey")?
        .ok_or(CredentialsError::MissingJsonField("SecretAccessKey"))?;
    // Instance and container metadata call the token `Token`.
    let token = match json_string(fields, "SessionToken")? {
        Some(token) => Some(token),
        None => json_string(fields, "Token")?,
    };
    let expiration = match fields.get("Expiration") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(parse_expiration(s)?),
        Some(serde_json::Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            // Whole seconds exactly: an f64 holds integers only up to 2^53.
            (Some(secs), _) => Some(
                SystemTime::try_from(DateTime::from_secs(secs))
                    .map_err(|_| CredentialsError::InvalidExpiration(n.to_string()))?,
            ),
            (None, Some(secs)) => Some(epoch_seconds_to_system_time(secs, n)?),
            (None, None) => return Err(CredentialsError::InvalidExpiration(n.to_string())),
        },
        Some(_) => return Err(CredentialsError::JsonFieldNotString("Expiration")),
    };
    Credentials::new(akid, secret, token, expiration)
}

/// `Ok(None)` when absent or null.
fn json_string(
    fields: &serde_json::Map<String, serde_json::Value>,
    name: &'static str,
) -> Result<Option<String>, CredentialsError> {
    match fields.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CredentialsError::JsonFieldNotString(name)),
    }
}

// ---------------------------------------------------------------------------------------------
// Environment lines and ini profiles (one line parser: `AWS_ACCESS_KEY_ID` lowercased is the
// ini key `aws_access_key_id`)

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
    SecurityToken,
    Expiration,
}

impl Field {
    fn from_key(key: &str) -> Option<Self> {
        match key.to_ascii_lowercase().as_str() {
            "aws_access_key_id" => Some(Self::AccessKeyId),
            "aws_secret_access_key" => Some(Self::SecretAccessKey),
            "aws_session_token" => Some(Self::SessionToken),
            // The legacy name SDKs still read after AWS_SESSION_TOKEN.
            "aws_security_token" => Some(Self::SecurityToken),
            // `export-credentials --format env` writes AWS_CREDENTIAL_EXPIRATION; tools writing
            // ini files (saml2aws, ...) use x_security_token_expires.
            "aws_credential_expiration" | "x_security_token_expires" => Some(Self::Expiration),
            _ => None,
        }
    }
}

/// One `[section]` (or the lines before any header) and the credential values found in it.
struct Section {
    name: Option<String>,
    values: Vec<(Field, String, usize)>, // field, value, line number
}

impl Section {
    fn get(&self, field: Field) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, ..)| *f == field)
            .map(|(_, value, _)| value.as_str())
    }
}

fn parse_lines(text: &str) -> Result<Credentials, CredentialsError> {
    let mut sections = vec![Section {
        name: None,
        values: Vec::new(),
    }];
    let mut ini_style = false;
    let mut understood_any = false;
    let mut first_malformed: Option<usize> = None;

    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            let Some(inner) = line.strip_suffix(']').map(|s| s[1..].trim()) else {
                first_malformed.get_or_insert(number);
                continue;
            };
            let name = inner.strip_prefix("profile ").unwrap_or(inner).trim();
            sections.push(Section {
                name: Some(name.to_owned()),
                values: Vec::new(),
            });
            ini_style = true;
            understood_any = true;
            continue;
        }
        let Some((key, value)) = split_assignment(line, number)? else {
            first_malformed.get_or_insert(number);
            continue;
        };
        understood_any = true;
        let Some(field) = Field::from_key(key) else {
            continue; // AWS_REGION, output = json, ...: not ours to read
        };
        if key.starts_with("aws_") {
            ini_style = true;
        }
        let section = sections
            .last_mut()
            .ok_or(CredentialsError::UnrecognizedFormat)?;
        if let Some((_, previous, first)) = section.values.iter().find(|(f, ..)| *f == field) {
            if *previous != value {
                return Err(CredentialsError::Conflicting {
                    name: key.to_owned(),
                    first: *first,
                    second: number,
                });
            }
            continue;
        }
        section.values.push((field, value.to_owned(), number));
    }

    if !understood_any {
        return Err(CredentialsError::UnrecognizedFormat);
    }
    if let Some(line) = first_malformed {
        return Err(CredentialsError::MalformedLine { line });
    }

    let with_values: Vec<&Section> = sections.iter().filter(|s| !s.values.is_empty()).collect();
    let section = match with_values.as_slice() {
        [] => {
            return Err(if ini_style {
                CredentialsError::MissingProfileKey {
                    profile: sections.iter().rev().find_map(|s| s.name.clone()),
                    key: "aws_access_key_id",
                }
            } else {
                CredentialsError::MissingVariable("AWS_ACCESS_KEY_ID")
            })
        }
        [one] => *one,
        many => {
            return Err(CredentialsError::MultipleProfiles(
                many.iter()
                    .map(|s| s.name.clone().unwrap_or_else(|| "(no header)".to_owned()))
                    .collect(),
            ))
        }
    };

    let missing = |ini_key: &'static str, env_name: &'static str| {
        if ini_style {
            CredentialsError::MissingProfileKey {
                profile: section.name.clone(),
                key: ini_key,
            }
        } else {
            CredentialsError::MissingVariable(env_name)
        }
    };
    let akid = section
        .get(Field::AccessKeyId)
        .ok_or_else(|| missing("aws_access_key_id", "AWS_ACCESS_KEY_ID"))?;
    let secret = section
        .get(Field::SecretAccessKey)
        .ok_or_else(|| missing("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"))?;
    // SDK precedence: AWS_SESSION_TOKEN, then the legacy AWS_SECURITY_TOKEN.
    let token = section
        .get(Field::SessionToken)
        .filter(|t| !t.is_empty())
        .or_else(|| section.get(Field::SecurityToken))
        .map(str::to_owned);
    let expiration = match section.get(Field::Expiration) {
        Some(text) if !text.trim().is_empty() => Some(parse_expiration(text)?),
        _ => None,
    };
    Credentials::new(akid, secret, token, expiration)
}

/// Splits one assignment line into (name, value), accepting the shells' spellings:
/// `export N=v`, `N=v`, `set N=v`, `set "N=v"`, `$Env:N = "v"`, `set -gx N v`, `n = v` (ini).
/// `Ok(None)` when the line is not an assignment at all.
fn split_assignment(line: &str, number: usize) -> Result<Option<(&str, &str)>, CredentialsError> {
    let mut rest = line;
    let mut fish = false;
    if let Some(after) = strip_word(rest, "export") {
        rest = after;
    } else if let Some(after) = strip_word(rest, "set") {
        rest = after;
        // fish: `set -x NAME value`, `set -gx NAME value`
        while rest.starts_with('-') {
            let Some(end) = rest.find(char::is_whitespace) else {
                return Ok(None);
            };
            rest = rest[end..].trim_start();
            fish = true;
        }
        // cmd: `set "NAME=value"` quotes the whole assignment
        if !fish && rest.len() >= 2 && rest.starts_with('"') && rest.ends_with('"') {
            rest = &rest[1..rest.len() - 1];
        }
    } else if let Some(after) = rest
        .get(..5)
        .filter(|head| head.eq_ignore_ascii_case("$env:"))
        .map(|head| &rest[head.len()..])
    {
        rest = after;
    }

    let (key, value) = if fish {
        match rest.split_once(char::is_whitespace) {
            Some((key, value)) => (key, value),
            None => return Ok(None),
        }
    } else {
        match rest.split_once('=') {
            Some((key, value)) => (key, value),
            None => return Ok(None),
        }
    };
    let key = key.trim();
    let is_name = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_name {
        return Ok(None);
    }
    let mut value = value.trim();
    if let Some(stripped) = value.strip_suffix(';') {
        value = stripped.trim_end();
    }
    let value = unquote(value).ok_or(CredentialsError::UnclosedQuote { line: number })?;
    Ok(Some((key, value)))
}

/// `word` followed by whitespace at the start of `line`; returns what follows.
fn strip_word<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let head = line.get(..word.len())?;
    let tail = &line[word.len()..];
    (head.eq_ignore_ascii_case(word) && tail.starts_with(char::is_whitespace))
        .then(|| tail.trim_start())
}

/// Removes one pair of matching quotes. `None` when a quote is opened but not closed.
fn unquote(value: &str) -> Option<&str> {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote) {
            return inner.strip_suffix(quote);
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const AKID: &str = "ASIAQAAAAAAAEXAMPLE1";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FQoGZXIvYXdzEBYaDExampleToken+/=";
    // 2026-11-25T18:51:00Z
    const EXPIRY_SECS: u64 = 1_795_632_660;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn expect_full(creds: &Credentials) {
        assert_eq!(creds.access_key_id(), AKID);
        assert_eq!(creds.secret_access_key(), SECRET);
        assert_eq!(creds.session_token(), Some(TOKEN));
        assert_eq!(creds.expiration(), Some(at(EXPIRY_SECS)));
    }

    #[test]
    fn expiry_constant_is_the_documented_date() {
        let dt = DateTime::from_secs(EXPIRY_SECS as i64);
        assert_eq!(dt.fmt(Format::DateTime).unwrap(), "2026-11-25T18:51:00Z");
    }

    // ---- JSON ----

    #[test]
    fn sts_assume_role_json() {
        let text = format!(
            r#"{{
    "Credentials": {{
        "AccessKeyId": "{AKID}",
        "SecretAccessKey": "{SECRET}",
        "SessionToken": "{TOKEN}",
        "Expiration": "2026-11-25T18:51:00+00:00"
    }},
    "AssumedRoleUser": {{
        "AssumedRoleId": "AROA3XFRBF23EXAMPLE:demo",
        "Arn": "arn:aws:sts::123456789012:assumed-role/keyturn/demo"
    }}
}}"#
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn sts_get_session_token_json_with_z_and_fraction() {
        let text = format!(
            r#"{{"Credentials":{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","SessionToken":"{TOKEN}","Expiration":"2026-11-25T18:51:00.250Z"}}}}"#
        );
        let creds = parse_credentials(&text).unwrap();
        assert_eq!(
            creds.expiration(),
            Some(at(EXPIRY_SECS) + Duration::from_millis(250))
        );
    }

    #[test]
    fn json_expiration_with_negative_offset_and_space_separator() {
        let text = format!(
            r#"{{"Credentials":{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","SessionToken":"{TOKEN}","Expiration":"2026-11-25 13:51:00-05:00"}}}}"#
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn json_expiration_as_epoch_number() {
        let text = format!(
            r#"{{"Credentials":{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","SessionToken":"{TOKEN}","Expiration":{EXPIRY_SECS}.0}}}}"#
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn export_credentials_json_version_1() {
        let text = format!(
            r#"{{"Version": 1, "AccessKeyId": "{AKID}", "SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}", "Expiration": "2026-11-25T18:51:00+00:00"}}"#
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn export_credentials_json_long_term_keys() {
        let text = format!(
            r#"{{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "{SECRET}"}}"#
        );
        let creds = parse_credentials(&text).unwrap();
        assert_eq!(creds.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(creds.session_token(), None);
        assert_eq!(creds.expiration(), None);
    }

    #[test]
    fn metadata_json_with_token_field() {
        let text = format!(
            r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":"2026-11-25T18:51:00Z"}}"#
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn json_null_token_and_expiration_are_absent() {
        let text = format!(
            r#"{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","SessionToken":null,"Expiration":null}}"#
        );
        let creds = parse_credentials(&text).unwrap();
        assert_eq!(creds.session_token(), None);
        assert_eq!(creds.expiration(), None);
    }

    #[test]
    fn json_missing_secret_is_named() {
        let text = format!(r#"{{"Credentials":{{"AccessKeyId":"{AKID}"}}}}"#);
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(err, CredentialsError::MissingJsonField("SecretAccessKey"));
        assert_eq!(err.to_string(), "The pasted JSON has no SecretAccessKey.");
    }

    #[test]
    fn json_missing_access_key_is_named() {
        let text = format!(r#"{{"Version":1,"SecretAccessKey":"{SECRET}"}}"#);
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::MissingJsonField("AccessKeyId")
        );
    }

    #[test]
    fn json_non_string_field() {
        let text =
            format!(r#"{{"Credentials":{{"AccessKeyId":12,"SecretAccessKey":"{SECRET}"}}}}"#);
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::JsonFieldNotString("AccessKeyId")
        );
        let text = format!(
            r#"{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","SessionToken":["x"]}}"#
        );
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::JsonFieldNotString("SessionToken")
        );
        let text =
            format!(r#"{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","Expiration":true}}"#);
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::JsonFieldNotString("Expiration")
        );
    }

    #[test]
    fn json_credentials_not_object() {
        assert_eq!(
            parse_credentials(r#"{"Credentials": "nope"}"#).unwrap_err(),
            CredentialsError::JsonCredentialsNotObject
        );
    }

    #[test]
    fn json_unsupported_version() {
        let text =
            format!(r#"{{"Version":2,"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}"}}"#);
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(err, CredentialsError::UnsupportedVersion("2".into()));
        assert!(err.to_string().contains("Version 2"));
    }

    #[test]
    fn json_unrecognized_object() {
        assert_eq!(
            parse_credentials(r#"{"UserId": "x", "Account": "1"}"#).unwrap_err(),
            CredentialsError::UnrecognizedJson
        );
        assert_eq!(
            parse_credentials("[1]").unwrap_err().to_string(),
            "The pasted profile [1] has no aws_access_key_id."
        );
    }

    #[test]
    fn invalid_json_reports_position_but_not_content() {
        let text = format!("{{\n  \"AccessKeyId\": \"{AKID}\",\n  \"SecretAccessKey\": \"{SECRET}\"\n  \"x\": 1\n}}");
        let err = parse_credentials(&text).unwrap_err();
        assert!(
            matches!(err, CredentialsError::InvalidJson { line: 4, .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains(SECRET));
    }

    #[test]
    fn json_bad_expiration_is_quoted() {
        let text = format!(
            r#"{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","Expiration":"tomorrow"}}"#
        );
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(err, CredentialsError::InvalidExpiration("tomorrow".into()));
        assert!(err.to_string().contains("\"tomorrow\""));
        // A date without a zone is ambiguous: rejected rather than guessed.
        let text = format!(
            r#"{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","Expiration":"2026-11-25T18:51:00"}}"#
        );
        assert!(matches!(
            parse_credentials(&text),
            Err(CredentialsError::InvalidExpiration(_))
        ));
    }

    // ---- environment lines ----

    #[test]
    fn export_lines_unquoted() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SESSION_TOKEN={TOKEN}\nexport AWS_CREDENTIAL_EXPIRATION=2026-11-25T18:51:00+00:00\n"
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn export_lines_quoted_with_comments_blank_lines_and_crlf() {
        let text = format!(
            "#!/bin/sh\r\n# from the SSO page\r\n\r\nexport AWS_ACCESS_KEY_ID=\"{AKID}\"\r\nexport AWS_SECRET_ACCESS_KEY='{SECRET}'\r\n  export   AWS_SESSION_TOKEN=\"{TOKEN}\"  \r\nexport AWS_CREDENTIAL_EXPIRATION=2026-11-25T18:51:00Z\r\nexport AWS_DEFAULT_REGION=eu-west-1\r\n"
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn env_lines_without_export() {
        let text = format!("AWS_ACCESS_KEY_ID={AKID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n");
        let creds = parse_credentials(&text).unwrap();
        assert_eq!(creds.access_key_id(), AKID);
        assert_eq!(creds.session_token(), None);
    }

    #[test]
    fn windows_cmd_set_lines() {
        let text = format!(
            "set AWS_ACCESS_KEY_ID={AKID}\nset AWS_SECRET_ACCESS_KEY={SECRET}\nset \"AWS_SESSION_TOKEN={TOKEN}\"\nset AWS_CREDENTIAL_EXPIRATION=2026-11-25T18:51:00+00:00"
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn powershell_env_lines() {
        let text = format!(
            "$Env:AWS_ACCESS_KEY_ID=\"{AKID}\"\n$env:AWS_SECRET_ACCESS_KEY = \"{SECRET}\"\n$ENV:AWS_SESSION_TOKEN=\"{TOKEN}\";\n$Env:AWS_CREDENTIAL_EXPIRATION=\"2026-11-25T18:51:00+00:00\""
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn fish_set_lines() {
        let text = format!(
            "set -gx AWS_ACCESS_KEY_ID {AKID}\nset -x AWS_SECRET_ACCESS_KEY \"{SECRET}\";\nset -Ux AWS_SESSION_TOKEN {TOKEN}\nset -gx AWS_CREDENTIAL_EXPIRATION 2026-11-25T18:51:00Z"
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn legacy_security_token_is_read() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SECURITY_TOKEN={TOKEN}"
        );
        assert_eq!(
            parse_credentials(&text).unwrap().session_token(),
            Some(TOKEN)
        );
    }

    #[test]
    fn session_token_wins_over_security_token() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SECURITY_TOKEN=old\nexport AWS_SESSION_TOKEN={TOKEN}"
        );
        assert_eq!(
            parse_credentials(&text).unwrap().session_token(),
            Some(TOKEN)
        );
    }

    #[test]
    fn empty_token_variable_means_no_token() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SESSION_TOKEN=\nexport AWS_CREDENTIAL_EXPIRATION="
        );
        let creds = parse_credentials(&text).unwrap();
        assert_eq!(creds.session_token(), None);
        assert_eq!(creds.expiration(), None);
    }

    #[test]
    fn env_missing_secret_is_named() {
        let text = format!("export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SESSION_TOKEN={TOKEN}");
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::MissingVariable("AWS_SECRET_ACCESS_KEY")
        );
        assert_eq!(
            err.to_string(),
            "The pasted lines have no AWS_SECRET_ACCESS_KEY."
        );
    }

    #[test]
    fn env_missing_access_key_is_named() {
        let text = format!("export AWS_SECRET_ACCESS_KEY={SECRET}");
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::MissingVariable("AWS_ACCESS_KEY_ID")
        );
        assert_eq!(
            parse_credentials("export AWS_REGION=us-east-1").unwrap_err(),
            CredentialsError::MissingVariable("AWS_ACCESS_KEY_ID")
        );
    }

    #[test]
    fn malformed_line_is_numbered_without_content() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\n\nexport AWS_SECRET_ACCESS_KEY {SECRET}\nexport AWS_SESSION_TOKEN={TOKEN}"
        );
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(err, CredentialsError::MalformedLine { line: 3 });
        assert_eq!(err.to_string(), "Line 3 is not KEY=value.");
    }

    #[test]
    fn unclosed_quote() {
        let text =
            format!("export AWS_ACCESS_KEY_ID=\"{AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}");
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::UnclosedQuote { line: 1 }
        );
    }

    #[test]
    fn conflicting_duplicates_are_rejected_and_equal_ones_accepted() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"
        );
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::Conflicting {
                name: "AWS_ACCESS_KEY_ID".into(),
                first: 1,
                second: 3
            }
        );
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_ACCESS_KEY_ID={AKID}"
        );
        assert!(parse_credentials(&text).is_ok());
    }

    #[test]
    fn env_bad_expiration() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_CREDENTIAL_EXPIRATION=soon"
        );
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::InvalidExpiration("soon".into())
        );
    }

    #[test]
    fn bare_values_are_unrecognized() {
        let text = format!("{AKID}\n{SECRET}");
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::UnrecognizedFormat
        );
    }

    #[test]
    fn empty_paste() {
        assert_eq!(parse_credentials("").unwrap_err(), CredentialsError::Empty);
        assert_eq!(
            parse_credentials(" \n\t\u{feff}").unwrap_err(),
            CredentialsError::Empty
        );
        assert_eq!(
            parse_credentials("\u{feff}  \n ").unwrap_err(),
            CredentialsError::Empty
        );
    }

    // ---- ini ----

    #[test]
    fn ini_profile_block() {
        let text = format!(
            "[profile keyturn-demo]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\nregion = us-east-1\n; comment\n# comment\n"
        );
        let creds = parse_credentials(&text).unwrap();
        assert_eq!(creds.access_key_id(), AKID);
        assert_eq!(creds.secret_access_key(), SECRET);
        assert_eq!(creds.session_token(), Some(TOKEN));
        assert_eq!(creds.expiration(), None);
    }

    #[test]
    fn ini_default_block_with_security_token_and_expiry() {
        let text = format!(
            "[default]\naws_access_key_id={AKID}\naws_secret_access_key={SECRET}\naws_security_token={TOKEN}\nx_security_token_expires = 2026-11-25T18:51:00Z\n"
        );
        expect_full(&parse_credentials(&text).unwrap());
    }

    #[test]
    fn ini_keys_without_header() {
        let text = format!("aws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}");
        assert_eq!(parse_credentials(&text).unwrap().access_key_id(), AKID);
    }

    #[test]
    fn ini_profile_without_credentials_among_others_is_ignored() {
        let text = format!(
            "[default]\nregion = eu-west-1\n\n[profile work]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
        );
        assert_eq!(parse_credentials(&text).unwrap().access_key_id(), AKID);
    }

    #[test]
    fn ini_missing_secret_names_the_profile() {
        let text = format!("[profile work]\naws_access_key_id = {AKID}\n");
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::MissingProfileKey {
                profile: Some("work".into()),
                key: "aws_secret_access_key"
            }
        );
        assert_eq!(
            err.to_string(),
            "The pasted profile [work] has no aws_secret_access_key."
        );
        let err = parse_credentials("aws_access_key_id = AKIAIOSFODNN7EXAMPLE").unwrap_err();
        assert_eq!(
            err.to_string(),
            "The pasted profile has no aws_secret_access_key."
        );
    }

    #[test]
    fn ini_profile_with_no_keys() {
        let err = parse_credentials("[profile work]\nregion = us-east-1\n").unwrap_err();
        assert_eq!(
            err,
            CredentialsError::MissingProfileKey {
                profile: Some("work".into()),
                key: "aws_access_key_id"
            }
        );
    }

    #[test]
    fn ini_two_profiles_with_credentials_are_rejected() {
        let text = format!(
            "[a]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n[profile b]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
        );
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::MultipleProfiles(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            err.to_string(),
            "The pasted text holds credentials for 2 profiles (a, b); paste only one."
        );
    }

    #[test]
    fn ini_unclosed_header_is_malformed() {
        let text =
            format!("[profile work\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}");
        assert_eq!(
            parse_credentials(&text).unwrap_err(),
            CredentialsError::MalformedLine { line: 1 }
        );
    }

    // ---- three fields and validation ----

    #[test]
    fn three_fields_trimmed() {
        let creds = Credentials::new(
            format!("  {AKID}\n"),
            format!("\t{SECRET} "),
            Some(format!(" {TOKEN}\n")),
            None,
        )
        .unwrap();
        assert_eq!(creds.access_key_id(), AKID);
        assert_eq!(creds.secret_access_key(), SECRET);
        assert_eq!(creds.session_token(), Some(TOKEN));
    }

    #[test]
    fn three_fields_empty_token_is_none() {
        let creds = Credentials::new(AKID, SECRET, Some("  ".into()), None).unwrap();
        assert_eq!(creds.session_token(), None);
    }

    #[test]
    fn token_line_wraps_are_removed_but_spaces_rejected() {
        let creds =
            Credentials::new(AKID, SECRET, Some("FQoG\r\nZXIv\nYXdz".into()), None).unwrap();
        assert_eq!(creds.session_token(), Some("FQoGZXIvYXdz"));
        assert_eq!(
            Credentials::new(AKID, SECRET, Some("FQoG ZXIv".into()), None).unwrap_err(),
            CredentialsError::MalformedSessionToken("contains a space")
        );
        assert!(matches!(
            Credentials::new(AKID, SECRET, Some("FQoG\u{e9}".into()), None),
            Err(CredentialsError::MalformedSessionToken(_))
        ));
    }

    #[test]
    fn access_key_id_checks() {
        assert_eq!(
            Credentials::new(" ", SECRET, None, None).unwrap_err(),
            CredentialsError::MissingAccessKeyId
        );
        for bad in [
            "AKIA IOSFODNN7EXAMPLE",
            "AKIA-IOSFODNN7EXAMPLE",
            "AKIA123",
            "AKIA\u{c9}OSFODNN7EXAMPLE",
        ] {
            assert!(
                matches!(
                    Credentials::new(bad, SECRET, None, None),
                    Err(CredentialsError::MalformedAccessKeyId(_))
                ),
                "{bad}"
            );
        }
        let err = Credentials::new(SECRET, AKID, None, None).unwrap_err();
        assert!(err.to_string().contains("lowercase"), "{err}");
        assert!(!err.to_string().contains(SECRET));
        // Other prefixes are accepted: local peers and other partitions issue them.
        assert!(Credentials::new("LSIAQAAAAAAAHELLO123", SECRET, None, None).is_ok());
        assert!(Credentials::new("A".repeat(128), SECRET, None, None).is_ok());
        assert!(Credentials::new("A".repeat(129), SECRET, None, None).is_err());
    }

    #[test]
    fn moto_style_keys_are_accepted() {
        // moto: prefix + base32 account part + random [A-Z2-7]; secrets from [A-Za-z0-9+/].
        let creds = Credentials::new(
            "ASIAQAAAAAAAGIJ7XQ5P",
            "t4G+Jf1/aZ0m0Qy3Xw8n6w5Ve1jVb0Q9yW2b3C4d",
            Some("FQoGZXIvYXdzEBYaDAbc+/def=".into()),
            None,
        );
        assert!(creds.is_ok(), "{creds:?}");
    }

    #[test]
    fn secret_checks() {
        assert_eq!(
            Credentials::new(AKID, "", None, None).unwrap_err(),
            CredentialsError::MissingSecretAccessKey
        );
        assert_eq!(
            Credentials::new(AKID, "abc def", None, None).unwrap_err(),
            CredentialsError::MalformedSecretAccessKey("contains a space or line break")
        );
        assert!(matches!(
            Credentials::new(AKID, "secr\u{e8}t", None, None),
            Err(CredentialsError::MalformedSecretAccessKey(_))
        ));
        assert_eq!(
            Credentials::new(AKID, AKID, None, None).unwrap_err(),
            CredentialsError::MalformedSecretAccessKey("is the same as the access key ID")
        );
        let err = Credentials::new(AKID, "AKIAIOSFODNN7EXAMPLE", None, None).unwrap_err();
        assert!(err.to_string().contains("swapped"), "{err}");
    }

    #[test]
    fn validation_errors_from_pastes_do_not_quote_secrets() {
        let text = format!(
            r#"{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET} x","SessionToken":"{TOKEN}"}}"#
        );
        let err = parse_credentials(&text).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::MalformedSecretAccessKey("contains a space or line break")
        );
        assert!(!err.to_string().contains(SECRET));
        assert!(!format!("{err:?}").contains(SECRET));
    }

    // ---- behaviour ----

    #[test]
    fn expiry() {
        let creds = Credentials::new(AKID, SECRET, None, Some(at(EXPIRY_SECS))).unwrap();
        assert!(!creds.is_expired(at(EXPIRY_SECS - 1)));
        assert!(creds.is_expired(at(EXPIRY_SECS)));
        assert!(creds.is_expired(at(EXPIRY_SECS + 1)));
        let forever = Credentials::new(AKID, SECRET, None, None).unwrap();
        assert!(!forever.is_expired(at(u32::MAX as u64)));
    }

    #[test]
    fn debug_redacts_secret_and_token() {
        let creds =
            Credentials::new(AKID, SECRET, Some(TOKEN.into()), Some(at(EXPIRY_SECS))).unwrap();
        let debug = format!("{creds:?} {creds:#?}");
        assert!(debug.contains(AKID));
        assert!(!debug.contains(SECRET));
        assert!(!debug.contains(TOKEN));
        assert!(debug.contains("redacted"));
        let no_token = Credentials::new(AKID, SECRET, None, None).unwrap();
        assert!(format!("{no_token:?}").contains("session_token: None"));
    }

    #[test]
    fn export_json_round_trips() {
        let creds =
            Credentials::new(AKID, SECRET, Some(TOKEN.into()), Some(at(EXPIRY_SECS))).unwrap();
        let json = creds.to_export_json();
        assert_eq!(
            json,
            format!(
                r#"{{"Version":1,"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","SessionToken":"{TOKEN}","Expiration":"2026-11-25T18:51:00Z"}}"#
            )
        );
        assert_eq!(parse_credentials(&json).unwrap(), creds);

        let fractional = Credentials::new(
            AKID,
            SECRET,
            None,
            Some(at(EXPIRY_SECS) + Duration::from_micros(1500)),
        )
        .unwrap();
        let json = fractional.to_export_json();
        assert!(!json.contains("SessionToken"));
        assert_eq!(parse_credentials(&json).unwrap(), fractional);

        let long_term = Credentials::new(AKID, SECRET, None, None).unwrap();
        assert_eq!(
            long_term.to_export_json(),
            format!(r#"{{"Version":1,"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}"}}"#)
        );
        assert_eq!(
            parse_credentials(&long_term.to_export_json()).unwrap(),
            long_term
        );
    }

    #[test]
    fn export_json_of_far_future_expiry_round_trips_as_epoch_seconds() {
        let far = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        let creds = Credentials::new(AKID, SECRET, None, Some(far)).unwrap();
        let json = creds.to_export_json();
        assert!(json.contains("\"Expiration\":300000000000"), "{json}");
        assert_eq!(parse_credentials(&json).unwrap(), creds);
    }

    /// Found by tests/fuzz_parsers.rs: the export JSON lost the nanoseconds below a microsecond
    /// and read whole epoch seconds past 2^53 through an f64, so a restored session's expiry was
    /// not the saved one.
    #[test]
    fn export_json_round_trips_nanoseconds_and_large_epoch_seconds() {
        let noisy = at(EXPIRY_SECS) + Duration::from_nanos(1_000_046);
        let creds = Credentials::new(AKID, SECRET, None, Some(noisy)).unwrap();
        let json = creds.to_export_json();
        assert!(
            json.contains(r#""Expiration":"2026-11-25T18:51:00.001000046Z""#),
            "{json}"
        );
        assert_eq!(parse_credentials(&json).unwrap(), creds);

        let far = UNIX_EPOCH + Duration::from_secs((1 << 53) + 1);
        let creds = Credentials::new(AKID, SECRET, None, Some(far)).unwrap();
        assert_eq!(parse_credentials(&creds.to_export_json()).unwrap(), creds);
        let text = format!(
            r#"{{"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","Expiration":9007199254740993}}"#
        );
        assert_eq!(parse_credentials(&text).unwrap().expiration(), Some(far));
    }

    #[test]
    fn epoch_seconds_text_expiration() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_CREDENTIAL_EXPIRATION={EXPIRY_SECS}"
        );
        assert_eq!(
            parse_credentials(&text).unwrap().expiration(),
            Some(at(EXPIRY_SECS))
        );
    }
}
