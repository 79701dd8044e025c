//! Access control on the server side: what each role may do, CSRF on every form,
//! login throttling, sessions that end.

use axum::http::StatusCode;
use wenxun::store::users::Role;

use super::common::draft;
use super::web::manual_point;
use super::web_support::{PASSWORD, TestApp, create_meeting, read, test_app};

/// A meeting with one item holding one manual point, made by a reviewer.
async fn fixture(t: &TestApp) -> (i64, i64, i64) {
    let mut c = t.logged_in("reviewer", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let r = c
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("a01.txt"), read(&draft("a01_")))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let item = wenxun::store::items::list_for_meeting(&t.app.store, meeting)
        .await
        .unwrap()[0]
        .item
        .id;
    let (point, _) = manual_point(t, &mut c, item, "请说明。").await;
    (meeting, item, point)
}

#[tokio::test]
async fn anonymous_requests_go_to_the_login_page() {
    let t = test_app().await;
    let (meeting, item, point) = fixture(&t).await;
    let mut c = t.client();
    for path in [
        "/meetings".to_string(),
        format!("/meetings/{meeting}"),
        format!("/items/{item}"),
        format!("/inquiries/{point}"),
        "/admin/audit".into(),
    ] {
        let r = c.get(&path).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/login"),
            "{path}"
        );
    }
    let r = c.post_raw("/meetings", &[("title", "x")]).await;
    assert_eq!(r.location(), "/login");
    assert_eq!(c.get("/static/app.css").await.status, StatusCode::OK);
}

#[tokio::test]
async fn viewers_read_but_cannot_change_anything() {
    let t = test_app().await;
    let (meeting, item, point) = fixture(&t).await;
    let mut v = t.logged_in("viewer", Role::Viewer).await;
    assert_eq!(
        v.get(&format!("/items/{item}")).await.status,
        StatusCode::OK
    );
    let page = v.get(&format!("/items/{item}")).await;
    assert!(!page.body.contains("/edit\""), "no edit forms for viewers");
    let forbidden = [
        v.post(
            "/meetings",
            &[("title", "x"), ("kind", "other"), ("date", "2026-01-01")],
        )
        .await,
        v.post(
            &format!("/meetings/{meeting}/status"),
            &[("status", "held")],
        )
        .await,
        v.post(
            &format!("/inquiries/{point}/edit"),
            &[("version", "1"), ("question", "x"), ("severity", "low")],
        )
        .await,
        v.post(
            &format!("/inquiries/{point}/drop"),
            &[("version", "1"), ("reason", "x")],
        )
        .await,
        v.post(
            &format!("/inquiries/{point}/outcome"),
            &[("version", "1"), ("outcome", "adopted")],
        )
        .await,
        v.post(&format!("/items/{item}/approve"), &[]).await,
        v.upload(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("a.txt"), b"x".to_vec())],
        )
        .await,
        v.get("/admin/users").await,
        v.get("/admin/audit").await,
        v.post("/admin/users", &[("name", "x"), ("role", "admin")])
            .await,
    ];
    for (i, r) in forbidden.iter().enumerate() {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "request {i}: {}", r.body);
        assert!(r.body.contains("无权"), "a Chinese message");
    }
    assert_eq!(
        wenxun::store::meetings::count(&t.app.store).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn leaders_approve_but_do_not_upload_or_edit() {
    let t = test_app().await;
    let (meeting, item, point) = fixture(&t).await;
    let mut l = t.logged_in("leader", Role::Leader).await;
    let r = l
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("a.txt"), b"x".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = l
        .post(
            &format!("/inquiries/{point}/edit"),
            &[("version", "1"), ("question", "x"), ("severity", "low")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = l.post(&format!("/items/{item}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = l.get(&format!("/items/{item}")).await;
    assert!(page.body.contains("已审定") && page.body.contains("leader"));
    // A reviewer's later change withdraws the approval.
    let mut rv = t.client();
    rv.login("reviewer", PASSWORD).await;
    rv.refresh_csrf().await;
    rv.post(
        &format!("/inquiries/{point}/edit"),
        &[("version", "1"), ("question", "改"), ("severity", "low")],
    )
    .await;
    let it = wenxun::store::items::get(&t.app.store, item).await.unwrap();
    assert!(it.approved_at.is_none());
    // Reviewers cannot approve or administer.
    assert_eq!(
        rv.post(&format!("/items/{item}/approve"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(rv.get("/admin/users").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused() {
    let t = test_app().await;
    let (meeting, _item, point) = fixture(&t).await;
    let mut c = t.client();
    c.login("reviewer", PASSWORD).await;
    c.refresh_csrf().await;
    let fields = [("title", "x"), ("kind", "other"), ("date", "2026-01-01")];
    let missing = c.post_raw("/meetings", &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("CSRF"));
    let mut wrong = vec![("csrf", "0000")];
    wrong.extend_from_slice(&fields);
    assert_eq!(
        c.post_raw("/meetings", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    let r = c
        .post_raw(
            &format!("/inquiries/{point}/drop"),
            &[("version", "1"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Multipart: the token must come first.
    let r = c
        .post_multipart_raw(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("a.txt"), "第一条 内容".as_bytes().to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another user's token does not work either.
    let other = t.logged_in("other", Role::Reviewer).await;
    let mut stolen = vec![("csrf", other.csrf.as_str())];
    stolen.extend_from_slice(&fields);
    assert_eq!(
        c.post_raw("/meetings", &stolen).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        wenxun::store::meetings::count(&t.app.store).await.unwrap(),
        1
    );
    // Logout needs the token too, and ends the session.
    assert_eq!(
        c.post_raw("/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let out = c.post("/logout", &[]).await;
    assert_eq!(out.location(), "/login");
    assert_eq!(c.get("/meetings").await.location(), "/login");
}

#[tokio::test]
async fn repeated_login_failures_are_throttled() {
    let t = test_app().await;
    t.user("wang", Role::Reviewer).await;
    let mut c = t.client();
    for _ in 0..5 {
        let r = c.login("wang", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或密码错误"));
    }
    let r = c.login("wang", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("次数过多"));
    // Unknown names answer like wrong passwords.
    let r = c.login("nobody", "x").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let failed = wenxun::store::audit::list(
        &t.app.store,
        &wenxun::store::audit::Filter {
            action: "login_failed".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(failed.len(), 6);
}

#[tokio::test]
async fn pages_carry_security_headers_and_errors_hide_nothing_but_say_why() {
    let t = test_app().await;
    let mut c = t.logged_in("reviewer", Role::Reviewer).await;
    let r = c.get("/meetings").await;
    assert!(
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(r.headers["cache-control"], "no-store");
    let r = c.get("/items/999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("议题不存在"));
    let r = c
        .post(
            "/meetings",
            &[("title", "x"), ("kind", "other"), ("date", "2026-13-40")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn uploads_over_the_body_limit_are_refused_with_413() {
    let dir = tempfile::tempdir().unwrap();
    let app = wenxun::app::App::build(
        wenxun::config::Config::default(),
        dir.path(),
        std::sync::Arc::clone(&super::web_support::RULES),
        wenxun::app::Settings {
            max_upload_bytes: 4096,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let t = TestApp {
        router: wenxun::web::router(app.clone()),
        app,
        _dir: dir,
    };
    let mut c = t.logged_in("reviewer", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let r = c
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("big.txt"), vec![b'a'; 20_000])],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.body.contains("上限"));
    assert!(
        wenxun::store::items::list_for_meeting(&t.app.store, meeting)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_login_posted_from_another_site_is_refused() {
    use axum::body::Body;
    use axum::http::{Request, header};
    let t = test_app().await;
    t.user("zhao", Role::Reviewer).await;
    let mut c = t.client();
    let login = |origin: Option<&str>, fetch_site: Option<&str>| {
        let mut b = Request::post("/login")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        if let Some(s) = fetch_site {
            b = b.header("sec-fetch-site", s);
        }
        b.body(Body::from(super::web_support::form_body(&[
            ("name", "zhao"),
            ("password", PASSWORD),
        ])))
        .expect("request")
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), Some("cross-site")),
        (Some("http://127.0.0.1:9090"), Some("same-site")),
    ] {
        let r = c.send(login(origin, site)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(r.body.contains("来源不明"), "{}", r.body);
        assert!(c.cookie.is_none(), "no session for a refused login");
    }
    // The workbench's own login page posts with its own origin (or `null`, as
    // its pages send no referrer) and signs in.
    let r = c.send(login(Some("null"), Some("same-origin"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    c.cookie = None;
    let r = c
        .send(login(Some("http://127.0.0.1:8080"), Some("same-origin")))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.cookie.is_some());
}
