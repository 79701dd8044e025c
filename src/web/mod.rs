//! The web workbench: server-rendered pages for reviewers and a small JSON API.
//!
//! [`router`] builds the whole application from an [`App`] and nothing else, so
//! tests drive it with `tower::ServiceExt::oneshot` and `serve` binds it to a
//! listener. Cross-cutting concerns live beside it: `auth` (sessions, tokens,
//! roles), `csrf`, `error` (one error type, Chinese 4xx messages, hidden 5xx), and
//! one module per page group under `routes/`. Responses carry a strict Content
//! Security Policy (no inline scripts, nothing from other origins) and are never
//! cached: the pages show 工作秘密.

pub mod auth;
pub mod csrf;
pub mod error;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{Html, Response};
use minijinja::{Value, context};
use serde::Serialize;

use crate::app::App;
use auth::CurrentUser;
use error::WebResult;

/// The whole application as a router.
pub fn router(app: Arc<App>) -> Router {
    let limit = app.settings.max_upload_bytes;
    Router::new()
        .merge(routes::session::routes())
        .merge(routes::meetings::routes())
        .merge(routes::items::routes())
        .merge(routes::inquiries::routes())
        .merge(routes::admin::routes())
        .merge(routes::reports::routes())
        .merge(routes::revisions::routes())
        .merge(routes::search::routes())
        .merge(routes::assets::routes())
        .nest("/api/v1", routes::api::routes())
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

/// Serves the router on a bound listener until the process is stopped (Ctrl-C).
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// A serialisable value for a template context.
pub fn v<T: Serialize + ?Sized>(x: &T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

/// What every page knows about the viewer.
#[derive(Debug, Serialize)]
struct Me<'a> {
    name: &'a str,
    role: &'a str,
    can_edit: bool,
    can_approve: bool,
    is_admin: bool,
}

/// Renders a page template with the viewer (`me`) and the CSRF token (`csrf`)
/// added to `ctx`.
pub fn page(
    app: &App,
    name: &str,
    user: Option<&CurrentUser>,
    ctx: Value,
) -> WebResult<Html<String>> {
    let me = user.map(|u| Me {
        name: &u.user.name,
        role: u.user.role.as_str(),
        can_edit: u.user.role.can_edit(),
        can_approve: u.user.role.can_approve(),
        is_admin: u.user.role.is_admin(),
    });
    let csrf = user.map(|u| u.csrf.as_str()).unwrap_or("");
    let full = context! { me => v(&me), csrf => csrf, ..ctx };
    Ok(Html(app.render(name, full)?))
}
