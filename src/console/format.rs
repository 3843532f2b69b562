//! Small text formatters shared by the console's sentences and the views: dates in UTC (no
//! locale or time-zone data in the bundle) and grouped numbers.

use crate::aws::kms::Timestamp;

/// `1000` -> `"1,000"`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// (year, month, day) of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a (year, month, day), the inverse of `civil_from_days` (the same
/// source's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month) a time falls in (UTC).
pub fn year_month(t: Timestamp) -> Option<(i64, u32)> {
    parts(t).map(|(y, m, _, _, _)| (y, m))
}

/// `Jan 2026`.
pub fn month_name(m: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    NAMES[(m.clamp(1, 12) - 1) as usize]
}

/// `2026-11-25T12:00:00Z` (ISO 8601, UTC, whole seconds): the exports' dates.
pub fn iso(t: Timestamp) -> String {
    let secs = t.epoch_seconds();
    match parts(t) {
        Some((y, m, d, hh, mm)) => {
            let ss = (secs.floor() as i64).rem_euclid(60);
            format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
        }
        None => String::new(),
    }
}

fn parts(t: Timestamp) -> Option<(i64, u32, u32, u32, u32)> {
    let secs = t.epoch_seconds();
    if !secs.is_finite() || secs.abs() > 1e13 {
        return None;
    }
    let secs = secs.floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Some((y, m, d, (rem / 3600) as u32, ((rem % 3600) / 60) as u32))
}

/// `2026-11-25` (UTC); `"—"` for a value that is not a date.
pub fn date(t: Timestamp) -> String {
    match parts(t) {
        Some((y, m, d, _, _)) => format!("{y:04}-{m:02}-{d:02}"),
        None => "\u{2014}".to_string(),
    }
}

/// `2026-11-25 12:00 UTC`; `"—"` for a value that is not a date.
pub fn date_time(t: Timestamp) -> String {
    match parts(t) {
        Some((y, m, d, hh, mm)) => format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC"),
        None => "\u{2014}".to_string(),
    }
}

/// [`date`] of an optional value, `"—"` when absent.
pub fn opt_date(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "\u{2014}".to_string(), date)
}

/// "a", "a and b", "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(140), "140");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(100_000), "100,000");
    }

    #[test]
    fn dates_in_utc() {
        assert_eq!(date(Timestamp(0.0)), "1970-01-01");
        assert_eq!(
            date_time(Timestamp(1_795_608_000.0)),
            "2026-11-25 12:00 UTC"
        );
        assert_eq!(date(Timestamp(1_571_767_572.317)), "2019-10-22");
        assert_eq!(date(Timestamp(951_782_400.0)), "2000-02-29");
        assert_eq!(date(Timestamp(-86_400.0)), "1969-12-31");
        assert_eq!(date(Timestamp(f64::NAN)), "\u{2014}");
        assert_eq!(opt_date(None), "\u{2014}");
        assert_eq!(iso(Timestamp(1_795_608_007.9)), "2026-11-25T12:00:07Z");
        assert_eq!(iso(Timestamp(f64::NAN)), "");
    }

    #[test]
    fn civil_days_round_trip() {
        for days in [-800_000i64, -1, 0, 59, 10_957, 20_417, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2026, 11, 25) * 86_400, 1_795_564_800);
        assert_eq!(year_month(Timestamp(1_795_608_000.0)), Some((2026, 11)));
        assert_eq!(month_name(1), "Jan");
    }
}

/// What the page says while a scope's pacing is held down by throttling (docs/kms.md §4.3);
/// None while every operation runs at its ceiling or has never been throttled.
pub fn pacing_text(status: &[crate::aws::limiter::PacingStatus]) -> Option<String> {
    let slow: Vec<_> = status.iter().filter(|s| s.backing_off).collect();
    if slow.is_empty() {
        return None;
    }
    let throttles: u32 = status.iter().map(|s| s.throttles).sum();
    let parts: Vec<String> = slow
        .iter()
        .map(|s| {
            format!(
                "{} at {} of {} requests per second",
                s.operation,
                s.rate.round(),
                s.ceiling.round()
            )
        })
        .collect();
    Some(format!(
        "KMS is throttling this account ({} throttled {}); keyturn is backing off: {}, climbing \
         back as answers succeed.",
        thousands(throttles as usize),
        if throttles == 1 { "answer" } else { "answers" },
        parts.join(", ")
    ))
}

#[cfg(test)]
mod pacing_tests {
    use super::*;
    use crate::aws::limiter::PacingStatus;

    #[test]
    fn pacing_text_names_the_slowed_operations() {
        let st = |op, rate, backing_off, throttles| PacingStatus {
            operation: op,
            rate,
            ceiling: 90.0,
            throttles,
            backing_off,
        };
        assert_eq!(pacing_text(&[st("DescribeKey", 90.0, false, 0)]), None);
        let t = pacing_text(&[
            st("ListKeyRotations", 44.6, true, 2),
            st("DescribeKey", 90.0, false, 1),
        ])
        .unwrap();
        assert!(t.contains("3 throttled answers"), "{t}");
        assert!(t.contains("ListKeyRotations at 45 of 90"), "{t}");
        assert!(!t.contains("DescribeKey"), "{t}");
    }
}
