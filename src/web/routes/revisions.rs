//! Revised drafts (修订稿): uploading a new version of an item's document, and the
//! page that shows what changed between two versions clause by clause together
//! with how the earlier version's inquiry points came out of the re-check.
//!
//! The comparison is recomputed from the two stored texts on every view (it is
//! cheap and keeps no second copy of the truth); the point statuses it shows are
//! the stored ones, decided once at upload and audited there. Every text run goes
//! to the template as plain data and is escaped there.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Serialize;

use super::read_multipart;
use crate::analyze::revision::{self, Change, ClauseChange};
use crate::app::{self, App};
use crate::store::inquiries::{self, Inquiry};
use crate::store::{items, meetings};
use crate::web::auth::CurrentUser;
use crate::web::csrf;
use crate::web::error::{WebError, WebResult};
use crate::web::{page, v};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/items/{id}/revise", post(revise))
        .route("/documents/{id}/changes", get(changes))
}

/// The optional `document_id` form field: which document the upload revises.
pub fn chosen_document(value: Option<&String>) -> Result<Option<i64>, WebError> {
    match value.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| WebError::BadRequest("document_id 应为文件编号".into())),
    }
}

async fn revise(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> WebResult<Response> {
    csrf::check_multipart(&user, &mut mp).await?;
    user.require_edit()?;
    let (fields, mut files) = read_multipart(&mut mp).await?;
    if files.len() != 1 {
        return Err(WebError::Unprocessable("请选择一个修订稿文件".into()));
    }
    let previous = chosen_document(fields.get("document_id"))?;
    let out = app::revise(&app, &user.actor(), id, previous, files.remove(0)).await?;
    Ok(Redirect::to(&format!("/documents/{}/changes", out.document_id)).into_response())
}

/// An earlier point as the comparison page lists it.
#[derive(Debug, Serialize)]
struct Checked {
    #[serde(flatten)]
    q: Inquiry,
    successor: Option<Inquiry>,
}

async fn changes(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let new = items::document(&app.store, id).await?;
    let Some(prev_id) = new.supersedes else {
        return Err(WebError::NotFound(
            "该文件是第 1 版，没有可比较的上一版".into(),
        ));
    };
    let old = items::document(&app.store, prev_id).await?;
    let item = items::get(&app.store, new.item_id).await?;
    let meeting = meetings::get(&app.store, item.meeting_id).await?;
    let rows: Vec<ClauseChange> = {
        let (old, new) = (old.clone(), new.clone());
        tokio::task::spawn_blocking(move || {
            let a = revision::paragraphs(&old.text, &old.clauses());
            let b = revision::paragraphs(&new.text, &new.clauses());
            revision::compare(&a, &b)
        })
        .await?
    };
    let summary = revision::summarise(&rows);
    let shown: Vec<&ClauseChange> = rows.iter().filter(|r| r.change != Change::Same).collect();
    let points = inquiries::list_for_item(&app.store, item.id).await?;
    let checked: Vec<Checked> = points
        .iter()
        .filter(|q| q.document_id == old.id && q.revised_in == Some(new.id))
        .map(|q| Checked {
            successor: q
                .successor_id
                .and_then(|s| points.iter().find(|p| p.id == s).cloned()),
            q: q.clone(),
        })
        .collect();
    let added: Vec<&Inquiry> = points
        .iter()
        .filter(|q| q.document_id == new.id && q.revision_status == "new")
        .collect();
    Ok(page(
        &app,
        "changes.html",
        Some(&user),
        context! {
            item => v(&item), meeting => v(&meeting),
            old => context! { id => old.id, file_name => old.file_name, revision => old.revision },
            new => context! { id => new.id, file_name => new.file_name, revision => new.revision,
                              uploaded_at => new.uploaded_at },
            summary => v(&summary), rows => v(&shown), checked => v(&checked), added => v(&added),
        },
    )?
    .into_response())
}
