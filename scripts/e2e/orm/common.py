"""Shared helpers of the ORM matrix stacks (scripts/e2e-orm-matrix).

Every stack module is a small application run as

    python stack_NAME.py schema URL    the application creates its own schema (create_all / migrate)
    python stack_NAME.py fill URL      the application fills it through its own code
    python stack_NAME.py check URL     the application's own code against the database: prints
                                       `ok NAME` / `bad NAME: why` lines, exits 1 when one failed

URL is `sqlite:////abs/path.db` or `postgresql://user@host:port/db` (never printed with a password).
"""

from __future__ import annotations

import re
import sys
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

FAILED: list[str] = []


def redact(url: str) -> str:
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*):[^@/]*@", r"\1:***@", url)


def check(name: str, ok: bool, why: str = "") -> bool:
    if ok:
        print(f"ok {name}", flush=True)
    else:
        print(f"bad {name}: {why}", flush=True)
        FAILED.append(name)
    return ok


def step(name: str, body: Callable[[], Any]) -> Any:
    """Runs one check step; an exception is a failure of that step with its last line."""
    try:
        return body()
    except Exception as error:  # noqa: BLE001 - every failure is reported, never raised
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        check(name, False, last[:400])
        return None


def expect_error(name: str, body: Callable[[], Any], kinds: tuple[type[BaseException], ...]) -> None:
    try:
        body()
    except kinds:
        check(name, True)
        return
    except Exception as error:  # noqa: BLE001
        check(name, False, f"expected {kinds[0].__name__}, got {type(error).__name__}: {str(error)[:200]}")
        return
    check(name, False, "accepted (no error)")


def naive_utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Timestamps chosen to catch text comparison of mixed forms on SQLite: same day, same hour, microseconds apart,
# and values either side of "now" (far past, far future).
BASE = datetime(2024, 3, 1, 12, 40, 0, 123463)


def event_times() -> list[datetime]:
    """Eight naive UTC datetimes, ascending: four in the hour 12:00-13:00 of 2024-03-01 (one at the exact
    second, one with microseconds), two far in the past, two far in the future."""
    return [
        datetime(2001, 1, 1, 0, 0, 0),
        datetime(2020, 6, 30, 23, 59, 59, 999999),
        datetime(2024, 3, 1, 12, 0, 0),
        BASE,
        BASE + timedelta(microseconds=1),
        datetime(2024, 3, 1, 12, 59, 59, 999999),
        datetime(2098, 12, 31, 23, 59, 59),
        datetime(2099, 1, 1, 0, 0, 0, 500000),
    ]


HOUR_START = datetime(2024, 3, 1, 12, 0, 0)
HOUR_END = datetime(2024, 3, 1, 13, 0, 0)
# The new row the application writes after the move: inside the hour, between restored values.
NEW_TIME = datetime(2024, 3, 1, 12, 40, 0)


def main(commands: dict[str, Callable[[str], None]]) -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        print(f"usage: {sys.argv[0]} {'|'.join(commands)} URL", file=sys.stderr)
        sys.exit(2)
    try:
        commands[sys.argv[1]](sys.argv[2])
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        print(f"bad {sys.argv[1]}: exception (traceback above)", flush=True)
        sys.exit(1)
    sys.exit(1 if FAILED else 0)
