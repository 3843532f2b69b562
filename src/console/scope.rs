//! Scopes: where the console looks. A scope is one (account, Region) pair with its own client:
//! the connected credentials, or credentials from STS AssumeRole into a role of another account
//! (docs/kms.md §5 "Accounts and roles"). The scope set is every chosen account times every
//! chosen Region.
//!
//! This module parses what the user typed (role ARNs, or account ids plus one role name, an
//! external id), checks it against the STS rules, and names the scopes; it sends nothing.

use std::fmt;

/// One (account, Region) pair.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId {
    pub account: String,
    pub region: String,
}

impl ScopeId {
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        ScopeId {
            account: account.into(),
            region: region.into(),
        }
    }

    /// `account/region`: a map key, a flow key prefix, and the URL's scope part.
    pub fn key(&self) -> String {
        format!("{}/{}", self.account, self.region)
    }
}

impl fmt::Display for ScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.account, self.region)
    }
}

/// How an account is reached.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// The credentials the user pasted.
    Connected,
    /// STS AssumeRole from the pasted credentials.
    Role(RoleTarget),
}

/// A role to assume: its ARN and the external id its trust policy may ask for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoleTarget {
    pub role_arn: String,
    pub external_id: Option<String>,
}

/// One account of the scope set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountChoice {
    pub account: String,
    /// The account's name, when Organizations told it.
    pub name: Option<String>,
    pub access: Access,
}

impl AccountChoice {
    pub fn connected(account: impl Into<String>) -> Self {
        AccountChoice {
            account: account.into(),
            name: None,
            access: Access::Connected,
        }
    }
}

/// A line of the accounts box that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// 1-based.
    pub line: usize,
    pub text: String,
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} (\u{201c}{}\u{201d}): {}",
            self.line, self.text, self.reason
        )
    }
}

/// What the scope editor holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeRequest {
    /// Role ARNs or 12-digit account ids, one per line (blank lines and `#` comments ignored).
    pub accounts_text: String,
    /// The role name used with bare account ids (`OrganizationAccountAccessRole`).
    pub role_name: String,
    pub external_id: String,
    pub regions: Vec<String>,
}

/// The default role name for bare account ids: the role AWS Organizations creates in every
/// account it creates (docs/kms.md §5).
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";

/// AssumeRole's `RoleSessionName`: 2-64 characters of `[\w+=,.@-]` (STS API reference).
pub const SESSION_NAME_MAX: usize = 64;
/// AssumeRole's `ExternalId`: 2-1224 characters of `[\w+=,.@:/-]` (STS API reference).
pub const EXTERNAL_ID_MAX: usize = 1224;
/// Role chaining (AssumeRole called with assumed-role credentials) is limited to one hour
/// whatever the role allows (IAM user guide, "Role chaining").
pub const CHAINED_MAX_SECONDS: u32 = 3600;
/// The shortest session STS grants.
pub const MIN_SESSION_SECONDS: u32 = 900;
/// Assumed-role credentials are refreshed this long before they expire.
pub const REFRESH_BEFORE_SECONDS: u64 = 300;

fn session_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn external_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)
}

/// `keyturn-<user>` from the caller's ARN: the user name, or the role session name of an
/// assumed role, with characters STS refuses dropped, cut to 64 (so CloudTrail shows who).
pub fn session_name(caller_arn: &str) -> String {
    let who = caller_arn.rsplit(['/', ':']).next().unwrap_or_default();
    let clean: String = who.chars().filter(|&c| session_char(c)).collect();
    let mut name = if clean.is_empty() {
        "keyturn".to_string()
    } else {
        format!("keyturn-{clean}")
    };
    name.truncate(SESSION_NAME_MAX);
    name
}

/// True when `caller_arn` is itself an assumed-role session: AssumeRole from it is role
/// chaining.
pub fn is_role_session(caller_arn: &str) -> bool {
    caller_arn.contains(":assumed-role/")
}

/// The session length to ask for: an hour (the default role maximum), and never more than
/// role chaining allows.
pub fn session_seconds(caller_arn: &str, wanted: u32) -> u32 {
    let max = if is_role_session(caller_arn) {
        CHAINED_MAX_SECONDS
    } else {
        43_200
    };
    wanted.clamp(MIN_SESSION_SECONDS, max)
}

/// Check an external id (empty means none).
pub fn check_external_id(id: &str) -> Result<Option<String>, String> {
    let id = id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    let n = id.chars().count();
    if !(2..=EXTERNAL_ID_MAX).contains(&n) {
        return Err(format!(
            "an external id is 2 to {EXTERNAL_ID_MAX} characters (this one has {n})"
        ));
    }
    if let Some(c) = id.chars().find(|&c| !external_id_char(c)) {
        return Err(format!(
            "an external id may hold letters, digits and _+=,.@:/- only, not \u{201c}{c}\u{201d}"
        ));
    }
    Ok(Some(id.to_string()))
}

/// Check a role name (IAM: 1-64 characters of `[\w+=,.@-]`).
pub fn check_role_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err("a role name is 1 to 64 characters".to_string());
    }
    if let Some(c) = name.chars().find(|&c| !session_char(c)) {
        return Err(format!(
            "a role name may hold letters, digits and _+=,.@- only, not \u{201c}{c}\u{201d}"
        ));
    }
    Ok(name.to_string())
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The accounts the request names, the connected one first. A line is a role ARN
/// (`arn:aws:iam::111122223333:role/path/Name`) or a 12-digit account id (assumed with
/// `role_name`); the connected account's own id means "these credentials". Duplicates are
/// dropped. Every bad line is reported; nothing is returned unless all lines are good.
pub fn parse_accounts(
    request: &ScopeRequest,
    connected: &str,
    partition: &str,
) -> Result<Vec<AccountChoice>, Vec<LineError>> {
    let mut out = vec![AccountChoice::connected(connected)];
    let mut errors = Vec::new();
    let external_id = match check_external_id(&request.external_id) {
        Ok(id) => id,
        Err(reason) => {
            errors.push(LineError {
                line: 0,
                text: "external id".to_string(),
                reason,
            });
            None
        }
    };
    let mut role_name: Option<Result<String, String>> = None;
    for (i, raw) in request.accounts_text.lines().enumerate() {
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let line = i + 1;
        let fail = |reason: String| LineError {
            line,
            text: text.chars().take(80).collect(),
            reason,
        };
        let choice = if is_account_id(text) {
            if text == connected {
                continue;
            }
            let name = role_name
                .get_or_insert_with(|| check_role_name(&request.role_name))
                .clone();
            match name {
                Ok(name) => AccountChoice {
                    account: text.to_string(),
                    name: None,
                    access: Access::Role(RoleTarget {
                        role_arn: format!("arn:{partition}:iam::{text}:role/{name}"),
                        external_id: external_id.clone(),
                    }),
                },
                Err(reason) => {
                    errors.push(fail(format!("the role name: {reason}")));
                    continue;
                }
            }
        } else if text.starts_with("arn:") {
            match role_arn_account(text) {
                Ok(account) => AccountChoice {
                    account,
                    name: None,
                    access: Access::Role(RoleTarget {
                        role_arn: text.to_string(),
                        external_id: external_id.clone(),
                    }),
                },
                Err(reason) => {
                    errors.push(fail(reason));
                    continue;
                }
            }
        } else {
            errors.push(fail(
                "expected a role ARN (arn:aws:iam::111122223333:role/Name) or a 12-digit \
                 account id"
                    .to_string(),
            ));
            continue;
        };
        if !out.iter().any(|c| c.account == choice.account) {
            out.push(choice);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The account of an IAM role ARN (`arn:<partition>:iam::<account>:role/<path/>name`), or why
/// it is not one.
fn role_arn_account(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[1].is_empty() {
        return Err("not an ARN (arn:aws:iam::111122223333:role/Name)".to_string());
    }
    if parts[2] != "iam" {
        return Err(format!(
            "a role ARN names the iam service, this one names \u{201c}{}\u{201d}",
            parts[2]
        ));
    }
    if !parts[3].is_empty() {
        return Err("a role ARN has no region (arn:aws:iam::...)".to_string());
    }
    if !is_account_id(parts[4]) {
        return Err("a role ARN holds a 12-digit account id".to_string());
    }
    let Some(path_name) = parts[5].strip_prefix("role/") else {
        return Err("a role ARN's resource starts with role/".to_string());
    };
    let name = path_name.rsplit('/').next().unwrap_or_default();
    check_role_name(name).map_err(|e| format!("the role name: {e}"))?;
    Ok(parts[4].to_string())
}

/// Every chosen account in every chosen Region, accounts in the order given, Regions sorted.
pub fn scopes(accounts: &[AccountChoice], regions: &[String]) -> Vec<ScopeId> {
    let mut regions: Vec<&String> = regions.iter().collect();
    crate::sort::sort(&mut regions);
    regions.dedup();
    accounts
        .iter()
        .flat_map(|a| {
            regions
                .iter()
                .map(|r| ScopeId::new(a.account.clone(), (*r).clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> ScopeRequest {
        ScopeRequest {
            accounts_text: text.to_string(),
            role_name: DEFAULT_ROLE_NAME.to_string(),
            external_id: String::new(),
            regions: vec!["us-east-1".into()],
        }
    }

    #[test]
    fn account_ids_use_the_role_name_and_arns_stand_alone() {
        let got = parse_accounts(
            &request(
                "210987654321\n\n# a comment\narn:aws:iam::345678901234:role/ops/Audit\n\
                 210987654321\n123456789012",
            ),
            "123456789012",
            "aws",
        )
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].access, Access::Connected);
        assert_eq!(
            got[1].access,
            Access::Role(RoleTarget {
                role_arn: "arn:aws:iam::210987654321:role/OrganizationAccountAccessRole".into(),
                external_id: None,
            })
        );
        assert_eq!(got[2].account, "345678901234");
        assert_eq!(
            got[2].access,
            Access::Role(RoleTarget {
                role_arn: "arn:aws:iam::345678901234:role/ops/Audit".into(),
                external_id: None,
            })
        );
    }

    #[test]
    fn partition_comes_from_the_connected_credentials() {
        let got = parse_accounts(&request("210987654321"), "123456789012", "aws-cn").unwrap();
        match &got[1].access {
            Access::Role(r) => assert!(r.role_arn.starts_with("arn:aws-cn:iam::")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let errs = parse_accounts(
            &request(
                "21098765432\narn:aws:kms:us-east-1:210987654321:key/abc\nhello\n210987654321",
            ),
            "123456789012",
            "aws",
        )
        .unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert!(errs[1].reason.contains("iam"), "{}", errs[1].reason);
    }

    #[test]
    fn role_name_and_external_id_are_checked() {
        let mut r = request("210987654321");
        r.role_name = "bad name".into();
        let errs = parse_accounts(&r, "123456789012", "aws").unwrap_err();
        assert!(errs[0].reason.contains("role name"));
        let mut r = request("210987654321");
        r.external_id = "x".into();
        assert!(parse_accounts(&r, "123456789012", "aws").is_err());
        r.external_id = "keyturn-demo-external-id".into();
        let got = parse_accounts(&r, "123456789012", "aws").unwrap();
        match &got[1].access {
            Access::Role(t) => {
                assert_eq!(t.external_id.as_deref(), Some("keyturn-demo-external-id"))
            }
            other => panic!("{other:?}"),
        }
        assert!(check_external_id(&"a".repeat(1225)).is_err());
        assert!(check_external_id("has space").is_err());
    }

    #[test]
    fn session_names_follow_the_sts_pattern() {
        assert_eq!(
            session_name(
                "arn:aws:sts::123456789012:assumed-role/keyturn-console/alice@example.com"
            ),
            "keyturn-alice@example.com"
        );
        assert_eq!(
            session_name("arn:aws:iam::123456789012:user/ops/bob"),
            "keyturn-bob"
        );
        assert_eq!(
            session_name("arn:aws:iam::123456789012:root"),
            "keyturn-root"
        );
        assert_eq!(session_name("arn:aws:iam::1:user/ünï"), "keyturn-n");
        assert_eq!(session_name(""), "keyturn");
        let long = session_name(&format!("arn:aws:iam::1:user/{}", "x".repeat(100)));
        assert_eq!(long.len(), SESSION_NAME_MAX);
        assert!(long.chars().all(session_char));
    }

    #[test]
    fn role_chaining_is_limited_to_an_hour() {
        let chained = "arn:aws:sts::123456789012:assumed-role/r/s";
        assert_eq!(session_seconds(chained, 43_200), 3600);
        assert_eq!(session_seconds(chained, 60), MIN_SESSION_SECONDS);
        assert_eq!(session_seconds("arn:aws:iam::1:user/u", 7200), 7200);
    }

    #[test]
    fn scopes_are_accounts_times_regions() {
        let accounts = vec![
            AccountChoice::connected("123456789012"),
            AccountChoice::connected("210987654321"),
        ];
        let s = scopes(
            &accounts,
            &["us-west-2".into(), "us-east-1".into(), "us-west-2".into()],
        );
        assert_eq!(
            s.iter().map(ScopeId::key).collect::<Vec<_>>(),
            [
                "123456789012/us-east-1",
                "123456789012/us-west-2",
                "210987654321/us-east-1",
                "210987654321/us-west-2"
            ]
        );
    }
}
