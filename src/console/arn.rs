//! "Go to key": what a user may paste (key id, `mrk-` id, key ARN, alias name, alias ARN) and the
//! URL fragment that reopens a key (`#/keys/<region>/<key-id>`).
//!
//! Identifier shapes are from docs/kms.md §1.9 Key identifiers (UUID key ids, `mrk-` + 32 hex,
//! ARN layout) and §2.3 ListAliases (alias name pattern). The fragment never holds anything but
//! a region and a key id, so a shared link cannot leak a credential.

use std::fmt;

/// A parsed "go to key" input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRef {
    /// A bare key id (UUID or `mrk-…`): the current region is used.
    KeyId(String),
    /// `arn:<partition>:kms:<region>:<account>:key/<id>`: its region is used.
    KeyArn(KmsArn),
    /// `alias/<name>`: resolved with DescribeKey in the current region.
    AliasName(String),
    /// `arn:<partition>:kms:<region>:<account>:alias/<name>`: its region is used.
    AliasArn(KmsArn),
}

/// The parts of a KMS ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    /// The key id (for a key ARN) or the full alias name `alias/...` (for an alias ARN).
    pub resource: String,
}

impl fmt::Display for KmsArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.resource.starts_with("alias/") {
            ""
        } else {
            "key/"
        };
        write!(
            f,
            "arn:{}:kms:{}:{}:{}{}",
            self.partition, self.region, self.account, kind, self.resource
        )
    }
}

/// Why a pasted string is not a key reference.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum KeyRefError {
    #[error("Enter a key ID, key ARN, alias name (alias/…) or alias ARN.")]
    Empty,
    #[error(
        "\u{201c}{0}\u{201d} is not a key ID: a key ID is a UUID like \
         1234abcd-12ab-34cd-56ef-1234567890ab, or mrk- followed by 32 hex characters."
    )]
    BadKeyId(String),
    #[error(
        "\u{201c}{0}\u{201d} is not a KMS ARN: expected \
         arn:<partition>:kms:<region>:<account>:key/<key-id> or …:alias/<name>."
    )]
    BadArn(String),
    #[error(
        "\u{201c}{0}\u{201d} is not a valid alias name: after alias/ use only letters, digits, \
         and / _ - : (at most 256 characters in all)."
    )]
    BadAlias(String),
}

impl KeyRef {
    /// The region the reference names, if any (ARNs only). `None` means "the current region".
    pub fn region(&self) -> Option<&str> {
        match self {
            KeyRef::KeyArn(a) | KeyRef::AliasArn(a) => Some(&a.region),
            _ => None,
        }
    }

    /// The partition an ARN names, if any.
    pub fn partition(&self) -> Option<&str> {
        match self {
            KeyRef::KeyArn(a) | KeyRef::AliasArn(a) => Some(&a.partition),
            _ => None,
        }
    }

    /// The key id when the reference names one directly (not for aliases, which need DescribeKey).
    pub fn key_id(&self) -> Option<&str> {
        match self {
            KeyRef::KeyId(id) => Some(id),
            KeyRef::KeyArn(a) => Some(&a.resource),
            _ => None,
        }
    }

    /// What to pass as `KeyId` to DescribeKey, which accepts every form (docs/kms.md §2.4
    /// DescribeKey). ARNs are passed whole so a key of another account resolves too.
    pub fn describe_key_id(&self) -> String {
        match self {
            KeyRef::KeyId(id) | KeyRef::AliasName(id) => id.clone(),
            KeyRef::KeyArn(a) | KeyRef::AliasArn(a) => a.to_string(),
        }
    }
}

/// What "go to key" has to do for a reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoTo {
    /// The region to look in: the ARN's, else the current one.
    pub region: String,
    /// The ARN names another region than the current one: switch first (the credentials stay).
    pub switch_region: bool,
    /// What to pass to DescribeKey; its `KeyMetadata.KeyId` is then the id for the URL.
    pub describe_key_id: String,
}

impl KeyRef {
    /// Plan the lookup from the current region.
    pub fn go_to(&self, current_region: &str) -> GoTo {
        let region = self.region().unwrap_or(current_region).to_string();
        GoTo {
            switch_region: region != current_region,
            region,
            describe_key_id: self.describe_key_id(),
        }
    }
}

/// True for `1234abcd-12ab-34cd-56ef-1234567890ab` (any hex case) and `mrk-` + 32 hex.
pub fn is_key_id(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("mrk-") {
        return rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    groups.len() == lens.len()
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `alias/` followed by 1+ of `[a-zA-Z0-9:/_-]`, 256 characters at most (docs/kms.md §2.3
/// ListAliases).
pub fn is_alias_name(s: &str) -> bool {
    match s.strip_prefix("alias/") {
        Some(rest) => {
            !rest.is_empty()
                && s.len() <= 256
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'_' | b'-'))
        }
        None => false,
    }
}

/// A region code as KMS writes it (`^([a-z]+-){2,3}\d+$`: docs/kms.md §2.4 DescribeKey,
/// `MultiRegionConfiguration`).
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if !(3..=4).contains(&parts.len()) {
        return false;
    }
    let (last, head) = match parts.split_last() {
        Some(x) => x,
        None => return false,
    };
    !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
        && head
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parse a KMS ARN (key or alias).
pub fn parse_arn(s: &str) -> Result<KmsArn, KeyRefError> {
    let bad = || KeyRefError::BadArn(s.to_string());
    // The resource part may itself contain ':' (alias names allow it), so split at most 6 ways.
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "kms" {
        return Err(bad());
    }
    let (partition, region, account, resource) = (parts[1], parts[3], parts[4], parts[5]);
    if partition.is_empty()
        || !partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-')
        || !is_region(region)
        || !is_account(account)
    {
        return Err(bad());
    }
    let resource = if let Some(id) = resource.strip_prefix("key/") {
        if !is_key_id(id) {
            return Err(bad());
        }
        id.to_string()
    } else if is_alias_name(resource) {
        resource.to_string()
    } else {
        return Err(bad());
    };
    Ok(KmsArn {
        partition: partition.to_string(),
        region: region.to_string(),
        account: account.to_string(),
        resource,
    })
}

/// Parse what a user pasted into "go to key". Surrounding whitespace and quotes are ignored
/// (people paste from JSON and shells).
pub fn parse_key_ref(input: &str) -> Result<KeyRef, KeyRefError> {
    let s = input
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .trim();
    if s.is_empty() {
        return Err(KeyRefError::Empty);
    }
    if s.starts_with("arn:") {
        let arn = parse_arn(s)?;
        return Ok(if arn.resource.starts_with("alias/") {
            KeyRef::AliasArn(arn)
        } else {
            KeyRef::KeyArn(arn)
        });
    }
    if s.starts_with("alias/") {
        return if is_alias_name(s) {
            Ok(KeyRef::AliasName(s.to_string()))
        } else {
            Err(KeyRefError::BadAlias(s.to_string()))
        };
    }
    if is_key_id(s) {
        // KMS returns lowercase ids; normalise so the URL and row lookups match.
        return Ok(KeyRef::KeyId(s.to_ascii_lowercase()));
    }
    Err(KeyRefError::BadKeyId(s.to_string()))
}

/// Where the console is, as kept in the URL fragment. Only a region and a key id: never a
/// credential, never an alias (aliases are resolved before navigating).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `#/` or no fragment.
    Home,
    /// `#/keys/<region>`: the inventory of a region.
    Region { region: String },
    /// `#/keys/<account>/<region>/<key-id>` (or `#/keys/<region>/<key-id>`, the connected
    /// account's): a key panel in its scope.
    Key {
        account: Option<String>,
        region: String,
        key_id: String,
    },
}

impl Route {
    /// The fragment, including the leading `#`.
    pub fn to_fragment(&self) -> String {
        match self {
            Route::Home => "#/".to_string(),
            Route::Region { region } => format!("#/keys/{region}"),
            Route::Key {
                account: Some(account),
                region,
                key_id,
            } => format!("#/keys/{account}/{region}/{key_id}"),
            Route::Key {
                account: None,
                region,
                key_id,
            } => format!("#/keys/{region}/{key_id}"),
        }
    }

    pub fn region(&self) -> Option<&str> {
        match self {
            Route::Home => None,
            Route::Region { region } | Route::Key { region, .. } => Some(region),
        }
    }

    pub fn account(&self) -> Option<&str> {
        match self {
            Route::Key {
                account: Some(a), ..
            } => Some(a),
            _ => None,
        }
    }

    pub fn key_id(&self) -> Option<&str> {
        match self {
            Route::Key { key_id, .. } => Some(key_id),
            _ => None,
        }
    }
}

/// The fragment for a key panel.
pub fn key_fragment(account: &str, region: &str, key_id: &str) -> String {
    Route::Key {
        account: Some(account.to_string()),
        region: region.to_string(),
        key_id: key_id.to_string(),
    }
    .to_fragment()
}

/// Read a URL fragment (with or without `#`). Anything that is not exactly a known route with a
/// valid region and key id is `Home`, so a crafted link cannot inject text into the page state.
pub fn parse_fragment(fragment: &str) -> Route {
    let f = fragment.strip_prefix('#').unwrap_or(fragment);
    let f = f.strip_prefix('/').unwrap_or(f);
    let f = f.strip_suffix('/').unwrap_or(f);
    let parts: Vec<&str> = f.split('/').collect();
    match parts.as_slice() {
        ["keys", region] if is_region(region) => Route::Region {
            region: region.to_string(),
        },
        ["keys", region, key_id] if is_region(region) && is_key_id(key_id) => Route::Key {
            account: None,
            region: region.to_string(),
            key_id: key_id.to_ascii_lowercase(),
        },
        ["keys", account, region, key_id]
            if is_account(account) && is_region(region) && is_key_id(key_id) =>
        {
            Route::Key {
                account: Some(account.to_string()),
                region: region.to_string(),
                key_id: key_id.to_ascii_lowercase(),
            }
        }
        _ => Route::Home,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const MRK: &str = "mrk-1234abcd12ab34cd56ef1234567890ab";

    #[test]
    fn key_ids() {
        assert!(is_key_id(ID));
        assert!(is_key_id(&ID.to_uppercase()));
        assert!(is_key_id(MRK));
        assert!(!is_key_id("1234abcd-12ab-34cd-56ef-1234567890a"));
        assert!(!is_key_id("1234abcd-12ab-34cd-56ef-1234567890abc"));
        assert!(!is_key_id("1234abcg-12ab-34cd-56ef-1234567890ab"));
        assert!(!is_key_id("mrk-1234"));
        assert!(!is_key_id("mrk-1234abcd12ab34cd56ef1234567890zz"));
        assert!(!is_key_id(""));
    }

    #[test]
    fn bare_ids_parse_and_normalise() {
        assert_eq!(parse_key_ref(ID), Ok(KeyRef::KeyId(ID.to_string())));
        assert_eq!(
            parse_key_ref(&format!("  \"{}\"\n", ID.to_uppercase())),
            Ok(KeyRef::KeyId(ID.to_string()))
        );
        let r = parse_key_ref(MRK).unwrap();
        assert_eq!(r.key_id(), Some(MRK));
        assert_eq!(r.region(), None);
        assert_eq!(r.describe_key_id(), MRK);
    }

    #[test]
    fn key_arn_uses_region_and_partition() {
        let arn = format!("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/{ID}");
        let r = parse_key_ref(&arn).unwrap();
        assert_eq!(r.region(), Some("us-gov-west-1"));
        assert_eq!(r.partition(), Some("aws-us-gov"));
        assert_eq!(r.key_id(), Some(ID));
        assert_eq!(r.describe_key_id(), arn);
        assert!(matches!(r, KeyRef::KeyArn(_)));
        let cn = format!("arn:aws-cn:kms:cn-north-1:111122223333:key/{MRK}");
        assert_eq!(parse_key_ref(&cn).unwrap().region(), Some("cn-north-1"));
    }

    #[test]
    fn alias_name_and_arn() {
        assert_eq!(
            parse_key_ref("alias/demo-app"),
            Ok(KeyRef::AliasName("alias/demo-app".into()))
        );
        let r = parse_key_ref("alias/aws/s3").unwrap();
        assert!(matches!(r, KeyRef::AliasName(_)));
        assert_eq!(r.key_id(), None);
        let arn = "arn:aws:kms:eu-west-1:111122223333:alias/team:a/b_c-d";
        let r = parse_key_ref(arn).unwrap();
        assert!(matches!(r, KeyRef::AliasArn(_)));
        assert_eq!(r.region(), Some("eu-west-1"));
        assert_eq!(r.describe_key_id(), arn);
    }

    #[test]
    fn rejects_garbage_with_sentences() {
        assert_eq!(parse_key_ref("   "), Err(KeyRefError::Empty));
        assert!(matches!(
            parse_key_ref("hello"),
            Err(KeyRefError::BadKeyId(_))
        ));
        assert!(matches!(
            parse_key_ref("alias/"),
            Err(KeyRefError::BadAlias(_))
        ));
        assert!(matches!(
            parse_key_ref("alias/<script>"),
            Err(KeyRefError::BadAlias(_))
        ));
        for bad in [
            "arn:aws:s3:::bucket",
            "arn:aws:kms:us-east-1:1111:key/x",
            "arn:aws:kms:US-EAST-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:111122223333:key/not-a-key",
            "arn:aws:kms:us-east-1:111122223333:grant/abc",
            "arn:aws:kms:us-east-1:111122223333",
        ] {
            assert!(
                matches!(parse_key_ref(bad), Err(KeyRefError::BadArn(_))),
                "{bad}"
            );
        }
        let msg = parse_key_ref("nope").unwrap_err().to_string();
        assert!(msg.contains("mrk-"), "{msg}");
        let long = format!("alias/{}", "a".repeat(251));
        assert!(matches!(
            parse_key_ref(&long),
            Err(KeyRefError::BadAlias(_))
        ));
    }

    #[test]
    fn go_to_plans() {
        let g = parse_key_ref(ID).unwrap().go_to("us-east-1");
        assert_eq!(
            g,
            GoTo {
                region: "us-east-1".into(),
                switch_region: false,
                describe_key_id: ID.into()
            }
        );
        let arn = format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}");
        let g = parse_key_ref(&arn).unwrap().go_to("us-east-1");
        assert!(g.switch_region);
        assert_eq!(g.region, "eu-west-1");
        assert_eq!(g.describe_key_id, arn);
        let g = parse_key_ref("alias/demo").unwrap().go_to("us-west-2");
        assert_eq!(g.region, "us-west-2");
        assert_eq!(g.describe_key_id, "alias/demo");
    }

    #[test]
    fn arn_round_trips() {
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{ID}");
        assert_eq!(parse_arn(&arn).unwrap().to_string(), arn);
        let alias = "arn:aws:kms:us-east-1:111122223333:alias/x";
        assert_eq!(parse_arn(alias).unwrap().to_string(), alias);
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "eusc-de-east-1",
            "us-isob-east-1",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "us-east",
            "us-east-1a",
            "US-east-1",
            "east-1",
            "",
            "a-b-c-d-1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn fragments_round_trip() {
        let r = Route::Key {
            account: None,
            region: "eu-west-1".into(),
            key_id: ID.into(),
        };
        assert_eq!(r.to_fragment(), format!("#/keys/eu-west-1/{ID}"));
        assert_eq!(parse_fragment(&r.to_fragment()), r);
        let scoped = Route::Key {
            account: Some("210987654321".into()),
            region: "us-west-2".into(),
            key_id: ID.into(),
        };
        assert_eq!(
            key_fragment("210987654321", "us-west-2", ID),
            format!("#/keys/210987654321/us-west-2/{ID}")
        );
        assert_eq!(parse_fragment(&scoped.to_fragment()), scoped);
        assert_eq!(scoped.account(), Some("210987654321"));
        assert_eq!(
            parse_fragment(&format!("#/keys/2109876543/us-west-2/{ID}")),
            Route::Home
        );
        assert_eq!(r.region(), Some("eu-west-1"));
        assert_eq!(r.key_id(), Some(ID));
        let reg = Route::Region {
            region: "us-east-1".into(),
        };
        assert_eq!(parse_fragment(&reg.to_fragment()), reg);
        assert_eq!(parse_fragment("keys/us-east-1/"), reg);
        assert_eq!(parse_fragment("#/"), Route::Home);
        assert_eq!(parse_fragment(""), Route::Home);
        assert_eq!(Route::Home.to_fragment(), "#/");
        assert_eq!(
            parse_fragment(&format!(
                "#/keys/us-east-1/{}",
                MRK.to_uppercase().replace("MRK", "mrk")
            )),
            Route::Key {
                account: None,
                region: "us-east-1".into(),
                key_id: MRK.into()
            }
        );
    }

    #[test]
    fn fragments_reject_anything_else() {
        for bad in [
            "#/keys/us-east-1/alias/x",
            "#/keys/us-east-1/<img>",
            "#/keys/../us-east-1",
            "#/keys/us-east-1/1234abcd-12ab-34cd-56ef-1234567890ab/extra",
            "#/keys/us-east-1/1234abcd-12ab-34cd-56ef-1234567890ab?secret=x",
            "#access_key=AKIA",
            "#/other",
        ] {
            assert_eq!(parse_fragment(bad), Route::Home, "{bad}");
        }
    }
}
