-- The reviewer's workbench: users and sessions, meetings → items (议题) → documents →
-- inquiry points → outcomes, and the append-only audit trail.
-- Times are Unix seconds (UTC); meeting dates are ISO 'YYYY-MM-DD' text.

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    role                 TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'leader', 'viewer')),
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL
);

-- Only the sha256 of a token or session id is stored: a copy of the database does
-- not let anyone log in.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    user_name TEXT NOT NULL,
    ip        TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(user_name, ip, at);

CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('standing_committee', 'government_executive', 'party_group', 'other')),
    session_label TEXT NOT NULL DEFAULT '',
    date          TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'preparing' CHECK (status IN ('preparing', 'held', 'closed')),
    created_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL
);

CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    title       TEXT NOT NULL,
    unit        TEXT NOT NULL DEFAULT '',
    approved_by INTEGER REFERENCES users(id),
    approved_at INTEGER,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX items_meeting ON items(meeting_id);

-- One row per stored original; the bytes live under data-dir/blobs/ named by sha256.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE documents (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES items(id),
    file_name      TEXT NOT NULL,
    sha256         TEXT NOT NULL REFERENCES blobs(sha256),
    size           INTEGER NOT NULL,
    format         TEXT NOT NULL,
    text           TEXT NOT NULL,
    -- JSON: [[start_char, end_char, clause_path], ...] for every block of `text`.
    clauses        TEXT NOT NULL DEFAULT '[]',
    -- JSON: ["personnel", ...]
    decision_types TEXT NOT NULL DEFAULT '[]',
    rules_version  TEXT NOT NULL,
    uploaded_by    INTEGER REFERENCES users(id),
    uploaded_at    INTEGER NOT NULL
);
CREATE INDEX documents_item ON documents(item_id);

-- An inquiry point. Never deleted: dropping sets status 'dropped' with a reason.
-- `version` grows on every change; an edit based on an older version is refused.
CREATE TABLE inquiries (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    document_id INTEGER NOT NULL REFERENCES documents(id),
    origin      TEXT NOT NULL CHECK (origin IN ('rule', 'manual')),
    rule_id     TEXT NOT NULL DEFAULT '',
    rule_ids    TEXT NOT NULL DEFAULT '[]',
    kind        TEXT NOT NULL DEFAULT '',
    kind_name   TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    severity    TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    start_char  INTEGER NOT NULL,
    end_char    INTEGER NOT NULL,
    quote       TEXT NOT NULL,
    clause      TEXT NOT NULL DEFAULT '',
    question    TEXT NOT NULL,
    basis       TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN
                  ('open', 'dropped', 'adopted', 'partially_adopted', 'rejected', 'deferred', 'follow_up')),
    drop_reason TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_by  INTEGER REFERENCES users(id),
    updated_at  INTEGER NOT NULL
);
CREATE INDEX inquiries_item ON inquiries(item_id);

CREATE TABLE outcomes (
    id          INTEGER PRIMARY KEY,
    inquiry_id  INTEGER NOT NULL REFERENCES inquiries(id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('adopted', 'partially_adopted', 'rejected', 'deferred', 'follow_up')),
    reason      TEXT NOT NULL DEFAULT '',
    minutes_ref TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX outcomes_inquiry ON outcomes(inquiry_id);

-- Append-only: triggers refuse UPDATE and DELETE; each row's hash is
-- sha256(prev_hash || canonical row content), so an edit made behind SQLite's back
-- breaks the chain where it happened.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    user_id     INTEGER,
    user_name   TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   INTEGER,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
