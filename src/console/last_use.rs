//! What GetKeyLastUsage says, in words (docs/kms.md §2.16 GetKeyLastUsage).
//!
//! KMS records the last successful cryptographic operation since its tracking began. An empty
//! `KeyLastUsage` means "never used" only for a key created after tracking began; for an older
//! key, use before that date is unknown. AWS warns not to rely on it alone before deleting a key.

use crate::aws::kms::{GetKeyLastUsageOutput, Timestamp};
use crate::console::format;

/// AWS's caution, shown with every answer (§2.16).
pub const CAUTION: &str = "Do not rely on last use alone before deleting a key: disable it first \
     and watch CloudTrail for DisabledException, since rare workflows may still need it.";

/// One key's last use, as the panel and the column show it.
#[derive(Clone, Debug, PartialEq)]
pub enum LastUse {
    Used {
        operation: String,
        at: Option<Timestamp>,
        cloud_trail_event_id: Option<String>,
    },
    /// Not used since its creation, which is after tracking began.
    Never { since: Option<Timestamp> },
    /// Not used since tracking began, which is after the key's creation.
    UnknownBefore { tracking: Option<Timestamp> },
}

impl LastUse {
    pub fn from_output(out: &GetKeyLastUsageOutput) -> Self {
        if let Some(u) = &out.key_last_usage {
            if let Some(op) = &u.operation {
                return LastUse::Used {
                    operation: op.clone(),
                    at: u.timestamp,
                    cloud_trail_event_id: u.cloud_trail_event_id.clone(),
                };
            }
        }
        match (out.key_creation_date, out.tracking_start_date) {
            (Some(created), Some(tracking)) if created < tracking => LastUse::UnknownBefore {
                tracking: Some(tracking),
            },
            (created, tracking) => LastUse::Never {
                since: tracking.or(created),
            },
        }
    }

    /// `data-state` of the panel's element.
    pub fn state(&self) -> &'static str {
        match self {
            LastUse::Used { .. } => "used",
            LastUse::Never { .. } => "never",
            LastUse::UnknownBefore { .. } => "unknown-before",
        }
    }

    /// The panel's sentence.
    pub fn sentence(&self) -> String {
        match self {
            LastUse::Used {
                operation,
                at,
                cloud_trail_event_id,
            } => {
                let when = at.map_or_else(
                    || "at an unknown time".to_string(),
                    |t| format!("on {}", format::date_time(t)),
                );
                let event = cloud_trail_event_id
                    .as_deref()
                    .map(|e| format!(" (CloudTrail event {e})"))
                    .unwrap_or_default();
                format!("Last used for {operation} {when}{event}.")
            }
            LastUse::Never { since } => match since {
                Some(t) => format!(
                    "Never used since tracking began on {}, when the key was created.",
                    format::date(*t)
                ),
                None => "Never used since KMS began tracking.".to_string(),
            },
            LastUse::UnknownBefore { tracking } => {
                let day = tracking.map_or_else(|| "tracking began".to_string(), format::date);
                format!(
                    "Not used since tracking began on {day}; use before {day} is unknown (see \
                     CloudTrail)."
                )
            }
        }
    }

    /// The inventory column's short text.
    pub fn short(&self) -> String {
        match self {
            LastUse::Used { operation, at, .. } => match at {
                Some(t) => format!("{operation} \u{b7} {}", format::date(*t)),
                None => operation.clone(),
            },
            LastUse::Never { .. } => "never used".to_string(),
            LastUse::UnknownBefore { tracking } => match tracking {
                Some(t) => format!("none since {}", format::date(*t)),
                None => "none recorded".to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::kms::decode_output;

    fn read(body: &str) -> LastUse {
        LastUse::from_output(&decode_output(body.as_bytes()).unwrap())
    }

    #[test]
    fn the_three_answers() {
        let used = read(
            r#"{"KeyLastUsage":{"Operation":"Decrypt","Timestamp":1780000000,"CloudTrailEventId":"e-1"},"TrackingStartDate":1777248000,"KeyCreationDate":1700000000}"#,
        );
        assert_eq!(used.state(), "used");
        assert_eq!(
            used.sentence(),
            "Last used for Decrypt on 2026-05-28 20:26 UTC (CloudTrail event e-1)."
        );
        assert_eq!(used.short(), "Decrypt \u{b7} 2026-05-28");
        let never = read(
            r#"{"KeyLastUsage":{},"TrackingStartDate":1780000000,"KeyCreationDate":1780000000}"#,
        );
        assert_eq!(never.state(), "never");
        assert!(never
            .sentence()
            .starts_with("Never used since tracking began on 2026-05-28"));
        let old =
            read(r#"{"KeyLastUsage":{},"TrackingStartDate":1777248000,"KeyCreationDate":1.6e9}"#);
        assert_eq!(old.state(), "unknown-before");
        assert!(old.sentence().contains("use before 2026-04-27 is unknown"));
        // A new operation name stays readable; a missing object is "never".
        assert_eq!(
            read(r#"{"KeyLastUsage":{"Operation":"Encapsulate"}}"#).short(),
            "Encapsulate"
        );
        assert_eq!(read("{}").state(), "never");
    }
}
