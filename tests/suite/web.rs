//! The reviewer's story through the pages: first login with the one-time password,
//! a meeting, uploads (a .docx, several files, a .zip pack with a broken member),
//! the item page with highlighted evidence, editing, a stale edit refused, dropping
//! with a reason, outcomes, and the audit trail that recorded all of it.

use std::io::Write;

use axum::http::StatusCode;
use wenxun::store::users::Role;
use wenxun::store::{audit, inquiries, items};

use super::common::{draft, fixture};
use super::web_support::{Client, TestApp, create_meeting, read, test_app};

/// The item ids linked from an upload result page, in order.
fn item_links(html: &str) -> Vec<i64> {
    html.match_indices("href=\"/items/")
        .filter_map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest.split('"').next()?.parse().ok()
        })
        .collect()
}

/// Adds a manual point quoting `len` characters of the item's first document at the
/// start of its first long enough paragraph, as the page's script would.
pub async fn manual_point(t: &TestApp, c: &mut Client, item: i64, question: &str) -> (i64, String) {
    let docs = items::documents(&t.app.store, item)
        .await
        .expect("documents");
    let d = &docs[0];
    let mut start = 0usize;
    let mut quote = String::new();
    for line in d.text.split('\n') {
        let n = line.chars().count();
        if n >= 8 {
            quote = line.chars().take(8).collect();
            break;
        }
        start += n + 1;
    }
    assert!(!quote.is_empty(), "a paragraph to quote");
    let r = c
        .post(
            &format!("/items/{item}/points"),
            &[
                ("document_id", &d.id.to_string()),
                ("start", &start.to_string()),
                ("end", &(start + 8).to_string()),
                ("quote", &quote),
                ("kind", ""),
                ("severity", "medium"),
                ("question", question),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let points = inquiries::list_for_item(&t.app.store, item)
        .await
        .expect("points");
    let p = points
        .iter()
        .filter(|p| p.origin == "manual")
        .max_by_key(|p| p.id)
        .expect("manual point stored");
    (p.id, quote)
}

#[tokio::test]
async fn first_login_forces_a_password_change() {
    let t = test_app().await;
    let password = t
        .app
        .ensure_admin()
        .await
        .expect("admin")
        .expect("first start");
    assert!(
        t.app.ensure_admin().await.expect("admin").is_none(),
        "only once"
    );
    let mut c = t.client();
    let r = c.login("admin", &password).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/password")
    );
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.contains("Secure"), "plain localhost has no TLS");
    // Every other page sends the user back to the password page.
    assert_eq!(c.get("/meetings").await.location(), "/password");
    c.refresh_csrf().await;
    let short = c
        .post(
            "/password",
            &[
                ("current", &password),
                ("new", "short"),
                ("repeat", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("至少"));
    let wrong = c
        .post(
            "/password",
            &[
                ("current", "nope"),
                ("new", "a-long-new-password"),
                ("repeat", "a-long-new-password"),
            ],
        )
        .await;
    assert!(wrong.body.contains("当前密码不正确"));
    let ok = c
        .post(
            "/password",
            &[
                ("current", &password),
                ("new", "a-long-new-password"),
                ("repeat", "a-long-new-password"),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location()),
        (StatusCode::SEE_OTHER, "/meetings")
    );
    assert_eq!(c.get("/meetings").await.status, StatusCode::OK);
    // The one-time password no longer works.
    let mut again = t.client();
    assert_eq!(
        again.login("admin", &password).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.login("admin", "a-long-new-password").await.location(),
        "/meetings"
    );
}

#[tokio::test]
async fn a_reviewer_uploads_drafts_and_works_the_inquiry_list() {
    let t = test_app().await;
    let mut c = t.logged_in("zhang", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let page = c.get(&format!("/meetings/{meeting}")).await;
    assert!(page.body.contains("县委常委会") && page.body.contains("十五届第 12 次"));

    // One .docx.
    let docx = read(&draft("a07_"));
    let r = c
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[
                ("title", None, Vec::new()),
                ("unit", None, "县委组织部".as_bytes().to_vec()),
                ("files", Some("a07_干部任免议题说明.docx"), docx.clone()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("已保存到议题"), "{}", r.body);
    let item = item_links(&r.body)[0];
    // The original is stored byte for byte, addressed by its sha256.
    let docs = items::documents(&t.app.store, item).await.unwrap();
    let stored = wenxun::store::blobs::read(&t.app.store.data_dir, &docs[0].sha256).unwrap();
    assert_eq!(stored, docx);

    // Several files at once, one of them unreadable.
    let r = c
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[
                ("files", Some("a01.txt"), read(&draft("a01_"))),
                (
                    "files",
                    Some("legacy.doc"),
                    read(&fixture("bad/legacy.doc")),
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(item_links(&r.body).len(), 1, "{}", r.body);
    assert!(r.body.contains("请另存为 .docx"), "{}", r.body);

    // A .zip pack with a corrupt member: the others are kept.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in [
        ("材料/a02.txt", read(&draft("a02_"))),
        ("材料/corrupt.docx", read(&fixture("bad/corrupt.docx"))),
        ("材料/a12.docx", read(&draft("a12_"))),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&bytes).unwrap();
    }
    let pack = zip.finish().unwrap().into_inner();
    let r = c
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("议题材料.zip"), pack)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(item_links(&r.body).len(), 2, "{}", r.body);
    assert!(
        r.body.contains("议题材料.zip&#x2f;corrupt.docx"),
        "{}",
        r.body
    );
    assert!(r.body.contains("文件已损坏"), "{}", r.body);
    let listed = items::list_for_meeting(&t.app.store, meeting)
        .await
        .unwrap();
    assert_eq!(listed.len(), 4);
    let page = c.get(&format!("/meetings/{meeting}")).await;
    assert!(
        page.body.contains("重要干部任免"),
        "the 三重一大 badge is shown"
    );

    // A draft with markup in it is shown as text, not run.
    let r = c
        .upload(
            &format!("/items/{item}/upload"),
            &[(
                "files",
                Some("附件.txt"),
                "第一条 <script>alert(1)</script> 拟直接委托县城投公司实施。"
                    .as_bytes()
                    .to_vec(),
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The item page: rule findings (whatever the shipped rules give) and a manual
    // point, each highlighted in the text.
    let rule_points = inquiries::list_for_item(&t.app.store, item).await.unwrap();
    let (p1, quote) = manual_point(&t, &mut c, item, "请说明<b>考察</b>程序。").await;
    let (p2, _) = manual_point(&t, &mut c, item, "第二个问题").await;
    let (p3, _) = manual_point(&t, &mut c, item, "第三个问题").await;
    let page = c.get(&format!("/items/{item}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<mark class=\"hl"));
    // Every point's evidence has an anchor in the text.
    for p in &rule_points {
        assert!(
            page.body.contains(&format!("id=\"m{}\"", p.id)),
            "point {}",
            p.id
        );
    }
    assert!(page.body.contains(&format!("id=\"m{p1}\"")));
    assert!(page.body.contains(&quote));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped draft text"
    );
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(
        page.body.contains("请说明&lt;b&gt;考察&lt;"),
        "escaped question"
    );
    if !rule_points.is_empty() {
        assert!(page.body.contains("规则 <code>"), "rule id shown");
    }

    // Edit, then a stale edit based on the old version is refused.
    let edit =
        |v: &'static str, q: &'static str| [("version", v), ("question", q), ("severity", "high")];
    let r = c
        .post(
            &format!("/inquiries/{p1}/edit"),
            &edit("1", "请说明考察程序是否完整？"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post(
            &format!("/inquiries/{p1}/edit"),
            &edit("1", "覆盖他人的修改"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("已被他人修改"), "{}", r.body);
    let p = inquiries::get(&t.app.store, p1).await.unwrap();
    assert_eq!(
        (p.question.as_str(), p.severity.as_str(), p.version),
        ("请说明考察程序是否完整？", "high", 2)
    );

    // Drop needs a reason; the dropped point stays visible.
    let r = c
        .post(
            &format!("/inquiries/{p2}/drop"),
            &[("version", "1"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post(
            &format!("/inquiries/{p2}/drop"),
            &[("version", "1"), ("reason", "与第一点重复")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&format!("/items/{item}")).await;
    assert!(page.body.contains("舍弃理由：与第一点重复"));

    // Outcomes: 未采纳 needs a reason.
    let r = c
        .post(
            &format!("/inquiries/{p3}/outcome"),
            &[
                ("version", "1"),
                ("outcome", "rejected"),
                ("reason", ""),
                ("minutes_ref", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("必须填写理由"));
    let r = c
        .post(
            &format!("/inquiries/{p3}/outcome"),
            &[
                ("version", "1"),
                ("outcome", "rejected"),
                ("reason", "会议认为程序已完备"),
                ("minutes_ref", "常委会纪要〔2026〕12号"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c
        .post(
            &format!("/inquiries/{p1}/outcome"),
            &[
                ("version", "2"),
                ("outcome", "adopted"),
                ("reason", ""),
                ("minutes_ref", "纪要第3页"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Outcomes on a dropped point are refused.
    let r = c
        .post(
            &format!("/inquiries/{p2}/outcome"),
            &[("version", "2"), ("outcome", "adopted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Each point's history is visible.
    let h = c.get(&format!("/inquiries/{p3}")).await;
    assert!(h.body.contains("会议认为程序已完备") && h.body.contains("常委会纪要〔2026〕12号"));
    assert!(h.body.contains("inquiry.outcome") && h.body.contains("zhang"));

    // The audit trail has every change, and its chain verifies.
    let rows = audit::list(
        &t.app.store,
        &audit::Filter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for a in [
        "login",
        "meeting.create",
        "item.create",
        "document.upload",
        "inquiry.add",
        "inquiry.edit",
        "inquiry.drop",
        "inquiry.outcome",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let v = audit::verify(&t.app.store).await.unwrap();
    assert_eq!(v.broken_at, None);
    assert_eq!(v.rows, rows.len() as i64);
}

#[tokio::test]
async fn an_admin_manages_users_and_reads_the_audit_trail() {
    let t = test_app().await;
    let mut c = t.logged_in("root", Role::Admin).await;
    let r = c
        .post("/admin/users", &[("name", "li"), ("role", "leader")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("一次性密码"));
    let secret = r.body.split("<code class=\"secret\">").nth(1).unwrap();
    let password = secret.split('<').next().unwrap().to_string();
    let mut li = t.client();
    assert_eq!(li.login("li", &password).await.location(), "/password");
    let dup = c
        .post("/admin/users", &[("name", "li"), ("role", "viewer")])
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let li_id = wenxun::store::users::by_name(&t.app.store, "li")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = c.post(&format!("/admin/users/{li_id}/disable"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The disabled user's session is gone.
    assert_eq!(li.get("/password").await.location(), "/login");
    let page = c.get("/admin/audit?action=user.disable").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("哈希链校验通过"));
    assert!(page.body.contains("user.disable"));
    assert!(!page.body.contains(">user.create<"), "filtered by action");
    let r = c.post(&format!("/admin/users/{li_id}/reset"), &[]).await;
    assert!(r.body.contains("一次性密码"));
}

#[tokio::test]
async fn demo_mode_loads_a_sample_meeting_once() {
    let t = test_app().await;
    let dir = super::common::fixture("drafts");
    let id = wenxun::app::load_demo(&t.app, &dir)
        .await
        .expect("demo loads")
        .expect("a meeting");
    let listed = items::list_for_meeting(&t.app.store, id).await.unwrap();
    assert!(listed.len() >= 5, "{} items", listed.len());
    assert!(listed.iter().any(|i| !i.decision_types.is_empty()));
    assert!(
        wenxun::app::load_demo(&t.app, &dir)
            .await
            .unwrap()
            .is_none(),
        "not loaded twice"
    );
    let mut c = t.logged_in("demo-viewer", Role::Viewer).await;
    let page = c.get(&format!("/meetings/{id}")).await;
    assert!(page.body.contains("（演示）"));
}

#[tokio::test]
async fn the_printable_inquiry_list_and_statistics_are_audited_exports() {
    let t = test_app().await;
    let mut c = t.logged_in("zhang", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let r = c
        .upload(
            &format!("/meetings/{meeting}/upload"),
            &[("files", Some("a07.docx"), read(&draft("a07_")))],
        )
        .await;
    let item = item_links(&r.body)[0];
    let (p, _) = manual_point(&t, &mut c, item, "请说明考察<程序>。").await;
    c.post(
        &format!("/inquiries/{p}/outcome"),
        &[
            ("version", "1"),
            ("outcome", "adopted"),
            ("minutes_ref", "纪要第2页"),
        ],
    )
    .await;

    let mut viewer = t.logged_in("reader", Role::Viewer).await;
    let list = viewer.get(&format!("/meetings/{meeting}/inquiries")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("廉政问询清单"));
    assert!(list.body.contains("请说明考察&lt;程序&gt;。"));
    assert!(list.body.contains("打印人：reader"));

    let docx = viewer
        .get(&format!("/meetings/{meeting}/inquiries.docx"))
        .await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(
        docx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let read_back =
        wenxun::ingest::read_bytes("list.docx", &docx.bytes, &wenxun::ingest::Limits::default())
            .expect("the export is a readable .docx");
    assert!(read_back.text.contains("请说明考察<程序>。"));
    assert!(read_back.text.contains("导出人：reader"));
    let stats = viewer.get("/stats").await;
    assert_eq!(stats.status, StatusCode::OK);
    assert!(stats.body.contains("<svg class=\"bar\""));
    assert!(stats.body.contains("重要干部任免") && stats.body.contains("县委常委会"));
    let csv = viewer.get("/stats.csv").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.body.contains("分组,键,名称,提出"));
    let personnel = csv
        .body
        .lines()
        .find(|l| l.contains(",personnel,"))
        .expect("a personnel row");
    assert!(
        personnel.starts_with("三重一大类型,personnel,重要干部任免,"),
        "{personnel}"
    );

    let rows = audit::list(
        &t.app.store,
        &audit::Filter {
            user: "reader".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for a in [
        "meeting.print_inquiries",
        "meeting.export_docx",
        "stats.export_csv",
    ] {
        assert!(actions.contains(&a), "{a}");
    }
}
