//! The plan's issue as material for a prompt, fetched when the front matter names one.

use crate::services::github::IssueDetails;
use crate::services::issue_ref::IssueRef;
use crate::services::prompts::IssueBrief;
use crate::snapshot::Snapshot;

use crate::server::service_clients;

/// An issue with its comments in the shape prompts borrow from.
pub struct IssueMaterial {
    reference: String,
    details: IssueDetails,
    comments: Vec<(String, String)>,
}

impl IssueMaterial {
    /// Wraps fetched details.
    pub fn new(details: IssueDetails) -> Self {
        let comments = details
            .comments
            .iter()
            .map(|c| (c.author.clone(), c.body.clone()))
            .collect();
        IssueMaterial {
            reference: details.reference.to_string(),
            details,
            comments,
        }
    }

    /// The prompt's view of the issue.
    pub fn brief(&self) -> IssueBrief<'_> {
        IssueBrief {
            reference: &self.reference,
            title: &self.details.title,
            body: &self.details.body,
            labels: &self.details.labels,
            comments: &self.comments,
        }
    }
}

/// The issue named by the plan's front matter, with its comments. The writing commands work
/// without it, so a failure is logged rather than returned.
pub async fn for_plan(snapshot: &Snapshot) -> Option<IssueMaterial> {
    let front = snapshot.plan.front_matter.as_ref()?;
    let reference = IssueRef::parse(front.get(super::plan_text::ISSUE_KEY)?, None).ok()?;
    let github =
        service_clients::github_within(&snapshot.settings, service_clients::QUICK_TIMEOUT).ok()?;
    match github.issue(&reference).await {
        Ok(details) => {
            service_clients::remember(&snapshot.settings, &details);
            Some(IssueMaterial::new(details))
        }
        Err(error) => {
            tracing::warn!(%error, "writing without the plan's issue");
            None
        }
    }
}
