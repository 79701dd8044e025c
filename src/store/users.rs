//! Accounts, API tokens, sessions and login throttling.
//!
//! Secrets never reach the database in a usable form: passwords as argon2id PHC
//! strings, API tokens and session ids as their sha256 (both are 256-bit random
//! values, so a plain hash is enough and allows an indexed lookup). Disabling a user
//! ends their sessions at once; their tokens stop working because every lookup
//! joins on `disabled = 0`.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;

use super::audit::{self, Entry};
use super::{Actor, Result, Store, StoreError, now};

/// What a user may do; checked on the server side by every handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, plus users and the audit trail.
    Admin,
    /// Uploads, edits inquiry points, logs outcomes.
    Reviewer,
    /// Reads, and approves (审定) an item's inquiry list.
    Leader,
    /// Reads only.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Reviewer, Role::Leader, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Leader => "leader",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Reviewer => "审核人",
            Role::Leader => "审定领导",
            Role::Viewer => "只读",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Upload drafts, create meetings, edit points, log outcomes.
    pub fn can_edit(self) -> bool {
        matches!(self, Role::Admin | Role::Reviewer)
    }

    /// Approve an item's inquiry list.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::Admin | Role::Leader)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Role, String> {
        Role::parse(&s).ok_or_else(|| format!("未知角色“{s}”"))
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            name: self.name.clone(),
        }
    }
}

/// Hashes a password with argon2id (default parameters). CPU-heavy: call it from
/// `spawn_blocking` in async code.
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("无法生成密码散列：{e}")))
}

/// Checks a password against a stored PHC string. CPU-heavy, like [`hash_password`].
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A random one-time password: 16 characters from an alphabet without look-alikes.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 16];
    if let Err(e) = getrandom::fill(&mut buf) {
        panic!("操作系统随机数源不可用：{e}");
    }
    // 256 % 54 != 0 gives a slight bias; 16 characters keep well over 80 bits.
    buf.iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A user name: 1–32 characters, no whitespace or control characters.
pub fn validate_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > 32 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(StoreError::Invalid(
            "用户名须为 1–32 个字符，不能含空格或控制字符".into(),
        ));
    }
    Ok(())
}

pub async fn count(store: &Store) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&store.pool)
        .await?;
    Ok(n)
}

pub async fn create(
    store: &Store,
    actor: &Actor,
    name: &str,
    role: Role,
    password_hash: &str,
) -> Result<User> {
    validate_name(name)?;
    let mut tx = store.begin_write().await?;
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE name = ?")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(StoreError::Invalid(format!("用户“{name}”已存在")));
    }
    let user: User = sqlx::query_as(
        "INSERT INTO users (name, role, password_hash, must_change_password, created_at) \
         VALUES (?, ?, ?, 1, ?) RETURNING *",
    )
    .bind(name)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "user.create",
            entity: "user",
            entity_id: Some(user.id),
            before: None,
            after: Some(json!({"name": name, "role": role.as_str()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn by_name(store: &Store, name: &str) -> Result<Option<User>> {
    Ok(sqlx::query_as("SELECT * FROM users WHERE name = ?")
        .bind(name)
        .fetch_optional(&store.pool)
        .await?)
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<User>> {
    Ok(sqlx::query_as("SELECT * FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(&store.pool)
        .await?)
}

pub async fn list(store: &Store) -> Result<Vec<User>> {
    Ok(sqlx::query_as("SELECT * FROM users ORDER BY name")
        .fetch_all(&store.pool)
        .await?)
}

/// Sets a new password. `must_change` is true when an admin resets it (the user
/// gets a one-time password) and false when the user chose it. Every session of
/// the user ends except `keep_session` (the one that made the change), so a
/// password change also throws out whoever else was logged in with the old one.
pub async fn set_password(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    password_hash: &str,
    must_change: bool,
    keep_session: Option<&str>,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let done =
        sqlx::query("UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?")
            .bind(password_hash)
            .bind(must_change)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("用户"));
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id_hash != ?")
        .bind(user_id)
        .bind(keep_session.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: if must_change {
                "user.password_reset"
            } else {
                "user.password_change"
            },
            entity: "user",
            entity_id: Some(user_id),
            before: None,
            after: Some(json!({"must_change_password": must_change})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disables (or re-enables) an account; disabling ends its sessions.
pub async fn set_disabled(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let before: Option<(bool,)> = sqlx::query_as("SELECT disabled FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((was,)) = before else {
        return Err(StoreError::NotFound("用户"));
    };
    sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
        .bind(disabled)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            entity: "user",
            entity_id: Some(user_id),
            before: Some(json!({"disabled": was})),
            after: Some(json!({"disabled": disabled})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores a new API token's hash for `user_id`.
pub async fn add_token(store: &Store, actor: &Actor, user_id: i64, token_hash: &str) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let id: (i64,) = sqlx::query_as(
        "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "user.token_create",
            entity: "user",
            entity_id: Some(user_id),
            before: None,
            after: Some(json!({"token_id": id.0})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The enabled user owning the token with this hash.
pub async fn by_token(store: &Store, token_hash: &str) -> Result<Option<User>> {
    Ok(sqlx::query_as(
        "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = ? AND u.disabled = 0",
    )
    .bind(token_hash)
    .fetch_optional(&store.pool)
    .await?)
}

/// Starts a session (and records the login in the audit trail).
pub async fn create_session(
    store: &Store,
    user: &User,
    id_hash: &str,
    csrf: &str,
    ttl_secs: i64,
    ip: &str,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let t = now();
    // Expired sessions are cleared as new ones start; no background job needed.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
        .bind(t)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id_hash)
    .bind(user.id)
    .bind(csrf)
    .bind(t)
    .bind(t + ttl_secs)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &user.actor(),
        Entry {
            action: "login",
            entity: "user",
            entity_id: Some(user.id),
            before: None,
            after: Some(json!({"ip": ip})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
struct SessionRow {
    csrf: String,
    user_id: i64,
}

/// The enabled user of an unexpired session, with the session's CSRF token.
pub async fn session_user(store: &Store, id_hash: &str) -> Result<Option<(User, String)>> {
    let row: Option<SessionRow> =
        sqlx::query_as("SELECT csrf, user_id FROM sessions WHERE id_hash = ? AND expires_at > ?")
            .bind(id_hash)
            .bind(now())
            .fetch_optional(&store.pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(by_id(store, row.user_id)
        .await?
        .filter(|u| !u.disabled)
        .map(|u| (u, row.csrf)))
}

pub async fn delete_session(store: &Store, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
        .bind(id_hash)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Records a failed login (and audits it: repeated failures are worth seeing).
pub async fn record_failure(store: &Store, name: &str, ip: &str) -> Result<()> {
    let mut tx = store.begin_write().await?;
    // Failures older than a day no longer matter to any throttling window.
    sqlx::query("DELETE FROM login_failures WHERE at < ?")
        .bind(now() - 86_400)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO login_failures (user_name, ip, at) VALUES (?, ?, ?)")
        .bind(name)
        .bind(ip)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &Actor {
            id: None,
            name: name.to_string(),
        },
        Entry {
            action: "login_failed",
            entity: "user",
            entity_id: None,
            before: None,
            after: Some(json!({"ip": ip})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Failed logins for this name and address since `since`.
pub async fn recent_failures(store: &Store, name: &str, ip: &str, since: i64) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM login_failures WHERE user_name = ? AND ip = ? AND at > ?",
    )
    .bind(name)
    .bind(ip)
    .bind(since)
    .fetch_one(&store.pool)
    .await?;
    Ok(n)
}

/// Forgets the failures of a name and address after a successful login.
pub async fn clear_failures(store: &Store, name: &str, ip: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE user_name = ? AND ip = ?")
        .bind(name)
        .bind(ip)
        .execute(&store.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    #[tokio::test]
    async fn users_are_created_listed_found_and_disabled() {
        let (store, _dir) = testing::store().await;
        assert_eq!(count(&store).await.unwrap(), 0);
        let a = Actor::system();
        let u = create(&store, &a, "zhang", Role::Reviewer, "h")
            .await
            .unwrap();
        assert!(u.must_change_password);
        assert_eq!(u.role, Role::Reviewer);
        assert!(matches!(
            create(&store, &a, "zhang", Role::Viewer, "h").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(
            create(&store, &a, "有 空格", Role::Viewer, "h")
                .await
                .is_err()
        );
        assert_eq!(list(&store).await.unwrap().len(), 1);
        assert_eq!(by_name(&store, "zhang").await.unwrap().unwrap().id, u.id);
        set_password(&store, &a, u.id, "h2", false, None)
            .await
            .unwrap();
        let u2 = by_id(&store, u.id).await.unwrap().unwrap();
        assert_eq!(u2.password_hash, "h2");
        assert!(!u2.must_change_password);

        add_token(&store, &a, u.id, "tokhash").await.unwrap();
        assert_eq!(by_token(&store, "tokhash").await.unwrap().unwrap().id, u.id);
        create_session(&store, &u2, "sesshash", "csrf1", 3600, "127.0.0.1")
            .await
            .unwrap();
        let (su, csrf) = session_user(&store, "sesshash").await.unwrap().unwrap();
        assert_eq!((su.id, csrf.as_str()), (u.id, "csrf1"));

        set_disabled(&store, &a, u.id, true).await.unwrap();
        assert!(by_token(&store, "tokhash").await.unwrap().is_none());
        assert!(session_user(&store, "sesshash").await.unwrap().is_none());
        assert!(matches!(
            set_disabled(&store, &a, 999, true).await,
            Err(StoreError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn expired_and_deleted_sessions_are_gone() {
        let (store, _dir) = testing::store().await;
        let u = create(&store, &Actor::system(), "li", Role::Viewer, "h")
            .await
            .unwrap();
        create_session(&store, &u, "old", "c", -1, "ip")
            .await
            .unwrap();
        assert!(session_user(&store, "old").await.unwrap().is_none());
        create_session(&store, &u, "new", "c", 60, "ip")
            .await
            .unwrap();
        delete_session(&store, "new").await.unwrap();
        assert!(session_user(&store, "new").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn login_failures_are_counted_per_name_and_address_and_cleared() {
        let (store, _dir) = testing::store().await;
        for _ in 0..3 {
            record_failure(&store, "wang", "10.0.0.1").await.unwrap();
        }
        record_failure(&store, "wang", "10.0.0.2").await.unwrap();
        assert_eq!(
            recent_failures(&store, "wang", "10.0.0.1", 0)
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            recent_failures(&store, "wang", "10.0.0.1", now() + 1)
                .await
                .unwrap(),
            0
        );
        clear_failures(&store, "wang", "10.0.0.1").await.unwrap();
        assert_eq!(
            recent_failures(&store, "wang", "10.0.0.1", 0)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            recent_failures(&store, "wang", "10.0.0.2", 0)
                .await
                .unwrap(),
            1
        );
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a phc string"));
        let p = one_time_password();
        assert_eq!(p.chars().count(), 16);
        assert!(Role::Reviewer.can_edit() && !Role::Leader.can_edit());
        assert!(Role::Leader.can_approve() && !Role::Viewer.can_approve());
    }
}
