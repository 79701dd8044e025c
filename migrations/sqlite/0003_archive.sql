-- Archive documents (历年会议材料) brought in by `wenxun import DIR`: searchable, but
-- not agenda items of any meeting, so they live beside `documents` and the
-- workbench's queries never see them. The content hash is unique: importing the
-- same folder again (or resuming an interrupted import) adds nothing twice.
CREATE TABLE archive_documents (
    id          INTEGER PRIMARY KEY,
    -- Path relative to the imported folder, '/'-separated (the first one seen for
    -- this content).
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    size        INTEGER NOT NULL,
    format      TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    -- JSON: [[start_char, end_char, clause_path], ...] as in documents.clauses.
    clauses     TEXT NOT NULL DEFAULT '[]',
    imported_at INTEGER NOT NULL
);
