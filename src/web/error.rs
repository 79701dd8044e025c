//! The web layer's one error type and how it becomes a response.
//!
//! Every handler returns `Result<_, WebError>` and uses `?`. A 4xx carries a Chinese
//! message meant for the reviewer; a 5xx is logged with its cause and shown only as
//! "服务器内部错误", so internals (SQL, paths) never reach a page. Pages get a small
//! HTML page (or a redirect to the login / password page); the JSON API wraps the
//! same error in [`ApiError`] and answers `{"error": "中文消息"}`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    /// No valid session (pages redirect to the login page) or token (API: 401).
    #[error("请先登录")]
    LoginRequired,
    /// The session's user must change the one-time password first.
    #[error("请先修改初始密码")]
    MustChangePassword,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Internal(String),
}

pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::LoginRequired | WebError::MustChangePassword => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user may see (never internals).
    pub fn public_message(&self) -> String {
        match self {
            WebError::Internal(_) => "服务器内部错误，已记录日志，请联系管理员".into(),
            other => other.to_string(),
        }
    }

    pub fn forbidden() -> WebError {
        WebError::Forbidden("您的角色无权进行此操作".into())
    }

    fn log(&self) {
        if let WebError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        match e {
            StoreError::NotFound(what) => WebError::NotFound(format!("{what}不存在")),
            e @ StoreError::Stale { .. } => WebError::Conflict(e.to_string()),
            StoreError::Conflict(m) => WebError::Conflict(m),
            StoreError::Invalid(m) => WebError::Unprocessable(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        match e {
            AppError::Store(s) => s.into(),
            AppError::Rejected(m) => WebError::Unprocessable(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for WebError {
    fn from(e: tokio::task::JoinError) -> WebError {
        WebError::Internal(format!("后台任务失败：{e}"))
    }
}

/// Minimal HTML escaping for the stand-alone error page (templates escape
/// everything else themselves).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        match self {
            WebError::LoginRequired => return Redirect::to("/login").into_response(),
            WebError::MustChangePassword => return Redirect::to("/password").into_response(),
            _ => {}
        }
        let status = self.status();
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <title>{code} · 问询</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body><main class=\"narrow\"><h1>无法完成操作（{code}）</h1>\
             <p class=\"error\" role=\"alert\">{msg}</p>\
             <p>请使用浏览器的“后退”返回上一页，或 <a href=\"/meetings\">回到会议列表</a>。</p>\
             </main></body></html>",
            code = status.as_u16(),
            msg = escape(&self.public_message()),
        );
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    }
}

/// The API's view of a [`WebError`]: the same status, a JSON body.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let (status, msg) = match &self.0 {
            WebError::LoginRequired | WebError::MustChangePassword => (
                StatusCode::UNAUTHORIZED,
                "缺少或无效的访问令牌（Authorization: Bearer …）".to_string(),
            ),
            e => (e.status(), e.public_message()),
        };
        let mut resp = (status, Json(serde_json::json!({ "error": msg }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}
