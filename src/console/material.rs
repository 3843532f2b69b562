//! A key's key materials as the AWS console's "Key material and rotations" tab lists them:
//! every material of `ListKeyRotations` with `IncludeKeyMaterial=ALL_KEY_MATERIAL`
//! (docs/kms.md §2.6 ListKeyRotations, §3.8 Key material), the current one first, then the
//! pending ones, then the rest newest first.

use crate::aws::kms::{KeyMaterialState, RotationsListEntry};
use crate::console::format;

/// One material, as text for the table (server text is rendered as text, never HTML).
#[derive(Clone, Debug, PartialEq)]
pub struct MaterialRow {
    /// The full id (64 hex characters for KMS-made material): never shortened in the data.
    pub id: String,
    /// `KeyMaterialState` as KMS sends it, or empty when it sent none.
    pub state: String,
    pub current: bool,
    /// When it became current through a rotation, and how ("initial" for the first material
    /// or imported material that no rotation made current yet).
    pub rotated: String,
    pub kind: String,
    /// Imported material only: import state, description, expiration model, valid to.
    pub import_state: String,
    pub description: String,
    pub expiration: String,
}

fn rank(e: &RotationsListEntry) -> u8 {
    match &e.key_material_state {
        Some(KeyMaterialState::Current) => 0,
        Some(
            KeyMaterialState::PendingRotation
            | KeyMaterialState::PendingMultiRegionImportAndRotation,
        ) => 1,
        _ => 2,
    }
}

/// The table's rows, in order: current, pending, then by rotation date, newest first (the
/// first material, which no rotation made, last).
pub fn rows(entries: &[RotationsListEntry]) -> Vec<MaterialRow> {
    let mut v: Vec<&RotationsListEntry> = entries.iter().collect();
    crate::sort::sort_by(&mut v, |a, b| {
        rank(a).cmp(&rank(b)).then_with(|| {
            let (x, y) = (
                a.rotation_date.map(|t| t.epoch_seconds()),
                b.rotation_date.map(|t| t.epoch_seconds()),
            );
            match (x, y) {
                (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        })
    });
    v.into_iter()
        .map(|e| {
            let state = e
                .key_material_state
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let expiration = match (&e.expiration_model, e.valid_to) {
                (Some(m), Some(t)) => format!("{m}, valid to {}", format::date_time(t)),
                (Some(m), None) => m.to_string(),
                (None, Some(t)) => format!("valid to {}", format::date_time(t)),
                (None, None) => String::new(),
            };
            MaterialRow {
                id: e.key_material_id.clone().unwrap_or_default(),
                current: e.key_material_state == Some(KeyMaterialState::Current),
                state,
                rotated: e.rotation_date.map(format::date_time).unwrap_or_default(),
                kind: e
                    .rotation_type
                    .as_ref()
                    .map_or_else(|| "initial".to_string(), ToString::to_string),
                import_state: e
                    .import_state
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                description: e.key_material_description.clone().unwrap_or_default(),
                expiration,
            }
        })
        .collect()
}

/// How the id is shown in a narrow cell: the first 12 and last 6 characters, enough to tell
/// materials apart and to find one in the CLI's output; the full id is copied and in the title.
pub fn short_id(id: &str) -> String {
    if id.len() <= 20 || !id.is_ascii() {
        return id.to_string();
    }
    format!("{}\u{2026}{}", &id[..12], &id[id.len() - 6..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::kms::ListKeyRotationsOutput;

    fn entries(json: &str) -> Vec<RotationsListEntry> {
        let out: ListKeyRotationsOutput = serde_json::from_str(json).unwrap();
        out.rotations
    }

    #[test]
    fn the_current_material_comes_first_then_pending_then_newest() {
        let e = entries(
            r#"{"Rotations":[
                {"KeyId":"k","KeyMaterialId":"aa","KeyMaterialState":"NON_CURRENT"},
                {"KeyId":"k","KeyMaterialId":"bb","KeyMaterialState":"NON_CURRENT","RotationDate":1700000000,"RotationType":"AUTOMATIC"},
                {"KeyId":"k","KeyMaterialId":"cc","KeyMaterialState":"CURRENT","RotationDate":1795608000.5,"RotationType":"ON_DEMAND"},
                {"KeyId":"k","KeyMaterialId":"dd","KeyMaterialDescription":"new <b>material</b>","ImportState":"IMPORTED",
                 "KeyMaterialState":"PENDING_ROTATION","ExpirationModel":"KEY_MATERIAL_EXPIRES","ValidTo":1800000000}
            ]}"#,
        );
        let r = rows(&e);
        let ids: Vec<&str> = r.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["cc", "dd", "bb", "aa"]);
        assert!(r[0].current && !r[1].current);
        assert_eq!(r[0].kind, "ON_DEMAND");
        assert_eq!(r[3].kind, "initial");
        assert_eq!(r[1].state, "PENDING_ROTATION");
        assert_eq!(r[1].import_state, "IMPORTED");
        assert_eq!(r[1].description, "new <b>material</b>", "kept as text");
        assert!(r[1]
            .expiration
            .starts_with("KEY_MATERIAL_EXPIRES, valid to 2027-"));
        assert_eq!(r[3].expiration, "");
    }

    #[test]
    fn an_unknown_state_stays_readable() {
        let e = entries(
            r#"{"Rotations":[{"KeyId":"k","KeyMaterialId":"ee","KeyMaterialState":"SOMETHING_NEW"}]}"#,
        );
        let r = rows(&e);
        assert_eq!(r[0].state, "SOMETHING_NEW");
        assert!(!r[0].current);
    }

    #[test]
    fn long_ids_are_shortened_only_for_display() {
        let id = "0b7fd7ddbac6eef27907413567cad8c810e2883dc8a7534067a82ee1142fc1e6";
        assert_eq!(short_id(id), "0b7fd7ddbac6\u{2026}2fc1e6");
        assert_eq!(short_id("abc"), "abc");
    }
}
