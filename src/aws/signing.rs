//! SigV4 signing of a request with the `aws-sigv4` crate (never hand-rolled). The caller supplies
//! the time: `SystemTime::now()` panics on wasm32, and the client corrects it for clock skew.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{self, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::aws::credentials::Credentials;
use crate::aws::endpoint::Service;
use crate::aws::http::HttpRequest;

/// The headers signing adds; any already present (a re-signed retry) are replaced.
const SIGNATURE_HEADERS: [&str; 3] = ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"];

/// 9999-12-31T23:59:59Z: the last second an `X-Amz-Date` can express.
const LAST_SIGNABLE_SECOND: u64 = 253_402_300_799;

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum SigningError {
    #[error("The request URL {0:?} cannot be signed: it must be an absolute http:// or https:// URL without user info.")]
    InvalidUrl(String),
    #[error("The request carries a Host header; the browser sets Host, and signing takes it from the URL.")]
    HostHeaderPresent,
    #[error(
        "The clock reads a time outside the years 1970 to 9999, so the request cannot be signed."
    )]
    TimeOutOfRange,
    /// The header name (names are never secret).
    #[error("The request header {0:?} has a name or value that is not plain ASCII.")]
    InvalidHeader(String),
    #[error("The signing region is empty.")]
    MissingRegion,
    /// aws-sigv4's own error, as text (its errors are not `Clone`; they never contain secrets).
    #[error("The request could not be signed: {0}")]
    Failed(String),
}

/// Signs `req` in place for `service` in `signing_region` at `time`: adds `X-Amz-Date`,
/// `X-Amz-Security-Token` (when the credentials have a token; it is signed) and `Authorization`.
///
/// `Host` is signed with the value the browser will send (the URL's host, lowercase, without a
/// default port) but is not added to `req.headers`: browsers forbid setting it. Every header in
/// `req.headers` is signed (except the ones aws-sigv4 always skips, e.g. `User-Agent`), so it
/// must only hold headers the transport sends unchanged.
pub fn sign(
    req: &mut HttpRequest,
    creds: &Credentials,
    signing_region: &str,
    service: Service,
    time: SystemTime,
) -> Result<(), SigningError> {
    req.headers.retain(|(name, _)| {
        !SIGNATURE_HEADERS
            .iter()
            .any(|added| name.eq_ignore_ascii_case(added))
    });
    if req
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        return Err(SigningError::HostHeaderPresent);
    }
    // Browsers send header values as Latin-1, not UTF-8: only ASCII signs and sends the same.
    if let Some((name, _)) = req.headers.iter().find(|(name, value)| {
        name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_graphic())
            || !value
                .bytes()
                .all(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t')
    }) {
        return Err(SigningError::InvalidHeader(name.clone()));
    }
    if signing_region.is_empty() {
        return Err(SigningError::MissingRegion);
    }
    // aws-sigv4 formats the time through `time::OffsetDateTime`, which panics out of range.
    let since_epoch = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| SigningError::TimeOutOfRange)?;
    if since_epoch.as_secs() > LAST_SIGNABLE_SECOND {
        return Err(SigningError::TimeOutOfRange);
    }
    let host = host_header_value(&req.url)?;

    let identity = aws_credential_types::Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token().map(str::to_owned),
        // No expiry here: whether credentials are still valid is for AWS and the console to say.
        None,
        "keyturn",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(signing_region)
        .name(service.signing_name())
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| SigningError::Failed(e.to_string()))?
        .into();
    let headers = req
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .chain(std::iter::once(("host", host.as_str())));
    let signable = SignableRequest::new(
        &req.method,
        req.url.as_str(),
        headers,
        SignableBody::Bytes(&req.body),
    )
    .map_err(|e| SigningError::Failed(e.to_string()))?;
    let (instructions, _signature) = http_request::sign(signable, &params)
        .map_err(|e| SigningError::Failed(e.to_string()))?
        .into_parts();
    let (added_headers, _query_params) = instructions.into_parts();
    for header in added_headers {
        let name = SIGNATURE_HEADERS
            .iter()
            .find(|known| known.eq_ignore_ascii_case(header.name()))
            .map_or_else(|| header.name().to_owned(), |known| (*known).to_owned());
        req.headers.push((name, header.value().to_owned()));
    }
    Ok(())
}

/// The `Host` value a browser sends for `url` (what botocore's `_host_from_url` computes too):
/// lowercase host, port only when not the scheme's default. Also guards aws-sigv4, which panics
/// on a URL without an authority.
fn host_header_value(url: &str) -> Result<String, SigningError> {
    let invalid = || SigningError::InvalidUrl(url.to_owned());
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return Err(invalid()),
    };
    let authority = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|authority| !authority.is_empty() && !authority.contains('@'))
        .ok_or_else(invalid)?
        .to_ascii_lowercase();
    // The port follows the last ':' unless that ':' is inside an IPv6 literal.
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (authority.as_str(), None),
    };
    if host.is_empty() {
        return Err(invalid());
    }
    Ok(match port {
        Some(port) if port != default_port && !port.is_empty() => format!("{host}:{port}"),
        _ => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const AKID: &str = "AKIDEXAMPLE0000000000";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FQoGZXIvYXdzEBYaDKeyturnExampleSessionToken+/=";
    // 2026-11-25T12:00:00Z
    const TIME_SECS: u64 = 1_795_608_000;

    fn time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(TIME_SECS) + Duration::from_millis(999)
    }

    fn list_keys(url: &str) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            url: url.into(),
            headers: vec![
                ("Content-Type".into(), "application/x-amz-json-1.1".into()),
                ("X-Amz-Target".into(), "TrentService.ListKeys".into()),
            ],
            body: br#"{"Limit":1000}"#.to_vec(),
        }
    }

    fn creds(token: bool) -> Credentials {
        Credentials::new(AKID, SECRET, token.then(|| TOKEN.to_owned()), None).unwrap()
    }

    // The expected values were computed by botocore 1.44.8 (SigV4Auth + AWSRequest with the same
    // X-Amz-Date), with tests/oracle/sigv4_botocore.py.
    #[test]
    fn matches_botocore_vector_with_session_token() {
        let mut req = list_keys("https://kms.eu-west-1.amazonaws.com/");
        sign(&mut req, &creds(true), "eu-west-1", Service::Kms, time()).unwrap();
        assert_eq!(req.header("X-Amz-Date"), Some("20261125T120000Z"));
        assert_eq!(req.header("X-Amz-Security-Token"), Some(TOKEN));
        assert_eq!(
            req.header("Authorization"),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000000/20261125/eu-west-1/kms/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, \
                 Signature=fc47bced9d9caab0b496edff2a71d3a305fab2e19f8444bc294139eec1f399b3"
            )
        );
        assert_eq!(req.header("Host"), None);
    }

    #[test]
    fn matches_botocore_vector_without_token_on_a_local_port() {
        let mut req = list_keys("http://127.0.0.1:4599/");
        sign(&mut req, &creds(false), "us-east-1", Service::Kms, time()).unwrap();
        assert_eq!(req.header("X-Amz-Security-Token"), None);
        assert_eq!(
            req.header("Authorization"),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000000/20261125/us-east-1/kms/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-target, \
                 Signature=f68efd22ecafe213e0bb71f267bef9ba5c376b83e73530a7e197c97418f1febf"
            )
        );
    }

    #[test]
    fn sts_is_signed_as_sts() {
        let mut req = HttpRequest {
            method: "POST".into(),
            url: "https://sts.us-gov-west-1.amazonaws.com/".into(),
            headers: vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            )],
            body: b"Action=GetCallerIdentity&Version=2011-06-15".to_vec(),
        };
        sign(
            &mut req,
            &creds(true),
            "us-gov-west-1",
            Service::Sts,
            time(),
        )
        .unwrap();
        let auth = req.header("Authorization").unwrap();
        assert!(
            auth.contains("/20261125/us-gov-west-1/sts/aws4_request, "),
            "{auth}"
        );
        assert!(
            auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"),
            "{auth}"
        );
    }

    #[test]
    fn adds_exactly_three_headers_in_canonical_case() {
        let mut req = list_keys("https://kms.us-east-1.amazonaws.com/");
        sign(&mut req, &creds(true), "us-east-1", Service::Kms, time()).unwrap();
        let names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).collect();
        let mut added = names[2..].to_vec();
        added.sort_unstable();
        assert_eq!(
            added,
            ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"]
        );
        assert_eq!(req.headers.len(), 5);
    }

    #[test]
    fn re_signing_replaces_the_old_signature() {
        let mut req = list_keys("https://kms.us-east-1.amazonaws.com/");
        sign(&mut req, &creds(true), "us-east-1", Service::Kms, time()).unwrap();
        let later = time() + Duration::from_secs(3600);
        sign(&mut req, &creds(true), "us-east-1", Service::Kms, later).unwrap();
        let mut fresh = list_keys("https://kms.us-east-1.amazonaws.com/");
        sign(&mut fresh, &creds(true), "us-east-1", Service::Kms, later).unwrap();
        assert_eq!(req, fresh);
        assert_eq!(req.header("X-Amz-Date"), Some("20261125T130000Z"));
    }

    #[test]
    fn host_is_signed_from_the_url_like_a_browser_sends_it() {
        // Upper-case host and a default port: the browser sends `Host: kms.example.com`.
        let mut odd = list_keys("HTTPS://KMS.Example.com:443/");
        let mut plain = list_keys("https://kms.example.com/");
        sign(&mut odd, &creds(false), "us-east-1", Service::Kms, time()).unwrap();
        sign(&mut plain, &creds(false), "us-east-1", Service::Kms, time()).unwrap();
        assert_eq!(odd.header("Authorization"), plain.header("Authorization"));
        let mut other_port = list_keys("https://kms.example.com:8443/");
        sign(
            &mut other_port,
            &creds(false),
            "us-east-1",
            Service::Kms,
            time(),
        )
        .unwrap();
        assert_ne!(
            other_port.header("Authorization"),
            plain.header("Authorization")
        );
    }

    #[test]
    fn host_header_values() {
        let cases = [
            (
                "https://kms.us-east-1.amazonaws.com/",
                "kms.us-east-1.amazonaws.com",
            ),
            ("http://127.0.0.1:4599/", "127.0.0.1:4599"),
            ("http://localhost:80/", "localhost"),
            ("https://localhost:80/", "localhost:80"),
            ("http://[::1]:4599/", "[::1]:4599"),
            ("http://[::1]/", "[::1]"),
            ("https://[::1]:443/x?y#z", "[::1]"),
            ("https://Host", "host"),
        ];
        for (url, want) in cases {
            assert_eq!(host_header_value(url).as_deref(), Ok(want), "{url}");
        }
        for url in [
            "/",
            "kms.amazonaws.com",
            "ftp://x/",
            "https:///",
            "https://u@x/",
            "https://:443/",
        ] {
            assert_eq!(
                host_header_value(url),
                Err(SigningError::InvalidUrl(url.into())),
                "{url}"
            );
        }
    }

    #[test]
    fn rejects_what_would_panic_or_mismatch() {
        let c = creds(false);
        let mut relative = list_keys("/");
        assert!(matches!(
            sign(&mut relative, &c, "us-east-1", Service::Kms, time()),
            Err(SigningError::InvalidUrl(_))
        ));
        let mut with_host = list_keys("https://kms.us-east-1.amazonaws.com/");
        with_host.headers.push(("host".into(), "x".into()));
        assert_eq!(
            sign(&mut with_host, &c, "us-east-1", Service::Kms, time()),
            Err(SigningError::HostHeaderPresent)
        );
        let mut req = list_keys("https://kms.us-east-1.amazonaws.com/");
        assert_eq!(
            sign(&mut req, &c, "", Service::Kms, time()),
            Err(SigningError::MissingRegion)
        );
        assert_eq!(
            sign(
                &mut req,
                &c,
                "us-east-1",
                Service::Kms,
                UNIX_EPOCH - Duration::from_secs(1)
            ),
            Err(SigningError::TimeOutOfRange)
        );
        assert_eq!(
            sign(
                &mut req,
                &c,
                "us-east-1",
                Service::Kms,
                UNIX_EPOCH + Duration::from_secs(LAST_SIGNABLE_SECOND + 1)
            ),
            Err(SigningError::TimeOutOfRange)
        );
        assert!(sign(
            &mut req,
            &c,
            "us-east-1",
            Service::Kms,
            UNIX_EPOCH + Duration::from_secs(LAST_SIGNABLE_SECOND) + Duration::from_millis(999)
        )
        .is_ok());
        assert_eq!(req.header("X-Amz-Date"), Some("99991231T235959Z"));
        let mut bad_header = list_keys("https://kms.us-east-1.amazonaws.com/");
        bad_header
            .headers
            .push(("X-Bad".into(), "caf\u{e9}".into()));
        assert_eq!(
            sign(&mut bad_header, &c, "us-east-1", Service::Kms, time()),
            Err(SigningError::InvalidHeader("X-Bad".into()))
        );
        let mut bad_name = list_keys("https://kms.us-east-1.amazonaws.com/");
        bad_name.headers.push(("X Bad".into(), "v".into()));
        assert_eq!(
            sign(&mut bad_name, &c, "us-east-1", Service::Kms, time()),
            Err(SigningError::InvalidHeader("X Bad".into()))
        );
        let mut bad_name = list_keys("https://kms.us-east-1.amazonaws.com/");
        bad_name.headers.push(("X:Bad".into(), "v".into()));
        assert!(matches!(
            sign(&mut bad_name, &c, "us-east-1", Service::Kms, time()),
            Err(SigningError::Failed(_))
        ));
    }

    #[test]
    fn errors_never_contain_the_secret() {
        let mut req = list_keys("not a url");
        let err = sign(&mut req, &creds(true), "us-east-1", Service::Kms, time()).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains(SECRET) && !text.contains(TOKEN));
    }
}
