-- The foundation: roster, customers, purchases, follow-up visits and the issues they raise,
-- drafts of unsaved forms, and the append-only audit log.
-- Every record: a UUID text id (stable across copies), a version for stale-save checks,
-- created_at / updated_at as RFC 3339 UTC.

-- Marks the file as MarketDesk's ("MKDK"), so another program's database is never taken for ours.
PRAGMA application_id = 1296778315;

CREATE TABLE employee (
    id            TEXT PRIMARY KEY NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('manager', 'research', 'brand', 'activity', 'crm', 'hr')),
    supervisor_id TEXT REFERENCES employee (id),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE customer (
    id             TEXT PRIMARY KEY NOT NULL,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    company        TEXT NOT NULL DEFAULT '',
    tier           TEXT NOT NULL CHECK (tier IN ('vip', 'a', 'b', 'c')),
    tags           TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    birthday       TEXT,
    preferences    TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    owner_id       TEXT REFERENCES employee (id),
    notes          TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL DEFAULT 'confidential'
                   CHECK (classification IN ('public', 'internal', 'confidential')),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX customer_by_name ON customer (name, id);
CREATE INDEX customer_by_owner ON customer (owner_id);

CREATE TABLE purchase (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    date         TEXT NOT NULL,
    product      TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX purchase_by_customer ON purchase (customer_id, date);

CREATE TABLE follow_up (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    owner_id     TEXT REFERENCES employee (id),
    method       TEXT NOT NULL CHECK (method IN ('phone', 'email', 'face_to_face')),
    due_date     TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('planned', 'done', 'missed', 'cancelled')),
    done_date    TEXT,
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    feedback     TEXT NOT NULL DEFAULT '',
    issues_found TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
-- The lists page through these in order, so no query sorts a million rows.
CREATE INDEX follow_up_by_state_due ON follow_up (state, due_date);
CREATE INDEX follow_up_by_owner_state_due ON follow_up (owner_id, state, due_date);
CREATE INDEX follow_up_by_due ON follow_up (due_date);
CREATE INDEX follow_up_by_owner_due ON follow_up (owner_id, due_date);
-- A customer's visits; also answers "visited since?" for segments without reading rows.
CREATE INDEX follow_up_by_customer ON follow_up (customer_id, state, done_date);

-- An issue found on a visit, handed to a department and tracked until closed.
CREATE TABLE follow_up_issue (
    id           TEXT PRIMARY KEY NOT NULL,
    follow_up_id TEXT NOT NULL REFERENCES follow_up (id) ON DELETE CASCADE,
    description  TEXT NOT NULL,
    department   TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    resolution   TEXT NOT NULL DEFAULT '',
    closed_on    TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX follow_up_issue_by_follow_up ON follow_up_issue (follow_up_id);
CREATE INDEX follow_up_issue_by_state ON follow_up_issue (state, created_at);

-- A form's unsaved input, kept when the terminal goes away and offered back on the next start.
CREATE TABLE draft (
    id         TEXT PRIMARY KEY NOT NULL,
    login      TEXT NOT NULL,
    form       TEXT NOT NULL,
    record_id  TEXT,
    fields     TEXT NOT NULL,
    saved_at   TEXT NOT NULL
);
CREATE INDEX draft_by_login ON draft (login);

-- Who did what to which record, and when. Append-only: the triggers refuse change and removal.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   TEXT,
    changes     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_record ON audit_log (record_type, record_id);
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
