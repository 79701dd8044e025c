//! Administration (admin role only): users — add with a one-time password, reset a
//! password, disable or re-enable — and the audit trail with filters and the
//! result of re-verifying its hash chain.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use crate::app::App;
use crate::store::audit::{self, Filter};
use crate::store::users::{self, Role};
use crate::web::auth::CurrentUser;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::error::{WebError, WebResult};
use crate::web::{page, v};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin/users", get(list_users).post(add_user))
        .route("/admin/users/{id}/disable", post(disable))
        .route("/admin/users/{id}/enable", post(enable))
        .route("/admin/users/{id}/reset", post(reset))
        .route("/admin/audit", get(audit_page))
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

async fn users_page(
    app: &App,
    user: &CurrentUser,
    created: Option<(String, String)>,
) -> WebResult<Response> {
    let list = users::list(&app.store).await?;
    Ok(page(
        app,
        "users.html",
        Some(user),
        context! { users => v(&list), roles => v(&roles()), created => v(&created) },
    )?
    .into_response())
}

async fn list_users(State(app): State<Arc<App>>, user: CurrentUser) -> WebResult<Response> {
    user.require_admin()?;
    users_page(&app, &user, None).await
}

#[derive(Debug, Deserialize)]
struct AddForm {
    name: String,
    role: String,
}

async fn add_user(
    State(app): State<Arc<App>>,
    CsrfForm(user, form): CsrfForm<AddForm>,
) -> WebResult<Response> {
    user.require_admin()?;
    let role =
        Role::parse(&form.role).ok_or_else(|| WebError::Unprocessable("请选择角色".into()))?;
    let name = form.name.trim().to_string();
    users::validate_name(&name)?;
    let password = users::one_time_password();
    let p = password.clone();
    let hash = tokio::task::spawn_blocking(move || users::hash_password(&p)).await??;
    users::create(&app.store, &user.actor(), &name, role, &hash).await?;
    users_page(&app, &user, Some((name, password))).await
}

async fn disable(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, NoFields {}): CsrfForm<NoFields>,
) -> WebResult<Response> {
    user.require_admin()?;
    if id == user.user.id {
        return Err(WebError::Unprocessable("不能停用自己的账号".into()));
    }
    users::set_disabled(&app.store, &user.actor(), id, true).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

async fn enable(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, NoFields {}): CsrfForm<NoFields>,
) -> WebResult<Response> {
    user.require_admin()?;
    users::set_disabled(&app.store, &user.actor(), id, false).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

async fn reset(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, NoFields {}): CsrfForm<NoFields>,
) -> WebResult<Response> {
    user.require_admin()?;
    let target = users::by_id(&app.store, id)
        .await?
        .ok_or_else(|| WebError::NotFound("用户不存在".into()))?;
    let password = users::one_time_password();
    let p = password.clone();
    let hash = tokio::task::spawn_blocking(move || users::hash_password(&p)).await??;
    users::set_password(&app.store, &user.actor(), id, &hash, true, None).await?;
    users_page(&app, &user, Some((target.name, password))).await
}

#[derive(Debug, Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
}

async fn audit_page(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> WebResult<Response> {
    user.require_admin()?;
    let filter = Filter {
        user: q.user.trim().to_string(),
        action: q.action.trim().to_string(),
        entity: q.entity.trim().to_string(),
        entity_id: q.entity_id.trim().parse().ok(),
        limit: 500,
    };
    let rows = audit::list(&app.store, &filter).await?;
    let verification = audit::verify(&app.store).await?;
    Ok(page(
        &app,
        "audit.html",
        Some(&user),
        context! {
            rows => v(&rows), verification => v(&verification),
            f_user => filter.user, f_action => filter.action, f_entity => filter.entity,
            f_entity_id => q.entity_id,
        },
    )?
    .into_response())
}
