//! Can this key be rotated now, or have its automatic rotation changed? And if not, why — in a
//! sentence a person can act on.
//!
//! Rules: docs/kms.md §3.1 Which keys can rotate (by key type), §3.2 Key states and §3.3
//! keyturn's gate (customer managed, SYMMETRIC_DEFAULT, origin AWS_KMS or EXTERNAL, no custom
//! key store, Enabled, not a replica; EXTERNAL needs material PENDING_ROTATION). Where a fact is
//! unconfirmed the rules let the request through and the server's error is shown instead.

use crate::aws::kms::{
    GetKeyRotationStatusOutput, KeyManager, KeyMaterialState, KeyMetadata, KeySpec, KeyState,
    MultiRegionKeyType, Origin, Timestamp,
};
use crate::console::format;
use crate::console::quota::ON_DEMAND_ROTATION_LIMIT;

/// GetKeyRotationStatus output, under the name the console uses.
pub type RotationStatus = GetKeyRotationStatusOutput;

/// Which kind of custom key store holds a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStoreKind {
    CloudHsm,
    External,
}

/// Why a rotation control is disabled. [`Blocked::sentence`] (also `Display`) says it to a person.
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
#[error("{}", self.sentence())]
pub enum Blocked {
    /// KeyManager = AWS: rotated yearly by AWS, not changeable (docs/kms.md §3.1 Which keys can
    /// rotate, §3.4 Automatic rotation).
    AwsManaged,
    /// RSA, ECC, SM2, ML-DSA, Ed25519, ML-KEM.
    Asymmetric {
        spec: String,
    },
    Hmac {
        spec: String,
    },
    /// A key spec this build does not know.
    UnsupportedSpec {
        spec: String,
    },
    /// Origin AWS_CLOUDHSM / EXTERNAL_KEY_STORE (or a CustomKeyStoreId).
    CustomKeyStore {
        kind: KeyStoreKind,
        id: Option<String>,
    },
    /// A multi-Region replica: rotation happens on the primary. The ARN and region let the UI
    /// link to it (switch region, open the key).
    Replica {
        primary_arn: Option<String>,
        primary_region: Option<String>,
    },
    Disabled,
    PendingDeletion {
        deletion_date: Option<Timestamp>,
    },
    /// PendingImport, Unavailable, Creating, Updating, PendingReplicaDeletion, or a new state.
    State {
        state: String,
    },
    /// EXTERNAL origin without imported material in PENDING_ROTATION.
    NoPendingImportedMaterial,
    /// An EXTERNAL multi-Region primary whose new material is not yet in every replica
    /// (PENDING_MULTI_REGION_IMPORT_AND_ROTATION, docs/kms.md §3.8 Key material): the Regions
    /// of the replicas that lack it, as far as keyturn can tell.
    ReplicasNeedMaterial {
        regions: Vec<String>,
    },
    /// EXTERNAL origin: automatic rotation is never supported for imported material.
    ImportedNoAutomatic,
    /// OnDemandRotationStartDate is set.
    InProgress,
    /// The on-demand quota is used up (computed, or LimitExceededException from the server).
    NoRotationsLeft,
    /// DescribeKey has not answered yet.
    Loading,
    /// DescribeKey failed (the reason is kept); the key's kind is unknown.
    Unreadable {
        reason: String,
    },
}

impl Blocked {
    pub fn sentence(&self) -> String {
        match self {
            Blocked::AwsManaged => {
                "This is an AWS managed key: AWS rotates it automatically every \
                 year, and its rotation cannot be changed or started on demand."
                    .to_string()
            }
            Blocked::Asymmetric { spec } => format!(
                "This is an asymmetric key ({spec}): KMS rotates only symmetric encryption keys \
                 (SYMMETRIC_DEFAULT). To replace it, create a new key and move the alias."
            ),
            Blocked::Hmac { spec } => format!(
                "This is an HMAC key ({spec}): KMS does not rotate HMAC keys. To replace it, \
                 create a new key and move the alias."
            ),
            Blocked::UnsupportedSpec { spec } => format!(
                "This key's spec is {spec}: KMS rotates only symmetric encryption keys \
                 (SYMMETRIC_DEFAULT)."
            ),
            Blocked::CustomKeyStore { kind, id } => {
                let store = match kind {
                    KeyStoreKind::CloudHsm => "an AWS CloudHSM key store",
                    KeyStoreKind::External => "an external key store (XKS)",
                };
                let id = id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default();
                format!(
                    "This key is in {store}{id}: KMS does not rotate keys in custom key stores. \
                     To replace it, create a new key and move the alias."
                )
            }
            Blocked::Replica { primary_region, .. } => match primary_region {
                Some(r) => format!(
                    "This is a multi-Region replica: rotation is managed on its primary key, so \
                     rotate the primary in {r}. The rotation applies to every replica."
                ),
                None => "This is a multi-Region replica: rotation is managed on its primary \
                         key, so rotate the primary. The rotation applies to every replica."
                    .to_string(),
            },
            Blocked::Disabled => {
                "The key is disabled: enable it before changing its rotation.".to_string()
            }
            Blocked::PendingDeletion { deletion_date } => {
                let when = deletion_date
                    .map(|d| format!(" (scheduled for {})", format::date(d)))
                    .unwrap_or_default();
                format!(
                    "The key is pending deletion{when}: cancel the deletion before changing its \
                     rotation."
                )
            }
            Blocked::State { state } => match state.as_str() {
                "PendingImport" => "The key has no key material yet (PendingImport): import key \
                     material first."
                    .to_string(),
                "Unavailable" => "The key is unavailable because its custom key store is \
                     disconnected: reconnect the key store first."
                    .to_string(),
                s => format!(
                    "The key's state is {s}: rotation is possible only when the key is Enabled. \
                     Wait a moment and reload."
                ),
            },
            Blocked::NoPendingImportedMaterial => "This key uses imported key material: import \
                 new key material first (ImportKeyMaterial with ImportType NEW_KEY_MATERIAL). \
                 Rotate now becomes possible once that material is pending rotation."
                .to_string(),
            Blocked::ReplicasNeedMaterial { regions } => {
                let place = match regions.as_slice() {
                    [] => "every replica".to_string(),
                    [one] => format!("the replica in {one}"),
                    many => format!("the replicas in {}", format::join_and(many)),
                };
                format!(
                    "New key material is imported into this primary key but not yet into all \
                     of its replicas: import the same material into {place} (ImportKeyMaterial \
                     with ImportType EXISTING_KEY_MATERIAL). Rotate now becomes possible once \
                     every replica has it."
                )
            }
            Blocked::ImportedNoAutomatic => "Automatic rotation is not available for keys with \
                 imported key material: import new material and rotate on demand instead."
                .to_string(),
            Blocked::InProgress => "An on-demand rotation of this key is already in progress: \
                 wait until it completes."
                .to_string(),
            Blocked::NoRotationsLeft => format!(
                "This key has used all {ON_DEMAND_ROTATION_LIMIT} of its on-demand rotations (the \
                 limit cannot be raised). Automatic rotation still works: turn it on or shorten \
                 its period instead."
            ),
            Blocked::Loading => "The key's details are still loading.".to_string(),
            Blocked::Unreadable { reason } => format!(
                "keyturn could not read this key's details, so it cannot tell whether it can be \
                 rotated. {reason}"
            ),
        }
    }

    /// The primary key's ARN and region, for a replica (the UI's "go to the primary" link).
    pub fn primary(&self) -> Option<(Option<&str>, Option<&str>)> {
        match self {
            Blocked::Replica {
                primary_arn,
                primary_region,
            } => Some((primary_arn.as_deref(), primary_region.as_deref())),
            _ => None,
        }
    }

    /// True for reasons that come from what the key is (not its current state or quota):
    /// these keys can never be rotated on demand in this console.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Blocked::AwsManaged
                | Blocked::Asymmetric { .. }
                | Blocked::Hmac { .. }
                | Blocked::UnsupportedSpec { .. }
                | Blocked::CustomKeyStore { .. }
                | Blocked::Replica { .. }
        )
    }
}

fn is_hmac(spec: &KeySpec) -> bool {
    matches!(
        spec,
        KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512
    )
}

/// What the key is, independent of its state: AWS managed, spec, key store, replica. Shared by
/// both rotation kinds.
pub fn key_kind(meta: &KeyMetadata) -> Result<(), Blocked> {
    if meta.key_manager == Some(KeyManager::Aws) {
        return Err(Blocked::AwsManaged);
    }
    match meta.spec() {
        // Absent spec (an odd peer): let the server decide.
        None | Some(KeySpec::SymmetricDefault) => {}
        Some(s) if is_hmac(s) => {
            return Err(Blocked::Hmac {
                spec: s.to_string(),
            })
        }
        Some(s @ KeySpec::Other(_)) => {
            return Err(Blocked::UnsupportedSpec {
                spec: s.to_string(),
            })
        }
        Some(s) => {
            return Err(Blocked::Asymmetric {
                spec: s.to_string(),
            })
        }
    }
    let store = match &meta.origin {
        Some(Origin::AwsCloudHsm) => Some(KeyStoreKind::CloudHsm),
        Some(Origin::ExternalKeyStore) => Some(KeyStoreKind::External),
        _ if meta.custom_key_store_id.is_some() => Some(KeyStoreKind::CloudHsm),
        _ => None,
    };
    if let Some(kind) = store {
        return Err(Blocked::CustomKeyStore {
            kind,
            id: meta.custom_key_store_id.clone(),
        });
    }
    if meta.multi_region_key_type() == Some(&MultiRegionKeyType::Replica) {
        let primary = meta
            .multi_region_configuration
            .as_ref()
            .and_then(|c| c.primary_key.as_ref());
        return Err(Blocked::Replica {
            primary_arn: primary.and_then(|p| p.arn.clone()),
            primary_region: primary.and_then(|p| p.region.clone()),
        });
    }
    Ok(())
}

/// The key state gate (docs/kms.md §3.3 keyturn's gate: only Enabled; absent state is left to
/// the server).
pub fn key_state(meta: &KeyMetadata) -> Result<(), Blocked> {
    match &meta.key_state {
        None | Some(KeyState::Enabled) => Ok(()),
        Some(KeyState::Disabled) => Err(Blocked::Disabled),
        Some(KeyState::PendingDeletion) => Err(Blocked::PendingDeletion {
            deletion_date: meta.deletion_date,
        }),
        Some(s) => Err(Blocked::State {
            state: s.to_string(),
        }),
    }
}

fn is_external(meta: &KeyMetadata) -> bool {
    meta.origin == Some(Origin::External)
}

/// Can "Rotate now" (RotateKeyOnDemand) be offered?
///
/// - `status`: GetKeyRotationStatus, if read (an in-progress rotation blocks).
/// - `remaining`: the computed quota ([`crate::console::quota`]), if known; 0 blocks.
/// - `pending`: the state of an EXTERNAL key's imported material waiting to become current.
///
/// Unknown inputs (`None`) do not block: the server's answer decides.
pub fn rotate_now(
    meta: &KeyMetadata,
    status: Option<&RotationStatus>,
    remaining: Option<u32>,
    pending: Option<&KeyMaterialState>,
) -> Result<(), Blocked> {
    key_kind(meta)?;
    key_state(meta)?;
    if is_external(meta) {
        match pending {
            None => return Err(Blocked::NoPendingImportedMaterial),
            Some(KeyMaterialState::PendingMultiRegionImportAndRotation) => {
                return Err(Blocked::ReplicasNeedMaterial {
                    regions: replica_regions(meta),
                })
            }
            Some(_) => {}
        }
    }
    if status.is_some_and(|s| s.on_demand_rotation_start_date.is_some()) {
        return Err(Blocked::InProgress);
    }
    if remaining == Some(0) {
        return Err(Blocked::NoRotationsLeft);
    }
    Ok(())
}

/// The Regions of a multi-Region primary's replicas, as DescribeKey lists them.
pub fn replica_regions(meta: &KeyMetadata) -> Vec<String> {
    meta.multi_region_configuration
        .as_ref()
        .map(|c| {
            c.replica_keys
                .iter()
                .filter_map(|r| r.region.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Can automatic rotation be turned on/off or its period changed (Enable/DisableKeyRotation)?
pub fn automatic_rotation(meta: &KeyMetadata) -> Result<(), Blocked> {
    key_kind(meta)?;
    if is_external(meta) {
        return Err(Blocked::ImportedNoAutomatic);
    }
    key_state(meta)
}

/// Whether the rotation-status reads mean anything for this key, so the inventory skips the
/// ones that would only fail (asymmetric, HMAC, custom key stores, keys without material).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationReads {
    /// GetKeyRotationStatus.
    pub status: bool,
    /// ListKeyRotations.
    pub rotations: bool,
    /// ListKeyRotations with IncludeKeyMaterial = ALL_KEY_MATERIAL (EXTERNAL keys: shows
    /// material pending rotation; the first material and pending entries have no RotationType,
    /// so the quota count is unaffected).
    pub all_key_material: bool,
}

pub fn rotation_reads(meta: &KeyMetadata) -> RotationReads {
    let symmetric = matches!(meta.spec(), None | Some(KeySpec::SymmetricDefault));
    let own_store = matches!(
        meta.origin,
        None | Some(Origin::AwsKms) | Some(Origin::External)
    ) && meta.custom_key_store_id.is_none();
    let has_material = !matches!(
        meta.key_state,
        Some(KeyState::PendingImport) | Some(KeyState::Unavailable) | Some(KeyState::Creating)
    );
    let readable = symmetric && own_store && has_material;
    // An imported key without (some of) its material still lists its materials and their
    // import state: that is how a user finds what to import again (docs/kms.md §2.14
    // ImportKeyMaterial).
    let imported_waiting = symmetric
        && own_store
        && is_external(meta)
        && meta.key_state == Some(KeyState::PendingImport);
    RotationReads {
        status: readable,
        rotations: readable || imported_waiting,
        all_key_material: (readable || imported_waiting) && is_external(meta),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::aws::kms::{MultiRegionConfiguration, MultiRegionKey};

    pub(crate) fn symmetric(id: &str) -> KeyMetadata {
        KeyMetadata {
            key_id: id.to_string(),
            arn: Some(format!("arn:aws:kms:us-east-1:111122223333:key/{id}")),
            enabled: true,
            key_state: Some(KeyState::Enabled),
            key_spec: Some(KeySpec::SymmetricDefault),
            origin: Some(Origin::AwsKms),
            key_manager: Some(KeyManager::Customer),
            ..Default::default()
        }
    }

    fn status(in_progress: bool) -> RotationStatus {
        RotationStatus {
            key_rotation_enabled: true,
            rotation_period_in_days: Some(365),
            on_demand_rotation_start_date: in_progress.then_some(Timestamp(1.0)),
            ..Default::default()
        }
    }

    #[test]
    fn eligible_symmetric_key() {
        let m = symmetric("k");
        assert_eq!(rotate_now(&m, None, None, None), Ok(()));
        assert_eq!(rotate_now(&m, Some(&status(false)), Some(1), None), Ok(()));
        assert_eq!(automatic_rotation(&m), Ok(()));
    }

    #[test]
    fn aws_managed() {
        let mut m = symmetric("k");
        m.key_manager = Some(KeyManager::Aws);
        let e = rotate_now(&m, None, Some(25), None).unwrap_err();
        assert_eq!(e, Blocked::AwsManaged);
        assert!(e.sentence().contains("every year"));
        assert!(e.sentence().contains("cannot be changed"));
        assert_eq!(automatic_rotation(&m), Err(Blocked::AwsManaged));
        assert!(e.is_permanent());
    }

    #[test]
    fn asymmetric_names_the_spec() {
        for spec in [
            KeySpec::Rsa2048,
            KeySpec::EccNistP256,
            KeySpec::Sm2,
            KeySpec::MlDsa65,
            KeySpec::EccNistEdwards25519,
            KeySpec::MlKem768,
        ] {
            let mut m = symmetric("k");
            m.key_spec = Some(spec.clone());
            let e = rotate_now(&m, None, None, None).unwrap_err();
            assert_eq!(
                e,
                Blocked::Asymmetric {
                    spec: spec.to_string()
                }
            );
            assert!(e.to_string().contains(spec.as_str()), "{e}");
            assert_eq!(automatic_rotation(&m), Err(e));
        }
    }

    #[test]
    fn deprecated_spec_field_is_used_when_key_spec_is_absent() {
        let mut m = symmetric("k");
        m.key_spec = None;
        m.customer_master_key_spec = Some(KeySpec::Rsa4096);
        assert!(matches!(
            rotate_now(&m, None, None, None),
            Err(Blocked::Asymmetric { .. })
        ));
    }

    #[test]
    fn hmac_and_unknown_specs() {
        let mut m = symmetric("k");
        m.key_spec = Some(KeySpec::Hmac256);
        let e = rotate_now(&m, None, None, None).unwrap_err();
        assert_eq!(
            e,
            Blocked::Hmac {
                spec: "HMAC_256".into()
            }
        );
        assert!(e.sentence().contains("HMAC"));
        m.key_spec = Some(KeySpec::Other("QUANTUM_9000".into()));
        let e = rotate_now(&m, None, None, None).unwrap_err();
        assert!(e.sentence().contains("QUANTUM_9000"));
    }

    #[test]
    fn custom_key_stores() {
        let mut m = symmetric("k");
        m.origin = Some(Origin::AwsCloudHsm);
        m.custom_key_store_id = Some("cks-1234567890abcdef0".into());
        let e = rotate_now(&m, None, None, None).unwrap_err();
        assert!(matches!(
            e,
            Blocked::CustomKeyStore {
                kind: KeyStoreKind::CloudHsm,
                ..
            }
        ));
        assert!(e.sentence().contains("CloudHSM"));
        assert!(e.sentence().contains("cks-1234567890abcdef0"));
        m.origin = Some(Origin::ExternalKeyStore);
        let e = automatic_rotation(&m).unwrap_err();
        assert!(e.sentence().contains("external key store (XKS)"));
    }

    #[test]
    fn replica_points_to_the_primary() {
        let mut m = symmetric("mrk-1234abcd12ab34cd56ef1234567890ab");
        m.multi_region = Some(true);
        let primary_arn =
            "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
        m.multi_region_configuration = Some(MultiRegionConfiguration {
            multi_region_key_type: Some(MultiRegionKeyType::Replica),
            primary_key: Some(MultiRegionKey {
                arn: Some(primary_arn.into()),
                region: Some("us-east-1".into()),
            }),
            replica_keys: vec![],
        });
        let e = rotate_now(&m, None, None, None).unwrap_err();
        assert_eq!(e.primary(), Some((Some(primary_arn), Some("us-east-1"))));
        assert!(
            e.sentence().contains("rotate the primary in us-east-1"),
            "{e}"
        );
        assert!(matches!(
            automatic_rotation(&m),
            Err(Blocked::Replica { .. })
        ));
        // The primary itself is fine.
        if let Some(c) = m.multi_region_configuration.as_mut() {
            c.multi_region_key_type = Some(MultiRegionKeyType::Primary);
        }
        assert_eq!(rotate_now(&m, None, None, None), Ok(()));
    }

    #[test]
    fn states() {
        let mut m = symmetric("k");
        m.key_state = Some(KeyState::Disabled);
        m.enabled = false;
        let e = rotate_now(&m, None, None, None).unwrap_err();
        assert_eq!(e, Blocked::Disabled);
        assert!(e.sentence().contains("disabled"));
        assert_eq!(automatic_rotation(&m), Err(Blocked::Disabled));

        m.key_state = Some(KeyState::PendingDeletion);
        m.deletion_date = Some(Timestamp(1_795_608_000.0));
        let e = rotate_now(&m, None, None, None).unwrap_err();
        assert!(e.sentence().contains("pending deletion"));
        assert!(e.sentence().contains("2026-11-25"));
        assert!(!e.is_permanent());

        for (state, needle) in [
            (KeyState::PendingImport, "import key material"),
            (KeyState::Unavailable, "disconnected"),
            (KeyState::Creating, "Creating"),
            (KeyState::Updating, "Updating"),
            (KeyState::PendingReplicaDeletion, "PendingReplicaDeletion"),
            (KeyState::Other("Frozen".into()), "Frozen"),
        ] {
            m.key_state = Some(state);
            let e = rotate_now(&m, None, None, None).unwrap_err();
            assert!(matches!(e, Blocked::State { .. }));
            assert!(e.sentence().contains(needle), "{e}");
        }
    }

    #[test]
    fn external_needs_pending_material() {
        let mut m = symmetric("k");
        m.origin = Some(Origin::External);
        let e = rotate_now(&m, None, Some(25), None).unwrap_err();
        assert_eq!(e, Blocked::NoPendingImportedMaterial);
        assert!(e.sentence().contains("NEW_KEY_MATERIAL"));
        assert_eq!(
            rotate_now(&m, None, Some(25), Some(&KeyMaterialState::PendingRotation)),
            Ok(())
        );
        assert_eq!(automatic_rotation(&m), Err(Blocked::ImportedNoAutomatic));
        // PendingImport state is reported as such, before the material rule.
        m.key_state = Some(KeyState::PendingImport);
        assert!(matches!(
            rotate_now(&m, None, None, Some(&KeyMaterialState::PendingRotation)),
            Err(Blocked::State { .. })
        ));
    }

    /// A multi-Region imported primary waits for its replicas, and says which (docs/kms.md §3.8).
    #[test]
    fn multi_region_imported_primary_names_the_replicas_without_material() {
        let mut m = symmetric("mrk-1");
        m.origin = Some(Origin::External);
        m.multi_region = Some(true);
        m.multi_region_configuration = Some(MultiRegionConfiguration {
            multi_region_key_type: Some(MultiRegionKeyType::Primary),
            primary_key: None,
            replica_keys: ["eu-west-1", "ap-south-1"]
                .iter()
                .map(|r| MultiRegionKey {
                    arn: None,
                    region: Some(r.to_string()),
                })
                .collect(),
        });
        let waiting = KeyMaterialState::PendingMultiRegionImportAndRotation;
        let e = rotate_now(&m, None, None, Some(&waiting)).unwrap_err();
        assert_eq!(
            e,
            Blocked::ReplicasNeedMaterial {
                regions: vec!["eu-west-1".into(), "ap-south-1".into()]
            }
        );
        assert!(e
            .sentence()
            .contains("import the same material into the replicas in eu-west-1 and ap-south-1"));
        let one = Blocked::ReplicasNeedMaterial {
            regions: vec!["eu-west-1".into()],
        };
        assert!(one
            .sentence()
            .contains("import the same material into the replica in eu-west-1 ("));
        let ready = KeyMaterialState::PendingRotation;
        assert_eq!(rotate_now(&m, None, None, Some(&ready)), Ok(()));
    }

    #[test]
    fn in_progress_and_quota() {
        let m = symmetric("k");
        assert_eq!(
            rotate_now(&m, Some(&status(true)), Some(10), None),
            Err(Blocked::InProgress)
        );
        let e = rotate_now(&m, Some(&status(false)), Some(0), None).unwrap_err();
        assert_eq!(e, Blocked::NoRotationsLeft);
        assert!(e.sentence().contains("25"));
        // Automatic rotation is unaffected by the on-demand quota.
        assert_eq!(automatic_rotation(&m), Ok(()));
    }

    #[test]
    fn order_type_before_state() {
        // A disabled asymmetric key: the permanent reason is the useful one.
        let mut m = symmetric("k");
        m.key_spec = Some(KeySpec::Rsa2048);
        m.key_state = Some(KeyState::Disabled);
        assert!(matches!(
            rotate_now(&m, None, Some(0), None),
            Err(Blocked::Asymmetric { .. })
        ));
    }

    #[test]
    fn which_reads_are_meaningful() {
        let m = symmetric("k");
        let r = rotation_reads(&m);
        assert!(r.status && r.rotations && !r.all_key_material);
        let mut ext = symmetric("k");
        ext.origin = Some(Origin::External);
        assert!(rotation_reads(&ext).all_key_material);
        ext.key_state = Some(KeyState::PendingImport);
        // No status without material, but the materials and their import state are listed.
        let waiting = rotation_reads(&ext);
        assert!(!waiting.status && waiting.rotations && waiting.all_key_material);
        let mut rsa = symmetric("k");
        rsa.key_spec = Some(KeySpec::Rsa2048);
        assert!(!rotation_reads(&rsa).rotations);
        let mut hsm = symmetric("k");
        hsm.origin = Some(Origin::AwsCloudHsm);
        assert!(!rotation_reads(&hsm).status);
        let mut aws = symmetric("k");
        aws.key_manager = Some(KeyManager::Aws);
        assert!(
            rotation_reads(&aws).status,
            "AWS managed keys have a status"
        );
    }
}
