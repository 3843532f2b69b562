//! Region -> partition -> endpoint URL for KMS and STS, following the botocore 1.44.8 endpoint
//! rule sets and partitions.json (docs/kms.md §1.4 Endpoints and partitions, §1.5 STS
//! endpoints), plus a user-supplied endpoint URL (the CLI's `--endpoint-url`).

use std::fmt;

/// One AWS partition (docs/kms.md §1.4 Endpoints and partitions): its DNS suffixes and the
/// regions the picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `aws`, `aws-cn`, ...
    pub id: &'static str,
    /// A heading for the region picker.
    pub name: &'static str,
    pub dns_suffix: &'static str,
    pub dual_stack_dns_suffix: &'static str,
    /// The regions listed in partitions.json (pseudo-regions like `aws-global` left out).
    pub regions: &'static [&'static str],
}

/// A partition's `regionRegex`, which always has the shape `^(p1|p2|..)\-\w+\-\d+$`: its prefixes.
struct RegionPattern {
    prefixes: &'static [&'static str],
}

static PARTITIONS: [Partition; 8] = [
    Partition {
        id: "aws",
        name: "AWS",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        regions: &[
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "me-west-1",
            "mx-central-1",
            "sa-east-1",
            "sa-west-1",
        ],
    },
    Partition {
        id: "aws-cn",
        name: "AWS China",
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        regions: &["cn-north-1", "cn-northwest-1"],
    },
    Partition {
        id: "aws-us-gov",
        name: "AWS GovCloud (US)",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        regions: &["us-gov-east-1", "us-gov-west-1"],
    },
    Partition {
        id: "aws-eusc",
        name: "AWS European Sovereign Cloud",
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
        regions: &["eusc-de-east-1"],
    },
    Partition {
        id: "aws-iso",
        name: "AWS ISO",
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
        regions: &["us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        id: "aws-iso-b",
        name: "AWS ISOB",
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
        regions: &["us-isob-east-1", "us-isob-west-1"],
    },
    Partition {
        id: "aws-iso-e",
        name: "AWS ISOE",
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
        regions: &["eu-isoe-west-1"],
    },
    Partition {
        id: "aws-iso-f",
        name: "AWS ISOF",
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
        regions: &["us-isof-east-1", "us-isof-south-1"],
    },
];

/// The partitions' `regionRegex`es, same order as [`PARTITIONS`]: `^(p1|p2..)\-\w+\-\d+$`.
static REGION_PATTERNS: [RegionPattern; 8] = [
    RegionPattern {
        prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
    },
    RegionPattern { prefixes: &["cn"] },
    RegionPattern {
        prefixes: &["us-gov"],
    },
    RegionPattern {
        prefixes: &["eusc-de"],
    },
    RegionPattern {
        prefixes: &["us-iso"],
    },
    RegionPattern {
        prefixes: &["us-isob"],
    },
    RegionPattern {
        prefixes: &["eu-isoe"],
    },
    RegionPattern {
        prefixes: &["us-isof"],
    },
];

/// Region descriptions from partitions.json, for the picker's labels.
static REGION_DESCRIPTIONS: &[(&str, &str)] = &[
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-east-2", "Asia Pacific (Taipei)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)"),
    ("ap-southeast-6", "Asia Pacific (New Zealand)"),
    ("ap-southeast-7", "Asia Pacific (Thailand)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-central-1", "Middle East (UAE)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("me-west-1", "Middle East (Saudi Arabia)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (Sao Paulo)"),
    ("sa-west-1", "South America (Chile)"),
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("cn-north-1", "China (Beijing)"),
    ("cn-northwest-1", "China (Ningxia)"),
    ("us-gov-east-1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "AWS GovCloud (US-West)"),
    ("eusc-de-east-1", "AWS European Sovereign Cloud (Germany)"),
    ("us-iso-east-1", "US ISO East"),
    ("us-iso-west-1", "US ISO West"),
    ("us-isob-east-1", "US ISOB East (Ohio)"),
    ("us-isob-west-1", "US ISOB West"),
    ("eu-isoe-west-1", "EU ISOE West"),
    ("us-isof-east-1", "US ISOF East"),
    ("us-isof-south-1", "US ISOF South"),
];

/// All partitions of docs/kms.md §1.4 Endpoints and partitions, commercial first.
pub fn partitions() -> &'static [Partition] {
    &PARTITIONS
}

/// The partition whose region regex matches `region` (exact, lowercase code).
/// A match does not make the region known: [`resolve`] also wants it listed.
pub fn partition_of(region: &str) -> Option<&'static Partition> {
    PARTITIONS
        .iter()
        .zip(REGION_PATTERNS.iter())
        .find(|(_, pattern)| {
            pattern
                .prefixes
                .iter()
                .any(|prefix| matches_region_regex(region, prefix))
        })
        .map(|(partition, _)| partition)
}

/// `^{prefix}\-\w+\-\d+$` (the `\w` restricted to lowercase letters and digits: anything else
/// cannot appear in a hostname label).
fn matches_region_regex(region: &str, prefix: &str) -> bool {
    let Some(rest) = region
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
    else {
        return false;
    };
    let Some((word, digits)) = rest.split_once('-') else {
        return false;
    };
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// "US East (N. Virginia)" for `us-east-1`; `None` for regions not in the list.
pub fn region_description(region: &str) -> Option<&'static str> {
    REGION_DESCRIPTIONS
        .iter()
        .find(|(code, _)| *code == region)
        .map(|(_, description)| *description)
}

/// The services keyturn calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Kms,
    Sts,
    /// Organizations ListAccounts: one endpoint per partition (docs/kms.md §5).
    Organizations,
}

impl Service {
    /// The SigV4 signing name (also the endpoint prefix).
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Kms => "kms",
            Service::Sts => "sts",
            Service::Organizations => "organizations",
        }
    }

    /// The IAM action prefix of the service's operations (`kms:`, `sts:`, `organizations:`).
    pub fn iam_prefix(self) -> &'static str {
        self.signing_name()
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Kms => "KMS",
            Service::Sts => "STS",
            Service::Organizations => "Organizations",
        })
    }
}

/// Replaced, in a custom endpoint URL, by the Region a request is for.
pub const REGION_PLACEHOLDER: &str = "{region}";

/// What the user chose on the connect form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointConfig {
    pub region: String,
    pub fips: bool,
    pub dual_stack: bool,
    /// Like the CLI's `--endpoint-url`, for KMS, and for STS too unless `sts_url` is set (a
    /// local server such as the peer answers both). Empty counts as absent.
    pub custom_url: Option<String>,
    /// Like `aws sts --endpoint-url`: where GetCallerIdentity goes when it is not `custom_url`
    /// (a KMS VPC endpoint does not serve STS). Empty counts as absent.
    pub sts_url: Option<String>,
}

impl EndpointConfig {
    /// The URL the user set for `service`, if any.
    fn custom_url_for(&self, service: Service) -> Option<&str> {
        fn set(url: &Option<String>) -> Option<&str> {
            url.as_deref().map(str::trim).filter(|u| !u.is_empty())
        }
        match service {
            Service::Kms => set(&self.custom_url),
            // A local peer answers STS and Organizations on the KMS endpoint URL too.
            Service::Sts | Service::Organizations => {
                set(&self.sts_url).or_else(|| set(&self.custom_url))
            }
        }
    }
}

/// Where to send a request and which region to sign it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Absolute URL ending in `/`, lowercase scheme and host, no default port.
    pub url: String,
    pub signing_region: String,
}

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    #[error("Choose a region, for example us-east-1.")]
    MissingRegion,
    #[error("{0:?} is not an AWS region code; region codes look like us-east-1 or eu-west-2.")]
    NotARegion(String),
    #[error(
        "keyturn does not know the region {region:?} (it is not in the {partition} partition's \
         list). If it is a new region, enter its endpoint URL (https://kms.{region}.{dns_suffix}) \
         under Advanced."
    )]
    UnknownRegion {
        region: String,
        partition: &'static str,
        dns_suffix: &'static str,
    },
    #[error(
        "A custom endpoint URL cannot be combined with {0}: the URL already names the host. \
         Turn {0} off or clear the endpoint URL."
    )]
    CustomUrlWithVariant(&'static str),
    #[error("The endpoint URL {0}.")]
    InvalidCustomUrl(&'static str),
}

/// The endpoint for `service` under `config`: the service's custom URL when one is set (signing
/// with the chosen region), otherwise `https://{service}[-fips].{region}.{dnsSuffix | dualStackDnsSuffix}/`
/// as the botocore rule sets build it.
pub fn resolve(service: Service, config: &EndpointConfig) -> Result<Endpoint, EndpointError> {
    let region = config.region.trim().to_ascii_lowercase();
    let custom_url = config.custom_url_for(service);

    if region.is_empty() {
        return Err(EndpointError::MissingRegion);
    }
    if !is_region_syntax(&region) {
        return Err(EndpointError::NotARegion(config.region.trim().to_owned()));
    }

    if let Some(url) = custom_url {
        // The rule sets reject these combinations too (docs/kms.md §1.4 Endpoints and
        // partitions).
        if config.fips {
            return Err(EndpointError::CustomUrlWithVariant("FIPS"));
        }
        if config.dual_stack {
            return Err(EndpointError::CustomUrlWithVariant("dual-stack"));
        }
        // `{region}` in the URL names each Region's own host (a per-Region VPC endpoint or
        // proxy; the local peer as `http://{region}.localhost:PORT`), so each Region gets its
        // own connections, as it does on AWS.
        let url = normalize_custom_url(&url.replace(REGION_PLACEHOLDER, &region))?;
        // Any well-formed region is accepted here: a local peer or proxy decides what it wants.
        // Organizations is still signed for its partition's home Region.
        let signing_region = match (service, partition_of(&region)) {
            (Service::Organizations, Some(p)) => organizations_home(p).to_string(),
            _ => region,
        };
        return Ok(Endpoint {
            url,
            signing_region,
        });
    }

    let partition =
        partition_of(&region).ok_or_else(|| EndpointError::NotARegion(region.clone()))?;
    if !partition.regions.contains(&region.as_str()) {
        return Err(EndpointError::UnknownRegion {
            region,
            partition: partition.id,
            dns_suffix: partition.dns_suffix,
        });
    }

    if service == Service::Organizations {
        return Ok(organizations_endpoint(
            partition,
            config.fips,
            config.dual_stack,
        ));
    }

    let suffix = if config.dual_stack {
        partition.dual_stack_dns_suffix
    } else {
        partition.dns_suffix
    };
    let host_prefix = match (service, config.fips) {
        // GovCloud's STS hosts are FIPS endpoints already (docs/kms.md §1.5 STS endpoints).
        (Service::Sts, true) if partition.id == "aws-us-gov" && !config.dual_stack => "sts",
        (Service::Kms, false) => "kms",
        (Service::Kms, true) => "kms-fips",
        (Service::Sts, false) => "sts",
        (Service::Sts, true) => "sts-fips",
        (Service::Organizations, _) => "organizations",
    };
    Ok(Endpoint {
        url: format!("https://{host_prefix}.{region}.{suffix}/"),
        // FIPS and dual-stack hosts sign with the plain region (docs/kms.md §1.2 Signing).
        signing_region: region,
    })
}

/// Organizations is global: one endpoint per partition, signed for that partition's home
/// Region whatever Region was chosen (Organizations API reference, "Endpoint to call"; the
/// botocore rule set, which tests/sigv4_oracle.rs checks this against). GovCloud's host is
/// FIPS already.
fn organizations_endpoint(partition: &Partition, fips: bool, dual_stack: bool) -> Endpoint {
    let home = organizations_home(partition);
    let host = if fips && partition.id != "aws-us-gov" {
        "organizations-fips"
    } else {
        "organizations"
    };
    let suffix = if dual_stack {
        partition.dual_stack_dns_suffix
    } else {
        partition.dns_suffix
    };
    Endpoint {
        url: format!("https://{host}.{home}.{suffix}/"),
        signing_region: home.to_string(),
    }
}

fn organizations_home(partition: &Partition) -> &'static str {
    match partition.id {
        "aws" => "us-east-1",
        "aws-cn" => "cn-northwest-1",
        "aws-us-gov" => "us-gov-west-1",
        "aws-eusc" => "eusc-de-east-1",
        "aws-iso" => "us-iso-east-1",
        "aws-iso-b" => "us-isob-east-1",
        "aws-iso-e" => "eu-isoe-west-1",
        "aws-iso-f" => "us-isof-south-1",
        _ => partition.regions.first().copied().unwrap_or("us-east-1"),
    }
}

/// Lowercase letters and digits in dash-separated groups, as long as a DNS label allows.
fn is_region_syntax(region: &str) -> bool {
    region.len() <= 63
        && region.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Checks a user-supplied endpoint URL and puts it in the form a browser sends, so that the host
/// signed is the host the browser puts in `Host`: lowercase scheme and host, default port
/// dropped, path ending in `/`. Rejects what a browser would rewrite or refuse (user info,
/// query, fragment, spaces, dot segments, non-ASCII).
pub fn normalize_custom_url(url: &str) -> Result<String, EndpointError> {
    use EndpointError::InvalidCustomUrl as Invalid;
    let url = url.trim();
    if !url.is_ascii()
        || url
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(Invalid(
            "contains spaces or characters that are not allowed in a URL",
        ));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or(Invalid("must start with http:// or https://"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return Err(Invalid("must start with http:// or https://")),
    };
    if rest.contains('?') || rest.contains('#') {
        return Err(Invalid(
            "must not contain a query (?...) or fragment (#...)",
        ));
    }
    let (authority, path) = match rest.find('/') {
        Some(index) => rest.split_at(index),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(Invalid("must not contain a user name or password"));
    }
    let (host, port) = split_host_port(authority)?;
    let host =
        canonical_host(&host.to_ascii_lowercase()).ok_or(Invalid("has no valid host name"))?;
    let port = match port {
        None => None,
        Some(port) => {
            let valid = !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
            if !valid {
                return Err(Invalid("has an invalid port (use 1 to 65535)"));
            }
            // Browsers drop a default port and strip leading zeros; so does this.
            let port = port.trim_start_matches('0');
            (port != default_port).then(|| port.to_owned())
        }
    };
    let path_ok = path.bytes().enumerate().all(|(i, b)| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~')
            || (b == b'%'
                && path
                    .get(i + 1..i + 3)
                    .is_some_and(|hex| hex.bytes().all(|h| h.is_ascii_hexdigit())))
    });
    if !path_ok {
        return Err(Invalid(
            "has a path with characters other than letters, digits and - . _ ~ / %",
        ));
    }
    // Browsers also read `%2e` (any case) as a dot and drop such segments before sending.
    if path.split('/').any(|segment| {
        let dots = segment.to_ascii_lowercase().replace("%2e", ".");
        dots == "." || dots == ".."
    }) {
        return Err(Invalid("must not contain . or .. path segments"));
    }
    let mut normalized = format!("{scheme}://{host}");
    if let Some(port) = port {
        normalized.push(':');
        normalized.push_str(&port);
    }
    normalized.push_str(if path.is_empty() { "/" } else { path });
    if !normalized.ends_with('/') {
        normalized.push('/');
    }
    Ok(normalized)
}

/// The host as a browser serializes it, or `None` when it is not a valid host. IP addresses must
/// already be in the browser's form (`127.0.0.1`, `[::1]`), since the browser would rewrite
/// others (`127.1`, `[0:0::1]`) and the signed host would no longer match.
fn canonical_host(host: &str) -> Option<String> {
    if let Some(inner) = host.strip_prefix('[') {
        let address: std::net::Ipv6Addr = inner.strip_suffix(']')?.parse().ok()?;
        let shown = address.to_string();
        // Rust prints IPv4-mapped addresses dotted; browsers print them in hex.
        return (!shown.contains('.')).then(|| format!("[{shown}]"));
    }
    let labels = host.strip_suffix('.').unwrap_or(host);
    let labels_ok = labels.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !labels_ok {
        return None;
    }
    // A host whose last label is a number, decimal or hex (`0x1f`), is an IPv4 address to a
    // browser (WHATWG URL "ends in a number").
    let last_is_numeric = labels.rsplit('.').next().is_some_and(|label| {
        label.bytes().all(|b| b.is_ascii_digit())
            || label
                .strip_prefix("0x")
                .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if last_is_numeric {
        let address: std::net::Ipv4Addr = labels.parse().ok()?;
        return (address.to_string() == host).then(|| host.to_owned());
    }
    Some(host.to_owned())
}

/// Splits `host[:port]` / `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), EndpointError> {
    let invalid = EndpointError::InvalidCustomUrl("has no valid host name");
    if authority.starts_with('[') {
        let end = authority.find(']').ok_or(invalid.clone())?;
        let (host, rest) = authority.split_at(end + 1);
        return match rest {
            "" => Ok((host, None)),
            _ => rest
                .strip_prefix(':')
                .map(|port| (host, Some(port)))
                .ok_or(invalid),
        };
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(region: &str, fips: bool, dual_stack: bool) -> EndpointConfig {
        EndpointConfig {
            region: region.into(),
            fips,
            dual_stack,
            custom_url: None,
            sts_url: None,
        }
    }

    fn url(service: Service, region: &str, fips: bool, dual_stack: bool) -> String {
        resolve(service, &config(region, fips, dual_stack))
            .unwrap()
            .url
    }

    #[test]
    fn eight_partitions_with_their_regions() {
        let ids: Vec<_> = partitions().iter().map(|p| p.id).collect();
        assert_eq!(
            ids,
            [
                "aws",
                "aws-cn",
                "aws-us-gov",
                "aws-eusc",
                "aws-iso",
                "aws-iso-b",
                "aws-iso-e",
                "aws-iso-f"
            ]
        );
        let total: usize = partitions().iter().map(|p| p.regions.len()).sum();
        assert_eq!(total, 36 + 2 + 2 + 1 + 2 + 2 + 1 + 2);
        for partition in partitions() {
            for region in partition.regions {
                assert_eq!(
                    partition_of(region).map(|p| p.id),
                    Some(partition.id),
                    "{region}"
                );
                assert!(region_description(region).is_some(), "{region}");
            }
        }
        assert_eq!(REGION_DESCRIPTIONS.len(), total);
        assert_eq!(
            region_description("us-east-1"),
            Some("US East (N. Virginia)")
        );
        assert_eq!(region_description("mars-1"), None);
    }

    #[test]
    fn partition_of_follows_the_regexes() {
        let cases = [
            ("us-east-1", Some("aws")),
            ("mx-central-1", Some("aws")),
            ("il-central-1", Some("aws")),
            ("us-east-99", Some("aws")),
            ("cn-north-1", Some("aws-cn")),
            ("us-gov-west-1", Some("aws-gov")),
            ("eusc-de-east-1", Some("aws-eusc")),
            ("us-iso-east-1", Some("aws-iso")),
            ("us-isob-east-1", Some("aws-iso-b")),
            ("eu-isoe-west-1", Some("aws-iso-e")),
            ("us-isof-south-1", Some("aws-iso-f")),
            ("eusc-fr-east-1", None),
            ("xx-east-1", None),
            ("us-east", None),
            ("us-east-1a", None),
            ("US-EAST-1", None),
            ("us--1", None),
            ("us-east-1-", None),
            ("", None),
        ];
        for (region, want) in cases {
            let want = want.map(|id| if id == "aws-gov" { "aws-us-gov" } else { id });
            assert_eq!(partition_of(region).map(|p| p.id), want, "{region}");
        }
    }

    #[test]
    fn kms_every_partition_every_variant() {
        let cases = [
            ("us-east-1", "amazonaws.com", "api.aws"),
            (
                "cn-northwest-1",
                "amazonaws.com.cn",
                "api.amazonwebservices.com.cn",
            ),
            ("us-gov-east-1", "amazonaws.com", "api.aws"),
            ("eusc-de-east-1", "amazonaws.eu", "api.amazonwebservices.eu"),
            ("us-iso-west-1", "c2s.ic.gov", "api.aws.ic.gov"),
            ("us-isob-east-1", "sc2s.sgov.gov", "api.aws.scloud"),
            ("eu-isoe-west-1", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
            ("us-isof-east-1", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
        ];
        for (region, dns, dual) in cases {
            assert_eq!(
                url(Service::Kms, region, false, false),
                format!("https://kms.{region}.{dns}/")
            );
            assert_eq!(
                url(Service::Kms, region, true, false),
                format!("https://kms-fips.{region}.{dns}/")
            );
            assert_eq!(
                url(Service::Kms, region, false, true),
                format!("https://kms.{region}.{dual}/")
            );
            assert_eq!(
                url(Service::Kms, region, true, true),
                format!("https://kms-fips.{region}.{dual}/")
            );
        }
    }

    #[test]
    fn sts_every_partition_every_variant() {
        let cases = [
            ("eu-west-2", "amazonaws.com", "api.aws"),
            (
                "cn-north-1",
                "amazonaws.com.cn",
                "api.amazonwebservices.com.cn",
            ),
            ("eusc-de-east-1", "amazonaws.eu", "api.amazonwebservices.eu"),
            ("us-iso-east-1", "c2s.ic.gov", "api.aws.ic.gov"),
            ("us-isob-west-1", "sc2s.sgov.gov", "api.aws.scloud"),
            ("eu-isoe-west-1", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
            ("us-isof-south-1", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
        ];
        for (region, dns, dual) in cases {
            assert_eq!(
                url(Service::Sts, region, false, false),
                format!("https://sts.{region}.{dns}/")
            );
            assert_eq!(
                url(Service::Sts, region, true, false),
                format!("https://sts-fips.{region}.{dns}/")
            );
            assert_eq!(
                url(Service::Sts, region, false, true),
                format!("https://sts.{region}.{dual}/")
            );
            assert_eq!(
                url(Service::Sts, region, true, true),
                format!("https://sts-fips.{region}.{dual}/")
            );
        }
    }

    #[test]
    fn sts_govcloud_fips_is_the_plain_host() {
        for region in ["us-gov-east-1", "us-gov-west-1"] {
            assert_eq!(
                url(Service::Sts, region, false, false),
                format!("https://sts.{region}.amazonaws.com/")
            );
            assert_eq!(
                url(Service::Sts, region, true, false),
                format!("https://sts.{region}.amazonaws.com/")
            );
            assert_eq!(
                url(Service::Sts, region, false, true),
                format!("https://sts.{region}.api.aws/")
            );
            // The rule set only special-cases FIPS without dual-stack.
            assert_eq!(
                url(Service::Sts, region, true, true),
                format!("https://sts-fips.{region}.api.aws/")
            );
            assert_eq!(
                url(Service::Kms, region, true, false),
                format!("https://kms-fips.{region}.amazonaws.com/")
            );
        }
    }

    #[test]
    fn signing_region_is_the_plain_region() {
        for (fips, dual_stack) in [(false, false), (true, false), (false, true), (true, true)] {
            let endpoint =
                resolve(Service::Kms, &config("eu-central-1", fips, dual_stack)).unwrap();
            assert_eq!(endpoint.signing_region, "eu-central-1");
        }
    }

    #[test]
    fn region_is_trimmed_and_lowercased() {
        let endpoint = resolve(Service::Kms, &config("  US-West-2 ", false, false)).unwrap();
        assert_eq!(endpoint.url, "https://kms.us-west-2.amazonaws.com/");
        assert_eq!(endpoint.signing_region, "us-west-2");
    }

    #[test]
    fn region_errors() {
        assert_eq!(
            resolve(Service::Kms, &config(" ", false, false)).unwrap_err(),
            EndpointError::MissingRegion
        );
        let err = resolve(Service::Kms, &config("moon-base-1", false, false)).unwrap_err();
        assert_eq!(err, EndpointError::NotARegion("moon-base-1".into()));
        assert_eq!(
            err.to_string(),
            "\"moon-base-1\" is not an AWS region code; region codes look like us-east-1 or eu-west-2."
        );
        assert!(matches!(
            resolve(Service::Kms, &config("us_east_1", false, false)),
            Err(EndpointError::NotARegion(_))
        ));
        assert!(matches!(
            resolve(Service::Kms, &config("us-east-1.evil.com/x", false, false)),
            Err(EndpointError::NotARegion(_))
        ));
        let err = resolve(Service::Kms, &config("us-east-9", false, false)).unwrap_err();
        assert_eq!(
            err,
            EndpointError::UnknownRegion {
                region: "us-east-9".into(),
                partition: "aws",
                dns_suffix: "amazonaws.com"
            }
        );
        assert!(
            err.to_string()
                .contains("https://kms.us-east-9.amazonaws.com"),
            "{err}"
        );
        assert!(matches!(
            resolve(Service::Sts, &config("cn-south-7", true, false)),
            Err(EndpointError::UnknownRegion {
                partition: "aws-cn",
                ..
            })
        ));
    }

    #[test]
    fn custom_url_wins_and_keeps_the_signing_region() {
        let cfg = EndpointConfig {
            region: "eu-west-1".into(),
            fips: false,
            dual_stack: false,
            custom_url: Some(" http://127.0.0.1:4599 ".into()),
            sts_url: None,
        };
        for service in [Service::Kms, Service::Sts] {
            let endpoint = resolve(service, &cfg).unwrap();
            assert_eq!(endpoint.url, "http://127.0.0.1:4599/");
            assert_eq!(endpoint.signing_region, "eu-west-1");
        }
    }

    #[test]
    fn sts_url_is_for_sts_only_and_custom_url_serves_both_without_it() {
        let mut cfg = EndpointConfig {
            region: "eu-west-1".into(),
            custom_url: Some("https://vpce-0a1b-kms.eu-west-1.vpce.amazonaws.com".into()),
            sts_url: Some(" HTTPS://STS.eu-west-1.amazonaws.com ".into()),
            ..Default::default()
        };
        let kms = resolve(Service::Kms, &cfg).unwrap();
        assert_eq!(
            kms.url,
            "https://vpce-0a1b-kms.eu-west-1.vpce.amazonaws.com/"
        );
        let sts = resolve(Service::Sts, &cfg).unwrap();
        assert_eq!(sts.url, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(sts.signing_region, "eu-west-1");
        // Without it, STS goes where KMS goes (one local server answers both).
        cfg.sts_url = Some("  ".into());
        assert_eq!(resolve(Service::Sts, &cfg).unwrap().url, kms.url);
        // An STS URL alone leaves KMS on its regional endpoint.
        cfg.custom_url = None;
        cfg.sts_url = Some("http://127.0.0.1:4599".into());
        assert_eq!(
            resolve(Service::Kms, &cfg).unwrap().url,
            "https://kms.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            resolve(Service::Sts, &cfg).unwrap().url,
            "http://127.0.0.1:4599/"
        );
        // The URL rules apply to it as to any endpoint URL.
        cfg.sts_url = Some("ftp://sts.example.com".into());
        assert!(matches!(
            resolve(Service::Sts, &cfg),
            Err(EndpointError::InvalidCustomUrl(_))
        ));
        cfg.sts_url = Some("https://sts.example.com".into());
        cfg.fips = true;
        assert_eq!(
            resolve(Service::Sts, &cfg).unwrap_err(),
            EndpointError::CustomUrlWithVariant("FIPS")
        );
        assert_eq!(
            resolve(Service::Kms, &cfg).unwrap().url,
            "https://kms-fips.eu-west-1.amazonaws.com/"
        );
    }

    #[test]
    fn custom_url_accepts_any_well_formed_region_but_not_none() {
        let mut cfg = EndpointConfig {
            region: "local-1".into(),
            custom_url: Some("http://localhost:4599".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(Service::Kms, &cfg).unwrap().signing_region,
            "local-1"
        );
        cfg.region = String::new();
        assert_eq!(
            resolve(Service::Kms, &cfg).unwrap_err(),
            EndpointError::MissingRegion
        );
        cfg.region = "a b".into();
        assert!(matches!(
            resolve(Service::Kms, &cfg),
            Err(EndpointError::NotARegion(_))
        ));
    }

    #[test]
    fn empty_custom_url_is_absent() {
        let cfg = EndpointConfig {
            region: "us-east-1".into(),
            custom_url: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(Service::Kms, &cfg).unwrap().url,
            "https://kms.us-east-1.amazonaws.com/"
        );
    }

    #[test]
    fn region_placeholder_names_each_regions_host() {
        let config = |region: &str| EndpointConfig {
            region: region.into(),
            custom_url: Some("http://{region}.localhost:4610".into()),
            ..Default::default()
        };
        let west = resolve(Service::Kms, &config("us-west-2")).unwrap();
        assert_eq!(west.url, "http://us-west-2.localhost:4610/");
        assert_eq!(west.signing_region, "us-west-2");
        let east = resolve(Service::Sts, &config("us-east-1")).unwrap();
        assert_eq!(east.url, "http://us-east-1.localhost:4610/");
        // Organizations is signed for the partition's home Region, on the chosen Region's host.
        let org = resolve(Service::Organizations, &config("eu-west-1")).unwrap();
        assert_eq!(org.url, "http://eu-west-1.localhost:4610/");
        assert_eq!(org.signing_region, "us-east-1");
        // A placeholder anywhere but the host still has to make a valid URL.
        let bad = EndpointConfig {
            custom_url: Some("http://peer:4610/{region}?x".into()),
            ..config("us-east-1")
        };
        assert!(resolve(Service::Kms, &bad).is_err());
    }

    #[test]
    fn custom_url_with_fips_or_dual_stack_is_an_error() {
        let mut cfg = EndpointConfig {
            region: "us-east-1".into(),
            fips: true,
            dual_stack: false,
            custom_url: Some("https://kms.example.com".into()),
            sts_url: None,
        };
        let err = resolve(Service::Kms, &cfg).unwrap_err();
        assert_eq!(err, EndpointError::CustomUrlWithVariant("FIPS"));
        assert!(err
            .to_string()
            .starts_with("A custom endpoint URL cannot be combined with FIPS"));
        cfg.fips = false;
        cfg.dual_stack = true;
        assert_eq!(
            resolve(Service::Sts, &cfg).unwrap_err(),
            EndpointError::CustomUrlWithVariant("dual-stack")
        );
    }

    #[test]
    fn custom_url_normalization() {
        let cases = [
            ("http://127.0.0.1:4599", "http://127.0.0.1:4599/"),
            ("http://127.0.0.1:4599/", "http://127.0.0.1:4599/"),
            ("HTTP://LocalHost:80", "http://localhost/"),
            ("https://Example.COM:443/", "https://example.com/"),
            ("https://example.com:0443", "https://example.com/"),
            ("http://example.com:443", "http://example.com:443/"),
            (
                "https://example.com:8443/kms",
                "https://example.com:8443/kms/",
            ),
            ("https://example.com/a/b/", "https://example.com/a/b/"),
            ("https://example.com/a%20b", "https://example.com/a%20b/"),
            (
                "https://vpce-0123456789abcdef0-abcdefgh.kms.us-east-1.vpce.amazonaws.com",
                "https://vpce-0123456789abcdef0-abcdefgh.kms.us-east-1.vpce.amazonaws.com/",
            ),
            ("http://[::1]:4599", "http://[::1]:4599/"),
            ("http://[0:0:0:0:0:0:0:1]:4599", "http://[::1]:4599/"),
            ("http://[2001:DB8::A]", "http://[2001:db8::a]/"),
            ("http://10.0.0.1:8080", "http://10.0.0.1:8080/"),
            ("https://kms.example.com./", "https://kms.example.com./"),
            ("http://my_host:8080", "http://my_host:8080/"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_custom_url(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn custom_url_rejections() {
        use EndpointError::InvalidCustomUrl as Invalid;
        let scheme = Invalid("must start with http:// or https://");
        let host = Invalid("has no valid host name");
        let port = Invalid("has an invalid port (use 1 to 65535)");
        let cases = [
            ("kms.us-east-1.amazonaws.com", scheme.clone()),
            ("ftp://example.com", scheme.clone()),
            ("javascript://example.com", scheme.clone()),
            ("//example.com", scheme.clone()),
            (
                "https://user:pass@example.com",
                Invalid("must not contain a user name or password"),
            ),
            (
                "https://example.com/?x=1",
                Invalid("must not contain a query (?...) or fragment (#...)"),
            ),
            (
                "https://example.com#top",
                Invalid("must not contain a query (?...) or fragment (#...)"),
            ),
            ("https://", host.clone()),
            ("https:///path", host.clone()),
            (
                "https://exa mple.com",
                Invalid("contains spaces or characters that are not allowed in a URL"),
            ),
            (
                "https://exämple.com",
                Invalid("contains spaces or characters that are not allowed in a URL"),
            ),
            ("https://ex!ample.com", host.clone()),
            ("https://a..b", host.clone()),
            ("https://[::1", host.clone()),
            ("https://[::1]x", host.clone()),
            ("https://[zz]", host.clone()),
            ("https://[::ffff:127.0.0.1]", host.clone()),
            ("https://127.1", host.clone()),
            ("https://127.000.0.1", host.clone()),
            ("https://a..", host.clone()),
            ("https://.a", host.clone()),
            ("https://example.com:", port.clone()),
            ("https://example.com:0", port.clone()),
            ("https://example.com:65536", port.clone()),
            ("https://example.com:12a", port.clone()),
            ("https://example.com:1:2", port.clone()),
            (
                "https://example.com/a b",
                Invalid("contains spaces or characters that are not allowed in a URL"),
            ),
            (
                "https://example.com/a\"b",
                Invalid("has a path with characters other than letters, digits and - . _ ~ / %"),
            ),
            (
                "https://example.com/%zz",
                Invalid("has a path with characters other than letters, digits and - . _ ~ / %"),
            ),
            (
                "https://example.com/a/../b",
                Invalid("must not contain . or .. path segments"),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_custom_url(input), Err(want), "{input}");
        }
        assert_eq!(
            normalize_custom_url("ftp://x").unwrap_err().to_string(),
            "The endpoint URL must start with http:// or https://."
        );
    }

    /// Found by tests/fuzz_parsers.rs: `https://h/%2e/` was signed for `/%2e/` while the browser
    /// requests `/` (WHATWG URL: `%2e` is a dot), so every request failed its signature check.
    #[test]
    fn percent_encoded_dot_segments_are_rejected() {
        for url in [
            "http://kms/%2e",
            "http://kms/a/%2E/b",
            "http://kms/a/%2e%2e/b",
            "http://kms/a/.%2E",
            "http://kms/%2e./b/",
        ] {
            assert_eq!(
                normalize_custom_url(url),
                Err(EndpointError::InvalidCustomUrl(
                    "must not contain . or .. path segments"
                )),
                "{url}"
            );
        }
        assert_eq!(
            normalize_custom_url("http://kms/%2e%2e%2e/%2ex").as_deref(),
            Ok("http://kms/%2e%2e%2e/%2ex/")
        );
    }

    /// Found by tests/fuzz_parsers.rs: `http://0x1/` was kept as a host name, but a browser reads
    /// a hex last label as an IPv4 address and sends `Host: 0.0.0.1`, so the signature failed.
    #[test]
    fn hex_last_label_is_an_ip_address() {
        for url in [
            "http://0x1",
            "http://a.0x7f",
            "http://0X7F.0.0.1",
            "http://kms.0x/",
        ] {
            assert_eq!(
                normalize_custom_url(url),
                Err(EndpointError::InvalidCustomUrl("has no valid host name")),
                "{url}"
            );
        }
        assert_eq!(
            normalize_custom_url("http://0x1g.example").as_deref(),
            Ok("http://0x1g.example/")
        );
        assert_eq!(
            normalize_custom_url("http://a.0xg").as_deref(),
            Ok("http://a.0xg/")
        );
    }

    #[test]
    fn service_names() {
        assert_eq!(Service::Kms.signing_name(), "kms");
        assert_eq!(Service::Sts.signing_name(), "sts");
        assert_eq!(Service::Kms.to_string(), "KMS");
    }

    #[test]
    fn organizations_is_one_endpoint_per_partition() {
        let cfg = |region: &str| EndpointConfig {
            region: region.into(),
            ..Default::default()
        };
        for (region, url, signing) in [
            (
                "eu-west-1",
                "https://organizations.us-east-1.amazonaws.com/",
                "us-east-1",
            ),
            (
                "us-east-1",
                "https://organizations.us-east-1.amazonaws.com/",
                "us-east-1",
            ),
            (
                "cn-north-1",
                "https://organizations.cn-northwest-1.amazonaws.com.cn/",
                "cn-northwest-1",
            ),
            (
                "us-gov-east-1",
                "https://organizations.us-gov-west-1.amazonaws.com/",
                "us-gov-west-1",
            ),
        ] {
            let e = resolve(Service::Organizations, &cfg(region)).unwrap();
            assert_eq!(
                (e.url.as_str(), e.signing_region.as_str()),
                (url, signing),
                "{region}"
            );
        }
        let fips = EndpointConfig {
            fips: true,
            ..cfg("us-west-2")
        };
        assert_eq!(
            resolve(Service::Organizations, &fips).unwrap().url,
            "https://organizations-fips.us-east-1.amazonaws.com/"
        );
        // A custom endpoint URL (the local peer) serves it too, signed for the home Region.
        let local = EndpointConfig {
            custom_url: Some("http://127.0.0.1:4599".into()),
            ..cfg("us-west-2")
        };
        let e = resolve(Service::Organizations, &local).unwrap();
        assert_eq!(e.url, "http://127.0.0.1:4599/");
        assert_eq!(e.signing_region, "us-east-1");
    }
}
