//! `issue-drift`: the plan records when its issue was last updated (`updated_at` in its front
//! matter), and the issue changed on GitHub after that. Pure: the server passes the issue's time
//! from what it already fetched.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::diagnostics::Finding;
use crate::plan::Plan;

/// Front-matter key: the issue's `updated_at` when the plan was written from it.
pub const UPDATED_AT_KEY: &str = "updated_at";

/// RFC 3339 in UTC, seconds precision: the form written to front matter.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The `updated_at` the plan records, when it is older than the issue's.
pub fn recorded_before(plan: &Plan, issue_updated_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let recorded = plan.front_matter.as_ref()?.get(UPDATED_AT_KEY)?;
    let recorded = DateTime::parse_from_rfc3339(recorded)
        .ok()?
        .with_timezone(&Utc);
    (recorded < issue_updated_at).then_some(recorded)
}

/// The finding on the plan's `updated_at` line when `issue` (as written, e.g. `a/b#7`), last
/// updated at `updated_at` and shown at `url`, changed after the plan recorded it.
pub fn finding(plan: &Plan, issue: &str, updated_at: DateTime<Utc>, url: &str) -> Option<Finding> {
    let field = plan.front_matter.as_ref()?.field(UPDATED_AT_KEY)?;
    let recorded = recorded_before(plan, updated_at)?;
    let current = timestamp(updated_at);
    Some(Finding::new(
        "issue-drift",
        field.line.clone(),
        format!(
            "{issue} changed on GitHub at {current}, after this plan was written from it ({}): \
             re-read the issue, update the plan, then set {UPDATED_AT_KEY}: {current}",
            timestamp(recorded),
        ),
        json!({"issue": issue, "current": current, "url": url}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlaceholderSyntax;
    use chrono::TimeZone;

    fn plan(text: &str) -> Plan {
        Plan::parse(text, &PlaceholderSyntax::default())
    }

    #[test]
    fn drift_compares_recorded_and_current_times() {
        let p = plan("---\nupdated_at: 2026-11-20T09:30:00Z\n---\n# T\n");
        let recorded = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
        assert_eq!(recorded_before(&p, recorded), None);
        assert_eq!(finding(&p, "a/b#7", recorded, "u"), None);
        let later = recorded + chrono::Duration::minutes(1);
        assert_eq!(recorded_before(&p, later), Some(recorded));
        let found = finding(&p, "a/b#7", later, "https://x/7").unwrap();
        assert_eq!(found.code, "issue-drift");
        assert_eq!(
            &p.text[found.range.clone()],
            "updated_at: 2026-11-20T09:30:00Z"
        );
        assert_eq!(found.data["current"], "2026-11-20T09:31:00Z");
        assert_eq!(recorded_before(&plan("# T\n"), recorded), None);
    }
}
