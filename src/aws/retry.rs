//! Retry decisions: the SDKs' "standard" mode as of Nov 2026 (docs/kms.md §4.4 Retry rules in
//! detail, §4.5 Clock skew), with the exceptions this console needs for RotateKeyOnDemand (its
//! LimitExceededException means §3.5 The on-demand limit: 25 per key). Pure functions and a
//! small token bucket; the loop that uses them is in `client.rs`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::aws::error::{AwsError, ErrorCode, ErrorKind};

/// The initial request plus 2 retries (§4.4 Retry rules in detail).
pub const MAX_ATTEMPTS: u32 = 3;
/// Backoff base for throttling errors (2026 standard mode, §4.4 Retry rules in detail).
pub const THROTTLING_BASE: Duration = Duration::from_secs(1);
/// Backoff base for transient errors (2026 standard mode, §4.4 Retry rules in detail).
pub const TRANSIENT_BASE: Duration = Duration::from_millis(50);
/// Cap of the exponential backoff before jitter (§4.4 Retry rules in detail).
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// `x-amz-retry-after` may stretch the delay by at most this much (§4.4 Retry rules in detail).
pub const MAX_RETRY_AFTER_EXTRA: Duration = Duration::from_secs(5);
/// Token bucket (§4.4 Retry rules in detail): start, cost of a non-throttling retry, of a
/// throttling retry, and the refund for a success without retries.
pub const INITIAL_RETRY_TOKENS: u32 = 500;
pub const RETRY_COST: u32 = 14;
pub const THROTTLING_RETRY_COST: u32 = 5;
pub const NO_RETRY_INCREMENT: u32 = 1;
/// A `Date` header this far from local time (plus the current offset) resets the offset (§4.5
/// Clock skew, js-v3 `isClockSkewed`: `>= 300000` ms).
pub const CLOCK_SKEW_THRESHOLD_MS: i64 = 300_000;

/// The operation that must never be resent after an ambiguous failure (docs/rotation-safety.md
/// §2 Sending: once, after a fresh look, under a lock).
pub const ROTATE_KEY_ON_DEMAND: &str = "RotateKeyOnDemand";

// The throttling, transient and clock-skew codes (§4.4 Retry rules in detail) are
// `ErrorCode::is_throttling`, `is_transient` and `is_clock_skew`: one list each, shared with the
// sentences in error.rs.

const TRANSIENT_STATUSES: &[u16] = &[500, 502, 503, 504];

/// What kind of failure an error is, for retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    Throttling,
    Transient,
    ClockSkew,
    /// Cancelled by the console: never retried.
    Aborted,
    Permanent,
}

pub fn classify(err: &AwsError) -> ErrorClass {
    match &err.kind {
        ErrorKind::Network(_) | ErrorKind::Timeout => ErrorClass::Transient,
        ErrorKind::Aborted => ErrorClass::Aborted,
        ErrorKind::Service { code, status, .. } => {
            if code.is_throttling() || *status == 429 {
                ErrorClass::Throttling
            } else if code.is_transient() || TRANSIENT_STATUSES.contains(status) {
                ErrorClass::Transient
            } else if code.is_clock_skew() {
                ErrorClass::ClockSkew
            } else {
                ErrorClass::Permanent
            }
        }
        // No code: the status decides (docs/kms.md §1.6 Error responses).
        ErrorKind::Http { status, .. } if *status == 429 => ErrorClass::Throttling,
        ErrorKind::Http { status, .. } if TRANSIENT_STATUSES.contains(status) => {
            ErrorClass::Transient
        }
        _ => ErrorClass::Permanent,
    }
}

/// True when the failure does not tell whether the server acted on the request: no response
/// (network, timeout, cancel) or a server fault. A throttling answer is a clear "not done".
pub fn is_ambiguous(err: &AwsError) -> bool {
    match &err.kind {
        ErrorKind::Network(_) | ErrorKind::Timeout | ErrorKind::Aborted => true,
        // Any server fault, whatever code it carries (a 5xx "throttling" answer from something
        // in front of KMS may still come after the work), and request timeouts (408, 499).
        ErrorKind::Service { .. } | ErrorKind::Http { .. } => {
            let status = err.status().unwrap_or(0);
            status >= 500 || matches!(status, 408 | 499) || classify(err) == ErrorClass::Transient
        }
        // A success status with an unreadable body: the server did act.
        _ => false,
    }
}

/// What a failed state-changing request says about whether the server acted on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acted {
    /// A 2xx answer, even one whose body could not be read: the server did the work.
    Yes,
    /// An error answer that means nothing was done (4xx, throttling, LimitExceeded...).
    No,
    /// No answer, a cancelled request or a server fault: it may or may not have happened.
    Unknown,
}

/// The one rule for "did it happen?" (docs/rotation-safety.md §2): the rotation driver decides
/// between following, failing and reconciling with it.
pub fn acted(err: &AwsError) -> Acted {
    match &err.kind {
        ErrorKind::OutcomeUnknown { .. } => Acted::Unknown,
        ErrorKind::Decode { status, .. } if (200..300).contains(status) => Acted::Yes,
        _ if is_ambiguous(err) => Acted::Unknown,
        _ => Acted::No,
    }
}

/// The SDK token bucket that stops retry storms (§4.4 Retry rules in detail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryQuota {
    available: u32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota {
            available: INITIAL_RETRY_TOKENS,
        }
    }
}

impl RetryQuota {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn available(&self) -> u32 {
        self.available
    }

    pub fn can_acquire(&self, cost: u32) -> bool {
        self.available >= cost
    }

    /// Take `cost` tokens; false (and nothing taken) when there are not enough.
    pub fn try_acquire(&mut self, cost: u32) -> bool {
        if self.available >= cost {
            self.available -= cost;
            true
        } else {
            false
        }
    }

    /// Give tokens back, never above the initial capacity.
    pub fn release(&mut self, amount: u32) {
        self.available = self
            .available
            .saturating_add(amount)
            .min(INITIAL_RETRY_TOKENS);
    }

    /// After a success: refund the last retry's cost, or 1 when the call was not retried.
    pub fn on_success(&mut self, last_retry_cost: Option<u32>) {
        self.release(last_retry_cost.unwrap_or(NO_RETRY_INCREMENT));
    }
}

/// Full-jitter exponential backoff: `random * min(base * 2^(attempt-1), 20 s)`, then
/// `max(t, min(retry_after, t + 5 s))` when the server sent `x-amz-retry-after` (§4.4 Retry
/// rules in detail).
/// `attempt` is the 1-based number of the attempt that just failed.
pub fn backoff(
    class: ErrorClass,
    attempt: u32,
    random: f64,
    retry_after: Option<Duration>,
) -> Duration {
    let base = if class == ErrorClass::Throttling {
        THROTTLING_BASE
    } else {
        TRANSIENT_BASE
    };
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
    let ceiling = base.saturating_mul(factor).min(MAX_BACKOFF);
    let random = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let t = ceiling.mul_f64(random);
    match retry_after {
        Some(h) => t.max(h.min(t + MAX_RETRY_AFTER_EXTRA)),
        None => t,
    }
}

/// `x-amz-retry-after` is an integer number of milliseconds.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_millis)
}

/// What to do after a failed attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Return the error.
    Fail,
    /// Return `AwsError::OutcomeUnknown`: a non-idempotent request failed ambiguously.
    OutcomeUnknown,
    /// Re-sign with the corrected clock and resend at once (at most once per call).
    RetryAfterClockCorrection,
    /// Sleep `delay`, pay `cost` from the quota, resend.
    Retry { delay: Duration, cost: u32 },
}

/// Everything [`decide`] needs to know about the call besides the error.
#[derive(Clone, Debug)]
pub struct RetryContext<'a> {
    pub operation: &'a str,
    /// False for operations whose repetition has an effect (RotateKeyOnDemand).
    pub idempotent: bool,
    /// 1-based number of the attempt that failed (clock-correction resends not counted).
    pub attempt: u32,
    /// This response moved the clock offset.
    pub clock_corrected: bool,
    /// The one clock-correction resend has already been used.
    pub clock_retry_used: bool,
    pub retry_after: Option<Duration>,
    /// Uniform in [0, 1).
    pub random: f64,
}

pub fn decide(err: &AwsError, ctx: &RetryContext<'_>, quota: &RetryQuota) -> Decision {
    let not_idempotent = !ctx.idempotent || ctx.operation == ROTATE_KEY_ON_DEMAND;
    if not_idempotent && is_ambiguous(err) {
        return Decision::OutcomeUnknown;
    }
    let class = classify(err);
    if class == ErrorClass::ClockSkew && ctx.clock_corrected && !ctx.clock_retry_used {
        return Decision::RetryAfterClockCorrection;
    }
    // For RotateKeyOnDemand, LimitExceededException is the exhausted per-key quota: permanent,
    // although SDK classifiers call it throttling (§4.4 Retry rules in detail, §3.5 The
    // on-demand limit: 25 per key).
    if not_idempotent && matches!(err.code(), Some(ErrorCode::LimitExceededException)) {
        return Decision::Fail;
    }
    let cost = match class {
        ErrorClass::Throttling => THROTTLING_RETRY_COST,
        ErrorClass::Transient => RETRY_COST,
        _ => return Decision::Fail,
    };
    if ctx.attempt >= MAX_ATTEMPTS || !quota.can_acquire(cost) {
        return Decision::Fail;
    }
    Decision::Retry {
        delay: backoff(class, ctx.attempt, ctx.random, ctx.retry_after),
        cost,
    }
}

/// Parse an HTTP-date (`Date` header) to epoch milliseconds.
pub fn parse_http_date_ms(value: &str) -> Option<i64> {
    aws_smithy_types::DateTime::from_str(
        value.trim(),
        aws_smithy_types::date_time::Format::HttpDate,
    )
    .ok()?
    .to_millis()
    .ok()
}

pub fn epoch_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// `t` moved by a signed offset in milliseconds.
pub fn apply_offset(t: SystemTime, offset_ms: i64) -> SystemTime {
    let d = Duration::from_millis(offset_ms.unsigned_abs());
    if offset_ms >= 0 {
        t.checked_add(d).unwrap_or(t)
    } else {
        t.checked_sub(d).unwrap_or(t)
    }
}

/// The new clock offset when the server's `Date` is 5 minutes or more away from
/// `local_now + current_offset_ms`; `None` when the current offset is still good (§4.5 Clock
/// skew).
pub fn clock_offset_update(
    current_offset_ms: i64,
    local_now: SystemTime,
    server_date: &str,
) -> Option<i64> {
    let server = parse_http_date_ms(server_date)?;
    let local = epoch_ms(local_now);
    let corrected = local.saturating_add(current_offset_ms);
    // `abs_diff`: the saturated difference can be i64::MIN, whose `abs` overflows.
    if server.abs_diff(corrected) >= CLOCK_SKEW_THRESHOLD_MS.unsigned_abs() {
        Some(server.saturating_sub(local))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, status: u16) -> AwsError {
        ErrorKind::Service {
            code: ErrorCode::from(code),
            message: String::new(),
            status,
            request_id: None,
        }
        .into()
    }

    fn http(status: u16) -> AwsError {
        ErrorKind::Http {
            status,
            request_id: None,
            content_type: None,
            excerpt: String::new(),
        }
        .into()
    }

    fn network(detail: &str) -> AwsError {
        ErrorKind::Network(detail.into()).into()
    }

    const TIMEOUT: AwsError = AwsError {
        operation: None,
        kind: ErrorKind::Timeout,
    };
    const ABORTED: AwsError = AwsError {
        operation: None,
        kind: ErrorKind::Aborted,
    };

    fn ctx(op: &str, attempt: u32) -> RetryContext<'_> {
        RetryContext {
            operation: op,
            idempotent: op != ROTATE_KEY_ON_DEMAND,
            attempt,
            clock_corrected: false,
            clock_retry_used: false,
            retry_after: None,
            random: 1.0,
        }
    }

    #[test]
    fn classifies_codes_and_statuses() {
        assert_eq!(
            classify(&service("ThrottlingException", 400)),
            ErrorClass::Throttling
        );
        assert_eq!(
            classify(&service("LimitExceededException", 400)),
            ErrorClass::Throttling
        );
        assert_eq!(classify(&service("Anything", 429)), ErrorClass::Throttling);
        assert_eq!(classify(&http(429)), ErrorClass::Throttling);
        assert_eq!(
            classify(&service("KMSInternalException", 500)),
            ErrorClass::Transient
        );
        assert_eq!(
            classify(&service("DependencyTimeoutException", 503)),
            ErrorClass::Transient
        );
        assert_eq!(
            classify(&service("RequestTimeout", 400)),
            ErrorClass::Transient
        );
        assert_eq!(classify(&service("Whatever", 502)), ErrorClass::Transient);
        for s in [500, 502, 503, 504] {
            assert_eq!(classify(&http(s)), ErrorClass::Transient, "{s}");
        }
        assert_eq!(classify(&http(501)), ErrorClass::Permanent);
        assert_eq!(classify(&network("x")), ErrorClass::Transient);
        assert_eq!(classify(&TIMEOUT), ErrorClass::Transient);
        assert_eq!(classify(&ABORTED), ErrorClass::Aborted);
        assert_eq!(
            classify(&service("InvalidSignatureException", 400)),
            ErrorClass::ClockSkew
        );
        assert_eq!(
            classify(&service("SignatureDoesNotMatch", 403)),
            ErrorClass::ClockSkew
        );
        for code in [
            "NotFoundException",
            "DisabledException",
            "KMSInvalidStateException",
            "UnsupportedOperationException",
            "InvalidArnException",
            "AccessDeniedException",
            "ConflictException",
        ] {
            assert_eq!(
                classify(&service(code, 400)),
                ErrorClass::Permanent,
                "{code}"
            );
        }
    }

    #[test]
    fn ambiguity() {
        assert!(is_ambiguous(&network("x")));
        assert!(is_ambiguous(&TIMEOUT));
        assert!(is_ambiguous(&ABORTED));
        assert!(is_ambiguous(&http(502)));
        assert!(is_ambiguous(&http(501)));
        assert!(is_ambiguous(&service("KMSInternalException", 500)));
        assert!(is_ambiguous(&service("DependencyTimeoutException", 400)));
        assert!(!is_ambiguous(&service("ThrottlingException", 400)));
        // A throttling code on a server fault (S3-style SlowDown 503): KMS never answers so, so
        // something in front did, possibly after the work; a rotation is not resent on it.
        assert!(is_ambiguous(&service("SlowDown", 503)));
        assert!(!is_ambiguous(&service("NotFoundException", 400)));
        assert!(!is_ambiguous(&http(403)));
    }

    #[test]
    fn standard_mode_retries_throttling_and_transient_up_to_three_attempts() {
        let q = RetryQuota::new();
        let thr = service("ThrottlingException", 400);
        assert_eq!(
            decide(&thr, &ctx("ListKeys", 1), &q),
            Decision::Retry {
                delay: Duration::from_secs(1),
                cost: THROTTLING_RETRY_COST
            }
        );
        assert_eq!(
            decide(&thr, &ctx("ListKeys", 2), &q),
            Decision::Retry {
                delay: Duration::from_secs(2),
                cost: THROTTLING_RETRY_COST
            }
        );
        assert_eq!(decide(&thr, &ctx("ListKeys", 3), &q), Decision::Fail);
        assert_eq!(
            decide(&http(503), &ctx("DescribeKey", 1), &q),
            Decision::Retry {
                delay: Duration::from_millis(50),
                cost: RETRY_COST
            }
        );
        assert_eq!(
            decide(&TIMEOUT, &ctx("DescribeKey", 2), &q),
            Decision::Retry {
                delay: Duration::from_millis(100),
                cost: RETRY_COST
            }
        );
        assert_eq!(
            decide(
                &service("NotFoundException", 400),
                &ctx("DescribeKey", 1),
                &q
            ),
            Decision::Fail
        );
        assert_eq!(decide(&ABORTED, &ctx("DescribeKey", 1), &q), Decision::Fail);
    }

    #[test]
    fn rotate_key_on_demand_is_never_resent_after_ambiguous_failure() {
        let q = RetryQuota::new();
        for err in [
            network("Failed to fetch"),
            TIMEOUT,
            ABORTED,
            http(500),
            http(502),
            http(503),
            http(504),
            service("KMSInternalException", 500),
            service("DependencyTimeoutException", 500),
            // A server fault is ambiguous whatever code it carries, and so is a timeout status.
            service("ThrottlingException", 503),
            service("SlowDown", 500),
            http(408),
            http(499),
        ] {
            assert_eq!(
                decide(&err, &ctx(ROTATE_KEY_ON_DEMAND, 1), &q),
                Decision::OutcomeUnknown,
                "{err:?}"
            );
            assert_eq!(acted(&err), Acted::Unknown, "{err:?}");
        }
        // A 2xx whose body could not be read: the server acted.
        let unreadable = AwsError::from(ErrorKind::Decode {
            status: 200,
            request_id: None,
            detail: "EOF".into(),
        })
        .with_operation(crate::aws::error::ApiOperation::kms(ROTATE_KEY_ON_DEMAND));
        assert_eq!(acted(&unreadable), Acted::Yes);
        assert_eq!(acted(&service("ThrottlingException", 400)), Acted::No);
        assert_eq!(acted(&http(429)), Acted::No);
        // Even when the caller forgot to mark it non-idempotent.
        let mut c = ctx(ROTATE_KEY_ON_DEMAND, 1);
        c.idempotent = true;
        assert_eq!(decide(&TIMEOUT, &c, &q), Decision::OutcomeUnknown);
    }

    #[test]
    fn rotate_key_on_demand_limit_exceeded_is_final_but_throttling_retries() {
        let q = RetryQuota::new();
        assert_eq!(
            decide(
                &service("LimitExceededException", 400),
                &ctx(ROTATE_KEY_ON_DEMAND, 1),
                &q
            ),
            Decision::Fail
        );
        // Other operations keep the SDK behaviour.
        assert!(matches!(
            decide(
                &service("LimitExceededException", 400),
                &ctx("ListKeys", 1),
                &q
            ),
            Decision::Retry { .. }
        ));
        // A throttled rotate was clearly not performed: retrying is safe.
        assert!(matches!(
            decide(
                &service("ThrottlingException", 400),
                &ctx(ROTATE_KEY_ON_DEMAND, 1),
                &q
            ),
            Decision::Retry { .. }
        ));
        assert_eq!(
            decide(
                &service("ConflictException", 400),
                &ctx(ROTATE_KEY_ON_DEMAND, 1),
                &q
            ),
            Decision::Fail
        );
    }

    #[test]
    fn clock_skew_errors_resend_once_only_after_a_correction() {
        let q = RetryQuota::new();
        let err = service("InvalidSignatureException", 400);
        let mut c = ctx(ROTATE_KEY_ON_DEMAND, 1);
        assert_eq!(decide(&err, &c, &q), Decision::Fail);
        c.clock_corrected = true;
        assert_eq!(decide(&err, &c, &q), Decision::RetryAfterClockCorrection);
        c.clock_retry_used = true;
        assert_eq!(decide(&err, &c, &q), Decision::Fail);
    }

    #[test]
    fn empty_quota_stops_retries() {
        let mut q = RetryQuota::new();
        while q.try_acquire(RETRY_COST) {}
        assert!(q.available() < RETRY_COST);
        assert_eq!(decide(&http(503), &ctx("ListKeys", 1), &q), Decision::Fail);
        // 500 = 35 * 14 + 10, so a throttling retry (5) still fits.
        assert_eq!(q.available(), 10);
        assert!(matches!(
            decide(
                &service("ThrottlingException", 400),
                &ctx("ListKeys", 1),
                &q
            ),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn quota_refunds() {
        let mut q = RetryQuota::new();
        assert!(q.try_acquire(RETRY_COST));
        assert_eq!(q.available(), 486);
        q.on_success(Some(RETRY_COST));
        assert_eq!(q.available(), 500);
        q.on_success(None);
        assert_eq!(q.available(), 500, "never above the initial capacity");
        assert!(q.try_acquire(THROTTLING_RETRY_COST));
        q.on_success(None);
        assert_eq!(q.available(), 496);
        assert!(!RetryQuota { available: 3 }.try_acquire(5));
    }

    #[test]
    fn backoff_is_full_jitter_with_bases_and_cap() {
        let t = ErrorClass::Throttling;
        let x = ErrorClass::Transient;
        assert_eq!(backoff(t, 1, 1.0, None), Duration::from_secs(1));
        assert_eq!(backoff(t, 3, 1.0, None), Duration::from_secs(4));
        assert_eq!(backoff(t, 5, 1.0, None), Duration::from_secs(16));
        assert_eq!(backoff(t, 6, 1.0, None), Duration::from_secs(20));
        assert_eq!(backoff(t, 60, 1.0, None), Duration::from_secs(20));
        assert_eq!(backoff(x, 1, 1.0, None), Duration::from_millis(50));
        assert_eq!(backoff(x, 2, 0.5, None), Duration::from_millis(50));
        assert_eq!(backoff(x, 1, 0.0, None), Duration::ZERO);
        assert_eq!(backoff(x, 1, f64::NAN, None), Duration::ZERO);
        assert_eq!(backoff(x, 0, 1.0, None), Duration::from_millis(50));
    }

    #[test]
    fn retry_after_is_bounded_by_five_seconds_past_the_jitter() {
        let t = ErrorClass::Throttling;
        // t = 0.5 s; header 2 s -> 2 s.
        assert_eq!(
            backoff(t, 1, 0.5, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        // header 60 s -> t + 5 s.
        assert_eq!(
            backoff(t, 1, 0.5, Some(Duration::from_secs(60))),
            Duration::from_millis(5500)
        );
        // header shorter than t -> t.
        assert_eq!(
            backoff(t, 1, 0.5, Some(Duration::from_millis(10))),
            Duration::from_millis(500)
        );
        assert_eq!(
            parse_retry_after(" 1500 "),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn parses_http_dates() {
        assert_eq!(
            parse_http_date_ms("Wed, 25 Nov 2026 12:00:00 GMT"),
            Some(1_795_608_000_000)
        );
        assert_eq!(parse_http_date_ms("not a date"), None);
        assert_eq!(parse_http_date_ms(""), None);
    }

    #[test]
    fn clock_offset_is_set_at_five_minutes_and_not_before() {
        let server = "Wed, 25 Nov 2026 12:00:00 GMT";
        let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
        let t0 = 1_795_608_000_000u64;
        // Local clock 4:59 behind: no change.
        assert_eq!(clock_offset_update(0, at(t0 - 299_999), server), None);
        // Exactly 5 minutes behind: offset +300 s.
        assert_eq!(
            clock_offset_update(0, at(t0 - 300_000), server),
            Some(300_000)
        );
        // 10 minutes ahead: offset -600 s.
        assert_eq!(
            clock_offset_update(0, at(t0 + 600_000), server),
            Some(-600_000)
        );
        // The current offset already explains the difference: no change.
        assert_eq!(
            clock_offset_update(-600_000, at(t0 + 600_000), server),
            None
        );
        // A stale offset when the clock has been fixed: reset towards 0.
        assert_eq!(clock_offset_update(-600_000, at(t0), server), Some(0));
        assert_eq!(clock_offset_update(0, at(t0), "garbage"), None);
    }

    /// Found by tests/fuzz_parsers.rs: a pre-1970 `Date` against a saturated local time made
    /// `server - corrected` i64::MIN, whose `abs()` overflowed (a panic in debug builds, and in
    /// release a huge skew read as none).
    #[test]
    fn extreme_offsets_do_not_overflow() {
        let far = UNIX_EPOCH + Duration::from_secs(9_223_372_036_854_774);
        let old = "Wed, 31 Dec 1969 23:59:58 GMT";
        assert_eq!(clock_offset_update(0, far, old), Some(i64::MIN));
        assert_eq!(
            clock_offset_update(i64::MIN, UNIX_EPOCH, "Wed, 25 Nov 2026 12:00:00 GMT"),
            Some(1_795_608_000_000)
        );
    }

    #[test]
    fn offsets_apply_both_ways() {
        let t = UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(
            apply_offset(t, 5000),
            UNIX_EPOCH + Duration::from_secs(1005)
        );
        assert_eq!(
            apply_offset(t, -5000),
            UNIX_EPOCH + Duration::from_secs(995)
        );
        assert_eq!(epoch_ms(t), 1_000_000);
        assert_eq!(epoch_ms(UNIX_EPOCH - Duration::from_secs(1)), -1000);
    }
}
