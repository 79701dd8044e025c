//! Revised drafts: the drafting unit changes the 老旧小区改造 request after the
//! inquiry — the designer and supervisor are now tendered, and a new clause lets the
//! city investment company keep the surplus. The reviewer uploads the revision on
//! the item page (and through the API), sees the clause-by-clause comparison, the
//! earlier points marked 修订后已消除 / 仍存在 and the new one as 新增, with the
//! history of each point and the audit trail.

use axum::http::StatusCode;
use wenxun::store::users::Role;
use wenxun::store::{audit, inquiries, items};

use super::common::draft;
use super::web_support::{Client, Part, TestApp, api_multipart, create_meeting, read, test_app};

const TENDERED: &str = "（三）设计、监理单位通过县公共资源交易中心依法公开招标确定。";
const SURPLUS: &str = "（四）项目结余资金由县城投公司统筹用于其他项目，不再上缴县财政。";

/// The a02 request as the drafting unit revised it (plus a line with markup, which
/// must show as text).
fn revised() -> Vec<u8> {
    let original = String::from_utf8(read(&draft("a02_"))).expect("a02 is UTF-8");
    let text = original
        .replace(
            "（三）设计、监理单位由县城投公司结合项目实际选定。",
            TENDERED,
        )
        .replace(
            "　　（四）城关镇人民政府负责",
            &format!("　　{SURPLUS}\n　　（五）城关镇人民政府负责"),
        )
        .replace(
            "以上请示妥否，请批示。",
            "以上请示妥否，请批示。<script>alert(1)</script>",
        );
    assert_ne!(text, original);
    text.into_bytes()
}

/// A reviewer's client and the item made from the original a02 upload.
async fn item_with_original(t: &TestApp) -> (Client, i64) {
    let mut c = t.logged_in("revisor", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let r = c
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("a02_请示.txt"), read(&draft("a02_")))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let at = r.body.find("href=\"/items/").expect("item link") + "href=\"/items/".len();
    let item = r.body[at..]
        .split('"')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("item id");
    (c, item)
}

#[tokio::test]
async fn a_revised_draft_is_compared_clause_by_clause_and_rechecks_the_points() {
    let t = test_app().await;
    let (mut c, item) = item_with_original(&t).await;
    let v1 = items::documents(&t.app.store, item)
        .await
        .unwrap()
        .remove(0);
    let before = inquiries::current_for_document(&t.app.store, v1.id)
        .await
        .unwrap();
    let tender_point = before
        .iter()
        .find(|q| q.kind == "procurement.bidding_evasion" && q.clause == "二、（三）")
        .expect("the 选定 designer is an inquiry point of version 1");
    // The meeting adopted that point before the unit revised the draft.
    let r = c
        .post(
            &format!("/inquiries/{}/outcome", tender_point.id),
            &[
                ("version", "1"),
                ("outcome", "adopted"),
                ("reason", ""),
                ("minutes_ref", "纪要〔2026〕3号"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = c.get(&format!("/items/{item}")).await;
    assert!(page.body.contains("上传修订稿"), "the item page offers it");
    let r = c
        .upload(
            &format!("/items/{item}/revise"),
            &[
                ("document_id", None, v1.id.to_string().into_bytes()),
                ("file", Some("a02_请示（修改稿）.txt"), revised()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with("/changes"), "{}", r.location());
    let docs = items::documents(&t.app.store, item).await.unwrap();
    assert_eq!(docs.len(), 2, "both versions are kept");
    let v2 = &docs[1];
    assert_eq!((v2.revision, v2.supersedes), (2, Some(v1.id)));
    assert_eq!(
        wenxun::store::blobs::read(&t.app.store.data_dir, &v2.sha256).unwrap(),
        revised(),
        "the revision's original is stored byte for byte"
    );

    // The comparison: the tendered clause changed (word-level), the new clause added,
    // everything escaped.
    let changes = c.get(r.location()).await;
    assert_eq!(changes.status, StatusCode::OK);
    let body = &changes.body;
    assert!(body.contains("第 1 版 → 第 2 版"), "{body}");
    assert!(body.contains("<ins>"), "{body}");
    assert!(body.contains("<del>"), "{body}");
    assert!(body.contains("公开招标"), "{body}");
    assert!(body.contains("新增</span>"), "{body}");
    assert!(body.contains(SURPLUS), "{body}");
    assert!(!body.contains("<script>alert"), "draft text is escaped");
    assert!(body.contains("&lt;script&gt;"), "{body}");

    // The re-check: the tendered point is resolved, the others persist with links,
    // the surplus clause is a new point.
    let tender = inquiries::get(&t.app.store, tender_point.id).await.unwrap();
    assert_eq!(tender.revision_status, "resolved");
    assert_eq!(tender.status, "adopted", "its outcome is kept");
    assert!(body.contains("修订后已消除"), "{body}");
    let persisting: Vec<_> = before.iter().filter(|q| q.id != tender_point.id).collect();
    for q in &persisting {
        let now = inquiries::get(&t.app.store, q.id).await.unwrap();
        assert_eq!(now.revision_status, "persists", "{} {}", q.kind, q.clause);
        let next = inquiries::get(&t.app.store, now.successor_id.unwrap())
            .await
            .unwrap();
        assert_eq!(
            (next.document_id, next.kind.as_str()),
            (v2.id, q.kind.as_str())
        );
        assert_eq!(next.revision_status, "continued");
    }
    let current = inquiries::current_for_document(&t.app.store, v2.id)
        .await
        .unwrap();
    let new: Vec<_> = current
        .iter()
        .filter(|q| q.revision_status == "new")
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].kind, "funds.earmark_misuse");
    assert!(new[0].quote.contains("结余资金"));

    // The item page shows the current points first, the earlier version folded and
    // its points as history with their statuses.
    let page = c.get(&format!("/items/{item}")).await;
    let body = &page.body;
    assert!(body.contains("第 2 版"), "{body}");
    assert!(body.contains("已被修订稿取代"), "{body}");
    assert!(body.contains("历次版本的问询要点"), "{body}");
    assert!(body.contains("修订后已消除") && body.contains("仍存在") && body.contains("新增"));
    let current_at = body.find(&format!("id=\"p{}\"", new[0].id)).unwrap();
    let history_at = body.find("历次版本的问询要点").unwrap();
    assert!(current_at < history_at, "current points come first");
    assert!(
        body.contains(&format!("待问询 {} 条", current.len())),
        "{body}"
    );

    // The point's own history page tells the same story, and the audit trail has it.
    let hist = c.get(&format!("/inquiries/{}", tender_point.id)).await;
    assert!(hist.body.contains("修订后已消除"), "{}", hist.body);
    assert!(hist.body.contains("inquiry.revision"), "{}", hist.body);
    let q = persisting[0];
    let succ = inquiries::get(&t.app.store, q.id)
        .await
        .unwrap()
        .successor_id
        .unwrap();
    let hist = c.get(&format!("/inquiries/{succ}")).await;
    assert!(
        hist.body.contains(&format!("/inquiries/{}", q.id)),
        "{}",
        hist.body
    );
    let rows = audit::list(
        &t.app.store,
        &audit::Filter {
            action: "document.revise".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]
            .after_json
            .as_deref()
            .unwrap()
            .contains("\"resolved\":1")
    );

    // Earlier versions are history: no new manual points on them, no second revision
    // of the same version.
    let r = c
        .upload(
            &format!("/items/{item}/revise"),
            &[
                ("document_id", None, v1.id.to_string().into_bytes()),
                ("file", Some("again.txt"), revised()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("更新的版本"), "{}", r.body);
    let r = c
        .post(
            &format!("/items/{item}/points"),
            &[
                ("document_id", &v1.id.to_string()),
                ("start", "0"),
                ("end", "4"),
                ("quote", &v1.text.chars().take(4).collect::<String>()),
                ("severity", "low"),
                ("question", "？"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // The printed inquiry list has only the current version's points.
    let meeting = items::get(&t.app.store, item).await.unwrap().meeting_id;
    let list = c.get(&format!("/meetings/{meeting}/inquiries")).await;
    assert!(list.body.contains("结余资金"));
    assert!(!list.body.contains("结合项目实际选定"), "{}", list.body);
}

#[tokio::test]
async fn revisions_need_an_editor_csrf_and_a_readable_file() {
    let t = test_app().await;
    let (mut c, item) = item_with_original(&t).await;
    let mut viewer = t.logged_in("onlooker", Role::Viewer).await;
    let parts: [Part<'_>; 1] = [("file", Some("v2.txt"), revised())];
    let r = viewer
        .upload(&format!("/items/{item}/revise"), &parts)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post_multipart_raw(&format!("/items/{item}/revise"), &parts)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = c
        .upload(
            &format!("/items/{item}/revise"),
            &[("file", Some("old.doc"), b"\xd0\xcf\x11\xe0 legacy".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(".docx"), "{}", r.body);
    assert_eq!(items::documents(&t.app.store, item).await.unwrap().len(), 1);
    // A first version has nothing to compare with.
    let v1 = items::documents(&t.app.store, item).await.unwrap()[0].id;
    assert_eq!(
        c.get(&format!("/documents/{v1}/changes")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_api_takes_a_revision_and_reports_the_recheck() {
    let t = test_app().await;
    let (_c, item) = item_with_original(&t).await;
    let uid = wenxun::store::users::by_name(&t.app.store, "revisor")
        .await
        .unwrap()
        .unwrap()
        .id;
    let token = t.token(uid).await;
    let mut c = t.client();
    let send = |parts: Vec<Part<'static>>, path: String| api_multipart(&path, &token, &parts);
    let r = c
        .send(send(
            vec![("file", Some("v2.txt"), revised())],
            format!("/api/v1/items/{item}/versions"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!(j["revision"]["revision"], 2);
    assert_eq!(j["revision"]["points"]["resolved"], 1);
    assert_eq!(j["revision"]["points"]["new"], 1);
    assert_eq!(j["revision"]["changes"]["added"], 1);
    let docs = j["documents"].as_array().unwrap();
    assert_eq!(docs[1]["supersedes"], docs[0]["id"]);
    let statuses: Vec<&str> = j["inquiries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["revision_status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"resolved") && statuses.contains(&"persists"));
    assert!(statuses.contains(&"new") && statuses.contains(&"continued"));

    // Revising again builds on version 2 by default; a pack or a missing item is refused.
    let r = c
        .send(send(
            vec![("file", Some("v3.txt"), revised())],
            format!("/api/v1/items/{item}/versions"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["revision"]["revision"], 3);
    assert_eq!(r.json()["revision"]["changes"]["changed"], 0);
    let r = c
        .send(send(
            vec![("file", Some("pack.zip"), b"PK\x03\x04".to_vec())],
            format!("/api/v1/items/{item}/versions"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("压缩包"));
    let r = c
        .send(send(
            vec![("file", Some("v2.txt"), revised())],
            "/api/v1/items/999/versions".into(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}
