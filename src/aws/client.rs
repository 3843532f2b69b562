//! The client: the one path that sends any KMS operation (and STS GetCallerIdentity), with
//! signing, retries, clock-skew correction, the paging guard and the request log.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use crate::aws::credentials::Credentials;
use crate::aws::endpoint::{resolve, EndpointConfig};
use crate::aws::error::{
    decode_error, request_id_of, ApiOperation, AwsError, ErrorCode, ErrorKind,
};
use crate::aws::http::{HttpRequest, HttpResponse};
use crate::aws::kms::{self, Operation, Paginated};
use crate::aws::limiter::{seconds, Limiters};
use crate::aws::retry::{self, Decision, RetryContext, RetryQuota};
use crate::aws::signing::sign;
use crate::aws::sts::{self, CallerIdentity};
use crate::aws::transport::Transport;

/// Page sizes the inventory loader asks for (docs/kms.md §2.1 Paging: ListKeys and
/// ListKeyRotations allow 1000; ListAliases is documented as at most 100).
pub const LIST_KEYS_PAGE: u32 = 1000;
pub const LIST_ALIASES_PAGE: u32 = 100;
pub const LIST_ROTATIONS_PAGE: u32 = 1000;

/// More pages than this of one list is not a real account (ListKeys at 1,000 a page: 10 M keys,
/// 100 times the per-Region key quota); the endpoint is broken or hostile.
pub const MAX_PAGES: usize = 10_000;

/// Response bodies kept in the request log are cut at this many bytes.
pub const MAX_LOGGED_BODY: usize = 256 * 1024;

const REDACTED: &str = "<redacted>";

/// One HTTP exchange (one attempt), for the request log. Built so that it never holds the secret
/// key or the session token: the Authorization signature and X-Amz-Security-Token are replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestRecord {
    pub started: SystemTime,
    /// `ListKeys`, `GetCallerIdentity`, ...
    pub operation: String,
    pub key_id: Option<String>,
    pub method: String,
    pub url: String,
    /// 1 for the first try; resends count up.
    pub attempt: u32,
    /// None when no response arrived.
    pub status: Option<u16>,
    pub duration_ms: u64,
    pub request_id: Option<String>,
    /// As sent (after signing), with secrets redacted.
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub response_body: String,
    /// The error of this attempt, if any.
    pub error: Option<String>,
}

/// Headers safe to show: the Authorization signature and the session token replaced. The access
/// key id in `Credential=` stays (it is not secret and helps to tell sessions apart).
pub fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let value = if lower == "authorization" {
                redact_authorization(value)
            } else if lower == "x-amz-security-token"
                || lower.contains("secret")
                || lower.contains("token")
            {
                REDACTED.to_string()
            } else {
                value.clone()
            };
            (name.clone(), value)
        })
        .collect()
}

fn redact_authorization(value: &str) -> String {
    match value.find("Signature=") {
        Some(i) => {
            let start = i + "Signature=".len();
            let end = value[start..]
                .find(',')
                .map(|e| start + e)
                .unwrap_or(value.len());
            format!("{}{}{}", &value[..start], REDACTED, &value[end..])
        }
        // Not a SigV4 header we recognise: show nothing of it.
        None => REDACTED.to_string(),
    }
}

fn body_text(body: &[u8]) -> String {
    if body.len() > MAX_LOGGED_BODY {
        let mut s = String::from_utf8_lossy(&body[..MAX_LOGGED_BODY]).into_owned();
        s.push_str("\u{2026} (cut)");
        s
    } else {
        String::from_utf8_lossy(body).into_owned()
    }
}

/// What [`Client::execute`] sends; one per call, re-signed for each attempt.
struct Spec<'a> {
    /// Its service (where it goes, how it is signed) and name; every error of the call names it.
    operation: ApiOperation,
    idempotent: bool,
    key_id: Option<&'a str>,
    headers: Vec<(String, String)>,
    /// The answer carries secrets (AssumeRole's credentials): the request log never shows it.
    secret_response: bool,
    /// The serialised request; Err (the serialiser's reason) when it could not be built.
    body: Result<Vec<u8>, String>,
    /// Asked right before each attempt leaves (after the limiter's wait): "no" ends the call
    /// with [`ErrorKind::Stopped`]. docs/bulk.md §3.
    gate: Option<&'a dyn Fn() -> bool>,
}

/// The one rule for following `NextMarker`, used by every paged read (the inventory loader's
/// `all_pages`). A broken or hostile endpoint must not keep the console paging for
/// ever: a marker seen before (a cycle, or the same one again), a truncated page without a
/// marker, or more than [`MAX_PAGES`] pages stops with a clear error.
#[derive(Default)]
pub struct MarkerGuard {
    seen: std::collections::HashSet<String>,
    pages: usize,
}

impl MarkerGuard {
    /// Call before sending each page's request.
    pub fn sent<O: Paginated>(&mut self, op: &O) {
        self.pages += 1;
        if let Some(m) = op.marker() {
            self.seen.insert(m.to_string());
        }
    }

    /// After a page: true when `op` now carries the next marker, false after the last page.
    pub fn advance<O: Paginated>(
        &mut self,
        op: &mut O,
        next: Option<String>,
        truncated: bool,
    ) -> Result<bool, AwsError> {
        if !truncated {
            return Ok(false);
        }
        let stop = |detail: String| {
            AwsError::from(ErrorKind::Decode {
                status: 200,
                request_id: None,
                detail,
            })
            .with_operation(ApiOperation::new(O::SERVICE, O::NAME))
        };
        match next {
            _ if self.pages >= MAX_PAGES => Err(stop(format!(
                "the endpoint kept sending more pages ({MAX_PAGES}); keyturn stopped reading them"
            ))),
            Some(m) if !m.is_empty() && !self.seen.contains(&m) => {
                op.set_marker(Some(m));
                Ok(true)
            }
            Some(m) if !m.is_empty() => Err(stop(
                "the endpoint sent a NextMarker it had sent before: its pages go round in a \
                 circle, so keyturn stopped reading them"
                    .to_string(),
            )),
            _ => Err(stop(
                "the page says Truncated but gives no new NextMarker".to_string(),
            )),
        }
    }
}

/// What the request log shows instead of a body that holds credentials.
pub const SECRET_BODY: &str = "(not shown: the answer holds credentials)";

/// Observer of every exchange (the request log).
pub type Observer = Rc<dyn Fn(&RequestRecord)>;

/// A signed KMS/STS client for one set of credentials and one endpoint configuration.
///
/// All methods take `&self` (state is in `Cell`s), so one client can serve several concurrent
/// loads on the single-threaded browser event loop.
pub struct Client<T: Transport> {
    transport: T,
    /// Shared with the page's other clients of this session, never copied (credentials.rs).
    credentials: Rc<Credentials>,
    endpoint: EndpointConfig,
    /// Server time minus local time, in ms; added to the signing time (docs/kms.md §4.5
    /// Clock skew).
    clock_offset_ms: Cell<i64>,
    quota: RefCell<RetryQuota>,
    observer: Option<Observer>,
    /// The scope's adaptive pacing, shared with its other clients (docs/kms.md §4.3).
    limiters: Option<Rc<Limiters>>,
    /// An operation whose next first attempt already waited its turn ([`Client::wait_turn`]).
    reserved: Cell<Option<&'static str>>,
}

impl<T: Transport> Client<T> {
    pub fn new(
        transport: T,
        credentials: impl Into<Rc<Credentials>>,
        endpoint: EndpointConfig,
    ) -> Self {
        Client {
            transport,
            credentials: credentials.into(),
            endpoint,
            clock_offset_ms: Cell::new(0),
            quota: RefCell::new(RetryQuota::new()),
            observer: None,
            limiters: None,
            reserved: Cell::new(None),
        }
    }

    /// Pace every attempt through `limiters` (one adaptive limiter per operation).
    pub fn with_limiters(mut self, limiters: Rc<Limiters>) -> Self {
        self.limiters = Some(limiters);
        self
    }

    pub fn limiters(&self) -> Option<&Rc<Limiters>> {
        self.limiters.as_ref()
    }

    /// Report every exchange (each attempt) to `observer`.
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The learned clock offset (server minus local), in milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms.get()
    }

    /// Carry a learned offset over to a new client (e.g. after a region switch).
    pub fn set_clock_offset_ms(&self, offset_ms: i64) {
        self.clock_offset_ms.set(offset_ms);
    }

    /// Local time corrected by the learned offset: AWS's idea of now (for expiry display).
    pub fn now(&self) -> SystemTime {
        retry::apply_offset(self.transport.now(), self.clock_offset_ms.get())
    }

    /// Wait for the limiter's slot for the next `O` request now, and let the next call of `O`
    /// use it for its first attempt. The rotation waits here before writing its record, so a
    /// reload during the wait leaves no record of a request that never left
    /// (docs/rotation-safety.md §2).
    pub async fn wait_turn<O: Operation>(&self) {
        if let Some(limiters) = &self.limiters {
            let wait = limiters.acquire(O::NAME, seconds(self.transport.now()));
            if wait > 0.0 {
                self.transport.sleep(Duration::from_secs_f64(wait)).await;
            }
            self.reserved.set(Some(O::NAME));
        }
    }

    /// Send any KMS operation: serialise, resolve the endpoint, sign, send, retry, decode.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<O::Output, AwsError> {
        self.call_while(op, None).await
    }

    /// [`Client::call`], asking `gate` before each attempt (the first and every retry) whether
    /// it may still leave: a bulk run's pause stops the next attempt, never one on its way.
    pub async fn call_while<O: Operation>(
        &self,
        op: &O,
        gate: Option<&dyn Fn() -> bool>,
    ) -> Result<O::Output, AwsError> {
        let spec = Spec {
            operation: ApiOperation::new(O::SERVICE, O::NAME),
            idempotent: O::IDEMPOTENT,
            key_id: op.key_id(),
            headers: vec![
                ("Content-Type".to_string(), kms::CONTENT_TYPE.to_string()),
                (
                    "X-Amz-Target".to_string(),
                    format!("{}.{}", kms::target_prefix(O::SERVICE), O::NAME),
                ),
            ],
            secret_response: false,
            body: kms::request_body(op).map_err(|e| e.to_string()),
            gate,
        };
        self.execute(&spec, |body| {
            kms::decode_output(body).map_err(|e| e.to_string())
        })
        .await
    }

    /// STS GetCallerIdentity: who these credentials are.
    pub async fn caller_identity(&self) -> Result<CallerIdentity, AwsError> {
        let (headers, body) = sts::request_parts();
        let spec = Spec {
            operation: ApiOperation::sts(sts::OPERATION),
            idempotent: true,
            key_id: None,
            headers,
            secret_response: false,
            body: Ok(body),
            gate: None,
        };
        self.execute(&spec, sts::decode_caller_identity).await
    }

    /// STS AssumeRole: credentials for a role (docs/kms.md §5.2). Not idempotent in the
    /// retry sense only as far as every retry makes another session; that is harmless, so it
    /// retries like a read.
    pub async fn assume_role(&self, req: &sts::AssumeRole) -> Result<sts::AssumedRole, AwsError> {
        let (headers, body) = sts::assume_role_parts(req);
        let spec = Spec {
            operation: ApiOperation::sts(sts::ASSUME_ROLE),
            idempotent: true,
            key_id: None,
            headers,
            secret_response: true,
            body: Ok(body),
            gate: None,
        };
        self.execute(&spec, sts::decode_assume_role).await
    }

    /// Tell the operation's limiter how an answer went (network failures are not answers),
    /// and when its request was sent.
    fn pace(&self, spec: &Spec<'_>, sent: SystemTime, at: SystemTime, throttled: bool) {
        if let Some(limiters) = &self.limiters {
            limiters.on_response(spec.operation.name, seconds(sent), seconds(at), throttled);
        }
    }

    fn emit(&self, record: &RequestRecord) {
        if let Some(observer) = &self.observer {
            observer(record);
        }
    }

    /// Read `Date` and move the clock offset when it is 5 minutes or more off. True when moved.
    fn observe_date(&self, resp: &HttpResponse, local_now: SystemTime) -> bool {
        let Some(date) = resp.header("Date") else {
            return false;
        };
        match retry::clock_offset_update(self.clock_offset_ms.get(), local_now, date) {
            Some(offset) => {
                self.clock_offset_ms.set(offset);
                true
            }
            None => false,
        }
    }

    /// The one path of every call: build, sign and send `spec`, retrying per [`retry::decide`],
    /// then `decode` the 2xx body. Every error it returns names `spec.operation`.
    async fn execute<R>(
        &self,
        spec: &Spec<'_>,
        decode: impl FnOnce(&[u8]) -> Result<R, String>,
    ) -> Result<R, AwsError> {
        let result = match &spec.body {
            Err(detail) => Err(ErrorKind::Request {
                detail: detail.clone(),
            }
            .into()),
            Ok(body) => self.exchange(spec, body).await.and_then(|resp| {
                decode(&resp.body).map_err(|detail| {
                    ErrorKind::Decode {
                        status: resp.status,
                        request_id: request_id_of(&resp),
                        detail,
                    }
                    .into()
                })
            }),
        };
        result.map_err(|e| e.with_operation(spec.operation))
    }

    /// Sign and send `body`, retrying per [`retry::decide`]. Returns the 2xx response.
    async fn exchange(&self, spec: &Spec<'_>, body: &[u8]) -> Result<HttpResponse, AwsError> {
        let endpoint = resolve(spec.operation.service, &self.endpoint)?;
        let mut attempt: u32 = 1;
        let mut sequence: u32 = 1;
        let mut clock_retry_used = false;
        let mut last_retry_cost: Option<u32> = None;
        let mut reserved = self.reserved.take() == Some(spec.operation.name);
        // An earlier attempt whose answer does not say it did nothing (a 5xx, a dropped
        // connection): if the gate then stops the retry, that error is the call's answer, not
        // Stopped, because that attempt may have been applied.
        let mut unclear: Option<AwsError> = None;
        loop {
            if std::mem::take(&mut reserved) {
                // This attempt's slot was taken by wait_turn.
            } else if let Some(limiters) = &self.limiters {
                let wait = limiters.acquire(spec.operation.name, seconds(self.transport.now()));
                if wait > 0.0 {
                    self.transport.sleep(Duration::from_secs_f64(wait)).await;
                }
            }
            if spec.gate.is_some_and(|open| !open()) {
                return Err(unclear.unwrap_or_else(|| ErrorKind::Stopped.into()));
            }
            let started = self.transport.now();
            let mut req = HttpRequest {
                method: "POST".to_string(),
                url: endpoint.url.clone(),
                headers: spec.headers.clone(),
                body: body.to_vec(),
            };
            let signing_time = retry::apply_offset(started, self.clock_offset_ms.get());
            sign(
                &mut req,
                &self.credentials,
                &endpoint.signing_region,
                spec.operation.service,
                signing_time,
            )?;
            let mut record = RequestRecord {
                started,
                operation: spec.operation.name.to_string(),
                key_id: spec.key_id.map(str::to_string),
                method: req.method.clone(),
                url: req.url.clone(),
                attempt: sequence,
                status: None,
                duration_ms: 0,
                request_id: None,
                request_headers: redact_headers(&req.headers),
                request_body: body_text(&req.body),
                response_body: String::new(),
                error: None,
            };

            let result = self.transport.send(req).await;
            let finished = self.transport.now();
            record.duration_ms = finished
                .duration_since(started)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0);

            let (err, clock_corrected, retry_after) = match result {
                Ok(resp) => {
                    let corrected = self.observe_date(&resp, finished);
                    record.status = Some(resp.status);
                    record.request_id = request_id_of(&resp);
                    record.response_body = if spec.secret_response && resp.status < 300 {
                        SECRET_BODY.to_string()
                    } else {
                        body_text(&resp.body)
                    };
                    if (200..300).contains(&resp.status) {
                        self.pace(spec, started, finished, false);
                        self.emit(&record);
                        self.quota.borrow_mut().on_success(last_retry_cost);
                        return Ok(resp);
                    }
                    let err = decode_error(&resp);
                    self.pace(
                        spec,
                        started,
                        finished,
                        err.code().is_some_and(ErrorCode::is_throttling),
                    );
                    record.error = Some(err.to_string());
                    self.emit(&record);
                    let retry_after = resp
                        .header("x-amz-retry-after")
                        .and_then(retry::parse_retry_after);
                    (err, corrected, retry_after)
                }
                Err(e) => {
                    let err = AwsError::from(e);
                    record.error = Some(err.to_string());
                    self.emit(&record);
                    (err, false, None)
                }
            };

            let ctx = RetryContext {
                operation: spec.operation.name,
                idempotent: spec.idempotent,
                attempt,
                clock_corrected,
                clock_retry_used,
                retry_after,
                random: self.transport.random(),
            };
            let decision = retry::decide(&err, &ctx, &self.quota.borrow());
            match decision {
                Decision::Fail => return Err(err),
                Decision::OutcomeUnknown => {
                    return Err(ErrorKind::OutcomeUnknown {
                        cause: Box::new(err.kind),
                    }
                    .into())
                }
                Decision::RetryAfterClockCorrection => clock_retry_used = true,
                Decision::Retry { delay, cost } => {
                    if !self.quota.borrow_mut().try_acquire(cost) {
                        return Err(err);
                    }
                    if retry::acted(&err) != retry::Acted::No {
                        unclear = Some(err);
                    }
                    last_retry_cost = Some(cost);
                    self.transport.sleep(delay).await;
                    attempt += 1;
                }
            }
            sequence += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::endpoint::Service;
    use crate::aws::error::ErrorCode;
    use crate::aws::kms::{
        DescribeKey, EnableKeyRotation, GetKeyRotationStatus, KeyState, ListKeys, RotateKeyOnDemand,
    };
    use crate::aws::transport::fake::{FakeTransport, T0_MS};
    use crate::aws::transport::TransportError;
    use futures::executor::block_on;
    use std::time::Duration;

    const AKID: &str = "ASIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKENFwoGZXIvYXdzEBYaDHVzLWVhc3QtMSJHMEUCIQD";

    fn creds() -> Credentials {
        match Credentials::new(AKID, SECRET, Some(TOKEN.to_string()), None) {
            Ok(c) => c,
            Err(e) => panic!("test credentials rejected: {e}"),
        }
    }

    fn config() -> EndpointConfig {
        EndpointConfig {
            region: "eu-west-1".to_string(),
            fips: false,
            dual_stack: false,
            custom_url: None,
            sts_url: None,
        }
    }

    fn client() -> Client<FakeTransport> {
        Client::new(FakeTransport::new(), creds(), config())
    }

    fn recording_client() -> (Client<FakeTransport>, Rc<RefCell<Vec<RequestRecord>>>) {
        let log = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&log);
        let c = client().with_observer(Rc::new(move |r: &RequestRecord| {
            sink.borrow_mut().push(r.clone())
        }));
        (c, log)
    }

    fn header(req: &HttpRequest, name: &str) -> String {
        req.header(name).unwrap_or_default().to_string()
    }

    fn kms_error(code: &str) -> String {
        format!(r#"{{"__type":"com.amazonaws.kms#{code}","message":"m"}}"#)
    }

    #[test]
    fn call_builds_a_signed_kms_json_request() {
        let c = client();
        c.transport().reply(
            200,
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-RequestId", "r1"),
            ],
            r#"{"Keys":[{"KeyId":"k1","KeyArn":"arn:aws:kms:eu-west-1:111122223333:key/k1"}],"Truncated":false}"#,
        );
        let out = block_on(c.call(&ListKeys::default())).expect("ok");
        assert_eq!(out.keys.len(), 1);
        let reqs = c.transport().requests.borrow();
        let req = &reqs[0];
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "https://kms.eu-west-1.amazonaws.com/");
        assert_eq!(header(req, "X-Amz-Target"), "TrentService.ListKeys");
        assert_eq!(header(req, "Content-Type"), "application/x-amz-json-1.1");
        assert_eq!(req.body, b"{}");
        assert_eq!(header(req, "X-Amz-Date"), "20261125T120000Z");
        assert_eq!(header(req, "X-Amz-Security-Token"), TOKEN);
        let auth = header(req, "Authorization");
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20261125/eu-west-1/kms/aws4_request"
            ),
            "{auth}"
        );
        assert!(auth.contains("x-amz-target"), "{auth}");
        assert!(req.header("Host").is_none(), "the browser sets Host");
        assert_eq!(c.quota.borrow().available(), 500);
    }

    #[test]
    fn moto_style_successes_decode_regardless_of_content_type() {
        let c = client();
        c.transport()
            .reply(200, &[("Content-Type", "text/html; charset=utf-8")], "null")
            .reply(200, &[], "")
            .reply(200, &[], "{}")
            .reply(
                200,
                &[("Content-Type", "text/html")],
                r#"{"KeyMetadata":{"KeyId":"k","KeyState":"Enabled"}}"#,
            );
        let enable = EnableKeyRotation {
            key_id: "k".into(),
            rotation_period_in_days: Some(90),
        };
        for _ in 0..3 {
            assert!(block_on(c.call(&enable)).is_ok());
        }
        let d = block_on(c.call(&DescribeKey::new("k"))).expect("ok");
        assert_eq!(d.key_metadata.key_state, Some(KeyState::Enabled));
        let reqs = c.transport().requests.borrow();
        assert_eq!(reqs[0].body, br#"{"KeyId":"k","RotationPeriodInDays":90}"#);
    }

    #[test]
    fn unreadable_success_body_is_a_decode_error() {
        let c = client();
        c.transport()
            .reply(200, &[("x-amzn-RequestId", "rid")], "<html>hello</html>");
        let err = block_on(c.call(&ListKeys::default())).expect_err("decode error");
        assert!(
            matches!(err.kind, ErrorKind::Decode { status: 200, .. }),
            "{err:?}"
        );
        assert_eq!(err.request_id(), Some("rid"));
        assert_eq!(c.transport().sent(), 1, "decode errors are not retried");
    }

    #[test]
    fn throttling_backs_off_from_one_second_with_jitter() {
        let c = client();
        c.transport()
            .reply(400, &[], &kms_error("ThrottlingException"))
            .reply(400, &[], &kms_error("ThrottlingException"))
            .reply(200, &[], r#"{"Keys":[]}"#);
        block_on(c.call(&ListKeys::default())).expect("third attempt succeeds");
        assert_eq!(c.transport().sent(), 3);
        // random = 0.5: 0.5 * 1 s, then 0.5 * 2 s.
        assert_eq!(
            *c.transport().sleeps.borrow(),
            vec![Duration::from_millis(500), Duration::from_millis(1000)]
        );
        // 500 - 5 - 5 + 5 (refund of the last retry's cost).
        assert_eq!(c.quota.borrow().available(), 495);
    }

    #[test]
    fn transient_errors_use_the_50ms_base_and_stop_after_three_attempts() {
        let c = client();
        c.transport()
            .reply(503, &[], "")
            .push(Err(TransportError::Network("Failed to fetch".into())))
            .reply(
                500,
                &[("x-amzn-RequestId", "last")],
                &kms_error("KMSInternalException"),
            )
            .reply(200, &[], "{}");
        let err = block_on(c.call(&DescribeKey::new("k"))).expect_err("gives up");
        assert_eq!(err.code(), Some(&ErrorCode::KMSInternalException));
        assert_eq!(err.request_id(), Some("last"));
        assert_eq!(c.transport().sent(), 3);
        assert_eq!(
            *c.transport().sleeps.borrow(),
            vec![Duration::from_millis(25), Duration::from_millis(50)]
        );
        assert_eq!(c.quota.borrow().available(), 500 - 14 - 14);
    }

    #[test]
    fn retry_after_header_is_honoured_within_bounds() {
        let c = client();
        c.transport().random.set(0.0);
        c.transport()
            .reply(
                400,
                &[("x-amz-retry-after", "1500")],
                &kms_error("ThrottlingException"),
            )
            .reply(200, &[], "{}");
        block_on(c.call(&GetKeyRotationStatus::new("k"))).expect("ok");
        assert_eq!(
            *c.transport().sleeps.borrow(),
            vec![Duration::from_millis(1500)]
        );
    }

    #[test]
    fn permanent_errors_are_not_retried() {
        for code in [
            ErrorCode::NotFoundException,
            ErrorCode::AccessDeniedException,
            ErrorCode::KMSInvalidStateException,
            ErrorCode::UnsupportedOperationException,
        ] {
            let c = client();
            c.transport().reply(400, &[], &kms_error(code.as_str()));
            let err = block_on(c.call(&DescribeKey::new("k"))).expect_err("fails");
            assert_eq!(err.code(), Some(&code));
            assert_eq!(c.transport().sent(), 1, "{code}");
            assert!(c.transport().sleeps.borrow().is_empty());
        }
    }

    #[test]
    fn rotate_key_on_demand_is_never_resent_after_an_ambiguous_failure() {
        let ambiguous: Vec<Result<HttpResponse, TransportError>> = vec![
            Err(TransportError::Network("TypeError: Failed to fetch".into())),
            Err(TransportError::Timeout),
            Err(TransportError::Aborted),
            Ok(crate::aws::transport::fake::response(
                500,
                &[],
                &kms_error("KMSInternalException"),
            )),
            Ok(crate::aws::transport::fake::response(
                503,
                &[],
                &kms_error("DependencyTimeoutException"),
            )),
            Ok(crate::aws::transport::fake::response(
                502,
                &[("content-type", "text/html")],
                "<html><title>Bad Gateway</title></html>",
            )),
        ];
        for first in ambiguous {
            let c = client();
            c.transport()
                .push(first.clone())
                .reply(200, &[], r#"{"KeyId":"k"}"#);
            let err = block_on(c.call(&RotateKeyOnDemand::new("k"))).expect_err("unknown");
            assert!(
                matches!(err.kind, ErrorKind::OutcomeUnknown { .. }),
                "{first:?} -> {err:?}"
            );
            assert_eq!(c.transport().sent(), 1, "{first:?} was resent");
            assert!(c.transport().sleeps.borrow().is_empty());
        }
    }

    #[test]
    fn rotate_key_on_demand_limit_exceeded_is_final() {
        let c = client();
        c.transport()
            .reply(400, &[], &kms_error("LimitExceededException"))
            .reply(200, &[], r#"{"KeyId":"k"}"#);
        let err = block_on(c.call(&RotateKeyOnDemand::new("k"))).expect_err("limit");
        assert_eq!(err.code(), Some(&ErrorCode::LimitExceededException));
        assert!(!matches!(err.kind, ErrorKind::OutcomeUnknown { .. }));
        assert_eq!(c.transport().sent(), 1);
    }

    #[test]
    fn rotate_key_on_demand_retries_a_throttled_request() {
        let c = client();
        c.transport()
            .reply(400, &[], &kms_error("ThrottlingException"))
            .reply(200, &[], r#"{"KeyId":"k"}"#);
        let out = block_on(c.call(&RotateKeyOnDemand::new("k"))).expect("ok");
        assert_eq!(out.key_id.as_deref(), Some("k"));
        assert_eq!(c.transport().sent(), 2);
    }

    #[test]
    fn a_closed_gate_stops_a_retry_and_says_whether_an_attempt_may_have_acted() {
        let closed = || false;
        let op = EnableKeyRotation {
            key_id: "k".into(),
            rotation_period_in_days: Some(180),
        };
        // Closed from the start: nothing leaves.
        let c = client();
        c.transport().reply(200, &[], "");
        let err = block_on(c.call_while(&op, Some(&closed))).expect_err("stopped");
        assert_eq!(err.kind, ErrorKind::Stopped);
        assert_eq!(c.transport().sent(), 0);
        // Throttled, then closed: the throttled attempt did nothing, so Stopped.
        let c = client();
        let open = std::cell::Cell::new(true);
        let gate = || open.replace(false);
        c.transport()
            .reply(400, &[], &kms_error("ThrottlingException"))
            .reply(200, &[], "");
        let err = block_on(c.call_while(&op, Some(&gate))).expect_err("stopped");
        assert_eq!(err.kind, ErrorKind::Stopped);
        assert_eq!(c.transport().sent(), 1);
        // A 500 (it may have been applied), then closed: the 500 is the answer, not Stopped.
        let c = client();
        let open = std::cell::Cell::new(true);
        let gate = || open.replace(false);
        c.transport()
            .reply(500, &[], &kms_error("KMSInternalException"))
            .reply(200, &[], "");
        let err = block_on(c.call_while(&op, Some(&gate))).expect_err("unclear");
        assert_eq!(err.code(), Some(&ErrorCode::KMSInternalException));
        assert_eq!(c.transport().sent(), 1);
    }

    #[test]
    fn clock_skew_sets_the_offset_and_resends_once() {
        let (c, log) = recording_client();
        // Local clock is 12:00:00; AWS says 12:10:00.
        c.transport()
            .reply(
                400,
                &[("Date", "Wed, 25 Nov 2026 12:10:00 GMT")],
                r#"{"__type":"InvalidSignatureException","message":"Signature not yet current"}"#,
            )
            .reply(
                200,
                &[("Date", "Wed, 25 Nov 2026 12:10:00 GMT")],
                r#"{"KeyId":"k"}"#,
            )
            .reply(200, &[], r#"{"KeyRotationEnabled":true}"#);
        block_on(c.call(&RotateKeyOnDemand::new("k"))).expect("resent after correction");
        assert!(c.transport().sleeps.borrow().is_empty(), "no backoff");
        // First response arrived at T0 + 7 ms.
        assert_eq!(c.clock_offset_ms(), 600_000 - 7);
        {
            let reqs = c.transport().requests.borrow();
            assert_eq!(reqs.len(), 2);
            assert_eq!(header(&reqs[0], "X-Amz-Date"), "20261125T120000Z");
            assert_eq!(header(&reqs[1], "X-Amz-Date"), "20261125T121000Z");
        }
        // Later requests keep the offset.
        block_on(c.call(&GetKeyRotationStatus::new("k"))).expect("ok");
        let reqs = c.transport().requests.borrow();
        assert_eq!(header(&reqs[2], "X-Amz-Date"), "20261125T121000Z");
        assert_eq!(
            log.borrow().iter().map(|r| r.attempt).collect::<Vec<_>>(),
            vec![1, 2, 1]
        );
        assert!(c.now() > c.transport().now());
    }

    #[test]
    fn skew_error_without_a_usable_date_is_not_resent() {
        let c = client();
        c.transport()
            .reply(
                403,
                &[("Date", "Wed, 25 Nov 2026 12:01:00 GMT")],
                r#"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message></Error></ErrorResponse>"#,
            )
            .reply(200, &[], "{}");
        let err = block_on(c.call(&ListKeys::default())).expect_err("wrong secret");
        assert_eq!(err.code(), Some(&ErrorCode::SignatureDoesNotMatch));
        assert_eq!(c.transport().sent(), 1);
        assert_eq!(c.clock_offset_ms(), 0);
    }

    #[test]
    fn clock_correction_resend_happens_only_once() {
        let c = client();
        c.transport()
            .reply(
                400,
                &[("Date", "Wed, 25 Nov 2026 12:10:00 GMT")],
                &kms_error("InvalidSignatureException"),
            )
            .reply(
                400,
                &[("Date", "Wed, 25 Nov 2026 12:30:00 GMT")],
                &kms_error("InvalidSignatureException"),
            )
            .reply(200, &[], "{}");
        let err = block_on(c.call(&ListKeys::default())).expect_err("gives up");
        assert_eq!(err.code(), Some(&ErrorCode::InvalidSignatureException));
        assert_eq!(c.transport().sent(), 2);
    }

    #[test]
    fn success_responses_also_correct_the_clock() {
        let c = client();
        c.transport()
            .reply(200, &[("Date", "Wed, 25 Nov 2026 11:50:00 GMT")], "{}");
        block_on(c.call(&ListKeys::default())).expect("ok");
        assert_eq!(c.clock_offset_ms(), -600_000 - 7);
    }

    // Paging through the client is tested where it is done: console::inventory::every_page.

    #[test]
    fn marker_guard_stops_an_endless_endpoint() {
        // An endpoint that always has one more page, each with a new marker.
        let mut guard = MarkerGuard::default();
        let mut op = ListKeys::default();
        let mut pages = 0;
        let err = loop {
            guard.sent(&op);
            pages += 1;
            match guard.advance(&mut op, Some(format!("m{pages}")), true) {
                Ok(true) => {}
                Ok(false) => panic!("ended"),
                Err(e) => break e,
            }
        };
        assert_eq!(pages, MAX_PAGES);
        assert!(err.to_string().contains("more pages"), "{err}");
        assert_eq!(err.operation, Some(ApiOperation::kms("ListKeys")));
        let mut op = ListKeys::default();
        assert_eq!(
            MarkerGuard::default().advance(&mut op, None, false),
            Ok(false)
        );
    }

    #[test]
    fn every_error_of_a_call_names_its_operation() {
        let c = client();
        c.transport()
            .reply(400, &[], &kms_error("NotFoundException"))
            .push(Err(TransportError::Timeout))
            .push(Err(TransportError::Timeout))
            .push(Err(TransportError::Timeout))
            .reply(200, &[], "<html>")
            .reply(500, &[], "")
            .reply(403, &[], "<Error><Code>AccessDenied</Code></Error>");
        let describe = ApiOperation::kms("DescribeKey");
        let err = block_on(c.call(&DescribeKey::new("k"))).expect_err("not found");
        assert_eq!(err.operation, Some(describe));
        assert!(
            err.user_message().starts_with("DescribeKey failed"),
            "{err:?}"
        );
        let err = block_on(c.call(&GetKeyRotationStatus::new("k"))).expect_err("timeout");
        assert_eq!(err.kind, ErrorKind::Timeout);
        assert_eq!(
            err.operation,
            Some(ApiOperation::kms("GetKeyRotationStatus"))
        );
        let err = block_on(c.call(&DescribeKey::new("k"))).expect_err("unreadable");
        assert!(matches!(err.kind, ErrorKind::Decode { .. }), "{err:?}");
        assert_eq!(err.operation, Some(describe));
        assert!(
            err.to_string().contains("the DescribeKey response"),
            "{err}"
        );
        let err = block_on(c.call(&RotateKeyOnDemand::new("k"))).expect_err("5xx");
        assert!(matches!(err.kind, ErrorKind::OutcomeUnknown { .. }));
        assert_eq!(err.operation, Some(ApiOperation::kms("RotateKeyOnDemand")));
        let err = block_on(c.caller_identity()).expect_err("denied");
        let sts = ApiOperation::sts("GetCallerIdentity");
        assert_eq!(err.operation, Some(sts));
        assert_eq!(sts.service, Service::Sts);
        assert!(
            err.user_message().contains("sts:GetCallerIdentity"),
            "{err:?}"
        );
        // Errors before anything is sent name the call too.
        let mut cfg = config();
        cfg.region = "xx-nowhere-1".into();
        let c = Client::new(FakeTransport::new(), creds(), cfg);
        let err = block_on(c.call(&ListKeys::default())).expect_err("bad region");
        assert_eq!(err.operation, Some(ApiOperation::kms("ListKeys")));
    }

    #[test]
    fn caller_identity_is_a_signed_sts_query_post() {
        let c = client();
        c.transport().reply(
            200,
            &[("x-amzn-RequestId", "sts-1")],
            r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"111122223333","Arn":"arn:aws:sts::111122223333:assumed-role/r/s","UserId":"AROA:s"},"ResponseMetadata":{"RequestId":"sts-1"}}}"#,
        );
        let id = block_on(c.caller_identity()).expect("ok");
        assert_eq!(id.account, "111122223333");
        let reqs = c.transport().requests.borrow();
        let req = &reqs[0];
        assert_eq!(req.url, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(req.body, b"Action=GetCallerIdentity&Version=2011-06-15");
        assert_eq!(header(req, "Accept"), "application/json");
        assert!(header(req, "Content-Type").starts_with("application/x-www-form-urlencoded"));
        assert!(req.header("X-Amz-Target").is_none());
        assert!(header(req, "Authorization").contains("/eu-west-1/sts/aws4_request"));
    }

    #[test]
    fn caller_identity_reads_xml_and_xml_errors() {
        let c = client();
        c.transport()
            .reply(
                200,
                &[("Content-Type", "text/xml")],
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/u</Arn><UserId>AIDA</UserId><Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
            )
            .reply(
                403,
                &[],
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>x-1</RequestId></ErrorResponse>",
            );
        assert_eq!(
            block_on(c.caller_identity()).map(|i| i.arn),
            Ok("arn:aws:iam::1:user/u".to_string())
        );
        let err = block_on(c.caller_identity()).expect_err("bad token");
        assert_eq!(err.code(), Some(&ErrorCode::InvalidClientTokenId));
        assert_eq!(err.request_id(), Some("x-1"));
        assert_eq!(err.status(), Some(403));
    }

    #[test]
    fn endpoint_errors_send_nothing() {
        let mut cfg = config();
        cfg.region = "xx-nowhere-1".into();
        let c = Client::new(FakeTransport::new(), creds(), cfg);
        let err = block_on(c.call(&ListKeys::default())).expect_err("bad region");
        assert!(matches!(err.kind, ErrorKind::Endpoint(_)), "{err:?}");
        assert_eq!(c.transport().sent(), 0);
    }

    #[test]
    fn custom_endpoint_is_used_for_kms_and_sts() {
        let mut cfg = config();
        cfg.custom_url = Some("http://127.0.0.1:4599".into());
        let c = Client::new(FakeTransport::new(), creds(), cfg);
        c.transport().reply(200, &[], "{}").reply(
            200,
            &[],
            r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"1","Arn":"arn:aws:iam::1:user/u"}}}"#,
        );
        block_on(c.call(&ListKeys::default())).expect("ok");
        block_on(c.caller_identity()).expect("ok");
        let reqs = c.transport().requests.borrow();
        assert!(reqs.iter().all(|r| r.url == "http://127.0.0.1:4599/"));
        assert!(header(&reqs[0], "Authorization").contains("/eu-west-1/kms/"));
        assert!(header(&reqs[1], "Authorization").contains("/eu-west-1/sts/"));
    }

    #[test]
    fn request_records_describe_each_attempt_and_never_hold_secrets() {
        let (c, log) = recording_client();
        c.transport()
            .reply(400, &[], &kms_error("ThrottlingException"))
            .reply(
                200,
                &[("x-amzn-RequestId", "r-ok")],
                r#"{"KeyId":"k","KeyRotationEnabled":false}"#,
            )
            .push(Err(TransportError::Timeout))
            .reply(
                403,
                &[],
                "<Error><Code>SignatureDoesNotMatch</Code></Error>",
            );
        block_on(c.call(&GetKeyRotationStatus::new("k"))).expect("ok");
        let _ = block_on(c.call(&RotateKeyOnDemand::new("k")));
        let _ = block_on(c.caller_identity());
        let log = log.borrow();
        assert_eq!(log.len(), 4);
        assert_eq!(log[0].operation, "GetKeyRotationStatus");
        assert_eq!(log[0].key_id.as_deref(), Some("k"));
        assert_eq!(log[0].status, Some(400));
        assert!(log[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("ThrottlingException"));
        assert_eq!((log[1].attempt, log[1].status), (2, Some(200)));
        assert_eq!(log[1].request_id.as_deref(), Some("r-ok"));
        assert_eq!(log[1].request_body, r#"{"KeyId":"k"}"#);
        assert!(log[1].response_body.contains("KeyRotationEnabled"));
        assert_eq!(log[2].status, None);
        assert_eq!(log[2].error.as_deref(), Some("the request timed out"));
        assert_eq!(log[3].operation, "GetCallerIdentity");
        assert_eq!(
            log[0].started,
            SystemTime::UNIX_EPOCH + Duration::from_millis(T0_MS)
        );
        assert_eq!(log[0].duration_ms, 7);

        let signature = {
            let reqs = c.transport().requests.borrow();
            let auth = header(&reqs[0], "Authorization");
            auth.rsplit("Signature=")
                .next()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(signature.len(), 64);
        for r in log.iter() {
            let text = format!("{r:?}");
            assert!(!text.contains(SECRET), "secret leaked: {text}");
            assert!(!text.contains(TOKEN), "token leaked: {text}");
            assert!(!text.contains(&signature), "signature leaked: {text}");
            let auth = r
                .request_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            assert!(auth.contains("Credential=ASIAIOSFODNN7EXAMPLE/"), "{auth}");
            assert!(auth.ends_with("Signature=<redacted>"), "{auth}");
            assert!(r
                .request_headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("x-amz-security-token") && v == REDACTED));
            assert!(r
                .request_headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("x-amz-date")));
        }
    }

    #[test]
    fn redaction_handles_odd_headers() {
        let h = vec![
            ("authorization".to_string(), "Basic abc".to_string()),
            (
                "Authorization".to_string(),
                "AWS4-HMAC-SHA256 Credential=A/x, SignedHeaders=host, Signature=abc, Extra=1"
                    .to_string(),
            ),
            ("X-Custom-Secret".to_string(), "s".to_string()),
            (
                "X-Amz-Target".to_string(),
                "TrentService.ListKeys".to_string(),
            ),
        ];
        let r = redact_headers(&h);
        assert_eq!(r[0].1, REDACTED);
        assert_eq!(
            r[1].1,
            "AWS4-HMAC-SHA256 Credential=A/x, SignedHeaders=host, Signature=<redacted>, Extra=1"
        );
        assert_eq!(r[2].1, REDACTED);
        assert_eq!(r[3].1, "TrentService.ListKeys");
    }

    #[test]
    fn large_bodies_are_cut_in_the_log() {
        let big = vec![b'a'; MAX_LOGGED_BODY + 10];
        let s = body_text(&big);
        assert!(s.ends_with("(cut)"));
        assert!(s.len() < MAX_LOGGED_BODY + 20);
    }

    #[test]
    fn quota_runs_dry_under_a_storm_and_refills_on_success() {
        let c = client();
        // 18 calls x 2 retries x 14 = 504 > 500: the last calls stop retrying.
        for _ in 0..18 {
            for _ in 0..3 {
                c.transport().reply(503, &[], "");
            }
        }
        let mut sent_before = 0;
        let mut attempts = Vec::new();
        for _ in 0..18 {
            let _ = block_on(c.call(&ListKeys::default()));
            attempts.push(c.transport().sent() - sent_before);
            sent_before = c.transport().sent();
            // Drop what a call did not consume so each call starts on its own script.
            while c.transport().responses.borrow().len() > (18 - attempts.len()) * 3 {
                c.transport().responses.borrow_mut().pop_front();
            }
        }
        assert_eq!(attempts[0], 3);
        assert!(attempts.iter().any(|&a| a < 3), "{attempts:?}");
        assert!(c.quota.borrow().available() < RETRY_COST_FOR_TEST);
    }

    const RETRY_COST_FOR_TEST: u32 = retry::RETRY_COST;
}
