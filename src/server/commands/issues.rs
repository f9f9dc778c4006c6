//! The GitHub-backed commands: a new plan from an issue, the questions comment, reading answers
//! back, and what hovers and the drift check know about an issue.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp::jsonrpc;
use tower_lsp::lsp_types::{
    CreateFile, CreateFileOptions, DocumentChangeOperation, DocumentChanges, MessageType, OneOf,
    OptionalVersionedTextDocumentIdentifier, Range, ResourceOp, TextDocumentEdit, TextEdit, Url,
    WorkspaceEdit,
};

use super::generate;
use super::issue_material::IssueMaterial;
use super::plan_text::{self, COMMENT_KEY, ISSUE_KEY};
use super::writing::write_answers;
use crate::analysis::diagnostics::Finding;
use crate::analysis::edits::minimal_change;
use crate::analysis::issue_drift;
use crate::plan::Plan;
use crate::server::handle::ServerHandle;
use crate::server::rpc_error;
use crate::server::service_clients;
use crate::services::github::{GitHubError, IssueDetails};
use crate::services::issue_ref::IssueRef;
use crate::services::prompts::{self, IssueAnalysis, SectionGuide};
use crate::settings::Settings;
use crate::snapshot::Snapshot;
use crate::workspace::disk::ReadError;

#[derive(Deserialize)]
pub struct NewFromIssueArgs {
    issue: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    template: Option<String>,
}

#[derive(Deserialize)]
pub struct UriArgs {
    uri: Url,
}

#[derive(Deserialize)]
pub struct SyncArgs {
    uri: Url,
    #[serde(default)]
    apply: bool,
}

fn github_failed(error: GitHubError) -> jsonrpc::Error {
    rpc_error::failed(error.to_string())
}

/// `plan.newFromIssue`: fetches the issue with its comments and labels and creates the plan file
/// through `workspace/applyEdit` (CreateFile + text). With a model configured it writes the
/// analysis; without one the plan holds the skeleton and the issue text.
pub async fn new_from_issue(
    ctx: &ServerHandle,
    args: NewFromIssueArgs,
) -> jsonrpc::Result<Option<Value>> {
    let config = ctx.state.config();
    let settings = config.settings.clone();
    let roots = ctx.state.roots();
    let root = roots.first().ok_or_else(|| {
        rpc_error::failed("no workspace folder is open: open the repository's folder so the plan has somewhere to go")
    })?;
    let default_repo = service_clients::default_repo(None, &roots);
    let reference = IssueRef::parse(&args.issue, default_repo.as_ref())
        .map_err(|e| rpc_error::invalid_params(e.to_string()))?;
    let github = service_clients::github(&settings)?;
    let details = github.issue(&reference).await.map_err(github_failed)?;
    service_clients::remember(&settings, &details);
    let template = config
        .templates
        .get_or_default(args.template.as_deref().or(settings.template.as_deref()));
    let analysis = if service_clients::llm_configured(&settings) {
        let llm = service_clients::llm(&settings)?;
        let material = IssueMaterial::new(details.clone());
        let sections = template.all_sections();
        let guides: Vec<SectionGuide> = sections
            .iter()
            .map(|s| SectionGuide {
                title: &s.title,
                guidance: &s.guidance,
            })
            .collect();
        let prompt =
            prompts::analyse_issue(&material.brief(), &guides, settings.llm.max_context_bytes);
        let output =
            generate::stream(ctx, &llm, &format!("Analysing {reference}"), &prompt).await?;
        let analysis = prompts::parse_analysis(&output);
        if analysis == IssueAnalysis::default() {
            // Small models often ignore the format: the user still gets the scaffold they asked for.
            let warning = format!(
                "{reference}: the model's analysis had none of the expected headings (Summary, Key \
                 components, Challenges, Clarifying questions), so the plan holds the issue and the \
                 template without it; retry, or use a model that follows instructions"
            );
            ctx.log(MessageType::WARNING, warning.clone()).await;
            ctx.client.show_message(MessageType::WARNING, warning).await;
            None
        } else {
            Some(analysis)
        }
    } else {
        None
    };
    let text = plan_text::new_plan_text(&details, &template, analysis.as_ref());
    let wanted = target_path(root, args.path.as_deref(), &details)?;
    let path = match ctx.state.files.door(&roots).place_new_file(&wanted) {
        Ok(path) => path,
        Err(error @ ReadError::AlreadyExists(_)) => {
            return Err(rpc_error::failed(error.to_string()))
        }
        Err(ReadError::OutsideWorkspace(path)) => {
            return Err(rpc_error::invalid_params(format!(
                "{} is outside the workspace folders: pass a path inside them",
                path.display()
            )))
        }
        Err(error) => return Err(rpc_error::invalid_params(error.to_string())),
    };
    let uri = Url::from_file_path(&path)
        .map_err(|_| rpc_error::invalid_params(format!("{} is not a file path", path.display())))?;
    create_file(ctx, &uri, &text).await?;
    Ok(Some(
        json!({"uri": uri, "issue": reference.to_string(), "analysed": analysis.is_some()}),
    ))
}

/// `path` (absolute, a `file:` URI, or relative to the first folder), else `plans/<N>-<slug>.md`;
/// the door then checks it lies in a real workspace folder.
fn target_path(
    root: &Path,
    path: Option<&str>,
    details: &IssueDetails,
) -> jsonrpc::Result<PathBuf> {
    Ok(match path.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) if p.starts_with("file:") => Url::parse(p)
            .ok()
            .and_then(|u| u.to_file_path().ok())
            .ok_or_else(|| rpc_error::invalid_params(format!("`{p}` is not a usable file URI")))?,
        Some(p) => root.join(p),
        None => root.join("plans").join(plan_text::plan_file_name(
            details.reference.number,
            &details.title,
        )),
    })
}

async fn create_file(ctx: &ServerHandle, uri: &Url, text: &str) -> jsonrpc::Result<()> {
    let edit = WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(vec![
            DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(false),
                }),
                annotation_id: None,
            })),
            DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: None,
                },
                edits: vec![OneOf::Left(TextEdit {
                    range: Range::default(),
                    new_text: text.to_string(),
                })],
            }),
        ])),
        ..WorkspaceEdit::default()
    };
    let response = ctx.client.apply_edit(edit).await.map_err(|e| {
        rpc_error::failed(format!(
            "could not send the new plan to the editor: {}",
            e.message
        ))
    })?;
    if response.applied {
        Ok(())
    } else {
        Err(rpc_error::failed(format!(
            "the editor did not create {uri}{}; nothing was changed",
            response
                .failure_reason
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        )))
    }
}

/// The issue the plan's front matter names.
fn plan_issue(snapshot: &Snapshot) -> jsonrpc::Result<IssueRef> {
    let named = snapshot
        .plan
        .front_matter
        .as_ref()
        .and_then(|f| f.get(ISSUE_KEY));
    let Some(named) = named else {
        return Err(rpc_error::invalid_params(
            "this plan names no issue: add `issue: owner/repo#N` to its front matter",
        ));
    };
    IssueRef::parse(named, None)
        .map_err(|e| rpc_error::invalid_params(format!("front matter `issue`: {e}")))
}

fn comment_id(snapshot: &Snapshot) -> Option<u64> {
    snapshot
        .plan
        .front_matter
        .as_ref()
        .and_then(|f| f.get(COMMENT_KEY))
        .and_then(|v| v.trim().parse().ok())
}

/// The plan's path relative to its workspace folder (for the comment).
fn plan_name(snapshot: &Snapshot) -> String {
    let Some(path) = &snapshot.path else {
        return snapshot.uri.to_string();
    };
    snapshot
        .effective_roots()
        .iter()
        .find_map(|r| path.strip_prefix(r).ok())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// `plan.askOnIssue`: posts the open questions as one comment (a numbered checklist with the
/// placeholder ids) and records its id in the front matter; run again, it edits that comment.
pub async fn ask_on_issue(ctx: &ServerHandle, args: UriArgs) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let reference = plan_issue(&snapshot)?;
    let text = snapshot.text();
    let questions: Vec<(String, String)> = snapshot
        .plan
        .placeholders
        .iter()
        .filter(|p| plan_text::asks_the_author(&text, p))
        .map(|p| (p.id.clone(), p.question.to_string()))
        .collect();
    if questions.is_empty() {
        return Err(rpc_error::invalid_params(
            "no open questions in this plan: mark them as [NEEDS CLARIFICATION: …] first",
        ));
    }
    let body = plan_text::questions_comment(&plan_name(&snapshot), &questions);
    let github = service_clients::github(&snapshot.settings)?;
    let existing = comment_id(&snapshot);
    let comment = match existing {
        Some(id) => match github.update_comment(&reference, id, &body).await {
            Ok(comment) => comment,
            // The old comment was deleted: post the questions afresh.
            Err(GitHubError::NotFound { .. }) => github
                .create_comment(&reference, &body)
                .await
                .map_err(github_failed)?,
            Err(error) => return Err(github_failed(error)),
        },
        None => github
            .create_comment(&reference, &body)
            .await
            .map_err(github_failed)?,
    };
    if existing != Some(comment.id) {
        let new_text = plan_text::set_front_matter(
            &text,
            &snapshot.plan,
            &[(COMMENT_KEY, comment.id.to_string())],
        );
        ctx.apply_change(&snapshot, &minimal_change(&text, &new_text), "record the questions comment")
            .await
            .map_err(|e| {
                rpc_error::failed(format!(
                    "posted {} but could not record it in the front matter ({e}): add `{COMMENT_KEY}: {}` by hand",
                    comment.html_url, comment.id
                ))
            })?;
    }
    Ok(Some(json!({
        "commentId": comment.id,
        "url": comment.html_url,
        "questions": questions.len(),
        "edited": existing == Some(comment.id),
    })))
}

/// `plan.syncAnswers`: reads the replies after the questions comment and offers (or, with
/// `apply: true`, writes) the answers to the placeholders they name.
pub async fn sync_answers(ctx: &ServerHandle, args: SyncArgs) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let reference = plan_issue(&snapshot)?;
    let Some(id) = comment_id(&snapshot) else {
        return Err(rpc_error::invalid_params(
            "this plan has not asked its questions on the issue yet: run plan.askOnIssue first",
        ));
    };
    let github = service_clients::github(&snapshot.settings)?;
    let Some((questions, replies)) = github
        .thread_after(&reference, id)
        .await
        .map_err(github_failed)?
    else {
        return Err(rpc_error::failed(format!(
            "the questions comment {id} is gone from {reference}: run plan.askOnIssue to post the questions again"
        )));
    };
    let asked = plan_text::parse_questions_comment(&questions.body);
    let mut used = Vec::new();
    let mut matched = Vec::new();
    for reply in plan_text::parse_answers(&replies) {
        let Some((_, question)) = asked
            .iter()
            .find(|(asked_id, _)| asked_id.eq_ignore_ascii_case(&reply.id))
        else {
            continue;
        };
        // Ids shift as placeholders are answered; the question text finds the one meant.
        let Some(placeholder) = snapshot
            .plan
            .placeholders
            .iter()
            .find(|p| *p.question == **question && !used.contains(&p.id))
        else {
            continue;
        };
        used.push(placeholder.id.clone());
        matched.push((placeholder.clone(), reply));
    }
    let applied = args.apply && !matched.is_empty();
    if applied {
        let answers: Vec<_> = matched
            .iter()
            .map(|(p, r)| (p.clone(), r.answer.clone()))
            .collect();
        write_answers(ctx, &snapshot, &answers).await?;
    }
    let answers: Vec<Value> = matched
        .iter()
        .map(|(p, r)| {
            json!({
                "placeholder": p.id,
                "askedAs": r.id,
                "question": p.question,
                "answer": r.answer,
                "author": r.author,
            })
        })
        .collect();
    Ok(Some(json!({"answers": answers, "applied": applied})))
}

/// The issue a plan's drift can be checked against: it names one and records its `updated_at`.
pub fn drift_subject(plan: &Plan) -> Option<IssueRef> {
    let front = plan.front_matter.as_ref()?;
    front.get(issue_drift::UPDATED_AT_KEY)?;
    IssueRef::parse(front.get(ISSUE_KEY)?, None).ok()
}

/// `plan.status`'s `issueDrift`: `{issue, recorded, current, url}` when the plan's issue changed
/// on GitHub after the plan recorded its `updated_at`; `null` when it did not, when the plan
/// names no issue or time, or when GitHub cannot be asked (logged). Republishes the diagnostics,
/// which show the drift too.
pub async fn issue_drift(ctx: &ServerHandle, snapshot: &Snapshot) -> Value {
    let Some(reference) = drift_subject(&snapshot.plan) else {
        return Value::Null;
    };
    let details = match service_clients::cached_issue(&snapshot.settings, &reference).await {
        Ok(details) => details,
        Err(error) => {
            tracing::warn!(%error, "issue drift unknown for {reference}");
            return Value::Null;
        }
    };
    if let Ok(current) = ctx.snapshot(&snapshot.uri).await {
        ctx.publish(&current);
    }
    match issue_drift::recorded_before(&snapshot.plan, details.updated_at) {
        Some(recorded) => json!({
            "issue": reference.to_string(),
            "recorded": issue_drift::timestamp(recorded),
            "current": issue_drift::timestamp(details.updated_at),
            "url": details.html_url,
        }),
        None => Value::Null,
    }
}

/// Fetches the plan's issue in the background when it is not cached, then republishes the
/// diagnostics so `issue-drift` appears.
pub fn refresh_issue(ctx: &ServerHandle, snapshot: &Snapshot) {
    let Some(reference) = drift_subject(&snapshot.plan) else {
        return;
    };
    let ctx = ctx.clone();
    let settings = snapshot.settings.clone();
    let uri = snapshot.uri.clone();
    tokio::spawn(async move {
        match service_clients::cached_issue(&settings, &reference).await {
            Ok(_) => {
                if let Ok(current) = ctx.snapshot(&uri).await {
                    ctx.publish(&current);
                }
            }
            Err(error) => tracing::info!(%error, "issue drift unknown for {reference}"),
        }
    });
}

/// The `issue-drift` finding, from issues already fetched (never does I/O: runs per keystroke).
pub fn drift_finding(plan: &Plan, settings: &Settings) -> Option<Finding> {
    let reference = drift_subject(plan)?;
    let issue = service_clients::peek_issue(settings, &reference)?;
    issue_drift::finding(
        plan,
        &reference.to_string(),
        issue.updated_at,
        &issue.html_url,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn details() -> IssueDetails {
        IssueDetails {
            reference: IssueRef::parse("a/b#7", None).unwrap(),
            title: "Make it fast".into(),
            body: String::new(),
            state: "open".into(),
            labels: vec![],
            author: "x".into(),
            html_url: String::new(),
            updated_at: Utc::now(),
            comments: vec![],
        }
    }

    #[test]
    fn plan_paths_stay_inside_the_workspace() {
        let fs = crate::workspace::disk::memory::MemoryFs::default();
        fs.file("/ws/README.md", "x");
        let root = PathBuf::from("/ws");
        let roots = vec![root.clone()];
        let door = crate::workspace::disk::Door::new(&fs, &roots, 1024);
        let place = |p: Option<&str>| {
            door.place_new_file(&target_path(&root, p, &details()).unwrap())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            place(None).unwrap(),
            PathBuf::from("/ws/plans/7-make-it-fast.md")
        );
        assert_eq!(
            place(Some("docs/./p.md")).unwrap(),
            PathBuf::from("/ws/docs/p.md")
        );
        assert_eq!(
            place(Some("file:///ws/x.md")).unwrap(),
            PathBuf::from("/ws/x.md")
        );
        assert!(place(Some("../etc/p.md")).is_err());
        assert!(place(Some("/tmp/p.md")).is_err());
        assert!(place(Some("README.md"))
            .unwrap_err()
            .contains("already exists"));
    }
}
