//! The page's reactive state: one `App` of signal handles (Copy), provided by context
//! ([`use_app`]) to every view and action. It holds what is on screen and the per-scope
//! clients; the rules come from `console/`, the changes from `ui/actions/`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::SystemTime;

use leptos::prelude::*;

use crate::aws::client::{Client, RequestRecord};
use crate::aws::credentials::Credentials;

use crate::aws::limiter::{Limiters, DEFAULT_SHARE};
use crate::aws::transport::FetchTransport;
use std::collections::HashMap;

use crate::aws::endpoint::EndpointConfig;
use crate::console::filter::{Filter, Group, Sort};
use crate::console::fleet::{Fleet, RowKey};
use crate::console::inventory::Priority;
use crate::console::policy::{Policy, Summary, Verdicts};
use crate::console::rotation::RotateFlow;
use crate::console::scope::{RoleTarget, ScopeId, ScopeRequest, DEFAULT_ROLE_NAME};
use crate::console::session::{CancelToken, Connection, Generation};

use super::answer::Slot;
use super::locks::KeyLock;
use crate::console::bulk::plan::Plan;
use crate::console::bulk::run::Run;
use crate::console::bulk::selection::Selection;
use crate::console::last_use::LastUse;

/// A client of one scope (or of the session, for STS). Not `Send` (Rc observer), so it lives
/// in local storage.
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

/// How one account is reached: the pasted credentials, or a role session (refreshed before it
/// expires, ui/actions/scopes.rs).
pub struct AccountAccess {
    pub credentials: Rc<Credentials>,
    pub role: Option<RoleTarget>,
}

/// One scope's page client and the generation its loads run under: bumping it (a reload, the
/// scope dropped, the session ended) is the one way a load is cancelled; its requests are
/// aborted with its transport.
pub struct ScopeRuntime {
    pub client: KmsClient,
    pub transport: FetchTransport,
    pub generation: Generation,
    /// The scope's keys on screen, read first by its loads.
    pub priority: Priority,
}

impl ScopeRuntime {
    /// Cancel every load of the scope: late answers are dropped, requests in flight aborted.
    pub fn cancel(&self) {
        self.generation.bump();
        self.transport.abort_all();
    }
}

#[derive(Clone, Copy)]
pub struct App {
    pub connection: RwSignal<Connection>,
    /// Kept in memory only (and in sessionStorage when the user opted in) so a scope change
    /// does not ask for them again. One copy, shared with the clients; wiped when the last
    /// holder lets go (credentials.rs).
    pub credentials: StoredValue<Option<Rc<Credentials>>, LocalStorage>,
    /// Every chosen account's credentials (the connected one's are `credentials`).
    pub accounts: StoredValue<HashMap<String, AccountAccess>, LocalStorage>,
    /// Every chosen scope's page client.
    pub runtimes: StoredValue<HashMap<ScopeId, ScopeRuntime>, LocalStorage>,
    /// The page's transport for calls outside a scope (STS, Organizations).
    pub transport: StoredValue<FetchTransport, LocalStorage>,
    /// Ticks every second (header countdown, "in progress" timers, pacing status).
    pub now: RwSignal<SystemTime>,
    pub error: RwSignal<Option<UiError>>,
    pub notice: RwSignal<Option<Notice>>,
    pub log: RwSignal<Vec<LogEntry>>,
    pub log_seq: StoredValue<u64>,
    /// Records not yet shown: the log is updated a few times a second, not once per request.
    pub log_pending: StoredValue<Rc<RefCell<Vec<LogEntry>>>, LocalStorage>,
    pub next_id: StoredValue<u64>,
    /// Every scope's keys (folded from the loaders' events).
    pub fleet: RwSignal<Fleet>,
    /// What the scope editor holds.
    pub scope_request: RwSignal<ScopeRequest>,
    /// Account names Organizations told.
    pub account_names: RwSignal<HashMap<String, String>>,
    /// The scope editor is open.
    pub scopes_open: RwSignal<bool>,
    /// The scope editor's own message (a bad line, the org listing's failure), shown beside it.
    pub scopes_message: RwSignal<Option<String>>,
    pub filter: RwSignal<Filter>,
    pub sort: RwSignal<Sort>,
    pub group: RwSignal<Group>,
    /// The key whose panel is open.
    pub selected: RwSignal<Option<RowKey>>,
    /// "Rotate now" state per key (`RowKey::key`), kept when the panel closes or the scopes
    /// change, so a running rotation is still followed and shown.
    pub flows: RwSignal<HashMap<String, RotateFlow>>,
    /// The key whose rotate dialog is open.
    pub dialog: RwSignal<Option<RowKey>>,
    /// Rotations have their own transport and generation: a scope change or Back/Forward
    /// cancels the inventory's requests, never a rotation's; only the end of the session does
    /// (ui/actions/rotate.rs).
    pub rotation_transport: StoredValue<FetchTransport, LocalStorage>,
    pub rotation_gen: StoredValue<Generation>,
    /// Cross-tab locks held for rotations whose outcome is unknown.
    pub locks: StoredValue<HashMap<String, KeyLock>, LocalStorage>,
    /// Adaptive pacing per scope, shared by the page's and the rotations' clients of that
    /// scope (docs/kms.md §4.3); kept for the session.
    pub limiters: StoredValue<HashMap<ScopeId, Rc<Limiters>>, LocalStorage>,
    /// The share of each KMS quota the console may use (docs/kms.md §4.3).
    pub quota_share: RwSignal<f64>,
    /// The rotation policy (docs/compliance.md §2); changed only by `actions::compliance`.
    pub policy: RwSignal<Policy>,
    /// Every row's verdict, recomputed when the fleet or the policy changes and on the hour
    /// (docs/compliance.md §4).
    pub verdicts: Memo<Verdicts>,
    /// The verdict counts over what the table lists, in all and per scope.
    pub summary: Memo<Summary>,
    /// The keys selected for a bulk action (docs/bulk.md §1).
    pub selection: RwSignal<Selection>,
    /// The plan on screen, before it runs.
    pub bulk_plan: RwSignal<Option<Plan>>,
    /// The current (or last) bulk run; kept in sessionStorage (`keyturn.bulk`).
    pub bulk_run: RwSignal<Option<Run>>,
    pub bulk_rt: StoredValue<BulkRuntime, LocalStorage>,
    /// GetKeyLastUsage answers for the inventory's optional column, by key; None while asked
    /// (docs/kms.md §2.16 GetKeyLastUsage).
    pub last_use: RwSignal<HashMap<RowKey, Option<Result<LastUse, String>>>>,
    /// The "Last use" column is shown. Off by default: GetKeyLastUsage's quota is 5 requests
    /// per second, so only the shown page's keys are asked, when shown.
    pub show_last_use: RwSignal<bool>,
}

/// What a bulk worker waiting on one key's rotation is told (ui/actions/bulk.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAnswer {
    /// The run's item has its outcome (or is being reconciled): go on to the next key.
    Settled,
    /// Throttled through every attempt: nothing was done; wait and send it again.
    Throttled,
    /// Paused or cancelled before the request left: the key was released.
    Released,
}

/// The bulk run's moving parts that are not on screen: who waits for which key's answer, the
/// rotations a run started (their outcome is told in the run, not in a banner), and the
/// workers alive per scope.
#[derive(Default)]
pub struct BulkRuntime {
    pub waiters: HashMap<String, Rc<Slot<BulkAnswer>>>,
    pub started: std::collections::HashSet<String>,
    pub workers: HashMap<ScopeId, usize>,
    /// A coalesced sessionStorage write is due.
    pub save_due: bool,
}

/// The page's state, provided by the root component.
pub fn use_app() -> App {
    expect_context::<App>()
}

impl App {
    pub fn new() -> Self {
        let now = RwSignal::new(super::dom::now());
        let fleet = RwSignal::new(Fleet::default());
        let policy = RwSignal::new(Policy::default());
        let hour = Memo::new(move |_| crate::aws::limiter::seconds(now.get()) as u64 / 3600);
        let verdicts = Memo::new(move |prev: Option<&Verdicts>| {
            let _ = hour.get();
            // The exact time, not the hour: ages are whole days counted from the real now.
            let t = crate::aws::limiter::seconds(now.get_untracked());
            let p = policy.get();
            fleet.with(|f| Verdicts::update(prev, f, &p, t))
        });
        let summary = Memo::new(move |_| verdicts.with(|v| fleet.with(|f| Summary::of(f, v))));
        App {
            connection: RwSignal::new(Connection::Disconnected),
            credentials: StoredValue::new_local(None),
            accounts: StoredValue::new_local(HashMap::new()),
            runtimes: StoredValue::new_local(HashMap::new()),
            transport: StoredValue::new_local(FetchTransport::new()),
            now,
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            log: RwSignal::new(Vec::new()),
            log_seq: StoredValue::new(0),
            log_pending: StoredValue::new_local(Rc::new(RefCell::new(Vec::new()))),
            next_id: StoredValue::new(0),
            fleet,
            scope_request: RwSignal::new(ScopeRequest {
                role_name: DEFAULT_ROLE_NAME.to_string(),
                ..ScopeRequest::default()
            }),
            account_names: RwSignal::new(HashMap::new()),
            scopes_open: RwSignal::new(false),
            scopes_message: RwSignal::new(None),
            filter: RwSignal::new(Filter::default()),
            sort: RwSignal::new(Sort::default()),
            group: RwSignal::new(Group::default()),
            selected: RwSignal::new(None),
            flows: RwSignal::new(HashMap::new()),
            dialog: RwSignal::new(None),
            rotation_transport: StoredValue::new_local(FetchTransport::new()),
            rotation_gen: StoredValue::new(Generation::new()),
            locks: StoredValue::new_local(HashMap::new()),
            limiters: StoredValue::new_local(HashMap::new()),
            quota_share: RwSignal::new(DEFAULT_SHARE),
            policy,
            verdicts,
            summary,
            selection: RwSignal::new(Selection::default()),
            bulk_plan: RwSignal::new(None),
            bulk_run: RwSignal::new(None),
            last_use: RwSignal::new(HashMap::new()),
            show_last_use: RwSignal::new(false),
            bulk_rt: StoredValue::new_local(BulkRuntime::default()),
        }
    }

    /// The pacing of `scope`, made on first use at the current share.
    pub fn limiters_for(&self, scope: &ScopeId) -> Rc<Limiters> {
        let share = self.quota_share.get_untracked();
        let mut out = None;
        self.limiters.update_value(|m| {
            out = Some(Rc::clone(
                m.entry(scope.clone())
                    .or_insert_with(|| Rc::new(Limiters::new(share))),
            ));
        });
        out.unwrap_or_else(|| Rc::new(Limiters::new(share)))
    }

    /// The token every rotation of this session runs with (None when not connected).
    pub fn rotation_token(&self) -> Option<CancelToken> {
        self.connection
            .with_untracked(Connection::is_connected)
            .then(|| self.rotation_gen.with_value(Generation::token))
    }

    pub fn fresh_id(&self) -> u64 {
        let id = self.next_id.get_value().wrapping_add(1);
        self.next_id.set_value(id);
        id
    }

    /// A client whose requests go to the log and are cancelled by the next `abort_all` of
    /// `root`. Records of a retired client (disconnect, scope dropped) are dropped: after
    /// Disconnect the page must not show anything of the old session, not even the access key
    /// id in a header. `scope` chooses the pacing (None: calls outside any scope).
    pub fn logged_client(
        &self,
        root: &FetchTransport,
        creds: Rc<Credentials>,
        endpoint: EndpointConfig,
        scope: Option<&ScopeId>,
    ) -> KmsClient {
        let transport = root.new_scope();
        let live = transport.clone();
        let app = *self;
        let observer: crate::aws::client::Observer = Rc::new(move |record| {
            if live.is_current() {
                app.push_log(record);
            }
        });
        let mut client = Client::new(transport, creds, endpoint).with_observer(observer);
        if let Some(scope) = scope {
            client = client.with_limiters(self.limiters_for(scope));
        }
        Rc::new(client)
    }

    /// The session's endpoint settings with `region` (None when disconnected).
    pub fn endpoint_for(&self, region: &str) -> Option<EndpointConfig> {
        self.connection.with_untracked(|c| {
            c.session().map(|s| EndpointConfig {
                region: region.to_string(),
                ..s.endpoint.clone()
            })
        })
    }

    /// The connected account and the session's home region.
    pub fn home_scope(&self) -> Option<ScopeId> {
        self.connection.with_untracked(|c| {
            c.session()
                .map(|s| ScopeId::new(s.identity.account.clone(), s.region().to_string()))
        })
    }

    /// `account`'s credentials (None: not reached, or not chosen).
    pub fn credentials_for(&self, account: &str) -> Option<Rc<Credentials>> {
        self.accounts
            .with_value(|m| m.get(account).map(|a| Rc::clone(&a.credentials)))
    }

    /// `scope`'s page client and a token of its current load generation.
    pub fn scope_client(&self, scope: &ScopeId) -> Option<(KmsClient, CancelToken)> {
        self.runtimes.with_value(|m| {
            m.get(scope)
                .map(|rt| (Rc::clone(&rt.client), rt.generation.token()))
        })
    }

    /// The clock offset learned by any client (carried over to new clients).
    pub fn clock_offset_ms(&self) -> i64 {
        self.runtimes.with_value(|m| {
            m.values()
                .map(|rt| rt.client.clock_offset_ms())
                .find(|o| *o != 0)
                .unwrap_or(0)
        })
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

    /// Show an error in the banner (ui/actions/session.rs `report` decides whether it also
    /// ends the session).
    pub fn show_error(&self, ui: UiError) {
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
}
