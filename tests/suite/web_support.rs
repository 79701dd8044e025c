//! Helpers for the web tests: an app on a temporary data directory, users of every
//! role, and a small cookie-keeping client that drives the router in process with
//! `tower::ServiceExt::oneshot` (one end-to-end test uses a real socket instead).

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;

use wenxun::app::{App, Settings};
use wenxun::config::Config;
use wenxun::rules::RuleSet;
use wenxun::store::users::{self, Role};
use wenxun::store::{Actor, sha256_hex};

use super::common::root;

/// The shipped rule set, loaded once for all web tests.
pub static RULES: LazyLock<Arc<RuleSet>> = LazyLock::new(|| {
    let cfg = Config::default();
    match wenxun::cli::load_rules(Some(&root().join("rules")), &cfg) {
        Ok(set) => Arc::new(set),
        Err(e) => panic!("shipped rule set does not load:\n{e}"),
    }
});

pub struct TestApp {
    pub app: Arc<App>,
    pub router: Router,
    pub _dir: tempfile::TempDir,
}

pub async fn test_app() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = App::build(
        Config::default(),
        dir.path(),
        Arc::clone(&RULES),
        Settings::default(),
    )
    .await
    .expect("app builds");
    TestApp {
        router: wenxun::web::router(Arc::clone(&app)),
        app,
        _dir: dir,
    }
}

pub const PASSWORD: &str = "test-password-123";

impl TestApp {
    /// Creates a user who has already chosen `PASSWORD`.
    pub async fn user(&self, name: &str, role: Role) -> i64 {
        let hash = users::hash_password(PASSWORD).expect("hash");
        let u = users::create(&self.app.store, &Actor::system(), name, role, &hash)
            .await
            .expect("create user");
        users::set_password(&self.app.store, &Actor::system(), u.id, &hash, false, None)
            .await
            .expect("set password");
        u.id
    }

    /// An API token for a user.
    pub async fn token(&self, user_id: i64) -> String {
        let token = format!("test-token-{user_id}-{}", wenxun::store::random_hex(8));
        users::add_token(
            &self.app.store,
            &Actor::system(),
            user_id,
            &sha256_hex(token.as_bytes()),
        )
        .await
        .expect("token");
        token
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookie: None,
            csrf: String::new(),
        }
    }

    /// A client logged in as a new user of `role`.
    pub async fn logged_in(&self, name: &str, role: Role) -> Client {
        self.user(name, role).await;
        let mut c = self.client();
        let r = c.login(name, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        c.refresh_csrf().await;
        c
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub struct Client {
    pub router: Router,
    pub cookie: Option<String>,
    pub csrf: String,
}

/// The value of the first hidden `csrf` field on a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// One part of a multipart body: (field name, file name, bytes).
pub type Part<'a> = (&'a str, Option<&'a str>, Vec<u8>);

pub const BOUNDARY: &str = "----wenxun-test-boundary-7f3a";

pub fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).expect("urlencode")
}

impl Client {
    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if let Some(c) = &self.cookie {
            req.headers_mut()
                .insert(header::COOKIE, c.parse().expect("cookie header"));
        }
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        if let Some(sc) = headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
        {
            let pair = sc.split(';').next().unwrap_or("").to_string();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = Request::get(path).body(Body::empty()).expect("request");
        self.send(req).await
    }

    /// POSTs a url-encoded form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(fields)))
            .expect("request");
        self.send(req).await
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POSTs multipart parts exactly as given.
    pub async fn post_multipart_raw(&mut self, path: &str, parts: &[Part<'_>]) -> Resp {
        let req = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart_body(parts)))
            .expect("request");
        self.send(req).await
    }

    /// POSTs multipart parts with the CSRF token as the first field.
    pub async fn upload(&mut self, path: &str, parts: &[Part<'_>]) -> Resp {
        let mut all: Vec<Part<'_>> = vec![("csrf", None, self.csrf.clone().into_bytes())];
        all.extend(parts.iter().cloned());
        self.post_multipart_raw(path, &all).await
    }

    pub async fn login(&mut self, name: &str, password: &str) -> Resp {
        self.post_raw("/login", &[("name", name), ("password", password)])
            .await
    }

    /// Reads the CSRF token from a page that has forms.
    pub async fn refresh_csrf(&mut self) {
        let page = self.get("/password").await;
        self.csrf = csrf_in(&page.body).unwrap_or_else(|| panic!("no csrf on page: {}", page.body));
    }

    pub async fn api(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        let req = b
            .body(
                body.map(|s| Body::from(s.to_string()))
                    .unwrap_or_else(Body::empty),
            )
            .expect("request");
        self.send(req).await
    }
}

/// The id in a location like `/meetings/3`.
pub fn id_from(location: &str) -> i64 {
    location
        .rsplit('/')
        .next()
        .and_then(|s| s.split('#').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

/// Creates a meeting through the page and returns its id.
pub async fn create_meeting(c: &mut Client) -> i64 {
    let r = c
        .post(
            "/meetings",
            &[
                ("title", "县委常委会会议"),
                ("kind", "standing_committee"),
                ("session_label", "十五届第 12 次"),
                ("date", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_from(r.location())
}

pub fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A multipart request to the API with a bearer token.
pub fn api_multipart(path: &str, token: &str, parts: &[Part<'_>]) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart_body(parts)))
        .expect("request")
}

/// Serves the app on a real socket (127.0.0.1:0) until the returned task is aborted.
pub async fn serve_on_socket(
    app: &Arc<App>,
) -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let router = wenxun::web::router(Arc::clone(app));
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    (addr, server)
}
