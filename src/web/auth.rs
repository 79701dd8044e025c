//! Who is asking: session cookies for pages, bearer tokens for the API.
//!
//! The cookie holds a random 256-bit session id; the database keeps only its
//! sha256, so a leaked database copy opens no session. The cookie is `HttpOnly`
//! and `SameSite=Strict` (plus `Secure` when the server sits behind HTTPS).
//! Extractors do the lookups, so a handler that names [`CurrentUser`] cannot run
//! for an anonymous request, and role checks are explicit calls (`require_edit`…)
//! at the top of each handler, on the server side.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::error::{ApiError, WebError};
use crate::app::App;
use crate::store::users::{self, Role, User};
use crate::store::{Actor, random_hex, sha256_hex};

pub const SESSION_COOKIE: &str = "wenxun_session";

/// A logged-in user whose password is in order; what ordinary pages require.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub csrf: String,
    pub session_hash: String,
}

/// A logged-in user who may still have to change the one-time password; only the
/// password page and logout accept it.
#[derive(Debug, Clone)]
pub struct SessionUser(pub CurrentUser);

/// The user of an API token.
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

/// The client's address, as the listener saw it ("unknown" in in-process tests).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn require_edit(&self) -> Result<(), WebError> {
        require(self.user.role.can_edit())
    }

    pub fn require_approve(&self) -> Result<(), WebError> {
        require(self.user.role.can_approve())
    }

    pub fn require_admin(&self) -> Result<(), WebError> {
        require(self.user.role.is_admin())
    }
}

pub fn require(allowed: bool) -> Result<(), WebError> {
    if allowed {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

/// The value of a cookie in the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A new session id (for the cookie), its hash (for the database) and a CSRF token.
pub fn new_session_ids() -> (String, String, String) {
    let id = random_hex(32);
    let hash = sha256_hex(id.as_bytes());
    (id, hash, random_hex(32))
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(id: &str, app: &App) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        app.settings.session_ttl_secs,
        if app.settings.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    )
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

async fn session(parts: &Parts, app: &App) -> Result<CurrentUser, WebError> {
    let Some(id) = cookie(parts, SESSION_COOKIE).filter(|v| !v.is_empty()) else {
        return Err(WebError::LoginRequired);
    };
    let hash = sha256_hex(id.as_bytes());
    match users::session_user(&app.store, &hash).await? {
        Some((user, csrf)) => Ok(CurrentUser {
            user,
            csrf,
            session_hash: hash,
        }),
        None => Err(WebError::LoginRequired),
    }
}

impl FromRequestParts<Arc<App>> for SessionUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, WebError> {
        Ok(SessionUser(session(parts, app).await?))
    }
}

impl FromRequestParts<Arc<App>> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, WebError> {
        let u = session(parts, app).await?;
        if u.user.must_change_password {
            return Err(WebError::MustChangePassword);
        }
        Ok(u)
    }
}

impl FromRequestParts<Arc<App>> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError(WebError::LoginRequired))?;
        let hash = sha256_hex(token.as_bytes());
        users::by_token(&app.store, &hash)
            .await?
            .map(ApiUser)
            .ok_or(ApiError(WebError::LoginRequired))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}
