//! The compliance pictures as geometry (docs/compliance.md §5): rectangles, lines and labels in
//! a fixed coordinate space, so the page (Leptos SVG) and the report (SVG text) draw the same
//! picture and the layout is tested natively.

use crate::aws::kms::{KeyState, RotationType, Timestamp};
use crate::console::filter;
use crate::console::fleet::Fleet;
use crate::console::format::{self, days_from_civil, month_name, thousands, year_month};
use crate::console::inventory::AutoRotation;
use crate::console::policy::{Outcome, Policy, Summary, Verdicts};
use crate::console::quota::ON_DEMAND_ROTATION_LIMIT;
use crate::console::scope::ScopeId;

const DAY: f64 = 86_400.0;

/// Where text is anchored (`text-anchor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// One drawn thing. `class` names its colour in the stylesheet (`chart-*` rules), so the
/// page's light and dark themes and the printed report each colour it their way.
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A bar or a cell. With a `label` it takes keyboard focus and names its value; with a
    /// `scope` it is a button that filters the table to that scope.
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        class: &'static str,
        label: Option<String>,
        scope: Option<ScopeId>,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        class: &'static str,
        anchor: Anchor,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        class: &'static str,
    },
}

/// A picture: its size (the SVG `viewBox`), title, one-sentence text alternative and marks.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The `data-testid` (`chart-compliance`, ...).
    pub id: &'static str,
    pub title: String,
    pub summary: String,
    pub width: f64,
    pub height: f64,
    pub marks: Vec<Mark>,
}

impl Chart {
    /// Focusable marks (bars and cells with a label).
    pub fn bars(&self) -> impl Iterator<Item = (&Mark, &str)> {
        self.marks.iter().filter_map(|m| match m {
            Mark::Rect { label: Some(l), .. } => Some((m, l.as_str())),
            _ => None,
        })
    }
}

fn text(x: f64, y: f64, t: impl Into<String>, class: &'static str, anchor: Anchor) -> Mark {
    Mark::Text {
        x,
        y,
        text: t.into(),
        class,
        anchor,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A series of a bar chart: its colour class and what one unit of it is called.
struct Series {
    class: &'static str,
    legend: &'static str,
    one: &'static str,
    many: &'static str,
}

/// A stacked bar chart: one column per category (with its label for the axis and for the
/// bars' names), one value per series. `line_at` draws a vertical marker at a fractional
/// column position with its label.
struct Bars<'a> {
    id: &'static str,
    title: String,
    summary: String,
    series: &'a [Series],
    columns: Vec<(String, Vec<usize>)>,
    /// Show every n-th column's label on the axis.
    label_every: usize,
    line_at: Option<(f64, String)>,
    /// Override a segment's class (a highlighted bar): (column, series) -> class.
    class_of: &'a dyn Fn(usize, usize) -> Option<&'static str>,
}

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 30.0;

/// 1, 2, 5, 10, 20, 50, ... at or above `n` (the y axis' top).
fn nice_ceiling(n: usize) -> usize {
    let mut step = 1usize;
    loop {
        for m in [1, 2, 5] {
            if step * m >= n {
                return step * m;
            }
        }
        step *= 10;
    }
}

fn bars(b: Bars<'_>) -> Chart {
    let n = b.columns.len().max(1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let col_w = plot_w / n as f64;
    let max = b
        .columns
        .iter()
        .map(|(_, v)| v.iter().sum::<usize>())
        .max()
        .unwrap_or(0);
    let top = nice_ceiling(max.max(1));
    let y_of = |v: f64| TOP + plot_h - v / top as f64 * plot_h;
    let mut marks = Vec::new();
    // Legend, top left.
    let mut lx = LEFT;
    for s in b.series {
        marks.push(Mark::Rect {
            x: lx,
            y: 8.0,
            w: 10.0,
            h: 10.0,
            class: s.class,
            label: None,
            scope: None,
        });
        marks.push(text(
            lx + 14.0,
            17.0,
            s.legend,
            "chart-legend",
            Anchor::Start,
        ));
        lx += 24.0 + 6.5 * s.legend.len() as f64;
    }
    // Gridlines with their values: 0, half, top.
    for v in [0, top / 2, top] {
        let y = y_of(v as f64);
        marks.push(Mark::Line {
            x1: LEFT,
            y1: y,
            x2: WIDTH - RIGHT,
            y2: y,
            class: "chart-grid",
        });
        marks.push(text(
            LEFT - 4.0,
            y + 4.0,
            thousands(v),
            "chart-axis",
            Anchor::End,
        ));
    }
    let gap = (col_w * 0.15).min(4.0);
    for (c, (label, values)) in b.columns.iter().enumerate() {
        let x = LEFT + c as f64 * col_w;
        let mut base = 0usize;
        for (s, &v) in values.iter().enumerate() {
            let series = &b.series[s];
            if v == 0 {
                // An empty segment still holds its place, so the page keeps the same element at
                // each position while counts change (a focused bar stays focused).
                marks.push(Mark::Rect {
                    x: x + gap / 2.0,
                    y: y_of(base as f64),
                    w: (col_w - gap).max(1.0),
                    h: 0.0,
                    class: series.class,
                    label: None,
                    scope: None,
                });
                continue;
            }
            let (y1, y0) = (y_of((base + v) as f64), y_of(base as f64));
            marks.push(Mark::Rect {
                x: x + gap / 2.0,
                y: y1,
                w: (col_w - gap).max(1.0),
                h: (y0 - y1).max(1.0),
                class: (b.class_of)(c, s).unwrap_or(series.class),
                label: Some(format!("{label}: {}", plural(v, series.one, series.many))),
                scope: None,
            });
            base += v;
        }
        if c % b.label_every.max(1) == 0 {
            marks.push(text(
                x + col_w / 2.0,
                HEIGHT - BOTTOM + 16.0,
                label.clone(),
                "chart-axis",
                Anchor::Middle,
            ));
        }
    }
    if let Some((at, label)) = b.line_at {
        let x = LEFT + at * col_w;
        marks.push(Mark::Line {
            x1: x,
            y1: TOP - 4.0,
            x2: x,
            y2: TOP + plot_h,
            class: "chart-marker",
        });
        let anchor = if at > n as f64 * 0.7 {
            Anchor::End
        } else {
            Anchor::Start
        };
        let dx = if anchor == Anchor::End { -4.0 } else { 4.0 };
        marks.push(text(x + dx, TOP + 8.0, label, "chart-marker-text", anchor));
    }
    Chart {
        id: b.id,
        title: b.title,
        summary: b.summary,
        width: WIDTH,
        height: HEIGHT,
        marks,
    }
}

/// Accounts × Regions, each cell coloured by its share of failing keys (docs/compliance.md
/// §5). Counts are the summary's (what the table lists).
pub fn compliance(fleet: &Fleet, summary: &Summary) -> Chart {
    let accounts = fleet.accounts_in_order();
    let mut regions: Vec<&str> = fleet
        .scopes()
        .iter()
        .map(|e| e.id.region.as_str())
        .collect();
    crate::sort::sort(&mut regions);
    regions.dedup();
    let (label_w, cell_w, cell_h, head) = (120.0, 150.0, 54.0, 26.0);
    let width = label_w + cell_w * regions.len().max(1) as f64 + 4.0;
    let height = head + cell_h * accounts.len().max(1) as f64 + 4.0;
    let mut marks = Vec::new();
    for (c, r) in regions.iter().enumerate() {
        marks.push(text(
            label_w + cell_w * (c as f64 + 0.5),
            17.0,
            *r,
            "chart-axis",
            Anchor::Middle,
        ));
    }
    for (a, account) in accounts.iter().enumerate() {
        let y = head + cell_h * a as f64;
        let name = fleet
            .scopes()
            .iter()
            .find(|e| e.id.account == *account)
            .and_then(|e| e.account_name.clone());
        marks.push(text(
            label_w - 8.0,
            y + cell_h / 2.0 - 2.0,
            *account,
            "chart-axis",
            Anchor::End,
        ));
        if let Some(n) = &name {
            let short: String = if n.chars().count() > 18 {
                n.chars().take(17).chain(['\u{2026}']).collect()
            } else {
                n.clone()
            };
            marks.push(text(
                label_w - 8.0,
                y + cell_h / 2.0 + 12.0,
                short,
                "chart-sub",
                Anchor::End,
            ));
        }
        for (c, region) in regions.iter().enumerate() {
            let x = label_w + cell_w * c as f64;
            let id = ScopeId::new(*account, *region);
            let Some((_, counts)) = summary.per_scope.iter().find(|(s, _)| *s == id) else {
                continue;
            };
            let entry = fleet.scope(&id);
            let failed = entry.and_then(|e| e.error()).is_some();
            let judged = counts.pass + counts.fail;
            let class = if failed {
                "chart-cell-error"
            } else if judged == 0 {
                "chart-cell-empty"
            } else if counts.fail == 0 {
                "chart-cell-pass"
            } else if counts.fail * 4 <= judged {
                "chart-cell-some"
            } else {
                "chart-cell-fail"
            };
            let state = if failed {
                "could not be read".to_string()
            } else {
                format!(
                    "{} pass, {} fail, {} not applicable{}",
                    counts.pass,
                    counts.fail,
                    counts.not_applicable,
                    if counts.unknown > 0 {
                        format!(", {} unknown", counts.unknown)
                    } else {
                        String::new()
                    }
                )
            };
            marks.push(Mark::Rect {
                x: x + 2.0,
                y: y + 2.0,
                w: cell_w - 4.0,
                h: cell_h - 4.0,
                class,
                label: Some(format!(
                    "Account {account}, {region}: {state}. Filters the table to this scope."
                )),
                scope: Some(id),
            });
            let (big, small) = if failed {
                ("error".to_string(), "could not be read".to_string())
            } else if counts.total() == 0 {
                ("0 keys".to_string(), "none listed here".to_string())
            } else {
                (
                    format!("{} fail", counts.fail),
                    format!(
                        "{} pass \u{b7} {} n/a{}",
                        counts.pass,
                        counts.not_applicable,
                        if counts.unknown > 0 {
                            format!(" \u{b7} {} ?", counts.unknown)
                        } else {
                            String::new()
                        }
                    ),
                )
            };
            marks.push(text(
                x + cell_w / 2.0,
                y + cell_h / 2.0 - 2.0,
                big,
                "chart-cell-text",
                Anchor::Middle,
            ));
            marks.push(text(
                x + cell_w / 2.0,
                y + cell_h / 2.0 + 13.0,
                small,
                "chart-cell-sub",
                Anchor::Middle,
            ));
        }
    }
    let t = summary.total;
    let worst = summary
        .per_scope
        .iter()
        .filter(|(_, c)| c.fail > 0)
        .max_by_key(|(_, c)| c.fail)
        .map(|(s, c)| {
            format!(
                " Most failing keys: {} in {} ({}).",
                s.account, s.region, c.fail
            )
        })
        .unwrap_or_default();
    Chart {
        id: "chart-compliance",
        title: "Compliance by account and Region".to_string(),
        summary: format!(
            "{} pass, {} fail, {} not applicable, {} unknown across {} and {}.{worst}",
            t.pass,
            t.fail,
            t.not_applicable,
            t.unknown,
            plural(accounts.len(), "account", "accounts"),
            plural(regions.len(), "Region", "Regions"),
        ),
        width,
        height,
        marks,
    }
}

/// The first second of month `m` of year `y` (months past 12 roll into the next year).
fn month_start(y: i64, m: i64) -> f64 {
    let total = y * 12 + (m - 1);
    let (yy, mm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    days_from_civil(yy, mm as u32, 1) as f64 * DAY
}

/// Completed rotations of the last 12 months and scheduled automatic ones of the next 12, by
/// calendar month (docs/compliance.md §5).
pub fn timeline(fleet: &Fleet, now: f64) -> Chart {
    const SERIES: [Series; 3] = [
        Series {
            class: "chart-auto",
            legend: "automatic",
            one: "automatic rotation",
            many: "automatic rotations",
        },
        Series {
            class: "chart-on-demand",
            legend: "on demand",
            one: "on-demand rotation",
            many: "on-demand rotations",
        },
        Series {
            class: "chart-planned",
            legend: "scheduled",
            one: "scheduled automatic rotation",
            many: "scheduled automatic rotations",
        },
    ];
    let (y, m) = year_month(Timestamp(now)).unwrap_or((1970, 1));
    let m = i64::from(m);
    // Columns M-11 ..= M+12.
    let starts: Vec<f64> = (-11..=13).map(|d| month_start(y, m + d)).collect();
    let mut counts = vec![[0usize; 3]; 24];
    let column =
        |t: f64| -> Option<usize> { (0..24).find(|&i| t >= starts[i] && t < starts[i + 1]) };
    let (mut past, mut planned) = (0usize, 0usize);
    for at in filter::listed_refs(fleet) {
        let Some((_, row)) = at.get(fleet) else {
            continue;
        };
        if let Some(rotations) = row.rotations.loaded() {
            for r in rotations {
                let (Some(t), Some(kind)) = (r.rotation_date, &r.rotation_type) else {
                    continue;
                };
                let t = t.epoch_seconds();
                if t > now {
                    continue;
                }
                let s = match kind {
                    RotationType::Automatic => 0,
                    RotationType::OnDemand => 1,
                    RotationType::Other(_) => continue,
                };
                if let Some(c) = column(t) {
                    counts[c][s] += 1;
                    past += 1;
                }
            }
        }
        // KMS rotates neither a disabled key nor one pending deletion.
        if !matches!(row.state(), None | Some(KeyState::Enabled)) {
            continue;
        }
        // AWS managed keys rotate yearly on the status' schedule too.
        let schedule = match row.auto_rotation() {
            AutoRotation::On { period_days, next } => next.map(|n| (period_days, n)),
            AutoRotation::AwsManaged => row
                .status
                .loaded()
                .and_then(|s| s.next_rotation_date.map(|n| (s.rotation_period_in_days, n))),
            _ => None,
        };
        if let Some((p, next)) = schedule {
            let p = p.unwrap_or(crate::console::rotation::DEFAULT_ROTATION_PERIOD_DAYS);
            let period = f64::from(p.max(1)) * DAY;
            let mut t = next.epoch_seconds().max(now);
            while t < starts[24] {
                if let Some(c) = column(t) {
                    counts[c][2] += 1;
                    planned += 1;
                }
                t += period;
            }
        }
    }
    let columns: Vec<(String, Vec<usize>)> = (0..24)
        .map(|i| {
            let (yy, mm) = year_month(Timestamp(starts[i] + DAY)).unwrap_or((y, 1));
            (format!("{} {}", month_name(mm), yy), counts[i].to_vec())
        })
        .collect();
    let this = 11.0 + (now - starts[11]) / (starts[12] - starts[11]);
    let mut chart = bars(Bars {
        id: "chart-timeline",
        title: "Rotations: the last 12 months and the next 12".to_string(),
        summary: format!(
            "{} in the last 12 months; {} scheduled before {}.",
            plural(past, "completed rotation", "completed rotations"),
            plural(planned, "automatic rotation", "automatic rotations"),
            format::date(Timestamp(starts[24]))
        ),
        series: &SERIES,
        columns,
        label_every: 3,
        line_at: Some((this, "today".to_string())),
        class_of: &|_, _| None,
    });
    // Shorter axis labels than the bars' names: "Jan 26".
    for mk in &mut chart.marks {
        if let Mark::Text {
            text,
            class: "chart-axis",
            anchor: Anchor::Middle,
            ..
        } = mk
        {
            if let Some((mon, year)) = text.split_once(' ') {
                *text = format!("{mon} {}", &year[year.len().saturating_sub(2)..]);
            }
        }
    }
    chart
}

/// The one series of the material-age and remaining pictures: keys.
const KEYS: [Series; 1] = [Series {
    class: "chart-ok",
    legend: "keys",
    one: "key",
    many: "keys",
}];

/// Bins of the material-age picture: 30 days wide up to 720, then one open bin.
const AGE_BIN_DAYS: u32 = 30;
const AGE_BINS: usize = 25;

/// Keys the policy applies to by the age of their current material (docs/compliance.md §5).
pub fn material_age(fleet: &Fleet, verdicts: &Verdicts, policy: &Policy) -> Chart {
    let mut counts = [0usize; AGE_BINS];
    let mut over = 0usize;
    let mut n = 0usize;
    for at in filter::listed_refs(fleet) {
        let Some(v) = verdicts.at(at) else { continue };
        if v.outcome == Outcome::NotApplicable {
            continue;
        }
        let Some(age) = v.material_age_days else {
            continue;
        };
        let bin = ((age / AGE_BIN_DAYS) as usize).min(AGE_BINS - 1);
        counts[bin] += 1;
        n += 1;
        if policy.max_age_days.is_some_and(|max| age > max) {
            over += 1;
        }
    }
    let columns = (0..AGE_BINS)
        .map(|i| {
            let from = i as u32 * AGE_BIN_DAYS;
            let label = if i == AGE_BINS - 1 {
                format!("{from}+ days")
            } else {
                format!("{from}\u{2013}{} days", from + AGE_BIN_DAYS - 1)
            };
            (label, vec![counts[i]])
        })
        .collect();
    let max = policy.max_age_days;
    let class_of = move |c: usize, _| -> Option<&'static str> {
        let from = c as u32 * AGE_BIN_DAYS;
        // A bin whose every age is over the maximum.
        max.filter(|&m| from > m).map(|_| "chart-bad")
    };
    let mut chart = bars(Bars {
        id: "chart-material-age",
        title: "Age of the current key material".to_string(),
        summary: match max {
            Some(m) => format!(
                "{} of {} judged keys have material older than the policy's {m} days.",
                thousands(over),
                thousands(n)
            ),
            None => format!(
                "{} judged keys; the policy sets no maximum age.",
                thousands(n)
            ),
        },
        series: &KEYS,
        columns,
        label_every: 4,
        line_at: max.map(|m| {
            (
                (f64::from(m) / f64::from(AGE_BIN_DAYS)).min(AGE_BINS as f64 - 1.0),
                format!("policy: {m} days"),
            )
        }),
        class_of: &class_of,
    });
    for mk in &mut chart.marks {
        if let Mark::Text {
            text,
            class: "chart-axis",
            anchor: Anchor::Middle,
            ..
        } = mk
        {
            // "0", "120", ..., "720+": the bins' starts.
            if let Some(from) = text.split(['\u{2013}', ' ']).next() {
                *text = from.to_string();
            }
        }
    }
    chart
}

/// Keys that can rotate on demand by rotations left, the low ones highlighted
/// (docs/compliance.md §5).
pub fn remaining(fleet: &Fleet, policy: &Policy) -> Chart {
    let limit = ON_DEMAND_ROTATION_LIMIT as usize;
    let mut counts = vec![0usize; limit + 1];
    for at in filter::listed_refs(fleet) {
        if let Some(r) = at.get(fleet).and_then(|(_, row)| row.remaining()) {
            counts[(r as usize).min(limit)] += 1;
        }
    }
    // No highlight when the policy warns at nothing; never past the limit.
    let low = policy.min_remaining.map(|m| (m as usize).min(limit));
    let n: usize = counts.iter().sum();
    let n_low: usize = low.map_or(0, |l| counts.iter().take(l + 1).sum());
    let columns = (0..=limit)
        .map(|i| (format!("{i} left"), vec![counts[i]]))
        .collect();
    let mut chart = bars(Bars {
        id: "chart-remaining",
        title: "On-demand rotations left".to_string(),
        summary: match low {
            Some(l) => format!(
                "{} of {} keys that can rotate on demand have {l} or fewer rotations left.",
                thousands(n_low),
                thousands(n)
            ),
            None => format!("{} keys can rotate on demand.", thousands(n)),
        },
        series: &KEYS,
        columns,
        label_every: 5,
        line_at: None,
        class_of: &|c, _| low.is_some_and(|l| c <= l).then_some("chart-bad"),
    });
    for mk in &mut chart.marks {
        if let Mark::Text {
            text,
            class: "chart-axis",
            anchor: Anchor::Middle,
            ..
        } = mk
        {
            *text = text.trim_end_matches(" left").to_string();
        }
    }
    chart
}

/// The four pictures in page order.
pub fn all(
    fleet: &Fleet,
    verdicts: &Verdicts,
    summary: &Summary,
    policy: &Policy,
    now: f64,
) -> Vec<Chart> {
    vec![
        compliance(fleet, summary),
        timeline(fleet, now),
        material_age(fleet, verdicts, policy),
        remaining(fleet, policy),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::testkit::T0_MS;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(1001), 2000);
    }

    #[test]
    fn months_roll_over_years() {
        assert_eq!(month_start(2026, 13), month_start(2027, 1));
        assert_eq!(month_start(2026, -1), month_start(2025, 11));
        assert_eq!(format::date(Timestamp(month_start(2026, 11))), "2026-11-01");
    }

    #[test]
    fn an_empty_fleet_draws_axes_and_no_bars() {
        let fleet = Fleet::default();
        let v = Verdicts::default();
        let s = Summary::default();
        let now = T0_MS as f64 / 1000.0;
        for c in all(&fleet, &v, &s, &Policy::default(), now) {
            assert_eq!(c.bars().count(), 0, "{}", c.id);
            assert!(!c.title.is_empty() && !c.summary.is_empty());
            for m in &c.marks {
                if let Mark::Rect { x, y, w, h, .. } = m {
                    assert!(*x >= 0.0 && *y >= 0.0 && x + w <= c.width && y + h <= c.height);
                }
            }
        }
    }
}
