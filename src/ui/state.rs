//! The page's reactive state: one `App` of signal handles (Copy) passed to every view.
//! It holds what is on screen; the rules for it come from `console/`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::SystemTime;

use leptos::prelude::*;

use crate::aws::client::{Client, RequestRecord};
use crate::aws::credentials::Credentials;
use crate::aws::error::{AwsError, ErrorCode, ErrorKind};
use crate::aws::limiter::{Limiters, DEFAULT_SHARE};
use crate::aws::transport::FetchTransport;
use std::collections::HashMap;

use crate::console::filter::{Filter, Sort};
use crate::console::inventory::Inventory;
use crate::console::rotation::RotateFlow;
use crate::console::session::{ends_session, CancelToken, Connection, Generation};

use super::locks::KeyLock;

/// The client of the current session and region. Not `Send` (Rc observer), so it lives in
/// local storage.
pub type KmsClient = Rc<Client<FetchTransport>>;

/// An error for the banner: a sentence with the next step, plus the AWS code and request id.
#[derive(Clone, Debug, PartialEq)]
pub struct UiError {
    pub id: u64,
    pub sentence: String,
    pub code: Option<String>,
    pub request_id: Option<String>,
    pub status: Option<u16>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Success,
    Warning,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub kind: NoticeKind,
    pub text: String,
}

/// One request log line: the client's record plus a sequence number for keyed rendering.
/// Shared (`Arc`), so re-rendering the log never copies request and response bodies.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub seq: u64,
    pub record: Arc<RequestRecord>,
}

/// How many log entries are kept in memory (a 1,000-key inventory makes ~3,000 requests).
pub const LOG_KEEP: usize = 5000;

/// How long log records wait before they are shown together.
const LOG_FLUSH: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Clone, Copy)]
pub struct App {
    pub connection: RwSignal<Connection>,
    /// Kept in memory only (and in sessionStorage when the user opted in) so a region switch
    /// does not ask for them again. One copy, shared with the clients; wiped when the last
    /// holder lets go (credentials.rs).
    pub credentials: StoredValue<Option<Rc<Credentials>>, LocalStorage>,
    pub client: StoredValue<Option<KmsClient>, LocalStorage>,
    /// The page's one transport: `abort_all` cancels every request of an old session/region.
    pub transport: StoredValue<FetchTransport, LocalStorage>,
    /// Ticks every second (header countdown, "in progress" timers).
    pub now: RwSignal<SystemTime>,
    pub error: RwSignal<Option<UiError>>,
    pub notice: RwSignal<Option<Notice>>,
    pub log: RwSignal<Vec<LogEntry>>,
    pub log_seq: StoredValue<u64>,
    /// Records not yet shown: the log is updated a few times a second, not once per request.
    pub log_pending: StoredValue<Rc<RefCell<Vec<LogEntry>>>, LocalStorage>,
    pub next_id: StoredValue<u64>,
    /// The region's keys (folded from the loader's events).
    pub inventory: RwSignal<Inventory>,
    pub filter: RwSignal<Filter>,
    pub sort: RwSignal<Sort>,
    /// The key whose panel is open.
    pub selected: RwSignal<Option<String>>,
    /// "Rotate now" state per (region, key) (`rotation::flow_key`), kept when the panel closes
    /// or the region changes, so a running rotation is still followed and shown.
    pub flows: RwSignal<HashMap<String, RotateFlow>>,
    /// The key whose rotate dialog is open.
    pub dialog: RwSignal<Option<String>>,
    /// Rotations have their own transport and generation: a region switch or Back/Forward
    /// cancels the inventory's requests, never a rotation's; only the end of the session does
    /// (ui/rotations.rs).
    pub rotation_transport: StoredValue<FetchTransport, LocalStorage>,
    pub rotation_gen: StoredValue<Generation>,
    /// Cross-tab locks held for rotations whose outcome is unknown.
    pub locks: StoredValue<HashMap<String, KeyLock>, LocalStorage>,
    /// Adaptive pacing per scope (region), shared by the page's and the rotations' clients of
    /// that scope (docs/kms.md §4.3); kept for the session.
    pub limiters: StoredValue<HashMap<String, Rc<Limiters>>, LocalStorage>,
    /// The share of each KMS quota the console may use (docs/kms.md §4.3).
    pub quota_share: RwSignal<f64>,
}

impl App {
    pub fn new() -> Self {
        App {
            connection: RwSignal::new(Connection::Disconnected),
            credentials: StoredValue::new_local(None),
            client: StoredValue::new_local(None),
            transport: StoredValue::new_local(FetchTransport::new()),
            now: RwSignal::new(super::dom::now()),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            log: RwSignal::new(Vec::new()),
            log_seq: StoredValue::new(0),
            log_pending: StoredValue::new_local(Rc::new(RefCell::new(Vec::new()))),
            next_id: StoredValue::new(0),
            inventory: RwSignal::new(Inventory::default()),
            filter: RwSignal::new(Filter::default()),
            sort: RwSignal::new(Sort::default()),
            selected: RwSignal::new(None),
            flows: RwSignal::new(HashMap::new()),
            dialog: RwSignal::new(None),
            rotation_transport: StoredValue::new_local(FetchTransport::new()),
            rotation_gen: StoredValue::new(Generation::new()),
            locks: StoredValue::new_local(HashMap::new()),
            limiters: StoredValue::new_local(HashMap::new()),
            quota_share: RwSignal::new(DEFAULT_SHARE),
        }
    }

    /// The pacing of `region`'s scope, made on first use at the current share.
    pub fn limiters_for(&self, region: &str) -> Rc<Limiters> {
        let share = self.quota_share.get_untracked();
        let mut out = None;
        self.limiters.update_value(|m| {
            out = Some(Rc::clone(
                m.entry(region.to_string())
                    .or_insert_with(|| Rc::new(Limiters::new(share))),
            ));
        });
        out.unwrap_or_else(|| Rc::new(Limiters::new(share)))
    }

    /// The user changed the share: every scope's limiters follow at once.
    pub fn set_quota_share(&self, share: f64) {
        self.quota_share.set(share);
        let now = super::dom::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        self.limiters
            .with_value(|m| m.values().for_each(|l| l.set_share(share, now)));
    }

    /// The token every rotation of this session runs with (None when not connected).
    pub fn rotation_token(&self) -> Option<CancelToken> {
        self.connection
            .with_untracked(Connection::is_connected)
            .then(|| self.rotation_gen.with_value(Generation::token))
    }

    /// The session is over: stop every rotation's requests. Locks of rotations that are still
    /// recorded (not settled) stay held, so no other tab can rotate those keys meanwhile; the
    /// next connection reconciles them (ui/rotations.rs).
    fn end_rotations(&self) {
        self.rotation_gen.with_value(|g| {
            g.bump();
        });
        self.rotation_transport.with_value(|t| t.abort_all());
        let keep = super::rotations::recorded_lock_names();
        self.locks
            .update_value(|m| m.retain(|name, _| keep.contains(name)));
        self.flows.set(HashMap::new());
        self.dialog.set(None);
    }

    fn fresh_id(&self) -> u64 {
        let id = self.next_id.get_value().wrapping_add(1);
        self.next_id.set_value(id);
        id
    }

    /// A client whose requests go to the log and are cancelled by the next `abort_all` of
    /// `root` (the page's transport, or the rotations' own). Records of a retired scope
    /// (disconnect, region switch) are dropped: after Disconnect the page must not show
    /// anything of the old session, not even the access key id in a header.
    pub fn logged_client(
        &self,
        root: StoredValue<FetchTransport, LocalStorage>,
        creds: Rc<Credentials>,
        endpoint: crate::aws::endpoint::EndpointConfig,
    ) -> KmsClient {
        let transport = root.with_value(|t| t.new_scope());
        let scope = transport.clone();
        let app = *self;
        let observer: crate::aws::client::Observer = Rc::new(move |record| {
            if scope.is_current() {
                app.push_log(record);
            }
        });
        let limiters = self.limiters_for(&endpoint.region);
        Rc::new(
            Client::new(transport, creds, endpoint)
                .with_observer(observer)
                .with_limiters(limiters),
        )
    }

    /// The current client, if connected.
    pub fn client(&self) -> Option<KmsClient> {
        self.client.with_value(|c| c.clone())
    }

    /// The client and the current session's cancel token, if connected: what every action
    /// needs, so that a disconnect or region switch drops its late results.
    pub fn connected(&self) -> Option<(KmsClient, CancelToken)> {
        let client = self.client()?;
        let token = self
            .connection
            .with_untracked(|c| c.session().map(|s| s.token()))?;
        Some((client, token))
    }

    /// The flow key of `key_id` in the current region.
    pub fn flow_key(&self, key_id: &str) -> String {
        crate::console::rotation::flow_key(&self.region().unwrap_or_default(), key_id)
    }

    /// The current region (connected or not: None when disconnected).
    pub fn region(&self) -> Option<String> {
        self.connection
            .with_untracked(|c| c.session().map(|s| s.region().to_string()))
    }

    pub fn show_error_text(&self, sentence: impl Into<String>) {
        let id = self.fresh_id();
        self.error.set(Some(UiError {
            id,
            sentence: sentence.into(),
            code: None,
            request_id: None,
            status: None,
        }));
    }

    /// Show an AWS error in the banner (code, request id, and a sentence with the next step).
    /// Errors that mean the credentials stopped working end the session instead: back to
    /// connect with the reason. Cancelled requests are not errors.
    pub fn report(&self, err: &AwsError) {
        self.report_sentence(err.user_message(), err);
    }

    /// Show a sentence (already written for a person) with the AWS code and request id of the
    /// error behind it; session-ending errors go back to connect.
    pub fn report_sentence(&self, sentence: String, err: &AwsError) {
        if matches!(err.kind, ErrorKind::Aborted) {
            return;
        }
        let id = self.fresh_id();
        let ui = UiError {
            id,
            sentence,
            code: err.code().map(ErrorCode::to_string),
            request_id: err.request_id().map(str::to_string),
            status: err.status(),
        };
        if self.connection.with_untracked(|c| c.is_connected()) && ends_session(err) {
            self.end_session(ui.sentence.clone());
        }
        self.error.set(Some(ui));
    }

    pub fn dismiss_error(&self) {
        self.error.set(None);
    }

    pub fn notify(&self, kind: NoticeKind, text: impl Into<String>) {
        let id = self.fresh_id();
        self.notice.set(Some(Notice {
            id,
            kind,
            text: text.into(),
        }));
    }

    pub fn push_log(&self, record: &RequestRecord) {
        let seq = self.log_seq.get_value().wrapping_add(1);
        self.log_seq.set_value(seq);
        let entry = LogEntry {
            seq,
            record: Arc::new(record.clone()),
        };
        let pending = self.log_pending.get_value();
        let first = {
            let mut p = pending.borrow_mut();
            p.push(entry);
            p.len() == 1
        };
        if first {
            let app = *self;
            set_timeout(move || app.flush_log(), LOG_FLUSH);
        }
    }

    fn flush_log(&self) {
        let pending = self.log_pending.get_value();
        let entries = std::mem::take(&mut *pending.borrow_mut());
        if entries.is_empty() {
            return;
        }
        self.log.update(|log| {
            log.extend(entries);
            if log.len() > LOG_KEEP {
                let extra = log.len() - LOG_KEEP;
                log.drain(..extra);
            }
        });
    }

    /// Forget the log, including records not shown yet.
    pub fn clear_log(&self) {
        self.log_pending.get_value().borrow_mut().clear();
        self.log.set(Vec::new());
    }

    /// Cancel every request in flight (disconnect, region switch).
    pub fn abort_requests(&self) {
        self.transport.with_value(|t| t.abort_all());
    }

    /// Forget everything shown for the old region. Rotation flows stay (they follow their
    /// key's own region); a dialog still asking is closed.
    pub fn clear_console(&self) {
        self.inventory.set(Inventory::default());
        self.selected.set(None);
        self.flows
            .update(|m| m.values_mut().for_each(RotateFlow::cancel));
        self.dialog.set(None);
    }

    /// Credentials expired or were rejected: cancel everything, forget them, and go back to the
    /// connect form with `reason`.
    pub fn end_session(&self, reason: String) {
        self.abort_requests();
        self.limiters.set_value(HashMap::new());
        self.end_rotations();
        self.clear_console();
        self.client.set_value(None);
        self.credentials.set_value(None);
        super::persist::forget();
        self.connection.update(|c| c.end(reason));
        super::dom::scroll_to_top();
        // The old session's requests (account, key ids, access key id) go with it, as on
        // Disconnect.
        self.clear_log();
    }

    /// The user pressed Disconnect: forget the credentials everywhere.
    pub fn disconnect(&self) {
        self.abort_requests();
        self.limiters.set_value(HashMap::new());
        self.end_rotations();
        self.clear_console();
        self.filter.set(Filter::default());
        self.client.set_value(None);
        self.credentials.set_value(None);
        super::persist::forget();
        self.connection.update(|c| c.disconnect());
        super::dom::scroll_to_top();
        self.clear_log();
        self.dismiss_error();
        self.notice.set(None);
    }
}
