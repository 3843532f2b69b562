//! Adaptive request pacing per (scope, operation): a token bucket whose rate follows CUBIC,
//! after the AWS SDKs' "adaptive" retry mode (docs/kms.md §4 "Pacing").
//!
//! KMS request quotas are per account, per Region and per operation (docs/kms.md §4.1), so each
//! scope's client keeps one [`AdaptiveLimiter`] per operation in a [`Limiters`] table. A
//! limiter starts at a safe share of its ceiling, climbs along the CUBIC curve while answers
//! succeed, and on a ThrottlingException cuts its rate to `BETA` times what was being sent;
//! it never exceeds the ceiling (the published quota times the user's share).
//!
//! The SDK's constants and formulas (botocore `retries/adaptive.py`, `retries/bucket.py`,
//! `retries/throttling.py`; the same in the Java and JavaScript SDKs):
//! - on throttle: `w_max = rate in use`, `k = cbrt(w_max * (1 - BETA) / C)`, `rate = w_max * BETA`;
//! - on success: `rate = C * (t - t_throttle - k)^3 + w_max`;
//! - the new rate is at most twice the measured send rate (smoothed over half-second buckets).
//!
//! Three changes, all for a console that keeps many requests in flight at once: the bucket is on
//! from the first request (the SDK turns it on at the first throttle), as if a throttle at the
//! ceiling had just happened, so the first second sends at `BETA` x ceiling and reaches the
//! ceiling after `k` seconds; the "twice the measured rate" cap never goes below that starting
//! rate, so a pause in demand does not drop the rate to the floor; and the rate is cut at most
//! once per round trip: a throttle answering a request sent before the last cut was sent at the
//! old rate and says nothing new (as TCP's congestion control counts one loss per window), so
//! twenty answers throttled together cut the rate by 30 %, not to 0.7^20 of it. Time is in seconds (f64) from any
//! origin; the caller passes it in, so the rules are tested without a clock.

use std::cell::RefCell;
use std::collections::HashMap;

/// CUBIC's scaling constant (botocore `CubicCalculator._SCALE_CONSTANT`).
pub const SCALE: f64 = 0.4;
/// The multiplicative decrease on a throttle (botocore `CubicCalculator._BETA`).
pub const BETA: f64 = 0.7;
/// Smoothing of the measured send rate (botocore `RateClocker` default).
const SMOOTHING: f64 = 0.8;
/// Width of one send-rate measurement bucket, in seconds (botocore: 0.5 s).
const BUCKET_SECONDS: f64 = 0.5;
/// The rate never goes below this many requests per second (botocore `TokenBucket._MIN_RATE`).
pub const MIN_RATE: f64 = 0.5;
/// The bucket holds this many seconds of its rate (at least one request): a short burst, so
/// many requests started together are spread out rather than sent at once.
const BURST_SECONDS: f64 = 0.1;
/// The page says the console is backing off for this long after the last throttle.
pub const BACKING_OFF_SECONDS: f64 = 10.0;

/// The default share of each published quota the console may use (docs/kms.md §4 "Pacing"):
/// 90%, leaving a tenth to the account's other callers; a throttle cuts below it at once.
pub const DEFAULT_SHARE: f64 = 0.9;
/// The share cannot be set below this (one request in twenty of the quota).
pub const MIN_SHARE: f64 = 0.05;

/// The published default request quota of an operation, in requests per second per account
/// and Region (docs/kms.md §4.1). Operations without a published quota get a conservative 5.
pub fn published_quota(operation: &str) -> f64 {
    match operation {
        "DescribeKey" | "ListResourceTags" => 2000.0,
        "GetKeyRotationStatus" | "GetKeyPolicy" => 1000.0,
        "ListKeys" | "ListAliases" => 500.0,
        "ListKeyRotations" => 100.0,
        "EnableKeyRotation" => 15.0,
        "DisableKeyRotation" | "RotateKeyOnDemand" | "GetKeyLastUsage" => 5.0,
        "ImportKeyMaterial" | "DeleteImportedKeyMaterial" => 5.0,
        // One request in every four seconds (docs/kms.md §4.1, from the 2023 table).
        "GetParametersForImport" => 0.25,
        // STS and Organizations publish no per-operation rates; both throttle early.
        _ => 5.0,
    }
}

/// A limiter's clock: seconds since the Unix epoch.
pub fn seconds(t: std::time::SystemTime) -> f64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// One operation's pacing in one scope.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveLimiter {
    ceiling: f64,
    /// Current fill rate, requests per second.
    rate: f64,
    /// Tokens in the bucket; negative while requests are reserved ahead (see `acquire`).
    tokens: f64,
    last_refill: f64,
    /// CUBIC: the rate at the last throttle, its time, and the time to climb back (`k`).
    w_max: f64,
    last_throttle: f64,
    k: f64,
    /// The starting rate, which the "twice the measured rate" cap never goes below.
    floor: f64,
    measured: f64,
    measure_bucket: f64,
    measure_count: f64,
    throttles: u32,
    /// When the last throttle happened (None until one does).
    throttled_at: Option<f64>,
    /// When the rate was last cut for a throttle.
    cut_at: Option<f64>,
}

impl AdaptiveLimiter {
    /// A limiter that may send up to `ceiling` requests per second, starting at `now`.
    pub fn new(ceiling: f64, now: f64) -> Self {
        let ceiling = ceiling.max(MIN_RATE);
        let start = (ceiling * BETA).max(MIN_RATE);
        let capacity = capacity(start);
        AdaptiveLimiter {
            ceiling,
            rate: start,
            tokens: capacity,
            last_refill: now,
            w_max: ceiling,
            last_throttle: now,
            k: zero_point(ceiling),
            floor: start,
            measured: 0.0,
            measure_bucket: (now / BUCKET_SECONDS).floor() * BUCKET_SECONDS,
            measure_count: 0.0,
            throttles: 0,
            throttled_at: None,
            cut_at: None,
        }
    }

    /// Reserve one request: the seconds to wait before sending it (0 when a token is free).
    /// Each call takes the next free slot, so concurrent callers on one thread are spaced out.
    pub fn acquire(&mut self, now: f64) -> f64 {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            0.0
        } else {
            -self.tokens / self.rate
        }
    }

    /// An answer arrived at `now` to a request sent at `sent` (`throttled`: it was a
    /// throttling error).
    pub fn on_response(&mut self, sent: f64, now: f64, throttled: bool) {
        let measured = self.measure(now);
        if throttled {
            self.throttles = self.throttles.saturating_add(1);
            self.throttled_at = Some(now);
            // Sent before the last cut: that cut already answered it.
            if self.cut_at.is_some_and(|cut| sent < cut) {
                return;
            }
            // What was really being sent, if lower than the bucket's rate (botocore).
            let in_use = if measured > 0.0 {
                measured.min(self.rate)
            } else {
                self.rate
            };
            self.w_max = in_use;
            self.k = zero_point(in_use);
            self.last_throttle = now;
            self.cut_at = Some(now);
            self.set_rate(in_use * BETA, now);
        } else {
            let dt = now - self.last_throttle - self.k;
            let cubic = SCALE * dt * dt * dt + self.w_max;
            let demand_cap = (2.0 * measured).max(self.floor);
            self.set_rate(cubic.min(demand_cap), now);
        }
    }

    /// Lower or raise the ceiling (the user changed the share): the rate follows at once.
    pub fn set_ceiling(&mut self, ceiling: f64, now: f64) {
        self.ceiling = ceiling.max(MIN_RATE);
        self.floor = (self.ceiling * BETA).max(MIN_RATE);
        self.w_max = self.w_max.min(self.ceiling);
        self.k = zero_point(self.w_max);
        self.set_rate(self.rate, now);
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn ceiling(&self) -> f64 {
        self.ceiling
    }

    pub fn throttles(&self) -> u32 {
        self.throttles
    }

    /// KMS throttled this operation within the last [`BACKING_OFF_SECONDS`] (the rate is
    /// then below what it was; CUBIC brings it back within seconds).
    pub fn backing_off(&self, now: f64) -> bool {
        self.throttled_at
            .is_some_and(|t| now - t < BACKING_OFF_SECONDS)
    }

    fn set_rate(&mut self, rate: f64, now: f64) {
        self.refill(now);
        self.rate = rate.clamp(MIN_RATE, self.ceiling);
        self.tokens = self.tokens.min(capacity(self.rate));
    }

    fn refill(&mut self, now: f64) {
        let elapsed = (now - self.last_refill).max(0.0);
        self.tokens = (self.tokens + elapsed * self.rate).min(capacity(self.rate));
        self.last_refill = self.last_refill.max(now);
    }

    /// The smoothed send rate (botocore `RateClocker.record`).
    fn measure(&mut self, now: f64) -> f64 {
        let bucket = (now / BUCKET_SECONDS).floor() * BUCKET_SECONDS;
        self.measure_count += 1.0;
        if bucket > self.measure_bucket {
            let current = self.measure_count / (bucket - self.measure_bucket);
            self.measured = current * SMOOTHING + self.measured * (1.0 - SMOOTHING);
            self.measure_count = 0.0;
            self.measure_bucket = bucket;
        }
        self.measured
    }
}

fn zero_point(w_max: f64) -> f64 {
    (w_max * (1.0 - BETA) / SCALE).cbrt()
}

fn capacity(rate: f64) -> f64 {
    (rate * BURST_SECONDS).max(1.0)
}

/// What the page shows about one operation's pacing.
#[derive(Clone, Debug, PartialEq)]
pub struct PacingStatus {
    pub operation: &'static str,
    pub rate: f64,
    pub ceiling: f64,
    pub throttles: u32,
    pub backing_off: bool,
}

/// One scope's limiters, one per operation, created on first use. Shared (`Rc`) by every
/// client of the scope, so the page's loads and its rotations count against one budget.
#[derive(Debug)]
pub struct Limiters {
    share: std::cell::Cell<f64>,
    by_operation: RefCell<HashMap<&'static str, AdaptiveLimiter>>,
}

impl Limiters {
    /// `share` of each published quota (clamped to `MIN_SHARE..=1.0`).
    pub fn new(share: f64) -> Self {
        Limiters {
            share: std::cell::Cell::new(clamp_share(share)),
            by_operation: RefCell::new(HashMap::new()),
        }
    }

    /// Unlimited pacing is never offered; a share of 1.0 is the published quota itself.
    pub fn share(&self) -> f64 {
        self.share.get()
    }

    pub fn set_share(&self, share: f64, now: f64) {
        let share = clamp_share(share);
        self.share.set(share);
        for (op, l) in self.by_operation.borrow_mut().iter_mut() {
            l.set_ceiling(published_quota(op) * share, now);
        }
    }

    /// Seconds to wait before sending one `operation` request.
    pub fn acquire(&self, operation: &'static str, now: f64) -> f64 {
        let share = self.share.get();
        self.by_operation
            .borrow_mut()
            .entry(operation)
            .or_insert_with(|| AdaptiveLimiter::new(published_quota(operation) * share, now))
            .acquire(now)
    }

    pub fn on_response(&self, operation: &'static str, sent: f64, now: f64, throttled: bool) {
        if let Some(l) = self.by_operation.borrow_mut().get_mut(operation) {
            l.on_response(sent, now, throttled);
        }
    }

    /// Every operation used so far, slowest share first, as of `now`.
    pub fn status(&self, now: f64) -> Vec<PacingStatus> {
        let mut v: Vec<PacingStatus> = self
            .by_operation
            .borrow()
            .iter()
            .map(|(op, l)| PacingStatus {
                operation: op,
                rate: l.rate(),
                ceiling: l.ceiling(),
                throttles: l.throttles(),
                backing_off: l.backing_off(now),
            })
            .collect();
        crate::sort::sort_by(&mut v, |a, b| {
            (a.rate / a.ceiling)
                .total_cmp(&(b.rate / b.ceiling))
                .then(a.operation.cmp(b.operation))
        });
        v
    }

    /// Throttles seen across operations.
    pub fn throttles(&self) -> u32 {
        self.by_operation
            .borrow()
            .values()
            .map(AdaptiveLimiter::throttles)
            .sum()
    }
}

fn clamp_share(share: f64) -> f64 {
    if share.is_finite() {
        share.clamp(MIN_SHARE, 1.0)
    } else {
        DEFAULT_SHARE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Send as fast as the limiter allows for `seconds`, answering each request with
    /// `throttle(t)`; returns the send times.
    fn drive(
        l: &mut AdaptiveLimiter,
        start: f64,
        seconds: f64,
        throttle: impl Fn(f64) -> bool,
    ) -> Vec<f64> {
        let mut t = start;
        let mut sent = Vec::new();
        while t < start + seconds {
            let wait = l.acquire(t);
            t += wait;
            sent.push(t);
            l.on_response(t, t, throttle(t));
        }
        sent
    }

    #[test]
    fn starts_at_beta_times_the_ceiling_and_climbs_to_it_in_k_seconds() {
        let mut l = AdaptiveLimiter::new(90.0, 0.0);
        assert!((l.rate() - 63.0).abs() < 1e-9);
        let k = zero_point(90.0);
        assert!((k - 4.0716).abs() < 1e-3, "k = {k}");
        let sent = drive(&mut l, 0.0, 10.0, |_| false);
        // Never above the ceiling in any whole second.
        for s in 0..10 {
            let n = sent
                .iter()
                .filter(|&&t| t >= s as f64 && t < s as f64 + 1.0)
                .count();
            assert!(n <= 91, "second {s}: {n} requests");
        }
        assert!((l.rate() - 90.0).abs() < 1e-6, "rate {}", l.rate());
        // 10 s at the CUBIC ramp: about 339 in the first k s, then 90/s.
        assert!(sent.len() > 800 && sent.len() < 900, "{}", sent.len());
        assert!(!l.backing_off(10.0));
    }

    #[test]
    fn a_throttle_cuts_the_rate_by_beta_and_cubic_brings_it_back() {
        let mut l = AdaptiveLimiter::new(900.0, 0.0);
        drive(&mut l, 0.0, 20.0, |_| false);
        assert!((l.rate() - 900.0).abs() < 1e-6);
        let before = l.rate();
        l.on_response(20.0, 20.0, true);
        assert!(
            l.rate() <= before * BETA + 1e-6,
            "{} after a throttle",
            l.rate()
        );
        assert!(l.backing_off(20.0));
        assert_eq!(l.throttles(), 1);
        // Climbs back: slow near w_max (the plateau), then reaches it again.
        let sent = drive(&mut l, 20.0, 30.0, |_| false);
        assert!(!sent.is_empty());
        assert!((l.rate() - 900.0).abs() < 1e-6, "rate {}", l.rate());
        assert!(!l.backing_off(50.0));
    }

    #[test]
    fn finds_a_lower_real_quota_and_stays_near_it() {
        // The account's real quota is 40 rps (another caller uses the rest): a token bucket
        // of one second, like KMS. The limiter must settle below the ceiling of 90.
        let mut l = AdaptiveLimiter::new(90.0, 0.0);
        let bucket = RefCell::new((40.0_f64, 0.0_f64));
        let server = |t: f64| {
            let mut b = bucket.borrow_mut();
            b.0 = (b.0 + (t - b.1) * 40.0).min(40.0);
            b.1 = t;
            if b.0 >= 1.0 {
                b.0 -= 1.0;
                false
            } else {
                true
            }
        };
        let sent = drive(&mut l, 0.0, 60.0, server);
        let last_20s = sent.iter().filter(|&&t| t >= 40.0).count() as f64 / 20.0;
        assert!(last_20s > 25.0 && last_20s <= 41.0, "{last_20s} rps");
        assert!(l.throttles() > 0);
        // Throttles are a small share of what was sent.
        assert!(f64::from(l.throttles()) < sent.len() as f64 * 0.05);
    }

    #[test]
    fn never_above_the_ceiling_or_below_the_floor() {
        let mut l = AdaptiveLimiter::new(5.0, 0.0);
        for i in 0..50 {
            // Each sent after the previous cut.
            let t = f64::from(i) * 0.01;
            l.on_response(t, t, true);
        }
        assert!((l.rate() - MIN_RATE).abs() < 1e-9);
        let mut l = AdaptiveLimiter::new(5.0, 0.0);
        drive(&mut l, 0.0, 100.0, |_| false);
        assert!(l.rate() <= 5.0);
    }

    #[test]
    fn idle_does_not_drop_the_rate_below_the_start() {
        let mut l = AdaptiveLimiter::new(100.0, 0.0);
        // One request every 2 s: the measured rate is tiny.
        for i in 0..10 {
            let t = f64::from(i) * 2.0;
            l.acquire(t);
            l.on_response(t, t, false);
        }
        assert!(l.rate() >= 70.0 - 1e-9, "{}", l.rate());
    }

    #[test]
    fn concurrent_reservations_are_spaced_by_the_rate() {
        let mut l = AdaptiveLimiter::new(10.0, 0.0);
        // Capacity 1 token at 7 rps: the first is free, the next ones wait 1/7 s each.
        let waits: Vec<f64> = (0..4).map(|_| l.acquire(0.0)).collect();
        assert_eq!(waits[0], 0.0);
        for (i, w) in waits.iter().enumerate().skip(1) {
            assert!((w - i as f64 / 7.0).abs() < 1e-9, "{waits:?}");
        }
    }

    #[test]
    fn lowering_the_share_lowers_every_ceiling_at_once() {
        let ls = Limiters::new(DEFAULT_SHARE);
        assert_eq!(ls.acquire("ListKeyRotations", 0.0), 0.0);
        ls.acquire("DescribeKey", 0.0);
        ls.set_share(0.25, 1.0);
        let st = ls.status(1.0);
        let rot = st
            .iter()
            .find(|s| s.operation == "ListKeyRotations")
            .unwrap();
        assert!((rot.ceiling - 25.0).abs() < 1e-9);
        assert!(rot.rate <= 25.0);
        let d = st.iter().find(|s| s.operation == "DescribeKey").unwrap();
        assert!((d.ceiling - 500.0).abs() < 1e-9);
        // Out-of-range and non-finite shares are clamped.
        ls.set_share(7.0, 2.0);
        assert_eq!(ls.share(), 1.0);
        ls.set_share(0.0, 2.0);
        assert_eq!(ls.share(), MIN_SHARE);
        ls.set_share(f64::NAN, 2.0);
        assert_eq!(ls.share(), DEFAULT_SHARE);
    }

    #[test]
    fn answers_throttled_together_cut_the_rate_once() {
        let mut l = AdaptiveLimiter::new(90.0, 0.0);
        // Twenty requests sent in the first 0.2 s, all throttled as they come back.
        for i in 0..20 {
            let sent = f64::from(i) * 0.01;
            l.on_response(sent, 0.25 + sent, true);
        }
        assert!((l.rate() - 63.0 * BETA).abs() < 1e-6, "{}", l.rate());
        assert_eq!(l.throttles(), 20);
        // A request sent after that cut and throttled again cuts once more (from what was
        // being sent, if less: botocore's rule).
        l.on_response(0.5, 0.6, true);
        assert!(l.rate() <= 63.0 * BETA * BETA + 1e-6, "{}", l.rate());
    }

    #[test]
    fn backing_off_ends_when_throttling_stops_even_without_demand() {
        let ls = Limiters::new(DEFAULT_SHARE);
        ls.acquire("ListKeyRotations", 0.0);
        ls.on_response("ListKeyRotations", 0.0, 0.1, true);
        let slow = |now: f64| ls.status(now).iter().any(|s| s.backing_off);
        assert!(slow(1.0));
        assert!(slow(0.1 + BACKING_OFF_SECONDS - 0.5));
        // No more requests (the load finished): the status still clears.
        assert!(!slow(0.1 + BACKING_OFF_SECONDS + 0.5));
    }

    #[test]
    fn operations_are_paced_apart() {
        let ls = Limiters::new(1.0);
        for _ in 0..3 {
            ls.acquire("RotateKeyOnDemand", 0.0);
        }
        // RotateKeyOnDemand's bucket is empty; ListKeys's is untouched.
        assert!(ls.acquire("RotateKeyOnDemand", 0.0) > 0.0);
        assert_eq!(ls.acquire("ListKeys", 0.0), 0.0);
        ls.on_response("ListKeys", 0.0, 0.1, true);
        assert_eq!(ls.throttles(), 1);
        let st = ls.status(0.2);
        assert!(st
            .iter()
            .any(|s| s.operation == "ListKeys" && s.backing_off));
        assert!(st
            .iter()
            .any(|s| s.operation == "RotateKeyOnDemand" && !s.backing_off));
    }
}
