//! Benchmark: loading a whole inventory from the local KMS peer over HTTP, signed, with
//! signature checking on: ListKeys and ListAliases pages, then DescribeKey,
//! GetKeyRotationStatus and ListKeyRotations per key, through the console's own loader.
//!
//! Run side by side in one process against the same peer:
//! - baseline: one request at a time, unpaced (what a script looping over `aws kms` does);
//! - shipped: `LoadConfig::default()` (24 keys in flight) through the adaptive limiters at the
//!   default share of each quota (docs/kms.md §4.3), as the page does;
//! - unpaced: 24 in flight with no pacing, which real KMS would throttle; it shows what the
//!   pacing costs.
//!
//! `scripts/bench.sh` starts a peer with a bulk fleet and a simulated round trip, then runs
//! this with `KEYTURN_BENCH_PEER=http://127.0.0.1:PORT`. A native thread-per-request transport
//! stands in for the browser's fetch; the loader, the client, signing and decoding are the
//! shipped code.

// Native only: threads and sockets. On wasm32 (where clippy checks every target) it is empty.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::cell::Cell;
    use std::io::Read;
    use std::time::{Duration, Instant, SystemTime};

    use futures::channel::oneshot;
    use keyturn::aws::client::Client;
    use keyturn::aws::credentials::parse_credentials;
    use keyturn::aws::endpoint::EndpointConfig;
    use keyturn::aws::http::{HttpRequest, HttpResponse};
    use keyturn::aws::limiter::{Limiters, DEFAULT_SHARE};
    use keyturn::aws::transport::{is_forbidden_header, Transport, TransportError};
    use keyturn::console::inventory::{load_inventory, Inventory, LoadConfig, LoadOutcome};
    use keyturn::console::session::CancelToken;
    use std::rc::Rc;

    struct ThreadTransport {
        agent: ureq::Agent,
        sent: Cell<usize>,
        seed: Cell<u64>,
    }

    impl ThreadTransport {
        fn new() -> Self {
            let agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(60)))
                .max_idle_connections_per_host(16)
                .build()
                .into();
            ThreadTransport {
                agent,
                sent: Cell::new(0),
                seed: Cell::new(7),
            }
        }
    }

    fn blocking_send(
        agent: &ureq::Agent,
        req: HttpRequest,
    ) -> Result<HttpResponse, TransportError> {
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url.as_str());
        // Like fetch: the client sets Host and friends itself, so they are never sent by hand.
        for (k, v) in req.headers.iter().filter(|(k, _)| !is_forbidden_header(k)) {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder
            .body(req.body)
            .map_err(|e| TransportError::Network(e.to_string()))?;
        let mut resp = agent
            .run(request)
            .map_err(|e| TransportError::Network(e.to_string()))?;
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let mut body = Vec::new();
        resp.body_mut()
            .as_reader()
            .read_to_end(&mut body)
            .map_err(|e| TransportError::Network(e.to_string()))?;
        Ok(HttpResponse {
            status: resp.status().as_u16(),
            headers,
            body,
        })
    }

    impl Transport for ThreadTransport {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.sent.set(self.sent.get() + 1);
            let (tx, rx) = oneshot::channel();
            let agent = self.agent.clone();
            std::thread::spawn(move || {
                let _ = tx.send(blocking_send(&agent, req));
            });
            rx.await
                .unwrap_or_else(|_| Err(TransportError::Network("sender thread died".into())))
        }

        async fn sleep(&self, d: Duration) {
            let (tx, rx) = oneshot::channel::<()>();
            std::thread::spawn(move || {
                std::thread::sleep(d);
                let _ = tx.send(());
            });
            let _ = rx.await;
        }

        fn now(&self) -> SystemTime {
            SystemTime::now()
        }

        fn random(&self) -> f64 {
            let s = self
                .seed
                .get()
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            self.seed.set(s);
            (s >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    struct Run {
        elapsed: Duration,
        requests: usize,
        keys: usize,
        throttles: u32,
    }

    /// `share`: pace through the adaptive limiters at that share of each quota (None: unpaced).
    fn run(peer: &str, config: &LoadConfig, share: Option<f64>) -> Run {
        let transport = ThreadTransport::new();
        let creds_json = transport
            .agent
            .get(format!("{peer}/_keyturn/credentials"))
            .call()
            .and_then(|mut r| r.body_mut().read_to_string())
            .unwrap_or_else(|e| panic!("the peer at {peer} is not reachable: {e}"));
        let credentials = parse_credentials(&creds_json).expect("the peer's credentials parse");
        let endpoint = EndpointConfig {
            region: "us-east-1".into(),
            fips: false,
            dual_stack: false,
            custom_url: Some(peer.to_string()),
            sts_url: None,
        };
        let limiters = share.map(|s| Rc::new(Limiters::new(s)));
        let mut client = Client::new(transport, credentials, endpoint);
        if let Some(l) = &limiters {
            client = client.with_limiters(Rc::clone(l));
        }
        let mut inventory = Inventory::new("us-east-1");
        let started = Instant::now();
        let outcome = futures::executor::block_on(load_inventory(
            &client,
            &CancelToken::never(),
            config,
            |event| inventory.apply(event),
        ));
        let elapsed = started.elapsed();
        assert_eq!(outcome, LoadOutcome::Finished, "{config:?}");
        let incomplete: Vec<&str> = inventory
            .rows()
            .iter()
            .filter(|r| !r.is_complete() || !r.problems().is_empty())
            .map(|r| r.key_id.as_str())
            .collect();
        assert!(incomplete.is_empty(), "rows not loaded: {incomplete:?}");
        Run {
            elapsed,
            requests: client.transport().sent.get(),
            keys: inventory.len(),
            throttles: limiters.map_or(0, |l| l.throttles()),
        }
    }

    pub fn main() {
        let peer = std::env::var("KEYTURN_BENCH_PEER")
            .unwrap_or_else(|_| "http://127.0.0.1:4620".to_string())
            .trim_end_matches('/')
            .to_string();
        let rounds: usize = std::env::args()
            .filter_map(|a| a.parse().ok())
            .next()
            .unwrap_or(1)
            .max(1);
        let shipped = LoadConfig::default();
        let configs = [
            (
                "baseline (1 at a time, unpaced)",
                LoadConfig::with_concurrency(1),
                None,
            ),
            (
                "shipped (default, adaptive 90%)",
                shipped.clone(),
                Some(DEFAULT_SHARE),
            ),
            ("unpaced (24 at a time)", shipped.clone(), None),
        ];
        println!("inventory load from {peer}, {rounds} round(s), rounds interleaved");
        let mut totals = vec![(Duration::ZERO, 0usize, 0usize, 0u32); configs.len()];
        for _ in 0..rounds {
            for (i, (_, config, share)) in configs.iter().enumerate() {
                let r = run(&peer, config, *share);
                totals[i].0 += r.elapsed;
                totals[i].1 += r.requests;
                totals[i].2 = r.keys;
                totals[i].3 += r.throttles;
            }
        }
        let base = totals[0].0.as_secs_f64();
        println!(
            "{:<34} {:>6} {:>9} {:>10} {:>9} {:>9} {:>7}",
            "config", "keys", "requests", "seconds", "req/s", "throttled", "ratio"
        );
        for ((name, _, share), (elapsed, requests, keys, throttles)) in configs.iter().zip(&totals)
        {
            let secs = elapsed.as_secs_f64();
            let throttled = if share.is_some() {
                (throttles / rounds as u32).to_string()
            } else {
                "-".to_string()
            };
            println!(
                "{:<34} {:>6} {:>9} {:>10.2} {:>9.1} {:>9} {:>6.2}x",
                name,
                keys,
                requests / rounds,
                secs / rounds as f64,
                *requests as f64 / secs,
                throttled,
                secs / base
            );
        }
        println!("ratio: seconds against the baseline (lower is faster)");
    }
}
