-- quirks_types.sql: SQLite's dynamic typing and its zoo of declared types and defaults.
--
-- Recreates, with our own tables and data:
--   * corpus pgloader/type-mismatch.db: an `INTEGER NOT NULL` column holding text
--     (`lots-of-it`); here also a REAL and a BLOB in INTEGER columns;
--   * TECH-NOTES: a column declared `UUID` has NUMERIC affinity, so a digits-only hex
--     uuid becomes a number: 32 digits overflow int64 and become a (lossy) REAL,
--     '000...042' becomes the INTEGER 42, and '12e4' (hex!) becomes the INTEGER 120000;
--     hex with letters stays TEXT;
--   * timestamps as INTEGER unix seconds and milliseconds, REAL julian days, and
--     ISO 8601 text with `T`, `Z`, offsets and fractions, all in one column set;
--   * corpus pgloader/Chinook_Sqlite.sqlite: NUMERIC(10,2) (stored REAL/INTEGER/TEXT);
--     pgloader/sqlite.db: numeric(20, 6), `short integer`, `smallint unsigned`,
--     `"double precision"`, `intege`, `text nocase`, `tinyint default '0'`,
--     `default '"0"'`, `default ""`, `DATETIME DEFAULT 0`, strftime / current_date /
--     datetime('now','localtime') defaults, `auto_increment`, typeless columns.
--   Time-dependent defaults are declared but every row gives explicit values
--   (the file must build the same database every time).
BEGIN;

-- Mixed storage classes in declared-type columns.
CREATE TABLE stock (
    id    INTEGER PRIMARY KEY,
    item  TEXT    NOT NULL,
    qty   INTEGER NOT NULL,
    price REAL
);
INSERT INTO stock VALUES (1, 'bolts', 120, 0.25);
INSERT INTO stock VALUES (2, 'washers', 'lots-of-it', 0.05);
INSERT INTO stock VALUES (3, 'nuts', 7.5, '1.5');
INSERT INTO stock VALUES (4, 'springs', X'0102', 'ask');
INSERT INTO stock VALUES (5, 'rivets', '42', '3');
INSERT INTO stock VALUES (6, 'screws', ' 17 ', NULL);  -- becomes INTEGER 17 (spaces trimmed)

-- UUID declared type (NUMERIC affinity).
CREATE TABLE devices (
    id        INTEGER PRIMARY KEY,
    device_id UUID NOT NULL,
    label     TEXT
);
INSERT INTO devices VALUES (1, '9f1c2ab47e3d4c5b8a6f0e1d2c3b4a59', 'hex with letters: stays TEXT');
INSERT INTO devices VALUES (2, '31415926535897932384626433832795', 'all digits: becomes a lossy REAL');
INSERT INTO devices VALUES (3, '00000000000000000000000000000042', 'all digits with leading zeros: becomes INTEGER 42');
INSERT INTO devices VALUES (4, '12e4', 'exponent-looking: becomes INTEGER 120000');
INSERT INTO devices VALUES (5, '4c5b8a6f-0e1d-4c3b-8a59-9f1c2ab47e3d', 'dashed: stays TEXT');
INSERT INTO devices VALUES (6, X'9f1c2ab47e3d4c5b8a6f0e1d2c3b4a59', '16-byte BLOB');

-- Timestamps in every shape an application may have used.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at_seconds  INTEGER,
    at_millis   INTEGER,
    at_julian   REAL,
    at_text     DATETIME,
    at_iso      TEXT,
    created     TIMESTAMP
);
INSERT INTO events VALUES (1, 1714557600, 1714557600123, 2460432.0, '2024-05-01 10:00:00', '2024-05-01T10:00:00Z', '2024-05-01 10:00:00.123456');
INSERT INTO events VALUES (2, 0, 0, 2440587.5, '1970-01-01 00:00:00', '1970-01-01T00:00:00+00:00', '1970-01-01 00:00:00');
INSERT INTO events VALUES (3, -86400, -86400000, 2440586.5, '1969-12-31', '1969-12-31T00:00:00.5-05:30', '1969-12-31T00:00');
INSERT INTO events VALUES (4, 2147483648, 2147483648000, NULL, '2038-01-19 03:14:08.000001', '2038-01-19T03:14:08.999+02:00', 2147483648);
INSERT INTO events VALUES (5, 253402300799, 253402300799999, NULL, '9999-12-31 23:59:59.999999', '9999-12-31T23:59:59.999999Z', 'now');
INSERT INTO events VALUES (6, NULL, NULL, NULL, 'not a date', '2024-02-30T25:61:00', '');

-- Fixed-point money, stored however SQLite liked it.
CREATE TABLE prices (
    id      INTEGER PRIMARY KEY,
    amount  NUMERIC(10,2) NOT NULL,
    precise numeric(20, 6),
    ratio   numeric(12,4)
);
INSERT INTO prices VALUES (1, 19.99, 123456789012.123456, 0.5);
INSERT INTO prices VALUES (2, 20, '0.000001', 1);
INSERT INTO prices VALUES (3, '12.345', '99999999999999.999999', '1e3');
INSERT INTO prices VALUES (4, 'N/A', NULL, -0.0001);
INSERT INTO prices VALUES (5, '0.10', '00012.500000', '.5');

-- The declared-type and default zoo.
CREATE TABLE type_zoo (
    id            integer primary key autoincrement,
    s             short integer,
    flag          smallint unsigned not null default 0,
    tiny          tinyint default '0',
    big           bigint,
    dp            "double precision",
    dbl           double,
    misspelt      intege default NULL,
    name          text nocase,
    label         char(70),
    code          character(20),
    nvc           NVARCHAR(120),
    quoted_zero   integer default '"0"',
    empty_default text default "",
    started       DATETIME DEFAULT 0,
    stamp         TIMESTAMP DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    day           date default current_date,
    local_now     datetime default(DATETIME('now', 'localtime')),
    untyped,
    blobby        blob,
    flt           float,
    bool_text     boolean default 'false',
    num           numeric
);
INSERT INTO type_zoo (s, flag, tiny, big, dp, dbl, misspelt, name, label, code, nvc, quoted_zero, empty_default, started, stamp, day, local_now, untyped, blobby, flt, bool_text, num) VALUES
(1, 3, 1, 10000000000, 3.141592653589793, 2.718281828459045, 7, 'Alpha', 'a char(70) value', 'padded?', 'NVARCHAR text', 1, 'x', '2024-01-01 00:00:00', '2024-01-01 00:00:00.000', '2024-01-01', '2024-01-01 01:00:00', 'text in untyped', X'DEADBEEF', 1.5, 'true', '1.0'),
(-32768, 65535, 255, -9223372036854775808, 1e-10, -1e10, '7', 'alpha', NULL, NULL, NULL, '1', NULL, 1714557600, '2024-05-01 10:00:00.123', '2024-05-01', '2024-05-01 12:00:00', 42, 'text in blob column', '2.5', 'no', '1e2'),
(0, 0, 0, 0, 0, 0, 'seven', 'ALPHA', '', '', '', 'zero', '', 0, '1970-01-01 00:00:00.000', '1970-01-01', '1970-01-01 00:00:00', 4.25, NULL, NULL, 1, 'abc');
-- A row that takes every deterministic default (flag, tiny, misspelt, quoted_zero,
-- empty_default, started); the time-dependent ones are given explicitly.
INSERT INTO type_zoo (stamp, day, local_now) VALUES ('2024-06-01 00:00:00.000', '2024-06-01', '2024-06-01 02:00:00');

-- MySQL-ism accepted by SQLite: auto_increment is just part of the type name, so the
-- type is `integer auto_increment`, not `INTEGER`: id is NOT a rowid alias, and (legacy
-- SQLite behaviour) this PRIMARY KEY column accepts NULLs: both rows have id NULL.
CREATE TABLE tickets (id integer auto_increment primary key, ticket text);
INSERT INTO tickets (ticket) VALUES ('T-1'), ('T-2');

-- A table whose only column is typeless and holds every storage class.
CREATE TABLE anything (v);
INSERT INTO anything VALUES (NULL), (1), (1.5), ('one'), (X'01');

COMMIT;
