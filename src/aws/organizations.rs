//! Organizations ListAccounts: the accounts of the caller's organization (docs/kms.md §5
//! "Listing the organization's accounts"). awsJson1_1 like KMS, target prefix
//! `AWSOrganizationsV20161128`, signed for `organizations` in the partition's home Region.
//!
//! Only the management account or a delegated administrator is answered
//! (AccessDeniedException otherwise; AWSOrganizationsNotInUseException outside an
//! organization). Pages hold at most 20 accounts and are chained with `NextToken`.

use serde::{Deserialize, Serialize};

use crate::aws::endpoint::Service;
use crate::aws::kms::{Operation, Paginated, Timestamp};

/// The API's largest page (`MaxResults` 1-20).
pub const LIST_ACCOUNTS_PAGE: u32 = 20;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAccountsOutput {
    pub accounts: Vec<Account>,
    pub next_token: Option<String>,
}

/// One member account. `Status` is ACTIVE, SUSPENDED or PENDING_CLOSURE (the newer `State`
/// field says the same with more values; either may be absent).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Account {
    pub id: String,
    pub arn: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub state: Option<String>,
    pub joined_timestamp: Option<Timestamp>,
}

impl Account {
    /// Suspended or closing accounts cannot be assumed into usefully.
    pub fn is_active(&self) -> bool {
        let st = self.state.as_deref().or(self.status.as_deref());
        st.is_none_or(|s| s == "ACTIVE")
    }
}

impl Operation for ListAccounts {
    const NAME: &'static str = "ListAccounts";
    const SERVICE: Service = Service::Organizations;
    type Output = ListAccountsOutput;
}

impl Paginated for ListAccounts {
    type Item = Account;
    fn marker(&self) -> Option<&str> {
        self.next_token.as_deref()
    }
    fn set_marker(&mut self, marker: Option<String>) {
        self.next_token = marker;
    }
    fn into_page(o: ListAccountsOutput) -> (Vec<Account>, Option<String>, bool) {
        let more = o.next_token.as_deref().is_some_and(|t| !t.is_empty());
        (o.accounts, o.next_token, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::kms::{decode_output, request_body};

    #[test]
    fn request_and_page_shapes() {
        let op = ListAccounts {
            max_results: Some(LIST_ACCOUNTS_PAGE),
            next_token: Some("tok".into()),
        };
        assert_eq!(
            String::from_utf8(request_body(&op).unwrap()).unwrap(),
            r#"{"MaxResults":20,"NextToken":"tok"}"#
        );
        let out: ListAccountsOutput = decode_output(
            br#"{"Accounts":[{"Id":"210987654321","Arn":"arn:aws:organizations::123456789012:account/o-abc/210987654321","Email":"w@example.com","Name":"workloads","Status":"ACTIVE","JoinedMethod":"CREATED","JoinedTimestamp":1.7E9},{"Id":"456789012345","Status":"SUSPENDED"}],"NextToken":"n2"}"#,
        )
        .unwrap();
        let (items, next, more) = ListAccounts::into_page(out);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].name.as_deref(), Some("workloads"));
        assert!(items[0].is_active());
        assert!(!items[1].is_active());
        assert_eq!(next.as_deref(), Some("n2"));
        assert!(more);
        let (_, _, more) = ListAccounts::into_page(decode_output(br#"{"Accounts":[]}"#).unwrap());
        assert!(!more);
    }
}
