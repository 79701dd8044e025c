//! JSON API (`/api/v1`), authenticated with `Authorization: Bearer TOKEN`
//! (`wenxun user token NAME` prints one).
//!
//! Bodies are parsed by hand rather than with axum's `Json` extractor so that every
//! client mistake — bad JSON, a missing field, an unknown outcome — answers with the
//! same `{"error": "中文消息"}` shape and a 400/422, never a 500 or a plain-text body.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequestParts, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::read_multipart;
use crate::app::{self, App, Destination};
use crate::store::inquiries::{self, Inquiry, Outcome};
use crate::store::items;
use crate::store::meetings::{self, MeetingKind, NewMeeting};
use crate::web::auth::{ApiUser, require};
use crate::web::error::{ApiError, ApiResult, WebError};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/meetings", post(create_meeting))
        .route("/meetings/{id}/items", post(create_item))
        .route("/items/{id}", get(item))
        .route("/items/{id}/versions", post(create_version))
        .route("/inquiries/{id}/outcome", post(outcome))
        .route("/stats", get(stats))
        .route("/search", get(search))
        .fallback(|| async {
            ApiError(WebError::NotFound("没有这个 API 路径".into())).into_response()
        })
}

/// A numeric id from the path; a malformed one is a JSON 400, like every other
/// client mistake here.
struct Id(i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|_| ApiError(WebError::BadRequest("路径中的编号应为正整数".into())))
    }
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let msg = format!("请求体不是有效的 JSON 或缺少字段：{e}");
        ApiError(if e.is_data() {
            WebError::Unprocessable(msg)
        } else {
            WebError::BadRequest(msg)
        })
    })
}

#[derive(Debug, Deserialize)]
struct MeetingIn {
    title: String,
    kind: String,
    date: String,
    #[serde(default)]
    session_label: String,
}

async fn create_meeting(
    State(app): State<Arc<App>>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> ApiResult<Response> {
    require(user.role.can_edit())?;
    let m: MeetingIn = parse(&body)?;
    let kind = MeetingKind::parse(&m.kind).ok_or_else(|| {
        WebError::Unprocessable(
            "kind 应为 standing_committee、government_executive、party_group 或 other".into(),
        )
    })?;
    let meeting = meetings::create(
        &app.store,
        &user.actor(),
        &NewMeeting {
            title: m.title,
            kind,
            session_label: m.session_label,
            date: m.date,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": meeting.id }))).into_response())
}

#[derive(Debug, Serialize)]
struct PointOut {
    id: i64,
    document_id: i64,
    origin: String,
    rule_id: String,
    kind: String,
    kind_name: String,
    severity: String,
    clause: String,
    start: i64,
    end: i64,
    quote: String,
    question: String,
    basis: Vec<String>,
    status: String,
    drop_reason: String,
    version: i64,
    /// "" | new | continued | resolved | persists (see the README).
    revision_status: String,
    successor_id: Option<i64>,
}

impl From<Inquiry> for PointOut {
    fn from(q: Inquiry) -> PointOut {
        PointOut {
            basis: q.basis_list(),
            id: q.id,
            document_id: q.document_id,
            origin: q.origin,
            rule_id: q.rule_id,
            kind: q.kind,
            kind_name: q.kind_name,
            severity: q.severity,
            clause: q.clause,
            start: q.start_char,
            end: q.end_char,
            quote: q.quote,
            question: q.question,
            status: q.status,
            drop_reason: q.drop_reason,
            version: q.version,
            revision_status: q.revision_status,
            successor_id: q.successor_id,
        }
    }
}

/// An item with its documents, 三重一大 types and inquiry points.
async fn item_json(app: &App, id: i64) -> Result<serde_json::Value, ApiError> {
    let item = items::get(&app.store, id).await?;
    let docs = items::documents(&app.store, id).await?;
    let mut types: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.decision_types())
        .map(|t| t.as_str())
        .collect();
    types.sort_unstable();
    types.dedup();
    let points: Vec<PointOut> = inquiries::list_for_item(&app.store, id)
        .await?
        .into_iter()
        .map(PointOut::from)
        .collect();
    let documents: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| {
            json!({
                "id": d.id, "file_name": d.file_name, "sha256": d.sha256, "size": d.size,
                "format": d.format, "rules_version": d.rules_version,
                "decision_types": d.decision_types(), "revision": d.revision,
                "supersedes": d.supersedes, "superseded_by": d.superseded_by,
            })
        })
        .collect();
    Ok(json!({
        "id": item.id,
        "meeting_id": item.meeting_id,
        "title": item.title,
        "unit": item.unit,
        "approved": item.approved_at.is_some(),
        "decision_types": types,
        "documents": documents,
        "inquiries": points,
    }))
}

async fn create_item(
    State(app): State<Arc<App>>,
    ApiUser(user): ApiUser,
    Id(meeting_id): Id,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    require(user.role.can_edit())?;
    let mut mp = mp.map_err(|_| {
        WebError::BadRequest("请求应为 multipart/form-data，含 title 与 file 字段".into())
    })?;
    meetings::get(&app.store, meeting_id).await?;
    let (fields, mut files) = read_multipart(&mut mp).await?;
    if files.len() != 1 {
        return Err(WebError::Unprocessable("请在 file 字段上传且只上传一个文件".into()).into());
    }
    let title = fields
        .get("title")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let unit = fields.get("unit").cloned().unwrap_or_default();
    let file = files.remove(0);
    if crate::ingest::pack::is_pack(&file.name) {
        return Err(
            WebError::Unprocessable("API 每次上传一个草案文件，不接受压缩包".into()).into(),
        );
    }
    let outcomes = app::upload(
        &app,
        &user.actor(),
        Destination::Meeting {
            meeting_id,
            title,
            unit,
        },
        vec![file],
    )
    .await?;
    let Some(first) = outcomes.into_iter().next() else {
        return Err(WebError::Internal("上传没有结果".into()).into());
    };
    match (first.stored, first.error) {
        (Some(s), _) => {
            Ok((StatusCode::CREATED, Json(item_json(&app, s.item_id).await?)).into_response())
        }
        (None, Some(e)) => Err(WebError::Unprocessable(e).into()),
        (None, None) => Err(WebError::Internal("上传没有结果".into()).into()),
    }
}

/// A revised version of one of the item's documents (multipart `file`, optional
/// `document_id` when the item has several current documents) → the item with
/// `revision`: the clause counts and how the earlier points came out.
async fn create_version(
    State(app): State<Arc<App>>,
    ApiUser(user): ApiUser,
    Id(item_id): Id,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    require(user.role.can_edit())?;
    let mut mp =
        mp.map_err(|_| WebError::BadRequest("请求应为 multipart/form-data，含 file 字段".into()))?;
    items::get(&app.store, item_id).await?;
    let (fields, mut files) = read_multipart(&mut mp).await?;
    if files.len() != 1 {
        return Err(WebError::Unprocessable("请在 file 字段上传且只上传一个文件".into()).into());
    }
    let previous = super::revisions::chosen_document(fields.get("document_id"))?;
    let out = app::revise(&app, &user.actor(), item_id, previous, files.remove(0)).await?;
    let mut body = item_json(&app, item_id).await?;
    body["revision"] = serde_json::to_value(&out).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn item(
    State(app): State<Arc<App>>,
    ApiUser(_user): ApiUser,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(item_json(&app, id).await?))
}

#[derive(Debug, Deserialize)]
struct OutcomeIn {
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes_ref: String,
    /// Optional optimistic-concurrency check.
    #[serde(default)]
    version: Option<i64>,
}

async fn outcome(
    State(app): State<Arc<App>>,
    ApiUser(user): ApiUser,
    Id(id): Id,
    body: Bytes,
) -> ApiResult<Json<PointOut>> {
    require(user.role.can_edit())?;
    let o: OutcomeIn = parse(&body)?;
    let outcome = Outcome::parse(&o.outcome).ok_or_else(|| {
        WebError::Unprocessable(
            "outcome 应为 adopted、partially_adopted、rejected、deferred 或 follow_up".into(),
        )
    })?;
    let q = inquiries::log_outcome(
        &app.store,
        &user.actor(),
        id,
        o.version,
        outcome,
        &o.reason,
        &o.minutes_ref,
    )
    .await?;
    app.index_inquiry(q.id).await;
    Ok(Json(q.into()))
}

async fn stats(
    State(app): State<Arc<App>>,
    ApiUser(_user): ApiUser,
) -> ApiResult<Json<inquiries::Stats>> {
    Ok(Json(inquiries::stats(&app.store).await?))
}

/// `GET /api/v1/search?q=…` with the search page's parameters (see
/// [`super::search::parse_request`]; `limit` up to 200): the core's results, each
/// hit with a `link` to open it in the workbench.
async fn search(
    State(app): State<Arc<App>>,
    ApiUser(_user): ApiUser,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> ApiResult<Json<serde_json::Value>> {
    let req = super::search::parse_request(&params, &app.rules)?;
    let results = super::search::run(&app, req).await?;
    let mut body = serde_json::to_value(&results).map_err(|e| WebError::Internal(e.to_string()))?;
    if let Some(hits) = body["hits"].as_array_mut() {
        for (h, hit) in hits.iter_mut().zip(&results.hits) {
            h["link"] = json!(super::search::link(hit));
        }
    }
    Ok(Json(body))
}
