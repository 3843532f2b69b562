//! The per-key on-demand rotation quota: how many rotations a key has used and has left.
//!
//! No API returns "remaining" (docs/kms.md §3.6 Counting the rotations left); it is computed
//! from ListKeyRotations and GetKeyRotationStatus, and the server's LimitExceededException
//! always wins over the count.

use crate::aws::kms::{KeyMaterialState, RotationType, RotationsListEntry, Timestamp};

/// On-demand rotations allowed per key: **25**, not adjustable.
///
/// Source: docs/kms.md §3.5 The on-demand limit: 25 per key (the botocore 1.44.8 model, the
/// developer guide's "Rotating keys on demand", the API reference and the resource quotas).
/// Older documentation (and the page this project started from) said 10. The server
/// enforces the real number with LimitExceededException, which overrides this count.
pub const ON_DEMAND_ROTATION_LIMIT: u32 = 25;

/// At or below this many remaining rotations a key counts as "quota low" (quick filter, meter
/// colour).
pub const QUOTA_LOW_THRESHOLD: u32 = 5;

/// Completed on-demand rotations: entries with `RotationType == ON_DEMAND`. The first key
/// material and imported material pending rotation have no RotationType and do not count.
pub fn on_demand_used(rotations: &[RotationsListEntry]) -> u32 {
    let n = rotations
        .iter()
        .filter(|r| r.rotation_type == Some(RotationType::OnDemand))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `limit − ON_DEMAND entries − (1 while OnDemandRotationStartDate is set)`, floored at 0.
/// `rotations` must be every page of ListKeyRotations.
pub fn remaining(rotations: &[RotationsListEntry], in_progress: bool) -> u32 {
    let used = on_demand_used(rotations).saturating_add(u32::from(in_progress));
    ON_DEMAND_ROTATION_LIMIT.saturating_sub(used)
}

/// True when `remaining` is at or below [`QUOTA_LOW_THRESHOLD`].
pub fn is_low(remaining: u32) -> bool {
    remaining <= QUOTA_LOW_THRESHOLD
}

/// Fraction of the quota left, for a meter (0.0 ..= 1.0).
pub fn fraction_left(remaining: u32) -> f64 {
    f64::from(remaining.min(ON_DEMAND_ROTATION_LIMIT)) / f64::from(ON_DEMAND_ROTATION_LIMIT)
}

/// "24 of 25 left".
pub fn remaining_text(remaining: u32) -> String {
    format!("{remaining} of {ON_DEMAND_ROTATION_LIMIT} left")
}

/// The latest completed rotation (automatic or on demand).
pub fn last_rotation(rotations: &[RotationsListEntry]) -> Option<&RotationsListEntry> {
    rotations
        .iter()
        .filter(|r| r.rotation_date.is_some())
        .max_by(|a, b| {
            let (a, b) = (
                a.rotation_date.map_or(f64::MIN, Timestamp::epoch_seconds),
                b.rotation_date.map_or(f64::MIN, Timestamp::epoch_seconds),
            );
            a.total_cmp(&b)
        })
}

/// Imported key material waiting to become current, which is what RotateKeyOnDemand on an
/// EXTERNAL key rotates to (docs/kms.md §3.1 Which keys can rotate, §3.8 Key material). Only
/// visible with `IncludeKeyMaterial = ALL_KEY_MATERIAL`. A multi-Region primary shows
/// PENDING_MULTI_REGION_IMPORT_AND_ROTATION; whether that is already enough to rotate is
/// unconfirmed, so the server decides.
pub fn pending_material(rotations: &[RotationsListEntry]) -> Option<&RotationsListEntry> {
    rotations.iter().find(|r| {
        matches!(
            r.key_material_state,
            Some(KeyMaterialState::PendingRotation)
                | Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
        )
    })
}

/// The per-key quota as the console shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub used: u32,
    pub in_progress: bool,
    pub server_limit_exceeded: bool,
}

impl Quota {
    pub fn new(
        rotations: &[RotationsListEntry],
        in_progress: bool,
        server_limit_exceeded: bool,
    ) -> Self {
        Quota {
            used: on_demand_used(rotations),
            in_progress,
            server_limit_exceeded,
        }
    }

    pub fn limit(&self) -> u32 {
        ON_DEMAND_ROTATION_LIMIT
    }

    pub fn remaining(&self) -> u32 {
        if self.server_limit_exceeded {
            return 0;
        }
        ON_DEMAND_ROTATION_LIMIT
            .saturating_sub(self.used.saturating_add(u32::from(self.in_progress)))
    }

    pub fn is_low(&self) -> bool {
        is_low(self.remaining())
    }

    pub fn fraction_left(&self) -> f64 {
        fraction_left(self.remaining())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn entry(kind: Option<RotationType>, date: Option<f64>) -> RotationsListEntry {
        RotationsListEntry {
            rotation_type: kind,
            rotation_date: date.map(Timestamp),
            ..Default::default()
        }
    }

    pub(crate) fn on_demand(n: usize) -> Vec<RotationsListEntry> {
        (0..n)
            .map(|i| {
                entry(
                    Some(RotationType::OnDemand),
                    Some(1_700_000_000.0 + i as f64),
                )
            })
            .collect()
    }

    #[test]
    fn limit_is_25_per_current_docs() {
        assert_eq!(ON_DEMAND_ROTATION_LIMIT, 25);
    }

    #[test]
    fn counts_only_on_demand_entries() {
        let mut r = on_demand(3);
        r.push(entry(Some(RotationType::Automatic), Some(1.0)));
        r.push(entry(None, None)); // first material / pending
        r.push(entry(
            Some(RotationType::Other("SOMETHING_NEW".into())),
            Some(2.0),
        ));
        assert_eq!(on_demand_used(&r), 3);
        assert_eq!(remaining(&r, false), 22);
        assert_eq!(remaining(&r, true), 21);
        assert_eq!(remaining(&[], false), 25);
    }

    #[test]
    fn floors_at_zero() {
        assert_eq!(remaining(&on_demand(25), false), 0);
        assert_eq!(remaining(&on_demand(24), true), 0);
        assert_eq!(remaining(&on_demand(25), true), 0);
        assert_eq!(remaining(&on_demand(40), false), 0);
    }

    #[test]
    fn server_limit_exceeded_overrides() {
        assert_eq!(Quota::new(&on_demand(2), false, false).remaining(), 23);
        let q = Quota::new(&on_demand(2), false, true);
        assert_eq!(q.remaining(), 0);
        assert!(q.is_low());
    }

    #[test]
    fn quota_struct_and_low() {
        let q = Quota::new(&on_demand(19), true, false);
        assert_eq!(q.used, 19);
        assert_eq!(q.limit(), 25);
        assert_eq!(q.remaining(), 5);
        assert!(q.is_low());
        assert!(!is_low(6));
        assert!((q.fraction_left() - 0.2).abs() < 1e-9);
        assert_eq!(remaining_text(24), "24 of 25 left");
        assert_eq!(fraction_left(99), 1.0);
    }

    #[test]
    fn last_rotation_and_pending_material() {
        let mut r = vec![
            entry(Some(RotationType::Automatic), Some(100.0)),
            entry(Some(RotationType::OnDemand), Some(300.0)),
            entry(Some(RotationType::OnDemand), Some(200.0)),
            entry(None, None),
        ];
        assert_eq!(
            last_rotation(&r).and_then(|e| e.rotation_date),
            Some(Timestamp(300.0))
        );
        assert!(last_rotation(&[]).is_none());
        assert!(pending_material(&r).is_none());
        r.push(RotationsListEntry {
            key_material_state: Some(KeyMaterialState::PendingRotation),
            key_material_id: Some("ab".repeat(32)),
            ..Default::default()
        });
        assert!(pending_material(&r).is_some());
    }
}
