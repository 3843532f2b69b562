//! The seam between the wire layer and the outside world: send one signed request, sleep, read
//! the clock, draw a random number. The browser implementation is [`FetchTransport`]; native tests
//! use a scripted double.

use std::time::{Duration, SystemTime};

use crate::aws::http::{HttpRequest, HttpResponse};

/// Why no HTTP response arrived.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The request failed before a response: DNS, refused connection, TLS, or a CORS rejection.
    #[error("{0}")]
    Network(String),
    #[error("the request timed out")]
    Timeout,
    /// Cancelled on purpose (disconnect, region switch).
    #[error("the request was cancelled")]
    Aborted,
}

/// How a signed request gets sent. Time and randomness go through here too, because
/// `SystemTime::now()` panics on wasm32 and tests need to control both.
// The browser is single-threaded and its futures are not Send, so the auto-trait bound the lint
// asks about is deliberately absent.
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError>;
    async fn sleep(&self, d: Duration);
    /// Wall clock (browser: `js_sys::Date::now()`).
    fn now(&self) -> SystemTime;
    /// Uniform in [0, 1), for retry jitter (browser: `Math.random()`).
    fn random(&self) -> f64;
}

/// Headers a page may not set (fetch spec "forbidden request-header names"). The browser drops
/// them silently, so they must never be part of what was signed; the transport leaves them out.
pub fn is_forbidden_header(name: &str) -> bool {
    const FORBIDDEN: [&str; 16] = [
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "te",
        "transfer-encoding",
    ];
    let n = name.to_ascii_lowercase();
    FORBIDDEN.contains(&n.as_str())
        || n == "trailer"
        || n == "upgrade"
        || n == "via"
        || n.starts_with("proxy-")
        || n.starts_with("sec-")
}

#[cfg(target_arch = "wasm32")]
pub use fetch::{FetchTransport, DEFAULT_TIMEOUT};

#[cfg(target_arch = "wasm32")]
mod fetch {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use gloo_net::http::RequestBuilder;
    use web_sys::{
        AbortController, ReferrerPolicy, RequestCredentials, RequestMode, RequestRedirect,
    };

    use super::{is_forbidden_header, Transport, TransportError};
    use crate::aws::http::{HttpRequest, HttpResponse};

    /// Default per-request timeout (covers the response body too).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    struct InFlight {
        id: u64,
        controller: AbortController,
    }

    #[derive(Default)]
    struct Shared {
        generation: Cell<u64>,
        next_id: Cell<u64>,
        in_flight: RefCell<Vec<InFlight>>,
    }

    /// `fetch` through gloo-net: CORS mode, no cookies, no referrer, no HTTP cache, a timeout per
    /// request, and cancellation.
    ///
    /// Cancellation works by generations. Make one `FetchTransport` for the page and give each
    /// session (credentials + region) its own handle from [`FetchTransport::new_scope`].
    /// [`FetchTransport::abort_all`] aborts every request in flight and retires every handle made
    /// before it: their later `send`s fail at once with [`TransportError::Aborted`], so a retry
    /// loop that was sleeping does not wake up and send for a session that is gone.
    #[derive(Clone)]
    pub struct FetchTransport {
        shared: Rc<Shared>,
        generation: u64,
        timeout: Duration,
    }

    impl Default for FetchTransport {
        fn default() -> Self {
            Self::new()
        }
    }

    impl FetchTransport {
        pub fn new() -> Self {
            FetchTransport {
                shared: Rc::new(Shared::default()),
                generation: 0,
                timeout: DEFAULT_TIMEOUT,
            }
        }

        /// The same transport with another per-request timeout.
        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.timeout = timeout;
            self
        }

        /// A handle bound to the current generation, sharing the abort registry.
        pub fn new_scope(&self) -> FetchTransport {
            FetchTransport {
                shared: Rc::clone(&self.shared),
                generation: self.shared.generation.get(),
                timeout: self.timeout,
            }
        }

        /// Abort every request in flight (any handle) and retire all existing handles.
        pub fn abort_all(&self) {
            self.shared
                .generation
                .set(self.shared.generation.get().wrapping_add(1));
            let in_flight = std::mem::take(&mut *self.shared.in_flight.borrow_mut());
            for f in in_flight {
                f.controller.abort();
            }
        }

        /// False once `abort_all` has been called after this handle was made.
        pub fn is_current(&self) -> bool {
            self.generation == self.shared.generation.get()
        }

        /// How many requests are in flight across all handles.
        pub fn in_flight(&self) -> usize {
            self.shared.in_flight.borrow().len()
        }

        fn register(&self, controller: AbortController) -> u64 {
            let id = self.shared.next_id.get().wrapping_add(1);
            self.shared.next_id.set(id);
            self.shared
                .in_flight
                .borrow_mut()
                .push(InFlight { id, controller });
            id
        }

        fn unregister(&self, id: u64) {
            self.shared.in_flight.borrow_mut().retain(|f| f.id != id);
        }

        async fn fetch(
            &self,
            req: HttpRequest,
            controller: &AbortController,
        ) -> Result<HttpResponse, gloo_net::Error> {
            let method = http_method(&req.method);
            let mut builder = RequestBuilder::new(&req.url)
                .method(method)
                .mode(RequestMode::Cors)
                .credentials(RequestCredentials::Omit)
                .referrer_policy(ReferrerPolicy::NoReferrer)
                // The default cache mode: a POST's answer is never served from the HTTP cache,
                // while `no-store` would also skip the CORS-preflight cache and cost an OPTIONS
                // round trip before every request (docs/kms.md §6).
                // A redirect would re-send the signed request, session token included, to
                // wherever the Location header points: KMS never redirects, so fail instead.
                .redirect(RequestRedirect::Error)
                .abort_signal(Some(&controller.signal()));
            for (name, value) in &req.headers {
                if !is_forbidden_header(name) {
                    builder = builder.header(name, value);
                }
            }
            let request = if req.body.is_empty() {
                builder.build()?
            } else {
                builder.body(js_sys::Uint8Array::from(req.body.as_slice()))?
            };
            let response = request.send().await?;
            let status = response.status();
            // Only CORS-safelisted and exposed headers are visible (KMS exposes x-amzn-RequestId,
            // x-amzn-ErrorType, x-amzn-ErrorMessage and Date).
            let headers: Vec<(String, String)> = response.headers().entries().collect();
            let body = match response.binary().await {
                Ok(body) => body,
                // The server answered 2xx, so it acted; only its body was lost on the way. Keep
                // the status (an empty body then fails to decode, which the rotation driver
                // reads as "sent": docs/rotation-safety.md §2).
                Err(_) if (200..300).contains(&status) => Vec::new(),
                Err(e) => return Err(e),
            };
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        }
    }

    fn http_method(m: &str) -> gloo_net::http::Method {
        use gloo_net::http::Method;
        match m.to_ascii_uppercase().as_str() {
            "GET" => Method::GET,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            "PATCH" => Method::PATCH,
            "HEAD" => Method::HEAD,
            _ => Method::POST,
        }
    }

    fn network_error(detail: &str) -> TransportError {
        TransportError::Network(format!(
            "the request did not get a response ({detail}). The network may be down, the \
             endpoint URL may be wrong, or the endpoint's CORS policy does not allow this page: \
             the browser does not tell which"
        ))
    }

    impl Transport for FetchTransport {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
            if !self.is_current() {
                return Err(TransportError::Aborted);
            }
            let controller = AbortController::new()
                .map_err(|_| network_error("AbortController is not available"))?;
            let id = self.register(controller.clone());
            let timed_out = Rc::new(Cell::new(false));
            // The timer aborts the fetch; dropping it (when this function returns) cancels it.
            let timer = {
                let timed_out = Rc::clone(&timed_out);
                let controller = controller.clone();
                let ms = u32::try_from(self.timeout.as_millis()).unwrap_or(u32::MAX);
                gloo_timers::callback::Timeout::new(ms, move || {
                    timed_out.set(true);
                    controller.abort();
                })
            };
            let result = self.fetch(req, &controller).await;
            drop(timer);
            self.unregister(id);
            match result {
                Ok(resp) => Ok(resp),
                Err(_) if timed_out.get() => Err(TransportError::Timeout),
                Err(_) if controller.signal().aborted() || !self.is_current() => {
                    Err(TransportError::Aborted)
                }
                Err(gloo_net::Error::JsError(e)) => {
                    Err(network_error(&format!("{}: {}", e.name, e.message)))
                }
                Err(e) => Err(network_error(&e.to_string())),
            }
        }

        async fn sleep(&self, d: Duration) {
            // Sleep in slices so that an abort_all() cuts a long backoff short; the following
            // send() then fails with Aborted.
            const SLICE_MS: u128 = 250;
            let mut left = d.as_millis();
            while left > 0 && self.is_current() {
                let step = left.min(SLICE_MS);
                gloo_timers::future::TimeoutFuture::new(step as u32).await;
                left -= step;
            }
        }

        fn now(&self) -> SystemTime {
            // SystemTime::now() panics on wasm32-unknown-unknown.
            let ms = js_sys::Date::now();
            if ms.is_finite() && ms > 0.0 {
                UNIX_EPOCH + Duration::from_millis(ms as u64)
            } else {
                UNIX_EPOCH
            }
        }

        fn random(&self) -> f64 {
            js_sys::Math::random()
        }
    }
}

/// A scripted transport for native tests: answers from a queue, records requests and sleeps,
/// and has a settable clock.
#[cfg(test)]
pub(crate) mod fake {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::{Transport, TransportError};
    use crate::aws::http::{HttpRequest, HttpResponse};

    pub(crate) struct FakeTransport {
        pub responses: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
        pub requests: RefCell<Vec<HttpRequest>>,
        pub sleeps: RefCell<Vec<Duration>>,
        /// Milliseconds since the epoch; sleeping advances it.
        pub clock_ms: Cell<u64>,
        pub random: Cell<f64>,
    }

    /// 2026-11-25T12:00:00Z
    pub(crate) const T0_MS: u64 = 1_795_608_000_000;

    impl FakeTransport {
        pub(crate) fn new() -> Self {
            FakeTransport {
                responses: RefCell::new(VecDeque::new()),
                requests: RefCell::new(Vec::new()),
                sleeps: RefCell::new(Vec::new()),
                clock_ms: Cell::new(T0_MS),
                random: Cell::new(0.5),
            }
        }

        pub(crate) fn push(&self, r: Result<HttpResponse, TransportError>) -> &Self {
            self.responses.borrow_mut().push_back(r);
            self
        }

        pub(crate) fn reply(&self, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
            self.push(Ok(response(status, headers, body)))
        }

        pub(crate) fn sent(&self) -> usize {
            self.requests.borrow().len()
        }
    }

    pub(crate) fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    impl Transport for FakeTransport {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.requests.borrow_mut().push(req);
            self.clock_ms.set(self.clock_ms.get() + 7);
            self.responses
                .borrow_mut()
                .pop_front()
                .unwrap_or_else(|| Err(TransportError::Network("script exhausted".into())))
        }

        async fn sleep(&self, d: Duration) {
            self.sleeps.borrow_mut().push(d);
            self.clock_ms
                .set(self.clock_ms.get() + u64::try_from(d.as_millis()).unwrap_or(0));
        }

        fn now(&self) -> SystemTime {
            UNIX_EPOCH + Duration::from_millis(self.clock_ms.get())
        }

        fn random(&self) -> f64 {
            self.random.get()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_forbidden_header;

    #[test]
    fn forbidden_headers_are_recognised() {
        for h in [
            "Host",
            "content-length",
            "Date",
            "Sec-Fetch-Mode",
            "Proxy-Authorization",
            "Connection",
        ] {
            assert!(is_forbidden_header(h), "{h}");
        }
        for h in [
            "Authorization",
            "X-Amz-Date",
            "X-Amz-Target",
            "X-Amz-Security-Token",
            "Content-Type",
            "Accept",
        ] {
            assert!(!is_forbidden_header(h), "{h}");
        }
    }
}
