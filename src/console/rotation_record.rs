//! Rotations whose outcome is not settled, as kept in the tab's sessionStorage so that a reload,
//! a disconnect or an ended session does not forget them: the next connection to that account
//! reconciles them first (docs/rotation-safety.md §4). A record holds the account, region, key
//! id, when it was sent and the ON_DEMAND count before it, never a credential.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::console::rotation::PendingRotation;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationRecord {
    pub account: String,
    pub region: String,
    pub key_id: String,
    /// Milliseconds since the Unix epoch, by this machine's clock.
    pub sent_at_ms: u64,
    /// When the failure was seen, if it was.
    #[serde(default)]
    pub failed_at_ms: Option<u64>,
    pub baseline_on_demand: u32,
    #[serde(default)]
    pub accepted: bool,
}

impl RotationRecord {
    pub fn new(account: &str, region: &str, pending: &PendingRotation) -> Self {
        let ms = |t: SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0)
        };
        RotationRecord {
            account: account.to_string(),
            region: region.to_string(),
            key_id: pending.key_id.clone(),
            sent_at_ms: ms(pending.sent_at),
            failed_at_ms: pending.failed_at.map(ms),
            baseline_on_demand: pending.baseline_on_demand,
            accepted: pending.accepted,
        }
    }

    pub fn pending(&self) -> PendingRotation {
        PendingRotation {
            key_id: self.key_id.clone(),
            sent_at: UNIX_EPOCH + Duration::from_millis(self.sent_at_ms),
            failed_at: self
                .failed_at_ms
                .map(|ms| UNIX_EPOCH + Duration::from_millis(ms)),
            baseline_on_demand: self.baseline_on_demand,
            accepted: self.accepted,
        }
    }

    fn same_key(&self, other: &RotationRecord) -> bool {
        self.account == other.account && self.region == other.region && self.key_id == other.key_id
    }
}

/// The kept records, in the order they were sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationRecords(Vec<RotationRecord>);

impl RotationRecords {
    /// Read the stored JSON; anything unreadable is no record (and is overwritten next time).
    pub fn parse(text: &str) -> Self {
        let records: Vec<RotationRecord> = crate::aws::wire::from_json(text).unwrap_or_default();
        RotationRecords(
            records
                .into_iter()
                .filter(|r| !r.key_id.is_empty() && !r.account.is_empty())
                .collect(),
        )
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".to_string())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn all(&self) -> &[RotationRecord] {
        &self.0
    }

    /// Add or replace the record of the same key.
    pub fn upsert(&mut self, record: RotationRecord) {
        match self.0.iter_mut().find(|r| r.same_key(&record)) {
            Some(r) => *r = record,
            None => self.0.push(record),
        }
    }

    pub fn remove(&mut self, account: &str, region: &str, key_id: &str) {
        self.0
            .retain(|r| !(r.account == account && r.region == region && r.key_id == key_id));
    }

    pub fn contains(&self, account: &str, region: &str, key_id: &str) -> bool {
        self.0
            .iter()
            .any(|r| r.account == account && r.region == region && r.key_id == key_id)
    }

    /// The records of one account (the connection that must reconcile them).
    pub fn for_account(&self, account: &str) -> Vec<RotationRecord> {
        self.0
            .iter()
            .filter(|r| r.account == account)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(key: &str) -> PendingRotation {
        PendingRotation {
            key_id: key.to_string(),
            sent_at: UNIX_EPOCH + Duration::from_millis(1_795_608_000_123),
            failed_at: Some(UNIX_EPOCH + Duration::from_millis(1_795_608_030_000)),
            baseline_on_demand: 7,
            accepted: false,
        }
    }

    #[test]
    fn records_round_trip_and_hold_no_credential() {
        let mut records = RotationRecords::default();
        records.upsert(RotationRecord::new(
            "111122223333",
            "us-east-1",
            &pending("k1"),
        ));
        records.upsert(RotationRecord::new(
            "111122223333",
            "eu-west-1",
            &pending("k1"),
        ));
        records.upsert(RotationRecord::new(
            "444455556666",
            "us-east-1",
            &pending("k2"),
        ));
        let json = records.to_json();
        assert_eq!(
            json.matches("sent_at_ms").count(),
            3,
            "one record per (account, region, key): {json}"
        );
        for word in ["Secret", "Token", "AccessKey"] {
            assert!(!json.contains(word), "{json}");
        }
        let back = RotationRecords::parse(&json);
        assert_eq!(back, records);
        assert_eq!(back.for_account("111122223333").len(), 2);
        assert_eq!(back.all()[0].pending(), pending("k1"));
        let mut accepted = RotationRecord::new("111122223333", "us-east-1", &pending("k1"));
        accepted.accepted = true;
        let mut back = back;
        back.upsert(accepted);
        assert_eq!(back.all().len(), 3);
        assert!(back.all()[0].accepted);
        back.remove("111122223333", "us-east-1", "k1");
        assert_eq!(back.for_account("111122223333").len(), 1);
    }

    #[test]
    fn damaged_storage_is_no_record() {
        assert!(RotationRecords::parse("").is_empty());
        assert!(RotationRecords::parse("{").is_empty());
        assert!(RotationRecords::parse(r#"[{"account":1}]"#).is_empty());
        assert!(RotationRecords::parse(
            r#"[{"account":"","region":"r","key_id":"k","sent_at_ms":1,"baseline_on_demand":0}]"#
        )
        .is_empty());
    }
}
