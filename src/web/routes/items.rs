//! 议题 page: each document's text with every inquiry point's evidence highlighted
//! next to the points themselves, plus uploads of more documents, the leader's
//! approval (审定) and manual points made from a text selection. Earlier versions
//! of a revised document stay on the page, folded, with their points listed after
//! the current ones and marked 修订后已消除 / 仍存在 (see `revisions`).
//!
//! Highlighting is computed here from character offsets into the stored text and
//! handed to the template as plain segments; the template escapes every segment,
//! so a draft containing `<script>` shows as text. Overlapping points split the
//! text into elementary segments, each marked with all points covering it and the
//! highest severity among them.
//!
//! Two additions come from search: a hit opens this page with `?doc=&at=` and the
//! paragraph holding that character offset is marked (`#hit`); and precedent,
//! unasked — the most similar items of earlier meetings with what became of their
//! points, and under each current point the earlier points of its kind on similar
//! clauses.
//! Precedent is a few small index queries; when the index is empty (a first start
//! still reconciling) or a query fails, the page shows without it.

use std::sync::Arc;

use axum::Router;
use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::read_multipart;
use crate::app::{self, App, Destination};
use crate::search::{PrecedentPoint, SimilarItem};
use crate::store::inquiries::{self, Inquiry, NewManual, Outcome};
use crate::store::items::{self, DocumentRow};
use crate::store::{meetings, users};
use crate::web::auth::CurrentUser;
use crate::web::csrf::{self, CsrfForm, NoFields};
use crate::web::error::{WebError, WebResult};
use crate::web::{page, v};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/items/{id}", get(show))
        .route("/items/{id}/upload", post(upload))
        .route("/items/{id}/approve", post(approve))
        .route("/items/{id}/points", post(add_point))
}

/// One run of text with the points that cover it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Segment {
    pub text: String,
    /// Space-separated ids of the covering points ("" when unmarked).
    pub points: String,
    /// Highest severity among them ("" when unmarked).
    pub severity: &'static str,
    /// Points whose evidence starts here (anchors for "定位").
    pub anchors: Vec<i64>,
}

/// One paragraph (block) of a document.
#[derive(Debug, Clone, Serialize)]
pub struct Paragraph {
    /// Character offset of the paragraph in the document text.
    pub start: usize,
    /// The clause path, shown when it changes from the previous paragraph.
    pub clause: String,
    pub segments: Vec<Segment>,
}

/// A point's evidence span: (id, start, end, severity).
pub type Span = (i64, usize, usize, &'static str);

fn rank(sev: &str) -> u8 {
    match sev {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Whether a paragraph opens with (the tail of) its own clause path, like
/// `第七条 …` under `第七条` or `（一）…` under `第六条（一）`: its label would only
/// repeat what the reader already sees.
fn restates(paragraph: &str, clause: &str) -> bool {
    clause
        .char_indices()
        .map(|(i, _)| &clause[i..])
        .any(|tail| tail.chars().count() >= 2 && paragraph.starts_with(tail))
}

/// Splits `text` into paragraphs of segments marked by `spans` (char offsets).
pub fn highlight(text: &str, clauses: &[(usize, usize, String)], spans: &[Span]) -> Vec<Paragraph> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut ps = 0usize;
    let mut last_clause = String::new();
    for line in text.split('\n') {
        let pe = ps + line.chars().count();
        let mut cuts = vec![ps, pe];
        for &(_, s, e, _) in spans {
            if s < pe && e > ps && s < e {
                cuts.push(s.max(ps));
                cuts.push(e.min(pe));
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut segments = Vec::new();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a >= b {
                continue;
            }
            let covering: Vec<&Span> = spans
                .iter()
                .filter(|(_, s, e, _)| *s <= a && *e >= b && s < e)
                .collect();
            let severity = covering
                .iter()
                .map(|c| c.3)
                .max_by_key(|s| rank(s))
                .unwrap_or("");
            segments.push(Segment {
                text: chars[a.min(chars.len())..b.min(chars.len())]
                    .iter()
                    .collect(),
                points: covering
                    .iter()
                    .map(|c| c.0.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                severity,
                anchors: covering.iter().filter(|c| c.1 == a).map(|c| c.0).collect(),
            });
        }
        let clause = clauses
            .iter()
            .find(|(s, _, _)| *s == ps)
            .map(|(_, _, c)| c.clone())
            .unwrap_or_else(|| last_clause.clone());
        let shown = if clause != last_clause && !restates(line, &clause) {
            clause.clone()
        } else {
            String::new()
        };
        last_clause = clause;
        out.push(Paragraph {
            start: ps,
            clause: shown,
            segments,
        });
        ps = pe + 1;
    }
    out
}

#[derive(Debug, Serialize)]
struct DocView {
    id: i64,
    /// 第N版, the version it revises and the version that revised it.
    revision: i64,
    supersedes: Option<i64>,
    superseded_by: Option<i64>,
    file_name: String,
    format: String,
    size: i64,
    sha256: String,
    rules_version: String,
    decision_types: Vec<&'static str>,
    paragraphs: Vec<Paragraph>,
}

#[derive(Debug, Serialize)]
struct PointView {
    #[serde(flatten)]
    q: Inquiry,
    basis_list: Vec<String>,
    rule_id_list: Vec<String>,
    document_name: String,
    /// 第N版 of the point's document.
    document_revision: i64,
    /// Checked off by a later version (shown as history, not editable).
    superseded: bool,
    /// 第N版 that checked it off.
    revised_in_revision: Option<i64>,
    /// Earlier versions' points this one continues.
    predecessors: Vec<i64>,
    /// Earlier points of the same kind on similar clauses of other items.
    earlier: Vec<PrecedentPoint>,
}

/// Similar items shown on an item page.
const SIMILAR_ITEMS: usize = 4;
/// Earlier points shown under each point of the item page.
const EARLIER_PER_POINT: usize = 2;
/// Points of one item that get their earlier points looked up (the rest: on the
/// point's own page).
const POINTS_WITH_PRECEDENT: usize = 30;

/// Candidates asked of the index per precedent wanted: those of the same or a
/// later meeting are left out afterwards.
const CANDIDATES_PER_WANTED: usize = 4;

/// Up to `k` points of meetings held before `before` (a meeting date) of the same
/// kind on clauses similar to point `inquiry_id`'s, with their outcomes. Empty
/// while the index is empty; an index error is logged and yields nothing.
pub async fn earlier_points(
    app: &App,
    inquiry_id: i64,
    before: &str,
    k: usize,
) -> Vec<PrecedentPoint> {
    if app.index.num_docs() == 0 {
        return Vec::new();
    }
    match app
        .index
        .similar_points(&app.store, inquiry_id, k * CANDIDATES_PER_WANTED)
        .await
    {
        Ok(list) => list
            .into_iter()
            .filter(|p| !p.date.is_empty() && p.date.as_str() < before)
            .take(k)
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, inquiry_id, "往期问询查询失败");
            Vec::new()
        }
    }
}

/// Precedent for an item of a meeting dated `before`: similar items of earlier
/// meetings and, per point id, earlier points ("往期" means an earlier meeting
/// date: an item of the same meeting or a later one is not precedent).
async fn precedent(
    app: &App,
    item_id: i64,
    before: &str,
    points: &[Inquiry],
) -> (Vec<SimilarItem>, HashMap<i64, Vec<PrecedentPoint>>) {
    let mut earlier = HashMap::new();
    if app.index.num_docs() == 0 {
        return (Vec::new(), earlier);
    }
    let similar = app
        .index
        .similar_items(&app.store, item_id, SIMILAR_ITEMS * CANDIDATES_PER_WANTED)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, item_id, "相似议题查询失败");
            Vec::new()
        })
        .into_iter()
        .filter(|s| !s.date.is_empty() && s.date.as_str() < before)
        .take(SIMILAR_ITEMS)
        .map(|mut s: SimilarItem| {
            // What the meeting decided is the precedent: those points first.
            s.inquiries
                .sort_by_key(|q| matches!(q.status.as_str(), "open" | "dropped"));
            s
        })
        .collect();
    let wanted = points
        .iter()
        .filter(|q| q.status != "dropped" && !inquiries::superseded(&q.revision_status))
        .filter(|q| !q.kind.is_empty())
        .take(POINTS_WITH_PRECEDENT);
    for q in wanted {
        let list = earlier_points(app, q.id, before, EARLIER_PER_POINT).await;
        if !list.is_empty() {
            earlier.insert(q.id, list);
        }
    }
    (similar, earlier)
}

/// The paragraph a search hit points at: the last paragraph of document `doc`
/// starting at or before `at`.
fn hit_paragraph(docs: &[DocView], params: &HashMap<String, String>) -> Option<(i64, usize)> {
    let num = |k: &str| params.get(k).and_then(|v| v.parse::<usize>().ok());
    let (doc, at) = (num("doc")? as i64, num("at")?);
    let d = docs.iter().find(|d| d.id == doc)?;
    let p = d.paragraphs.iter().rev().find(|p| p.start <= at)?;
    Some((doc, p.start))
}

fn doc_view(d: &DocumentRow, points: &[Inquiry]) -> DocView {
    let spans: Vec<Span> = points
        .iter()
        .filter(|p| p.document_id == d.id && p.status != "dropped")
        .map(|p| {
            let sev = match p.severity.as_str() {
                "high" => "high",
                "medium" => "medium",
                _ => "low",
            };
            (
                p.id,
                p.start_char.max(0) as usize,
                p.end_char.max(0) as usize,
                sev,
            )
        })
        .collect();
    DocView {
        id: d.id,
        revision: d.revision,
        supersedes: d.supersedes,
        superseded_by: d.superseded_by,
        file_name: d.file_name.clone(),
        format: d.format.clone(),
        size: d.size,
        sha256: d.sha256.chars().take(12).collect(),
        rules_version: d.rules_version.chars().take(12).collect(),
        decision_types: d.decision_types().iter().map(|t| t.as_str()).collect(),
        paragraphs: highlight(&d.text, &d.clauses(), &spans),
    }
}

async fn show(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let item = items::get(&app.store, id).await?;
    let meeting = meetings::get(&app.store, item.meeting_id).await?;
    let docs = items::documents(&app.store, id).await?;
    let points = inquiries::list_for_item(&app.store, id).await?;
    let doc_views: Vec<DocView> = docs.iter().map(|d| doc_view(d, &points)).collect();
    let hit = hit_paragraph(&doc_views, &params);
    let (similar, mut earlier) = precedent(&app, id, &meeting.date, &points).await;
    let revision_of = |doc_id: i64| docs.iter().find(|d| d.id == doc_id).map(|d| d.revision);
    let point_views: Vec<PointView> = points
        .iter()
        .map(|q| PointView {
            basis_list: q.basis_list(),
            rule_id_list: serde_json::from_str(&q.rule_ids).unwrap_or_default(),
            document_name: docs
                .iter()
                .find(|d| d.id == q.document_id)
                .map(|d| d.file_name.clone())
                .unwrap_or_default(),
            document_revision: revision_of(q.document_id).unwrap_or(1),
            superseded: inquiries::superseded(&q.revision_status),
            revised_in_revision: q.revised_in.and_then(revision_of),
            predecessors: points
                .iter()
                .filter(|p| p.successor_id == Some(q.id))
                .map(|p| p.id)
                .collect(),
            earlier: earlier.remove(&q.id).unwrap_or_default(),
            q: q.clone(),
        })
        .collect();
    let approved_by = match item.approved_by {
        Some(uid) => users::by_id(&app.store, uid).await?.map(|u| u.name),
        None => None,
    };
    let open = point_views
        .iter()
        .filter(|p| p.q.status == "open" && !p.superseded)
        .count();
    let current = point_views.iter().filter(|p| !p.superseded).count();
    // Superseded points sort last; the first of them opens the history section.
    let history_start = point_views.iter().find(|p| p.superseded).map(|p| p.q.id);
    let current_docs: Vec<(i64, String)> = docs
        .iter()
        .filter(|d| d.superseded_by.is_none())
        .map(|d| (d.id, format!("{}（第 {} 版）", d.file_name, d.revision)))
        .collect();
    let kinds: Vec<(String, String)> = app
        .rules
        .kinds
        .iter()
        .map(|k| (k.id.clone(), k.name.clone()))
        .collect();
    let outcomes: Vec<(&str, &str)> = Outcome::ALL
        .iter()
        .map(|o| (o.as_str(), o.label()))
        .collect();
    Ok(page(
        &app,
        "item.html",
        Some(&user),
        context! {
            item => v(&item),
            meeting => v(&meeting),
            documents => v(&doc_views),
            points => v(&point_views),
            open => open,
            current => current,
            history_start => history_start,
            current_docs => v(&current_docs),
            approved_by => approved_by,
            kinds => v(&kinds),
            outcomes => v(&outcomes),
            similar => v(&similar),
            hit_doc => hit.map(|h| h.0),
            hit_start => hit.map(|h| h.1),
        },
    )?
    .into_response())
}

async fn upload(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> WebResult<Response> {
    csrf::check_multipart(&user, &mut mp).await?;
    user.require_edit()?;
    let item = items::get(&app.store, id).await?;
    let meeting = meetings::get(&app.store, item.meeting_id).await?;
    let (_, files) = read_multipart(&mut mp).await?;
    if files.is_empty() {
        return Err(WebError::Unprocessable("请选择要上传的文件".into()));
    }
    let outcomes = app::upload(&app, &user.actor(), Destination::Item(id), files).await?;
    Ok(page(
        &app,
        "upload_result.html",
        Some(&user),
        context! { meeting => v(&meeting), outcomes => v(&outcomes), back => format!("/items/{id}") },
    )?
    .into_response())
}

async fn approve(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, NoFields {}): CsrfForm<NoFields>,
) -> WebResult<Response> {
    user.require_approve()?;
    items::approve(&app.store, &user.actor(), id).await?;
    Ok(Redirect::to(&format!("/items/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
struct ManualForm {
    document_id: i64,
    start: i64,
    end: i64,
    quote: String,
    #[serde(default)]
    kind: String,
    severity: String,
    question: String,
}

async fn add_point(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    CsrfForm(user, form): CsrfForm<ManualForm>,
) -> WebResult<Response> {
    user.require_edit()?;
    let doc = items::document(&app.store, form.document_id).await?;
    if doc.item_id != id {
        return Err(WebError::Unprocessable("所选文件不属于该议题".into()));
    }
    if doc.superseded_by.is_some() {
        return Err(WebError::Unprocessable(
            "该文件已有修订后的版本，请在最新版本中选择引文".into(),
        ));
    }
    let total = doc.text.chars().count() as i64;
    if form.start < 0 || form.end <= form.start || form.end > total {
        return Err(WebError::Unprocessable(
            "请先在左侧原文中选中要引用的文字".into(),
        ));
    }
    let quoted: String = doc
        .text
        .chars()
        .skip(form.start as usize)
        .take((form.end - form.start) as usize)
        .collect();
    if quoted != form.quote {
        return Err(WebError::Unprocessable(
            "引文与原文对应位置不一致，请在同一段内重新选择".into(),
        ));
    }
    let kind_name = if form.kind.is_empty() {
        String::new()
    } else {
        app.rules
            .kind(&form.kind)
            .map(|k| k.name.clone())
            .ok_or_else(|| WebError::Unprocessable("未知的风险类型".into()))?
    };
    let point = inquiries::add_manual(
        &app.store,
        &user.actor(),
        &NewManual {
            item_id: id,
            document_id: doc.id,
            start_char: form.start,
            end_char: form.end,
            clause: doc.clause_at(form.start as usize),
            quote: quoted,
            kind: form.kind,
            kind_name,
            severity: form.severity,
            question: form.question,
        },
    )
    .await?;
    app.index_inquiry(point.id).await;
    Ok(Redirect::to(&format!("/items/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_points_split_the_text_into_marked_segments() {
        let text = "第一条 直接委托县城投公司实施。\n补充说明。";
        let clauses = vec![
            (0, 16, "第一条".to_string()),
            (17, 22, "第二条".to_string()),
        ];
        let spans = [(1, 4, 8, "medium"), (2, 6, 12, "high")];
        let paras = highlight(text, &clauses, &spans);
        assert_eq!(paras.len(), 2);
        assert_eq!(paras[0].clause, "", "第一条 restates its own path");
        assert!(restates("（一）政治素质好", "第六条（一）"));
        assert!(!restates("本办法所称", "第二条"));
        assert_eq!(paras[1].start, 17);
        let segs: Vec<(&str, &str, &str)> = paras[0]
            .segments
            .iter()
            .map(|s| (s.text.as_str(), s.points.as_str(), s.severity))
            .collect();
        assert_eq!(
            segs,
            [
                ("第一条 ", "", ""),
                ("直接", "1", "medium"),
                ("委托", "1 2", "high"),
                ("县城投公", "2", "high"),
                ("司实施。", "", ""),
            ]
        );
        assert_eq!(paras[0].segments[1].anchors, vec![1]);
        assert_eq!(paras[0].segments[2].anchors, vec![2]);
        let joined: String = paras[1].segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, "补充说明。");
        assert_eq!(paras[1].clause, "第二条");
    }

    #[test]
    fn spans_past_the_end_are_clamped() {
        let paras = highlight("短文", &[], &[(9, 1, 99, "low")]);
        let segs = &paras[0].segments;
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[1].text, "文");
    }
}
