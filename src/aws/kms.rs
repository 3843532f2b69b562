//! KMS operations as typed requests and responses (awsJson1_1: docs/kms.md §1 Wire protocol,
//! §2 Operations keyturn uses).
//!
//! Each operation is a request struct implementing [`Operation`]; `Client::call` is the one path
//! that sends any of them. Responses follow the wire format: PascalCase members, optional members
//! absent (never required here unless the model requires them), timestamps as fractional epoch
//! seconds, and enums that keep unknown values in an `Other` variant so a new KMS value never
//! breaks decoding.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize, Serializer};

use crate::aws::wire::wire_enum;

/// `X-Amz-Target` prefix (docs/kms.md §1.1 Requests: the model's `targetPrefix`).
pub const TARGET_PREFIX: &str = "TrentService";
/// The `X-Amz-Target` prefix of a JSON service: KMS's model `targetPrefix`, or Organizations'
/// (`AWSOrganizationsV20161128`, its API model). STS speaks the Query protocol instead.
pub fn target_prefix(service: crate::aws::endpoint::Service) -> &'static str {
    match service {
        crate::aws::endpoint::Service::Organizations => "AWSOrganizationsV20161128",
        _ => TARGET_PREFIX,
    }
}

/// `Content-Type` of every KMS request (docs/kms.md §1.1 Requests).
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A KMS operation: the request body is `Self` serialised as JSON, the answer is `Output`.
pub trait Operation: Serialize {
    /// The operation name, as in `X-Amz-Target: TrentService.<NAME>`.
    const NAME: &'static str;
    /// False when sending the request twice can do something twice (RotateKeyOnDemand): such
    /// a request is never resent after an ambiguous failure.
    const IDEMPOTENT: bool = true;
    /// The service the operation belongs to: its endpoint, signing name and target prefix.
    const SERVICE: crate::aws::endpoint::Service = crate::aws::endpoint::Service::Kms;
    type Output: serde::de::DeserializeOwned;

    /// The key this request is about, for the request log.
    fn key_id(&self) -> Option<&str> {
        None
    }
}

/// A paged list operation (docs/kms.md §2.1 Paging: send `Marker` = previous `NextMarker`
/// while `Truncated`).
pub trait Paginated: Operation {
    type Item;
    fn marker(&self) -> Option<&str>;
    fn set_marker(&mut self, marker: Option<String>);
    /// The page's items, `NextMarker` and `Truncated`.
    fn into_page(output: Self::Output) -> (Vec<Self::Item>, Option<String>, bool);
}

/// Every paged KMS list has `Marker` in, and `NextMarker` + `Truncated` out: one impl shape.
macro_rules! paginated {
    ($op:ty, $out:ty, $items:ident: $item:ty) => {
        impl Paginated for $op {
            type Item = $item;
            fn marker(&self) -> Option<&str> {
                self.marker.as_deref()
            }
            fn set_marker(&mut self, marker: Option<String>) {
                self.marker = marker;
            }
            fn into_page(o: $out) -> (Vec<$item>, Option<String>, bool) {
                (o.$items, o.next_marker, o.truncated)
            }
        }
    };
}

/// A DateType value: epoch seconds with a fractional part, as KMS sends it.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Timestamp(pub f64);

impl Timestamp {
    pub fn epoch_seconds(self) -> f64 {
        self.0
    }

    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(d.as_secs_f64()),
            Err(e) => Timestamp(-e.duration().as_secs_f64()),
        }
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        Timestamp::from_system_time(t)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("epoch seconds (a number) or an ISO 8601 date-time")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                Ok(Timestamp(v as f64))
            }
            // The wire format is a number (docs/kms.md §1.3 Responses and data types); strings
            // are accepted so a peer that sends a CLI-style ISO date or a quoted number still
            // decodes.
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                // Rust also parses "NaN" and "inf", which are not dates (and a NaN breaks the
                // inventory's sort order: sorting panics).
                if let Ok(n) = v.trim().parse::<f64>() {
                    return if n.is_finite() {
                        Ok(Timestamp(n))
                    } else {
                        Err(E::invalid_value(de::Unexpected::Str(v), &self))
                    };
                }
                let dt = aws_smithy_types::DateTime::from_str(
                    v.trim(),
                    aws_smithy_types::date_time::Format::DateTime,
                )
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))?;
                Ok(Timestamp(dt.as_secs_f64()))
            }
        }
        d.deserialize_any(V)
    }
}

wire_enum!(
    /// `KeyUsage`.
    KeyUsage {
        SignVerify = "SIGN_VERIFY",
        EncryptDecrypt = "ENCRYPT_DECRYPT",
        GenerateVerifyMac = "GENERATE_VERIFY_MAC",
        KeyAgreement = "KEY_AGREEMENT",
        EncapsulateDecapsulate = "ENCAPSULATE_DECAPSULATE",
    }
);

wire_enum!(
    /// `KeyState`.
    KeyState {
        Creating = "Creating",
        Enabled = "Enabled",
        Disabled = "Disabled",
        PendingDeletion = "PendingDeletion",
        PendingImport = "PendingImport",
        PendingReplicaDeletion = "PendingReplicaDeletion",
        Unavailable = "Unavailable",
        Updating = "Updating",
    }
);

wire_enum!(
    /// `Origin`.
    Origin {
        AwsKms = "AWS_KMS",
        External = "EXTERNAL",
        AwsCloudHsm = "AWS_CLOUDHSM",
        ExternalKeyStore = "EXTERNAL_KEY_STORE",
    }
);

wire_enum!(
    /// `ExpirationModel` (EXTERNAL keys only).
    ExpirationModel {
        KeyMaterialExpires = "KEY_MATERIAL_EXPIRES",
        KeyMaterialDoesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }
);

wire_enum!(
    /// `KeyManager`.
    KeyManager {
        Aws = "AWS",
        Customer = "CUSTOMER",
    }
);

wire_enum!(
    /// `KeySpec` (also used for the deprecated `CustomerMasterKeySpec`, whose values are a subset).
    KeySpec {
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        EccNistP256 = "ECC_NIST_P256",
        EccNistP384 = "ECC_NIST_P384",
        EccNistP521 = "ECC_NIST_P521",
        EccSecgP256k1 = "ECC_SECG_P256K1",
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        Hmac224 = "HMAC_224",
        Hmac256 = "HMAC_256",
        Hmac384 = "HMAC_384",
        Hmac512 = "HMAC_512",
        Sm2 = "SM2",
        MlDsa44 = "ML_DSA_44",
        MlDsa65 = "ML_DSA_65",
        MlDsa87 = "ML_DSA_87",
        EccNistEdwards25519 = "ECC_NIST_EDWARDS25519",
        MlKem512 = "ML_KEM_512",
        MlKem768 = "ML_KEM_768",
        MlKem1024 = "ML_KEM_1024",
    }
);

wire_enum!(
    /// `EncryptionAlgorithmSpec`.
    EncryptionAlgorithm {
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        Sm2Pke = "SM2PKE",
    }
);

wire_enum!(
    /// `SigningAlgorithmSpec`.
    SigningAlgorithm {
        RsassaPssSha256 = "RSASSA_PSS_SHA_256",
        RsassaPssSha384 = "RSASSA_PSS_SHA_384",
        RsassaPssSha512 = "RSASSA_PSS_SHA_512",
        RsassaPkcs1V15Sha256 = "RSASSA_PKCS1_V1_5_SHA_256",
        RsassaPkcs1V15Sha384 = "RSASSA_PKCS1_V1_5_SHA_384",
        RsassaPkcs1V15Sha512 = "RSASSA_PKCS1_V1_5_SHA_512",
        EcdsaSha256 = "ECDSA_SHA_256",
        EcdsaSha384 = "ECDSA_SHA_384",
        EcdsaSha512 = "ECDSA_SHA_512",
        Sm2Dsa = "SM2DSA",
        MlDsaShake256 = "ML_DSA_SHAKE_256",
        Ed25519Sha512 = "ED25519_SHA_512",
        Ed25519PhSha512 = "ED25519_PH_SHA_512",
    }
);

wire_enum!(
    /// `KeyAgreementAlgorithmSpec`.
    KeyAgreementAlgorithm { Ecdh = "ECDH" }
);

wire_enum!(
    /// `KeyEncapsulationAlgorithmSpec`.
    EncapsulationAlgorithm { MlKem = "ML_KEM" }
);

wire_enum!(
    /// `MacAlgorithmSpec`.
    MacAlgorithm {
        HmacSha224 = "HMAC_SHA_224",
        HmacSha256 = "HMAC_SHA_256",
        HmacSha384 = "HMAC_SHA_384",
        HmacSha512 = "HMAC_SHA_512",
    }
);

wire_enum!(
    /// `MultiRegionKeyType`.
    MultiRegionKeyType {
        Primary = "PRIMARY",
        Replica = "REPLICA",
    }
);

wire_enum!(
    /// `ImportState` of a rotations list entry (EXTERNAL only).
    ImportState {
        Imported = "IMPORTED",
        PendingImport = "PENDING_IMPORT",
    }
);

wire_enum!(
    /// `KeyMaterialState` of a rotations list entry.
    KeyMaterialState {
        NonCurrent = "NON_CURRENT",
        Current = "CURRENT",
        PendingRotation = "PENDING_ROTATION",
        PendingMultiRegionImportAndRotation = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION",
    }
);

wire_enum!(
    /// `RotationType`.
    RotationType {
        Automatic = "AUTOMATIC",
        OnDemand = "ON_DEMAND",
    }
);

wire_enum!(
    /// `IncludeKeyMaterial` (ListKeyRotations request).
    IncludeKeyMaterial {
        AllKeyMaterial = "ALL_KEY_MATERIAL",
        RotationsOnly = "ROTATIONS_ONLY",
    }
);

wire_enum!(
    /// `ResourceOwners` item (ListKeys request).
    ResourceOwner {
        OwnedBySelf = "SELF",
        OtherAccountsViaRam = "OTHER_ACCOUNTS_VIA_RAM",
    }
);

/// Output of operations without output (Enable/DisableKeyRotation). KMS may send an empty body
/// or `{}` (docs/kms.md §1.3 Responses and data types); moto on its own sends `null`
/// (docs/peer.md "Where moto is not KMS"). All are accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Empty;

impl<'de> Deserialize<'de> for Empty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(Empty)
    }
}

// ---------------------------------------------------------------------------------------------
// ListKeys

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeys {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_owners: Option<Vec<ResourceOwner>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeysOutput {
    pub keys: Vec<KeyListEntry>,
    pub next_marker: Option<String>,
    pub truncated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyListEntry {
    pub key_id: String,
    pub key_arn: Option<String>,
}

impl Operation for ListKeys {
    const NAME: &'static str = "ListKeys";
    type Output = ListKeysOutput;
}

paginated!(ListKeys, ListKeysOutput, keys: KeyListEntry);

// ---------------------------------------------------------------------------------------------
// ListAliases

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliases {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAliasesOutput {
    pub aliases: Vec<AliasListEntry>,
    pub next_marker: Option<String>,
    pub truncated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AliasListEntry {
    pub alias_name: String,
    pub alias_arn: Option<String>,
    /// Absent for `alias/aws/<service>` aliases created before their key exists.
    pub target_key_id: Option<String>,
    pub creation_date: Option<Timestamp>,
    pub last_updated_date: Option<Timestamp>,
}

impl AliasListEntry {
    /// `alias/aws/...` names belong to AWS managed keys.
    pub fn is_aws_managed(&self) -> bool {
        self.alias_name.starts_with("alias/aws/")
    }
}

impl Operation for ListAliases {
    const NAME: &'static str = "ListAliases";
    type Output = ListAliasesOutput;
    fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }
}

paginated!(ListAliases, ListAliasesOutput, aliases: AliasListEntry);

// ---------------------------------------------------------------------------------------------
// DescribeKey

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeKey {
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
}

impl DescribeKey {
    pub fn new(key_id: impl Into<String>) -> Self {
        DescribeKey {
            key_id: key_id.into(),
            grant_tokens: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeKeyOutput {
    pub key_metadata: KeyMetadata,
}

impl Operation for DescribeKey {
    const NAME: &'static str = "DescribeKey";
    type Output = DescribeKeyOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

/// `KeyMetadata` (docs/kms.md §2.4 DescribeKey), every member.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyMetadata {
    pub key_id: String,
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: Option<String>,
    pub arn: Option<String>,
    pub creation_date: Option<Timestamp>,
    /// True only when KeyState is Enabled (docs/kms.md §2.4 DescribeKey); absent means false
    /// (§1.3 Responses and data types).
    pub enabled: bool,
    pub description: Option<String>,
    pub key_usage: Option<KeyUsage>,
    pub key_state: Option<KeyState>,
    pub deletion_date: Option<Timestamp>,
    pub valid_to: Option<Timestamp>,
    pub origin: Option<Origin>,
    pub custom_key_store_id: Option<String>,
    pub cloud_hsm_cluster_id: Option<String>,
    pub expiration_model: Option<ExpirationModel>,
    pub key_manager: Option<KeyManager>,
    /// Deprecated duplicate of `key_spec`.
    pub customer_master_key_spec: Option<KeySpec>,
    pub key_spec: Option<KeySpec>,
    pub encryption_algorithms: Option<Vec<EncryptionAlgorithm>>,
    pub signing_algorithms: Option<Vec<SigningAlgorithm>>,
    pub key_agreement_algorithms: Option<Vec<KeyAgreementAlgorithm>>,
    pub encapsulation_algorithms: Option<Vec<EncapsulationAlgorithm>>,
    pub mac_algorithms: Option<Vec<MacAlgorithm>>,
    /// Nullable in the model.
    pub multi_region: Option<bool>,
    pub multi_region_configuration: Option<MultiRegionConfiguration>,
    pub pending_deletion_window_in_days: Option<u32>,
    pub xks_key_configuration: Option<XksKeyConfiguration>,
    pub current_key_material_id: Option<String>,
}

impl KeyMetadata {
    /// `KeySpec`, or the deprecated `CustomerMasterKeySpec` when only that is present.
    pub fn spec(&self) -> Option<&KeySpec> {
        self.key_spec
            .as_ref()
            .or(self.customer_master_key_spec.as_ref())
    }

    pub fn multi_region_key_type(&self) -> Option<&MultiRegionKeyType> {
        self.multi_region_configuration
            .as_ref()
            .and_then(|c| c.multi_region_key_type.as_ref())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MultiRegionConfiguration {
    pub multi_region_key_type: Option<MultiRegionKeyType>,
    pub primary_key: Option<MultiRegionKey>,
    pub replica_keys: Vec<MultiRegionKey>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MultiRegionKey {
    pub arn: Option<String>,
    pub region: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct XksKeyConfiguration {
    pub id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// GetKeyRotationStatus

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyRotationStatus {
    pub key_id: String,
}

impl GetKeyRotationStatus {
    pub fn new(key_id: impl Into<String>) -> Self {
        GetKeyRotationStatus {
            key_id: key_id.into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetKeyRotationStatusOutput {
    pub key_rotation_enabled: bool,
    pub key_id: Option<String>,
    pub rotation_period_in_days: Option<u32>,
    pub next_rotation_date: Option<Timestamp>,
    /// Present only while an on-demand rotation is in progress.
    pub on_demand_rotation_start_date: Option<Timestamp>,
}

impl GetKeyRotationStatusOutput {
    pub fn on_demand_rotation_in_progress(&self) -> bool {
        self.on_demand_rotation_start_date.is_some()
    }
}

impl Operation for GetKeyRotationStatus {
    const NAME: &'static str = "GetKeyRotationStatus";
    type Output = GetKeyRotationStatusOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

// ---------------------------------------------------------------------------------------------
// ListKeyRotations

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeyRotations {
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_key_material: Option<IncludeKeyMaterial>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl ListKeyRotations {
    pub fn new(key_id: impl Into<String>) -> Self {
        ListKeyRotations {
            key_id: key_id.into(),
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeyRotationsOutput {
    pub rotations: Vec<RotationsListEntry>,
    pub next_marker: Option<String>,
    pub truncated: bool,
}

/// `RotationsListEntry` (docs/kms.md §2.6 ListKeyRotations), every member.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RotationsListEntry {
    pub key_id: Option<String>,
    pub key_material_id: Option<String>,
    pub key_material_description: Option<String>,
    pub import_state: Option<ImportState>,
    pub key_material_state: Option<KeyMaterialState>,
    pub expiration_model: Option<ExpirationModel>,
    pub valid_to: Option<Timestamp>,
    /// Absent for the first material and PENDING_ROTATION entries.
    pub rotation_date: Option<Timestamp>,
    /// Absent in the same cases as `rotation_date`.
    pub rotation_type: Option<RotationType>,
}

impl Operation for ListKeyRotations {
    const NAME: &'static str = "ListKeyRotations";
    type Output = ListKeyRotationsOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

paginated!(ListKeyRotations, ListKeyRotationsOutput, rotations: RotationsListEntry);

// ---------------------------------------------------------------------------------------------
// RotateKeyOnDemand

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotateKeyOnDemand {
    pub key_id: String,
}

impl RotateKeyOnDemand {
    pub fn new(key_id: impl Into<String>) -> Self {
        RotateKeyOnDemand {
            key_id: key_id.into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RotateKeyOnDemandOutput {
    pub key_id: Option<String>,
}

impl Operation for RotateKeyOnDemand {
    const NAME: &'static str = "RotateKeyOnDemand";
    // Each call starts a billed rotation and uses one of the key's on-demand rotations.
    const IDEMPOTENT: bool = false;
    type Output = RotateKeyOnDemandOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

// ---------------------------------------------------------------------------------------------
// EnableKeyRotation / DisableKeyRotation

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnableKeyRotation {
    pub key_id: String,
    /// 90..2560, default 365 (validated by KMS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_period_in_days: Option<u32>,
}

impl Operation for EnableKeyRotation {
    const NAME: &'static str = "EnableKeyRotation";
    type Output = Empty;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisableKeyRotation {
    pub key_id: String,
}

impl Operation for DisableKeyRotation {
    const NAME: &'static str = "DisableKeyRotation";
    type Output = Empty;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

// ---------------------------------------------------------------------------------------------
// ListResourceTags

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceTags {
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListResourceTagsOutput {
    pub tags: Vec<Tag>,
    pub next_marker: Option<String>,
    pub truncated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub tag_key: String,
    pub tag_value: String,
}

impl Operation for ListResourceTags {
    const NAME: &'static str = "ListResourceTags";
    type Output = ListResourceTagsOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

paginated!(ListResourceTags, ListResourceTagsOutput, tags: Tag);

// ---------------------------------------------------------------------------------------------
// Imported key material (docs/kms.md §2.13 GetParametersForImport, §2.14 ImportKeyMaterial,
// §2.15 DeleteImportedKeyMaterial). Blobs travel as base64 strings (§1.3 Responses and data
// types); the page never sees plaintext material: it sends what the user wrapped elsewhere.

wire_enum!(
    /// `WrappingAlgorithm` (AlgorithmSpec).
    WrappingAlgorithm {
        RsaesPkcs1V15 = "RSAES_PKCS1_V1_5",
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        RsaAesKeyWrapSha1 = "RSA_AES_KEY_WRAP_SHA_1",
        RsaAesKeyWrapSha256 = "RSA_AES_KEY_WRAP_SHA_256",
        Sm2Pke = "SM2PKE",
    }
);

wire_enum!(
    /// `WrappingKeySpec`.
    WrappingKeySpec {
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        Sm2 = "SM2",
    }
);

wire_enum!(
    /// `ImportType` (ImportKeyMaterial).
    ImportType {
        NewKeyMaterial = "NEW_KEY_MATERIAL",
        ExistingKeyMaterial = "EXISTING_KEY_MATERIAL",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersForImport {
    pub key_id: String,
    pub wrapping_algorithm: WrappingAlgorithm,
    pub wrapping_key_spec: WrappingKeySpec,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetParametersForImportOutput {
    pub key_id: Option<String>,
    /// Base64.
    pub import_token: Option<String>,
    /// Base64 of the DER SubjectPublicKeyInfo.
    pub public_key: Option<String>,
    pub parameters_valid_to: Option<Timestamp>,
}

impl Operation for GetParametersForImport {
    const NAME: &'static str = "GetParametersForImport";
    type Output = GetParametersForImportOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportKeyMaterial {
    pub key_id: String,
    /// Base64.
    pub import_token: String,
    /// Base64 of the material as the user wrapped it.
    pub encrypted_key_material: String,
    pub expiration_model: ExpirationModel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_type: Option<ImportType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImportKeyMaterialOutput {
    pub key_id: Option<String>,
    pub key_material_id: Option<String>,
}

impl Operation for ImportKeyMaterial {
    const NAME: &'static str = "ImportKeyMaterial";
    // A second NEW_KEY_MATERIAL import of the same material is refused as already associated:
    // an unclear answer is settled by reading the materials, not by sending again.
    const IDEMPOTENT: bool = false;
    type Output = ImportKeyMaterialOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteImportedKeyMaterial {
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteImportedKeyMaterialOutput {
    pub key_id: Option<String>,
    pub key_material_id: Option<String>,
}

impl Operation for DeleteImportedKeyMaterial {
    const NAME: &'static str = "DeleteImportedKeyMaterial";
    // Deleting pending material twice answers NotFound: never resent after an unclear answer.
    const IDEMPOTENT: bool = false;
    type Output = DeleteImportedKeyMaterialOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

// ---------------------------------------------------------------------------------------------
// GetKeyLastUsage (docs/kms.md §2.16 GetKeyLastUsage)

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyLastUsage {
    pub key_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetKeyLastUsageOutput {
    pub key_id: Option<String>,
    /// An empty object when the key was not used since tracking began.
    pub key_last_usage: Option<KeyLastUsage>,
    pub tracking_start_date: Option<Timestamp>,
    pub key_creation_date: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyLastUsage {
    /// The operation name (an enum in the model, kept as text: new operations stay readable).
    pub operation: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub cloud_trail_event_id: Option<String>,
    pub kms_request_id: Option<String>,
}

impl Operation for GetKeyLastUsage {
    const NAME: &'static str = "GetKeyLastUsage";
    type Output = GetKeyLastUsageOutput;
    fn key_id(&self) -> Option<&str> {
        Some(&self.key_id)
    }
}

/// The JSON body of a request (`{}` when there are no arguments, docs/kms.md §1.1 Requests).
pub fn request_body<O: Operation>(op: &O) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(op)
}

/// Decode a success body. Empty bodies read as `null`, which only [`Empty`] outputs accept.
/// The Content-Type is not looked at (moto sends `text/html` for successes).
pub fn decode_output<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice(b"null")
    } else {
        serde_json::from_slice(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn body<O: Operation>(op: &O) -> String {
        String::from_utf8(request_body(op).unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn requests_serialise_pascal_case_and_omit_absent_members() {
        assert_eq!(body(&ListKeys::default()), "{}");
        assert_eq!(
            body(&ListKeys {
                limit: Some(1000),
                marker: Some("m".into()),
                resource_owners: Some(vec![
                    ResourceOwner::OwnedBySelf,
                    ResourceOwner::OtherAccountsViaRam
                ]),
            }),
            r#"{"Limit":1000,"Marker":"m","ResourceOwners":["SELF","OTHER_ACCOUNTS_VIA_RAM"]}"#
        );
        assert_eq!(body(&ListAliases::default()), "{}");
        assert_eq!(
            body(&DescribeKey::new("alias/demo")),
            r#"{"KeyId":"alias/demo"}"#
        );
        assert_eq!(
            body(&DescribeKey {
                key_id: "k".into(),
                grant_tokens: Some(vec!["t".into()])
            }),
            r#"{"KeyId":"k","GrantTokens":["t"]}"#
        );
        assert_eq!(body(&GetKeyRotationStatus::new("k")), r#"{"KeyId":"k"}"#);
        assert_eq!(
            body(&ListKeyRotations {
                key_id: "k".into(),
                include_key_material: Some(IncludeKeyMaterial::AllKeyMaterial),
                limit: Some(1000),
                marker: None,
            }),
            r#"{"KeyId":"k","IncludeKeyMaterial":"ALL_KEY_MATERIAL","Limit":1000}"#
        );
        assert_eq!(body(&RotateKeyOnDemand::new("k")), r#"{"KeyId":"k"}"#);
        assert_eq!(
            body(&EnableKeyRotation {
                key_id: "k".into(),
                rotation_period_in_days: Some(180)
            }),
            r#"{"KeyId":"k","RotationPeriodInDays":180}"#
        );
        assert_eq!(
            body(&EnableKeyRotation {
                key_id: "k".into(),
                rotation_period_in_days: None
            }),
            r#"{"KeyId":"k"}"#
        );
        assert_eq!(
            body(&DisableKeyRotation { key_id: "k".into() }),
            r#"{"KeyId":"k"}"#
        );
        assert_eq!(
            body(&ListResourceTags {
                key_id: "k".into(),
                limit: Some(50),
                marker: None
            }),
            r#"{"KeyId":"k","Limit":50}"#
        );
    }

    #[test]
    fn operation_names_and_idempotency() {
        assert_eq!(ListKeys::NAME, "ListKeys");
        assert_eq!(ListAliases::NAME, "ListAliases");
        assert_eq!(DescribeKey::NAME, "DescribeKey");
        assert_eq!(GetKeyRotationStatus::NAME, "GetKeyRotationStatus");
        assert_eq!(ListKeyRotations::NAME, "ListKeyRotations");
        assert_eq!(RotateKeyOnDemand::NAME, "RotateKeyOnDemand");
        assert_eq!(EnableKeyRotation::NAME, "EnableKeyRotation");
        assert_eq!(DisableKeyRotation::NAME, "DisableKeyRotation");
        assert_eq!(ListResourceTags::NAME, "ListResourceTags");
        fn idempotent<O: Operation>(_: &O) -> bool {
            O::IDEMPOTENT
        }
        assert!(!idempotent(&RotateKeyOnDemand::new("k")));
        assert!(idempotent(&ListKeys::default()) && idempotent(&EnableKeyRotation::default()));
        assert_eq!(RotateKeyOnDemand::new("k").key_id(), Some("k"));
        assert_eq!(ListKeys::default().key_id(), None);
    }

    /// The `KeyMetadata` of docs/kms.md §2.4 DescribeKey with every member present.
    #[test]
    fn decodes_complete_key_metadata() {
        let json = r#"{"KeyMetadata":{
            "AWSAccountId":"111122223333",
            "Arn":"arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            "CloudHsmClusterId":"cluster-1a23b4cdefg",
            "CreationDate":1571767572.317,
            "CurrentKeyMaterialId":"0b7fd7ddbac6eef27907413567cad8c810e2883dc8a7534067a82ee1142fc1e6",
            "CustomKeyStoreId":"cks-1234567890abcdef0",
            "CustomerMasterKeySpec":"SYMMETRIC_DEFAULT",
            "DeletionDate":1572000000,
            "Description":"<img src=x onerror=alert(1)>",
            "Enabled":true,
            "EncryptionAlgorithms":["SYMMETRIC_DEFAULT","RSAES_OAEP_SHA_256","SM2PKE"],
            "ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE",
            "KeyAgreementAlgorithms":["ECDH"],
            "EncapsulationAlgorithms":["ML_KEM"],
            "KeyId":"mrk-1234abcd12ab34cd56ef1234567890ab",
            "KeyManager":"CUSTOMER",
            "KeySpec":"SYMMETRIC_DEFAULT",
            "KeyState":"Enabled",
            "KeyUsage":"ENCRYPT_DECRYPT",
            "MacAlgorithms":["HMAC_SHA_256"],
            "MultiRegion":true,
            "MultiRegionConfiguration":{
                "MultiRegionKeyType":"PRIMARY",
                "PrimaryKey":{"Arn":"arn:aws:kms:us-east-1:111122223333:key/mrk-1","Region":"us-east-1"},
                "ReplicaKeys":[{"Arn":"arn:aws:kms:us-west-2:111122223333:key/mrk-1","Region":"us-west-2"}]
            },
            "Origin":"AWS_KMS",
            "PendingDeletionWindowInDays":7,
            "SigningAlgorithms":["RSASSA_PSS_SHA_256","ML_DSA_SHAKE_256","ED25519_SHA_512","ED25519_PH_SHA_512"],
            "ValidTo":1700000000.5,
            "XksKeyConfiguration":{"Id":"xks-key-1"}
        }}"#;
        let out: DescribeKeyOutput = decode_output(json.as_bytes()).expect("decodes");
        let m = out.key_metadata;
        assert_eq!(m.key_id, "mrk-1234abcd12ab34cd56ef1234567890ab");
        assert_eq!(m.aws_account_id.as_deref(), Some("111122223333"));
        assert_eq!(m.creation_date, Some(Timestamp(1571767572.317)));
        assert_eq!(m.deletion_date, Some(Timestamp(1572000000.0)));
        assert!(m.enabled);
        assert_eq!(
            m.description.as_deref(),
            Some("<img src=x onerror=alert(1)>")
        );
        assert_eq!(m.key_usage, Some(KeyUsage::EncryptDecrypt));
        assert_eq!(m.key_state, Some(KeyState::Enabled));
        assert_eq!(m.origin, Some(Origin::AwsKms));
        assert_eq!(m.key_manager, Some(KeyManager::Customer));
        assert_eq!(m.key_spec, Some(KeySpec::SymmetricDefault));
        assert_eq!(m.spec(), Some(&KeySpec::SymmetricDefault));
        assert_eq!(
            m.expiration_model,
            Some(ExpirationModel::KeyMaterialDoesNotExpire)
        );
        assert_eq!(
            m.encryption_algorithms,
            Some(vec![
                EncryptionAlgorithm::SymmetricDefault,
                EncryptionAlgorithm::RsaesOaepSha256,
                EncryptionAlgorithm::Sm2Pke
            ])
        );
        assert_eq!(m.signing_algorithms.as_deref().map(<[_]>::len), Some(4));
        assert_eq!(
            m.key_agreement_algorithms,
            Some(vec![KeyAgreementAlgorithm::Ecdh])
        );
        assert_eq!(
            m.encapsulation_algorithms,
            Some(vec![EncapsulationAlgorithm::MlKem])
        );
        assert_eq!(m.mac_algorithms, Some(vec![MacAlgorithm::HmacSha256]));
        assert_eq!(m.multi_region, Some(true));
        assert_eq!(
            m.multi_region_key_type(),
            Some(&MultiRegionKeyType::Primary)
        );
        let cfg = m.multi_region_configuration.clone().unwrap_or_default();
        assert_eq!(
            cfg.primary_key.and_then(|p| p.region).as_deref(),
            Some("us-east-1")
        );
        assert_eq!(cfg.replica_keys.len(), 1);
        assert_eq!(cfg.replica_keys[0].region.as_deref(), Some("us-west-2"));
        assert_eq!(m.pending_deletion_window_in_days, Some(7));
        assert_eq!(m.valid_to, Some(Timestamp(1700000000.5)));
        assert_eq!(
            m.xks_key_configuration.and_then(|x| x.id).as_deref(),
            Some("xks-key-1")
        );
        assert_eq!(
            m.custom_key_store_id.as_deref(),
            Some("cks-1234567890abcdef0")
        );
        assert_eq!(
            m.cloud_hsm_cluster_id.as_deref(),
            Some("cluster-1a23b4cdefg")
        );
        assert_eq!(m.current_key_material_id.map(|s| s.len()), Some(64));
    }

    #[test]
    fn minimal_key_metadata_treats_absent_members_as_absent() {
        let out: DescribeKeyOutput =
            decode_output(br#"{"KeyMetadata":{"KeyId":"k"}}"#).expect("decodes");
        let m = out.key_metadata;
        assert_eq!(m.key_id, "k");
        assert!(!m.enabled, "absent boolean reads false");
        assert_eq!(m.key_state, None);
        assert_eq!(m.multi_region, None);
        assert_eq!(m.spec(), None);
        // moto on its own sends null for KeyUsage / MultiRegion sometimes (docs/peer.md,
        // "Where moto is not KMS").
        let out: DescribeKeyOutput = decode_output(
            br#"{"KeyMetadata":{"KeyId":"k","KeyUsage":null,"MultiRegion":null,"CustomerMasterKeySpec":"RSA_2048"}}"#,
        )
        .expect("decodes nulls");
        assert_eq!(out.key_metadata.key_usage, None);
        assert_eq!(out.key_metadata.spec(), Some(&KeySpec::Rsa2048));
    }

    #[test]
    fn every_key_spec_and_state_round_trips_and_unknown_values_are_kept() {
        let specs = [
            "RSA_2048",
            "RSA_3072",
            "RSA_4096",
            "ECC_NIST_P256",
            "ECC_NIST_P384",
            "ECC_NIST_P521",
            "ECC_SECG_P256K1",
            "SYMMETRIC_DEFAULT",
            "HMAC_224",
            "HMAC_256",
            "HMAC_384",
            "HMAC_512",
            "SM2",
            "ML_DSA_44",
            "ML_DSA_65",
            "ML_DSA_87",
            "ECC_NIST_EDWARDS25519",
            "ML_KEM_512",
            "ML_KEM_768",
            "ML_KEM_1024",
        ];
        for s in specs {
            let v = KeySpec::from(s);
            assert!(!matches!(v, KeySpec::Other(_)), "{s} is known");
            assert_eq!(v.as_str(), s);
        }
        let states = [
            "Creating",
            "Enabled",
            "Disabled",
            "PendingDeletion",
            "PendingImport",
            "PendingReplicaDeletion",
            "Unavailable",
            "Updating",
        ];
        for s in states {
            assert!(!matches!(KeyState::from(s), KeyState::Other(_)), "{s}");
        }
        for s in [
            "SIGN_VERIFY",
            "ENCRYPT_DECRYPT",
            "GENERATE_VERIFY_MAC",
            "KEY_AGREEMENT",
            "ENCAPSULATE_DECAPSULATE",
        ] {
            assert!(!matches!(KeyUsage::from(s), KeyUsage::Other(_)), "{s}");
        }
        for s in ["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"] {
            assert!(!matches!(Origin::from(s), Origin::Other(_)), "{s}");
        }
        for s in [
            "RSASSA_PSS_SHA_256",
            "RSASSA_PSS_SHA_384",
            "RSASSA_PSS_SHA_512",
            "RSASSA_PKCS1_V1_5_SHA_256",
            "RSASSA_PKCS1_V1_5_SHA_384",
            "RSASSA_PKCS1_V1_5_SHA_512",
            "ECDSA_SHA_256",
            "ECDSA_SHA_384",
            "ECDSA_SHA_512",
            "SM2DSA",
            "ML_DSA_SHAKE_256",
            "ED25519_SHA_512",
            "ED25519_PH_SHA_512",
        ] {
            assert!(
                !matches!(SigningAlgorithm::from(s), SigningAlgorithm::Other(_)),
                "{s}"
            );
        }
        for s in [
            "HMAC_SHA_224",
            "HMAC_SHA_256",
            "HMAC_SHA_384",
            "HMAC_SHA_512",
        ] {
            assert!(
                !matches!(MacAlgorithm::from(s), MacAlgorithm::Other(_)),
                "{s}"
            );
        }
        let out: DescribeKeyOutput = decode_output(
            br#"{"KeyMetadata":{"KeyId":"k","KeySpec":"QUANTUM_9000","KeyState":"Hibernating",
                "KeyManager":"PARTNER","Origin":"MOON","KeyUsage":"TELEPORT",
                "SigningAlgorithms":["NEW_ALG"],"MultiRegionConfiguration":{"MultiRegionKeyType":"SHADOW"}}}"#,
        )
        .expect("unknown enum values decode");
        let m = out.key_metadata;
        assert_eq!(m.key_spec, Some(KeySpec::Other("QUANTUM_9000".into())));
        assert_eq!(m.key_state, Some(KeyState::Other("Hibernating".into())));
        assert_eq!(m.key_manager, Some(KeyManager::Other("PARTNER".into())));
        assert_eq!(m.origin, Some(Origin::Other("MOON".into())));
        assert_eq!(m.key_usage, Some(KeyUsage::Other("TELEPORT".into())));
        assert_eq!(
            m.signing_algorithms,
            Some(vec![SigningAlgorithm::Other("NEW_ALG".into())])
        );
        assert_eq!(
            m.multi_region_key_type(),
            Some(&MultiRegionKeyType::Other("SHADOW".into()))
        );
        assert_eq!(KeySpec::Other("X".into()).to_string(), "X");
        assert_eq!(
            serde_json::to_string(&KeyState::PendingDeletion).unwrap_or_default(),
            r#""PendingDeletion""#
        );
    }

    #[test]
    fn unknown_members_are_ignored() {
        let out: ListKeysOutput = decode_output(
            br#"{"Keys":[{"KeyId":"a","KeyArn":"arn:a","Shiny":1}],"Truncated":false,"NewThing":{"x":[1]}}"#,
        )
        .expect("decodes");
        assert_eq!(out.keys.len(), 1);
    }

    #[test]
    fn decodes_list_keys_pages() {
        let out: ListKeysOutput = decode_output(
            br#"{"Keys":[{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","KeyArn":"arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],"NextMarker":"m2","Truncated":true}"#,
        )
        .expect("decodes");
        assert_eq!(out.keys[0].key_id, "1234abcd-12ab-34cd-56ef-1234567890ab");
        assert_eq!(out.next_marker.as_deref(), Some("m2"));
        assert!(out.truncated);
        let last: ListKeysOutput = decode_output(br#"{"Keys":[]}"#).expect("decodes");
        assert!(!last.truncated && last.next_marker.is_none());
        let (items, marker, more) = ListKeys::into_page(out);
        assert_eq!(
            (items.len(), marker.as_deref(), more),
            (1, Some("m2"), true)
        );
    }

    #[test]
    fn decodes_aliases_including_ones_without_target() {
        let out: ListAliasesOutput = decode_output(
            br#"{"Aliases":[
                {"AliasName":"alias/demo-a","AliasArn":"arn:aws:kms:us-east-1:1:alias/demo-a","TargetKeyId":"k1","CreationDate":1.7e9,"LastUpdatedDate":1700000001.25},
                {"AliasName":"alias/aws/ebs","AliasArn":"arn:aws:kms:us-east-1:1:alias/aws/ebs"}
            ],"Truncated":false}"#,
        )
        .expect("decodes");
        assert_eq!(out.aliases.len(), 2);
        assert_eq!(out.aliases[0].target_key_id.as_deref(), Some("k1"));
        assert_eq!(out.aliases[0].creation_date, Some(Timestamp(1.7e9)));
        assert!(!out.aliases[0].is_aws_managed());
        assert_eq!(out.aliases[1].target_key_id, None);
        assert!(out.aliases[1].is_aws_managed());
    }

    #[test]
    fn decodes_rotation_status_full_and_minimal() {
        let full: GetKeyRotationStatusOutput = decode_output(
            br#"{"KeyId":"k","KeyRotationEnabled":true,"NextRotationDate":1.8e9,"OnDemandRotationStartDate":1795608000.123,"RotationPeriodInDays":365}"#,
        )
        .expect("decodes");
        assert!(full.key_rotation_enabled);
        assert_eq!(full.rotation_period_in_days, Some(365));
        assert!(full.on_demand_rotation_in_progress());
        assert_eq!(full.key_id.as_deref(), Some("k"));
        // moto: only KeyRotationEnabled; also AWS's "rotation off" example (docs/kms.md §2.5
        // GetKeyRotationStatus).
        let min: GetKeyRotationStatusOutput =
            decode_output(br#"{"KeyRotationEnabled":false}"#).expect("decodes");
        assert!(!min.key_rotation_enabled);
        assert_eq!(min.next_rotation_date, None);
        assert!(!min.on_demand_rotation_in_progress());
    }

    #[test]
    fn decodes_rotation_entries_old_and_new_shapes() {
        let out: ListKeyRotationsOutput = decode_output(
            br#"{"Rotations":[
                {"KeyId":"k","KeyMaterialId":"aa","KeyMaterialState":"NON_CURRENT"},
                {"KeyId":"k","KeyMaterialId":"bb","KeyMaterialState":"CURRENT","RotationDate":1795608000.5,"RotationType":"ON_DEMAND"},
                {"KeyId":"k","RotationDate":1700000000,"RotationType":"AUTOMATIC"},
                {"KeyId":"k","KeyMaterialId":"cc","KeyMaterialDescription":"new material","ImportState":"IMPORTED",
                 "KeyMaterialState":"PENDING_ROTATION","ExpirationModel":"KEY_MATERIAL_EXPIRES","ValidTo":1800000000},
                {"KeyId":"k","KeyMaterialState":"PENDING_MULTI_REGION_IMPORT_AND_ROTATION","ImportState":"PENDING_IMPORT"},
                {"KeyId":"k","RotationType":"SCHEDULED_BY_MAGIC","KeyMaterialState":"FUTURE"}
            ],"NextMarker":"n","Truncated":true}"#,
        )
        .expect("decodes");
        let r = &out.rotations;
        assert_eq!(r.len(), 6);
        assert_eq!(r[0].rotation_type, None);
        assert_eq!(r[0].rotation_date, None);
        assert_eq!(r[1].rotation_type, Some(RotationType::OnDemand));
        assert_eq!(r[1].key_material_state, Some(KeyMaterialState::Current));
        assert_eq!(r[2].rotation_type, Some(RotationType::Automatic));
        assert_eq!(r[2].rotation_date, Some(Timestamp(1.7e9)));
        assert_eq!(r[3].import_state, Some(ImportState::Imported));
        assert_eq!(
            r[3].key_material_state,
            Some(KeyMaterialState::PendingRotation)
        );
        assert_eq!(
            r[3].expiration_model,
            Some(ExpirationModel::KeyMaterialExpires)
        );
        assert_eq!(r[3].valid_to, Some(Timestamp(1.8e9)));
        assert_eq!(
            r[3].key_material_description.as_deref(),
            Some("new material")
        );
        assert_eq!(
            r[4].key_material_state,
            Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
        );
        assert_eq!(r[4].import_state, Some(ImportState::PendingImport));
        assert_eq!(
            r[5].rotation_type,
            Some(RotationType::Other("SCHEDULED_BY_MAGIC".into()))
        );
        assert!(out.truncated);
    }

    #[test]
    fn decodes_rotate_and_tags() {
        let out: RotateKeyOnDemandOutput =
            decode_output(br#"{"KeyId":"1234abcd"}"#).expect("decodes");
        assert_eq!(out.key_id.as_deref(), Some("1234abcd"));
        let tags: ListResourceTagsOutput = decode_output(
            br#"{"Tags":[{"TagKey":"team","TagValue":"sec"},{"TagKey":"empty","TagValue":""}],"Truncated":false}"#,
        )
        .expect("decodes");
        assert_eq!(tags.tags.len(), 2);
        assert_eq!(tags.tags[1].tag_value, "");
    }

    #[test]
    fn void_outputs_accept_empty_braces_and_null() {
        for b in ["", "  \n", "{}", "null", r#"{"Unexpected":1}"#] {
            let r: Result<Empty, _> = decode_output(b.as_bytes());
            assert_eq!(r.ok(), Some(Empty), "{b:?}");
        }
        let r: Result<ListKeysOutput, _> = decode_output(b"");
        assert!(r.is_err(), "a non-void output needs a body");
        let r: Result<ListKeysOutput, _> = decode_output(b"{}");
        assert!(r.is_ok(), "members are optional");
        let r: Result<Empty, _> = decode_output(b"{not json");
        assert!(r.is_err());
    }

    #[test]
    fn timestamps_convert_from_system_time() {
        let st = UNIX_EPOCH + Duration::from_millis(1571767572317);
        let t = Timestamp::from(st);
        assert!((t.epoch_seconds() - 1571767572.317).abs() < 1e-6);
        assert_eq!(
            Timestamp::from(UNIX_EPOCH - Duration::from_secs(1)),
            Timestamp(-1.0)
        );
    }

    #[test]
    fn timestamps_accept_integers_quoted_numbers_and_iso_strings() {
        #[derive(Deserialize)]
        struct W {
            t: Timestamp,
        }
        let w: W = serde_json::from_str(r#"{"t":1700000000}"#).expect("int");
        assert_eq!(w.t, Timestamp(1.7e9));
        let w: W = serde_json::from_str(r#"{"t":"1700000000.5"}"#).expect("quoted");
        assert_eq!(w.t, Timestamp(1700000000.5));
        let w: W = serde_json::from_str(r#"{"t":"2026-11-25T12:00:00Z"}"#).expect("iso");
        assert_eq!(w.t, Timestamp(1_795_608_000.0));
        assert!(serde_json::from_str::<W>(r#"{"t":"yesterday"}"#).is_err());
        assert!(serde_json::from_str::<W>(r#"{"t":true}"#).is_err());
    }

    /// Found by tests/fuzz_parsers.rs: a quoted "NaN" decoded as a NaN timestamp, and sorting the
    /// inventory by a column holding one panics (the comparison is not a total order).
    #[test]
    fn timestamps_reject_quoted_nan_and_infinity() {
        #[derive(Deserialize)]
        struct W {
            #[allow(dead_code)]
            t: Timestamp,
        }
        for text in ["NaN", " nan", "inf", "-infinity", "+Infinity", "1e999"] {
            let body = format!(r#"{{"t":"{text}"}}"#);
            assert!(serde_json::from_str::<W>(&body).is_err(), "{text}");
        }
        let status: GetKeyRotationStatusOutput =
            decode_output(br#"{"KeyRotationEnabled":true,"NextRotationDate":"1e300"}"#).unwrap();
        assert_eq!(status.next_rotation_date, Some(Timestamp(1e300)));
        assert!(decode_output::<GetKeyRotationStatusOutput>(
            br#"{"KeyRotationEnabled":true,"NextRotationDate":"NaN"}"#
        )
        .is_err());
    }

    /// The import and last-use shapes of botocore's model (docs/kms.md §2.13-§2.16).
    #[test]
    fn import_and_last_use_shapes() {
        let get = GetParametersForImport {
            key_id: "k".into(),
            wrapping_algorithm: WrappingAlgorithm::RsaesOaepSha256,
            wrapping_key_spec: WrappingKeySpec::Rsa4096,
        };
        assert_eq!(
            body(&get),
            r#"{"KeyId":"k","WrappingAlgorithm":"RSAES_OAEP_SHA_256","WrappingKeySpec":"RSA_4096"}"#
        );
        let import = ImportKeyMaterial {
            key_id: "k".into(),
            import_token: "dG9r".into(),
            encrypted_key_material: "bWF0".into(),
            expiration_model: ExpirationModel::KeyMaterialExpires,
            valid_to: Some(Timestamp(1_800_000_000.0)),
            import_type: Some(ImportType::NewKeyMaterial),
            key_material_description: Some("from the HSM".into()),
            key_material_id: None,
        };
        assert_eq!(
            body(&import),
            r#"{"KeyId":"k","ImportToken":"dG9r","EncryptedKeyMaterial":"bWF0","ExpirationModel":"KEY_MATERIAL_EXPIRES","ValidTo":1800000000.0,"ImportType":"NEW_KEY_MATERIAL","KeyMaterialDescription":"from the HSM"}"#
        );
        const { assert!(!ImportKeyMaterial::IDEMPOTENT && !DeleteImportedKeyMaterial::IDEMPOTENT) };
        assert_eq!(
            body(&DeleteImportedKeyMaterial {
                key_id: "k".into(),
                key_material_id: None
            }),
            r#"{"KeyId":"k"}"#
        );
        let p: GetParametersForImportOutput = decode_output(
            br#"{"KeyId":"arn:k","ImportToken":"AQID","PublicKey":"MIIB","ParametersValidTo":1.8e9}"#,
        )
        .unwrap();
        assert_eq!(p.public_key.as_deref(), Some("MIIB"));
        assert_eq!(p.parameters_valid_to, Some(Timestamp(1.8e9)));
        let used: GetKeyLastUsageOutput = decode_output(
            br#"{"KeyId":"k","KeyLastUsage":{"Operation":"Encapsulate","Timestamp":1.7e9,"CloudTrailEventId":"e","KmsRequestId":"r"},"TrackingStartDate":1.7e9,"KeyCreationDate":1.6e9}"#,
        )
        .unwrap();
        let last = used.key_last_usage.unwrap_or_default();
        assert_eq!(last.operation.as_deref(), Some("Encapsulate"));
        assert_eq!(last.kms_request_id.as_deref(), Some("r"));
        let never: GetKeyLastUsageOutput =
            decode_output(br#"{"KeyId":"k","KeyLastUsage":{},"TrackingStartDate":1.7e9}"#).unwrap();
        assert_eq!(never.key_last_usage, Some(KeyLastUsage::default()));
        assert_eq!(never.key_creation_date, None);
    }
}
