//! The connection: who is connected, where, until when; and the generation counter that cancels
//! work.
//!
//! Cancellation is one mechanism: each owner of work (a scope's loads, the session's
//! rotations) holds a [`Generation`] paired with its transport; ending the work bumps the
//! generation and aborts the transport (ui/state.rs `ScopeRuntime::cancel`). Work checks its
//! [`CancelToken`] before it writes anything; nothing else compares generations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::aws::endpoint::EndpointConfig;
use crate::aws::error::{AwsError, ErrorCode, ErrorKind};
use crate::aws::sts::CallerIdentity;

/// A counter shared by everything one owner runs (a scope's loads, the rotations). Bumping it
/// cancels: every [`CancelToken`] taken before then reports cancelled, so loaders stop and late
/// answers are dropped instead of landing in the new view.
///
/// Atomics (not `Rc<Cell>`) so the UI may keep it in `Send + Sync` reactive storage; on wasm32
/// they compile to plain loads and stores.
#[derive(Clone, Debug, Default)]
pub struct Generation(Arc<AtomicU64>);

impl Generation {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Cancel everything issued so far; returns the new generation.
    pub fn bump(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst).wrapping_add(1)
    }

    /// A token valid until the next [`Generation::bump`].
    pub fn token(&self) -> CancelToken {
        CancelToken {
            counter: Arc::clone(&self.0),
            issued: self.current(),
        }
    }
}

/// Held by a running load or workflow; see [`Generation`].
#[derive(Clone, Debug)]
pub struct CancelToken {
    counter: Arc<AtomicU64>,
    issued: u64,
}

impl CancelToken {
    /// A token nothing can cancel (tests, one-off calls).
    pub fn never() -> Self {
        Generation::new().token()
    }

    pub fn is_cancelled(&self) -> bool {
        self.counter.load(Ordering::SeqCst) != self.issued
    }

    pub fn generation(&self) -> u64 {
        self.issued
    }
}

/// How much life the credentials have left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Long-term keys, or a paste without an expiry.
    Unknown,
    Valid(Duration),
    /// Valid, but less than [`EXPIRY_WARNING`] left.
    Soon(Duration),
    Expired,
}

/// Below this the countdown is shown as a warning.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(5 * 60);

pub fn expiry(expiration: Option<SystemTime>, now: SystemTime) -> Expiry {
    let Some(exp) = expiration else {
        return Expiry::Unknown;
    };
    match exp.duration_since(now) {
        Ok(left) if left.is_zero() => Expiry::Expired,
        Ok(left) if left < EXPIRY_WARNING => Expiry::Soon(left),
        Ok(left) => Expiry::Valid(left),
        Err(_) => Expiry::Expired,
    }
}

/// The header countdown: "expires in 54 min", "expires in 2 h 05 min", "expires in 40 s",
/// "expired", or "no expiry given".
pub fn expiry_text(expiration: Option<SystemTime>, now: SystemTime) -> String {
    match expiry(expiration, now) {
        Expiry::Unknown => "no expiry given".to_string(),
        Expiry::Expired => "expired".to_string(),
        Expiry::Valid(left) | Expiry::Soon(left) => format!("expires in {}", duration_text(left)),
    }
}

/// A short human duration, rounded down: "40 s", "54 min", "2 h 05 min", "3 days".
pub fn duration_text(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 48 * 3600 {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    } else {
        format!("{} days", s / 86_400)
    }
}

/// True when an error means the credentials themselves no longer work, so the console should
/// go back to the connect form with the reason (rather than show the error on one key).
pub fn ends_session(err: &AwsError) -> bool {
    err.code().is_some_and(ErrorCode::is_credentials_rejected)
        || matches!(err.kind, ErrorKind::Credentials(_))
}

/// A live connection: identity from STS GetCallerIdentity, the endpoint settings and the
/// credentials' expiry.
#[derive(Clone, Debug)]
pub struct Session {
    pub identity: CallerIdentity,
    pub endpoint: EndpointConfig,
    pub expiration: Option<SystemTime>,
}

impl Session {
    pub fn new(
        identity: CallerIdentity,
        endpoint: EndpointConfig,
        expiration: Option<SystemTime>,
    ) -> Self {
        Session {
            identity,
            endpoint,
            expiration,
        }
    }

    pub fn region(&self) -> &str {
        &self.endpoint.region
    }

    /// Switch the home region, keeping the credentials (the caller cancels and restarts the
    /// scopes). A custom endpoint URL is kept (it is the user's choice of server; the region is
    /// then only the signing region).
    pub fn switch_region(&mut self, region: &str) {
        self.endpoint.region = region.to_string();
    }

    pub fn expiry(&self, now: SystemTime) -> Expiry {
        expiry(self.expiration, now)
    }

    pub fn expiry_text(&self, now: SystemTime) -> String {
        expiry_text(self.expiration, now)
    }

    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expiry(now) == Expiry::Expired
    }
}

/// What the header and the connect form show.
#[derive(Clone, Debug, Default)]
pub enum Connection {
    /// The connect form; `reason` says why the previous connection ended, if it did not end
    /// by the user's choice (expired, rejected credentials).
    #[default]
    Disconnected,
    Ended {
        reason: String,
    },
    Connecting,
    Connected(Box<Session>),
}

impl Connection {
    pub fn session(&self) -> Option<&Session> {
        match self {
            Connection::Connected(s) => Some(s),
            _ => None,
        }
    }

    pub fn session_mut(&mut self) -> Option<&mut Session> {
        match self {
            Connection::Connected(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_connected(&self) -> bool {
        matches!(self, Connection::Connected(_))
    }

    /// The user pressed "Disconnect": cancel loads, forget the session.
    pub fn disconnect(&mut self) {
        *self = Connection::Disconnected;
    }

    /// The credentials stopped working (expired, rejected): back to connect, with the reason.
    pub fn end(&mut self, reason: impl Into<String>) {
        *self = Connection::Ended {
            reason: reason.into(),
        };
    }

    /// Call on each countdown tick: ends the session once the credentials have expired.
    /// Returns true if it did.
    pub fn check_expiry(&mut self, now: SystemTime) -> bool {
        let expired = self.session().is_some_and(|s| s.is_expired(now));
        if expired {
            self.end(
                "The session credentials have expired. Get new credentials (for example with \
                 aws sts assume-role) and connect again.",
            );
        }
        expired
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Connection::Ended { reason } => Some(reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_795_608_000 + secs)
    }

    fn session(expiration: Option<SystemTime>) -> Session {
        Session::new(
            CallerIdentity {
                account: "111122223333".into(),
                arn: "arn:aws:sts::111122223333:assumed-role/keyturn/s".into(),
                user_id: "AROA:s".into(),
            },
            EndpointConfig {
                region: "us-east-1".into(),
                ..Default::default()
            },
            expiration,
        )
    }

    #[test]
    fn countdown_text() {
        let now = t(0);
        assert_eq!(expiry_text(Some(t(54 * 60 + 59)), now), "expires in 54 min");
        assert_eq!(expiry_text(Some(t(40)), now), "expires in 40 s");
        assert_eq!(
            expiry_text(Some(t(2 * 3600 + 5 * 60)), now),
            "expires in 2 h 05 min"
        );
        assert_eq!(
            expiry_text(Some(t(3 * 86_400 + 7)), now),
            "expires in 3 days"
        );
        assert_eq!(expiry_text(Some(t(0)), now), "expired");
        assert_eq!(expiry_text(Some(t(0)), t(10)), "expired");
        assert_eq!(expiry_text(None, now), "no expiry given");
        assert_eq!(
            expiry(Some(t(299)), now),
            Expiry::Soon(Duration::from_secs(299))
        );
        assert_eq!(
            expiry(Some(t(300)), now),
            Expiry::Valid(Duration::from_secs(300))
        );
        assert_eq!(expiry(None, now), Expiry::Unknown);
    }

    #[test]
    fn generations_cancel_older_tokens() {
        let g = Generation::new();
        let a = g.token();
        assert!(!a.is_cancelled());
        assert_eq!(g.bump(), 1);
        assert!(a.is_cancelled());
        let b = g.token();
        assert_eq!(b.generation(), 1);
        assert!(!b.is_cancelled());
        assert!(!CancelToken::never().is_cancelled());
    }

    #[test]
    fn region_switch_keeps_credentials() {
        let mut s = session(Some(t(3600)));
        s.switch_region("eu-west-1");
        assert_eq!(s.region(), "eu-west-1");
        assert_eq!(s.identity.account, "111122223333");
        assert_eq!(s.expiry_text(t(0)), "expires in 1 h 00 min");
        assert!(!s.is_expired(t(0)));
        assert!(s.is_expired(t(3600)));
    }

    #[test]
    fn connection_lifecycle() {
        let mut c = Connection::default();
        assert!(!c.is_connected());
        c = Connection::Connecting;
        assert!(c.session().is_none());
        c = Connection::Connected(Box::new(session(Some(t(60)))));
        assert!(!c.check_expiry(t(0)));
        assert!(c.check_expiry(t(61)));
        assert!(c.reason().unwrap().contains("expired"));

        let mut c = Connection::Connected(Box::new(session(None)));
        c.disconnect();
        assert!(matches!(c, Connection::Disconnected));
        assert!(c.reason().is_none());
    }

    #[test]
    fn rejected_credentials_end_the_session() {
        use ErrorCode as C;
        let err = |code: &ErrorCode| {
            AwsError::from(ErrorKind::Service {
                code: code.clone(),
                message: String::new(),
                status: 400,
                request_id: None,
            })
        };
        for code in [
            C::ExpiredTokenException,
            C::ExpiredToken,
            C::InvalidClientTokenId,
            C::UnrecognizedClientException,
            C::MissingAuthenticationToken,
            C::MissingAuthenticationTokenException,
        ] {
            assert!(ends_session(&err(&code)), "{code}");
        }
        for code in [
            C::AccessDeniedException,
            C::ThrottlingException,
            C::NotFoundException,
            C::Other("ExpiredTokenExceptionX".into()),
        ] {
            assert!(!ends_session(&err(&code)), "{code}");
        }
        assert!(!ends_session(&ErrorKind::Timeout.into()));
        assert!(ends_session(
            &ErrorKind::Credentials("expired".into()).into()
        ));
        assert!(ends_session(&AwsError::from(ErrorKind::OutcomeUnknown {
            cause: Box::new(err(&C::ExpiredTokenException).kind),
        })));
    }
}
