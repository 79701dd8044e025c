//! Search and precedent in the workbench: a reviewer uploads a draft (or a revised
//! version) and finds its clause at once, opens the hit at that clause or in an
//! archive document, narrows by filters and pages through results, gets a Chinese
//! message for a bad filter, uses the JSON API with a token, sees the earlier
//! similar item with what became of its points, and finds rows the index missed
//! repaired when the app starts again; the demo shows precedent.

use std::sync::Arc;

use axum::http::StatusCode;
use wenxun::app::{self, App, Destination, Upload};
use wenxun::store::inquiries;
use wenxun::store::meetings::{self, MeetingKind, NewMeeting};
use wenxun::store::users::Role;
use wenxun::store::{Actor, Store};

use super::common::draft;
use super::search::{SUPPLY_DRAFT, store_without_indexing};
use super::web_support::{Client, RULES, TestApp, create_meeting, read, test_app};

/// Uploads files through the meeting page; returns the result page.
async fn upload_page(
    c: &mut Client,
    meeting: i64,
    unit: &str,
    files: &[(&str, Vec<u8>)],
) -> String {
    let mut parts: Vec<super::web_support::Part<'_>> = vec![
        ("title", None, Vec::new()),
        ("unit", None, unit.as_bytes().to_vec()),
    ];
    for (name, bytes) in files {
        parts.push(("files", Some(name), bytes.clone()));
    }
    let r = c
        .upload(&format!("/meetings/{meeting}/upload"), &parts)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

/// An attribute value as the browser reads it (the template escapes `/` and `&`).
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&amp;", "&")
}

/// The `href`s of the search hits on a results page.
fn hit_links(html: &str) -> Vec<String> {
    html.split("<p class=\"hit-head\">")
        .skip(1)
        .filter_map(|h| {
            let at = h.find("<a href=\"")? + "<a href=\"".len();
            Some(unescape(&h[at..at + h[at..].find('"')?]))
        })
        .collect()
}

#[tokio::test]
async fn an_uploaded_draft_is_found_at_once_and_the_hit_opens_its_clause() {
    let t = test_app().await;
    let mut c = t.logged_in("zhang", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let a04 = draft("a04_");
    let name = a04.file_name().unwrap().to_string_lossy().into_owned();
    upload_page(&mut c, meeting, "县招商局", &[(&name, read(&a04))]).await;
    t.app.index.flush().await.expect("flush");

    let page = c.get("/meetings").await;
    assert!(
        page.body.contains("href=\"/search\""),
        "search in the top navigation"
    );
    let r = c.get("/search?q=%E5%82%A8%E8%83%BD").await; // 储能
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<b>储能</b>"), "{}", r.body);
    assert!(r.body.contains("毫秒"), "time taken is shown");
    let links = hit_links(&r.body);
    let clause = links
        .iter()
        .find(|l| l.contains("#hit"))
        .unwrap_or_else(|| panic!("a clause hit: {links:?}"));
    assert!(
        clause.starts_with("/items/") && clause.contains("?doc="),
        "{clause}"
    );

    // The hit opens the item with that clause's paragraph marked.
    let item = c.get(clause).await;
    assert_eq!(item.status, StatusCode::OK);
    assert_eq!(
        item.body.matches("id=\"hit\"").count(),
        1,
        "one marked paragraph"
    );
    let marked = &item.body[item.body.find("search-hit").unwrap()..];
    let marked = &marked[..marked.find("</p>").unwrap()];
    assert!(marked.contains("储能"), "{marked}");

    // Points are hits too, opening the point's card.
    let r = c.get("/search?kind=inquiry").await;
    let links = hit_links(&r.body);
    assert!(!links.is_empty(), "{}", r.body);
    assert!(links.iter().all(|l| l.contains("#p")), "{links:?}");
}

#[tokio::test]
async fn snippets_show_a_drafts_markup_as_text() {
    let t = test_app().await;
    let mut c = t.logged_in("zhang", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let text = "关于网页改版的请示\n第一条 页面嵌入<script>alert('x')</script>代码片段，并由信息中心直接委托维护。\n";
    upload_page(
        &mut c,
        meeting,
        "",
        &[("网页改版.txt", text.as_bytes().to_vec())],
    )
    .await;
    t.app.index.flush().await.expect("flush");
    let r = c.get("/search?q=alert").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("<script>alert"), "{}", r.body);
    assert!(r.body.contains("&lt;script&gt;"), "{}", r.body);
    assert!(r.body.contains("<b>alert</b>"), "{}", r.body);
}

#[tokio::test]
async fn filters_pages_and_bad_values_on_the_search_page() {
    let t = test_app().await;
    let mut c = t.logged_in("zhang", Role::Reviewer).await;
    let meeting = create_meeting(&mut c).await;
    let files: Vec<(String, Vec<u8>)> = ["a01_", "a04_", "a09_", "a11_"]
        .iter()
        .map(|p| {
            let d = draft(p);
            (
                d.file_name().unwrap().to_string_lossy().into_owned(),
                read(&d),
            )
        })
        .collect();
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    upload_page(&mut c, meeting, "县国资中心", &files[..2]).await;
    upload_page(&mut c, meeting, "县水务局", &files[2..]).await;
    t.app.index.flush().await.expect("flush");

    // An empty query shows how to search, not an empty list.
    let r = c.get("/search").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("检索历次草案"), "{}", r.body);
    assert!(
        r.body.contains("<option value=\"县水务局\""),
        "units offered"
    );

    // The unit filter keeps only that unit's hits (点 is a word of every draft).
    let all = c.get("/search?q=%E5%85%AC%E5%8F%B8").await; // 公司
    let unit = c
        .get("/search?q=%E5%85%AC%E5%8F%B8&unit=%E5%8E%BF%E6%B0%B4%E5%8A%A1%E5%B1%80")
        .await;
    assert_eq!(unit.status, StatusCode::OK);
    assert!(unit.body.contains("县水务局") && !unit.body.contains("· 县国资中心"));
    assert!(hit_links(&unit.body).len() <= hit_links(&all.body).len());

    // Filter-only: every point of the meeting, twenty to a page.
    let r = c.get("/search?kind=inquiry&sort=date").await;
    assert_eq!(r.status, StatusCode::OK);
    let first = hit_links(&r.body);
    assert_eq!(first.len(), 20, "{}", r.body);
    assert!(r.body.contains("rel=\"next\""));
    let next = c.get("/search?kind=inquiry&sort=date&page=2").await;
    let second = hit_links(&next.body);
    assert!(!second.is_empty());
    assert!(
        second.iter().all(|l| !first.contains(l)),
        "pages do not overlap"
    );
    assert!(next.body.contains("rel=\"prev\""));

    // Bad values: a Chinese message naming the field, with the form kept.
    for (query, msg) in [
        ("/search?q=x&from=2025-13-01", "起始日期"),
        ("/search?q=x&meeting_kind=weekly", "未知的会议类型"),
        ("/search?q=x&risk_kind=nope", "未知的风险类型"),
        ("/search?q=x&outcome=maybe", "未知的处理结果"),
        ("/search?q=x&page=abc", "页码"),
        ("/search?q=x&kind=file", "命中类型"),
        (
            "/search?q=x&from=2026-02-01&to=2026-01-01",
            "起始日期晚于截止日期",
        ),
    ] {
        let r = c.get(query).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(r.body.contains(msg), "{query}: {}", r.body);
        assert!(r.body.contains("name=\"q\" value=\"x\""), "{query}");
    }

    // Not logged in: the login page.
    let r = t.client().get("/search?q=x").await;
    assert_eq!(r.location(), "/login");
}

#[tokio::test]
async fn the_search_api_answers_json_to_a_token_and_401_without_one() {
    let t = test_app().await;
    let reviewer = t.user("api-reviewer", Role::Reviewer).await;
    let viewer = t.user("api-viewer", Role::Viewer).await;
    let meeting = meetings::create(
        &t.app.store,
        &Actor::system(),
        &NewMeeting {
            title: "常委会".into(),
            kind: MeetingKind::StandingCommittee,
            session_label: String::new(),
            date: "2026-03-01".into(),
        },
    )
    .await
    .unwrap();
    let a04 = draft("a04_");
    app::upload(
        &t.app,
        &Actor::system(),
        Destination::Meeting {
            meeting_id: meeting.id,
            title: None,
            unit: "县招商局".into(),
        },
        vec![Upload {
            name: "a04.txt".into(),
            bytes: read(&a04),
        }],
    )
    .await
    .unwrap();
    t.app.index.flush().await.unwrap();
    let mut c = t.client();
    let path = "/api/v1/search?q=%E5%82%A8%E8%83%BD&limit=3&sort=date";

    let r = c.api("GET", path, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["error"].is_string());
    let r = c.api("GET", path, Some("not-a-token"), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    for user in [reviewer, viewer] {
        let token = t.token(user).await;
        let r = c.api("GET", path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let json = r.json();
        assert!(json["total"].as_u64().unwrap() >= 3, "{json}");
        assert!(json["took_ms"].is_number());
        let hits = json["hits"].as_array().unwrap();
        assert_eq!(hits.len(), 3);
        for h in hits {
            assert!(h["snippet"].as_str().unwrap().contains("<b>"), "{h}");
            assert!(h["score"].is_number() && h["title"].is_string());
            assert!(h["clause"].is_string() && h["path"].is_string());
            assert_eq!(h["date"], "2026-03-01");
            assert!(h["link"].as_str().unwrap().starts_with("/items/"));
            assert!(h["item_id"].is_i64());
            assert!(["clause", "inquiry"].contains(&h["kind"].as_str().unwrap()));
        }
    }
    let token = t.token(viewer).await;
    let r = c
        .api(
            "GET",
            "/api/v1/search?q=x&date_to=&from=yesterday",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].as_str().unwrap().contains("起始日期"));
}

async fn meeting(store: &Store, date: &str) -> i64 {
    meetings::create(
        store,
        &Actor::system(),
        &NewMeeting {
            title: format!("{date} 常务会议"),
            kind: MeetingKind::GovernmentExecutive,
            session_label: String::new(),
            date: date.into(),
        },
    )
    .await
    .expect("meeting")
    .id
}

#[tokio::test]
async fn the_item_page_shows_the_earlier_similar_item_with_its_outcome_and_reason() {
    let t = test_app().await;
    let mut c = t.logged_in("zhang", Role::Reviewer).await;
    let (old_meeting, new_meeting) = (
        meeting(&t.app.store, "2025-04-01").await,
        meeting(&t.app.store, "2026-11-20").await,
    );
    let a01 = read(&draft("a01_"));
    let text = String::from_utf8(a01.clone()).unwrap();
    let mut ids = Vec::new();
    for (m, name, bytes) in [
        (old_meeting, "领导人员管理办法.txt", a01),
        (
            new_meeting,
            "领导人员管理办法（修改稿）.txt",
            text.replacen("2025年3月", "2026年9月", 1).into_bytes(),
        ),
    ] {
        let out = app::upload(
            &t.app,
            &Actor::system(),
            Destination::Meeting {
                meeting_id: m,
                title: Some(if m == old_meeting {
                    "往期领导人员办法".into()
                } else {
                    "本次领导人员办法".into()
                }),
                unit: "县国资中心".into(),
            },
            vec![Upload {
                name: name.into(),
                bytes,
            }],
        )
        .await
        .unwrap();
        ids.push(out[0].stored.as_ref().unwrap().item_id);
    }
    let (old_item, new_item) = (ids[0], ids[1]);
    // The earlier point is rejected with a reason, through the page.
    let old_points = inquiries::list_for_item(&t.app.store, old_item)
        .await
        .unwrap();
    let p = &old_points[0];
    let r = c
        .post(
            &format!("/inquiries/{}/outcome", p.id),
            &[
                ("version", &p.version.to_string()),
                ("outcome", "rejected"),
                ("reason", "上级已有明确规定，无须另设程序"),
                ("minutes_ref", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The page indexed the outcome itself: nothing is left for the start-up check.
    let report = t.app.index.reconcile(&t.app.store).await.unwrap();
    assert_eq!(report.indexed, 0, "{report:?}");

    let page = c.get(&format!("/items/{new_item}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let panel_at = page.body.find("相似的往期议题").expect("precedent panel");
    let panel = &page.body[panel_at..];
    let panel = &panel[..panel.find("</section>").unwrap()];
    assert!(
        panel.contains(&format!("href=\"/items/{old_item}\"")),
        "{panel}"
    );
    assert!(panel.contains("往期领导人员办法") && panel.contains("2025-04-01"));
    assert!(
        panel.contains("未采纳") && panel.contains("上级已有明确规定"),
        "{panel}"
    );
    assert!(
        !panel.contains(&format!("href=\"/items/{new_item}\"")),
        "never itself"
    );

    // Under the matching point of the new item: what became of the earlier one.
    assert!(page.body.contains("往期类似问询"), "point precedent");
    assert!(
        page.body.contains("上次类似条款提出的问询"),
        "{}",
        &page.body[page.body.find("class=\"points\"").unwrap()..]
    );
    let new_points = inquiries::list_for_item(&t.app.store, new_item)
        .await
        .unwrap();
    let twin = new_points
        .iter()
        .find(|q| q.kind == p.kind && q.quote == p.quote)
        .expect("the same point on the new item");
    let point_page = c.get(&format!("/inquiries/{}", twin.id)).await;
    assert!(point_page.body.contains("上次类似条款提出的问询"));
    assert!(point_page.body.contains("上级已有明确规定，无须另设程序"));

    // The old item is earlier than everything: its points have no precedent, and
    // its similar items (the later copy) are listed without claiming precedence.
    let page = c.get(&format!("/items/{old_item}")).await;
    assert!(!page.body.contains("上次类似条款提出的问询"));
}

#[tokio::test]
async fn rows_committed_without_indexing_are_found_after_the_app_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let build = || async {
        App::build(
            wenxun::config::Config::default(),
            dir.path(),
            Arc::clone(&RULES),
            Default::default(),
        )
        .await
        .expect("app builds")
    };
    let first = build().await;
    let m = meeting(&first.store, "2026-02-02").await;
    let (item, _) = store_without_indexing(&first.store, m, "县水务局", SUPPLY_DRAFT).await;
    let finds = |app: &Arc<App>| {
        app.index
            .search(&wenxun::search::SearchRequest::new("成本监审"))
            .unwrap()
            .hits
            .iter()
            .any(|h| h.item_id == Some(item))
    };
    first.index.flush().await.unwrap();
    assert!(!finds(&first), "the process 'died' before indexing");
    drop(first);

    let app = build().await;
    let report = app.start_reconcile().await.unwrap().expect("reconciled");
    assert_eq!(report.indexed, 1, "{report:?}");
    assert!(finds(&app));
    let t = TestApp {
        router: wenxun::web::router(Arc::clone(&app)),
        app,
        _dir: dir,
    };
    let mut c = t.logged_in("li", Role::Viewer).await;
    let r = c
        .get("/search?q=%E6%88%90%E6%9C%AC%E7%9B%91%E5%AE%A1")
        .await; // 成本监审
    assert!(r.body.contains("<b>成本监审</b>"), "{}", r.body);
}

#[tokio::test]
async fn the_demo_shows_precedent_from_an_earlier_meeting() {
    let t = test_app().await;
    let dir = super::common::fixture("drafts");
    let current = app::load_demo(&t.app, &dir).await.unwrap().expect("demo");
    let items = wenxun::store::items::list_for_meeting(&t.app.store, current)
        .await
        .unwrap();
    assert!((5..=15).contains(&items.len()), "{} items", items.len());
    let mut c = t.logged_in("demo-viewer", Role::Viewer).await;
    let mut with_panel = 0;
    let mut with_reason = 0;
    for i in &items {
        let page = c.get(&format!("/items/{}", i.item.id)).await;
        with_panel += usize::from(page.body.contains("相似的往期议题"));
        with_reason += usize::from(page.body.contains("上次类似条款提出的问询"));
    }
    assert!(
        with_panel >= items.len() - 1,
        "{with_panel} of {}",
        items.len()
    );
    assert!(with_reason >= 2, "{with_reason}");
    let r = c.get("/search?outcome=rejected").await;
    assert!(r.body.contains("按原方案执行"), "{}", r.body);
}

#[tokio::test]
async fn an_archive_hit_opens_the_read_only_document_at_its_clause() {
    let t = test_app().await;
    wenxun::search::import::import_dir(
        &t.app.store,
        &t.app.index,
        &super::common::fixture("search"),
        &Default::default(),
        &mut |_, _| {},
    )
    .await
    .expect("import");
    t.app.index.flush().await.unwrap();
    let mut c = t.logged_in("li", Role::Viewer).await;
    // "协议出让", quoted: the phrase as written.
    let r = c
        .get("/search?q=%22%E5%8D%8F%E8%AE%AE%E5%87%BA%E8%AE%A9%22&kind=archive")
        .await;
    assert!(
        unescape(&r.body).contains("档案 2023/常委会/城东地块协议出让的请示.txt"),
        "{}",
        r.body
    );
    let links = hit_links(&r.body);
    let link = links
        .iter()
        .find(|l| !l.ends_with("at=0#hit"))
        .unwrap_or(&links[0]);
    assert!(link.starts_with("/archive/"), "{link}");
    let page = c.get(link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("只读"));
    let marked = &page.body[page.body.find("search-hit").expect("marked")..];
    assert!(marked[..marked.find("</p>").unwrap()].contains("协议出让"));
    assert!(!page.body.contains("method=\"post\" action=\"/archive"));

    // The document with markup in it shows the markup as text.
    let r = c.get("/search?q=alert&kind=archive").await;
    let page = c.get(&hit_links(&r.body)[0]).await;
    assert!(page.body.contains("&lt;script&gt;") && !page.body.contains("<script>alert"));
    let r = c.get("/archive/99999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_revised_draft_is_searchable_at_once_beside_its_first_version() {
    let t = test_app().await;
    let m = meeting(&t.app.store, "2026-05-05").await;
    let first = "关于城乡供水一体化的请示\n第一条 由县水务集团统一负责城乡供水管网的建设和运营。\n";
    let out = app::upload(
        &t.app,
        &Actor::system(),
        Destination::Meeting {
            meeting_id: m,
            title: None,
            unit: "县水务局".into(),
        },
        vec![Upload {
            name: "供水.txt".into(),
            bytes: first.as_bytes().to_vec(),
        }],
    )
    .await
    .unwrap();
    let item = out[0].stored.as_ref().unwrap().item_id;
    let second = format!("{first}第二条 水价调整须经价格听证会论证。\n");
    app::revise(
        &t.app,
        &Actor::system(),
        item,
        None,
        Upload {
            name: "供水（修改稿）.txt".into(),
            bytes: second.into_bytes(),
        },
    )
    .await
    .unwrap();
    t.app.index.flush().await.unwrap();
    let hits = |q: &str| {
        t.app
            .index
            .search(&wenxun::search::SearchRequest::new(q))
            .unwrap()
            .hits
    };
    let new = hits("价格听证");
    assert!(!new.is_empty());
    assert!(
        new.iter()
            .all(|h| h.revision == Some(2) && h.item_id == Some(item))
    );
    let both: Vec<Option<i64>> = hits("\"统一负责城乡供水管网\"")
        .iter()
        .map(|h| h.revision)
        .collect();
    assert!(
        both.contains(&Some(1)) && both.contains(&Some(2)),
        "{both:?}"
    );
    // Nothing was left for the start-up check to repair.
    let report = t.app.index.reconcile(&t.app.store).await.unwrap();
    assert_eq!(report.indexed + report.removed, 0, "{report:?}");
}
