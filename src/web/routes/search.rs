//! 检索: the search page (`/search`), the read-only view of an imported archive
//! document (`/archive/{id}`), and the parsing of search parameters that the page
//! and `GET /api/v1/search` share.
//!
//! Parameters arrive as plain strings (a query map, not a typed struct), so a bad
//! value — an unknown meeting type, a date like 2025-13-01, a page of "abc" —
//! becomes a Chinese message naming the field instead of axum's English 400. The
//! page shows that message above the form it came from; the API answers
//! `{"error": …}` with 400.
//!
//! Snippets are the only HTML the page takes from elsewhere: tantivy escapes the
//! clause text and adds `<b>` only, and the template marks that one field `safe`.
//! Every other field is escaped by the template as usual.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::Serialize;

use crate::analyze::decision::DecisionType;
use crate::app::App;
use crate::rules::RuleSet;
use crate::search::{Filters, Hit, HitKind, SearchRequest, SearchResults, Sort};
use crate::store::inquiries::{self, Outcome};
use crate::store::meetings::{self, MeetingKind};
use crate::store::{archive, items};
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::routes::items::highlight;
use crate::web::{page, v};

/// Hits per page on the search page (the API may ask for up to
/// [`crate::search::query::MAX_LIMIT`]).
pub const PAGE_SIZE: usize = 20;
/// Deepest page served: past it, a narrower query helps more than paging.
const MAX_PAGE: usize = 500;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/search", get(search_page))
        .route("/archive/{id}", get(archive_page))
}

fn bad(msg: impl Into<String>) -> WebError {
    WebError::BadRequest(msg.into())
}

/// A positive integer parameter (`page`, `limit`), 1-based, at most `max`.
fn positive(
    params: &HashMap<String, String>,
    name: &str,
    label: &str,
    max: usize,
) -> WebResult<Option<usize>> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(bad(format!("{label}应为 1 到 {max} 之间的整数，收到“{s}”"))),
        },
    }
}

/// Reads the search parameters shared by the page and the API:
/// `q`, `kind` (clause|inquiry|archive), `from`, `to` (YYYY-MM-DD), `meeting_kind`,
/// `decision_type`, `risk_kind`, `outcome`, `unit`, `sort` (relevance|date),
/// `page` (1-based) and `limit` (hits per page, default [`PAGE_SIZE`]).
pub fn parse_request(
    params: &HashMap<String, String>,
    rules: &RuleSet,
) -> WebResult<SearchRequest> {
    let get = |name: &str| {
        params
            .get(name)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let query = get("q").unwrap_or_default();
    if query.chars().count() > 500 {
        return Err(bad("检索词过长（不超过 500 字）"));
    }
    let kinds = match get("kind") {
        None => Vec::new(),
        Some(k) => vec![HitKind::parse(&k).ok_or_else(|| {
            bad(format!(
                "命中类型应为 clause（条款）、inquiry（问询）或 archive（档案），收到“{k}”"
            ))
        })?],
    };
    let date = |name: &str, label: &str| -> WebResult<Option<String>> {
        match get(name) {
            Some(d) if !meetings::valid_date(&d) => {
                Err(bad(format!("{label}应为 YYYY-MM-DD 格式的日期，收到“{d}”")))
            }
            d => Ok(d),
        }
    };
    let date_from = date("from", "起始日期")?;
    let date_to = date("to", "截止日期")?;
    if let (Some(a), Some(b)) = (&date_from, &date_to)
        && a > b
    {
        return Err(bad("起始日期晚于截止日期"));
    }
    let meeting_kind = get("meeting_kind");
    if let Some(k) = &meeting_kind
        && MeetingKind::parse(k).is_none()
    {
        return Err(bad(format!("未知的会议类型“{k}”")));
    }
    let decision_type = get("decision_type");
    if let Some(t) = &decision_type
        && DecisionType::parse(t).is_none()
    {
        return Err(bad(format!("未知的三重一大类型“{t}”")));
    }
    let risk_kind = get("risk_kind");
    if let Some(k) = &risk_kind
        && rules.kind(k).is_none()
    {
        return Err(bad(format!("未知的风险类型“{k}”")));
    }
    let outcome = get("outcome");
    if let Some(o) = &outcome
        && !matches!(o.as_str(), "open" | "dropped")
        && Outcome::parse(o).is_none()
    {
        return Err(bad(format!("未知的处理结果“{o}”")));
    }
    let sort = match get("sort").as_deref() {
        None | Some("relevance") => Sort::Relevance,
        Some("date") => Sort::Date,
        Some(s) => {
            return Err(bad(format!(
                "排序应为 relevance（相关度）或 date（日期），收到“{s}”"
            )));
        }
    };
    let limit = positive(params, "limit", "每页条数", crate::search::query::MAX_LIMIT)?
        .unwrap_or(PAGE_SIZE);
    let page = positive(params, "page", "页码", MAX_PAGE)?.unwrap_or(1);
    Ok(SearchRequest {
        query,
        filters: Filters {
            kinds,
            date_from,
            date_to,
            meeting_kind,
            decision_type,
            risk_kind,
            outcome,
            unit: get("unit"),
        },
        sort,
        offset: (page - 1) * limit,
        limit,
    })
}

/// Whether the request asks for anything (a query or at least one filter).
fn asks_something(req: &SearchRequest) -> bool {
    let f = &req.filters;
    !req.query.is_empty()
        || !f.kinds.is_empty()
        || [
            &f.date_from,
            &f.date_to,
            &f.meeting_kind,
            &f.decision_type,
            &f.risk_kind,
            &f.outcome,
            &f.unit,
        ]
        .iter()
        .any(|x| x.is_some())
}

/// Runs a search off the async executor (tantivy work is CPU-bound).
pub async fn run(app: &Arc<App>, req: SearchRequest) -> WebResult<SearchResults> {
    let index = Arc::clone(&app.index);
    tokio::task::spawn_blocking(move || index.search(&req))
        .await?
        .map_err(|e| match e {
            crate::search::SearchError::Query(m) => bad(m),
            other => WebError::Internal(other.to_string()),
        })
}

/// Where a hit opens: the item page scrolled to the clause, the point's card, or
/// the archive document at the clause.
pub fn link(h: &Hit) -> String {
    match (h.kind, h.item_id, h.inquiry_id, h.archive_id) {
        (HitKind::Inquiry, Some(item), Some(q), _) => format!("/items/{item}#p{q}"),
        (HitKind::Clause, Some(item), _, _) => format!(
            "/items/{item}?doc={}&at={}#hit",
            h.document_id.unwrap_or(0),
            h.start_char
        ),
        (HitKind::Archive, _, _, Some(a)) => format!("/archive/{a}?at={}#hit", h.start_char),
        _ => "/search".into(),
    }
}

#[derive(Debug, Serialize)]
struct HitView<'a> {
    #[serde(flatten)]
    hit: &'a Hit,
    link: String,
    kind_label: &'static str,
    outcome_label: &'static str,
    meeting_kind_label: &'static str,
}

fn kind_label(k: HitKind) -> &'static str {
    match k {
        HitKind::Clause => "条款",
        HitKind::Inquiry => "问询",
        HitKind::Archive => "档案",
    }
}

/// The page's query string with `page` replaced (for the pager links).
fn page_url(params: &HashMap<String, String>, page: usize) -> String {
    let mut pairs: Vec<(&str, String)> = params
        .iter()
        .filter(|(k, v)| k.as_str() != "page" && !v.trim().is_empty())
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.sort();
    pairs.push(("page", page.to_string()));
    format!(
        "/search?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

async fn search_page(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Query(params): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let parsed = parse_request(&params, &app.rules);
    let (error, results) = match parsed {
        Err(e) => (Some(e.public_message()), None),
        Ok(req) if !asks_something(&req) => (None, None),
        Ok(req) => match run(&app, req).await {
            Ok(r) => (None, Some(r)),
            Err(e @ WebError::BadRequest(_)) => (Some(e.public_message()), None),
            Err(e) => return Err(e),
        },
    };
    let hits: Vec<HitView> = results
        .iter()
        .flat_map(|r| &r.hits)
        .map(|h| HitView {
            link: link(h),
            kind_label: kind_label(h.kind),
            outcome_label: if h.outcome.is_empty() {
                ""
            } else {
                inquiries::status_label(&h.outcome)
            },
            meeting_kind_label: MeetingKind::parse(&h.meeting_kind)
                .map(MeetingKind::label)
                .unwrap_or(""),
            hit: h,
        })
        .collect();
    let pager = results.as_ref().map(|r| {
        let page = r.offset / r.limit.max(1) + 1;
        let pages = r.total.div_ceil(r.limit.max(1)).min(MAX_PAGE);
        context! {
            page => page,
            pages => pages,
            prev => (page > 1).then(|| page_url(&params, page - 1)),
            next => (page < pages).then(|| page_url(&params, page + 1)),
        }
    });
    let form = |k: &str| {
        params
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let options = context! {
        meeting_kinds => v(&MeetingKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect::<Vec<_>>()),
        decision_types => v(&DecisionType::ALL.iter().map(|t| (t.as_str(), t.label())).collect::<Vec<_>>()),
        risk_kinds => v(&app.rules.kinds.iter().map(|k| (k.id.clone(), k.name.clone())).collect::<Vec<_>>()),
        outcomes => v(&[("open", "待问询"), ("dropped", "已舍弃")]
            .into_iter()
            .chain(Outcome::ALL.iter().map(|o| (o.as_str(), o.label())))
            .collect::<Vec<_>>()),
        units => v(&items::units(&app.store).await?),
        hit_kinds => v(&[HitKind::Clause, HitKind::Inquiry, HitKind::Archive]
            .iter()
            .map(|k| (k.as_str(), kind_label(*k)))
            .collect::<Vec<_>>()),
    };
    let form = context! {
        q => form("q"), kind => form("kind"), from => form("from"), to => form("to"),
        meeting_kind => form("meeting_kind"), decision_type => form("decision_type"),
        risk_kind => form("risk_kind"), outcome => form("outcome"), unit => form("unit"),
        sort => form("sort"),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let html = page(
        &app,
        "search.html",
        Some(&user),
        context! {
            form => form,
            options => options,
            error => error,
            results => results.as_ref().map(|r| context! { total => r.total, took_ms => format!("{:.1}", r.took_ms) }),
            hits => v(&hits),
            pager => pager,
            indexed => app.index.num_docs(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn archive_page(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let doc = archive::get(&app.store, id).await?;
    let clauses: Vec<(usize, usize, String)> =
        serde_json::from_str(&doc.clauses).unwrap_or_default();
    let paragraphs = highlight(&doc.text, &clauses, &[]);
    // The paragraph holding the hit: the last one starting at or before `at`.
    // A malformed `at` only loses the highlight.
    let hit_start = params
        .get("at")
        .and_then(|a| a.parse::<usize>().ok())
        .and_then(|a| paragraphs.iter().rev().find(|p| p.start <= a))
        .map(|p| p.start);
    Ok(page(
        &app,
        "archive.html",
        Some(&user),
        context! {
            doc => context! {
                id => doc.id, path => doc.path, title => doc.title, format => doc.format,
                size => doc.size, sha256 => doc.sha256.chars().take(12).collect::<String>(),
                imported_at => doc.imported_at,
            },
            paragraphs => v(&paragraphs),
            hit_start => hit_start,
        },
    )?
    .into_response())
}
