//! CSRF protection for every POST form: a random token per session, sent back in
//! a hidden `csrf` field and compared in constant time; a mismatch is a 403.
//!
//! SameSite=Strict cookies already stop most cross-site posts; the token covers
//! older browsers and same-site attackers. [`CsrfForm`] is the only way handlers
//! read a url-encoded form, so none can forget the check. Multipart uploads cannot
//! be parsed up front (they may be 60 MiB), so [`check_multipart`] requires the
//! `csrf` field to come first — browsers send fields in form order — and checks it
//! before reading any file.
//!
//! The login form has no session and so no token yet; [`SameOrigin`] guards it
//! instead (login CSRF: a foreign page signing the reviewer into an account of
//! the attacker's, whose later uploads the attacker could then read). Browsers
//! mark every cross-site POST with `Origin` or `Sec-Fetch-Site`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use serde::de::DeserializeOwned;

use super::auth::{CurrentUser, SessionUser};
use super::error::WebError;
use crate::app::App;

pub fn rejected() -> WebError {
    WebError::Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试".into())
}

/// Passes a request that no browser marked as coming from another site: an
/// `Origin` naming a different host than `Host`, or `Sec-Fetch-Site: cross-site`
/// (or `same-site`: another port or subdomain of the same site), is a 403.
/// Requests without either header (command-line clients, old browsers) pass;
/// SameSite cookies do the rest.
pub struct SameOrigin;

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let h = &parts.headers;
        let text = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
        if matches!(text("sec-fetch-site"), Some("cross-site" | "same-site")) {
            return Err(rejected());
        }
        if let Some(origin) = text("origin") {
            let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
            // Our pages send no referrer, so a browser posting our own form says
            // `Origin: null`; Sec-Fetch-Site above tells same-site from cross-site.
            if origin != "null" && Some(authority) != text("host") {
                return Err(rejected());
            }
        }
        Ok(SameOrigin)
    }
}

/// Constant-time comparison, so the token cannot be guessed byte by byte.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Users carrying a session CSRF token.
pub trait HasCsrf {
    fn csrf(&self) -> &str;
}

impl HasCsrf for CurrentUser {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl HasCsrf for SessionUser {
    fn csrf(&self) -> &str {
        &self.0.csrf
    }
}

/// A url-encoded form whose `csrf` field matched the session's token, with the
/// user `U` it was checked against.
#[derive(Debug)]
pub struct CsrfForm<T, U = CurrentUser>(pub U, pub T);

impl<T, U> FromRequest<Arc<App>> for CsrfForm<T, U>
where
    T: DeserializeOwned,
    U: FromRequestParts<Arc<App>, Rejection = WebError> + HasCsrf + Send,
{
    type Rejection = WebError;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let user = U::from_request_parts(&mut parts, app).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), app)
            .await
            .map_err(|_| WebError::BadRequest("无法读取表单内容".into()))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| WebError::BadRequest("表单格式错误".into()))?;
        let token = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if !same(token, user.csrf()) {
            return Err(rejected());
        }
        let form: T = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| WebError::BadRequest(format!("表单内容不完整或有误：{e}")))?;
        Ok(CsrfForm(user, form))
    }
}

/// A form with nothing but its CSRF token (approve, disable, logout…).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// Checks that the first field of a multipart form is the session's CSRF token.
pub async fn check_multipart(user: &CurrentUser, mp: &mut Multipart) -> Result<(), WebError> {
    // A body over the size limit fails here already: say so, not "CSRF".
    let field = mp
        .next_field()
        .await
        .map_err(super::routes::multipart_error)?;
    let Some(field) = field else {
        return Err(rejected());
    };
    if field.name() != Some("csrf") {
        return Err(rejected());
    }
    let value = field.text().await.map_err(super::routes::multipart_error)?;
    if same(&value, &user.csrf) {
        Ok(())
    } else {
        Err(rejected())
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", ""));
    }
}
