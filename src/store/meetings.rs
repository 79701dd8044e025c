//! Meetings (会议): a 县委常委会, 县政府常务会, 党组会 or other meeting whose items
//! the commission reviews. Kinds and statuses are closed sets stored as stable
//! English keys (what the API and statistics use) with Chinese labels for pages.

use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;

use super::audit::{self, Entry};
use super::{Actor, Result, Store, StoreError, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    StandingCommittee,
    GovernmentExecutive,
    PartyGroup,
    Other,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 4] = [
        MeetingKind::StandingCommittee,
        MeetingKind::GovernmentExecutive,
        MeetingKind::PartyGroup,
        MeetingKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::StandingCommittee => "standing_committee",
            MeetingKind::GovernmentExecutive => "government_executive",
            MeetingKind::PartyGroup => "party_group",
            MeetingKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MeetingKind::StandingCommittee => "县委常委会",
            MeetingKind::GovernmentExecutive => "县政府常务会",
            MeetingKind::PartyGroup => "党组会",
            MeetingKind::Other => "其他",
        }
    }

    /// Accepts the key or the Chinese label.
    pub fn parse(s: &str) -> Option<MeetingKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Preparing,
    Held,
    Closed,
}

impl MeetingStatus {
    pub const ALL: [MeetingStatus; 3] = [
        MeetingStatus::Preparing,
        MeetingStatus::Held,
        MeetingStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingStatus::Preparing => "preparing",
            MeetingStatus::Held => "held",
            MeetingStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MeetingStatus::Preparing => "会前审阅中",
            MeetingStatus::Held => "已召开",
            MeetingStatus::Closed => "结果已登记",
        }
    }

    pub fn parse(s: &str) -> Option<MeetingStatus> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for MeetingKind {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        MeetingKind::parse(&s).ok_or_else(|| format!("未知会议类型“{s}”"))
    }
}

impl TryFrom<String> for MeetingStatus {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        MeetingStatus::parse(&s).ok_or_else(|| format!("未知会议状态“{s}”"))
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub kind: MeetingKind,
    pub session_label: String,
    pub date: String,
    #[sqlx(try_from = "String")]
    pub status: MeetingStatus,
    pub created_at: i64,
}

/// A meeting with the counts its list row shows.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct MeetingSummary {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub meeting: Meeting,
    pub items: i64,
    pub open_points: i64,
}

/// What a new meeting needs; validated by [`NewMeeting::validate`].
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub title: String,
    pub kind: MeetingKind,
    pub session_label: String,
    pub date: String,
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(y), Some(m), Some(d)) if (1990..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
    )
}

impl NewMeeting {
    pub fn validate(&self) -> Result<()> {
        let n = self.title.trim().chars().count();
        if n == 0 || n > 200 {
            return Err(StoreError::Invalid(
                "会议名称不能为空，且不超过 200 字".into(),
            ));
        }
        if !valid_date(&self.date) {
            return Err(StoreError::Invalid("会议日期格式应为 YYYY-MM-DD".into()));
        }
        if self.session_label.chars().count() > 100 {
            return Err(StoreError::Invalid("届次/次数不超过 100 字".into()));
        }
        Ok(())
    }
}

pub async fn create(store: &Store, actor: &Actor, m: &NewMeeting) -> Result<Meeting> {
    m.validate()?;
    let mut tx = store.begin_write().await?;
    let meeting: Meeting = sqlx::query_as(
        "INSERT INTO meetings (title, kind, session_label, date, status, created_by, created_at) \
         VALUES (?, ?, ?, ?, 'preparing', ?, ?) RETURNING *",
    )
    .bind(m.title.trim())
    .bind(m.kind.as_str())
    .bind(m.session_label.trim())
    .bind(&m.date)
    .bind(actor.id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "meeting.create",
            entity: "meeting",
            entity_id: Some(meeting.id),
            before: None,
            after: Some(serde_json::to_value(&meeting)?),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(meeting)
}

pub async fn get(store: &Store, id: i64) -> Result<Meeting> {
    sqlx::query_as("SELECT * FROM meetings WHERE id = ?")
        .bind(id)
        .fetch_optional(&store.pool)
        .await?
        .ok_or(StoreError::NotFound("会议"))
}

pub async fn count(store: &Store) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM meetings")
        .fetch_one(&store.pool)
        .await?;
    Ok(n)
}

/// All meetings, newest date first, with item and open-point counts.
pub async fn list(store: &Store) -> Result<Vec<MeetingSummary>> {
    Ok(sqlx::query_as(
        "SELECT m.*, \
           (SELECT COUNT(*) FROM items i WHERE i.meeting_id = m.id) AS items, \
           (SELECT COUNT(*) FROM inquiries q JOIN items i ON i.id = q.item_id \
              WHERE i.meeting_id = m.id AND q.status = 'open' \
              AND q.revision_status NOT IN ('resolved', 'persists')) AS open_points \
         FROM meetings m ORDER BY m.date DESC, m.id DESC",
    )
    .fetch_all(&store.pool)
    .await?)
}

pub async fn set_status(
    store: &Store,
    actor: &Actor,
    id: i64,
    status: MeetingStatus,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let before: Option<(String,)> = sqlx::query_as("SELECT status FROM meetings WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((was,)) = before else {
        return Err(StoreError::NotFound("会议"));
    };
    sqlx::query("UPDATE meetings SET status = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "meeting.status",
            entity: "meeting",
            entity_id: Some(id),
            before: Some(json!({"status": was})),
            after: Some(json!({"status": status.as_str()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    pub(crate) fn sample() -> NewMeeting {
        NewMeeting {
            title: "县委常委会会议".into(),
            kind: MeetingKind::StandingCommittee,
            session_label: "十五届第 12 次".into(),
            date: "2026-11-20".into(),
        }
    }

    #[tokio::test]
    async fn meetings_are_created_listed_and_change_status() {
        let (store, _dir) = testing::store().await;
        let a = Actor::system();
        let m = create(&store, &a, &sample()).await.unwrap();
        assert_eq!(m.status, MeetingStatus::Preparing);
        assert_eq!(count(&store).await.unwrap(), 1);
        let listed = list(&store).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].items, listed[0].open_points), (0, 0));
        set_status(&store, &a, m.id, MeetingStatus::Held)
            .await
            .unwrap();
        assert_eq!(get(&store, m.id).await.unwrap().status, MeetingStatus::Held);
        assert!(matches!(
            get(&store, 99).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(
            set_status(&store, &a, 99, MeetingStatus::Held)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn bad_dates_and_empty_titles_are_refused() {
        let (store, _dir) = testing::store().await;
        let mut m = sample();
        m.date = "2026-13-01".into();
        assert!(matches!(
            create(&store, &Actor::system(), &m).await,
            Err(StoreError::Invalid(_))
        ));
        m.date = "2026-11-01".into();
        m.title = "  ".into();
        assert!(create(&store, &Actor::system(), &m).await.is_err());
        assert!(valid_date("2026-02-28") && !valid_date("2026/02/28"));
        assert_eq!(
            MeetingKind::parse("县政府常务会"),
            Some(MeetingKind::GovernmentExecutive)
        );
    }
}
