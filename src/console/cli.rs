//! "Copy as AWS CLI": the command a user could run to do the same thing from a shell.
//!
//! Arguments are quoted for POSIX shells (sh, bash, zsh; not cmd.exe or PowerShell, whose
//! quoting differs: the UI labels the commands so) and a key id, an alias or an endpoint URL
//! pasted into a terminal is always one word and never runs anything. Key ids and regions come
//! from KMS answers and links, so a command is built only from a validated key id, key ARN or
//! alias and a valid region code: anything else gets no command at all. Credentials never
//! appear: the CLI uses its own.

use crate::console::arn::{is_alias_name, is_key_id, is_region, parse_arn};

/// What the UI writes beside every command.
pub const SHELL_LABEL: &str = "AWS CLI (POSIX shell: sh, bash, zsh)";

/// A key id, key ARN or alias name that may go into a command (see the module comment).
pub fn is_valid_key_arg(key: &str) -> bool {
    is_key_id(key) || is_alias_name(key) || parse_arn(key).is_ok()
}

/// Where the command is sent: the console's region and endpoint settings.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CliTarget {
    pub region: String,
    /// A custom endpoint (the console's "endpoint URL"), passed as `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// FIPS / dual-stack endpoints: the CLI selects them from these environment variables
    /// (botocore reads `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT`).
    pub fips: bool,
    pub dual_stack: bool,
}

impl CliTarget {
    pub fn new(region: impl Into<String>, endpoint_url: Option<String>) -> Self {
        CliTarget {
            region: region.into(),
            endpoint_url,
            fips: false,
            dual_stack: false,
        }
    }
}

impl From<&crate::aws::endpoint::EndpointConfig> for CliTarget {
    fn from(c: &crate::aws::endpoint::EndpointConfig) -> Self {
        CliTarget {
            region: c.region.clone(),
            // The URL as keyturn sends it: `{region}` is this Region's host (endpoint.rs).
            endpoint_url: c
                .custom_url
                .as_ref()
                .map(|u| u.replace(crate::aws::endpoint::REGION_PLACEHOLDER, c.region.trim())),
            fips: c.fips,
            dual_stack: c.dual_stack,
        }
    }
}

/// One CLI invocation: environment assignments, then `aws kms <op> <args...>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliCommand {
    pub env: Vec<(String, String)>,
    /// Everything after `aws`: `["kms", "rotate-key-on-demand", "--key-id", "..."]`.
    pub args: Vec<String>,
}

impl CliCommand {
    /// `aws kms <operation> <args...> --region R [--endpoint-url U]`, for commands this module
    /// has no builder of its own for; None when the region or a `--key-id` value is not valid.
    pub fn with_args(target: &CliTarget, operation: &str, args: &[(&str, String)]) -> Option<Self> {
        Self::new(target, operation, args)
    }

    /// None when the region or a `--key-id` value is not valid.
    fn new(target: &CliTarget, operation: &str, args: &[(&str, String)]) -> Option<Self> {
        if !is_region(&target.region)
            || args
                .iter()
                .any(|(flag, value)| *flag == "--key-id" && !is_valid_key_arg(value))
        {
            return None;
        }
        let mut env = Vec::new();
        // Only for endpoints the CLI resolves itself; a custom URL already names the host.
        if target.endpoint_url.is_none() {
            if target.fips {
                env.push(("AWS_USE_FIPS_ENDPOINT".to_string(), "true".to_string()));
            }
            if target.dual_stack {
                env.push(("AWS_USE_DUALSTACK_ENDPOINT".to_string(), "true".to_string()));
            }
        }
        let mut all = vec!["kms".to_string(), operation.to_string()];
        for (flag, value) in args {
            all.push((*flag).to_string());
            all.push(value.clone());
        }
        all.push("--region".to_string());
        all.push(target.region.clone());
        if let Some(url) = &target.endpoint_url {
            all.push("--endpoint-url".to_string());
            all.push(url.clone());
        }
        Some(CliCommand { env, args: all })
    }

    /// The command line, safe to paste into a POSIX shell.
    pub fn to_shell(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.env {
            out.push_str(k);
            out.push('=');
            out.push_str(&shell_quote(v));
            out.push(' ');
        }
        out.push_str("aws");
        for a in &self.args {
            out.push(' ');
            out.push_str(&shell_quote(a));
        }
        out
    }
}

impl std::fmt::Display for CliCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_shell())
    }
}

/// The command line to show and copy, or a shell comment (which runs nothing) when no command
/// could be built.
pub fn shell_text(cmd: Option<CliCommand>) -> String {
    cmd.map_or_else(
        || "# no command: the key id or region is not valid for an AWS CLI command".to_string(),
        |c| c.to_shell(),
    )
}

/// Quote one word for a POSIX shell: left bare when it only has characters no shell treats
/// specially, otherwise single-quoted (a `'` inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'/' | b':' | b',' | b'@' | b'%' | b'+' | b'='
                )
        });
    if plain {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

pub fn rotate_key_on_demand(target: &CliTarget, key_id: &str) -> Option<CliCommand> {
    CliCommand::new(
        target,
        "rotate-key-on-demand",
        &[("--key-id", key_id.to_string())],
    )
}

/// `enable-key-rotation`; the period is always spelled out so the command means the same thing
/// whatever the CLI's default.
pub fn enable_key_rotation(
    target: &CliTarget,
    key_id: &str,
    period_days: u32,
) -> Option<CliCommand> {
    CliCommand::new(
        target,
        "enable-key-rotation",
        &[
            ("--key-id", key_id.to_string()),
            ("--rotation-period-in-days", period_days.to_string()),
        ],
    )
}

pub fn disable_key_rotation(target: &CliTarget, key_id: &str) -> Option<CliCommand> {
    CliCommand::new(
        target,
        "disable-key-rotation",
        &[("--key-id", key_id.to_string())],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn t() -> CliTarget {
        CliTarget::new("us-east-1", None)
    }

    #[test]
    fn rotate_now_command() {
        assert_eq!(
            rotate_key_on_demand(&t(), ID)
                .map(|c| c.to_shell())
                .unwrap_or_default(),
            format!("aws kms rotate-key-on-demand --key-id {ID} --region us-east-1")
        );
        let local = CliTarget::new("us-east-1", Some("http://127.0.0.1:4599/".into()));
        assert_eq!(
            rotate_key_on_demand(&local, ID)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            format!(
                "aws kms rotate-key-on-demand --key-id {ID} --region us-east-1 \
                 --endpoint-url http://127.0.0.1:4599/"
            )
        );
    }

    #[test]
    fn other_commands() {
        assert_eq!(
            enable_key_rotation(&t(), ID, 180)
                .map(|c| c.to_shell())
                .unwrap_or_default(),
            format!(
                "aws kms enable-key-rotation --key-id {ID} --rotation-period-in-days 180 \
                 --region us-east-1"
            )
        );
        assert_eq!(
            disable_key_rotation(&t(), ID)
                .map(|c| c.to_shell())
                .unwrap_or_default(),
            format!("aws kms disable-key-rotation --key-id {ID} --region us-east-1")
        );
    }

    #[test]
    fn fips_and_dual_stack_use_environment() {
        let mut target = t();
        target.fips = true;
        target.dual_stack = true;
        assert_eq!(
            disable_key_rotation(&target, ID)
                .map(|c| c.to_shell())
                .unwrap_or_default(),
            format!(
                "AWS_USE_FIPS_ENDPOINT=true AWS_USE_DUALSTACK_ENDPOINT=true aws kms \
                 disable-key-rotation --key-id {ID} --region us-east-1"
            )
        );
        // A custom URL already names the host.
        target.endpoint_url = Some("https://kms.example".into());
        assert!(disable_key_rotation(&target, ID).is_some_and(|c| c.env.is_empty()));
    }

    #[test]
    fn no_command_from_an_invalid_key_id_or_region() {
        assert!(rotate_key_on_demand(&t(), "k1; rm -rf ~").is_none());
        assert!(rotate_key_on_demand(&t(), "$(id)").is_none());
        assert!(rotate_key_on_demand(&t(), "").is_none());
        assert!(is_valid_key_arg("alias/ok"));
        assert!(is_valid_key_arg(
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(rotate_key_on_demand(&t(), "mrk-1234abcd12ab34cd56ef1234567890ab").is_some());
        assert!(rotate_key_on_demand(&CliTarget::new("us-east-1; id", None), ID).is_none());
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("abc-DEF_1.2/3:4"), "abc-DEF_1.2/3:4");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(shell_quote("`x`;y|z&w>v<u*?"), "'`x`;y|z&w>v<u*?'");
        assert_eq!(shell_quote("http://h/?a=b&c"), "'http://h/?a=b&c'");
        assert_eq!(shell_quote("line\nbreak"), "'line\nbreak'");
        let hostile = CliTarget::new("us-east-1", Some("http://x/';touch pwned;'".into()));
        let s = rotate_key_on_demand(&hostile, ID)
            .map(|c| c.to_shell())
            .unwrap_or_default();
        assert!(
            s.ends_with("--endpoint-url 'http://x/'\\'';touch pwned;'\\'''"),
            "{s}"
        );
    }
}

#[cfg(test)]
mod endpoint_tests {
    use super::*;
    use crate::aws::endpoint::EndpointConfig;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn target_from_the_connect_form() {
        let c = EndpointConfig {
            region: "eu-west-1".into(),
            fips: true,
            dual_stack: false,
            custom_url: None,
            sts_url: None,
        };
        assert_eq!(
            disable_key_rotation(&CliTarget::from(&c), ID)
                .map(|c| c.to_shell())
                .unwrap_or_default(),
            format!(
                "AWS_USE_FIPS_ENDPOINT=true aws kms disable-key-rotation --key-id {ID} \
                 --region eu-west-1"
            )
        );
        let c = EndpointConfig {
            region: "us-east-1".into(),
            custom_url: Some("http://127.0.0.1:4599/".into()),
            ..Default::default()
        };
        assert!(disable_key_rotation(&CliTarget::from(&c), ID)
            .map(|c| c.to_shell())
            .unwrap_or_default()
            .ends_with("--endpoint-url http://127.0.0.1:4599/"));
    }
}
