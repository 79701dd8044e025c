//! Search and precedent: a reviewer imports last years' materials, finds clauses
//! by 2-character words, quoted phrases and fragments cut mid-word, filters by
//! meeting, unit and outcome, sees snippets that never carry the document's own
//! markup, finds the index repaired after a crash, and is shown similar items and
//! earlier points with what became of them.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use wenxun::app::{self, App, Destination, Settings, Upload};
use wenxun::config::Config;
use wenxun::search::{Filters, HitKind, Key, SearchIndex, SearchRequest, Sort};
use wenxun::store::inquiries::{self, Outcome};
use wenxun::store::meetings::{self, MeetingKind, NewMeeting};
use wenxun::store::{Actor, Store, archive};

use super::common::{draft, fixture};
use super::web_support::RULES;

fn archive_dir() -> std::path::PathBuf {
    fixture("search")
}

async fn new_app(dir: &Path) -> Arc<App> {
    App::build(
        Config::default(),
        dir,
        Arc::clone(&RULES),
        Settings::default(),
    )
    .await
    .expect("app builds")
}

async fn meeting(store: &Store, kind: MeetingKind, date: &str) -> i64 {
    meetings::create(
        store,
        &Actor::system(),
        &NewMeeting {
            title: format!("{date} 会议"),
            kind,
            session_label: String::new(),
            date: date.into(),
        },
    )
    .await
    .expect("meeting")
    .id
}

/// Uploads one file as a new item of `meeting_id`; returns (item id, document id).
async fn upload(
    app: &Arc<App>,
    meeting_id: i64,
    unit: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (i64, i64) {
    let out = app::upload(
        app,
        &Actor::system(),
        Destination::Meeting {
            meeting_id,
            title: None,
            unit: unit.into(),
        },
        vec![Upload {
            name: name.into(),
            bytes,
        }],
    )
    .await
    .expect("upload");
    let stored = out[0]
        .stored
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", out[0].error));
    (stored.item_id, stored.document_id)
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("fixture")
}

fn file_name(p: &Path) -> String {
    p.file_name().expect("name").to_string_lossy().into_owned()
}

async fn import(store: &Store, index: &SearchIndex) -> wenxun::search::import::ImportReport {
    wenxun::search::import::import_dir(
        store,
        index,
        &archive_dir(),
        &Default::default(),
        &mut |_, _| {},
    )
    .await
    .expect("import")
}

fn search(index: &SearchIndex, q: &str) -> wenxun::search::SearchResults {
    index.search(&SearchRequest::new(q)).expect("search")
}

fn paths(r: &wenxun::search::SearchResults) -> Vec<String> {
    r.hits.iter().map(|h| h.path.clone()).collect()
}

#[tokio::test]
async fn importing_a_folder_twice_stores_each_file_once_and_reports_the_unreadable_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("store");
    let index = SearchIndex::open(dir.path()).expect("index");
    let first = import(&store, &index).await;
    // 4 distinct readable files, one identical copy, one broken .docx; the .jpg is
    // not a material format and is not looked at.
    assert_eq!(first.files, 6);
    assert_eq!(first.imported, 4);
    assert_eq!(first.already, 1);
    assert_eq!(first.failed.len(), 1, "{:?}", first.failed);
    assert_eq!(first.failed[0].0, "2024/损坏的文件.docx");
    let docs = index.num_docs();
    assert!(docs > 10, "clause granularity: {docs}");

    let second = import(&store, &index).await;
    assert_eq!(second.imported, 0);
    assert_eq!(second.already, 5);
    assert_eq!(archive::count(&store).await.expect("count"), 4);
    assert_eq!(index.num_docs(), docs);

    // Paths are relative to the imported folder, '/'-separated.
    let hits = search(&index, "协议出让");
    assert_eq!(hits.hits[0].path, "2023/常委会/城东地块协议出让的请示.txt");
    assert_eq!(hits.hits[0].kind, HitKind::Archive);
}

#[tokio::test]
async fn two_character_words_phrases_and_fragments_cut_mid_word_are_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("store");
    let index = SearchIndex::open(dir.path()).expect("index");
    import(&store, &index).await;

    // 回避 is a 2-character word: the report's title block and its 第二条, each
    // with the word highlighted.
    let r = search(&index, "回避");
    assert_eq!(r.total, 2, "{:?}", paths(&r));
    assert!(
        r.hits
            .iter()
            .all(|h| h.path.ends_with("回避制度执行情况.md"))
    );
    let clause = r
        .hits
        .iter()
        .find(|h| h.clause == "第二条")
        .expect("第二条");
    assert!(clause.snippet.contains("<b>回避</b>"), "{}", clause.snippet);
    assert!(clause.start_char > 0);

    // 招标 appears in two clauses of one draft.
    let r = search(&index, "招标");
    assert_eq!(r.total, 2);
    assert!(
        r.hits
            .iter()
            .all(|h| h.path == "2024/办公楼维修改造工程的请示.txt")
    );

    // Search mode: the clause about 国有企业领导人员 is found by either half.
    for q in ["国有企业", "领导人员"] {
        let r = search(&index, q);
        assert!(
            r.hits
                .iter()
                .any(|h| h.path.ends_with("回避制度执行情况.md") && h.clause == "第二条"),
            "{q}: {:?}",
            paths(&r)
        );
    }

    // A quoted phrase must occur as written: 协议，出让 (separated by a comma) in
    // the water supply plan is not a match.
    let r = search(&index, "\"协议出让\"");
    assert!(r.total >= 2, "title and clause of the land request");
    assert!(
        r.hits.iter().all(|h| h.path.contains("协议出让")),
        "{:?}",
        paths(&r)
    );
    // The phrase is highlighted as typed, not each of its bigrams wherever they are.
    for h in &r.hits {
        let marked: Vec<&str> = h
            .snippet
            .split("<b>")
            .skip(1)
            .map(|s| s.split("</b>").next().unwrap_or(""))
            .collect();
        assert!(
            !marked.is_empty() && marked.iter().all(|m| *m == "协议出让"),
            "{}",
            h.snippet
        );
    }
    let loose = search(&index, "协议 出让");
    assert!(
        loose.hits.iter().any(|h| h.path.contains("饮水")),
        "{:?}",
        paths(&loose)
    );

    // Known-item: fragments cut at arbitrary points, inside words.
    for cut in [
        "企业领导人员的选拔任",
        "有资产监",
        "市场化供水",
        "施工，不再进行公开招",
        "屋面渗",
        // Cut so that one character stands alone beside the comma.
        "工，不再进行公开招",
        "施工，不",
    ] {
        let text_exists = std::fs::read_dir(archive_dir().join("2024"))
            .expect("dir")
            .chain(std::fs::read_dir(archive_dir().join("2023/常委会")).expect("dir"))
            .filter_map(|e| std::fs::read_to_string(e.expect("entry").path()).ok())
            .any(|t| t.contains(cut));
        let r = search(&index, &format!("\"{cut}\""));
        assert_eq!(r.total > 0, text_exists, "{cut}: {:?}", paths(&r));
    }
    // …and a lone end character still has to be there: 施工，不 is not 施工，再.
    let r = search(&index, "\"施工，再\"");
    assert_eq!(r.total, 0, "{:?}", paths(&r));
    // The same cuts typed without quotes, as a reviewer pastes them.
    for cut in ["工，不再进行公开招", "施工，不"] {
        let r = search(&index, cut);
        assert!(
            r.hits
                .iter()
                .any(|h| h.path == "2024/办公楼维修改造工程的请示.txt"),
            "{cut}: {:?}",
            paths(&r)
        );
    }
    let r = search(&index, "选拔任");
    assert!(
        r.hits.iter().any(|h| h.clause == "第二条"),
        "{:?}",
        paths(&r)
    );
}

#[tokio::test]
async fn snippets_escape_the_documents_own_markup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("store");
    let index = SearchIndex::open(dir.path()).expect("index");
    import(&store, &index).await;
    for q in ["网页代码", "\"代码片段\"", "alert"] {
        let r = search(&index, q);
        let hit = r
            .hits
            .iter()
            .find(|h| h.clause == "第三条")
            .unwrap_or_else(|| panic!("{q}: {:?}", paths(&r)));
        assert!(!hit.snippet.contains("<script"), "{}", hit.snippet);
        assert!(hit.snippet.contains("&lt;script&gt;"), "{}", hit.snippet);
        let tags: Vec<&str> = hit
            .snippet
            .match_indices('<')
            .map(|(i, _)| &hit.snippet[i..i + 3])
            .collect();
        assert!(tags.iter().all(|t| *t == "<b>" || *t == "</b"), "{tags:?}");
    }
}

/// Two meetings: a 2024 standing committee with the personnel measures of a01 from
/// the SASAC office, and a 2025 government executive meeting with a near copy of
/// it (one clause changed) and the a04 investment request.
struct Workbench {
    _dir: tempfile::TempDir,
    app: Arc<App>,
    index: Arc<SearchIndex>,
    old_item: i64,
    new_item: i64,
    other_item: i64,
}

async fn workbench() -> Workbench {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = new_app(dir.path()).await;
    let store = &app.store;
    let m1 = meeting(store, MeetingKind::StandingCommittee, "2024-05-10").await;
    let m2 = meeting(store, MeetingKind::GovernmentExecutive, "2025-03-20").await;
    let a01 = draft("a01_");
    let (old_item, _) = upload(&app, m1, "县国资中心", &file_name(&a01), read(&a01)).await;
    let text = String::from_utf8(read(&a01)).expect("utf-8");
    let changed = text.replacen("2025年3月", "2025年9月", 1);
    let (new_item, _) = upload(&app, m2, "县国资中心", "修订版.txt", changed.into_bytes()).await;
    let a04 = draft("a04_");
    let (other_item, _) = upload(&app, m2, "县招商局", &file_name(&a04), read(&a04)).await;
    // Every upload was indexed as it was stored: nothing is left to reconcile.
    let index = Arc::clone(&app.index);
    let report = index.reconcile(store).await.expect("reconcile");
    assert_eq!(report.indexed, 0, "{report:?}");
    assert!(index.num_docs() > 10);
    Workbench {
        _dir: dir,
        app,
        index,
        old_item,
        new_item,
        other_item,
    }
}

#[tokio::test]
async fn filters_narrow_by_meeting_unit_date_kind_risk_and_outcome() {
    let w = workbench().await;
    let store = &w.app.store;
    let req = |f: Filters| {
        let mut r = SearchRequest::new("国有企业");
        r.filters = f;
        r.limit = 200;
        w.index.search(&r).expect("search")
    };
    let all = req(Filters::default());
    assert!(all.hits.iter().any(|h| h.item_id == Some(w.old_item)));
    assert!(all.hits.iter().any(|h| h.item_id == Some(w.new_item)));

    let standing = req(Filters {
        meeting_kind: Some("standing_committee".into()),
        ..Filters::default()
    });
    assert!(standing.total > 0);
    assert!(
        standing
            .hits
            .iter()
            .all(|h| h.item_id == Some(w.old_item) && h.date == "2024-05-10")
    );

    let in_2025 = req(Filters {
        date_from: Some("2025-01-01".into()),
        date_to: Some("2025-12-31".into()),
        ..Filters::default()
    });
    assert!(in_2025.total > 0);
    assert!(in_2025.hits.iter().all(|h| h.date.starts_with("2025")));

    let unit = req(Filters {
        unit: Some("县招商局".into()),
        ..Filters::default()
    });
    assert!(
        unit.hits.iter().all(|h| h.item_id == Some(w.other_item)),
        "{:?}",
        unit.hits
    );

    // Inquiry points: filter by risk kind, then by outcome once one is recorded.
    let points = inquiries::list_for_item(store, w.old_item)
        .await
        .expect("points");
    let p = points.first().expect("a01 raises points");
    let mut r = SearchRequest::new("");
    r.filters = Filters {
        kinds: vec![HitKind::Inquiry],
        risk_kind: Some(p.kind.clone()),
        ..Filters::default()
    };
    let by_kind = w.index.search(&r).expect("search");
    assert!(by_kind.hits.iter().any(|h| h.inquiry_id == Some(p.id)));
    assert!(
        by_kind
            .hits
            .iter()
            .all(|h| h.kind == HitKind::Inquiry && h.risk_kind == p.kind)
    );

    r.filters = Filters {
        outcome: Some("rejected".into()),
        ..Filters::default()
    };
    assert_eq!(w.index.search(&r).expect("search").total, 0);
    let admin = Actor {
        id: Some(seed_user(store).await),
        name: "审核人".into(),
    };
    inquiries::log_outcome(
        store,
        &admin,
        p.id,
        None,
        Outcome::Rejected,
        "已有集体决策程序",
        "",
    )
    .await
    .expect("outcome");
    // Nothing told the index: reconciliation sees the changed stamp.
    let report = w.index.reconcile(store).await.expect("reconcile");
    assert_eq!(report.indexed, 1);
    let rejected = w.index.search(&r).expect("search");
    assert_eq!(rejected.total, 1);
    assert_eq!(rejected.hits[0].reason, "已有集体决策程序");

    // Sorting by date puts the 2025 meeting first.
    let mut by_date = SearchRequest::new("国有企业");
    by_date.sort = Sort::Date;
    let r = w.index.search(&by_date).expect("search");
    assert_eq!(r.hits[0].date, "2025-03-20");
}

/// A short draft about water supply, stored by [`store_without_indexing`].
pub const SUPPLY_DRAFT: &str = "关于城乡供水一体化的请示\n第一条 由县水务集团统一负责城乡供水管网的建设和运营。\n第二条 供水价格按成本监审结果确定。";

/// Stores a draft through the store alone, as if the process died between the
/// database commit and indexing: (item id, document id).
pub async fn store_without_indexing(
    store: &Store,
    meeting_id: i64,
    unit: &str,
    text: &str,
) -> (i64, i64) {
    let clauses: Vec<(usize, usize, String)> = {
        let mut out = Vec::new();
        let mut at = 0;
        for line in text.split('\n') {
            let n = line.chars().count();
            let path: String = line.chars().take_while(|c| *c != ' ').collect();
            out.push((
                at,
                at + n,
                if path.starts_with('第') {
                    path
                } else {
                    String::new()
                },
            ));
            at += n + 1;
        }
        out
    };
    let (item, doc) = wenxun::store::items::add_document(
        store,
        &Actor::system(),
        &wenxun::store::items::Target::New {
            meeting_id,
            title: text.lines().next().unwrap_or("").into(),
            unit: unit.into(),
        },
        &wenxun::store::items::NewDocument {
            file_name: "未索引的草案.txt",
            sha256: &wenxun::store::sha256_hex(text.as_bytes()),
            size: text.len() as i64,
            format: "text",
            text,
            clauses,
            decision_types: &[],
            rules_version: "test",
            findings: &[],
        },
    )
    .await
    .expect("stored");
    (item.id, doc)
}

async fn seed_user(store: &Store) -> i64 {
    let hash = wenxun::store::users::hash_password("密码不重要但要够长").expect("hash");
    wenxun::store::users::create(
        store,
        &Actor::system(),
        "审核人",
        wenxun::store::users::Role::Reviewer,
        &hash,
    )
    .await
    .expect("user")
    .id
}

#[tokio::test]
async fn start_up_reconciliation_repairs_a_deleted_index_and_rows_never_indexed() {
    let w = workbench().await;
    let store = w.app.store.clone();
    let data = store.data_dir.clone();
    import(&store, &w.index).await;
    let before = w.index.num_docs();
    assert_eq!(w.index.reconcile(&store).await.expect("again").indexed, 0);
    // Stop the app: dropping it (and with it the index) releases the writer lock.
    let Workbench {
        _dir, app, index, ..
    } = w;
    drop((app, index));

    // The index directory is lost: everything comes back from the database.
    std::fs::remove_dir_all(data.join("index")).expect("rm index");
    let index = SearchIndex::open(&data).expect("reopen");
    assert_eq!(index.num_docs(), 0);
    let report = index.reconcile(&store).await.expect("reconcile");
    assert!(report.indexed > 4, "{report:?}");
    assert_eq!(index.num_docs(), before);
    assert!(search(&index, "回避").total > 0);

    // A draft committed to the database but never indexed (the process died in
    // between) is found after the next start.
    let m = meeting(&store, MeetingKind::Other, "2025-06-01").await;
    let (item, doc) = store_without_indexing(&store, m, "县水务局", SUPPLY_DRAFT).await;
    let has_item = |index: &SearchIndex| {
        let mut r = SearchRequest::new("供水");
        r.limit = 200;
        index
            .search(&r)
            .expect("search")
            .hits
            .iter()
            .any(|h| h.item_id == Some(item))
    };
    assert!(!has_item(&index));
    index.close();
    let index = SearchIndex::open(&data).expect("reopen");
    let report = index.reconcile(&store).await.expect("reconcile");
    assert_eq!(report.indexed, 1, "{report:?}");
    assert!(has_item(&index));

    // Indexing one document on request is immediate after a flush, and removing
    // a key that the database still has is undone by reconciliation.
    index.remove(Key::Document(doc)).expect("remove");
    index.flush().await.expect("flush");
    let clause_hits = |index: &SearchIndex| {
        let mut r = SearchRequest::new("供水");
        r.filters.kinds = vec![HitKind::Clause];
        r.limit = 200;
        index
            .search(&r)
            .expect("search")
            .hits
            .iter()
            .filter(|h| h.document_id == Some(doc))
            .count()
    };
    assert_eq!(clause_hits(&index), 0);
    index.index_document(&store, doc).await.expect("index");
    index.flush().await.expect("flush");
    assert!(clause_hits(&index) > 0);
    assert_eq!(index.reconcile(&store).await.expect("idle").indexed, 0);

    // A full rebuild gives the same index.
    let n = index.num_docs();
    index.rebuild(&store).await.expect("rebuild");
    assert_eq!(index.num_docs(), n);
}

#[tokio::test]
async fn precedent_finds_the_similar_item_and_earlier_points_but_never_itself() {
    let w = workbench().await;
    let store = &w.app.store;
    let similar = w
        .index
        .similar_items(store, w.new_item, 5)
        .await
        .expect("similar");
    assert!(!similar.is_empty());
    assert_eq!(similar[0].item_id, w.old_item, "{similar:?}");
    assert!(similar.iter().all(|s| s.item_id != w.new_item));
    assert_eq!(similar[0].date, "2024-05-10");
    assert!(!similar[0].inquiries.is_empty());
    if let Some(other) = similar.iter().find(|s| s.item_id == w.other_item) {
        assert!(other.score < similar[0].score);
    }

    // The old item's point, rejected with a reason, is the precedent of the new
    // item's point of the same kind.
    let old_points = inquiries::list_for_item(store, w.old_item)
        .await
        .expect("points");
    let new_points = inquiries::list_for_item(store, w.new_item)
        .await
        .expect("points");
    let p_new = new_points.first().expect("new item has points");
    let p_old = old_points
        .iter()
        .find(|p| p.kind == p_new.kind && p.quote == p_new.quote)
        .expect("same point on the old item");
    let admin = Actor {
        id: Some(seed_user(store).await),
        name: "审核人".into(),
    };
    inquiries::log_outcome(
        store,
        &admin,
        p_old.id,
        None,
        Outcome::Adopted,
        "已补充民主推荐程序",
        "纪要〔2024〕5号",
    )
    .await
    .expect("outcome");
    w.index.index_inquiry(store, p_old.id).await.expect("index");
    w.index.flush().await.expect("flush");
    let earlier = w
        .index
        .similar_points(store, p_new.id, 5)
        .await
        .expect("similar points");
    assert_eq!(earlier[0].inquiry_id, p_old.id, "{earlier:?}");
    assert_eq!(earlier[0].status, "adopted");
    assert_eq!(earlier[0].reason, "已补充民主推荐程序");
    assert!(
        earlier
            .iter()
            .all(|p| p.kind == p_new.kind && p.item_id != w.new_item)
    );
    // The old point has nothing earlier than itself on another item.
    let none = w
        .index
        .similar_points(store, p_old.id, 5)
        .await
        .expect("similar");
    assert!(
        none.iter()
            .all(|p| p.inquiry_id < p_old.id && p.item_id != w.old_item)
    );
    let similar = w
        .index
        .similar_items(store, w.old_item, 5)
        .await
        .expect("similar");
    let listed = similar
        .iter()
        .find(|s| s.item_id == w.new_item)
        .expect("the later copy is similar too");
    assert!(listed.inquiries.iter().any(|q| q.kind == p_new.kind));
}

fn wenxun(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wenxun"))
        .args(args)
        .output()
        .expect("run wenxun")
}

#[test]
fn the_command_line_imports_searches_as_json_and_reindexes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path");
    let folder = archive_dir();
    let folder = folder.to_str().expect("utf-8 path");
    let out = wenxun(&["import", folder, "--data", data]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // One file could not be read: reported, and the exit code says so.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("新导入 4"), "{stdout}");
    assert!(stderr.contains("损坏的文件.docx"), "{stderr}");
    let again = wenxun(&["import", folder, "--data-dir", data]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("新导入 0"));

    let out = wenxun(&[
        "search",
        "\"协议出让\"",
        "--format",
        "json",
        "--data-dir",
        data,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hits = json["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    for h in hits {
        assert_eq!(h["path"], "2023/常委会/城东地块协议出让的请示.txt");
        assert!(h["title"].is_string() && h["clause"].is_string());
        assert!(h["snippet"].as_str().expect("snippet").contains("<b>"));
        assert!(h["score"].as_f64().expect("score") > 0.0);
    }

    let text = wenxun(&["search", "招标", "--data-dir", data, "--limit", "1"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("共 2 条结果") && text.contains("【招标】"),
        "{text}"
    );

    let out = wenxun(&["reindex", "--data-dir", data]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 条记录"));
}
