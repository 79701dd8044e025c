//! One inquiry point: its history page (outcomes, edits and how revised drafts
//! checked it off, with links along the chain of versions, and the earlier points
//! of its kind on similar clauses with what became of them), and the changes a reviewer makes to it —
//! edit text and severity, drop with a reason, log the meeting's outcome. Every
//! form carries the version the reviewer saw; a stale one is refused with 409 and a
//! message, never silently applied over a colleague's change.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use crate::app::App;
use crate::store::audit::{self, Filter};
use crate::store::inquiries::{self, Outcome};
use crate::store::{items, meetings};
use crate::web::auth::CurrentUser;
use crate::web::csrf::CsrfForm;
use crate::web::error::{WebError, WebResult};
use crate::web::{page, v};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/inquiries/{id}", get(show))
        .route("/inquiries/{id}/edit", post(edit))
        .route("/inquiries/{id}/drop", post(drop_point))
        .route("/inquiries/{id}/outcome", post(outcome))
}

async fn show(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let q = inquiries::get(&app.store, id).await?;
    let item = items::get(&app.store, q.item_id).await?;
    let meeting = meetings::get(&app.store, item.meeting_id).await?;
    let outcomes = inquiries::outcomes(&app.store, id).await?;
    let history = audit::list(
        &app.store,
        &Filter {
            entity: "inquiry".into(),
            entity_id: Some(id),
            limit: 500,
            ..Filter::default()
        },
    )
    .await?;
    let basis = q.basis_list();
    // Where the point stands among the versions of its document.
    let document = items::document(&app.store, q.document_id).await?;
    let revised_in = match q.revised_in {
        Some(d) => Some(items::document(&app.store, d).await?.revision),
        None => None,
    };
    let predecessors = inquiries::predecessors(&app.store, id).await?;
    // Precedent: points of earlier meetings of this kind on similar clauses.
    let earlier = if q.kind.is_empty() {
        Vec::new()
    } else {
        super::items::earlier_points(&app, id, &meeting.date, 5).await
    };
    Ok(page(
        &app,
        "inquiry.html",
        Some(&user),
        context! {
            q => v(&q), basis => v(&basis), item => v(&item), meeting => v(&meeting),
            outcomes => v(&outcomes), history => v(&history),
            document_revision => document.revision, revised_in => revised_in,
            predecessors => v(&predecessors), earlier => v(&earlier),
        },
    )?
    .into_response())
}

fn back(item_id: i64, id: i64) -> Response {
    Redirect::to(&format!("/items/{item_id}#p{id}")).into_response()
}

#[derive(Debug, Deserialize)]
struct EditForm {
    version: i64,
    question: String,
    severity: String,
}

async fn edit(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, form): CsrfForm<EditForm>,
) -> WebResult<Response> {
    user.require_edit()?;
    let q = inquiries::edit(
        &app.store,
        &user.actor(),
        id,
        form.version,
        &form.question,
        &form.severity,
    )
    .await?;
    app.index_inquiry(id).await;
    Ok(back(q.item_id, id))
}

#[derive(Debug, Deserialize)]
struct DropForm {
    version: i64,
    #[serde(default)]
    reason: String,
}

async fn drop_point(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, form): CsrfForm<DropForm>,
) -> WebResult<Response> {
    user.require_edit()?;
    let q =
        inquiries::drop_point(&app.store, &user.actor(), id, form.version, &form.reason).await?;
    app.index_inquiry(id).await;
    Ok(back(q.item_id, id))
}

#[derive(Debug, Deserialize)]
struct OutcomeForm {
    version: i64,
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes_ref: String,
}

async fn outcome(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, form): CsrfForm<OutcomeForm>,
) -> WebResult<Response> {
    user.require_edit()?;
    let outcome = Outcome::parse(&form.outcome)
        .ok_or_else(|| WebError::Unprocessable("请选择处理结果".into()))?;
    let q = inquiries::log_outcome(
        &app.store,
        &user.actor(),
        id,
        Some(form.version),
        outcome,
        &form.reason,
        &form.minutes_ref,
    )
    .await?;
    app.index_inquiry(id).await;
    Ok(back(q.item_id, id))
}
