//! A scripted KMS transport for the console's native tests. Unlike a FIFO script it answers by
//! operation and key id, because the inventory loader runs requests concurrently and their order
//! is not part of the contract. It records every request, every sleep, and how many requests
//! were in flight at once; sleeping advances a virtual clock.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::aws::http::{HttpRequest, HttpResponse};
use crate::aws::transport::{Transport, TransportError};

/// 2026-11-25T12:00:00Z
pub const T0_MS: u64 = 1_795_608_000_000;

#[derive(Clone, Debug)]
pub enum Reply {
    Ok(String),
    /// An AWS JSON error: code, HTTP status.
    Err(&'static str, u16),
    Transport(TransportError),
}

type Route = (String, Option<String>);

#[derive(Default)]
pub struct FakeKms {
    /// Answers used once, in order, before any sticky answer.
    queued: RefCell<HashMap<Route, VecDeque<Reply>>>,
    /// Answers used every time.
    sticky: RefCell<HashMap<Route, Reply>>,
    /// (operation, request body) in the order sent.
    pub log: RefCell<Vec<(String, serde_json::Value)>>,
    /// (operation, virtual clock in ms) at each send.
    pub sent_at_ms: RefCell<Vec<(String, u64)>>,
    pub sleeps: RefCell<Vec<Duration>>,
    pub clock_ms: Cell<u64>,
    in_flight: Cell<usize>,
    pub max_in_flight: Cell<usize>,
    /// Called before each answer (e.g. to bump a generation mid-load).
    #[allow(clippy::type_complexity)]
    pub on_send: RefCell<Option<Box<dyn Fn(&str, Option<&str>)>>>,
}

impl FakeKms {
    pub fn new() -> Self {
        let f = FakeKms::default();
        f.clock_ms.set(T0_MS);
        f
    }

    fn route(op: &str, key: Option<&str>) -> Route {
        (op.to_string(), key.map(str::to_string))
    }

    /// Answer `op` (for `key`, or for any key with `None`) once with `reply`.
    pub fn once(&self, op: &str, key: Option<&str>, reply: Reply) -> &Self {
        self.queued
            .borrow_mut()
            .entry(Self::route(op, key))
            .or_default()
            .push_back(reply);
        self
    }

    /// Answer `op` (for `key`, or any key) with `reply` whenever nothing is queued.
    pub fn always(&self, op: &str, key: Option<&str>, reply: Reply) -> &Self {
        self.sticky.borrow_mut().insert(Self::route(op, key), reply);
        self
    }

    pub fn count(&self, op: &str) -> usize {
        self.log.borrow().iter().filter(|(o, _)| o == op).count()
    }

    pub fn count_for(&self, op: &str, key: &str) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|(o, b)| o == op && b.get("KeyId").and_then(|k| k.as_str()) == Some(key))
            .count()
    }

    pub fn ops(&self) -> Vec<String> {
        self.log.borrow().iter().map(|(o, _)| o.clone()).collect()
    }

    fn answer(&self, op: &str, key: Option<&str>) -> Reply {
        let mut queued = self.queued.borrow_mut();
        for r in [Self::route(op, key), Self::route(op, None)] {
            if let Some(q) = queued.get_mut(&r) {
                if let Some(reply) = q.pop_front() {
                    return reply;
                }
            }
        }
        drop(queued);
        let sticky = self.sticky.borrow();
        for r in [Self::route(op, key), Self::route(op, None)] {
            if let Some(reply) = sticky.get(&r) {
                return reply.clone();
            }
        }
        Reply::Err("NoScriptForThisRequest", 400)
    }
}

pub fn ok(body: &str) -> Reply {
    Reply::Ok(body.to_string())
}

/// Poll once as pending so other futures in a join get to run (makes concurrency observable).
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Transport for FakeKms {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let op = req
            .header("X-Amz-Target")
            .and_then(|t| t.strip_prefix("TrentService."))
            .unwrap_or("?")
            .to_string();
        let body: serde_json::Value =
            serde_json::from_slice(&req.body).unwrap_or(serde_json::Value::Null);
        let key = body
            .get("KeyId")
            .and_then(|k| k.as_str())
            .map(str::to_string);
        self.log.borrow_mut().push((op.clone(), body));
        self.sent_at_ms
            .borrow_mut()
            .push((op.clone(), self.clock_ms.get()));
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight
            .set(self.max_in_flight.get().max(self.in_flight.get()));
        YieldOnce(false).await;
        self.in_flight.set(self.in_flight.get() - 1);
        self.clock_ms.set(self.clock_ms.get() + 3);
        if let Some(f) = self.on_send.borrow().as_ref() {
            f(&op, key.as_deref());
        }
        let reply = self.answer(&op, key.as_deref());
        match reply {
            Reply::Ok(body) => Ok(HttpResponse {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "application/x-amz-json-1.1".into()),
                    ("x-amzn-RequestId".into(), "req-1".into()),
                ],
                body: body.into_bytes(),
            }),
            Reply::Err(code, status) => Ok(HttpResponse {
                status,
                headers: vec![
                    ("Content-Type".into(), "application/x-amz-json-1.1".into()),
                    ("x-amzn-RequestId".into(), "req-err".into()),
                ],
                body: format!(r#"{{"__type":"{code}","message":"scripted {code}"}}"#).into_bytes(),
            }),
            Reply::Transport(e) => Err(e),
        }
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
        0.5
    }
}

// ---------------------------------------------------------------------------------------------
// Clients and KMS JSON bodies

pub fn client() -> crate::aws::client::Client<FakeKms> {
    let creds = match crate::aws::credentials::Credentials::new(
        "ASIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN".to_string()),
        None,
    ) {
        Ok(c) => c,
        Err(e) => panic!("test credentials rejected: {e}"),
    };
    let config = crate::aws::endpoint::EndpointConfig {
        region: "us-east-1".to_string(),
        ..Default::default()
    };
    crate::aws::client::Client::new(FakeKms::new(), creds, config)
}

/// A DescribeKey answer. `extra` is spliced into KeyMetadata (e.g. `,"Description":"x"`).
pub fn describe(
    id: &str,
    spec: &str,
    state: &str,
    manager: &str,
    origin: &str,
    extra: &str,
) -> Reply {
    ok(&format!(
        r#"{{"KeyMetadata":{{"KeyId":"{id}","Arn":"arn:aws:kms:us-east-1:111122223333:key/{id}","AWSAccountId":"111122223333","CreationDate":1700000000.5,"Enabled":{enabled},"KeyState":"{state}","KeySpec":"{spec}","KeyUsage":"ENCRYPT_DECRYPT","Origin":"{origin}","KeyManager":"{manager}"{extra}}}}}"#,
        enabled = state == "Enabled"
    ))
}

pub fn symmetric_key(id: &str) -> Reply {
    describe(
        id,
        "SYMMETRIC_DEFAULT",
        "Enabled",
        "CUSTOMER",
        "AWS_KMS",
        "",
    )
}

/// A GetKeyRotationStatus answer.
pub fn status(enabled: bool, period: Option<u32>, in_progress: bool) -> Reply {
    let mut s = format!(r#"{{"KeyRotationEnabled":{enabled}"#);
    if let Some(p) = period {
        s.push_str(&format!(
            r#","RotationPeriodInDays":{p},"NextRotationDate":1800000000"#
        ));
    }
    if in_progress {
        s.push_str(r#","OnDemandRotationStartDate":1795608000.25"#);
    }
    s.push('}');
    ok(&s)
}

/// A ListKeyRotations page with `n` ON_DEMAND entries (and `auto` AUTOMATIC ones).
pub fn rotations(n: usize, auto: usize, next: Option<&str>) -> Reply {
    let mut entries = Vec::new();
    for i in 0..n {
        entries.push(format!(
            r#"{{"KeyId":"k","RotationDate":{},"RotationType":"ON_DEMAND"}}"#,
            1_795_000_000 + i
        ));
    }
    for i in 0..auto {
        entries.push(format!(
            r#"{{"KeyId":"k","RotationDate":{},"RotationType":"AUTOMATIC"}}"#,
            1_700_000_000 + i
        ));
    }
    let tail = match next {
        Some(m) => format!(r#","NextMarker":"{m}","Truncated":true"#),
        None => r#","Truncated":false"#.to_string(),
    };
    ok(&format!(r#"{{"Rotations":[{}]{tail}}}"#, entries.join(",")))
}

pub fn key_list(ids: &[&str], next: Option<&str>) -> Reply {
    let keys: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(r#"{{"KeyId":"{id}","KeyArn":"arn:aws:kms:us-east-1:111122223333:key/{id}"}}"#)
        })
        .collect();
    let tail = match next {
        Some(m) => format!(r#","NextMarker":"{m}","Truncated":true"#),
        None => r#","Truncated":false"#.to_string(),
    };
    ok(&format!(r#"{{"Keys":[{}]{tail}}}"#, keys.join(",")))
}

/// ListAliases page from (name, target) pairs.
pub fn alias_list(aliases: &[(&str, Option<&str>)]) -> Reply {
    let items: Vec<String> = aliases
        .iter()
        .map(|(name, target)| match target {
            Some(t) => format!(r#"{{"AliasName":"{name}","TargetKeyId":"{t}"}}"#),
            None => format!(r#"{{"AliasName":"{name}"}}"#),
        })
        .collect();
    ok(&format!(
        r#"{{"Aliases":[{}],"Truncated":false}}"#,
        items.join(",")
    ))
}
