//! Which key is open, and the URL fragment that names it (account, Region, key id: never a
//! credential); "go to key"; Back/Forward and pasted links.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::dom;
use super::super::state::App;
use super::{load, scopes, session};
use crate::aws::kms::DescribeKey;
use crate::console::arn::{key_fragment, parse_fragment, parse_key_ref, KeyRef, Route};
use crate::console::fleet::RowKey;
use crate::console::scope::ScopeId;
use crate::console::session::Connection;

/// Open (Some) or close (None) a key panel, and put it in the URL. `push` adds a history entry.
pub fn select_key(app: App, key: Option<RowKey>, push: bool) {
    if app.selected.get_untracked() != key {
        app.selected.set(key.clone());
    }
    let fragment = match &key {
        Some(k) => key_fragment(&k.scope.account, &k.scope.region, &k.key_id),
        None => match app.home_scope() {
            Some(home) => Route::Region {
                region: home.region,
            }
            .to_fragment(),
            None => return,
        },
    };
    dom::set_hash(&fragment, push);
}

/// Make `scope` one of the chosen scopes: with only the connected account in one Region, the
/// console moves to the new Region (as the header's picker does); otherwise the scope is
/// added beside the others. False when its account is not reached.
fn ensure_scope(app: App, scope: &ScopeId) -> bool {
    if app.fleet.with_untracked(|f| f.scope(scope).is_some()) {
        return true;
    }
    let Some(home) = app.home_scope() else {
        return false;
    };
    if app.credentials_for(&scope.account).is_none() {
        return false;
    }
    let single_home = app
        .fleet
        .with_untracked(|f| f.scopes().len() == 1 && f.scopes()[0].id.account == home.account);
    if single_home && scope.account == home.account {
        scopes::switch_region(app, scope.region.clone());
    } else {
        scopes::add_scope(app, scope.clone());
    }
    true
}

/// Open `key` in its scope (a link from another key: a replica's primary).
pub fn open_key(app: App, key: RowKey) {
    if ensure_scope(app, &key.scope) {
        select_key(app, Some(key), true);
    }
}

/// The key a route names, in the scope it names (the connected account when it names none).
fn route_key(app: App, route: &Route) -> Option<RowKey> {
    let home = app.home_scope()?;
    let key_id = route.key_id()?;
    let account = route.account().unwrap_or(&home.account).to_string();
    let region = route.region()?.to_string();
    Some(RowKey::new(ScopeId::new(account, region), key_id))
}

/// Open what the URL names: its key (adding its Region as a scope when its account is already
/// reached), or the inventory.
pub fn follow_url(app: App) {
    if !app.connection.with_untracked(Connection::is_connected) {
        return;
    }
    let route = parse_fragment(&dom::hash());
    match route_key(app, &route) {
        Some(key) => {
            let reached = app.credentials_for(&key.scope.account).is_some();
            if !reached {
                app.show_error_text(format!(
                    "The link names a key in account {}, which is not among the chosen \
                     accounts. Add it under Scopes (its role ARN or account id), then open the \
                     link again.",
                    key.scope.account
                ));
                return;
            }
            ensure_scope(app, &key.scope);
            select_key(app, Some(key), false);
        }
        None => {
            if let Route::Region { region } = &route {
                if let Some(home) = app.home_scope() {
                    if region != &home.region {
                        ensure_scope(app, &ScopeId::new(home.account, region.clone()));
                    }
                }
            }
            select_key(app, None, false);
        }
    }
}

/// The address bar changed (Back/Forward, an edited or pasted link) while connected.
pub fn on_route_change(app: App) {
    let route = parse_fragment(&dom::hash());
    let wanted = route_key(app, &route);
    if app.selected.get_untracked() == wanted && wanted.is_some() {
        return;
    }
    follow_url(app);
}

/// "Go to key": a key id or alias name (in the home scope, or found among the loaded scopes),
/// a key ARN or alias ARN (its account and Region are used).
pub fn go_to_key(app: App, input: String) {
    let key_ref = match parse_key_ref(&input) {
        Ok(k) => k,
        Err(e) => {
            app.show_error_text(e.to_string());
            return;
        }
    };
    let Some(home) = app.home_scope() else {
        return;
    };
    let scope = match &key_ref {
        KeyRef::KeyArn(a) | KeyRef::AliasArn(a) => {
            ScopeId::new(a.account.clone(), a.region.clone())
        }
        _ => home.clone(),
    };
    // A bare id or alias name: look in every loaded scope first.
    let found = app.fleet.with_untracked(|f| match &key_ref {
        KeyRef::KeyId(id) => f
            .rows()
            .find(|(_, r)| r.key_id.eq_ignore_ascii_case(id))
            .map(|(e, r)| RowKey::new(e.id.clone(), r.key_id.clone())),
        KeyRef::AliasName(name) => f
            .rows()
            .find(|(_, r)| r.aliases.iter().any(|a| a == name))
            .map(|(e, r)| RowKey::new(e.id.clone(), r.key_id.clone())),
        KeyRef::KeyArn(a) => f
            .scope(&scope)
            .and_then(|e| e.inventory.row(&a.resource.to_ascii_lowercase()))
            .map(|r| RowKey::new(scope.clone(), r.key_id.clone())),
        KeyRef::AliasArn(a) => f
            .scope(&scope)
            .and_then(|e| e.inventory.find_alias(&a.resource))
            .map(|r| RowKey::new(scope.clone(), r.key_id.clone())),
    });
    if let Some(key) = found {
        select_key(app, Some(key), true);
        return;
    }
    if app.credentials_for(&scope.account).is_none() {
        app.show_error_text(format!(
            "That key is in account {}, which is not among the chosen accounts. Add it under \
             Scopes first.",
            scope.account
        ));
        return;
    }
    ensure_scope(app, &scope);
    let Some((client, token)) = app.scope_client(&scope) else {
        return;
    };
    let describe_id = key_ref.describe_key_id();
    spawn_local(async move {
        let result = client.call(&DescribeKey::new(describe_id)).await;
        if token.is_cancelled() {
            return;
        }
        match result {
            Ok(out) => {
                let key = RowKey::new(scope.clone(), out.key_metadata.key_id.clone());
                app.fleet.update(|f| {
                    if let Some(e) = f.scope_mut(&scope) {
                        e.inventory.upsert_metadata(out.key_metadata);
                    }
                });
                select_key(app, Some(key.clone()), true);
                load::refresh_key(app, key);
            }
            Err(e) => session::report(app, &e),
        }
    });
}
