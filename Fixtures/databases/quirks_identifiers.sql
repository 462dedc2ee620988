-- quirks_identifiers.sql: identifiers that are reserved words, mixed case, odd
-- characters, or too long for PostgreSQL (63 bytes).
--
-- Recreates, with our own tables and data:
--   * corpus pgloader/sqlite.db: tables named `user`, `references`, `double`,
--     `character` (reserved or type names in PostgreSQL);
--   * corpus pgloader/cli_with.db: a MixedCase table name (quoting must keep the case);
--   * corpus pgloader/collision.db: two column names longer than 63 bytes that become
--     identical when truncated to 63 bytes (needs a clear error or a deterministic
--     rename, never silent loss); here also a table name longer than 63 bytes and a
--     column name whose 63-byte cut falls inside a multi-byte UTF-8 character.
BEGIN;

CREATE TABLE user (id integer primary key autoincrement, name text, "group" text);
INSERT INTO user (name, "group") VALUES ('root', 'wheel'), ('guest', NULL);

CREATE TABLE IF NOT EXISTS "references" (id integer, "from" text, "to" text);
INSERT INTO "references" VALUES (1, 'a', 'b'), (2, 'b', NULL);

CREATE TABLE double (x "double precision", y real, "order" integer);
INSERT INTO double VALUES (1.25, 2.5, 1), (-0.5, NULL, 2);

CREATE TABLE character (id integer primary key, f1 character(20), "select" text);
INSERT INTO character VALUES (1, 'abc', 'star'), (2, NULL, NULL);

CREATE TABLE AccountSettings (Id INTEGER PRIMARY KEY, SettingName TEXT NOT NULL, settingValue TEXT);
INSERT INTO AccountSettings VALUES (1, 'Theme', 'dark'), (2, 'PageSize', '50');
CREATE INDEX IX_AccountSettings_SettingName ON AccountSettings (SettingName);

CREATE TABLE "table with spaces" (
    "column with spaces" TEXT,
    "quote""inside" TEXT,
    "dollar$sign" INTEGER,
    "café" TEXT,
    "123starts_with_digit" INTEGER
);
INSERT INTO "table with spaces" VALUES ('a b', 'x"y', 1, 'crème', 123);

CREATE TABLE device_measurements (
    id    INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    sensor_reading_value_recorded_by_the_primary_device_in_celsius_x REAL,
    sensor_reading_value_recorded_by_the_primary_device_in_celsius_y REAL,
    -- 62 ASCII bytes then 'é' (2 bytes): a 63-byte cut would split the character.
    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij__é_suffix" TEXT
);
INSERT INTO device_measurements VALUES (1, 'probe-a', 21.5, 22.0, 'v1');
INSERT INTO device_measurements VALUES (2, 'probe-b', NULL, -3.25, NULL);

CREATE TABLE a_table_name_that_is_much_longer_than_the_sixty_three_bytes_postgresql_allows (
    id INTEGER PRIMARY KEY,
    v  TEXT
);
INSERT INTO a_table_name_that_is_much_longer_than_the_sixty_three_bytes_postgresql_allows VALUES (1, 'long');

COMMIT;
