//! Login, logout and the password change a one-time password forces.
//!
//! Login is throttled per user name and client address (N failures within the
//! window → 429 before the password is even checked), and an unknown name costs
//! the same argon2 work as a wrong password, so neither timing nor messages tell
//! which names exist. The login form itself has no session yet, hence no CSRF
//! token; SameSite=Strict keeps a cross-site login from carrying a cookie back.

use std::sync::{Arc, LazyLock};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use crate::app::App;
use crate::store::now;
use crate::store::users::{self, User};
use crate::web::auth::{self, ClientIp, SessionUser};
use crate::web::csrf::{CsrfForm, NoFields, SameOrigin};
use crate::web::error::WebResult;
use crate::web::page;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/meetings") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/password", get(password_page).post(change_password))
}

/// Shortest password a user may choose.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A hash to verify against when the name is unknown (same cost as a real check).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| users::hash_password("wenxun-dummy-password").unwrap_or_default());

async fn login_page(State(app): State<Arc<App>>) -> WebResult<Response> {
    Ok(page(&app, "login.html", None, context! {})?.into_response())
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    name: String,
    password: String,
}

fn login_error(app: &App, status: StatusCode, name: &str, msg: &str) -> WebResult<Response> {
    let html = page(
        app,
        "login.html",
        None,
        context! { error => msg, name => name },
    )?;
    Ok((status, html).into_response())
}

async fn login(
    State(app): State<Arc<App>>,
    ClientIp(ip): ClientIp,
    _: SameOrigin,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    let name = form.name.trim().to_string();
    let since = now() - app.settings.throttle_window_secs;
    let failures = users::recent_failures(&app.store, &name, &ip, since).await?;
    if failures >= app.settings.max_login_failures {
        return login_error(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            &name,
            &format!(
                "登录失败次数过多，请 {} 分钟后再试",
                app.settings.throttle_window_secs / 60
            ),
        );
    }
    let user = users::by_name(&app.store, &name).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = form.password;
    let ok = tokio::task::spawn_blocking(move || {
        users::verify_password(&password, hash.as_deref().unwrap_or(&DUMMY_HASH))
    })
    .await?;
    let user: Option<User> = user.filter(|u| ok && !u.disabled);
    let Some(user) = user else {
        users::record_failure(&app.store, &name, &ip).await?;
        return login_error(
            &app,
            StatusCode::UNAUTHORIZED,
            &name,
            "用户名或密码错误，或账号已停用",
        );
    };
    users::clear_failures(&app.store, &name, &ip).await?;
    let (id, hash, csrf) = auth::new_session_ids();
    users::create_session(
        &app.store,
        &user,
        &hash,
        &csrf,
        app.settings.session_ttl_secs,
        &ip,
    )
    .await?;
    let to = if user.must_change_password {
        "/password"
    } else {
        "/meetings"
    };
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&id, &app))],
        Redirect::to(to),
    )
        .into_response())
}

async fn logout(
    State(app): State<Arc<App>>,
    CsrfForm(SessionUser(user), NoFields {}): CsrfForm<NoFields, SessionUser>,
) -> WebResult<Response> {
    users::delete_session(&app.store, &user.session_hash).await?;
    Ok((
        [(header::SET_COOKIE, auth::clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response())
}

async fn password_page(
    State(app): State<Arc<App>>,
    SessionUser(user): SessionUser,
) -> WebResult<Response> {
    Ok(page(
        &app,
        "password.html",
        Some(&user),
        context! { forced => user.user.must_change_password, min => MIN_PASSWORD_CHARS },
    )?
    .into_response())
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(app): State<Arc<App>>,
    CsrfForm(SessionUser(user), form): CsrfForm<PasswordForm, SessionUser>,
) -> WebResult<Response> {
    let problem = if form.new != form.repeat {
        Some("两次输入的新密码不一致".to_string())
    } else if form.new.chars().count() < MIN_PASSWORD_CHARS {
        Some(format!("新密码至少 {MIN_PASSWORD_CHARS} 个字符"))
    } else if form.new == form.current {
        Some("新密码不能与当前密码相同".to_string())
    } else {
        None
    };
    let hash = user.user.password_hash.clone();
    let current = form.current.clone();
    let current_ok =
        tokio::task::spawn_blocking(move || users::verify_password(&current, &hash)).await?;
    let problem = if current_ok {
        problem
    } else {
        Some("当前密码不正确".to_string())
    };
    if let Some(msg) = problem {
        let html = page(
            &app,
            "password.html",
            Some(&user),
            context! { forced => user.user.must_change_password, min => MIN_PASSWORD_CHARS, error => msg },
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let new = form.new;
    let new_hash = tokio::task::spawn_blocking(move || users::hash_password(&new)).await??;
    users::set_password(
        &app.store,
        &user.actor(),
        user.user.id,
        &new_hash,
        false,
        Some(&user.session_hash),
    )
    .await?;
    Ok(Redirect::to("/meetings").into_response())
}
