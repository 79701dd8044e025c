//! Inquiry points (问询要点), their outcomes (处理结果) and the statistics over them.
//!
//! A point is never deleted: dropping keeps it with status `dropped` and the
//! required reason. Every change bumps `version`; a change that names an older
//! version than the row has is refused with [`StoreError::Stale`] instead of
//! overwriting a colleague's edit. Logging an outcome sets the point's status to
//! that outcome and appends to `outcomes`, so the latest outcome is on the point and
//! the whole sequence is in the outcome history and the audit trail.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{FromRow, SqliteConnection};

use super::audit::{self, Entry};
use super::items::NewDocument;
use super::{Actor, Result, Store, StoreError, items, now};
use crate::analyze::Finding;
use crate::analyze::decision::DecisionType;
use crate::analyze::revision::{Summary, Verdict};

/// The outcomes a meeting's minutes can show for a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Adopted,
    PartiallyAdopted,
    Rejected,
    Deferred,
    FollowUp,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Adopted,
        Outcome::PartiallyAdopted,
        Outcome::Rejected,
        Outcome::Deferred,
        Outcome::FollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Adopted => "adopted",
            Outcome::PartiallyAdopted => "partially_adopted",
            Outcome::Rejected => "rejected",
            Outcome::Deferred => "deferred",
            Outcome::FollowUp => "follow_up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Adopted => "采纳",
            Outcome::PartiallyAdopted => "部分采纳",
            Outcome::Rejected => "未采纳",
            Outcome::Deferred => "暂缓",
            Outcome::FollowUp => "会后研究",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Chinese label of a point status (`open`, `dropped` or an outcome key).
pub fn status_label(status: &str) -> &'static str {
    match status {
        "open" => "待问询",
        "dropped" => "已舍弃",
        other => Outcome::parse(other).map(Outcome::label).unwrap_or("未知"),
    }
}

/// Chinese label of a point's revision status ("" for points of a first upload).
pub fn revision_label(status: &str) -> &'static str {
    match status {
        "new" => "新增",
        "continued" => "延续",
        "resolved" => "修订后已消除",
        "persists" => "仍存在",
        _ => "",
    }
}

/// Whether a later version has checked this point off (it is history, not work).
pub fn superseded(revision_status: &str) -> bool {
    matches!(revision_status, "resolved" | "persists")
}

/// `high`, `medium` or `low`.
pub fn valid_severity(s: &str) -> bool {
    matches!(s, "high" | "medium" | "low")
}

pub fn severity_label(s: &str) -> &'static str {
    match s {
        "high" => "高",
        "medium" => "中",
        "low" => "低",
        _ => "未知",
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Inquiry {
    pub id: i64,
    pub item_id: i64,
    pub document_id: i64,
    pub origin: String,
    pub rule_id: String,
    pub rule_ids: String,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub severity: String,
    pub start_char: i64,
    pub end_char: i64,
    pub quote: String,
    pub clause: String,
    pub question: String,
    pub basis: String,
    pub status: String,
    pub drop_reason: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// '' (first upload), 'new' / 'continued' (found in a revision), 'resolved' /
    /// 'persists' (checked off by a later version): see [`revision_label`].
    pub revision_status: String,
    /// For 'persists': the point of the later version that continues this one.
    pub successor_id: Option<i64>,
    /// For 'resolved' / 'persists': the document version checked against it.
    pub revised_in: Option<i64>,
}

impl Inquiry {
    pub fn basis_list(&self) -> Vec<String> {
        serde_json::from_str(&self.basis).unwrap_or_default()
    }

    /// The fields an audit row records before and after a change.
    fn snapshot(&self) -> Value {
        json!({
            "severity": self.severity,
            "question": self.question,
            "status": self.status,
            "drop_reason": self.drop_reason,
            "version": self.version,
        })
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OutcomeRow {
    pub id: i64,
    pub inquiry_id: i64,
    pub outcome: String,
    pub reason: String,
    pub minutes_ref: String,
    pub recorded_by_name: String,
    pub recorded_at: i64,
}

/// Stores the rule findings of a freshly uploaded document as open points.
pub async fn insert_findings(
    conn: &mut SqliteConnection,
    actor: &Actor,
    item_id: i64,
    document_id: i64,
    findings: &[Finding],
) -> Result<usize> {
    for f in findings {
        insert_finding(conn, actor, item_id, document_id, f, "", None).await?;
    }
    Ok(findings.len())
}

/// Stores one finding as a point; `dropped` carries an earlier drop's reason.
async fn insert_finding(
    conn: &mut SqliteConnection,
    actor: &Actor,
    item_id: i64,
    document_id: i64,
    f: &Finding,
    revision_status: &str,
    dropped: Option<&str>,
) -> Result<i64> {
    let t = now();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO inquiries (item_id, document_id, origin, rule_id, rule_ids, kind, kind_name, \
         title, severity, start_char, end_char, quote, clause, question, basis, status, drop_reason, \
         revision_status, version, created_by, created_at, updated_by, updated_at) \
         VALUES (?, ?, 'rule', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id",
    )
    .bind(item_id)
    .bind(document_id)
    .bind(&f.rule_id)
    .bind(serde_json::to_string(&f.rule_ids)?)
    .bind(&f.kind)
    .bind(&f.kind_name)
    .bind(&f.title)
    .bind(f.severity.as_str())
    .bind(f.start as i64)
    .bind(f.end as i64)
    .bind(&f.quote)
    .bind(&f.clause)
    .bind(&f.question)
    .bind(serde_json::to_string(&f.basis)?)
    .bind(if dropped.is_some() { "dropped" } else { "open" })
    .bind(dropped.unwrap_or(""))
    .bind(revision_status)
    .bind(actor.id)
    .bind(t)
    .bind(actor.id)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// What the re-check decided for one point of the previous version, made against
/// the point at `version`.
#[derive(Debug, Clone)]
pub struct EarlierDecision {
    pub id: i64,
    pub version: i64,
    pub verdict: Verdict,
}

/// The re-check of a revised version, computed by [`crate::analyze::revision`]
/// before the write transaction.
#[derive(Debug, Clone, Default)]
pub struct RevisionPlan {
    /// One decision per current point of the previous version.
    pub earlier: Vec<EarlierDecision>,
    /// Per finding of the new version: the earlier points it continues.
    pub continues: Vec<Vec<i64>>,
    /// The clause-by-clause comparison's counts (for the audit trail).
    pub changes: Summary,
}

/// How the points came out of a revision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RevisionCounts {
    /// Earlier points no longer found (修订后已消除).
    pub resolved: usize,
    /// Earlier points still found (仍存在).
    pub persists: usize,
    /// Points of the new version no earlier point led to (新增).
    pub new: usize,
    /// Points of the new version continuing an earlier one.
    pub continued: usize,
}

/// The current points of a document version (not yet checked off by a later one).
async fn current_of(conn: &mut SqliteConnection, document_id: i64) -> Result<Vec<Inquiry>> {
    Ok(sqlx::query_as(
        "SELECT * FROM inquiries WHERE document_id = ? \
         AND revision_status NOT IN ('resolved', 'persists') ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The current points of a document version, for planning a revision's re-check.
pub async fn current_for_document(store: &Store, document_id: i64) -> Result<Vec<Inquiry>> {
    let mut conn = store.pool.acquire().await?;
    current_of(&mut conn, document_id).await
}

/// Applies a re-check inside the revision's transaction: stores the new version's
/// findings as 新增 / 延续 points (a finding continuing only dropped points stays
/// dropped, with the reason), carries manual points whose quote is still there, and
/// marks every point of the previous version 修订后已消除 or 仍存在 with a link to its
/// successor. Each point gets its own audit row, so its history page shows it.
pub(super) async fn apply_revision(
    conn: &mut SqliteConnection,
    actor: &Actor,
    item_id: i64,
    previous: i64,
    document_id: i64,
    doc: &NewDocument<'_>,
    plan: &RevisionPlan,
) -> Result<RevisionCounts> {
    if plan.continues.len() != doc.findings.len() {
        return Err(StoreError::Invalid(
            "修订核对结果与问询要点数量不一致".into(),
        ));
    }
    let earlier = current_of(conn, previous).await?;
    let mut planned: Vec<(i64, i64)> = plan.earlier.iter().map(|e| (e.id, e.version)).collect();
    planned.sort_unstable();
    let now_rows: Vec<(i64, i64)> = earlier.iter().map(|q| (q.id, q.version)).collect();
    if planned != now_rows {
        return Err(StoreError::Conflict(
            "上传修订稿期间上一版的问询要点被他人修改，修订稿未保存，请重新上传".into(),
        ));
    }
    let by_id = |id: i64| earlier.iter().find(|q| q.id == id);
    let mut counts = RevisionCounts::default();
    let mut new_ids = Vec::with_capacity(doc.findings.len());
    for (f, cont) in doc.findings.iter().zip(&plan.continues) {
        let olds: Vec<&Inquiry> = cont.iter().filter_map(|&id| by_id(id)).collect();
        let dropped = (!olds.is_empty() && olds.iter().all(|q| q.status == "dropped")).then(|| {
            format!(
                "上一版已舍弃（要点 {}）：{}",
                olds[0].id, olds[0].drop_reason
            )
        });
        let status = if cont.is_empty() { "new" } else { "continued" };
        let id = insert_finding(
            conn,
            actor,
            item_id,
            document_id,
            f,
            status,
            dropped.as_deref(),
        )
        .await?;
        if cont.is_empty() {
            counts.new += 1;
        } else {
            counts.continued += 1;
        }
        audit::append(
            conn,
            actor,
            Entry {
                action: "inquiry.revision",
                entity: "inquiry",
                entity_id: Some(id),
                before: None,
                after: Some(json!({
                    "revision_status": status,
                    "document_id": document_id,
                    "continues": cont,
                    "status": if dropped.is_some() { "dropped" } else { "open" },
                })),
            },
        )
        .await?;
        new_ids.push(id);
    }
    for e in &plan.earlier {
        let Some(before) = by_id(e.id) else {
            continue;
        };
        let successor = match e.verdict {
            Verdict::Persists(k) => new_ids.get(k).copied(),
            Verdict::Carried { start, end } => {
                Some(carry_manual(conn, actor, before, document_id, doc, start, end).await?)
            }
            Verdict::Resolved => None,
        };
        let status = if successor.is_some() {
            counts.persists += 1;
            "persists"
        } else {
            counts.resolved += 1;
            "resolved"
        };
        let after: Inquiry = sqlx::query_as(
            "UPDATE inquiries SET revision_status = ?, successor_id = ?, revised_in = ?, \
             version = version + 1, updated_by = ?, updated_at = ? WHERE id = ? RETURNING *",
        )
        .bind(status)
        .bind(successor)
        .bind(document_id)
        .bind(actor.id)
        .bind(now())
        .bind(e.id)
        .fetch_one(&mut *conn)
        .await?;
        audit_change(
            conn,
            actor,
            "inquiry.revision",
            before,
            &after,
            Some(json!({
                "revision_status": status,
                "successor_id": successor,
                "document_id": document_id,
            })),
        )
        .await?;
    }
    Ok(counts)
}

/// Copies a manual point to the same quote in the new version.
async fn carry_manual(
    conn: &mut SqliteConnection,
    actor: &Actor,
    old: &Inquiry,
    document_id: i64,
    doc: &NewDocument<'_>,
    start: usize,
    end: usize,
) -> Result<i64> {
    let clause = doc
        .clauses
        .iter()
        .find(|(s, e, _)| *s <= start && start < (*e).max(*s + 1))
        .map(|(_, _, c)| c.clone())
        .unwrap_or_default();
    let t = now();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO inquiries (item_id, document_id, origin, kind, kind_name, title, severity, \
         start_char, end_char, quote, clause, question, status, drop_reason, revision_status, \
         version, created_by, created_at, updated_by, updated_at) \
         VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'continued', 1, ?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(old.item_id)
    .bind(document_id)
    .bind(&old.kind)
    .bind(&old.kind_name)
    .bind(&old.title)
    .bind(&old.severity)
    .bind(start as i64)
    .bind(end as i64)
    .bind(&old.quote)
    .bind(clause)
    .bind(&old.question)
    .bind(if old.status == "dropped" {
        "dropped"
    } else {
        "open"
    })
    .bind(&old.drop_reason)
    .bind(actor.id)
    .bind(t)
    .bind(actor.id)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    audit::append(
        conn,
        actor,
        Entry {
            action: "inquiry.revision",
            entity: "inquiry",
            entity_id: Some(id),
            before: None,
            after: Some(json!({
                "revision_status": "continued",
                "document_id": document_id,
                "continues": [old.id],
                "question": old.question,
            })),
        },
    )
    .await?;
    Ok(id)
}

/// The points of earlier versions that this point continues.
pub async fn predecessors(store: &Store, id: i64) -> Result<Vec<Inquiry>> {
    Ok(
        sqlx::query_as("SELECT * FROM inquiries WHERE successor_id = ? ORDER BY id")
            .bind(id)
            .fetch_all(&store.pool)
            .await?,
    )
}

async fn get_in(conn: &mut SqliteConnection, id: i64) -> Result<Inquiry> {
    sqlx::query_as("SELECT * FROM inquiries WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("问询要点"))
}

pub async fn get(store: &Store, id: i64) -> Result<Inquiry> {
    let mut conn = store.pool.acquire().await?;
    get_in(&mut conn, id).await
}

/// An item's points: open and decided ones by severity then position, dropped
/// last, and the points earlier versions had (checked off by a revision) after all.
pub async fn list_for_item(store: &Store, item_id: i64) -> Result<Vec<Inquiry>> {
    Ok(sqlx::query_as(
        "SELECT * FROM inquiries WHERE item_id = ? \
         ORDER BY revision_status IN ('resolved', 'persists'), status = 'dropped', \
           CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, \
           document_id, start_char, id",
    )
    .bind(item_id)
    .fetch_all(&store.pool)
    .await?)
}

/// Loads a point for a change: refuses stale versions and (unless `allow_dropped`)
/// dropped points.
async fn for_change(
    conn: &mut SqliteConnection,
    id: i64,
    version: Option<i64>,
    allow_dropped: bool,
) -> Result<Inquiry> {
    let q = get_in(conn, id).await?;
    if let Some(v) = version
        && v != q.version
    {
        return Err(StoreError::Stale {
            current: q.version,
            given: v,
        });
    }
    if !allow_dropped && q.status == "dropped" {
        return Err(StoreError::Conflict(
            "该问询要点已舍弃，不能再修改或登记结果".into(),
        ));
    }
    Ok(q)
}

async fn audit_change(
    conn: &mut SqliteConnection,
    actor: &Actor,
    action: &str,
    before: &Inquiry,
    after: &Inquiry,
    extra: Option<Value>,
) -> Result<()> {
    let mut after_json = after.snapshot();
    if let (Some(Value::Object(extra)), Value::Object(a)) = (extra, &mut after_json) {
        a.extend(extra);
    }
    audit::append(
        conn,
        actor,
        Entry {
            action,
            entity: "inquiry",
            entity_id: Some(before.id),
            before: Some(before.snapshot()),
            after: Some(after_json),
        },
    )
    .await?;
    Ok(())
}

/// Changes the question text and severity of a point based on `version`.
pub async fn edit(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    question: &str,
    severity: &str,
) -> Result<Inquiry> {
    let question = question.trim();
    if question.is_empty() || question.chars().count() > 2000 {
        return Err(StoreError::Invalid(
            "问题文本不能为空，且不超过 2000 字".into(),
        ));
    }
    if !valid_severity(severity) {
        return Err(StoreError::Invalid("严重度应为 高 / 中 / 低".into()));
    }
    let mut tx = store.begin_write().await?;
    let before = for_change(&mut tx, id, Some(version), false).await?;
    let after: Inquiry = sqlx::query_as(
        "UPDATE inquiries SET question = ?, severity = ?, version = version + 1, updated_by = ?, \
         updated_at = ? WHERE id = ? RETURNING *",
    )
    .bind(question)
    .bind(severity)
    .bind(actor.id)
    .bind(now())
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    items::clear_approval(&mut tx, before.item_id).await?;
    audit_change(&mut tx, actor, "inquiry.edit", &before, &after, None).await?;
    tx.commit().await?;
    Ok(after)
}

/// Drops a point with a required reason; the point stays, marked dropped.
pub async fn drop_point(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    reason: &str,
) -> Result<Inquiry> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::Invalid("舍弃问询要点必须填写理由".into()));
    }
    let mut tx = store.begin_write().await?;
    let before = for_change(&mut tx, id, Some(version), false).await?;
    let after: Inquiry = sqlx::query_as(
        "UPDATE inquiries SET status = 'dropped', drop_reason = ?, version = version + 1, \
         updated_by = ?, updated_at = ? WHERE id = ? RETURNING *",
    )
    .bind(reason)
    .bind(actor.id)
    .bind(now())
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    items::clear_approval(&mut tx, before.item_id).await?;
    audit_change(&mut tx, actor, "inquiry.drop", &before, &after, None).await?;
    tx.commit().await?;
    Ok(after)
}

/// A point the reviewer wrote by hand from a selection in the document text.
#[derive(Debug, Clone)]
pub struct NewManual {
    pub item_id: i64,
    pub document_id: i64,
    pub start_char: i64,
    pub end_char: i64,
    pub quote: String,
    pub clause: String,
    pub kind: String,
    pub kind_name: String,
    pub severity: String,
    pub question: String,
}

pub async fn add_manual(store: &Store, actor: &Actor, p: &NewManual) -> Result<Inquiry> {
    if p.question.trim().is_empty() || p.question.chars().count() > 2000 {
        return Err(StoreError::Invalid(
            "问题文本不能为空，且不超过 2000 字".into(),
        ));
    }
    if !valid_severity(&p.severity) {
        return Err(StoreError::Invalid("严重度应为 高 / 中 / 低".into()));
    }
    let mut tx = store.begin_write().await?;
    let owner: Option<(i64,)> = sqlx::query_as("SELECT item_id FROM documents WHERE id = ?")
        .bind(p.document_id)
        .fetch_optional(&mut *tx)
        .await?;
    if owner.map(|o| o.0) != Some(p.item_id) {
        return Err(StoreError::Invalid("所选文件不属于该议题".into()));
    }
    let t = now();
    let q: Inquiry = sqlx::query_as(
        "INSERT INTO inquiries (item_id, document_id, origin, kind, kind_name, title, severity, \
         start_char, end_char, quote, clause, question, status, version, created_by, created_at, \
         updated_by, updated_at) \
         VALUES (?, ?, 'manual', ?, ?, '人工添加', ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?, ?) RETURNING *",
    )
    .bind(p.item_id)
    .bind(p.document_id)
    .bind(&p.kind)
    .bind(&p.kind_name)
    .bind(&p.severity)
    .bind(p.start_char)
    .bind(p.end_char)
    .bind(&p.quote)
    .bind(&p.clause)
    .bind(p.question.trim())
    .bind(actor.id)
    .bind(t)
    .bind(actor.id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    items::clear_approval(&mut tx, p.item_id).await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "inquiry.add",
            entity: "inquiry",
            entity_id: Some(q.id),
            before: None,
            after: Some(json!({
                "document_id": q.document_id,
                "start": q.start_char,
                "end": q.end_char,
                "quote": q.quote,
                "kind": q.kind,
                "severity": q.severity,
                "question": q.question,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(q)
}

/// Logs what the meeting decided on a point. `version` is checked when given
/// (the pages send it; the API may omit it). 未采纳 requires a reason.
pub async fn log_outcome(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
    outcome: Outcome,
    reason: &str,
    minutes_ref: &str,
) -> Result<Inquiry> {
    let reason = reason.trim();
    if outcome == Outcome::Rejected && reason.is_empty() {
        return Err(StoreError::Invalid("登记“未采纳”必须填写理由".into()));
    }
    if reason.chars().count() > 2000 || minutes_ref.chars().count() > 200 {
        return Err(StoreError::Invalid(
            "理由不超过 2000 字，纪要文号不超过 200 字".into(),
        ));
    }
    let Some(actor_id) = actor.id else {
        return Err(StoreError::Invalid("登记处理结果需要登录用户".into()));
    };
    let mut tx = store.begin_write().await?;
    let before = for_change(&mut tx, id, version, false).await?;
    let t = now();
    sqlx::query(
        "INSERT INTO outcomes (inquiry_id, outcome, reason, minutes_ref, recorded_by, recorded_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(outcome.as_str())
    .bind(reason)
    .bind(minutes_ref.trim())
    .bind(actor_id)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let after: Inquiry = sqlx::query_as(
        "UPDATE inquiries SET status = ?, version = version + 1, updated_by = ?, updated_at = ? \
         WHERE id = ? RETURNING *",
    )
    .bind(outcome.as_str())
    .bind(actor_id)
    .bind(t)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    audit_change(
        &mut tx,
        actor,
        "inquiry.outcome",
        &before,
        &after,
        Some(json!({"reason": reason, "minutes_ref": minutes_ref.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Every outcome logged for a point, oldest first, with who recorded it.
pub async fn outcomes(store: &Store, inquiry_id: i64) -> Result<Vec<OutcomeRow>> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.inquiry_id, o.outcome, o.reason, o.minutes_ref, \
           u.name AS recorded_by_name, o.recorded_at \
         FROM outcomes o JOIN users u ON u.id = o.recorded_by \
         WHERE o.inquiry_id = ? ORDER BY o.id",
    )
    .bind(inquiry_id)
    .fetch_all(&store.pool)
    .await?)
}

/// Counts by outcome for one grouping key (a decision type, kind or meeting kind).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Points raised (all points not dropped).
    pub raised: i64,
    pub open: i64,
    pub adopted: i64,
    pub partially_adopted: i64,
    pub rejected: i64,
    pub deferred: i64,
    pub follow_up: i64,
    /// Open points a revised draft no longer gives rise to (修订后已消除).
    pub resolved: i64,
}

impl Counts {
    fn add(&mut self, status: &str, revision_status: &str) {
        if status == "dropped" {
            return;
        }
        self.raised += 1;
        match status {
            "open" if revision_status == "resolved" => self.resolved += 1,
            "open" => self.open += 1,
            "adopted" => self.adopted += 1,
            "partially_adopted" => self.partially_adopted += 1,
            "rejected" => self.rejected += 1,
            "deferred" => self.deferred += 1,
            "follow_up" => self.follow_up += 1,
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    #[serde(flatten)]
    pub total: Counts,
    pub dropped: i64,
    pub meetings: i64,
    pub items: i64,
    pub by_decision_type: BTreeMap<String, Counts>,
    pub by_kind: BTreeMap<String, Counts>,
    pub by_meeting_kind: BTreeMap<String, Counts>,
}

#[derive(FromRow)]
struct StatRow {
    status: String,
    revision_status: String,
    kind: String,
    meeting_kind: String,
    decision_types: String,
}

/// Counts over all points. A point counts once under each 三重一大 type of its
/// document; points of a manual kind-less entry count under "manual". A point that
/// persists into a revised version counts once, as its successor.
pub async fn stats(store: &Store) -> Result<Stats> {
    let rows: Vec<StatRow> = sqlx::query_as(
        "SELECT q.status, q.revision_status, q.kind, m.kind AS meeting_kind, d.decision_types \
         FROM inquiries q JOIN documents d ON d.id = q.document_id \
           JOIN items i ON i.id = q.item_id JOIN meetings m ON m.id = i.meeting_id \
         WHERE q.revision_status != 'persists'",
    )
    .fetch_all(&store.pool)
    .await?;
    let (meetings,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM meetings")
        .fetch_one(&store.pool)
        .await?;
    let (items,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM items")
        .fetch_one(&store.pool)
        .await?;
    let mut s = Stats {
        meetings,
        items,
        ..Stats::default()
    };
    for r in rows {
        if r.status == "dropped" {
            s.dropped += 1;
            continue;
        }
        let rs = r.revision_status.as_str();
        s.total.add(&r.status, rs);
        let kind = if r.kind.is_empty() {
            "manual".to_string()
        } else {
            r.kind
        };
        s.by_kind.entry(kind).or_default().add(&r.status, rs);
        s.by_meeting_kind
            .entry(r.meeting_kind)
            .or_default()
            .add(&r.status, rs);
        let types: Vec<String> = serde_json::from_str(&r.decision_types).unwrap_or_default();
        for t in types.iter().filter(|t| DecisionType::parse(t).is_some()) {
            s.by_decision_type
                .entry(t.clone())
                .or_default()
                .add(&r.status, rs);
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::Severity;
    use crate::store::items::tests::{doc, meeting};
    use crate::store::items::{Target, add_document};
    use crate::store::{testing, users};

    fn finding(start: usize) -> Finding {
        Finding {
            rule_id: "procurement.direct_award".into(),
            rule_ids: vec!["procurement.direct_award".into()],
            kind: "procurement.bidding_evasion".into(),
            kind_name: "规避招标".into(),
            title: "直接委托".into(),
            severity: Severity::High,
            confidence: 0.8,
            start,
            end: start + 4,
            quote: "直接委托".into(),
            signal: "直接委托".into(),
            signal_start: start,
            signal_end: start + 4,
            clause: "第一条".into(),
            question: "拟不招标的依据是什么？".into(),
            basis: vec!["《招标投标法》第三条".into()],
            amounts: vec![],
        }
    }

    async fn setup() -> (Store, tempfile::TempDir, Actor, i64, i64) {
        let (store, dir) = testing::store().await;
        let user = users::create(
            &store,
            &Actor::system(),
            "reviewer",
            users::Role::Reviewer,
            "h",
        )
        .await
        .unwrap();
        let m = meeting(&store).await;
        let findings = [finding(4), finding(20)];
        let types = [DecisionType::MajorProject];
        let (item, d) = add_document(
            &store,
            &user.actor(),
            &Target::New {
                meeting_id: m,
                title: "议题".into(),
                unit: String::new(),
            },
            &doc(&findings, &types),
        )
        .await
        .unwrap();
        let _ = d;
        (store, dir, user.actor(), item.id, d)
    }

    #[tokio::test]
    async fn findings_become_open_points_that_can_be_edited_once_per_version() {
        let (store, _dir, a, item, _d) = setup().await;
        let points = list_for_item(&store, item).await.unwrap();
        assert_eq!(points.len(), 2);
        let p = &points[0];
        assert_eq!((p.status.as_str(), p.version), ("open", 1));
        assert_eq!(p.basis_list(), vec!["《招标投标法》第三条".to_string()]);
        let edited = edit(&store, &a, p.id, 1, "请说明不招标的依据。", "medium")
            .await
            .unwrap();
        assert_eq!((edited.version, edited.severity.as_str()), (2, "medium"));
        // A colleague still looking at version 1 is refused, not silently applied.
        let stale = edit(&store, &a, p.id, 1, "覆盖", "low").await;
        assert!(matches!(
            stale,
            Err(StoreError::Stale {
                current: 2,
                given: 1
            })
        ));
        assert_eq!(
            get(&store, p.id).await.unwrap().question,
            "请说明不招标的依据。"
        );
        assert!(matches!(
            edit(&store, &a, p.id, 2, "  ", "low").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(edit(&store, &a, p.id, 2, "x", "severe").await.is_err());
        let rows = audit::list(
            &store,
            &audit::Filter {
                entity: "inquiry".into(),
                entity_id: Some(p.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].action, "inquiry.edit");
    }

    #[tokio::test]
    async fn dropping_needs_a_reason_and_keeps_the_point() {
        let (store, _dir, a, item, _d) = setup().await;
        let p = list_for_item(&store, item).await.unwrap().remove(0);
        assert!(matches!(
            drop_point(&store, &a, p.id, 1, " ").await,
            Err(StoreError::Invalid(_))
        ));
        let dropped = drop_point(&store, &a, p.id, 1, "与第二点重复")
            .await
            .unwrap();
        assert_eq!(dropped.status, "dropped");
        let all = list_for_item(&store, item).await.unwrap();
        assert_eq!(all.len(), 2, "dropped points are kept");
        assert_eq!(all[1].id, p.id, "dropped points sort last");
        assert!(matches!(
            log_outcome(&store, &a, p.id, None, Outcome::Adopted, "", "").await,
            Err(StoreError::Conflict(_))
        ));
    }

    #[tokio::test]
    async fn outcomes_are_logged_with_history_and_rejection_needs_a_reason() {
        let (store, _dir, a, item, _d) = setup().await;
        let p = list_for_item(&store, item).await.unwrap().remove(0);
        assert!(matches!(
            log_outcome(&store, &a, p.id, Some(1), Outcome::Rejected, "", "").await,
            Err(StoreError::Invalid(_))
        ));
        let q = log_outcome(
            &store,
            &a,
            p.id,
            Some(1),
            Outcome::Deferred,
            "",
            "纪要〔2026〕12号",
        )
        .await
        .unwrap();
        assert_eq!((q.status.as_str(), q.version), ("deferred", 2));
        assert!(matches!(
            log_outcome(&store, &a, p.id, Some(1), Outcome::Adopted, "", "").await,
            Err(StoreError::Stale { .. })
        ));
        log_outcome(
            &store,
            &a,
            p.id,
            None,
            Outcome::Rejected,
            "会议认为已有依据",
            "",
        )
        .await
        .unwrap();
        let hist = outcomes(&store, p.id).await.unwrap();
        assert_eq!(hist.len(), 2);
        assert_eq!(hist[0].minutes_ref, "纪要〔2026〕12号");
        assert_eq!(hist[1].recorded_by_name, "reviewer");
        assert!(matches!(
            log_outcome(
                &store,
                &Actor::system(),
                p.id,
                None,
                Outcome::Adopted,
                "",
                ""
            )
            .await,
            Err(StoreError::Invalid(_))
        ));
        let s = stats(&store).await.unwrap();
        assert_eq!((s.total.raised, s.total.rejected, s.total.open), (2, 1, 1));
        assert_eq!(s.by_decision_type["major_project"].raised, 2);
        assert_eq!(s.by_kind["procurement.bidding_evasion"].rejected, 1);
        assert_eq!(s.by_meeting_kind["government_executive"].raised, 2);
        assert_eq!((s.meetings, s.items, s.dropped), (1, 1, 0));
    }

    #[tokio::test]
    async fn manual_points_must_quote_a_document_of_their_item() {
        let (store, _dir, a, item, d) = setup().await;
        let mut p = NewManual {
            item_id: item,
            document_id: d,
            start_char: 0,
            end_char: 3,
            quote: "第一条".into(),
            clause: "第一条".into(),
            kind: String::new(),
            kind_name: String::new(),
            severity: "low".into(),
            question: "请说明。".into(),
        };
        let q = add_manual(&store, &a, &p).await.unwrap();
        assert_eq!((q.origin.as_str(), q.status.as_str()), ("manual", "open"));
        p.item_id = 999;
        assert!(matches!(
            add_manual(&store, &a, &p).await,
            Err(StoreError::Invalid(_))
        ));
        let s = stats(&store).await.unwrap();
        assert_eq!(s.by_kind["manual"].raised, 1);
    }

    #[tokio::test]
    async fn a_revision_checks_off_earlier_points_and_links_what_persists() {
        let (store, _dir, a, item, d) = setup().await;
        let earlier = current_for_document(&store, d).await.unwrap();
        assert_eq!(earlier.len(), 2);
        let (first, second) = (&earlier[0], &earlier[1]);
        let dropped = drop_point(&store, &a, second.id, 1, "误报").await.unwrap();
        let plan = |second_version| RevisionPlan {
            earlier: vec![
                EarlierDecision {
                    id: first.id,
                    version: 1,
                    verdict: Verdict::Resolved,
                },
                EarlierDecision {
                    id: second.id,
                    version: second_version,
                    verdict: Verdict::Persists(1),
                },
            ],
            continues: vec![vec![], vec![second.id]],
            changes: Summary::default(),
        };
        let findings = [finding(4), finding(10)];
        let types = [DecisionType::MajorProject];
        let new_doc = doc(&findings, &types);
        // A plan made before the drop is refused, not applied over it.
        assert!(matches!(
            items::add_revision(&store, &a, d, &new_doc, &plan(1)).await,
            Err(StoreError::Conflict(_))
        ));
        let (_, d2, counts) = items::add_revision(&store, &a, d, &new_doc, &plan(dropped.version))
            .await
            .unwrap();
        assert_eq!(
            counts,
            RevisionCounts {
                resolved: 1,
                persists: 1,
                new: 1,
                continued: 1
            }
        );
        let v2 = items::document(&store, d2).await.unwrap();
        assert_eq!((v2.revision, v2.supersedes), (2, Some(d)));
        assert_eq!(
            items::document(&store, d).await.unwrap().superseded_by,
            Some(d2)
        );
        let resolved = get(&store, first.id).await.unwrap();
        assert_eq!(
            (
                resolved.revision_status.as_str(),
                resolved.revised_in,
                resolved.version
            ),
            ("resolved", Some(d2), 2)
        );
        let persists = get(&store, second.id).await.unwrap();
        assert_eq!(persists.revision_status, "persists");
        let successor = get(&store, persists.successor_id.unwrap()).await.unwrap();
        assert_eq!(
            (successor.document_id, successor.revision_status.as_str()),
            (d2, "continued")
        );
        // The reviewer dropped it once; the revision does not raise it again.
        assert_eq!(successor.status, "dropped");
        assert!(successor.drop_reason.contains("误报"));
        let preds = predecessors(&store, successor.id).await.unwrap();
        assert_eq!(preds.len(), 1);
        assert_eq!(preds[0].id, second.id);
        let current = current_for_document(&store, d2).await.unwrap();
        assert_eq!(current.len(), 2);
        assert!(current.iter().any(|q| q.revision_status == "new"));
        assert!(current_for_document(&store, d).await.unwrap().is_empty());
        // Earlier versions' points sort after the current ones.
        let listed = list_for_item(&store, item).await.unwrap();
        assert!(superseded(&listed[3].revision_status));
        assert!(!superseded(&listed[0].revision_status));
        let rows = audit::list(
            &store,
            &audit::Filter {
                entity: "inquiry".into(),
                entity_id: Some(first.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(rows[0].action, "inquiry.revision");
        assert!(rows[0].after_json.as_deref().unwrap().contains("resolved"));
        // A version is revised once; the next revision builds on the latest.
        let again = items::add_revision(&store, &a, d, &new_doc, &RevisionPlan::default()).await;
        assert!(matches!(again, Err(StoreError::Conflict(m)) if m.contains("第 2 版")));
        let meeting = items::get(&store, item).await.unwrap().meeting_id;
        let summary = &items::list_for_meeting(&store, meeting).await.unwrap()[0];
        assert_eq!(
            (summary.documents, summary.points, summary.open_points),
            (1, 1, 1)
        );
        // The persisting point counts once (as its dropped successor), the resolved one
        // as raised and resolved, not open.
        let s = stats(&store).await.unwrap();
        assert_eq!(
            (s.total.raised, s.total.open, s.total.resolved, s.dropped),
            (2, 1, 1, 1)
        );
    }
}
