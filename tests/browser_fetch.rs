//! The real fetch path in headless Chromium against the local KMS peer (CORS like real KMS,
//! signature checking on).
//!
//! Run with the peer up (default http://127.0.0.1:4599, or `KEYTURN_PEER_URL` at build time):
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//!  CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser_fetch`
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use keyturn::aws::client::{Client, RequestRecord, LIST_ALIASES_PAGE, LIST_KEYS_PAGE};
use keyturn::aws::credentials::{parse_credentials, Credentials};
use keyturn::aws::endpoint::EndpointConfig;
use keyturn::aws::error::{ErrorCode, ErrorKind};
use keyturn::aws::kms::{
    AliasListEntry, DescribeKey, GetKeyRotationStatus, KeyListEntry, KeyManager, KeySpec, KeyState,
    ListAliases, ListKeys, MultiRegionKeyType, Operation, Origin, RotateKeyOnDemand, RotationType,
    RotationsListEntry,
};
use keyturn::aws::transport::FetchTransport;
use keyturn::console::inventory::{every_page, list_rotations};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const PEER_URL: &str = match option_env!("KEYTURN_PEER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4599",
};

/// The demo fleet lives in us-east-1 (contract.md, peer section).
const REGION: &str = "us-east-1";

/// The per-key on-demand limit the peer enforces (docs/kms.md §3.5 The on-demand limit: 25 per
/// key).
const ON_DEMAND_LIMIT: usize = 25;

fn peer(path: &str) -> String {
    format!("{}{}", PEER_URL.trim_end_matches('/'), path)
}

async fn peer_credentials() -> Credentials {
    let resp = gloo_net::http::Request::get(&peer("/_keyturn/credentials"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("the peer at {PEER_URL} is not reachable: {e}"));
    assert_eq!(resp.status(), 200, "GET /_keyturn/credentials");
    let text = resp.text().await.expect("credentials body");
    parse_credentials(&text).expect("the peer's credentials parse")
}

fn config() -> EndpointConfig {
    EndpointConfig {
        region: REGION.to_string(),
        fips: false,
        dual_stack: false,
        custom_url: Some(PEER_URL.to_string()),
        sts_url: None,
    }
}

type Log = Rc<RefCell<Vec<RequestRecord>>>;

fn client_with(
    creds: impl Into<Rc<Credentials>>,
    transport: FetchTransport,
) -> (Client<FetchTransport>, Log) {
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&log);
    let client =
        Client::new(transport, creds, config()).with_observer(Rc::new(move |r: &RequestRecord| {
            sink.borrow_mut().push(r.clone())
        }));
    (client, log)
}

async fn client() -> (Client<FetchTransport>, Log) {
    client_with(peer_credentials().await, FetchTransport::new())
}

/// Every key, through the app's one paging path.
async fn all_keys(client: &Client<FetchTransport>) -> Vec<KeyListEntry> {
    let first = ListKeys {
        limit: Some(LIST_KEYS_PAGE),
        ..Default::default()
    };
    every_page(client, first, |_| {}).await.expect("ListKeys")
}

async fn all_rotations(client: &Client<FetchTransport>, key_id: &str) -> Vec<RotationsListEntry> {
    list_rotations(client, key_id, false)
        .await
        .expect("rotations")
}

fn on_demand_used(rotations: &[RotationsListEntry]) -> usize {
    rotations
        .iter()
        .filter(|r| r.rotation_type == Some(RotationType::OnDemand))
        .count()
}

/// A key that can be rotated on demand now: symmetric, customer managed, KMS origin, enabled,
/// not a replica, no rotation running and rotations left.
async fn rotatable_key(client: &Client<FetchTransport>) -> Option<String> {
    let keys = all_keys(client).await;
    for k in keys {
        let meta = client
            .call(&DescribeKey::new(k.key_id.clone()))
            .await
            .expect("DescribeKey")
            .key_metadata;
        let eligible = meta.key_manager == Some(KeyManager::Customer)
            && meta.spec() == Some(&KeySpec::SymmetricDefault)
            && meta.origin == Some(Origin::AwsKms)
            && meta.key_state == Some(KeyState::Enabled)
            && meta.custom_key_store_id.is_none()
            && meta.multi_region_key_type() != Some(&MultiRegionKeyType::Replica);
        if !eligible {
            continue;
        }
        let status = client
            .call(&GetKeyRotationStatus::new(meta.key_id.clone()))
            .await
            .expect("GetKeyRotationStatus");
        if status.on_demand_rotation_in_progress() {
            continue;
        }
        let used = on_demand_used(&all_rotations(client, &meta.key_id).await);
        if used + 1 < ON_DEMAND_LIMIT {
            return Some(meta.key_id);
        }
    }
    None
}

#[wasm_bindgen_test]
async fn signed_round_trip_list_describe_status_rotate() {
    let (client, log) = client().await;
    let keys = all_keys(&client).await;
    assert!(!keys.is_empty(), "the demo fleet has keys");

    let key_id = match rotatable_key(&client).await {
        Some(k) => k,
        None => {
            // Every demo key used up by earlier runs against the same peer: start it afresh.
            let resp = gloo_net::http::Request::post(&peer("/_keyturn/reset"))
                .send()
                .await
                .expect("reset");
            assert_eq!(resp.status(), 200);
            let (fresh, _) = self::client().await;
            let key_id = rotatable_key(&fresh)
                .await
                .expect("a rotatable key after reset");
            rotate_and_check(&fresh, key_id).await;
            return;
        }
    };
    rotate_and_check(&client, key_id).await;

    let ops: BTreeSet<String> = log.borrow().iter().map(|r| r.operation.clone()).collect();
    for op in [
        "ListKeys",
        "DescribeKey",
        "GetKeyRotationStatus",
        "ListKeyRotations",
        "RotateKeyOnDemand",
    ] {
        assert!(ops.contains(op), "{op} went over the wire: {ops:?}");
    }
    assert!(
        log.borrow().iter().all(|r| r.status == Some(200)),
        "{:?}",
        log.borrow()
    );
}

async fn rotate_and_check(client: &Client<FetchTransport>, key_id: String) {
    let before = on_demand_used(&all_rotations(client, &key_id).await);
    let out = client
        .call(&RotateKeyOnDemand::new(key_id.clone()))
        .await
        .expect("RotateKeyOnDemand");
    assert_eq!(out.key_id.as_deref(), Some(key_id.as_str()));
    let status = client
        .call(&GetKeyRotationStatus::new(key_id.clone()))
        .await
        .expect("GetKeyRotationStatus");
    let after = on_demand_used(&all_rotations(client, &key_id).await);
    assert!(
        status.on_demand_rotation_in_progress() || after == before + 1,
        "the rotation is in progress or listed: {status:?}, {before} -> {after}"
    );
}

#[wasm_bindgen_test]
async fn wrong_secret_is_rejected_and_decoded() {
    let good = peer_credentials().await;
    let mut secret: Vec<char> = good.secret_access_key().chars().collect();
    // Change one character: same length and alphabet, wrong key.
    secret[0] = if secret[0] == 'A' { 'B' } else { 'A' };
    let bad = Credentials::new(
        good.access_key_id(),
        secret.into_iter().collect::<String>(),
        good.session_token().map(str::to_string),
        good.expiration(),
    )
    .expect("well-formed credentials");
    let (client, log) = client_with(bad, FetchTransport::new());

    let err = client
        .call(&ListKeys::default())
        .await
        .expect_err("a wrong secret must be rejected");
    assert_eq!(
        err.code(),
        Some(&ErrorCode::InvalidSignatureException),
        "{err:?}"
    );
    assert!(
        err.status().is_some_and(|s| (400..500).contains(&s)),
        "{err:?}"
    );
    assert!(
        err.request_id().is_some(),
        "x-amzn-RequestId is exposed: {err:?}"
    );
    assert!(
        err.user_message().contains("secret access key"),
        "{}",
        err.user_message()
    );
    assert!(err.user_message().starts_with("ListKeys failed"));
    assert_eq!(
        log.borrow().len(),
        1,
        "a signature error with a good clock is not resent"
    );

    // STS speaks the Query protocol and rejects it with its own code.
    let err = client
        .caller_identity()
        .await
        .expect_err("STS rejects it too");
    assert_eq!(
        err.code(),
        Some(&ErrorCode::SignatureDoesNotMatch),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn paging_reaches_every_key_and_alias() {
    let (client, log) = client().await;
    let all: BTreeSet<String> = all_keys(&client)
        .await
        .into_iter()
        .map(|k| k.key_id)
        .collect();
    assert!(
        all.len() > 4,
        "the demo fleet has more than 4 keys: {}",
        all.len()
    );

    let mut pages = 0;
    let small = every_page(
        &client,
        ListKeys {
            limit: Some(2),
            ..Default::default()
        },
        |page| {
            pages += 1;
            assert!(page.len() <= 2, "Limit is honoured");
        },
    )
    .await
    .expect("paged ListKeys");
    let paged: BTreeSet<String> = small.iter().map(|k| k.key_id.clone()).collect();
    assert_eq!(paged.len(), small.len(), "no key twice");
    assert_eq!(paged, all, "paging reaches every key");
    assert!(
        pages >= all.len().div_ceil(2),
        "{pages} pages for {} keys",
        all.len()
    );
    let markers = log
        .borrow()
        .iter()
        .filter(|r| r.request_body.contains("\"Marker\""))
        .count();
    assert!(markers >= pages - 1, "NextMarker was sent back");

    let aliases_all: Vec<AliasListEntry> = every_page(
        &client,
        ListAliases {
            limit: Some(LIST_ALIASES_PAGE),
            ..Default::default()
        },
        |_| {},
    )
    .await
    .expect("ListAliases");
    let aliases_paged = every_page(
        &client,
        ListAliases {
            limit: Some(3),
            ..Default::default()
        },
        |_| {},
    )
    .await
    .expect("paged ListAliases");
    let a: BTreeSet<String> = aliases_all.into_iter().map(|a| a.alias_name).collect();
    let b: BTreeSet<String> = aliases_paged.into_iter().map(|a| a.alias_name).collect();
    assert!(a.iter().any(|n| n.starts_with("alias/demo-")), "{a:?}");
    assert_eq!(a, b);
}

#[wasm_bindgen_test]
async fn request_ids_and_date_are_read_through_cors() {
    let (client, log) = client().await;
    client.call(&ListKeys::default()).await.expect("ListKeys");
    let ids: Vec<Option<String>> = log.borrow().iter().map(|r| r.request_id.clone()).collect();
    assert!(
        ids.iter()
            .all(|id| id.as_deref().is_some_and(|s| !s.is_empty())),
        "{ids:?}"
    );

    let err = client
        .call(&DescribeKey::new("alias/keyturn-does-not-exist"))
        .await
        .expect_err("no such alias");
    assert_eq!(err.code(), Some(&ErrorCode::NotFoundException), "{err:?}");
    assert!(err.request_id().is_some(), "{err:?}");

    // `Date` is exposed too: a client whose clock is 10 minutes slow is corrected by the
    // peer's answer (InvalidSignatureException + Date) and the request is signed again.
    client.set_clock_offset_ms(-600_000);
    let before = log.borrow().len();
    client
        .call(&ListKeys::default())
        .await
        .expect("resent with the corrected clock");
    assert_eq!(log.borrow().len() - before, 2, "one rejected, one accepted");
    assert!(
        client.clock_offset_ms().abs() < 120_000,
        "{}",
        client.clock_offset_ms()
    );
}

#[wasm_bindgen_test]
async fn caller_identity_over_sts() {
    let (client, _) = client().await;
    let id = client.caller_identity().await.expect("GetCallerIdentity");
    assert_eq!(id.account.len(), 12, "{id:?}");
    assert!(id.account.chars().all(|c| c.is_ascii_digit()), "{id:?}");
    assert!(id.arn.starts_with("arn:aws:sts::"), "{id:?}");
    assert!(
        id.arn.contains(":assumed-role/"),
        "session credentials: {id:?}"
    );
}

#[wasm_bindgen_test]
async fn abort_all_cancels_in_flight_requests_and_retires_old_handles() {
    let creds = Rc::new(peer_credentials().await);
    let root = FetchTransport::new();
    let (client, _) = client_with(Rc::clone(&creds), root.new_scope());

    let list = ListKeys::default();
    let mut call = Box::pin(client.call(&list));
    // One poll starts the fetch; then cancel it while it is in flight.
    let first = std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await;
    assert!(first.is_pending());
    assert_eq!(root.in_flight(), 1);
    root.abort_all();
    assert_eq!(call.await.expect_err("aborted").kind, ErrorKind::Aborted);
    assert_eq!(root.in_flight(), 0);

    // The old handle stays retired; a new scope works.
    assert!(!client.transport().is_current());
    assert_eq!(
        client
            .call(&ListKeys::default())
            .await
            .expect_err("retired")
            .kind,
        ErrorKind::Aborted
    );
    let (fresh, _) = client_with(creds, root.new_scope());
    fresh
        .call(&ListKeys::default())
        .await
        .expect("a new scope sends");
}

#[wasm_bindgen_test]
async fn rotate_cancelled_in_flight_is_outcome_unknown() {
    let creds = Rc::new(peer_credentials().await);
    let root = FetchTransport::new();
    let (client, log) = client_with(creds, root.new_scope());
    // A key id the peer does not know: whatever happens, nothing gets rotated.
    let rotate = RotateKeyOnDemand::new("00000000-0000-0000-0000-000000000000");
    let mut call = Box::pin(client.call(&rotate));
    let first = std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await;
    assert!(first.is_pending());
    root.abort_all();
    let err = call.await.expect_err("aborted");
    assert!(
        matches!(err.kind, ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(log.borrow().len(), 1, "never resent");
}

#[wasm_bindgen_test]
async fn timeout_is_reported_as_timeout() {
    let creds = Rc::new(peer_credentials().await);
    let transport = FetchTransport::new().with_timeout(Duration::ZERO);
    let (client, log) = client_with(creds, transport);
    let err = client
        .call(&GetKeyRotationStatus::new(
            "00000000-0000-0000-0000-000000000000",
        ))
        .await
        .expect_err("no answer within 0 ms");
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert_eq!(
        err.operation.map(|o| o.name),
        Some(GetKeyRotationStatus::NAME)
    );
    assert_eq!(
        log.borrow().len(),
        3,
        "timeouts are retried up to 3 attempts"
    );
}

#[wasm_bindgen_test]
async fn unreachable_endpoint_is_a_network_error_that_mentions_cors() {
    let creds = peer_credentials().await;
    let mut cfg = config();
    // Port 9 (discard) on loopback: nothing listens, fetch fails with a TypeError.
    cfg.custom_url = Some("http://127.0.0.1:9".to_string());
    let client = Client::new(FetchTransport::new(), creds, cfg);
    let err = client
        .call(&ListKeys::default())
        .await
        .expect_err("unreachable");
    assert!(matches!(err.kind, ErrorKind::Network(_)), "{err:?}");
    assert!(err.to_string().contains("CORS"), "{err}");
    assert!(err.user_message().contains("CORS"));
    assert!(err.user_message().starts_with("ListKeys could not reach"));
}
