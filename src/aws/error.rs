//! One error type for everything the wire layer can fail with, and the decoder that turns an AWS
//! error response (JSON, XML or neither) into it.
//!
//! Facts used here are from kms-api.md §1.3 (error body, code sanitisation, header fallback,
//! request id) and §2 (the error codes per operation).

use crate::aws::credentials::CredentialsError;
use crate::aws::endpoint::EndpointError;
use crate::aws::http::HttpResponse;
use crate::aws::signing::SigningError;
use crate::aws::transport::TransportError;

/// Everything a KMS or STS call can fail with. Cheap to clone so the UI can keep it in a signal.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum AwsError {
    /// AWS answered with an error document (JSON `__type`, XML `<Code>`, or the
    /// `x-amzn-ErrorType` header). `code` is sanitised (`com.amazonaws.kms#NotFoundException`
    /// -> `NotFoundException`).
    #[error("{code}: {message}")]
    Service {
        code: String,
        message: String,
        status: u16,
        request_id: Option<String>,
    },
    /// A non-success answer that is not an AWS error document: an HTML page from a proxy or load
    /// balancer, an empty 5xx, ... `excerpt` is plain text (tags stripped, shortened).
    #[error("HTTP {status} without an AWS error code: {excerpt}")]
    Http {
        status: u16,
        request_id: Option<String>,
        content_type: Option<String>,
        excerpt: String,
    },
    /// fetch failed before any response (DNS, refused connection, TLS, or CORS: the browser does
    /// not tell which).
    #[error("network error: {0}")]
    Network(String),
    #[error("the request timed out")]
    Timeout,
    /// Cancelled by the console (disconnect, region switch).
    #[error("the request was cancelled")]
    Aborted,
    /// A success status whose body does not have the expected shape.
    #[error("could not read the {operation} response: {detail}")]
    Decode {
        operation: String,
        status: u16,
        request_id: Option<String>,
        detail: String,
    },
    /// A non-idempotent request (RotateKeyOnDemand) failed in a way that does not tell whether
    /// AWS acted on it. It is never resent automatically: the caller reconciles by reading state.
    #[error("the outcome of {operation} is unknown: {cause}")]
    OutcomeUnknown {
        operation: String,
        cause: Box<AwsError>,
    },
    #[error("credentials: {0}")]
    Credentials(String),
    #[error("endpoint: {0}")]
    Endpoint(String),
    #[error("signing: {0}")]
    Signing(String),
    /// The request could not be built (serialisation); a bug rather than a user problem.
    #[error("could not build the {operation} request: {detail}")]
    Request { operation: String, detail: String },
}

// The source error types are not required to be Clone/PartialEq, so their text is kept.
impl From<CredentialsError> for AwsError {
    fn from(e: CredentialsError) -> Self {
        AwsError::Credentials(e.to_string())
    }
}

impl From<EndpointError> for AwsError {
    fn from(e: EndpointError) -> Self {
        AwsError::Endpoint(e.to_string())
    }
}

impl From<SigningError> for AwsError {
    fn from(e: SigningError) -> Self {
        AwsError::Signing(e.to_string())
    }
}

impl From<TransportError> for AwsError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Network(m) => AwsError::Network(m),
            TransportError::Timeout => AwsError::Timeout,
            TransportError::Aborted => AwsError::Aborted,
        }
    }
}

impl AwsError {
    /// The sanitised AWS error code, when AWS sent one (also through `OutcomeUnknown`).
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => Some(code),
            AwsError::OutcomeUnknown { cause, .. } => cause.code(),
            _ => None,
        }
    }

    /// The server's message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        match self {
            AwsError::Service { message, .. } if !message.is_empty() => Some(message),
            AwsError::OutcomeUnknown { cause, .. } => cause.message(),
            _ => None,
        }
    }

    /// The `x-amzn-RequestId` (or XML `<RequestId>`) of the failed exchange.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            AwsError::Service { request_id, .. }
            | AwsError::Http { request_id, .. }
            | AwsError::Decode { request_id, .. } => request_id.as_deref(),
            AwsError::OutcomeUnknown { cause, .. } => cause.request_id(),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            AwsError::Service { status, .. }
            | AwsError::Http { status, .. }
            | AwsError::Decode { status, .. } => Some(*status),
            AwsError::OutcomeUnknown { cause, .. } => cause.status(),
            _ => None,
        }
    }

    /// True for `OutcomeUnknown`: the caller must read state before doing anything else.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, AwsError::OutcomeUnknown { .. })
    }

    /// A sentence for a person, naming the next step. `operation` is the API operation name
    /// (`RotateKeyOnDemand`, `GetCallerIdentity`, ...); it names the IAM action on AccessDenied.
    pub fn user_message(&self, operation: &str) -> String {
        match self {
            AwsError::Service { code, message, .. } => service_message(code, message, operation),
            AwsError::Http {
                status, excerpt, ..
            } => {
                let what = if *status >= 500 {
                    "The server or a proxy in front of it failed"
                } else {
                    "The server answered with something that is not an AWS response"
                };
                let tail = if excerpt.is_empty() {
                    String::new()
                } else {
                    format!(" (\u{201c}{excerpt}\u{201d})")
                };
                format!(
                    "{operation} failed: {what}, HTTP {status}{tail}. Check the endpoint URL, \
                     then try again in a moment."
                )
            }
            AwsError::Network(_) => format!(
                "{operation} could not reach the endpoint. The network may be down, the endpoint \
                 URL may be wrong, or the server does not allow requests from this page (CORS); \
                 the browser does not say which. Check the region or endpoint URL and your \
                 connection, then try again."
            ),
            AwsError::Timeout => {
                format!("{operation} got no answer in time. Check your connection and try again.")
            }
            AwsError::Aborted => format!("{operation} was cancelled."),
            AwsError::Decode { detail, .. } => format!(
                "{operation} returned a response keyturn could not read ({detail}). The endpoint \
                 may not be AWS KMS; check the endpoint URL."
            ),
            AwsError::OutcomeUnknown { cause, .. } => {
                let cause = match cause.as_ref() {
                    AwsError::Service { code, .. } => code.clone(),
                    AwsError::Http { status, .. } => format!("HTTP {status}"),
                    AwsError::Network(_) => "the connection failed".to_string(),
                    AwsError::Timeout => "no answer in time".to_string(),
                    AwsError::Aborted => "the request was cancelled".to_string(),
                    other => other.to_string(),
                };
                format!(
                    "It is not known whether {operation} took effect ({cause}). Reload the key's \
                     rotation status and history before trying again: the request is not resent \
                     automatically so that a key is never rotated twice."
                )
            }
            AwsError::Credentials(m) => {
                format!("The credentials cannot be used: {m}. Paste a complete set again.")
            }
            AwsError::Endpoint(m) => {
                format!("The region or endpoint cannot be used: {m}. Pick another region or fix the endpoint URL.")
            }
            AwsError::Signing(m) => {
                format!("{operation} could not be signed: {m}. Check the pasted credentials.")
            }
            AwsError::Request { detail, .. } => {
                format!("{operation} could not be built ({detail}). This is a keyturn bug.")
            }
        }
    }
}

/// The IAM action an operation needs, for AccessDenied messages.
fn iam_action(operation: &str) -> String {
    match operation {
        "GetCallerIdentity" => "sts:GetCallerIdentity".to_string(),
        op => format!("kms:{op}"),
    }
}

fn with_detail(sentence: String, message: &str) -> String {
    if message.is_empty() {
        sentence
    } else {
        format!("{sentence} (AWS said: \u{201c}{message}\u{201d})")
    }
}

fn service_message(code: &str, message: &str, operation: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let clock_hint = lower.contains("expired") || lower.contains("not yet current");
    let s = match code {
        // KMS errors (kms-api.md §2, "Error shapes used above").
        "NotFoundException" => format!(
            "{operation} failed: KMS cannot find that key or alias in this account and region. \
             Check the key ID and the selected region; the key may have been deleted."
        ),
        "DisabledException" => format!(
            "{operation} failed: the key is disabled. Enable the key first, then try again."
        ),
        "KMSInvalidStateException" => format!(
            "{operation} failed: the key's state does not allow it (for example pending deletion \
             or pending import). Check the key state; if you just changed the key, wait a few \
             seconds and reload."
        ),
        "UnsupportedOperationException" => format!(
            "{operation} is not supported for this key: rotation needs a symmetric, customer \
             managed key in KMS's own key store, and a multi-Region replica is rotated through its \
             primary. Check the key's spec, origin, key manager and multi-Region role."
        ),
        "LimitExceededException" if operation == "RotateKeyOnDemand" => {
            "This key has used all its on-demand rotations (the per-key limit is not adjustable). \
             Automatic rotation still works: turn it on or shorten its period instead."
                .to_string()
        }
        "LimitExceededException" => format!(
            "{operation} failed: a KMS limit was exceeded. Wait a moment or reduce how much is \
             requested, then try again."
        ),
        "ConflictException" => format!(
            "{operation} failed: an automatic rotation of this key is in progress or due within \
             20 minutes. Wait until it has completed (more than 20 minutes), then try again."
        ),
        "InvalidArnException" => format!(
            "{operation} failed: the key ARN is not valid. Check the ARN, or use the key ID."
        ),
        "InvalidMarkerException" => format!(
            "{operation} failed: the paging marker was rejected. Reload the list from the start."
        ),
        "DependencyTimeoutException"
        | "KMSInternalException"
        | "InternalFailure"
        | "ServiceUnavailable" => format!(
            "{operation} failed because of a temporary problem inside AWS. Try again in a moment."
        ),
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => {
            format!(
                "{operation} was throttled: the account's request rate for this KMS operation is \
                 used up. Wait a few seconds and try again."
            )
        }
        "ValidationException" | "ValidationError" | "InvalidParameterValue" => {
            format!("{operation} failed: KMS rejected a parameter. Check the values entered.")
        }
        // Authentication and authorisation (kms-api.md §1.3 common errors, STS errors).
        "AccessDeniedException" | "AccessDenied" | "NotAuthorized" => format!(
            "Access denied: these credentials are not allowed to call {} on this resource. Ask \
             an administrator to grant {} in the IAM policy or the key policy.",
            iam_action(operation),
            iam_action(operation)
        ),
        "ExpiredToken" | "ExpiredTokenException" => format!(
            "{operation} failed: the session credentials have expired. Get new credentials (for \
             example with aws sts assume-role) and connect again."
        ),
        "InvalidClientTokenId" => format!(
            "{operation} failed: AWS does not recognise the access key ID or session token. \
             Paste the access key ID, secret and session token from the same, current set (and \
             check the region is enabled for the account)."
        ),
        "UnrecognizedClientException" => format!(
            "{operation} failed: AWS does not recognise the security token in the request. Paste \
             a fresh, complete set of credentials including the session token."
        ),
        "SignatureDoesNotMatch"
        | "InvalidSignatureException"
        | "IncompleteSignature"
        | "IncompleteSignatureException"
            if clock_hint =>
        {
            format!(
                "{operation} failed: the request time is outside the 5 minutes AWS accepts. Set \
                 this computer's clock correctly, then connect again."
            )
        }
        "SignatureDoesNotMatch"
        | "InvalidSignatureException"
        | "IncompleteSignature"
        | "IncompleteSignatureException" => format!(
            "{operation} failed: AWS rejected the request signature, so the secret access key is \
             probably wrong. Paste the secret access key again (it must belong to the access key \
             ID), and check this computer's clock."
        ),
        "RequestExpired" | "RequestInTheFuture" | "RequestTimeTooSkewed" => format!(
            "{operation} failed: this computer's clock differs from AWS's by more than a few \
             minutes. Set the clock correctly, then try again."
        ),
        "MissingAuthenticationToken" | "MissingAuthenticationTokenException" => {
            format!("{operation} failed: the request carried no credentials. Connect again.")
        }
        "OptInRequired" => format!(
            "{operation} failed: the account is not subscribed to this service in this region. \
             Enable the region for the account, or pick another region."
        ),
        other => format!("{operation} failed with {other}. Check the details and try again."),
    };
    with_detail(s, message)
}

/// Turn a non-2xx response into an [`AwsError`].
///
/// Order (kms-api.md §1.3): JSON `__type` (then `code`/`Code`, and the STS-JSON
/// `{"Error":{"Code"}}` form), then XML `<Code>` (STS `<ErrorResponse>` and S3-style `<Error>`),
/// then the `x-amzn-ErrorType` header; the message from `message`, then `Message`, then the
/// `x-amzn-ErrorMessage` header. Without any code the result is [`AwsError::Http`], and retry
/// classification falls back to the status.
pub fn decode_error(resp: &HttpResponse) -> AwsError {
    let header_request_id = request_id_of(resp);
    let text = String::from_utf8_lossy(&resp.body);
    let trimmed = text.trim();
    let header_code = resp
        .header("x-amzn-ErrorType")
        .map(sanitize_code)
        .filter(|c| !c.is_empty());
    let header_message = resp.header("x-amzn-ErrorMessage").map(str::to_string);

    let mut code: Option<String> = None;
    let mut message: Option<String> = None;
    let mut body_request_id: Option<String> = None;

    if trimmed.starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(trimmed) {
            code = ["__type", "code", "Code"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
                .map(sanitize_code);
            message = ["message", "Message"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
                .map(str::to_string);
            // STS with `Accept: application/json`: {"Error":{"Code","Message"},"RequestId"}.
            if let Some(serde_json::Value::Object(err)) = map.get("Error") {
                if code.is_none() {
                    code = err.get("Code").and_then(|v| v.as_str()).map(sanitize_code);
                }
                if message.is_none() {
                    message = err
                        .get("Message")
                        .and_then(|v| v.as_str())
                        .map(str::to_string);
                }
            }
            body_request_id = map
                .get("RequestId")
                .and_then(|v| v.as_str())
                .map(str::to_string);
        }
    } else if trimmed.starts_with('<') && !looks_like_html(trimmed) {
        code = xml_text(trimmed, "Code").map(|c| sanitize_code(&c));
        message = xml_text(trimmed, "Message");
        body_request_id = xml_text(trimmed, "RequestId");
    }

    let code = code.filter(|c| !c.is_empty()).or(header_code);
    let request_id = header_request_id.or(body_request_id);
    match code {
        Some(code) => AwsError::Service {
            code,
            message: message.or(header_message).unwrap_or_default(),
            status: resp.status,
            request_id,
        },
        None => AwsError::Http {
            status: resp.status,
            request_id,
            content_type: resp.header("content-type").map(str::to_string),
            excerpt: excerpt(trimmed),
        },
    }
}

/// The request id of a response: `x-amzn-RequestId` (KMS, STS-JSON) or `x-amz-request-id`.
pub fn request_id_of(resp: &HttpResponse) -> Option<String> {
    resp.header("x-amzn-RequestId")
        .or_else(|| resp.header("x-amz-request-id"))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// `com.amazon.coral.service#ExpiredTokenException` -> `ExpiredTokenException`;
/// `AccessDeniedException:http://internal...` -> `AccessDeniedException` (kms-api.md §1.3:
/// cut at `:` first, then keep what follows `#`). Anything but `[A-Za-z0-9._-]` is dropped so
/// the code is safe to show and to compare.
pub fn sanitize_code(raw: &str) -> String {
    let mut code = raw.trim();
    if let Some((before, _)) = code.split_once(':') {
        code = before;
    }
    if let Some((_, after)) = code.rsplit_once('#') {
        code = after;
    }
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(128)
        .collect()
}

fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .chars()
        .take(256)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.contains("<html")
}

/// The text of the first `<tag>...</tag>` (no attributes expected in AWS error XML), unescaped.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml_unescape(xml[start..end].trim()))
}

pub(crate) fn xml_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Plain text for a non-AWS body: the HTML `<title>` when there is one, otherwise the text with
/// tags removed, whitespace collapsed and cut to 200 characters.
fn excerpt(body: &str) -> String {
    const MAX: usize = 200;
    let lower = body.to_ascii_lowercase();
    let source = match (lower.find("<title>"), lower.find("</title>")) {
        (Some(s), Some(e)) if e > s + 7 => &body[s + 7..e],
        _ => body,
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in source.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    let collapsed = xml_unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "));
    if collapsed.chars().count() > MAX {
        let cut: String = collapsed.chars().take(MAX).collect();
        format!("{cut}\u{2026}")
    } else {
        collapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn sanitizes_codes_like_botocore() {
        assert_eq!(
            sanitize_code("com.amazonaws.kms#NotFoundException"),
            "NotFoundException"
        );
        assert_eq!(
            sanitize_code("com.amazon.coral.service#ExpiredTokenException"),
            "ExpiredTokenException"
        );
        assert_eq!(
            sanitize_code(
                "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"
            ),
            "AccessDeniedException"
        );
        // ':' is cut first, so a '#' after it does not matter.
        assert_eq!(sanitize_code("a#B:c#D"), "B");
        assert_eq!(
            sanitize_code("  ThrottlingException "),
            "ThrottlingException"
        );
        assert_eq!(sanitize_code("Bad<script>Code"), "BadscriptCode");
    }

    #[test]
    fn decodes_kms_json_error_with_lowercase_message() {
        let e = decode_error(&resp(
            400,
            &[("x-amzn-RequestId", "req-1")],
            r#"{"__type":"com.amazonaws.kms#NotFoundException","message":"Key 'x' does not exist"}"#,
        ));
        assert_eq!(
            e,
            AwsError::Service {
                code: "NotFoundException".into(),
                message: "Key 'x' does not exist".into(),
                status: 400,
                request_id: Some("req-1".into()),
            }
        );
        assert_eq!(e.code(), Some("NotFoundException"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.status(), Some(400));
    }

    #[test]
    fn falls_back_to_capital_message() {
        let e = decode_error(&resp(
            400,
            &[],
            r#"{"__type":"com.amazon.coral.service#SerializationException","Message":"bad"}"#,
        ));
        assert_eq!(e.code(), Some("SerializationException"));
        assert_eq!(e.message(), Some("bad"));
    }

    #[test]
    fn lowercase_message_wins_over_capital() {
        let e = decode_error(&resp(
            400,
            &[],
            r#"{"__type":"X","Message":"upper","message":"lower"}"#,
        ));
        assert_eq!(e.message(), Some("lower"));
    }

    #[test]
    fn header_error_type_is_the_fallback() {
        let e = decode_error(&resp(
            400,
            &[
                (
                    "X-Amzn-ErrorType",
                    "UnrecognizedClientException:http://internal/",
                ),
                (
                    "x-amzn-ErrorMessage",
                    "The security token included in the request is invalid.",
                ),
                ("X-Amzn-RequestId", "abc"),
            ],
            "",
        ));
        assert_eq!(e.code(), Some("UnrecognizedClientException"));
        assert_eq!(
            e.message(),
            Some("The security token included in the request is invalid.")
        );
        assert_eq!(e.request_id(), Some("abc"));
    }

    #[test]
    fn body_code_wins_over_header() {
        let e = decode_error(&resp(
            400,
            &[("x-amzn-ErrorType", "Other")],
            r#"{"__type":"ThrottlingException","message":"slow down"}"#,
        ));
        assert_eq!(e.code(), Some("ThrottlingException"));
    }

    #[test]
    fn decodes_sts_xml_error_response() {
        let xml = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>SignatureDoesNotMatch</Code>
    <Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key &amp; signing method.</Message>
  </Error>
  <RequestId>4c7a8b1e-0000</RequestId>
</ErrorResponse>"#;
        let e = decode_error(&resp(403, &[("Content-Type", "text/xml")], xml));
        assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
        assert!(e
            .message()
            .unwrap_or("")
            .contains("Secret Access Key & signing"));
        assert_eq!(e.request_id(), Some("4c7a8b1e-0000"));
        assert_eq!(e.status(), Some(403));
    }

    #[test]
    fn decodes_s3_style_xml_error() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message><RequestId>r-9</RequestId></Error>"#;
        let e = decode_error(&resp(403, &[], xml));
        assert_eq!(e.code(), Some("InvalidClientTokenId"));
        assert_eq!(e.request_id(), Some("r-9"));
    }

    #[test]
    fn header_request_id_wins_over_body_request_id() {
        let xml = "<Error><Code>AccessDenied</Code><RequestId>body</RequestId></Error>";
        let e = decode_error(&resp(403, &[("x-amzn-RequestId", "header")], xml));
        assert_eq!(e.request_id(), Some("header"));
        let e = decode_error(&resp(403, &[("x-amz-request-id", "s3")], "<Error></Error>"));
        assert_eq!(e.request_id(), Some("s3"));
    }

    #[test]
    fn decodes_sts_json_error() {
        let body = r#"{"Error":{"Code":"ExpiredToken","Message":"The security token included in the request is expired","Type":"Sender"},"RequestId":"rid"}"#;
        let e = decode_error(&resp(400, &[], body));
        assert_eq!(e.code(), Some("ExpiredToken"));
        assert_eq!(
            e.message(),
            Some("The security token included in the request is expired")
        );
        assert_eq!(e.request_id(), Some("rid"));
    }

    #[test]
    fn html_502_becomes_http_with_title_excerpt() {
        let html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                    <body><h1>Bad <b>Gateway</b></h1><script>alert(1)</script></body></html>";
        let e = decode_error(&resp(502, &[("content-type", "text/html")], html));
        match &e {
            AwsError::Http {
                status,
                excerpt,
                content_type,
                ..
            } => {
                assert_eq!(*status, 502);
                assert_eq!(excerpt, "502 Bad Gateway");
                assert_eq!(content_type.as_deref(), Some("text/html"));
            }
            other => panic!("expected Http, got {other:?}"),
        }
        assert_eq!(e.code(), None);
        assert_eq!(e.status(), Some(502));
        assert!(e.user_message("ListKeys").contains("HTTP 502"));
    }

    #[test]
    fn html_without_title_is_stripped_and_shortened() {
        let body = format!("<html><body><p>{}</p></body></html>", "x ".repeat(500));
        let e = decode_error(&resp(500, &[], &body));
        let AwsError::Http { excerpt, .. } = e else {
            panic!("expected Http")
        };
        assert!(!excerpt.contains('<'));
        assert!(excerpt.chars().count() <= 201);
        assert!(excerpt.ends_with('\u{2026}'));
    }

    #[test]
    fn html_page_with_code_word_is_not_read_as_xml() {
        let body = "<html><body><Code>Nope</Code></body></html>";
        assert_eq!(decode_error(&resp(500, &[], body)).code(), None);
    }

    #[test]
    fn empty_body_without_header_keeps_status() {
        let e = decode_error(&resp(503, &[], ""));
        assert_eq!(
            e,
            AwsError::Http {
                status: 503,
                request_id: None,
                content_type: None,
                excerpt: String::new()
            }
        );
    }

    #[test]
    fn json_without_code_falls_back_to_status() {
        let e = decode_error(&resp(500, &[], r#"{"message":"boom"}"#));
        assert_eq!(e.code(), None);
        assert_eq!(e.status(), Some(500));
    }

    #[test]
    fn invalid_utf8_and_garbage_do_not_panic() {
        let r = HttpResponse {
            status: 400,
            headers: vec![],
            body: vec![0xff, 0xfe, b'{', 0x00],
        };
        assert_eq!(decode_error(&r).status(), Some(400));
        let e = decode_error(&resp(400, &[], "<Code>unterminated"));
        assert_eq!(e.code(), None);
    }

    #[test]
    fn user_messages_name_next_steps_for_every_kms_error() {
        let cases = [
            ("NotFoundException", "region"),
            ("DisabledException", "Enable the key"),
            ("KMSInvalidStateException", "key state"),
            ("UnsupportedOperationException", "symmetric"),
            ("ConflictException", "20 minutes"),
            ("InvalidArnException", "ARN"),
            ("InvalidMarkerException", "from the start"),
            ("DependencyTimeoutException", "Try again"),
            ("KMSInternalException", "Try again"),
            ("ThrottlingException", "Wait"),
            ("ExpiredTokenException", "expired"),
            ("ExpiredToken", "expired"),
            ("InvalidClientTokenId", "access key ID"),
            ("UnrecognizedClientException", "security token"),
            ("SignatureDoesNotMatch", "secret access key"),
            ("InvalidSignatureException", "secret access key"),
            ("RequestExpired", "clock"),
        ];
        for (code, needle) in cases {
            let e = AwsError::Service {
                code: code.into(),
                message: String::new(),
                status: 400,
                request_id: None,
            };
            let m = e.user_message("RotateKeyOnDemand");
            assert!(m.contains(needle), "{code}: {m}");
        }
    }

    #[test]
    fn limit_exceeded_on_rotate_speaks_of_the_rotation_quota() {
        let e = AwsError::Service {
            code: "LimitExceededException".into(),
            message: String::new(),
            status: 400,
            request_id: None,
        };
        assert!(e
            .user_message("RotateKeyOnDemand")
            .contains("on-demand rotations"));
        assert!(e.user_message("CreateAlias").contains("limit"));
    }

    #[test]
    fn access_denied_names_the_permission() {
        for code in ["AccessDeniedException", "AccessDenied"] {
            let e = AwsError::Service {
                code: code.into(),
                message: "User: arn:aws:sts::1:assumed-role/r/s is not authorized".into(),
                status: 400,
                request_id: None,
            };
            let m = e.user_message("RotateKeyOnDemand");
            assert!(m.contains("kms:RotateKeyOnDemand"), "{m}");
            assert!(m.contains("not authorized"), "AWS message kept: {m}");
            assert!(e
                .user_message("GetCallerIdentity")
                .contains("sts:GetCallerIdentity"));
        }
    }

    #[test]
    fn signature_expired_points_at_the_clock() {
        let e = AwsError::Service {
            code: "InvalidSignatureException".into(),
            message: "Signature expired: 20261125T120000Z is now earlier than 20261125T121500Z (20261125T122000Z - 5 min.)".into(),
            status: 400,
            request_id: None,
        };
        assert!(e.user_message("ListKeys").contains("clock"));
    }

    #[test]
    fn network_message_mentions_cors() {
        let e = AwsError::from(TransportError::Network("TypeError: Failed to fetch".into()));
        assert!(e.user_message("ListKeys").contains("CORS"));
        assert_eq!(AwsError::from(TransportError::Timeout), AwsError::Timeout);
        assert_eq!(AwsError::from(TransportError::Aborted), AwsError::Aborted);
    }

    #[test]
    fn outcome_unknown_delegates_accessors_and_says_reload() {
        let e = AwsError::OutcomeUnknown {
            operation: "RotateKeyOnDemand".into(),
            cause: Box::new(AwsError::Service {
                code: "KMSInternalException".into(),
                message: String::new(),
                status: 500,
                request_id: Some("r".into()),
            }),
        };
        assert!(e.is_outcome_unknown());
        assert_eq!(e.code(), Some("KMSInternalException"));
        assert_eq!(e.request_id(), Some("r"));
        assert_eq!(e.status(), Some(500));
        let m = e.user_message("RotateKeyOnDemand");
        assert!(m.contains("not known"), "{m}");
        assert!(m.contains("Reload"), "{m}");
    }

    #[test]
    fn unknown_code_still_gets_a_sentence() {
        let e = AwsError::Service {
            code: "BrandNewException".into(),
            message: "m".into(),
            status: 400,
            request_id: None,
        };
        let m = e.user_message("ListKeys");
        assert!(m.contains("BrandNewException") && m.contains("m"));
    }
}
