-- quirks_bad_utf8.sql: TEXT columns holding bytes that are not valid UTF-8.
--
-- Recreates corpus pgloader/bad-utf8.db (a file name with a Latin-1 byte stored as a
-- BLOB in a TEXT column) with our own data, and adds the same bytes stored with the
-- TEXT storage class (CAST(X'..' AS TEXT)), which sqlite3_column_text hands back
-- unvalidated. Every value must survive a round trip byte for byte.
BEGIN;

CREATE TABLE uploads (
    id        INTEGER PRIMARY KEY,
    filename  TEXT NOT NULL,
    note      TEXT
);

INSERT INTO uploads VALUES (1, 'report-2024.pdf', 'valid ASCII');
INSERT INTO uploads VALUES (2, 'résumé.docx', 'valid UTF-8');
-- 'caf' + Latin-1 e-acute (0xE9) + '.txt', stored as a BLOB (as in the corpus file).
INSERT INTO uploads VALUES (3, X'636166E92E747874', 'Latin-1 byte, BLOB storage class');
-- The same bytes with the TEXT storage class.
INSERT INTO uploads VALUES (4, CAST(X'636166E92E747874' AS TEXT), 'Latin-1 byte, TEXT storage class');
-- C3 28: a UTF-8 lead byte followed by a byte that is not a continuation.
INSERT INTO uploads VALUES (5, CAST(X'C328' AS TEXT), 'invalid 2-byte sequence as TEXT');
INSERT INTO uploads VALUES (6, X'C328', 'invalid 2-byte sequence as BLOB');
-- Overlong encoding of '/', a UTF-16 surrogate encoded in UTF-8 (CESU-8), a truncated
-- 3-byte sequence at the end, and a lone continuation byte.
INSERT INTO uploads VALUES (7, CAST(X'C0AF6574632F706173737764' AS TEXT), 'overlong slash');
INSERT INTO uploads VALUES (8, CAST(X'6D6F6E6B6579EDA0BDEDB88A' AS TEXT), 'CESU-8 surrogate pair');
INSERT INTO uploads VALUES (9, CAST(X'707269636520E282' AS TEXT), 'truncated euro sign');
INSERT INTO uploads VALUES (10, CAST(X'80' AS TEXT), 'lone continuation byte');
-- Bytes 0xFE/0xFF never appear in UTF-8; also a value with bad bytes in the note column.
INSERT INTO uploads VALUES (11, CAST(X'FEFF414243' AS TEXT), CAST(X'6E6F7465FF' AS TEXT));

COMMIT;
