-- quirks_constraints.sql: PRIMARY KEY and UNIQUE constraints in the spellings SQLite accepts.
--
-- SQLite makes an index for each such constraint (`sqlite_autoindex_<table>_<n>`, numbered
-- in the order it meets them); a restore must bring each back with the same name, columns,
-- collations and sort orders. Recreates, with our own schema and data:
--   * corpus pgloader/Chinook_Sqlite.sqlite: `CONSTRAINT [name] PRIMARY KEY (...)`
--     (named table constraints, bracket quoting);
--   * corpus pgloader/sqlite.db: tables and columns named with keywords;
-- and adds: ON CONFLICT clauses, a named column constraint, COLLATE NOCASE/RTRIM keys,
-- `PRIMARY KEY DESC` on TEXT, a DESC column in a UNIQUE, a key word in a default and a CHECK,
-- the same columns declared UNIQUE twice and as PRIMARY KEY (one index), a rowid alias
-- beside a UNIQUE, a STRICT table, a UNIQUE generated column, a WITHOUT ROWID table with a
-- UNIQUE, NULLs in unique columns, and keys inserted in random order.
BEGIN;

CREATE TABLE accounts (
    id CHAR(32) NOT NULL CONSTRAINT pk_accounts PRIMARY KEY ON CONFLICT ABORT,
    email TEXT COLLATE NOCASE NOT NULL CONSTRAINT uq_accounts_email UNIQUE ON CONFLICT FAIL,
    handle TEXT UNIQUE,
    note TEXT DEFAULT 'PRIMARY KEY, UNIQUE' CHECK (note <> 'UNIQUE'),
    tenant INTEGER,
    slot INTEGER,
    UNIQUE (tenant DESC, slot),
    CONSTRAINT "uq tenant handle" UNIQUE (tenant, handle COLLATE RTRIM)
);
INSERT INTO accounts (id, email, handle, tenant, slot) VALUES
    ('f3a1c9e0b7d24c5e8a6f0b1c2d3e4f50', 'Ada@Example.com', 'ada', 1, 1);
INSERT INTO accounts VALUES
    ('0b7d24c5e8a6f0b1c2d3e4f50f3a1c9e', 'bob@example.com', NULL, 'plain', 1, 2),
    ('8a6f0b1c2d3e4f50f3a1c9e0b7d24c5e', 'CY@EXAMPLE.COM', NULL, NULL, 2, 1),
    ('2d3e4f50f3a1c9e0b7d24c5e8a6f0b1c', 'dee@example.com', 'dee ', 'x', NULL, NULL),
    ('c5e8a6f0b1c2d3e4f50f3a1c9e0b7d24', 'eve@example.com', 'Eve', 'y', NULL, NULL);

CREATE TABLE [Group]
(
    [GroupId] NVARCHAR(20) NOT NULL,
    [Region] NVARCHAR(10) NOT NULL,
    [Name] NVARCHAR(80),
    CONSTRAINT [PK_Group] PRIMARY KEY ([Region], [GroupId])
);
INSERT INTO [Group] VALUES ('g9', 'eu', 'Ninth'), ('g1', 'us', 'First'), ('g1', 'eu', 'First EU');

CREATE TABLE "key words" (
    "primary" TEXT,
    "unique" TEXT PRIMARY KEY DESC,
    [key] INT UNIQUE
);
INSERT INTO "key words" VALUES ('p', 'm', 3), ('q', 'z', NULL), ('r', 'a', 1);

-- Declared three times over the same columns: one index for b, one for the primary key.
CREATE TABLE twice (
    a TEXT PRIMARY KEY UNIQUE,
    b TEXT,
    UNIQUE (b),
    UNIQUE (b)
);
INSERT INTO twice VALUES ('k2', 'v2'), ('k1', 'v1'), ('k3', NULL);

-- A rowid alias (not an index) beside a UNIQUE column.
CREATE TABLE coupon (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE
);
INSERT INTO coupon (code) VALUES ('SPRING'), ('AUTUMN'), ('WINTER');

CREATE TABLE strict_keys (
    k TEXT PRIMARY KEY,
    n INTEGER UNIQUE
) STRICT;
INSERT INTO strict_keys VALUES ('b', 2), ('a', 1), ('c', NULL);

CREATE TABLE totals (
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    total INTEGER GENERATED ALWAYS AS (a + b) STORED UNIQUE
);
INSERT INTO totals (a, b) VALUES (1, 2), (5, 5), (0, 1);

CREATE TABLE settings (
    k TEXT PRIMARY KEY,
    v TEXT UNIQUE
) WITHOUT ROWID;
INSERT INTO settings VALUES ('theme', 'dark'), ('lang', 'en'), ('tz', NULL);

COMMIT;
