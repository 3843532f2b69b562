//! One error type for everything the wire layer can fail with, the typed AWS error code, and the
//! decoder that turns an AWS error response (JSON, XML or neither) into an error.
//!
//! Facts used here are from docs/kms.md: §1.6 Error responses (error body, code sanitisation,
//! header fallback), §1.7 Common errors, §1.8 Request IDs, §2.11 KMS error codes, §2.12 STS
//! GetCallerIdentity (STS errors) and §4.4 Retry rules in detail (retry classification).

use std::fmt;

use crate::aws::credentials::CredentialsError;
use crate::aws::endpoint::{EndpointError, Service};
use crate::aws::http::HttpResponse;
use crate::aws::kms::{Operation, RotateKeyOnDemand};
use crate::aws::organizations::ListAccounts;
use crate::aws::signing::SigningError;
use crate::aws::sts;
use crate::aws::transport::TransportError;
use crate::aws::wire::wire_enum;

/// One API operation (`RotateKeyOnDemand` of KMS, `GetCallerIdentity` of STS, ...): what a call
/// error names, and the IAM action that allows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApiOperation {
    pub service: Service,
    /// The operation name, as in the API reference (`ListKeys`).
    pub name: &'static str,
}

impl ApiOperation {
    pub const fn new(service: Service, name: &'static str) -> Self {
        ApiOperation { service, name }
    }

    pub const fn kms(name: &'static str) -> Self {
        Self::new(Service::Kms, name)
    }

    pub const fn sts(name: &'static str) -> Self {
        Self::new(Service::Sts, name)
    }

    /// The IAM action that allows it: `kms:RotateKeyOnDemand`, `sts:GetCallerIdentity`.
    pub fn iam_action(self) -> String {
        format!("{}:{}", self.service.iam_prefix(), self.name)
    }
}

impl fmt::Display for ApiOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Operations whose errors have sentences of their own.
const ROTATE_KEY_ON_DEMAND: ApiOperation = ApiOperation::kms(RotateKeyOnDemand::NAME);
const ASSUME_ROLE: ApiOperation = ApiOperation::sts(sts::ASSUME_ROLE);
const LIST_ACCOUNTS: ApiOperation = ApiOperation::new(ListAccounts::SERVICE, ListAccounts::NAME);

wire_enum!(
    /// An AWS error code, sanitised ([`sanitize_code`]: `com.amazonaws.kms#NotFoundException`
    /// -> `NotFoundException`). Every code keyturn acts on or has a sentence for is a variant;
    /// any other is kept, as sent, in `Other`.
    ErrorCode {
        // KMS (docs/kms.md §2.11 KMS error codes).
        AccessDeniedException = "AccessDeniedException",
        ConflictException = "ConflictException",
        DependencyTimeoutException = "DependencyTimeoutException",
        DisabledException = "DisabledException",
        InvalidArnException = "InvalidArnException",
        InvalidMarkerException = "InvalidMarkerException",
        KMSInternalException = "KMSInternalException",
        KMSInvalidStateException = "KMSInvalidStateException",
        LimitExceededException = "LimitExceededException",
        NotFoundException = "NotFoundException",
        UnsupportedOperationException = "UnsupportedOperationException",
        ValidationException = "ValidationException",
        // Common to every service (docs/kms.md §1.7 Common errors) and STS's own (§2.12 STS
        // GetCallerIdentity).
        AccessDenied = "AccessDenied",
        NotAuthorized = "NotAuthorized",
        ExpiredToken = "ExpiredToken",
        ExpiredTokenException = "ExpiredTokenException",
        InvalidClientTokenId = "InvalidClientTokenId",
        UnrecognizedClientException = "UnrecognizedClientException",
        MissingAuthenticationToken = "MissingAuthenticationToken",
        MissingAuthenticationTokenException = "MissingAuthenticationTokenException",
        SignatureDoesNotMatch = "SignatureDoesNotMatch",
        InvalidSignatureException = "InvalidSignatureException",
        IncompleteSignature = "IncompleteSignature",
        IncompleteSignatureException = "IncompleteSignatureException",
        RequestExpired = "RequestExpired",
        RequestInTheFuture = "RequestInTheFuture",
        RequestTimeTooSkewed = "RequestTimeTooSkewed",
        AuthFailure = "AuthFailure",
        OptInRequired = "OptInRequired",
        RegionDisabledException = "RegionDisabledException",
        ValidationError = "ValidationError",
        InvalidParameterValue = "InvalidParameterValue",
        SerializationException = "SerializationException",
        InternalFailure = "InternalFailure",
        ServiceUnavailable = "ServiceUnavailable",
        // STS AssumeRole.
        MalformedPolicyDocument = "MalformedPolicyDocument",
        PackedPolicyTooLarge = "PackedPolicyTooLarge",
        // Organizations ListAccounts.
        AWSOrganizationsNotInUseException = "AWSOrganizationsNotInUseException",
        InvalidInputException = "InvalidInputException",
        ServiceException = "ServiceException",
        TooManyRequestsException = "TooManyRequestsException",
        // The SDKs' other throttling and transient codes (docs/kms.md §4.4 Retry rules in detail).
        Throttling = "Throttling",
        ThrottlingException = "ThrottlingException",
        ThrottledException = "ThrottledException",
        RequestThrottledException = "RequestThrottledException",
        ProvisionedThroughputExceededException = "ProvisionedThroughputExceededException",
        TransactionInProgressException = "TransactionInProgressException",
        RequestLimitExceeded = "RequestLimitExceeded",
        BandwidthLimitExceeded = "BandwidthLimitExceeded",
        RequestThrottled = "RequestThrottled",
        SlowDown = "SlowDown",
        EC2ThrottledException = "EC2ThrottledException",
        RequestTimeout = "RequestTimeout",
        RequestTimeoutException = "RequestTimeoutException",
        PriorRequestNotComplete = "PriorRequestNotComplete",
    }
);

impl ErrorCode {
    /// Throttling (docs/kms.md §4.4 Retry rules in detail, botocore `_THROTTLED_ERROR_CODES`,
    /// js-v3 `THROTTLING_ERROR_CODES`): retried with the throttling backoff. This includes
    /// LimitExceededException, which for RotateKeyOnDemand means the per-key quota instead
    /// (retry.rs).
    pub fn is_throttling(&self) -> bool {
        use ErrorCode as C;
        matches!(
            self,
            C::Throttling
                | C::ThrottlingException
                | C::ThrottledException
                | C::RequestThrottledException
                | C::TooManyRequestsException
                | C::ProvisionedThroughputExceededException
                | C::TransactionInProgressException
                | C::RequestLimitExceeded
                | C::BandwidthLimitExceeded
                | C::LimitExceededException
                | C::RequestThrottled
                | C::SlowDown
                | C::EC2ThrottledException
        )
    }

    /// A temporary fault on AWS's side (docs/kms.md §4.4 Retry rules in detail: the transient
    /// codes, plus the KMS faults that say they can be retried): retried with the transient
    /// backoff.
    pub fn is_transient(&self) -> bool {
        use ErrorCode as C;
        matches!(
            self,
            C::RequestTimeout
                | C::RequestTimeoutException
                | C::PriorRequestNotComplete
                | C::KMSInternalException
                | C::DependencyTimeoutException
                | C::InternalFailure
                | C::ServiceUnavailable
        )
    }

    /// The signature was rejected in a way a wrong clock causes (docs/kms.md §4.4 Retry rules in
    /// detail, §4.5 Clock skew; js-v3 service-error-classification): resent once when the
    /// answer moved the clock offset.
    pub fn is_clock_skew(&self) -> bool {
        use ErrorCode as C;
        matches!(
            self,
            C::AuthFailure
                | C::InvalidSignatureException
                | C::RequestExpired
                | C::RequestInTheFuture
                | C::RequestTimeTooSkewed
                | C::SignatureDoesNotMatch
        )
    }

    /// The credentials work but may not do this (IAM policy, key policy, trust policy).
    pub fn is_access_denied(&self) -> bool {
        use ErrorCode as C;
        matches!(
            self,
            C::AccessDeniedException | C::AccessDenied | C::NotAuthorized
        )
    }

    /// The credentials themselves no longer work (expired, unknown, missing): the session ends.
    pub fn is_credentials_rejected(&self) -> bool {
        use ErrorCode as C;
        matches!(
            self,
            C::ExpiredToken
                | C::ExpiredTokenException
                | C::InvalidClientTokenId
                | C::UnrecognizedClientException
                | C::MissingAuthenticationToken
                | C::MissingAuthenticationTokenException
        )
    }
}

/// Everything a KMS, STS or Organizations call can fail with: what went wrong, and the call it
/// happened in. Cheap to clone so the UI can keep it in a signal.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    /// The call that failed. [`Client`](crate::aws::client::Client) names it on every error a
    /// call returns; None for errors raised outside a call (a credential paste, an endpoint
    /// checked on the connect form, a load cancelled between calls).
    pub operation: Option<ApiOperation>,
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// AWS answered with an error document (JSON `__type`, XML `<Code>`, or the
    /// `x-amzn-ErrorType` header).
    #[error("{code}: {message}")]
    Service {
        code: ErrorCode,
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
    /// The caller's gate closed (a bulk run paused or cancelled) before an attempt left, and
    /// every earlier attempt of the call said it did nothing (throttled): nothing was done.
    #[error("stopped before the request was sent")]
    Stopped,
    /// A success status whose body does not have the expected shape.
    #[error("could not read the response: {detail}")]
    Decode {
        status: u16,
        request_id: Option<String>,
        detail: String,
    },
    /// A non-idempotent request (RotateKeyOnDemand) failed in a way that does not tell whether
    /// AWS acted on it. It is never resent automatically: the caller reconciles by reading state.
    #[error("the outcome is unknown: {cause}")]
    OutcomeUnknown { cause: Box<ErrorKind> },
    #[error("credentials: {0}")]
    Credentials(String),
    #[error("endpoint: {0}")]
    Endpoint(String),
    #[error("signing: {0}")]
    Signing(String),
    /// The request could not be built (serialisation); a bug rather than a user problem.
    #[error("could not build the request: {detail}")]
    Request { detail: String },
}

impl From<ErrorKind> for AwsError {
    fn from(kind: ErrorKind) -> Self {
        AwsError {
            operation: None,
            kind,
        }
    }
}

// The source error types are not required to be Clone/PartialEq, so their text is kept.
impl From<CredentialsError> for AwsError {
    fn from(e: CredentialsError) -> Self {
        ErrorKind::Credentials(e.to_string()).into()
    }
}

impl From<EndpointError> for AwsError {
    fn from(e: EndpointError) -> Self {
        ErrorKind::Endpoint(e.to_string()).into()
    }
}

impl From<SigningError> for AwsError {
    fn from(e: SigningError) -> Self {
        ErrorKind::Signing(e.to_string()).into()
    }
}

impl From<TransportError> for AwsError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Network(m) => ErrorKind::Network(m),
            TransportError::Timeout => ErrorKind::Timeout,
            TransportError::Aborted => ErrorKind::Aborted,
        }
        .into()
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, self.operation) {
            (ErrorKind::Decode { detail, .. }, Some(op)) => {
                write!(f, "could not read the {op} response: {detail}")
            }
            (ErrorKind::OutcomeUnknown { cause }, Some(op)) => {
                write!(f, "the outcome of {op} is unknown: {cause}")
            }
            (ErrorKind::Request { detail }, Some(op)) => {
                write!(f, "could not build the {op} request: {detail}")
            }
            (kind, _) => kind.fmt(f),
        }
    }
}

impl std::error::Error for AwsError {}

impl ErrorKind {
    /// The sanitised AWS error code, when AWS sent one (also through `OutcomeUnknown`).
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            ErrorKind::Service { code, .. } => Some(code),
            ErrorKind::OutcomeUnknown { cause } => cause.code(),
            _ => None,
        }
    }

    /// The server's message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        match self {
            ErrorKind::Service { message, .. } if !message.is_empty() => Some(message),
            ErrorKind::OutcomeUnknown { cause } => cause.message(),
            _ => None,
        }
    }

    /// The `x-amzn-RequestId` (or XML `<RequestId>`) of the failed exchange.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ErrorKind::Service { request_id, .. }
            | ErrorKind::Http { request_id, .. }
            | ErrorKind::Decode { request_id, .. } => request_id.as_deref(),
            ErrorKind::OutcomeUnknown { cause } => cause.request_id(),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            ErrorKind::Service { status, .. }
            | ErrorKind::Http { status, .. }
            | ErrorKind::Decode { status, .. } => Some(*status),
            ErrorKind::OutcomeUnknown { cause } => cause.status(),
            _ => None,
        }
    }
}

impl AwsError {
    /// Name the call this error happened in, unless it already names one.
    pub fn with_operation(mut self, operation: ApiOperation) -> Self {
        self.operation.get_or_insert(operation);
        self
    }

    /// The sanitised AWS error code, when AWS sent one (also through `OutcomeUnknown`).
    pub fn code(&self) -> Option<&ErrorCode> {
        self.kind.code()
    }

    /// The server's message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        self.kind.message()
    }

    /// The `x-amzn-RequestId` (or XML `<RequestId>`) of the failed exchange.
    pub fn request_id(&self) -> Option<&str> {
        self.kind.request_id()
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.kind.status()
    }

    /// A sentence for a person, naming the operation and the next step (and, on AccessDenied,
    /// the IAM action the operation needs).
    pub fn user_message(&self) -> String {
        let op = self.operation.map_or("The request", |o| o.name);
        match &self.kind {
            ErrorKind::Service { code, message, .. } => {
                service_message(code, message, self.operation)
            }
            ErrorKind::Http {
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
                    "{op} failed: {what}, HTTP {status}{tail}. Check the endpoint URL, then try \
                     again in a moment."
                )
            }
            ErrorKind::Network(_) => format!(
                "{op} could not reach the endpoint. The network may be down, the endpoint URL may \
                 be wrong, or the server does not allow requests from this page (CORS); the \
                 browser does not say which. Check the region or endpoint URL and your \
                 connection, then try again."
            ),
            ErrorKind::Timeout => {
                format!("{op} got no answer in time. Check your connection and try again.")
            }
            ErrorKind::Aborted => format!("{op} was cancelled."),
            ErrorKind::Stopped => format!("{op} was stopped before it was sent."),
            ErrorKind::Decode { detail, .. } => {
                let service = self.operation.map_or("an AWS service".to_string(), |o| {
                    format!("AWS {}", o.service)
                });
                format!(
                    "{op} returned a response keyturn could not read ({detail}). The endpoint \
                     may not be {service}; check the endpoint URL."
                )
            }
            ErrorKind::OutcomeUnknown { cause } => {
                let cause = match cause.as_ref() {
                    ErrorKind::Service { code, .. } => code.to_string(),
                    ErrorKind::Http { status, .. } => format!("HTTP {status}"),
                    ErrorKind::Network(_) => "the connection failed".to_string(),
                    ErrorKind::Timeout => "no answer in time".to_string(),
                    ErrorKind::Aborted => "the request was cancelled".to_string(),
                    other => other.to_string(),
                };
                let op = self.operation.map_or("the request", |o| o.name);
                format!(
                    "It is not known whether {op} took effect ({cause}). Reload the key's \
                     rotation status and history before trying again: the request is not resent \
                     automatically so that a key is never rotated twice."
                )
            }
            ErrorKind::Credentials(m) => {
                format!("The credentials cannot be used: {m}. Paste a complete set again.")
            }
            ErrorKind::Endpoint(m) => {
                format!("The region or endpoint cannot be used: {m}. Pick another region or fix the endpoint URL.")
            }
            ErrorKind::Signing(m) => {
                format!("{op} could not be signed: {m}. Check the pasted credentials.")
            }
            ErrorKind::Request { detail } => {
                format!("{op} could not be built ({detail}). This is a keyturn bug.")
            }
        }
    }
}

fn with_detail(sentence: String, message: &str) -> String {
    if message.is_empty() {
        sentence
    } else {
        format!("{sentence} (AWS said: \u{201c}{message}\u{201d})")
    }
}

/// Only the management account of an organization, or a delegated administrator, can list its
/// accounts: the way on without that is to type the account ids.
const LIST_ACCOUNTS_HINT: &str = "Only the organization's management account or a delegated \
     administrator can list accounts; paste the account ids instead.";

fn access_denied(operation: Option<ApiOperation>) -> String {
    match operation {
        Some(ASSUME_ROLE) => "AssumeRole was refused: the role's trust policy does not allow \
             these credentials, or they lack sts:AssumeRole on it. Check the role ARN, then ask \
             the role's owner to trust these credentials or an administrator to grant \
             sts:AssumeRole on the role."
            .to_string(),
        Some(LIST_ACCOUNTS) => format!(
            "Access denied: these credentials are not allowed to call {}. {LIST_ACCOUNTS_HINT}",
            LIST_ACCOUNTS.iam_action()
        ),
        Some(op) => {
            let action = op.iam_action();
            format!(
                "Access denied: these credentials are not allowed to call {action} on this \
                 resource. Ask an administrator to grant {action} in the IAM policy or the key \
                 policy."
            )
        }
        None => "Access denied: these credentials are not allowed to make this request. Ask an \
             administrator to grant the permission it needs in the IAM policy or the key policy."
            .to_string(),
    }
}

fn service_message(code: &ErrorCode, message: &str, operation: Option<ApiOperation>) -> String {
    use ErrorCode as C;
    let op = operation.map_or("The request", |o| o.name);
    // "AWS KMS " in "this AWS KMS operation"; nothing when the operation is not known.
    let service = operation.map_or(String::new(), |o| format!("AWS {} ", o.service));
    let lower = message.to_ascii_lowercase();
    let clock_hint = lower.contains("expired") || lower.contains("not yet current");
    let s = match code {
        // KMS errors (docs/kms.md §2.11 KMS error codes).
        C::NotFoundException => format!(
            "{op} failed: KMS cannot find that key or alias in this account and region. Check \
             the key ID and the selected region; the key may have been deleted."
        ),
        C::DisabledException => {
            format!("{op} failed: the key is disabled. Enable the key first, then try again.")
        }
        C::KMSInvalidStateException => format!(
            "{op} failed: the key's state does not allow it (for example pending deletion or \
             pending import). Check the key state; if you just changed the key, wait a few \
             seconds and reload."
        ),
        C::UnsupportedOperationException => format!(
            "{op} is not supported for this key: rotation needs a symmetric, customer managed \
             key in KMS's own key store, and a multi-Region replica is rotated through its \
             primary. Check the key's spec, origin, key manager and multi-Region role."
        ),
        C::LimitExceededException if operation == Some(ROTATE_KEY_ON_DEMAND) => {
            "This key has used all its on-demand rotations (the per-key limit is not adjustable). \
             Automatic rotation still works: turn it on or shorten its period instead."
                .to_string()
        }
        C::LimitExceededException => format!(
            "{op} failed: a KMS limit was exceeded. Wait a moment or reduce how much is \
             requested, then try again."
        ),
        C::ConflictException => format!(
            "{op} failed: an automatic rotation of this key is in progress or due within 20 \
             minutes. Wait until it has completed (more than 20 minutes), then try again."
        ),
        C::InvalidArnException => {
            format!("{op} failed: the key ARN is not valid. Check the ARN, or use the key ID.")
        }
        C::InvalidMarkerException => {
            format!("{op} failed: the paging marker was rejected. Reload the list from the start.")
        }
        c if c.is_transient() || *c == C::ServiceException => {
            format!("{op} failed because of a temporary problem inside AWS. Try again in a moment.")
        }
        c if c.is_throttling() => format!(
            "{op} was throttled: the account's request rate for this {service}operation is used \
             up. Wait a few seconds and try again."
        ),
        C::ValidationException
        | C::ValidationError
        | C::InvalidParameterValue
        | C::InvalidInputException => {
            let who = operation.map_or("AWS".to_string(), |o| format!("AWS {}", o.service));
            format!("{op} failed: {who} rejected a parameter. Check the values entered.")
        }
        // STS AssumeRole.
        C::MalformedPolicyDocument | C::PackedPolicyTooLarge => format!(
            "{op} failed: STS rejected the session policy or tags sent with the request as \
             malformed or too large ({code})."
        ),
        // Organizations ListAccounts.
        C::AWSOrganizationsNotInUseException => format!(
            "{op} failed: the account of these credentials is not in an organization. \
             {LIST_ACCOUNTS_HINT}"
        ),
        // Authentication and authorisation (docs/kms.md §1.7 Common errors; STS: §2.12 STS
        // GetCallerIdentity).
        c if c.is_access_denied() => access_denied(operation),
        C::ExpiredToken | C::ExpiredTokenException => format!(
            "{op} failed: the session credentials have expired. Get new credentials (for \
             example with aws sts assume-role) and connect again."
        ),
        C::InvalidClientTokenId => format!(
            "{op} failed: AWS does not recognise the access key ID or session token. Paste the \
             access key ID, secret and session token from the same, current set (and check the \
             region is enabled for the account)."
        ),
        C::UnrecognizedClientException => format!(
            "{op} failed: AWS does not recognise the security token in the request. Paste a \
             fresh, complete set of credentials including the session token."
        ),
        C::SignatureDoesNotMatch
        | C::InvalidSignatureException
        | C::IncompleteSignature
        | C::IncompleteSignatureException
            if clock_hint =>
        {
            format!(
                "{op} failed: the request time is outside the 5 minutes AWS accepts. Set this \
                 computer's clock correctly, then connect again."
            )
        }
        C::SignatureDoesNotMatch
        | C::InvalidSignatureException
        | C::IncompleteSignature
        | C::IncompleteSignatureException => format!(
            "{op} failed: AWS rejected the request signature, so the secret access key is \
             probably wrong. Paste the secret access key again (it must belong to the access key \
             ID), and check this computer's clock."
        ),
        C::RequestExpired | C::RequestInTheFuture | C::RequestTimeTooSkewed => format!(
            "{op} failed: this computer's clock differs from AWS's by more than a few minutes. \
             Set the clock correctly, then try again."
        ),
        C::MissingAuthenticationToken | C::MissingAuthenticationTokenException => {
            format!("{op} failed: the request carried no credentials. Connect again.")
        }
        C::OptInRequired | C::RegionDisabledException => format!(
            "{op} failed: the region is not enabled for this account. Enable it in the \
             account's settings (AWS Regions), or pick another region."
        ),
        other => format!("{op} failed with {other}. Check the details and try again."),
    };
    with_detail(s, message)
}

/// Turn a non-2xx response into an [`AwsError`].
///
/// Order (docs/kms.md §1.6 Error responses): JSON `__type` (then `code`/`Code`, and the STS-JSON
/// `{"Error":{"Code"}}` form), then XML `<Code>` (STS `<ErrorResponse>` and S3-style `<Error>`),
/// then the `x-amzn-ErrorType` header; the message from `message`, then `Message`, then the
/// `x-amzn-ErrorMessage` header. Without any code the result is [`ErrorKind::Http`], and retry
/// classification falls back to the status. The error names no operation yet: the client names
/// it.
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
        if let Ok(serde_json::Value::Object(map)) = crate::aws::wire::from_json(trimmed) {
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
        Some(code) => ErrorKind::Service {
            code: ErrorCode::from(code.as_str()),
            message: message.or(header_message).unwrap_or_default(),
            status: resp.status,
            request_id,
        },
        None => ErrorKind::Http {
            status: resp.status,
            request_id,
            content_type: resp.header("content-type").map(str::to_string),
            excerpt: excerpt(trimmed),
        },
    }
    .into()
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
/// `AccessDeniedException:http://internal...` -> `AccessDeniedException` (docs/kms.md §1.6
/// Error responses: cut at `:` first, then keep what follows `#`). Anything but
/// `[A-Za-z0-9._-]` is dropped so the code is safe to show and to compare.
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
            AwsError {
                operation: None,
                kind: ErrorKind::Service {
                    code: ErrorCode::NotFoundException,
                    message: "Key 'x' does not exist".into(),
                    status: 400,
                    request_id: Some("req-1".into()),
                }
            }
        );
        assert_eq!(e.code(), Some(&ErrorCode::NotFoundException));
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
        assert_eq!(e.code(), Some(&ErrorCode::SerializationException));
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
        assert_eq!(e.code(), Some(&ErrorCode::UnrecognizedClientException));
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
        assert_eq!(e.code(), Some(&ErrorCode::ThrottlingException));
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
        assert_eq!(e.code(), Some(&ErrorCode::SignatureDoesNotMatch));
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
        assert_eq!(e.code(), Some(&ErrorCode::InvalidClientTokenId));
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
        assert_eq!(e.code(), Some(&ErrorCode::ExpiredToken));
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
        match &e.kind {
            ErrorKind::Http {
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
        assert!(e.user_message().contains("HTTP 502"));
        let e = e.with_operation(LIST_KEYS);
        assert!(e.user_message().starts_with("ListKeys failed"), "{e:?}");
    }

    #[test]
    fn html_without_title_is_stripped_and_shortened() {
        let body = format!("<html><body><p>{}</p></body></html>", "x ".repeat(500));
        let e = decode_error(&resp(500, &[], &body));
        let ErrorKind::Http { excerpt, .. } = e.kind else {
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
            AwsError::from(ErrorKind::Http {
                status: 503,
                request_id: None,
                content_type: None,
                excerpt: String::new()
            })
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

    const LIST_KEYS: ApiOperation = ApiOperation::kms("ListKeys");
    const ROTATE: ApiOperation = ApiOperation::kms("RotateKeyOnDemand");

    fn service(code: ErrorCode, message: &str, operation: ApiOperation) -> AwsError {
        AwsError::from(ErrorKind::Service {
            code,
            message: message.into(),
            status: 400,
            request_id: None,
        })
        .with_operation(operation)
    }

    #[test]
    fn error_codes_read_and_print_as_sent() {
        assert_eq!(
            ErrorCode::from("NotFoundException"),
            ErrorCode::NotFoundException
        );
        assert_eq!(
            ErrorCode::from("KMSInvalidStateException").as_str(),
            "KMSInvalidStateException"
        );
        let odd = ErrorCode::from("BrandNewException");
        assert_eq!(odd, ErrorCode::Other("BrandNewException".into()));
        assert_eq!(odd.to_string(), "BrandNewException");
        // Case matters, as it does to AWS.
        assert!(matches!(
            ErrorCode::from("notfoundexception"),
            ErrorCode::Other(_)
        ));
    }

    #[test]
    fn one_list_per_meaning() {
        use ErrorCode as C;
        for c in [
            C::ThrottlingException,
            C::Throttling,
            C::TooManyRequestsException,
        ] {
            assert!(c.is_throttling() && !c.is_transient(), "{c}");
        }
        assert!(C::LimitExceededException.is_throttling());
        for c in [
            C::KMSInternalException,
            C::DependencyTimeoutException,
            C::InternalFailure,
        ] {
            assert!(c.is_transient() && !c.is_throttling(), "{c}");
        }
        assert!(C::SignatureDoesNotMatch.is_clock_skew());
        assert!(!C::IncompleteSignature.is_clock_skew());
        for c in [C::AccessDeniedException, C::AccessDenied, C::NotAuthorized] {
            assert!(c.is_access_denied() && !c.is_credentials_rejected(), "{c}");
        }
        for c in [
            C::ExpiredToken,
            C::ExpiredTokenException,
            C::InvalidClientTokenId,
        ] {
            assert!(c.is_credentials_rejected() && !c.is_access_denied(), "{c}");
        }
        assert!(!C::Other("AccessDeniedExceptionX".into()).is_access_denied());
    }

    #[test]
    fn user_messages_name_next_steps_for_every_kms_error() {
        use ErrorCode as C;
        let cases = [
            (C::NotFoundException, "region"),
            (C::DisabledException, "Enable the key"),
            (C::KMSInvalidStateException, "key state"),
            (C::UnsupportedOperationException, "symmetric"),
            (C::ConflictException, "20 minutes"),
            (C::InvalidArnException, "ARN"),
            (C::InvalidMarkerException, "from the start"),
            (C::DependencyTimeoutException, "Try again"),
            (C::KMSInternalException, "Try again"),
            (C::ThrottlingException, "Wait"),
            (C::ExpiredTokenException, "expired"),
            (C::ExpiredToken, "expired"),
            (C::InvalidClientTokenId, "access key ID"),
            (C::UnrecognizedClientException, "security token"),
            (C::SignatureDoesNotMatch, "secret access key"),
            (C::InvalidSignatureException, "secret access key"),
            (C::RequestExpired, "clock"),
            (C::OptInRequired, "region is not enabled for this account"),
            (
                C::RegionDisabledException,
                "region is not enabled for this account",
            ),
        ];
        for (code, needle) in cases {
            let m = service(code.clone(), "", ROTATE).user_message();
            assert!(m.contains(needle), "{code}: {m}");
        }
    }

    #[test]
    fn limit_exceeded_on_rotate_speaks_of_the_rotation_quota() {
        let limit = |op| service(ErrorCode::LimitExceededException, "", op);
        assert!(limit(ROTATE).user_message().contains("on-demand rotations"));
        assert!(limit(ApiOperation::kms("CreateAlias"))
            .user_message()
            .contains("limit"));
    }

    #[test]
    fn access_denied_names_the_permission() {
        for code in [ErrorCode::AccessDeniedException, ErrorCode::AccessDenied] {
            let message = "User: arn:aws:sts::1:assumed-role/r/s is not authorized";
            let m = service(code.clone(), message, ROTATE).user_message();
            assert!(m.contains("kms:RotateKeyOnDemand"), "{m}");
            assert!(m.contains("not authorized"), "AWS message kept: {m}");
            let sts = service(
                code.clone(),
                message,
                ApiOperation::sts("GetCallerIdentity"),
            );
            assert!(sts.user_message().contains("sts:GetCallerIdentity"));
            // Before any call there is no action to name, and the sentence still reads.
            let bare = AwsError {
                operation: None,
                ..sts
            };
            let m = bare.user_message();
            assert!(m.starts_with("Access denied") && !m.contains("kms:"), "{m}");
        }
    }

    #[test]
    fn assume_role_and_list_accounts_have_their_own_sentences() {
        let m = service(ErrorCode::AccessDenied, "", ASSUME_ROLE).user_message();
        assert!(m.contains("trust policy"), "{m}");
        assert!(m.contains("sts:AssumeRole"), "{m}");
        let m = service(ErrorCode::AccessDeniedException, "", LIST_ACCOUNTS).user_message();
        assert!(m.contains("organizations:ListAccounts"), "{m}");
        assert!(
            m.contains("management account or a delegated administrator"),
            "{m}"
        );
        assert!(m.contains("paste the account ids"), "{m}");
        let m = service(
            ErrorCode::AWSOrganizationsNotInUseException,
            "",
            LIST_ACCOUNTS,
        )
        .user_message();
        assert!(m.starts_with("ListAccounts failed"), "{m}");
        assert!(m.contains("paste the account ids"), "{m}");
        let m = service(ErrorCode::TooManyRequestsException, "", LIST_ACCOUNTS).user_message();
        assert!(m.contains("AWS Organizations operation"), "{m}");
    }

    #[test]
    fn signature_expired_points_at_the_clock() {
        let e = service(
            ErrorCode::InvalidSignatureException,
            "Signature expired: 20261125T120000Z is now earlier than 20261125T121500Z (20261125T122000Z - 5 min.)",
            LIST_KEYS,
        );
        assert!(e.user_message().contains("clock"));
    }

    #[test]
    fn network_message_mentions_cors() {
        let e = AwsError::from(TransportError::Network("TypeError: Failed to fetch".into()));
        assert!(e.user_message().contains("CORS"));
        assert!(e
            .with_operation(LIST_KEYS)
            .user_message()
            .starts_with("ListKeys could not reach"));
        assert_eq!(
            AwsError::from(TransportError::Timeout),
            AwsError::from(ErrorKind::Timeout)
        );
        assert_eq!(
            AwsError::from(TransportError::Aborted).kind,
            ErrorKind::Aborted
        );
    }

    #[test]
    fn the_operation_is_named_once_and_kept() {
        let e = AwsError::from(ErrorKind::Timeout).with_operation(LIST_KEYS);
        assert_eq!(e.operation, Some(LIST_KEYS));
        assert_eq!(e.clone().with_operation(ROTATE).operation, Some(LIST_KEYS));
        assert_eq!(
            e.user_message(),
            "ListKeys got no answer in time. Check your connection and try again."
        );
        let d = AwsError::from(ErrorKind::Decode {
            status: 200,
            request_id: None,
            detail: "EOF".into(),
        });
        assert_eq!(d.to_string(), "could not read the response: EOF");
        assert_eq!(
            d.with_operation(LIST_KEYS).to_string(),
            "could not read the ListKeys response: EOF"
        );
        assert_eq!(ROTATE.iam_action(), "kms:RotateKeyOnDemand");
        assert_eq!(LIST_ACCOUNTS.iam_action(), "organizations:ListAccounts");
    }

    #[test]
    fn outcome_unknown_delegates_accessors_and_says_reload() {
        let e = AwsError::from(ErrorKind::OutcomeUnknown {
            cause: Box::new(ErrorKind::Service {
                code: ErrorCode::KMSInternalException,
                message: String::new(),
                status: 500,
                request_id: Some("r".into()),
            }),
        })
        .with_operation(ROTATE);
        assert!(matches!(e.kind, ErrorKind::OutcomeUnknown { .. }));
        assert_eq!(e.code(), Some(&ErrorCode::KMSInternalException));
        assert_eq!(e.request_id(), Some("r"));
        assert_eq!(e.status(), Some(500));
        let m = e.user_message();
        assert!(m.contains("not known"), "{m}");
        assert!(m.contains("RotateKeyOnDemand"), "{m}");
        assert!(m.contains("Reload"), "{m}");
        assert!(
            e.to_string().contains("the outcome of RotateKeyOnDemand"),
            "{e}"
        );
    }

    #[test]
    fn unknown_code_still_gets_a_sentence() {
        let e = service(ErrorCode::from("BrandNewException"), "m", LIST_KEYS);
        let m = e.user_message();
        assert!(m.contains("BrandNewException") && m.contains("m"));
        assert!(m.starts_with("ListKeys failed"), "{m}");
    }
}
