//! STS GetCallerIdentity ("who am I"), docs/kms.md §2.12 STS GetCallerIdentity.
//!
//! STS speaks only the Query protocol: a form-encoded POST signed for service `sts`. With
//! `Accept: application/json` it answers JSON in practice (undocumented), so JSON is read first
//! and the documented XML is the fallback.

use serde::Deserialize;

use crate::aws::credentials::{parse_expiration, Credentials};
use crate::aws::error::xml_unescape;

pub const OPERATION: &str = "GetCallerIdentity";
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
pub const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// Who the credentials belong to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// The headers (besides the SigV4 ones) and body of the request.
pub fn request_parts() -> (Vec<(String, String)>, Vec<u8>) {
    (
        vec![
            ("Content-Type".to_string(), CONTENT_TYPE.to_string()),
            // CORS-safelisted, so it does not change the preflight.
            ("Accept".to_string(), "application/json".to_string()),
        ],
        BODY.as_bytes().to_vec(),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonEnvelope {
    get_caller_identity_response: JsonResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonResponse {
    get_caller_identity_result: JsonResult,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct JsonResult {
    account: Option<String>,
    arn: Option<String>,
    user_id: Option<String>,
}

/// Decode a success body: JSON (`{"GetCallerIdentityResponse":{"GetCallerIdentityResult":
/// {...}}}`) or XML (`<GetCallerIdentityResult><UserId/><Account/><Arn/>`). The error text says
/// what was missing.
pub fn decode_caller_identity(body: &[u8]) -> Result<CallerIdentity, String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let (account, arn, user_id) = if text.starts_with('{') {
        let env: JsonEnvelope =
            crate::aws::wire::from_json(text).map_err(|e| format!("JSON: {e}"))?;
        let r = env.get_caller_identity_response.get_caller_identity_result;
        (r.account, r.arn, r.user_id)
    } else if text.starts_with('<') {
        let result = section(text, "GetCallerIdentityResult")
            .ok_or_else(|| "XML without GetCallerIdentityResult".to_string())?;
        (
            section(result, "Account").map(|s| xml_unescape(s.trim())),
            section(result, "Arn").map(|s| xml_unescape(s.trim())),
            section(result, "UserId").map(|s| xml_unescape(s.trim())),
        )
    } else {
        return Err("neither JSON nor XML".to_string());
    };
    match (account, arn) {
        (Some(account), Some(arn)) if !account.is_empty() && !arn.is_empty() => {
            Ok(CallerIdentity {
                account,
                arn,
                user_id: user_id.unwrap_or_default(),
            })
        }
        _ => Err("Account or Arn missing".to_string()),
    }
}

/// The inner text of `<tag ...>...</tag>` (the response element carries an xmlns attribute).
fn section<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open_plain = format!("<{tag}>");
    let open_attr = format!("<{tag} ");
    let start_tag = xml.find(&open_plain).or_else(|| xml.find(&open_attr))?;
    let content_start = start_tag + xml[start_tag..].find('>')? + 1;
    let close = format!("</{tag}>");
    let end = content_start + xml[content_start..].find(&close)?;
    Some(&xml[content_start..end])
}

// ---------------------------------------------------------------------------------------------
// AssumeRole (docs/kms.md §5): credentials for a role in another account.

pub const ASSUME_ROLE: &str = "AssumeRole";

/// What to ask STS for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    pub duration_seconds: u32,
    pub external_id: Option<String>,
}

/// The form body of an AssumeRole request (Query protocol, `application/x-www-form-urlencoded`).
pub fn assume_role_parts(req: &AssumeRole) -> (Vec<(String, String)>, Vec<u8>) {
    let mut fields = vec![
        ("Action", "AssumeRole".to_string()),
        ("Version", "2011-06-15".to_string()),
        ("RoleArn", req.role_arn.clone()),
        ("RoleSessionName", req.session_name.clone()),
        ("DurationSeconds", req.duration_seconds.to_string()),
    ];
    if let Some(id) = &req.external_id {
        fields.push(("ExternalId", id.clone()));
    }
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let (headers, _) = request_parts();
    (headers, body.into_bytes())
}

/// `application/x-www-form-urlencoded` value encoding: unreserved characters as they are,
/// everything else as `%XX` of its UTF-8 bytes (so `:` and `/` of an ARN are escaped too).
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The role session AssumeRole returned. The secret and token go straight into
/// [`Credentials`] (zeroized on drop); nothing else keeps them.
#[derive(Debug)]
pub struct AssumedRole {
    pub credentials: Credentials,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssumeEnvelope {
    assume_role_response: AssumeResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssumeResponse {
    assume_role_result: AssumeResult,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct AssumeResult {
    credentials: Option<JsonCredentials>,
    assumed_role_user: Option<JsonRoleUser>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct JsonCredentials {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    /// STS's JSON sends epoch seconds; the XML an ISO 8601 time.
    expiration: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct JsonRoleUser {
    arn: Option<String>,
}

/// Decode an AssumeRole success body (JSON or XML, as for GetCallerIdentity). The error text
/// names what was missing, never a value.
pub fn decode_assume_role(body: &[u8]) -> Result<AssumedRole, String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let (key, secret, token, expiration, arn) = if text.starts_with('{') {
        let env: AssumeEnvelope =
            crate::aws::wire::from_json(text).map_err(|_| "JSON of another shape".to_string())?;
        let r = env.assume_role_response.assume_role_result;
        let c = r.credentials.unwrap_or_default();
        let expiration = match c.expiration {
            Some(serde_json::Value::Number(n)) => n.as_f64().map(|f| format!("{}", f as i64)),
            Some(serde_json::Value::String(s)) => Some(s),
            _ => None,
        };
        (
            c.access_key_id,
            c.secret_access_key,
            c.session_token,
            expiration,
            r.assumed_role_user.and_then(|u| u.arn),
        )
    } else if text.starts_with('<') {
        let result = section(text, "AssumeRoleResult")
            .ok_or_else(|| "XML without AssumeRoleResult".to_string())?;
        let creds = section(result, "Credentials").unwrap_or_default();
        let user = section(result, "AssumedRoleUser").unwrap_or_default();
        let field = |xml: &str, tag: &str| section(xml, tag).map(|s| xml_unescape(s.trim()));
        (
            field(creds, "AccessKeyId"),
            field(creds, "SecretAccessKey"),
            field(creds, "SessionToken"),
            field(creds, "Expiration"),
            field(user, "Arn"),
        )
    } else {
        return Err("neither JSON nor XML".to_string());
    };
    let (Some(key), Some(secret), Some(token)) = (key, secret, token) else {
        return Err("the credentials are incomplete".to_string());
    };
    let expiration = match expiration {
        Some(e) => Some(parse_expiration(&e).map_err(|_| "an unreadable Expiration".to_string())?),
        None => return Err("no Expiration".to_string()),
    };
    let credentials = Credentials::new(key, secret, Some(token), expiration)
        .map_err(|_| "credentials of the wrong form".to_string())?;
    Ok(AssumedRole {
        credentials,
        arn: arn.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_a_query_form_post_asking_for_json() {
        let (headers, body) = request_parts();
        assert_eq!(body, b"Action=GetCallerIdentity&Version=2011-06-15");
        assert!(headers.iter().any(
            |(k, v)| k == "Content-Type" && v.starts_with("application/x-www-form-urlencoded")
        ));
        assert!(headers
            .iter()
            .any(|(k, v)| k == "Accept" && v == "application/json"));
    }

    #[test]
    fn decodes_json_nesting() {
        let body = br#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:sts::123456789012:assumed-role/keyturn/s","UserId":"AROAEXAMPLE:s"},"ResponseMetadata":{"RequestId":"r"}}}"#;
        assert_eq!(
            decode_caller_identity(body),
            Ok(CallerIdentity {
                account: "123456789012".into(),
                arn: "arn:aws:sts::123456789012:assumed-role/keyturn/s".into(),
                user_id: "AROAEXAMPLE:s".into(),
            })
        );
    }

    #[test]
    fn decodes_xml_fallback() {
        let body =
            br#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/Alice&amp;Bob</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;
        let id = decode_caller_identity(body).expect("decodes");
        assert_eq!(id.account, "123456789012");
        assert_eq!(id.arn, "arn:aws:iam::123456789012:user/Alice&Bob");
        assert_eq!(id.user_id, "AIDAEXAMPLE");
    }

    #[test]
    fn rejects_incomplete_or_foreign_bodies() {
        assert!(decode_caller_identity(b"").is_err());
        assert!(decode_caller_identity(b"null").is_err());
        assert!(decode_caller_identity(b"<html><body>hi</body></html>").is_err());
        assert!(decode_caller_identity(
            br#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"1"}}}"#
        )
        .is_err());
        assert!(decode_caller_identity(br#"{"Account":"1","Arn":"a"}"#).is_err());
        assert!(decode_caller_identity(b"<GetCallerIdentityResult><Account>1</Account>").is_err());
    }
    #[test]
    fn assume_role_body_escapes_every_field() {
        let (_, body) = assume_role_parts(&AssumeRole {
            role_arn: "arn:aws:iam::210987654321:role/ops/Audit".into(),
            session_name: "keyturn-alice@example.com".into(),
            duration_seconds: 3600,
            external_id: Some("a b+c/=".into()),
        });
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Arole%2Fops%2FAudit&RoleSessionName=keyturn-alice%40example.com&DurationSeconds=3600&ExternalId=a%20b%2Bc%2F%3D"
        );
        let (_, body) = assume_role_parts(&AssumeRole {
            role_arn: "r".into(),
            session_name: "s".into(),
            duration_seconds: 900,
            external_id: None,
        });
        assert!(!String::from_utf8(body).unwrap().contains("ExternalId"));
    }

    const KEY: &str = "ASIAEXAMPLEEXAMPLE12";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn decodes_assume_role_json_with_epoch_expiry() {
        let body = format!(
            r#"{{"AssumeRoleResponse":{{"AssumeRoleResult":{{"Credentials":{{"AccessKeyId":"{KEY}","SecretAccessKey":"{SECRET}","SessionToken":"FwoGZXIvYXdzEXAMPLE","Expiration":1.7999964E9}},"AssumedRoleUser":{{"Arn":"arn:aws:sts::210987654321:assumed-role/R/keyturn-a","AssumedRoleId":"AROA:keyturn-a"}}}}}}}}"#
        );
        let r = decode_assume_role(body.as_bytes()).expect("decodes");
        assert_eq!(r.credentials.access_key_id(), KEY);
        assert_eq!(r.credentials.session_token(), Some("FwoGZXIvYXdzEXAMPLE"));
        assert_eq!(r.arn, "arn:aws:sts::210987654321:assumed-role/R/keyturn-a");
        let secs = r
            .credentials
            .expiration()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(secs, 1_799_996_400);
    }

    #[test]
    fn decodes_assume_role_xml() {
        let body = format!(
            r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::210987654321:assumed-role/R/s</Arn></AssumedRoleUser>
<Credentials><AccessKeyId>{KEY}</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>tok&amp;en</SessionToken><Expiration>2026-12-01T23:00:00Z</Expiration></Credentials>
</AssumeRoleResult></AssumeRoleResponse>"#
        );
        let r = decode_assume_role(body.as_bytes()).expect("decodes");
        assert_eq!(r.credentials.session_token(), Some("tok&en"));
        assert_eq!(r.arn, "arn:aws:sts::210987654321:assumed-role/R/s");
    }

    #[test]
    fn incomplete_assume_role_answers_name_no_secret() {
        for body in [
            "".to_string(),
            "{}".to_string(),
            format!(
                r#"{{"AssumeRoleResponse":{{"AssumeRoleResult":{{"Credentials":{{"AccessKeyId":"{KEY}","SecretAccessKey":"{SECRET}"}}}}}}}}"#
            ),
            format!(
                r#"{{"AssumeRoleResponse":{{"AssumeRoleResult":{{"Credentials":{{"AccessKeyId":"{KEY}","SecretAccessKey":"{SECRET}","SessionToken":"t"}}}}}}}}"#
            ),
            format!(
                r#"{{"AssumeRoleResponse":{{"AssumeRoleResult":{{"Credentials":{{"AccessKeyId":"{KEY}","SecretAccessKey":"{SECRET}","SessionToken":"t","Expiration":"soon"}}}}}}}}"#
            ),
        ] {
            let err = decode_assume_role(body.as_bytes()).unwrap_err();
            assert!(!err.contains(SECRET) && !err.contains(KEY), "{err}");
        }
    }
}
