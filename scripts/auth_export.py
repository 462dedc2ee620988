"""An independent writer of auth_export 1.0 archives, in Python 3 (standard library only).

This module implements spec/FORMAT.md from the text alone; it shares no code with the Swift implementation.
It is used by scripts/make-fixtures to generate the conformance fixtures, and by scripts/check-schemas to read
them back. It deliberately exposes the low-level pieces (member framing, stored blocks, cell spellings) so that
fixtures can break exactly one rule at a time.

Deflate streams come from zlib (raw deflate, wbits=-15), which is deterministic for a given zlib version; the
gzip member headers, trailers, the stored-block end member, the checksums and the index are made here by hand.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

# --- Constants (spec §2) ---------------------------------------------------------------------------------------

#: The first 16 bytes of every canonical member header; bytes 16..19 hold the member size (uint32 LE). Spec §2.2.
HEADER_PREFIX = bytes(
    [0x1F, 0x8B, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x08, 0x00, ord("A"), ord("X"), 0x04, 0x00]
)
HEADER_SIZE = 20
TRAILER_SIZE = 8
#: A writer closes a member after the line that brings its decompressed size to at least this. Spec §2.3.
MEMBER_TARGET = 1 << 20
#: Largest stored block payload. Spec §2.4.
STORED_BLOCK_MAX = 65535

FORMAT_NAME = "auth_export"
FORMAT_VERSION = "1.0"

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


# --- Gzip members (spec §2) ------------------------------------------------------------------------------------


def stored_blocks(data: bytes) -> bytes:
    """The canonical stored-block deflate stream of `data` (spec §2.4): blocks of at most 65535 bytes, in order,
    the last with BFINAL=1; empty data is one empty final block."""
    out = bytearray()
    chunks = [data[i : i + STORED_BLOCK_MAX] for i in range(0, len(data), STORED_BLOCK_MAX)] or [b""]
    for i, chunk in enumerate(chunks):
        final = 1 if i == len(chunks) - 1 else 0
        n = len(chunk)
        # BFINAL in bit 0, BTYPE=00 in bits 1-2, then padding to the byte boundary: one byte 0x00 or 0x01.
        out.append(final)
        out += struct.pack("<HH", n, n ^ 0xFFFF)
        out += chunk
    return bytes(out)


def deflate(data: bytes, mode: str = "dynamic", level: int = 9) -> bytes:
    """A raw deflate stream of `data`.

    mode: "dynamic" (zlib's default strategy), "fixed" (fixed Huffman codes only), "stored" (the canonical stored
    blocks), or "flushes" (dynamic, with a sync flush every 64 bytes: many blocks, some of them empty stored blocks).
    """
    if mode == "stored":
        return stored_blocks(data)
    strategy = zlib.Z_FIXED if mode == "fixed" else zlib.Z_DEFAULT_STRATEGY
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    if mode == "flushes":
        out = b""
        for i in range(0, len(data), 64):
            out += compressor.compress(data[i : i + 64]) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return out + compressor.flush(zlib.Z_FINISH)
    if mode not in ("dynamic", "fixed"):
        raise ValueError(f"unknown deflate mode {mode!r}")
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH)


def member_header(total_size: int) -> bytes:
    """The canonical 20-byte member header for a member of `total_size` bytes (spec §2.2)."""
    if not 0 <= total_size <= 0xFFFFFFFF:
        raise ValueError("member too large for the AX size field")
    return HEADER_PREFIX + struct.pack("<I", total_size)


def member(content: bytes, mode: str = "dynamic") -> bytes:
    """One complete canonical gzip member holding `content` (spec §2.1-2.2)."""
    body = deflate(content, mode)
    total = HEADER_SIZE + len(body) + TRAILER_SIZE
    return member_header(total) + body + struct.pack("<II", zlib.crc32(content), len(content) & 0xFFFFFFFF)


def stored_member_size(content_size: int) -> int:
    """Size of the canonical end member holding `content_size` bytes (spec §2.5)."""
    blocks = max(1, -(-content_size // STORED_BLOCK_MAX))
    return HEADER_SIZE + 5 * blocks + content_size + TRAILER_SIZE


def split_members(data: bytes) -> list[tuple[int, bytes]]:
    """Splits an archive into (offset, member bytes) using only the AX size fields (spec §2.5). Raises ValueError
    on a non-canonical header or a size that runs past the end of the data."""
    members = []
    offset = 0
    while offset < len(data):
        header = data[offset : offset + HEADER_SIZE]
        if len(header) < HEADER_SIZE or header[:16] != HEADER_PREFIX:
            raise ValueError(f"no canonical member header at byte {offset}")
        size = struct.unpack("<I", header[16:20])[0]
        if size < HEADER_SIZE + 2 + TRAILER_SIZE or offset + size > len(data):
            raise ValueError(f"bad member size {size} at byte {offset}")
        members.append((offset, data[offset : offset + size]))
        offset += size
    return members


def inflate_member(raw: bytes) -> bytes:
    """Inflates one member, checking that the deflate stream ends exactly at the trailer, the CRC-32 and ISIZE."""
    d = zlib.decompressobj(-15)
    body = raw[HEADER_SIZE:-TRAILER_SIZE]
    content = d.decompress(body) + d.flush()
    if not d.eof or d.unused_data:
        raise ValueError("deflate stream does not end exactly before the trailer")
    crc, isize = struct.unpack("<II", raw[-TRAILER_SIZE:])
    if crc != zlib.crc32(content) or isize != len(content) & 0xFFFFFFFF:
        raise ValueError("CRC-32 or ISIZE mismatch")
    return content


# --- JSON spelling (spec §3) -----------------------------------------------------------------------------------


def dumps(value: Any) -> str:
    """Compact JSON with the canonical string escaping of spec §3.2 (Python's json module with
    ensure_ascii=False escapes exactly `"`, `\\`, \\b \\f \\n \\r \\t and other C0 controls as lowercase \\u00xx)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class Raw(str):
    """Text inserted verbatim where a cell, a row or a record would be spelled (for invalid fixtures)."""


# --- Cells (spec §5) -------------------------------------------------------------------------------------------

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DECIMAL_RE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?|NaN|Infinity|-Infinity")
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
TIME_RE = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?")
BASE64_RE = re.compile(r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")

LOGICAL_TYPES = (
    "boolean", "integer", "real", "decimal", "text", "bytes", "uuid", "json", "timestamp", "date", "time", "any",
)


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


def is_date(s: str) -> bool:
    m = DATE_RE.fullmatch(s)
    if not m:
        return False
    y, mo, d = (int(g) for g in m.groups())
    return y >= 1 and 1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo)


def is_time(s: str, allow_24: bool = True) -> bool:
    m = TIME_RE.fullmatch(s)
    if not m:
        return False
    h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3))
    fraction = m.group(4) or ""
    if allow_24 and h == 24 and mi == 0 and sec == 0 and set(fraction[1:]) <= {"0"}:
        return True
    return h <= 23 and mi <= 59 and sec <= 59


def is_timestamp(s: str) -> bool:
    return len(s) >= 20 and s[10] == "T" and s.endswith("Z") and is_date(s[:10]) and is_time(s[11:-1], False)


def is_base64(s: str) -> bool:
    """Canonical padded standard base64 (RFC 4648 §4, with the unused bits of the last group zero)."""
    if not BASE64_RE.fullmatch(s):
        return False
    return base64.b64encode(base64.b64decode(s)).decode("ascii") == s


def is_valid_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def spell_real(x: float) -> str:
    """A real: the shortest round-trip decimal (Python's repr is one), or the strings for non-finite values."""
    if math.isnan(x):
        return '"NaN"'
    if math.isinf(x):
        return '"Infinity"' if x > 0 else '"-Infinity"'
    return repr(float(x))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def spell_json_value(value: Any) -> str:
    """A json cell: the value itself, wrapped as {"$": value} when it is JSON null or an object whose only key is
    "$" (spec §5.9). Python None is the JSON null here; SQL NULL is passed as the SQL_NULL sentinel."""
    if isinstance(value, Raw):
        return value
    needs_wrapper = value is None or (isinstance(value, dict) and list(value.keys()) == ["$"])
    text = dumps(value)
    return '{"$":' + text + "}" if needs_wrapper else text


class _SQLNull:
    def __repr__(self) -> str:
        return "SQL_NULL"


#: SQL NULL in a json column's value list (Python None there means the JSON null).
SQL_NULL = _SQLNull()


def spell_cell(ltype: str, nullable: bool, value: Any) -> str:
    """The spelling of one cell, validated against the logical type (spec §5). Raw values pass through."""
    if isinstance(value, Raw):
        return value
    if value is SQL_NULL or (value is None and ltype != "json"):
        if not nullable:
            raise ValueError("null in a NOT NULL column")
        return "null"
    if ltype == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"boolean expected, got {value!r}")
        return "true" if value else "false"
    if ltype == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or not INT64_MIN <= value <= INT64_MAX:
            raise ValueError(f"int64 expected, got {value!r}")
        return str(value)
    if ltype == "real":
        return spell_real(float(value))
    if ltype == "text":
        if not isinstance(value, str):
            raise ValueError("str expected")
        return dumps(value)
    checks: dict[str, Callable[[str], bool]] = {
        "decimal": lambda s: DECIMAL_RE.fullmatch(s) is not None,
        "uuid": lambda s: UUID_RE.fullmatch(s) is not None,
        "timestamp": is_timestamp,
        "date": is_date,
        "time": is_time,
    }
    if ltype in checks:
        if not isinstance(value, str) or not checks[ltype](value):
            raise ValueError(f"{value!r} is not a canonical {ltype}")
        return dumps(value)
    if ltype == "bytes":
        return '"' + b64(bytes(value)) + '"'
    if ltype == "json":
        return spell_json_value(value)
    if ltype == "any":
        tag, inner = value
        if tag == "integer":
            return '["integer",' + spell_cell("integer", False, inner) + "]"
        if tag == "real":
            return '["real",' + spell_real(float(inner)) + "]"
        if tag == "text":
            return '["text",' + dumps(inner) + "]"
        if tag == "bytes":
            return '["bytes","' + b64(inner) + '"]'
        if tag == "text_bytes":
            if is_valid_utf8(inner):
                raise ValueError("text_bytes is only for text that is not valid UTF-8")
            return '["text_bytes","' + b64(inner) + '"]'
        raise ValueError(f"unknown any tag {tag!r}")
    raise ValueError(f"unknown logical type {ltype!r}")


def spell_row(columns: list[dict], values: list) -> str:
    """A row line (without its newline): the cells of `values` in column order (spec §4.4)."""
    if len(values) != len(columns):
        raise ValueError(f"row arity {len(values)} != {len(columns)}")
    return "[" + ",".join(spell_cell(c["type"], c["nullable"], v) for c, v in zip(columns, values)) + "]"


# --- Records (spec §4) -----------------------------------------------------------------------------------------


def header_record(
    created_at: str = "2026-01-01T00:00:00.000000Z",
    producer: str = "make-fixtures 1.0",
    backend: str = "sqlite",
    database: str = "fixture.db",
    server_version: str | None = "3.40.1",
    version: str = FORMAT_VERSION,
) -> dict:
    source = {"backend": backend, "database": database}
    if server_version is not None:
        source["server_version"] = server_version
    return {
        "kind": "header", "format": FORMAT_NAME, "version": version, "created_at": created_at,
        "producer": producer, "source": source,
    }


def column(name: str, ltype: str, nullable: bool = True, **optional: Any) -> dict:
    """A column object with its fields in the spec's order (spec §4.3.1)."""
    out: dict[str, Any] = {"name": name, "type": ltype, "nullable": nullable}
    order = [
        "source_type", "encoding", "time_zone", "offset", "default", "auto_increment", "max_length", "precision",
        "scale", "collation",
    ]
    for key in order:
        if key in optional:
            out[key] = optional.pop(key)
    out.update(optional)  # unknown fields (forward-compatibility fixtures) go last
    return out


def table_record(
    name: str,
    columns: list[dict],
    primary_key: list[str] | None = None,
    unique: list[dict] | None = None,
    foreign_keys: list[dict] | None = None,
    indexes: list[dict] | None = None,
    checks: list[dict] | None = None,
    sql: str | None = None,
    without_rowid: bool = False,
    sequence: int | None = None,
    **extra: Any,
) -> dict:
    out: dict[str, Any] = {
        "kind": "table", "name": name, "columns": columns, "primary_key": primary_key or [],
        "unique": unique or [], "foreign_keys": foreign_keys or [], "indexes": indexes or [],
        "checks": checks or [],
    }
    if sql is not None:
        out["sql"] = sql
    if without_rowid:
        out["without_rowid"] = True
    if sequence is not None:
        out["sequence"] = sequence
    out.update(extra)
    return out


# --- Archive assembly (spec §2.3, §4.1, §7) --------------------------------------------------------------------


@dataclass
class Line:
    """One line of the decompressed text, without its newline.

    kind: header, table, row, table_end, object, x, end or raw. For `table_end` and `end`, `text` may be None: the
    builder computes the record, applying `overrides` (field -> value) to it.
    """

    kind: str
    text: str | bytes | None = None
    overrides: dict = field(default_factory=dict)
    #: A name under which build() reports the line's number and member (for expected error locations).
    mark: str | None = None

    def data(self) -> bytes:
        assert self.text is not None
        # surrogateescape: invalid-UTF-8 fixtures spell raw bytes 0x80-0xFF as lone surrogates U+DC80-U+DCFF.
        return self.text if isinstance(self.text, bytes) else self.text.encode("utf-8", "surrogateescape")


@dataclass
class Member:
    lines: list[Line]
    mode: str = "dynamic"
    #: Replaces the finished member bytes (for framing defects); gets and returns the whole member.
    patch: Callable[[bytes], bytes] | None = None
    #: Content bytes used instead of the lines joined with newlines (for framing defects).
    content_override: bytes | None = None


@dataclass
class TableInfo:
    name: str
    first_member: int
    last_member: int = -1
    rows: int = 0


class Archive:
    """An archive under construction: a list of members, each a list of lines."""

    def __init__(self, header: dict | None = None, header_line: str | None = None, mode: str = "dynamic"):
        self.members: list[Member] = []
        self.mode = mode
        if header_line is None:
            header_line = dumps(header if header is not None else header_record())
        self.members.append(Member([Line("header", header_line)], mode))
        self.end = Member([Line("end")], "stored")
        #: Lines put in the end member before the end record (only for the fixture that breaks that rule).
        self.end_prefix: list[Line] = []

    # Building blocks.

    def add_member(self, *lines: Line, mode: str | None = None, patch=None, content_override=None) -> Member:
        m = Member(list(lines), mode or self.mode, patch, content_override)
        self.members.append(m)
        return m

    def table(
        self,
        record: dict | str,
        rows: Iterable[list | str | Line],
        rows_per_member: int | None = None,
        member_target: int = MEMBER_TARGET,
        end_overrides: dict | None = None,
        mode: str | None = None,
        table_mark: str | None = None,
        end_mark: str | None = None,
        table_end: bool = True,
    ) -> None:
        """Adds a table the way a writer does (spec §2.3): a member starting with the table record, rows cut into
        members once a member reaches `member_target` bytes (or every `rows_per_member` rows), the table_end
        record last in the last member."""
        if isinstance(record, dict):
            schema = record
            text = dumps(record)
        else:
            schema = json.loads(record)
            text = record
        cols = schema["columns"]
        current = [Line("table", text, mark=table_mark)]
        size = len(text.encode()) + 1
        in_member = 0
        for row in rows:
            if isinstance(row, Line):
                current.append(row)
                size += len(row.data()) + 1
                continue
            if isinstance(row, str):
                line = row
            else:
                if len(row) != len(cols):
                    raise ValueError(f"row arity {len(row)} != {len(cols)} in table {schema['name']}")
                line = spell_row(cols, row)
            current.append(Line("row", line))
            size += len(line.encode()) + 1
            in_member += 1
            if size >= member_target or (rows_per_member is not None and in_member >= rows_per_member):
                self.add_member(*current, mode=mode)
                current, size, in_member = [], 0, 0
        if table_end:
            current.append(Line("table_end", None, dict(end_overrides or {}), mark=end_mark))
        if current:
            self.add_member(*current, mode=mode)

    def objects(self, *records: dict) -> None:
        self.add_member(*(Line("object", dumps(r)) for r in records))

    # Assembly.

    def build(self) -> tuple[bytes, dict]:
        """Returns the archive bytes and facts about it (member offsets, tables, line numbers)."""
        out = bytearray()
        tables: list[TableInfo] = []
        current: TableInfo | None = None
        table_hash = hashlib.sha256()
        member_info = []  # (offset, size, content_size, first_line_number)
        marks: dict[str, tuple[int, int]] = {}  # mark -> (line number, member index)
        line_number = 0
        for index, m in enumerate(self.members):
            content = bytearray()
            first_line = line_number + 1
            for line in m.lines:
                if line.kind == "table":
                    name = json.loads(line.data())["name"] if line.data().startswith(b"{") else "?"
                    current = TableInfo(name, index)
                    tables.append(current)
                    table_hash = hashlib.sha256()
                elif line.kind == "row" and current is not None:
                    table_hash.update(line.data() + b"\n")
                    current.rows += 1
                elif line.kind == "table_end" and current is not None:
                    if line.text is None:
                        record = {
                            "kind": "table_end", "table": current.name, "rows": current.rows,
                            "sha256": table_hash.hexdigest(),
                        }
                        record.update(line.overrides)
                        line.text = dumps(record)
                    current.last_member = index
                    current = None
                content += line.data() + b"\n"
                line_number += 1
                if line.mark:
                    marks[line.mark] = (line_number, index)
            if m.content_override is not None:
                content = bytearray(m.content_override)
            raw = member(bytes(content), m.mode)
            if m.patch:
                raw = m.patch(raw)
            member_info.append((len(out), len(raw), len(content), first_line))
            out += raw
        index_entries = []
        for t in tables:
            first = member_info[t.first_member]
            last = t.last_member if t.last_member >= 0 else len(member_info) - 1
            span = member_info[t.first_member : last + 1]
            index_entries.append(
                {
                    "table": t.name, "offset": first[0], "compressed_bytes": sum(s for _, s, _, _ in span),
                    "uncompressed_bytes": sum(c for _, _, c, _ in span), "rows": t.rows,
                }
            )
        end_line = self.end.lines[0]
        if end_line.text is None:
            record = {
                "kind": "end", "tables": len(tables), "rows": sum(t.rows for t in tables),
                "sha256": hashlib.sha256(out).hexdigest(), "index": index_entries,
            }
            overrides = dict(end_line.overrides)
            for key, value in overrides.items():
                if callable(value):
                    record[key] = value(record[key])
                else:
                    record[key] = value
            end_line.text = dumps(record)
        end_content = b"".join(line.data() + b"\n" for line in self.end_prefix) + end_line.data() + b"\n"
        if self.end.content_override is not None:
            end_content = self.end.content_override
        end_raw = member(end_content, self.end.mode)
        if self.end.patch:
            end_raw = self.end.patch(end_raw)
        end_offset = len(out)
        member_info.append((end_offset, len(end_raw), len(end_content), line_number + 1))
        out += end_raw
        end_line_number = line_number + len(self.end_prefix) + 1
        facts = {
            "members": member_info,
            "tables": tables,
            "marks": marks,
            "end_offset": end_offset,
            "end_line": end_line_number,
            "lines_before_end": line_number,
        }
        return bytes(out), facts
