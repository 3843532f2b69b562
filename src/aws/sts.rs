//! STS GetCallerIdentity ("who am I"), kms-api.md §2 "STS GetCallerIdentity".
//!
//! STS speaks only the Query protocol: a form-encoded POST signed for service `sts`. With
//! `Accept: application/json` it answers JSON in practice (undocumented), so JSON is read first
//! and the documented XML is the fallback.

use serde::Deserialize;

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
        let env: JsonEnvelope = serde_json::from_str(text).map_err(|e| format!("JSON: {e}"))?;
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
}
