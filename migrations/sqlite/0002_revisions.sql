-- Revised drafts (修订稿): a document may supersede the previous version of the same
-- draft. Every version keeps its original, text and points; the re-check of a new
-- version marks each point of the previous one as resolved (修订后已消除) or
-- persisting (仍存在, linked to the point that continues it), and the new version's
-- own points as new (新增) or continuing an earlier one.

-- The version this document revises (NULL for a first upload) and its number (第N版).
ALTER TABLE documents ADD COLUMN supersedes INTEGER REFERENCES documents(id);
ALTER TABLE documents ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
-- A version is revised at most once: two reviewers uploading a revision of the same
-- version at the same time cannot fork the chain.
CREATE UNIQUE INDEX documents_supersedes ON documents(supersedes) WHERE supersedes IS NOT NULL;

-- '' for points of a first upload; 'new' / 'continued' for points of a revision;
-- 'resolved' / 'persists' once a later version has been checked against them.
ALTER TABLE inquiries ADD COLUMN revision_status TEXT NOT NULL DEFAULT ''
    CHECK (revision_status IN ('', 'new', 'continued', 'resolved', 'persists'));
-- For 'persists': the point of the later version that continues this one.
ALTER TABLE inquiries ADD COLUMN successor_id INTEGER REFERENCES inquiries(id);
-- For 'resolved' / 'persists': the document version that was checked against it.
ALTER TABLE inquiries ADD COLUMN revised_in INTEGER REFERENCES documents(id);
CREATE INDEX inquiries_document ON inquiries(document_id);
