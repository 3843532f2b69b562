//! The inventory with its verdicts as CSV and JSON, and the printable report
//! (docs/compliance.md §6). Made from what the page holds: no request, no credential, no
//! request log.

use serde_json::{json, Value};

use crate::aws::kms::{MultiRegionKeyType, Timestamp};
use crate::console::charts::{Anchor, Chart, Mark};
use crate::console::fleet::{Fleet, ScopeEntry};
use crate::console::format::{self, iso};
use crate::console::inventory::{AutoRotation, KeyRow};
use crate::console::policy::{Outcome, Policy, Summary, Verdict, Verdicts};

/// The CSV header, in order (docs/compliance.md §6; README "Exports").
pub const CSV_COLUMNS: [&str; 20] = [
    "account",
    "region",
    "key_id",
    "key_arn",
    "aliases",
    "description",
    "key_manager",
    "key_spec",
    "origin",
    "key_state",
    "multi_region",
    "auto_rotation",
    "rotation_period_days",
    "next_rotation",
    "on_demand_used",
    "on_demand_remaining",
    "last_rotation",
    "material_age_days",
    "verdict",
    "reasons",
];

/// A key's exported values (shared by the CSV and the JSON so they always agree).
struct Line<'a> {
    scope: &'a ScopeEntry,
    row: &'a KeyRow,
    verdict: Option<&'a Verdict>,
}

impl Line<'_> {
    fn meta_str(
        &self,
        f: impl Fn(&crate::aws::kms::KeyMetadata) -> Option<String>,
    ) -> Option<String> {
        self.row.meta().and_then(f)
    }

    fn key_manager(&self) -> Option<String> {
        self.meta_str(|m| m.key_manager.as_ref().map(|v| v.to_string()))
    }

    fn key_spec(&self) -> Option<String> {
        self.meta_str(|m| m.spec().map(|v| v.to_string()))
    }

    fn origin(&self) -> Option<String> {
        self.meta_str(|m| m.origin.as_ref().map(|v| v.to_string()))
    }

    fn key_state(&self) -> Option<String> {
        self.row.state().map(|s| s.to_string())
    }

    fn multi_region(&self) -> Option<&'static str> {
        match self.row.meta().and_then(|m| m.multi_region_key_type()) {
            Some(MultiRegionKeyType::Primary) => Some("PRIMARY"),
            Some(MultiRegionKeyType::Replica) => Some("REPLICA"),
            _ => None,
        }
    }

    /// On (with period and next date), off, or unknown/not applicable.
    fn auto(&self) -> Option<(bool, Option<u32>, Option<Timestamp>)> {
        match self.row.auto_rotation() {
            AutoRotation::On { period_days, next } => Some((true, period_days, next)),
            AutoRotation::AwsManaged => {
                let s = self.row.status.loaded();
                Some((
                    true,
                    s.and_then(|s| s.rotation_period_in_days),
                    s.and_then(|s| s.next_rotation_date),
                ))
            }
            AutoRotation::Off => Some((false, None, None)),
            _ => None,
        }
    }

    /// Used and remaining on-demand rotations, for keys that can rotate on demand.
    fn on_demand(&self) -> Option<(u32, u32)> {
        let remaining = self.row.remaining()?;
        Some((self.row.on_demand_used().unwrap_or(0), remaining))
    }

    fn outcome(&self) -> Outcome {
        self.verdict.map_or(Outcome::Unknown, |v| v.outcome)
    }

    fn reasons(&self) -> Vec<String> {
        self.verdict
            .map(|v| v.reasons.iter().map(|r| r.text()).collect())
            .unwrap_or_default()
    }
}

/// Every key of every scope (replicas too), by account, Region and key id.
fn lines<'a>(fleet: &'a Fleet, verdicts: &'a Verdicts) -> Vec<Line<'a>> {
    let mut out: Vec<Line<'a>> = fleet
        .scopes()
        .iter()
        .enumerate()
        .flat_map(|(s, e)| {
            e.inventory
                .rows()
                .iter()
                .enumerate()
                .map(move |(r, row)| Line {
                    scope: e,
                    row,
                    verdict: verdicts.get(s, r),
                })
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| {
        (&a.scope.id, &a.row.key_id).cmp(&(&b.scope.id, &b.row.key_id))
    });
    out
}

/// A CSV field: always quoted (quotes doubled), and formula-neutralised with a leading `'`
/// before `= + - @`, tab or CR (docs/compliance.md §6). Quoting every field keeps a cell
/// whole in a spreadsheet that splits on `;`.
fn csv_field(out: &mut String, value: &str) {
    out.push('"');
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One CSV record: every field quoted and formula-safe, ended by CRLF (the bulk results use it
/// too).
pub fn csv_line(out: &mut String, fields: &[String]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, f);
    }
    out.push_str("\r\n");
}

/// The inventory as CSV (RFC 4180, CRLF, UTF-8).
pub fn csv(fleet: &Fleet, verdicts: &Verdicts) -> String {
    let mut out = String::new();
    let line = |fields: &[String], out: &mut String| csv_line(out, fields);
    let header: Vec<String> = CSV_COLUMNS.iter().map(|c| c.to_string()).collect();
    line(&header, &mut out);
    for l in lines(fleet, verdicts) {
        let auto = l.auto();
        let od = l.on_demand();
        let fields = [
            l.scope.id.account.clone(),
            l.scope.id.region.clone(),
            l.row.key_id.clone(),
            opt(l.row.arn.as_deref()),
            l.row.aliases.join(";"),
            opt(l.row.description()),
            opt(l.key_manager()),
            opt(l.key_spec()),
            opt(l.origin()),
            opt(l.key_state()),
            opt(l.multi_region()),
            opt(auto.map(|(on, _, _)| if on { "on" } else { "off" })),
            opt(auto.and_then(|(_, p, _)| p)),
            opt(auto.and_then(|(_, _, n)| n).map(iso)),
            opt(od.map(|(u, _)| u)),
            opt(od.map(|(_, r)| r)),
            opt(l.row.last_rotation().map(iso)),
            opt(l.verdict.and_then(|v| v.material_age_days)),
            l.outcome().as_str().to_string(),
            l.reasons().join("; "),
        ];
        line(&fields, &mut out);
    }
    out
}

fn policy_json(p: &Policy) -> Value {
    json!({
        "RequireAutomaticRotation": p.require_auto,
        "MaxRotationPeriodDays": p.max_period_days,
        "MaxMaterialAgeDays": p.max_age_days,
        "WarnAtOnDemandRotationsLeft": p.min_remaining,
        "IncludeAwsManaged": p.include_aws_managed,
        "IncludeImported": p.include_imported,
        "IncludeDisabled": p.include_disabled,
    })
}

/// The inventory as one JSON document (docs/compliance.md §6).
pub fn json(fleet: &Fleet, verdicts: &Verdicts, policy: &Policy, now: f64) -> String {
    let scopes: Vec<Value> = fleet
        .scopes()
        .iter()
        .map(|e| {
            json!({
                "Account": e.id.account,
                "Region": e.id.region,
                "State": e.state(),
                "Error": e.error().map(|x| x.code().map_or_else(|| x.to_string(), |c| c.to_string())),
            })
        })
        .collect();
    let keys: Vec<Value> = lines(fleet, verdicts)
        .into_iter()
        .map(|l| {
            let auto = l.auto();
            let od = l.on_demand();
            json!({
                "Account": l.scope.id.account,
                "Region": l.scope.id.region,
                "KeyId": l.row.key_id,
                "Arn": l.row.arn,
                "Aliases": l.row.aliases,
                "Description": l.row.description(),
                "KeyManager": l.key_manager(),
                "KeySpec": l.key_spec(),
                "Origin": l.origin(),
                "KeyState": l.key_state(),
                "CreationDate": l.row.meta().and_then(|m| m.creation_date).map(iso),
                "MultiRegionKeyType": l.multi_region(),
                "KeyRotationEnabled": auto.map(|(on, _, _)| on),
                "RotationPeriodInDays": auto.and_then(|(_, p, _)| p),
                "NextRotationDate": auto.and_then(|(_, _, n)| n).map(iso),
                "OnDemandRotationsUsed": od.map(|(u, _)| u),
                "OnDemandRotationsRemaining": od.map(|(_, r)| r),
                "LastRotationDate": l.row.last_rotation().map(iso),
                "MaterialAgeDays": l.verdict.and_then(|v| v.material_age_days),
                "Verdict": l.outcome().as_str(),
                "Reasons": l.reasons(),
            })
        })
        .collect();
    let doc = json!({
        "GeneratedAt": iso(Timestamp(now)),
        "Policy": policy_json(policy),
        "Scopes": scopes,
        "Keys": keys,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Text for HTML and XML: `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A picture as standalone SVG markup (the report's copy of what the page draws).
pub fn svg(chart: &Chart) -> String {
    let id = chart.id;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {} {}\" \
         role=\"group\" aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{}</title>\
         <desc id=\"{id}-d\">{}</desc>",
        num(chart.width),
        num(chart.height),
        escape(&chart.title),
        escape(&chart.summary)
    );
    for m in &chart.marks {
        match m {
            Mark::Rect {
                x,
                y,
                w,
                h,
                class,
                label,
                ..
            } => {
                s.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"{class}\"",
                    num(*x),
                    num(*y),
                    num(*w),
                    num(*h)
                ));
                match label {
                    Some(l) => s.push_str(&format!(
                        " role=\"img\" aria-label=\"{0}\"><title>{0}</title></rect>",
                        escape(l)
                    )),
                    None => s.push_str("/>"),
                }
            }
            Mark::Text {
                x,
                y,
                text,
                class,
                anchor,
            } => s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" class=\"{class}\" text-anchor=\"{}\">{}</text>",
                num(*x),
                num(*y),
                anchor_str(*anchor),
                escape(text)
            )),
            Mark::Line {
                x1,
                y1,
                x2,
                y2,
                class,
            } => s.push_str(&format!(
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{class}\"/>",
                num(*x1),
                num(*y1),
                num(*x2),
                num(*y2)
            )),
        }
    }
    s.push_str("</svg>");
    s
}

fn anchor_str(a: Anchor) -> &'static str {
    a.as_str()
}

/// The report's own light colours for the pictures' classes (a printed page has no dark
/// theme) and its layout.
const REPORT_CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;color:#1b1f24;margin:24px;max-width:960px}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}\
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}\
td.n{text-align:right}.mono{font-family:ui-monospace,monospace;font-size:12px}.muted{color:#57606a}\
.fail{color:#b42318;font-weight:600}.pass{color:#1a7f37;font-weight:600}\
figure{margin:12px 0;break-inside:avoid}figcaption{color:#57606a;font-size:13px}\
svg.chart{width:100%;height:auto;max-width:720px;font:11px system-ui,sans-serif}\
.chart-grid{stroke:#d0d7de}.chart-axis,.chart-legend,.chart-sub{fill:#57606a}.chart-marker{stroke:#1b1f24;stroke-dasharray:4 3}\
.chart-marker-text{fill:#1b1f24}.chart-auto,.chart-ok{fill:#2f6fde}.chart-on-demand{fill:#8250df}.chart-planned{fill:#9cc0f5}\
.chart-bad{fill:#d1242f}.chart-cell-pass{fill:#d8f3dc}.chart-cell-some{fill:#fff1c2}.chart-cell-fail{fill:#ffd6d6}\
.chart-cell-empty{fill:#f0f2f4}.chart-cell-error{fill:#e7e9ec}.chart-cell-text{fill:#1b1f24;font-weight:600;font-size:13px}.chart-cell-sub{fill:#57606a}\
@media print{body{margin:0}}";

/// The one-page report: policy, summary per scope, the pictures and every failing key.
pub fn report(
    fleet: &Fleet,
    verdicts: &Verdicts,
    summary: &Summary,
    policy: &Policy,
    charts: &[Chart],
    now: f64,
) -> String {
    let when = format::date_time(Timestamp(now));
    let mut h = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>KMS key rotation compliance report, {0}</title><style>{REPORT_CSS}</style></head><body>\
         <h1>KMS key rotation compliance</h1><p class=\"muted\">Generated {0} by keyturn from \
         {1} in {2}.</p>",
        escape(&when),
        format::thousands(fleet.len()),
        escape(&scope_list(fleet)),
    );
    let limit = |v: Option<u32>, unit: &str| {
        v.map_or_else(|| "no limit".to_string(), |d| format!("{d} {unit}"))
    };
    h.push_str(&format!(
        "<h2>Policy</h2><ul><li>Automatic rotation required: {}</li>\
         <li>Maximum rotation period: {}</li><li>Maximum age of the current key material: {}</li>\
         <li>Warn at on-demand rotations left: {}</li><li>Included beyond customer managed, \
         enabled, symmetric keys: {}</li></ul>",
        if policy.require_auto { "yes" } else { "no" },
        escape(&limit(policy.max_period_days, "days")),
        escape(&limit(policy.max_age_days, "days")),
        escape(
            &policy
                .min_remaining
                .map_or_else(|| "never".to_string(), |n| format!("{n} or fewer"))
        ),
        escape(&included(policy)),
    ));
    let t = summary.total;
    h.push_str(&format!(
        "<h2>Summary</h2><p><span class=\"pass\">{} pass</span>, <span class=\"fail\">{} fail</span>, \
         {} not applicable, {} unknown (a multi-Region key counts once).</p><table><thead><tr>\
         <th>Account</th><th>Region</th><th>Pass</th><th>Fail</th><th>N/A</th><th>Unknown</th>\
         <th>Scope</th></tr></thead><tbody>",
        t.pass, t.fail, t.not_applicable, t.unknown
    ));
    for (id, c) in &summary.per_scope {
        let state = fleet.scope(id).map(|e| e.status_text()).unwrap_or_default();
        h.push_str(&format!(
            "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"muted\">{}</td></tr>",
            escape(&id.account),
            escape(&id.region),
            c.pass,
            c.fail,
            c.not_applicable,
            c.unknown,
            escape(&state)
        ));
    }
    h.push_str("</tbody></table><h2>Pictures</h2>");
    for c in charts {
        h.push_str(&format!(
            "<figure>{}<figcaption>{}: {}</figcaption></figure>",
            svg(c),
            escape(&c.title),
            escape(&c.summary)
        ));
    }
    let failing: Vec<Line<'_>> = lines(fleet, verdicts)
        .into_iter()
        .filter(|l| l.outcome() == Outcome::Fail)
        .collect();
    h.push_str(&format!(
        "<h2>Failing keys ({})</h2><table><thead><tr><th>Account</th><th>Region</th>\
         <th>Key</th><th>Reasons</th></tr></thead><tbody>",
        failing.len()
    ));
    for l in &failing {
        h.push_str(&format!(
            "<tr><td class=\"mono\">{}</td><td>{}</td><td><div>{}</div><div class=\"mono muted\">{}</div></td>\
             <td>{}</td></tr>",
            escape(&l.scope.id.account),
            escape(&l.scope.id.region),
            escape(l.row.alias().unwrap_or("(no alias)")),
            escape(&l.row.key_id),
            escape(&l.reasons().join("; "))
        ));
    }
    h.push_str("</tbody></table></body></html>");
    h
}

fn scope_list(fleet: &Fleet) -> String {
    let scopes: Vec<String> = fleet.scopes().iter().map(|e| e.id.to_string()).collect();
    let n = scopes.len();
    format!(
        "{n} scope{}: {}",
        if n == 1 { "" } else { "s" },
        scopes.join(", ")
    )
}

fn included(p: &Policy) -> String {
    let mut v = Vec::new();
    if p.include_aws_managed {
        v.push("AWS managed keys");
    }
    if p.include_imported {
        v.push("keys with imported material");
    }
    if p.include_disabled {
        v.push("disabled keys");
    }
    if v.is_empty() {
        "nothing".to_string()
    } else {
        v.join(", ")
    }
}

/// `keyturn-inventory-20261202T1000Z.csv`: a file name with the time, safe on every system.
pub fn file_name(stem: &str, now: f64, ext: &str) -> String {
    let t: String = iso(Timestamp(now))
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    // 20261202T100000Z -> 20261202T1000Z
    let short = if t.len() == 16 {
        format!("{}{}", &t[..13], &t[15..])
    } else {
        t
    };
    format!("keyturn-{stem}-{short}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::kms::{AliasListEntry, KeySpec, RotationType};
    use crate::console::charts;
    use crate::console::inventory::InventoryEvent;
    use crate::console::policy::tests::{ago, auto, fleet_of, key, NOW};
    use crate::console::quota::tests::entry;
    use crate::console::scope::ScopeId;

    /// Three keys: one passing with history, one failing with a hostile description, one RSA.
    fn fleet() -> Fleet {
        let mut ok = key("k-ok", 500.0);
        ok.status = auto(365, 230.0);
        ok.rotations = Some(vec![
            entry(Some(RotationType::Automatic), Some(ago(135.0).0)),
            entry(Some(RotationType::OnDemand), Some(ago(200.0).0)),
        ]);
        let mut bad = key("k-bad", 412.5);
        bad.meta.description = Some("=HYPERLINK(\"http://evil.example\",\"x\"), <b>".into());
        let mut rsa = key("k-rsa", 10.0);
        rsa.meta.key_spec = Some(KeySpec::Rsa2048);
        rsa.status = None;
        rsa.rotations = None;
        let mut fleet = fleet_of(vec![ok, bad, rsa]);
        let id = ScopeId::new("111122223333", "us-east-1");
        fleet.apply(
            &id,
            InventoryEvent::AliasesPage(
                ["alias/b", "alias/a"]
                    .iter()
                    .map(|a| AliasListEntry {
                        alias_name: a.to_string(),
                        target_key_id: Some("k-ok".into()),
                        ..Default::default()
                    })
                    .collect(),
            ),
        );
        fleet
    }

    /// One CSV line's fields, every field quoted with `""` inside (what `csv` writes).
    fn fields(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut chars = line.chars().peekable();
        loop {
            assert_eq!(chars.next(), Some('"'), "unquoted field in {line}");
            let mut f = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        f.push('"');
                    }
                    Some('"') => break,
                    Some(c) => f.push(c),
                    None => panic!("unterminated field in {line}"),
                }
            }
            out.push(f);
            match chars.next() {
                Some(',') => {}
                None => return out,
                Some(c) => panic!("{c:?} after a field in {line}"),
            }
        }
    }

    #[test]
    fn csv_is_rfc4180_with_the_documented_columns_and_inert_formulas() {
        let f = fleet();
        let v = Verdicts::of(&f, &Policy::default(), NOW);
        let text = csv(&f, &v);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert_eq!(fields(lines[0]), CSV_COLUMNS);
        assert_eq!(lines[4], "");
        assert!(!text.replace("\r\n", "").contains('\n'));
        // Sorted by key id: k-bad, k-ok, k-rsa. Every field is quoted.
        assert_eq!(
            fields(lines[1]),
            [
                "111122223333",
                "us-east-1",
                "k-bad",
                "arn:aws:kms:us-east-1:111122223333:key/k-bad",
                "",
                "'=HYPERLINK(\"http://evil.example\",\"x\"), <b>",
                "CUSTOMER",
                "SYMMETRIC_DEFAULT",
                "AWS_KMS",
                "Enabled",
                "",
                "off",
                "",
                "",
                "0",
                "25",
                "",
                "412",
                "fail",
                "automatic rotation off; material 412 days old > 365",
            ]
        );
        assert!(lines[1].contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\"), <b>\","));
        let ok = fields(lines[2]);
        assert_eq!(ok[4], "alias/a;alias/b");
        assert_eq!(
            ok[11..19],
            [
                "on",
                "365",
                "2027-07-13T12:00:00Z",
                "1",
                "24",
                "2026-07-13T12:00:00Z",
                "135",
                "pass"
            ]
        );
        let rsa = fields(lines[3]);
        assert_eq!(
            rsa[17..],
            ["10", "n/a", "RSA_2048 key: manual rotation only"]
        );
        let mut out = String::new();
        for (value, expected) in [
            ("+1", "\"'+1\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(1)", "\"'@SUM(1)\""),
            ("\tx", "\"'\tx\""),
            ("\rx", "\"'\rx\""),
            ("x;=1+1", "\"x;=1+1\""),
            ("plain", "\"plain\""),
            ("a\nb", "\"a\nb\""),
            ("", "\"\""),
        ] {
            out.clear();
            csv_field(&mut out, value);
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn json_has_kms_names_and_every_key() {
        let f = fleet();
        let v = Verdicts::of(&f, &Policy::default(), NOW);
        let doc: Value = serde_json::from_str(&json(&f, &v, &Policy::default(), NOW)).unwrap();
        assert_eq!(doc["GeneratedAt"], "2026-11-25T12:00:00Z");
        assert_eq!(doc["Policy"]["MaxMaterialAgeDays"], 365);
        assert_eq!(doc["Scopes"][0]["Account"], "111122223333");
        assert_eq!(doc["Scopes"][0]["State"], "done");
        let keys = doc["Keys"].as_array().unwrap();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0]["KeyId"], "k-bad");
        assert_eq!(keys[0]["Verdict"], "fail");
        assert_eq!(keys[0]["Reasons"][1], "material 412 days old > 365");
        assert_eq!(keys[0]["KeyRotationEnabled"], false);
        assert_eq!(keys[1]["Aliases"][0], "alias/a");
        assert_eq!(keys[1]["RotationPeriodInDays"], 365);
        assert_eq!(keys[1]["OnDemandRotationsRemaining"], 24);
        assert_eq!(keys[2]["KeySpec"], "RSA_2048");
        assert_eq!(keys[2]["Verdict"], "n/a");
        assert!(keys[2]["OnDemandRotationsRemaining"].is_null());
    }

    #[test]
    fn the_report_escapes_text_and_has_no_script() {
        let mut f = fleet();
        let id = ScopeId::new("111122223333", "us-east-1");
        f.set_scopes(vec![(id, Some("<script>alert(1)</script>".into()), false)]);
        let f = {
            // set_scopes keeps the loaded scope; give it the hostile name.
            f
        };
        let p = Policy::default();
        let v = Verdicts::of(&f, &p, NOW);
        let s = Summary::of(&f, &v);
        let charts = charts::all(&f, &v, &s, &p, NOW);
        let html = report(&f, &v, &s, &p, &charts, NOW);
        assert!(!html.to_lowercase().contains("<script"), "{html}");
        assert_eq!(html.matches("<svg").count(), 4);
        assert!(html.contains("Failing keys (1)"));
        assert!(html.contains("k-bad"));
        assert!(html.contains("1 pass</span>, <span class=\"fail\">1 fail"));
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            file_name("inventory", NOW, "csv"),
            "keyturn-inventory-20261125T1200Z.csv"
        );
    }

    #[test]
    fn the_pictures_count_what_the_fleet_holds() {
        let f = fleet();
        let p = Policy::default();
        let v = Verdicts::of(&f, &p, NOW);
        let s = Summary::of(&f, &v);
        let grid = charts::compliance(&f, &s);
        let cells: Vec<_> = grid
            .marks
            .iter()
            .filter_map(|m| match m {
                charts::Mark::Rect {
                    scope: Some(s),
                    label: Some(l),
                    class,
                    ..
                } => Some((s.clone(), l.clone(), *class)),
                _ => None,
            })
            .collect();
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].0, ScopeId::new("111122223333", "us-east-1"));
        assert!(cells[0].1.contains("1 pass, 1 fail, 1 not applicable"));
        assert_eq!(cells[0].2, "chart-cell-fail");
        // Timeline: the automatic rotation 135 days ago and the on-demand one 200 days ago
        // (both within 12 months); the next automatic one in 230 days.
        let t = charts::timeline(&f, NOW);
        let names: Vec<&str> = t.bars().map(|(_, l)| l).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(
            names.contains(&"Jul 2026: 1 automatic rotation"),
            "{names:?}"
        );
        assert!(
            names.contains(&"May 2026: 1 on-demand rotation"),
            "{names:?}"
        );
        assert!(
            names.contains(&"Jul 2027: 1 scheduled automatic rotation"),
            "{names:?}"
        );
        // Material age: k-ok at 135 days (bin 120-149), k-bad at 412 (bin 390-419, over).
        let a = charts::material_age(&f, &v, &p);
        let bars: Vec<(&str, &'static str)> = a
            .bars()
            .map(|(m, l)| match m {
                charts::Mark::Rect { class, .. } => (l, *class),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            bars,
            [
                ("120\u{2013}149 days: 1 key", "chart-ok"),
                ("390\u{2013}419 days: 1 key", "chart-bad")
            ]
        );
        assert!(a.summary.starts_with("1 of 2 judged keys"));
        // Remaining: 24 and 25 left, neither low.
        let r = charts::remaining(&f, &p);
        let names: Vec<&str> = r.bars().map(|(_, l)| l).collect();
        assert_eq!(names, ["24 left: 1 key", "25 left: 1 key"]);
    }
}
