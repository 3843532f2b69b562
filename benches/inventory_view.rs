//! Benchmark: filtering and sorting a large inventory, which the table does on every keystroke
//! in the filter box (filter) and on every batch of loader updates (sort).
//!
//! Baseline, run side by side in the same process: what a keystroke cost before rows derived
//! their facts: every row's fields lowercased and searched, then sorted with the plain
//! comparator `filter::compare` (each comparison recomputes both rows' sort values). Shipped:
//! a keystroke is `filter::filter_sorted` over the order `filter::sorted` computed when the
//! fleet last changed (timed separately, as "sort"). Both must produce the same rows in the
//! same order; the benchmark checks that before it times anything.
//!
//! `cargo bench --bench inventory_view [-- ROWS ROUNDS]` (defaults 10000 and 15). The bench
//! profile inherits the release profile (opt-level z, LTO), the same code generation as the wasm.

use std::hint::black_box;
use std::time::{Duration, Instant};

use keyturn::aws::kms::{KeyListEntry, KeyMetadata, RotationsListEntry};
use keyturn::console::eligibility::RotationStatus;
use keyturn::console::filter::{self, Filter, Group, Sort, SortColumn, SortDirection};
use keyturn::console::fleet::Fleet;
use keyturn::console::inventory::{AutoRotation, Inventory, InventoryEvent, KeyRow};
use keyturn::console::quota::QUOTA_LOW_THRESHOLD;
use keyturn::console::scope::ScopeId;
use serde_json::json;

/// Deterministic pseudo-random numbers (no dependency, same fleet every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("the benchmark's own JSON decodes")
}

/// A fleet shaped like a large account: mixed specs, states, managers, schedules and quota use.
fn fleet(n: usize) -> Inventory {
    let mut rng = Lcg(42);
    let mut inv = Inventory::new("us-east-1");
    let t0 = 1_795_608_000.0_f64;
    let ids: Vec<String> = (0..n)
        .map(|i| format!("{:08x}-{:04x}-4bcd-9ef0-{:012x}", i * 7919, i % 65_536, i))
        .collect();
    inv.apply(InventoryEvent::KeysPage(
        ids.iter()
            .map(|id| {
                decode::<KeyListEntry>(json!({
                    "KeyId": id,
                    "KeyArn": format!("arn:aws:kms:us-east-1:123456789012:key/{id}"),
                }))
            })
            .collect(),
    ));
    inv.apply(InventoryEvent::KeysDone);
    let teams = [
        "payments", "billing", "Search", "ledger", "prod-db", "Audit", "ml",
    ];
    for (i, id) in ids.iter().enumerate() {
        if rng.below(4) != 0 {
            let team = teams[rng.below(teams.len() as u64) as usize];
            inv.apply(InventoryEvent::AliasesPage(vec![decode(json!({
                "AliasName": format!("alias/{team}-{i}"),
                "TargetKeyId": id,
            }))]));
        }
        let spec = [
            "SYMMETRIC_DEFAULT",
            "SYMMETRIC_DEFAULT",
            "RSA_2048",
            "HMAC_256",
        ][rng.below(4) as usize];
        let state = [
            "Enabled",
            "Enabled",
            "Enabled",
            "Disabled",
            "PendingDeletion",
        ][rng.below(5) as usize];
        let manager = if rng.below(10) == 0 {
            "AWS"
        } else {
            "CUSTOMER"
        };
        let meta: KeyMetadata = decode(json!({
            "KeyId": id,
            "Arn": format!("arn:aws:kms:us-east-1:123456789012:key/{id}"),
            "AWSAccountId": "123456789012",
            "CreationDate": t0 - (rng.below(1000) as f64) * 86_400.0,
            "Description": format!("Key {i} for the {} service", teams[i % teams.len()]),
            "Enabled": state == "Enabled",
            "KeyManager": manager,
            "KeySpec": spec,
            "KeyState": state,
            "KeyUsage": if spec == "HMAC_256" { "GENERATE_VERIFY_MAC" } else { "ENCRYPT_DECRYPT" },
            "Origin": "AWS_KMS",
        }));
        inv.apply(InventoryEvent::Described {
            key_id: id.clone(),
            result: Ok(meta),
        });
        let on = rng.below(2) == 0;
        let status: RotationStatus = decode(json!({
            "KeyId": id,
            "KeyRotationEnabled": on,
            "RotationPeriodInDays": if on { 90 + rng.below(2000) } else { 365 },
            "NextRotationDate": t0 + (rng.below(365) as f64) * 86_400.0,
        }));
        inv.apply(InventoryEvent::Status {
            key_id: id.clone(),
            result: Ok(status),
        });
        let rotations: Vec<RotationsListEntry> = (0..rng.below(6))
            .map(|k| {
                decode(json!({
                    "KeyId": id,
                    "RotationDate": t0 - (k as f64 + 1.0) * 86_400.0 * 30.0,
                    "RotationType": if k % 2 == 0 { "ON_DEMAND" } else { "AUTOMATIC" },
                }))
            })
            .collect();
        inv.apply(InventoryEvent::Rotations {
            key_id: id.clone(),
            result: Ok(rotations),
        });
    }
    inv.apply(InventoryEvent::Finished);
    inv
}

/// The filter as it was: each field lowercased and searched on every keystroke.
fn naive_matches(row: &KeyRow, f: &Filter) -> bool {
    if (f.rotatable && row.rotate_now().is_err())
        || (f.auto_off && row.auto_rotation() != AutoRotation::Off)
        || (f.customer_managed && !row.is_customer_managed())
        || (f.quota_low && row.remaining().is_none_or(|r| r > QUOTA_LOW_THRESHOLD))
    {
        return false;
    }
    let has = |t: &str, w: &str| t.to_lowercase().contains(w);
    f.text.split_whitespace().map(str::to_lowercase).all(|w| {
        has(&row.key_id, &w)
            || row.aliases.iter().any(|a| has(a, &w))
            || row.arn.as_deref().is_some_and(|a| has(a, &w))
            || row.description().is_some_and(|d| has(d, &w))
    })
}

fn baseline<'a>(inv: &'a Fleet, f: &Filter, sort: Sort) -> Vec<&'a KeyRow> {
    let mut rows: Vec<&KeyRow> = inv
        .rows()
        .filter(|(e, r)| inv.is_listed(&e.id, r) && naive_matches(r, f))
        .map(|(_, r)| r)
        .collect();
    rows.sort_by(|a, b| filter::compare(a, b, sort));
    rows
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; only bare numbers are ours.
    let nums: Vec<usize> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    let rows = nums.first().copied().unwrap_or(10_000);
    let rounds = nums.get(1).copied().unwrap_or(15).max(1);
    let inv = Fleet::single(ScopeId::new("111122223333", "us-east-1"), fleet(rows));
    let verdicts = keyturn::console::policy::Verdicts::default();
    println!("inventory view: {rows} rows, median of {rounds} interleaved rounds");
    println!(
        "{:<30} {:<12} {:>7} {:>12} {:>12} {:>7}",
        "sort", "filter", "shown", "baseline", "shipped", "ratio"
    );
    let filters = [
        ("none", Filter::default()),
        (
            "text \"prod\"",
            Filter {
                text: "prod".into(),
                ..Filter::default()
            },
        ),
        (
            "rotatable",
            Filter {
                rotatable: true,
                ..Filter::default()
            },
        ),
    ];
    let mut total_base = Duration::ZERO;
    let mut total_ship = Duration::ZERO;
    let mut total_sort = Duration::ZERO;
    for column in SortColumn::ALL {
        for direction in [SortDirection::Ascending, SortDirection::Descending] {
            let sort = Sort { column, direction };
            let order = filter::sorted(&inv, sort, Group::None, &verdicts);
            let mut sorts = Vec::new();
            for _ in 0..rounds {
                let t = Instant::now();
                black_box(filter::sorted(
                    black_box(&inv),
                    sort,
                    Group::None,
                    &verdicts,
                ));
                sorts.push(t.elapsed());
            }
            let sort_time = median(sorts);
            total_sort += sort_time;
            for (name, f) in &filters {
                let expected: Vec<&str> = baseline(&inv, f, sort)
                    .iter()
                    .map(|r| r.key_id.as_str())
                    .collect();
                let got: Vec<&str> = filter::filter_sorted(&inv, &order, f, &verdicts)
                    .into_iter()
                    .filter_map(|at| at.get(&inv))
                    .map(|(_, r)| r.key_id.as_str())
                    .collect();
                assert_eq!(
                    got, expected,
                    "filter_sorted and compare disagree for {sort:?} {name}"
                );
                let (mut base, mut ship) = (Vec::new(), Vec::new());
                for _ in 0..rounds {
                    let t = Instant::now();
                    black_box(baseline(black_box(&inv), f, sort));
                    base.push(t.elapsed());
                    let t = Instant::now();
                    black_box(filter::filter_sorted(black_box(&inv), &order, f, &verdicts));
                    ship.push(t.elapsed());
                }
                let (b, s) = (median(base), median(ship));
                total_base += b;
                total_ship += s;
                println!(
                    "{:<30} {:<12} {:>7} {:>10.2}ms {:>10.2}ms {:>6.2}x   sort {:>6.2}ms",
                    format!("{} {}", column.label(), direction.aria()),
                    name,
                    expected.len(),
                    b.as_secs_f64() * 1e3,
                    s.as_secs_f64() * 1e3,
                    s.as_secs_f64() / b.as_secs_f64(),
                    sort_time.as_secs_f64() * 1e3,
                );
            }
        }
    }
    println!(
        "keystroke, all cases: baseline {:.1} ms, shipped {:.1} ms, ratio {:.3}x (shipped / baseline; lower is faster)",
        total_base.as_secs_f64() * 1e3,
        total_ship.as_secs_f64() * 1e3,
        total_ship.as_secs_f64() / total_base.as_secs_f64()
    );
    println!(
        "re-sort on a fleet change, all {} orders: {:.1} ms ({:.2} ms each)",
        SortColumn::ALL.len() * 2,
        total_sort.as_secs_f64() * 1e3,
        total_sort.as_secs_f64() * 1e3 / (SortColumn::ALL.len() * 2) as f64
    );
    verdict_bench(inv, rounds);
}

/// The verdicts after a batch of loader answers that changed one row: judged again from
/// scratch (baseline) or by `Verdicts::update`, which reuses every unchanged row's verdict
/// (shipped). Both must give the same verdicts.
fn verdict_bench(mut inv: Fleet, rounds: usize) {
    use keyturn::console::policy::{Policy, Verdicts};
    let policy = Policy::default();
    let now = 1_795_608_000.0;
    let scope = ScopeId::new("111122223333", "us-east-1");
    let first_key = inv
        .rows()
        .next()
        .map(|(_, r)| r.key_id.clone())
        .unwrap_or_default();
    let mut prev = Verdicts::of(&inv, &policy, now);
    let (mut base, mut ship) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        if let Some(e) = inv.scope_mut(&scope) {
            if let Some(mut row) = e.inventory.row_mut(&first_key) {
                row.server_limit_exceeded = i % 2 == 0;
            }
        }
        let t = Instant::now();
        let full = black_box(Verdicts::of(black_box(&inv), &policy, now));
        base.push(t.elapsed());
        let t = Instant::now();
        let next = black_box(Verdicts::update(Some(&prev), black_box(&inv), &policy, now));
        ship.push(t.elapsed());
        assert!(next.same_verdicts(&full), "update and a full run disagree");
        prev = next;
    }
    let (b, s) = (median(base), median(ship));
    println!(
        "verdicts after one row changed: baseline (judge all) {:.2} ms, shipped (update) {:.2} ms, ratio {:.3}x",
        b.as_secs_f64() * 1e3,
        s.as_secs_f64() * 1e3,
        s.as_secs_f64() / b.as_secs_f64()
    );
}
