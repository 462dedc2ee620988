-- edge_values.sql: edge values every codec must round-trip exactly.
--
-- Not tied to one corpus file: it pushes each storage class to its limits (what the
-- corpus databases only touch: pgloader/sqlite.db `reals`/`blobs`/`ints` tables,
-- pgloader/storage.sqlite blobs). Contents:
--   * NULL in every column; '' and the empty blob X'';
--   * a NUL byte inside TEXT (CAST(X'610062' AS TEXT): 'a', NUL, 'b') and inside a BLOB;
--   * non-ASCII (accents, CJK, RTL, combining marks, 4-byte emoji, ZWJ sequences, BOM,
--     U+2028), control characters, \n \r\n \t " ' \ and JSON-looking text;
--   * int64 min/max, 2^53 + 1 (not representable as a double);
--   * reals: 1e308, DBL_MAX, 5e-324 (smallest subnormal), DBL_MIN, 0.1, 1/3, +-Inf
--     (1e999; SQLite cannot store NaN: it becomes NULL), -0.0 (a REAL column stores it
--     as integer 0 and loses the sign; an untyped column keeps -0.0, which
--     `sqlite3 .dump` prints as 0.0);
--   * a > 2 MiB TEXT with multi-byte characters (crosses any 1 MiB block boundary),
--     a 2 MiB zero BLOB, a 3 MiB patterned BLOB, all 256 byte values;
--   * an empty table and a table with a single INTEGER PRIMARY KEY column.
BEGIN;

CREATE TABLE edge (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    t TEXT,
    b BLOB,
    i INTEGER,
    r REAL,
    n NUMERIC,
    a
);

INSERT INTO edge VALUES (1, 'all null', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO edge VALUES (2, 'empty and zero', '', X'', 0, 0.0, 0, '');
INSERT INTO edge VALUES (3, 'NUL inside', CAST(X'610062' AS TEXT), X'610062', NULL, NULL, NULL, CAST(X'00' AS TEXT));
INSERT INTO edge VALUES (4, 'non-ASCII', 'héllo wörld — ✓ 日本語 한국어 שלום مرحبا e' || char(769) || ' 🎉 👩‍👩‍👧 ' || char(65279) || 'bom' || char(8232) || 'ls', CAST('✓' AS BLOB), NULL, NULL, 'ünïcödé', '𝄞');
INSERT INTO edge VALUES (5, 'newline', 'line1' || char(10) || 'line2' || char(13) || char(10) || 'line3' || char(10), NULL, NULL, NULL, NULL, char(10));
INSERT INTO edge VALUES (6, 'tab', 'a' || char(9) || 'b' || char(9), NULL, NULL, NULL, NULL, char(9));
INSERT INTO edge VALUES (7, 'quotes', 'say "hi" and ''bye''', NULL, NULL, NULL, NULL, '"');
INSERT INTO edge VALUES (8, 'backslash', 'C:\Users\new\table \\ \n \u0041 \"', NULL, NULL, NULL, NULL, '\');
INSERT INTO edge VALUES (9, 'control chars', char(1) || char(2) || char(27) || '[0m' || char(127) || char(128) || char(159), NULL, NULL, NULL, NULL, char(31));
INSERT INTO edge VALUES (10, 'json-looking text', '{"a": 1, "b": [true, null]}', NULL, NULL, NULL, 'null', 'NULL');
INSERT INTO edge VALUES (11, 'numeric-looking text', '0042', NULL, NULL, NULL, '1e5', ' 7 ');
INSERT INTO edge VALUES (12, 'int64 max', NULL, NULL, 9223372036854775807, NULL, 9223372036854775807, 9223372036854775807);
INSERT INTO edge VALUES (13, 'int64 min', NULL, NULL, -9223372036854775808, NULL, -9223372036854775808, -9223372036854775808);
INSERT INTO edge VALUES (14, '2^53 + 1', NULL, NULL, 9007199254740993, 9007199254740993, 9007199254740993, 9007199254740993);
INSERT INTO edge VALUES (15, 'minus one', NULL, NULL, -1, -1.0, -1, -1);
INSERT INTO edge VALUES (16, 'negative zero', NULL, NULL, 0, -0.0, -0.0, -0.0);
INSERT INTO edge VALUES (17, '1e308', NULL, NULL, NULL, 1e308, 1e308, 1e308);
INSERT INTO edge VALUES (18, 'DBL_MAX', NULL, NULL, NULL, 1.7976931348623157e308, 1.7976931348623157e308, 1.7976931348623157e308);
INSERT INTO edge VALUES (19, 'smallest subnormal', NULL, NULL, NULL, 5e-324, 5e-324, 5e-324);
INSERT INTO edge VALUES (20, 'DBL_MIN', NULL, NULL, NULL, 2.2250738585072014e-308, 2.2250738585072014e-308, 2.2250738585072014e-308);
INSERT INTO edge VALUES (21, 'one tenth', NULL, NULL, NULL, 0.1, 0.1, 0.1);
INSERT INTO edge VALUES (22, 'one third', NULL, NULL, NULL, 1.0 / 3, 1.0 / 3, 1.0 / 3);
INSERT INTO edge VALUES (23, '+Inf', NULL, NULL, NULL, 1e999, 1e999, 1e999);
INSERT INTO edge VALUES (24, '-Inf', NULL, NULL, NULL, -1e999, -1e999, -1e999);
INSERT INTO edge VALUES (25, 'integral real', NULL, NULL, 1e15, 1e16, 1e16, 1e16);
INSERT INTO edge VALUES (26, 'many digits', NULL, NULL, NULL, 123456789.12345679, 0.30000000000000004, 2.5e-8);
INSERT INTO edge VALUES (27, 'real in integer column', NULL, NULL, 2.5, NULL, NULL, NULL);
INSERT INTO edge VALUES (28, 'all byte values', NULL, X'000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF', NULL, NULL, NULL, NULL);
INSERT INTO edge VALUES (29, 'whitespace only', '   ', NULL, NULL, NULL, NULL, char(32, 9, 10));
INSERT INTO edge VALUES (30, 'blob in text column', X'68656C6C6F', 'text in blob column', NULL, NULL, NULL, NULL);

-- Large values (> 2 MiB), built deterministically.
CREATE TABLE big_values (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    t TEXT,
    b BLOB
);
-- 200000 x 'lorem ipsum ✓ ' (16 bytes) = 3,200,000 bytes of text with multi-byte characters.
INSERT INTO big_values VALUES (1, 'large text', replace(hex(zeroblob(200000)), '00', 'lorem ipsum ✓ '), NULL);
-- 2 MiB of zero bytes.
INSERT INTO big_values VALUES (2, 'zero blob', NULL, zeroblob(2097152));
-- 3 MiB patterned blob (the digits and letters of hex(), repeated).
INSERT INTO big_values VALUES (3, 'patterned blob', NULL, CAST(replace(hex(zeroblob(98304)), '00', '0123456789abcdef0123456789ABCDEF') AS BLOB));
-- A large text made by a recursive CTE: 40000 numbered lines (~2.2 MB).
INSERT INTO big_values
    SELECT 4, 'numbered lines', group_concat(printf('line %06d: the quick brown fox jumps over the lazy dog', x), char(10)), NULL
    FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) SELECT x FROM c);

CREATE TABLE empty_table (id INTEGER PRIMARY KEY, v TEXT NOT NULL);

CREATE TABLE only_key (id INTEGER PRIMARY KEY);
INSERT INTO only_key VALUES (1), (2), (9223372036854775807);

COMMIT;
