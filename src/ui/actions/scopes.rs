//! Choosing where to look: accounts (the pasted credentials, or roles assumed from them) times
//! Regions; AssumeRole and its renewal; the organization's account list; the pacing share
//! (docs/kms.md §4.3, §5).

use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::state::{AccountAccess, App, KmsClient, ScopeRuntime};
use super::load;
use crate::aws::endpoint::partition_of;
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::organizations::{ListAccounts, LIST_ACCOUNTS_PAGE};
use crate::aws::sts::AssumeRole;
use crate::aws::transport::FetchTransport;
use crate::console::fleet::ScopePhase;
use crate::console::inventory::{every_page, Priority};
use crate::console::scope::{
    self, parse_accounts, session_name, session_seconds, Access, AccountChoice, RoleTarget,
    ScopeId, CHAINED_MAX_SECONDS, REFRESH_BEFORE_SECONDS,
};
use crate::console::session::Generation;

/// A page client for `scope` with its account's current credentials, on `transport`.
fn client_for(app: App, scope: &ScopeId, transport: &FetchTransport) -> Option<KmsClient> {
    let creds = app.credentials_for(&scope.account)?;
    let endpoint = app.endpoint_for(&scope.region)?;
    let client = app.logged_client(transport, creds, endpoint, Some(scope));
    client.set_clock_offset_ms(app.clock_offset_ms());
    Some(client)
}

/// (Re)start `scope` with its account's credentials: a new runtime (the one it replaces is
/// cancelled first) and a full load. Nothing happens while the account is not reached.
fn start_scope(app: App, scope: ScopeId) {
    let transport = FetchTransport::new();
    let Some(client) = client_for(app, &scope, &transport) else {
        return;
    };
    let rt = ScopeRuntime {
        client,
        transport,
        generation: Generation::new(),
        priority: Priority::default(),
    };
    app.runtimes.update_value(|m| {
        if let Some(old) = m.insert(scope.clone(), rt) {
            old.cancel();
        }
    });
    load::load_scope(app, scope);
}

/// Right after connecting: the connected account in `home`'s Region (or the scopes the
/// editor already holds, after a reconnect).
pub fn start_home(app: App, home: ScopeId) {
    app.scope_request.update(|r| {
        if r.regions.is_empty() {
            r.regions = vec![home.region.clone()];
        }
    });
    app.fleet.update(|f| {
        f.set_scopes(vec![(home.clone(), None, false)]);
    });
    start_scope(app, home);
}

/// Add `scope` of an account already reached (a link to another Region) and load it.
pub fn add_scope(app: App, scope: ScopeId) {
    if app.fleet.with_untracked(|f| f.scope(&scope).is_some()) {
        return;
    }
    let assumed = app.accounts.with_value(|m| {
        m.get(&scope.account)
            .map(|a| a.role.is_some())
            .unwrap_or(false)
    });
    let mut chosen: Vec<(ScopeId, Option<String>, bool)> = app.fleet.with_untracked(|f| {
        f.scopes()
            .iter()
            .map(|e| (e.id.clone(), e.account_name.clone(), e.assumed))
            .collect()
    });
    chosen.push((scope.clone(), None, assumed));
    app.fleet.update(|f| {
        f.set_scopes(chosen);
    });
    app.scope_request.update(|r| {
        if !r.regions.contains(&scope.region) {
            r.regions.push(scope.region.clone());
        }
    });
    start_scope(app, scope);
}

/// The header's Region picker: every chosen account in `region` only (the connected
/// account's home Region moves there too), without new credentials.
pub fn switch_region(app: App, region: String) {
    if app.home_scope().is_some_and(|h| h.region == region)
        && !app.fleet.with_untracked(|f| f.is_multi())
    {
        return;
    }
    if let Some(endpoint) = app.endpoint_for(&region) {
        if let Err(e) = crate::aws::endpoint::resolve(crate::aws::endpoint::Service::Kms, &endpoint)
        {
            app.show_error_text(e.to_string());
            return;
        }
    }
    app.connection.update(|c| {
        if let Some(s) = c.session_mut() {
            s.switch_region(&region);
        }
    });
    super::super::persist::update_region(&region);
    app.scope_request
        .update(|r| r.regions = vec![region.clone()]);
    apply(app);
    super::navigate::select_key(app, None, true);
}

/// The Regions the editor offers: the connected partition's (credentials belong to one).
pub fn offered_regions(app: App) -> (&'static str, Vec<&'static str>) {
    let home = app.home_scope().map(|s| s.region).unwrap_or_default();
    match partition_of(&home) {
        Some(p) => (p.name, p.regions.to_vec()),
        None => ("AWS", Vec::new()),
    }
}

/// "Apply": parse the editor, assume the roles, and load every new scope. Scopes that stay
/// keep their keys; scopes dropped are cancelled. A bad line loses nothing: the message says
/// which line and the scopes stay as they were.
pub fn apply(app: App) {
    let Some(home) = app.home_scope() else {
        return;
    };
    let request = app.scope_request.get_untracked();
    let partition_id = partition_of(&home.region).map_or("aws", |p| p.id);
    let accounts = match parse_accounts(&request, &home.account, partition_id) {
        Ok(a) => a,
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            app.scopes_message.set(Some(format!(
                "Nothing was changed. Fix {}: {}",
                if lines.len() == 1 {
                    "this line"
                } else {
                    "these lines"
                },
                lines.join("; ")
            )));
            return;
        }
    };
    if request.regions.is_empty() {
        app.scopes_message.set(Some(
            "Nothing was changed. Choose at least one Region.".to_string(),
        ));
        return;
    }
    app.scopes_message.set(None);
    let names = app.account_names.get_untracked();
    let ids = scope::scopes(&accounts, &request.regions);
    let assumed_accounts: HashMap<&str, &AccountChoice> = accounts
        .iter()
        .filter(|a| matches!(a.access, Access::Role(_)))
        .map(|a| (a.account.as_str(), a))
        .collect();
    let chosen: Vec<(ScopeId, Option<String>, bool)> = ids
        .iter()
        .map(|id| {
            (
                id.clone(),
                names.get(&id.account).cloned(),
                assumed_accounts.contains_key(id.account.as_str()),
            )
        })
        .collect();
    // Scopes dropped: cancel their loads and forget their clients.
    let keep: std::collections::HashSet<&ScopeId> = ids.iter().collect();
    app.runtimes.update_value(|m| {
        m.retain(|id, rt| {
            let stays = keep.contains(id);
            if !stays {
                rt.cancel();
            }
            stays
        })
    });
    // An account whose role or external id changed is assumed again.
    let changed: std::collections::HashSet<String> = app.accounts.with_value(|m| {
        accounts
            .iter()
            .filter_map(|a| match (&a.access, m.get(&a.account)) {
                (Access::Role(role), Some(had)) if had.role.as_ref() != Some(role) => {
                    Some(a.account.clone())
                }
                _ => None,
            })
            .collect()
    });
    app.accounts
        .update_value(|m| m.retain(|acct, _| !changed.contains(acct)));
    let mut fresh = app
        .fleet
        .try_update(|f| f.set_scopes(chosen))
        .unwrap_or_default();
    // Apply also retries what failed (an AssumeRole refused, a Region denied) and reloads the
    // scopes of an account reached another way now.
    app.fleet.with_untracked(|f| {
        for e in f.scopes() {
            let again = matches!(e.phase, ScopePhase::Failed(_)) || changed.contains(&e.id.account);
            if again && !fresh.contains(&e.id) {
                fresh.push(e.id.clone());
            }
        }
    });
    let reached: std::collections::HashSet<String> =
        app.accounts.with_value(|m| m.keys().cloned().collect());
    app.fleet.update(|f| {
        for id in &fresh {
            if let Some(e) = f.scope_mut(id) {
                if e.assumed && !reached.contains(&id.account) {
                    e.phase = ScopePhase::Assuming;
                }
            }
        }
    });
    if app
        .selected
        .get_untracked()
        .is_some_and(|k| !keep.contains(&k.scope))
    {
        super::navigate::select_key(app, None, false);
    }
    // Accounts no longer chosen: their credentials go.
    let wanted: std::collections::HashSet<&str> =
        accounts.iter().map(|a| a.account.as_str()).collect();
    app.accounts
        .update_value(|m| m.retain(|acct, _| wanted.contains(acct.as_str())));
    for account in &accounts {
        let scopes: Vec<ScopeId> = fresh
            .iter()
            .filter(|s| s.account == account.account)
            .cloned()
            .collect();
        if scopes.is_empty() {
            continue;
        }
        let reached = app
            .accounts
            .with_value(|m| m.contains_key(&account.account));
        match &account.access {
            Access::Role(role) if !reached => {
                assume_and_load(app, account.account.clone(), role.clone(), scopes)
            }
            _ => scopes.into_iter().for_each(|s| start_scope(app, s)),
        }
    }
    app.scopes_open.set(false);
}

/// AssumeRole into `account`, then load `scopes` with the session; a failure is shown on each
/// of those scopes (the others go on).
fn assume_and_load(app: App, account: String, role: RoleTarget, scopes: Vec<ScopeId>) {
    // A later Apply for the same account supersedes this one: its answer is then dropped.
    let attempt = ASSUMING.with(|m| {
        let mut m = m.borrow_mut();
        let n = m.entry(account.clone()).or_insert(0);
        *n += 1;
        *n
    });
    let current =
        move |account: &str| ASSUMING.with(|m| m.borrow().get(account).copied()) == Some(attempt);
    spawn_local(async move {
        let answer = assume(app, &role).await;
        if !current(&account) {
            return;
        }
        match answer {
            Ok((creds, arn)) => {
                // The role must belong to the account it was chosen for.
                let got = arn.split(':').nth(4).unwrap_or_default().to_string();
                if !got.is_empty() && got != account {
                    let e = AwsError::from(ErrorKind::Credentials(format!(
                        "the role {} returned credentials of account {got}, not {account}",
                        role.role_arn
                    )));
                    fail_scopes(app, &scopes, e);
                    return;
                }
                app.accounts.update_value(|m| {
                    m.insert(
                        account.clone(),
                        AccountAccess {
                            credentials: creds,
                            role: Some(role),
                        },
                    );
                });
                super::rotate::reconcile_recorded_for(app, &account);
                for s in scopes {
                    if app.fleet.with_untracked(|f| f.scope(&s).is_some()) {
                        start_scope(app, s);
                    }
                }
            }
            Err(e) => fail_scopes(app, &scopes, e),
        }
    });
}

fn fail_scopes(app: App, scopes: &[ScopeId], e: AwsError) {
    if matches!(e.kind, ErrorKind::Aborted) {
        return;
    }
    app.fleet.update(|f| {
        for s in scopes {
            if let Some(entry) = f.scope_mut(s) {
                entry.phase = ScopePhase::Failed(e.clone());
            }
        }
    });
}

/// One AssumeRole with the pasted credentials: the role session's credentials and ARN.
async fn assume(
    app: App,
    role: &RoleTarget,
) -> Result<(Rc<crate::aws::credentials::Credentials>, String), AwsError> {
    let (home, caller, creds) = app
        .connection
        .with_untracked(|c| {
            c.session()
                .map(|s| (s.region().to_string(), s.identity.arn.clone()))
        })
        .zip(app.credentials.get_value())
        .map(|((h, a), c)| (h, a, c))
        .ok_or_else(|| AwsError::from(ErrorKind::Aborted))?;
    let endpoint = app
        .endpoint_for(&home)
        .ok_or_else(|| AwsError::from(ErrorKind::Aborted))?;
    let root = app.transport.get_value();
    let client = app.logged_client(&root, creds, endpoint, None);
    client.set_clock_offset_ms(app.clock_offset_ms());
    let req = AssumeRole {
        role_arn: role.role_arn.clone(),
        session_name: session_name(&caller),
        duration_seconds: session_seconds(&caller, CHAINED_MAX_SECONDS),
        external_id: role.external_id.clone(),
    };
    let out = client.assume_role(&req).await?;
    Ok((Rc::new(out.credentials), out.arn))
}

/// Role sessions that expire within five minutes are renewed (once at a time per account);
/// the scopes' clients switch to the new credentials for their next requests.
pub fn refresh_due_roles(app: App, now: SystemTime) {
    let due: Vec<(String, RoleTarget)> = app.accounts.with_value(|m| {
        m.iter()
            .filter_map(|(acct, a)| {
                let role = a.role.as_ref()?;
                let exp = a.credentials.expiration()?;
                let soon = exp
                    .duration_since(now)
                    .map(|d| d < Duration::from_secs(REFRESH_BEFORE_SECONDS))
                    .unwrap_or(true);
                soon.then(|| (acct.clone(), role.clone()))
            })
            .collect()
    });
    for (account, role) in due {
        if !REFRESHING.with(|r| r.borrow_mut().insert(account.clone())) {
            continue;
        }
        spawn_local(async move {
            let result = assume(app, &role).await;
            REFRESHING.with(|r| r.borrow_mut().remove(&account));
            match result {
                Ok((creds, _)) => {
                    app.accounts.update_value(|m| {
                        if let Some(a) = m.get_mut(&account) {
                            a.credentials = creds;
                        }
                    });
                    // New clients for the account's scopes; loads in flight finish on the old.
                    let scopes: Vec<ScopeId> = app.runtimes.with_value(|m| {
                        m.keys().filter(|s| s.account == account).cloned().collect()
                    });
                    for s in scopes {
                        let transport = app
                            .runtimes
                            .with_value(|m| m.get(&s).map(|rt| rt.transport.clone()));
                        let Some(client) = transport.and_then(|t| client_for(app, &s, &t)) else {
                            continue;
                        };
                        app.runtimes.update_value(|m| {
                            if let Some(rt) = m.get_mut(&s) {
                                rt.client = client;
                            }
                        });
                    }
                }
                Err(e) => {
                    let scopes: Vec<ScopeId> = app.fleet.with_untracked(|f| {
                        f.scopes()
                            .iter()
                            .filter(|s| s.id.account == account)
                            .map(|s| s.id.clone())
                            .collect()
                    });
                    fail_scopes(app, &scopes, e);
                }
            }
        });
    }
}

thread_local! {
    /// The latest AssumeRole attempt of each account started by Apply.
    static ASSUMING: std::cell::RefCell<HashMap<String, u64>> =
        std::cell::RefCell::new(HashMap::new());
    /// Accounts whose role session is being renewed.
    static REFRESHING: std::cell::RefCell<std::collections::HashSet<String>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

/// "List my organization's accounts": every page of Organizations ListAccounts with the pasted
/// credentials; the active accounts other than the connected one fill the accounts box, their
/// names are kept. When the browser cannot reach Organizations or the account may not list,
/// the message says so and the box is left as it was.
pub fn list_org_accounts(app: App, busy: RwSignal<bool>) {
    let Some(home) = app.home_scope() else {
        return;
    };
    let (Some(creds), Some(endpoint)) =
        (app.credentials.get_value(), app.endpoint_for(&home.region))
    else {
        return;
    };
    let root = app.transport.get_value();
    let client = app.logged_client(&root, creds, endpoint, None);
    busy.set(true);
    app.scopes_message.set(None);
    spawn_local(async move {
        let first = ListAccounts {
            max_results: Some(LIST_ACCOUNTS_PAGE),
            next_token: None,
        };
        let result = every_page(&client, first, |_| {}).await;
        busy.try_set(false);
        match result {
            Ok(accounts) => {
                let active: Vec<_> = accounts.iter().filter(|a| a.is_active()).collect();
                let others: Vec<String> = active
                    .iter()
                    .filter(|a| a.id != home.account)
                    .map(|a| a.id.clone())
                    .collect();
                app.account_names.update(|m| {
                    for a in &accounts {
                        if let Some(n) = &a.name {
                            m.insert(a.id.clone(), n.clone());
                        }
                    }
                });
                app.fleet.update(|f| {
                    let names = app.account_names.get_untracked();
                    let ids: Vec<ScopeId> = f.scopes().iter().map(|e| e.id.clone()).collect();
                    for id in ids {
                        if let (Some(e), Some(n)) = (f.scope_mut(&id), names.get(&id.account)) {
                            e.account_name = Some(n.clone());
                        }
                    }
                });
                let skipped = accounts.len() - active.len();
                app.scope_request
                    .update(|r| r.accounts_text = others.join("\n"));
                app.scopes_message.set(Some(format!(
                    "The organization has {} accounts; {} listed here{} (the connected account \
                     is always included). Check the role name, then Apply.",
                    accounts.len(),
                    others.len(),
                    if skipped > 0 {
                        format!(", {skipped} suspended or closing left out")
                    } else {
                        String::new()
                    }
                )));
            }
            Err(e) => {
                let why = match &e.kind {
                    ErrorKind::Network(_) => "The browser could not reach AWS Organizations \
                         (it may not allow requests from this page: CORS). Paste the account \
                         ids instead, one per line."
                        .to_string(),
                    _ => format!(
                        "{} Paste the account ids instead, one per line.",
                        e.user_message()
                    ),
                };
                let code = e.code().map(|c| format!("{c}: ")).unwrap_or_default();
                app.scopes_message.set(Some(format!("{code}{why}")));
            }
        }
    });
}

/// The share of each quota the console may use: every scope's limiters follow at once.
pub fn set_quota_share(app: App, share: f64) {
    app.quota_share.set(share);
    let now = crate::aws::limiter::seconds(super::super::dom::now());
    app.limiters
        .with_value(|m| m.values().for_each(|l| l.set_share(share, now)));
}
