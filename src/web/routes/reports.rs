//! Read-only reports: the 问询清单 of a meeting (printable page and `.docx`) and
//! the statistics page with its CSV download.
//!
//! Printing and exporting take work secrets off the screen, so each one is written
//! to the audit trail, and the printed list carries who printed it and when.
//! Charts are plain SVG bars computed here (no script, no chart library).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::Serialize;

use crate::analyze::decision::DecisionType;
use crate::app::{App, format_time};
use crate::export::{self, ListItem, ListPoint};
use crate::store::audit::{self, Entry};
use crate::store::inquiries::{self, Counts, Inquiry};
use crate::store::meetings::{self, MeetingKind};
use crate::store::{items, now};
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::{page, v};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/meetings/{id}/inquiries", get(inquiry_list))
        .route("/meetings/{id}/inquiries.docx", get(inquiry_list_docx))
        .route("/stats", get(stats_page))
        .route("/stats.csv", get(stats_csv))
}

#[derive(Debug, Serialize)]
struct ItemPoints {
    title: String,
    unit: String,
    approved: bool,
    points: Vec<Inquiry>,
}

/// The meeting's items with their points that are not dropped, of the current
/// versions (points a revision checked off are history).
async fn load_groups(app: &App, meeting_id: i64) -> WebResult<Vec<ItemPoints>> {
    let mut groups = Vec::new();
    for it in items::list_for_meeting(&app.store, meeting_id).await? {
        let points: Vec<Inquiry> = inquiries::list_for_item(&app.store, it.item.id)
            .await?
            .into_iter()
            .filter(|p| p.status != "dropped" && !inquiries::superseded(&p.revision_status))
            .collect();
        groups.push(ItemPoints {
            title: it.item.title,
            unit: it.item.unit,
            approved: it.item.approved_at.is_some(),
            points,
        });
    }
    Ok(groups)
}

async fn record_export(app: &App, user: &CurrentUser, action: &str, id: i64) -> WebResult<()> {
    audit::record(
        &app.store,
        &user.actor(),
        Entry {
            action,
            entity: "meeting",
            entity_id: Some(id),
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(())
}

async fn inquiry_list(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let meeting = meetings::get(&app.store, id).await?;
    let groups = load_groups(&app, id).await?;
    record_export(&app, &user, "meeting.print_inquiries", id).await?;
    Ok(page(
        &app,
        "inquiry_list.html",
        Some(&user),
        context! { meeting => v(&meeting), groups => v(&groups), printed_at => format_time(now()) },
    )?
    .into_response())
}

/// RFC 5987 encoding for a non-ASCII download file name.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn inquiry_list_docx(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let meeting = meetings::get(&app.store, id).await?;
    let list: Vec<ListItem> = load_groups(&app, id)
        .await?
        .into_iter()
        .map(|g| ListItem {
            title: g.title,
            unit: g.unit,
            approved: g.approved,
            points: g
                .points
                .into_iter()
                .map(|p| ListPoint {
                    severity: inquiries::severity_label(&p.severity),
                    status: inquiries::status_label(&p.status),
                    question: p.question,
                    quote: p.quote,
                    clause: p.clause,
                    kind_name: p.kind_name,
                })
                .collect(),
        })
        .collect();
    let subtitle = format!(
        "{} {} · 会议日期 {}",
        meeting.kind.label(),
        meeting.session_label,
        meeting.date
    );
    let footer = format!(
        "导出人：{} · 导出时间：{} · 本清单由“问询”生成，已记入审计日志",
        user.user.name,
        format_time(now())
    );
    let title = meeting.title.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        export::inquiry_list_docx(&title, &subtitle, &list, &footer)
    })
    .await?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    record_export(&app, &user, "meeting.export_docx", id).await?;
    let name = format!("{}问询清单.docx", meeting.title);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"inquiries-{id}.docx\"; filename*=UTF-8''{}",
                    percent_encode(&name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// One row of a statistics table.
#[derive(Debug, Serialize)]
struct Row {
    group: &'static str,
    key: String,
    label: String,
    counts: Counts,
    /// Bar widths in percent of the largest `raised` in the table.
    raised_pct: u32,
    adopted_pct: u32,
}

fn rows(
    group: &'static str,
    map: &BTreeMap<String, Counts>,
    label: impl Fn(&str) -> String,
) -> Vec<Row> {
    let max = map.values().map(|c| c.raised).max().unwrap_or(0).max(1);
    let pct = |n: i64| ((n * 100) / max).clamp(0, 100) as u32;
    let mut out: Vec<Row> = map
        .iter()
        .map(|(k, c)| Row {
            group,
            key: k.clone(),
            label: label(k),
            raised_pct: pct(c.raised),
            adopted_pct: pct(c.adopted + c.partially_adopted),
            counts: c.clone(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.counts
            .raised
            .cmp(&a.counts.raised)
            .then(a.key.cmp(&b.key))
    });
    out
}

struct Tables {
    total: Counts,
    dropped: i64,
    meetings: i64,
    items: i64,
    by_decision_type: Vec<Row>,
    by_kind: Vec<Row>,
    by_meeting_kind: Vec<Row>,
}

async fn tables(app: &App) -> WebResult<Tables> {
    let s = inquiries::stats(&app.store).await?;
    let kind_name = |k: &str| {
        if k == "manual" {
            "人工添加（未归类）".to_string()
        } else {
            app.rules
                .kind(k)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| k.to_string())
        }
    };
    Ok(Tables {
        by_decision_type: rows("三重一大类型", &s.by_decision_type, |k| {
            DecisionType::parse(k)
                .map(|d| d.label().to_string())
                .unwrap_or_else(|| k.to_string())
        }),
        by_kind: rows("风险类型", &s.by_kind, kind_name),
        by_meeting_kind: rows("会议类型", &s.by_meeting_kind, |k| {
            MeetingKind::parse(k)
                .map(|m| m.label().to_string())
                .unwrap_or_else(|| k.to_string())
        }),
        total: s.total,
        dropped: s.dropped,
        meetings: s.meetings,
        items: s.items,
    })
}

async fn stats_page(State(app): State<Arc<App>>, user: CurrentUser) -> WebResult<Response> {
    let t = tables(&app).await?;
    Ok(page(
        &app,
        "stats.html",
        Some(&user),
        context! {
            total => v(&t.total), dropped => t.dropped, meetings => t.meetings, items => t.items,
            by_decision_type => v(&t.by_decision_type), by_kind => v(&t.by_kind),
            by_meeting_kind => v(&t.by_meeting_kind),
        },
    )?
    .into_response())
}

/// A CSV field, quoted when it holds a separator, quote or line break; a leading
/// `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do not run it.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

async fn stats_csv(State(app): State<Arc<App>>, user: CurrentUser) -> WebResult<Response> {
    let t = tables(&app).await?;
    let mut out = String::from(
        "\u{feff}分组,键,名称,提出,待问询,采纳,部分采纳,未采纳,暂缓,会后研究,修订后已消除\r\n",
    );
    for r in t
        .by_decision_type
        .iter()
        .chain(&t.by_kind)
        .chain(&t.by_meeting_kind)
    {
        let c = &r.counts;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(r.group),
            csv_field(&r.key),
            csv_field(&r.label),
            c.raised,
            c.open,
            c.adopted,
            c.partially_adopted,
            c.rejected,
            c.deferred,
            c.follow_up,
            c.resolved
        ));
    }
    audit::record(
        &app.store,
        &user.actor(),
        Entry {
            action: "stats.export_csv",
            entity: "stats",
            entity_id: None,
            before: None,
            after: None,
        },
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"wenxun-stats.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("采纳"), "采纳");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
