//! 会议: the list with its create form, the meeting page with its items (议题),
//! status changes, and uploads of one file, several files or a `.zip` pack.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use super::read_multipart;
use crate::app::{self, App, Destination};
use crate::store::items;
use crate::store::meetings::{self, MeetingKind, MeetingStatus, NewMeeting};
use crate::web::auth::CurrentUser;
use crate::web::csrf::{self, CsrfForm};
use crate::web::error::{WebError, WebResult};
use crate::web::{page, v};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/meetings", get(list).post(create))
        .route("/meetings/{id}", get(show))
        .route("/meetings/{id}/status", post(set_status))
        .route("/meetings/{id}/upload", post(upload))
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    MeetingKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

async fn list(State(app): State<Arc<App>>, user: CurrentUser) -> WebResult<Response> {
    let meetings = meetings::list(&app.store).await?;
    Ok(page(
        &app,
        "meetings.html",
        Some(&user),
        context! { meetings => v(&meetings), kinds => v(&kinds()) },
    )?
    .into_response())
}

#[derive(Debug, Deserialize)]
struct MeetingForm {
    title: String,
    kind: String,
    #[serde(default)]
    session_label: String,
    date: String,
}

async fn create(
    State(app): State<Arc<App>>,
    CsrfForm(user, form): CsrfForm<MeetingForm>,
) -> WebResult<Response> {
    user.require_edit()?;
    let kind = MeetingKind::parse(&form.kind)
        .ok_or_else(|| WebError::Unprocessable("请选择会议类型".into()))?;
    let m = meetings::create(
        &app.store,
        &user.actor(),
        &NewMeeting {
            title: form.title,
            kind,
            session_label: form.session_label,
            date: form.date,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/meetings/{}", m.id)).into_response())
}

async fn show(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let meeting = meetings::get(&app.store, id).await?;
    let items = items::list_for_meeting(&app.store, id).await?;
    let statuses: Vec<(&str, &str)> = MeetingStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    Ok(page(
        &app,
        "meeting.html",
        Some(&user),
        context! { meeting => v(&meeting), items => v(&items), statuses => v(&statuses) },
    )?
    .into_response())
}

#[derive(Debug, Deserialize)]
struct StatusForm {
    status: String,
}

async fn set_status(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, form): CsrfForm<StatusForm>,
) -> WebResult<Response> {
    user.require_edit()?;
    let status = MeetingStatus::parse(&form.status)
        .ok_or_else(|| WebError::Unprocessable("未知的会议状态".into()))?;
    meetings::set_status(&app.store, &user.actor(), id, status).await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}

async fn upload(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> WebResult<Response> {
    csrf::check_multipart(&user, &mut mp).await?;
    user.require_edit()?;
    let meeting = meetings::get(&app.store, id).await?;
    let (fields, files) = read_multipart(&mut mp).await?;
    if files.is_empty() {
        return Err(WebError::Unprocessable("请选择要上传的文件".into()));
    }
    let title = fields
        .get("title")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let unit = fields
        .get("unit")
        .map(|u| u.trim().to_string())
        .unwrap_or_default();
    let outcomes = app::upload(
        &app,
        &user.actor(),
        Destination::Meeting {
            meeting_id: id,
            title,
            unit,
        },
        files,
    )
    .await?;
    Ok(page(
        &app,
        "upload_result.html",
        Some(&user),
        context! { meeting => v(&meeting), outcomes => v(&outcomes), back => format!("/meetings/{id}") },
    )?
    .into_response())
}
