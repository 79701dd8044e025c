//! The JSON API: bearer tokens, roles, and JSON errors in Chinese for every client
//! mistake (401 / 403 / 400 / 422 / 404), never a 500.

use axum::http::StatusCode;
use wenxun::store::inquiries::{self, NewManual};
use wenxun::store::users::Role;
use wenxun::store::{Actor, items};

use super::common::{draft, fixture};
use super::web_support::{Client, read, test_app};

async fn upload(
    c: &mut Client,
    token: &str,
    meeting: i64,
    name: &str,
    bytes: Vec<u8>,
) -> super::web_support::Resp {
    let parts: Vec<super::web_support::Part<'_>> = vec![
        ("title", None, "干部任免议题".as_bytes().to_vec()),
        ("file", Some(name), bytes),
    ];
    let req = super::web_support::api_multipart(
        &format!("/api/v1/meetings/{meeting}/items"),
        token,
        &parts,
    );
    c.send(req).await
}

#[tokio::test]
async fn the_api_creates_meetings_and_items_and_logs_outcomes() {
    let t = test_app().await;
    let reviewer = t.user("api-reviewer", Role::Reviewer).await;
    let token = t.token(reviewer).await;
    let mut c = t.client();

    let r = c
        .api(
            "POST",
            "/api/v1/meetings",
            Some(&token),
            Some(r#"{"title":"县政府常务会议","kind":"government_executive","date":"2026-11-21"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let meeting = r.json()["id"].as_i64().unwrap();

    let r = upload(&mut c, &token, meeting, "a07.docx", read(&draft("a07_"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let item = r.json();
    let item_id = item["id"].as_i64().unwrap();
    assert_eq!(item["title"], "干部任免议题");
    assert!(
        item["decision_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "personnel")
    );
    for p in item["inquiries"].as_array().unwrap() {
        for key in ["id", "kind", "severity", "quote", "question", "status"] {
            assert!(!p[key].is_null(), "{key} in {p}");
        }
        assert_eq!(p["status"], "open");
    }

    // Whatever the rules found, add one point so there is something to decide.
    let doc = &items::documents(&t.app.store, item_id).await.unwrap()[0];
    let quote: String = doc.text.chars().take(4).collect();
    let point = inquiries::add_manual(
        &t.app.store,
        &Actor::system(),
        &NewManual {
            item_id,
            document_id: doc.id,
            start_char: 0,
            end_char: 4,
            quote,
            clause: String::new(),
            kind: String::new(),
            kind_name: String::new(),
            severity: "low".into(),
            question: "请说明。".into(),
        },
    )
    .await
    .unwrap();
    let r = c
        .api(
            "GET",
            &format!("/api/v1/items/{item_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.json()["inquiries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == point.id)
    );

    let path = format!("/api/v1/inquiries/{}/outcome", point.id);
    let r = c
        .api(
            "POST",
            &path,
            Some(&token),
            Some(r#"{"outcome":"rejected","reason":""}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("理由"));
    let r = c
        .api("POST", &path, Some(&token), Some(r#"{"outcome":"maybe"}"#))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api(
            "POST",
            &path,
            Some(&token),
            Some(r#"{"outcome":"rejected","reason":"已有依据","minutes_ref":"纪要〔2026〕3号"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "rejected");
    let r = c
        .api(
            "POST",
            &path,
            Some(&token),
            Some(r#"{"outcome":"adopted","version":1}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale version");

    let r = c.api("GET", "/api/v1/stats", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let s = r.json();
    assert!(s["raised"].as_i64().unwrap() >= 1);
    assert_eq!(s["rejected"], 1);
    assert!(
        s["by_decision_type"]["personnel"]["raised"]
            .as_i64()
            .unwrap()
            >= 1
    );
    assert_eq!(s["by_meeting_kind"]["government_executive"]["rejected"], 1);
    assert_eq!(s["by_kind"]["manual"]["raised"], 1);
}

#[tokio::test]
async fn api_errors_are_json_with_the_right_status() {
    let t = test_app().await;
    let viewer = t.user("api-viewer", Role::Viewer).await;
    let viewer_token = t.token(viewer).await;
    let reviewer = t.user("api-reviewer", Role::Reviewer).await;
    let token = t.token(reviewer).await;
    let mut c = t.client();

    let r = c.api("GET", "/api/v1/stats", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["error"].as_str().unwrap().contains("令牌"));
    let r = c
        .api("GET", "/api/v1/stats", Some("not-a-token"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let body = r#"{"title":"会","kind":"other","date":"2026-11-21"}"#;
    let r = c
        .api("POST", "/api/v1/meetings", Some(&viewer_token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json()["error"].is_string());
    let r = c
        .api("GET", "/api/v1/stats", Some(&viewer_token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "viewers may read");

    let r = c
        .api("POST", "/api/v1/meetings", Some(&token), Some("{not json"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].as_str().unwrap().contains("JSON"));
    let r = c
        .api(
            "POST",
            "/api/v1/meetings",
            Some(&token),
            Some(r#"{"title":"会"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api(
            "POST",
            "/api/v1/meetings",
            Some(&token),
            Some(r#"{"title":"会","kind":"party","date":"2026-11-21"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api(
            "POST",
            "/api/v1/meetings",
            Some(&token),
            Some(r#"{"title":"会","kind":"other","date":"明天"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("日期"));
    let r = c.api("GET", "/api/v1/items/999", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "议题不存在");
    let r = c.api("GET", "/api/v1/items/abc", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].is_string());
    let r = c.api("GET", "/api/v1/nothing", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].is_string());

    // An unreadable upload is the client's problem: 422 with the reader's message.
    let r = c
        .api("POST", "/api/v1/meetings", Some(&token), Some(body))
        .await;
    let meeting = r.json()["id"].as_i64().unwrap();
    let r = upload(
        &mut c,
        &token,
        meeting,
        "corrupt.docx",
        read(&fixture("bad/corrupt.docx")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("损坏"));
    let r = upload(&mut c, &token, 999, "a.txt", b"x".to_vec()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .api(
            "POST",
            &format!("/api/v1/meetings/{meeting}/items"),
            Some(&token),
            Some("{}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].as_str().unwrap().contains("multipart"));
}
