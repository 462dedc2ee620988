-- quirks_keys.sql: keys, references and sequences.
--
-- Recreates, with our own schema and data:
--   * corpus pgloader/Chinook_Sqlite.sqlite: composite primary keys, NUMERIC(10,2)
--     prices, a self-referencing FK (an employee reports to an employee), FKs declared
--     with ON DELETE/UPDATE NO ACTION, bracket-quoted identifiers;
--   * corpus pgloader/Chinook_Sqlite_AutoIncrementPKs.sqlite: AUTOINCREMENT keys and
--     `sqlite_sequence`, here with seq ABOVE max(id) (deleted rows): the sequence to set
--     after a restore is the sqlite_sequence value, not max(id);
--   * corpus pgloader/test_pk.db: an FK between two tables keyed by INTEGER PRIMARY KEY,
--     the referencing table created FIRST (restore must order tables by references);
-- and adds: a composite FK onto a composite PK, an FK onto a UNIQUE non-PK column,
-- DEFERRABLE INITIALLY DEFERRED, ON UPDATE CASCADE, a WITHOUT ROWID table, and
-- `INTEGER PRIMARY KEY DESC` (which is NOT a rowid alias).
PRAGMA foreign_keys = ON;
BEGIN;

-- Referencing table first, referenced table second.
CREATE TABLE region (
    region_id INTEGER PRIMARY KEY,
    region_kind_id INTEGER REFERENCES region_kind (region_kind_id)
);
CREATE TABLE region_kind (
    region_kind_id INTEGER PRIMARY KEY,
    label TEXT
);
INSERT INTO region_kind VALUES (1, 'country'), (2, 'state');
INSERT INTO region VALUES (10, 1), (11, 2), (12, NULL);

CREATE TABLE [Staff]
(
    [StaffId] INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    [FullName] NVARCHAR(60) NOT NULL,
    [ManagerId] INTEGER,
    [HiredOn] DATETIME,
    FOREIGN KEY ([ManagerId]) REFERENCES [Staff] ([StaffId])
        ON DELETE NO ACTION ON UPDATE NO ACTION
);
INSERT INTO [Staff] VALUES (1, 'Grace Hopper', NULL, '2001-04-01 00:00:00');
INSERT INTO [Staff] VALUES (2, 'Alan Kay', 1, '2003-08-15 00:00:00');
INSERT INTO [Staff] VALUES (3, 'Barbara Liskov', 1, '2004-01-10 00:00:00');
INSERT INTO [Staff] VALUES (5, 'Ken Thompson', 2, '2010-09-01 00:00:00');
-- Staff 4 and 6..9 existed once: AUTOINCREMENT never reuses ids.
UPDATE sqlite_sequence SET seq = 9 WHERE name = 'Staff';

CREATE TABLE [Product]
(
    [ProductId] INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    [Sku] NVARCHAR(20) NOT NULL UNIQUE,
    [UnitPrice] NUMERIC(10,2) NOT NULL
);
INSERT INTO [Product] ([Sku], [UnitPrice]) VALUES ('SKU-001', 0.99), ('SKU-002', 1.99), ('SKU-003', 10), ('SKU-004', 1234567.89);

CREATE TABLE [Bundle]
(
    [BundleId] INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    [Name] NVARCHAR(80)
);
INSERT INTO [Bundle] ([Name]) VALUES ('Starter'), ('Deluxe');

-- Composite primary key; both parts are foreign keys.
CREATE TABLE [BundleItem]
(
    [BundleId] INTEGER NOT NULL,
    [ProductId] INTEGER NOT NULL,
    [Quantity] INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT [PK_BundleItem] PRIMARY KEY ([BundleId], [ProductId]),
    FOREIGN KEY ([BundleId]) REFERENCES [Bundle] ([BundleId]) ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY ([ProductId]) REFERENCES [Product] ([ProductId]) ON DELETE NO ACTION ON UPDATE NO ACTION
);
INSERT INTO [BundleItem] VALUES (1, 1, 1), (1, 2, 2), (2, 1, 1), (2, 3, 1), (2, 4, 3);

-- Composite FK onto the composite PK, deferrable.
CREATE TABLE bundle_item_notes (
    id INTEGER PRIMARY KEY,
    bundle_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    note TEXT,
    FOREIGN KEY (bundle_id, product_id) REFERENCES [BundleItem] ([BundleId], [ProductId])
        DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO bundle_item_notes VALUES (1, 2, 4, 'ships separately');

-- FK onto a UNIQUE column that is not the primary key.
CREATE TABLE price_history (
    id INTEGER PRIMARY KEY,
    sku NVARCHAR(20) NOT NULL REFERENCES [Product] ([Sku]) ON UPDATE CASCADE,
    price NUMERIC(10,2) NOT NULL,
    valid_from DATE NOT NULL
);
INSERT INTO price_history VALUES (1, 'SKU-001', 1.09, '2023-01-01'), (2, 'SKU-001', 0.99, '2024-01-01');

-- WITHOUT ROWID table with a text composite key.
CREATE TABLE translations (
    locale TEXT NOT NULL,
    msg_key TEXT NOT NULL,
    msg TEXT NOT NULL,
    PRIMARY KEY (locale, msg_key)
) WITHOUT ROWID;
INSERT INTO translations VALUES ('en', 'hello', 'Hello'), ('de', 'hello', 'Hallo'), ('ja', 'hello', 'こんにちは');

-- INTEGER PRIMARY KEY DESC is not an alias for the rowid (a separate key column).
CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY DESC,
    entry TEXT NOT NULL
);
INSERT INTO ledger VALUES (3, 'third'), (1, 'first'), (2, 'second');

COMMIT;
