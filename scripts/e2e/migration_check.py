"""Steps of the SQLAlchemy migration end-to-end (driven by scripts/e2e-sqlalchemy-migration).

    python migration_check.py create SQLITE_PATH     step 1: create + fill the SQLite DB
    python migration_check.py ping POSTGRES_URL      can we connect? (prints server version)
    python migration_check.py check POSTGRES_URL     step 3: same models, against PostgreSQL
    python migration_check.py schema POSTGRES_URL    step 4: the app creates its own tables (create_all)

POSTGRES_URL is a libpq URL (postgresql://user@host:port/db). Every check prints
`PASS name` or `FAIL name: why`; the exit status is 1 if anything failed.
Passwords in URLs are never printed.
"""

from __future__ import annotations

import re
import sys
import traceback
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from auth_models import ApiKey, Base, Role, Session, User, UserRole, check_password, hash_password

FAILURES: list[str] = []


def redact(url: str) -> str:
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*):[^@/]*@", r"\1:***@", url)


def report(ok: bool, name: str, why: str = "") -> bool:
    if ok:
        print(f"PASS {name}", flush=True)
    else:
        print(f"FAIL {name}: {why}", flush=True)
        FAILURES.append(name)
    return ok


# --------------------------------------------------------------------------- data
# Deterministic: step 3 rebuilds exactly what step 1 inserted and compares.

PASSWORDS = {
    "alice@authx.example": "correct horse battery staple",
    "bob@authx.example": "hunter2",
    "zoë@authx.example": "pässwörd-ünïcode",
    "dave@authx.example": "letmein",
}


def expected_users() -> list[dict[str, Any]]:
    return [
        dict(id=uuid.UUID("7d8de1b7-6710-5340-b925-d569964ceaca"), email="alice@authx.example",
             password_hash=hash_password(PASSWORDS["alice@authx.example"], "Qm7xR2pLk9"),
             display_name="Alice Liddell", is_active=True, is_admin=True,
             profile={"locale": "en-GB", "theme": "dark", "mfa": {"totp": True, "backup_codes_left": 7},
                      "tags": ["beta", "early-adopter"], "score": 4.5},
             created_at=datetime(2023, 11, 2, 8, 14, 3, 512044),
             last_login=datetime(2024, 5, 1, 19, 2, 11, 120)),
        dict(id=uuid.UUID("f8578c83-94aa-5334-9192-f0707fae1849"), email="bob@authx.example",
             password_hash=hash_password(PASSWORDS["bob@authx.example"], "aZ3kP0vNq1"),
             display_name="Bob", is_active=True, is_admin=False,
             profile=None,  # JSON type: Python None is stored as the JSON text 'null'
             created_at=datetime(2023, 12, 24, 23, 59, 59, 999999), last_login=None),
        dict(id=uuid.UUID("718fcdd1-5381-5b73-a742-df8e22c77cc0"), email="zoë@authx.example",
             password_hash=hash_password(PASSWORDS["zoë@authx.example"], "Ru4tY6iOp2"),
             display_name="Zoë Ångström 🦊", is_active=True, is_admin=False,
             profile={"bio": "Tabs\tand \"quotes\" and\nnewlines", "unicode": "日本語", "n": None,
                      "big": 9007199254740991, "neg": -1.5e-7},
             created_at=datetime(2024, 3, 10, 2, 30, 0, 0), last_login=datetime(2024, 4, 30, 23, 59, 59, 999999)),
        dict(id=uuid.UUID("f41683ba-018c-5fbf-b87b-52a3e22d8e1c"), email="dave@authx.example",
             password_hash=hash_password(PASSWORDS["dave@authx.example"], "Xc8vB1nMq7"),
             display_name=None, is_active=False, is_admin=False,
             profile="SQL NULL",  # marker: inserted as SQL NULL (see create())
             created_at=datetime(2024, 2, 29, 12, 0, 0, 1), last_login=None),
        dict(id=uuid.UUID("00000000-0000-4000-8000-000000000042"), email="svc-reports@authx.example",
             password_hash=None, display_name="Reports service", is_active=True, is_admin=False,
             profile={}, created_at=datetime(2024, 5, 2, 8, 15, 0), last_login=None),
    ]


def expected_sessions() -> list[dict[str, Any]]:
    users = expected_users()
    rows = []
    for i in range(12):
        u = users[i % 4]
        created = datetime(2024, 4, 1, 8, 0, 0) + timedelta(hours=7 * i, microseconds=1111 * i)
        rows.append(dict(user_id=u["id"], token=f"tok_{i:02d}_" + uuid.UUID(int=i * 7919 + 1).hex,
                         created_at=created, expires_at=created + timedelta(days=14),
                         user_agent=None if i % 5 == 0 else f"agent/{i}", revoked=(i % 4 == 3)))
    return rows


def expected_api_keys() -> list[dict[str, Any]]:
    users = expected_users()
    return [
        dict(id=1, user_id=users[0]["id"], name="CI deploy", key_hash="a" * 64, scopes=["deploy", "read"],
             created_at=datetime(2024, 1, 10, 10, 10, 10, 101010)),
        dict(id=2, user_id=users[1]["id"], name="laptop", key_hash="b" * 64, scopes=[],
             created_at=datetime(2024, 2, 1)),
    ]


ROLES = [(1, "admin"), (2, "editor"), (3, "viewer")]
USER_ROLES = [(0, 1), (0, 2), (1, 3), (2, 2), (3, 3)]  # (user index, role id)


# --------------------------------------------------------------------------- step 1
def create(sqlite_path: str) -> int:
    from sqlalchemy import null

    engine = create_engine(f"sqlite:///{sqlite_path}")
    Base.metadata.create_all(engine)
    users = expected_users()
    with OrmSession(engine) as s:
        for u in users:
            data = dict(u)
            if data["profile"] == "SQL NULL":
                data["profile"] = null()
            s.add(User(**data))
        s.flush()
        for rid, name in ROLES:
            s.add(Role(id=rid, name=name))
        s.flush()
        for ui, rid in USER_ROLES:
            s.add(UserRole(user_id=users[ui]["id"], role_id=rid, granted_at=users[ui]["created_at"]))
        for row in expected_sessions():
            s.add(Session(**row))  # id assigned by SQLite (INTEGER PRIMARY KEY)
        for row in expected_api_keys():
            s.add(ApiKey(**row))
        s.commit()
    with engine.connect() as c:
        n = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
             for t in ("users", "roles", "user_roles", "sessions", "api_keys")}
        raw = c.execute(text("SELECT email, profile, typeof(profile), created_at FROM users ORDER BY email")).all()
    report(n == {"users": 5, "roles": 3, "user_roles": 5, "sessions": 12, "api_keys": 2},
           "step1 sqlite row counts", str(n))
    by_email = {r[0]: r for r in raw}
    report(by_email["bob@authx.example"][1] == "null", "step1 JSON None stored as JSON 'null'",
           repr(by_email["bob@authx.example"][1:3]))
    report(by_email["dave@authx.example"][2] == "null", "step1 SQL NULL profile stored as NULL",
           repr(by_email["dave@authx.example"][1:3]))
    report(by_email["alice@authx.example"][3] == "2023-11-02 08:14:03.512044",
           "step1 naive DATETIME text with microseconds", repr(by_email["alice@authx.example"][3]))
    # Read back through the ORM from SQLite: the same comparison step 3 does on PostgreSQL.
    compare_users(engine, "step1 sqlite")
    return 1 if FAILURES else 0


# --------------------------------------------------------------------------- helpers
def pg_engine(libpq_url: str, tz: str = "America/New_York"):
    """Reads use a session time zone that is deliberately NOT UTC: the instants
    authx restored must not depend on it. Writes of naive datetimes by the app use
    UTC, as a migrated app should configure (a naive value written into a
    timestamptz column is interpreted in the session time zone)."""
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg2://", libpq_url)
    return create_engine(url, connect_args={"connect_timeout": 10, "options": f"-c timezone={tz}"})


def as_utc_naive(v: Any) -> Any:
    if isinstance(v, datetime) and v.tzinfo is not None:
        return v.astimezone(timezone.utc).replace(tzinfo=None)
    return v


def compare_users(engine, prefix: str) -> None:
    with OrmSession(engine) as s:
        got = {u.id: u for u in s.scalars(select(User))}
        exp = expected_users()
        report(len(got) == len(exp), f"{prefix} user count", f"{len(got)} != {len(exp)}")
        for e in exp:
            u = got.get(e["id"])
            if u is None:
                report(False, f"{prefix} user {e['email']} present", "missing")
                continue
            bad = []
            for field, want in e.items():
                have = getattr(u, field)
                if field == "profile" and want == "SQL NULL":
                    want = None
                if isinstance(have, datetime):
                    have = as_utc_naive(have)
                if have != want or type(have) is not type(want):
                    bad.append(f"{field}: {have!r} != {want!r}")
            report(not bad, f"{prefix} user {e['email']} fields equal", "; ".join(bad))
        sessions = sorted(s.scalars(select(Session)), key=lambda x: x.token)
        exp_s = sorted(expected_sessions(), key=lambda x: x["token"])
        bad = []
        for have, want in zip(sessions, exp_s):
            for field, w in want.items():
                h = as_utc_naive(getattr(have, field))
                if h != w:
                    bad.append(f"{want['token']}.{field}: {h!r} != {w!r}")
        report(len(sessions) == len(exp_s) and not bad, f"{prefix} sessions equal",
               f"{len(sessions)} rows; " + "; ".join(bad[:5]))
        keys = {k.id: k for k in s.scalars(select(ApiKey))}
        bad = []
        for want in expected_api_keys():
            k = keys.get(want["id"])
            for field, w in want.items():
                h = as_utc_naive(getattr(k, field)) if k else None
                if h != w:
                    bad.append(f"{want['id']}.{field}: {h!r} != {w!r}")
        report(not bad and len(keys) == 2, f"{prefix} api_keys equal", "; ".join(bad))
        roles = sorted((str(ur.user_id), ur.role_id) for ur in s.scalars(select(UserRole)))
        users = expected_users()
        want_roles = sorted((str(users[ui]["id"]), rid) for ui, rid in USER_ROLES)
        report(roles == want_roles, f"{prefix} user_roles equal", f"{roles} != {want_roles}")


# --------------------------------------------------------------------------- ping
def ping(pg_url: str) -> int:
    try:
        with pg_engine(pg_url).connect() as c:
            v = c.execute(text("SHOW server_version")).scalar_one()
        report(True, f"postgres connection ({redact(pg_url)}, server {v})")
    except Exception as e:  # noqa: BLE001
        report(False, f"postgres connection ({redact(pg_url)})", str(e).splitlines()[0])
    return 1 if FAILURES else 0


# --------------------------------------------------------------------------- step 4
def schema(pg_url: str) -> int:
    """The migration guide's first step on the new database: the application creates its own tables."""
    Base.metadata.create_all(pg_engine(pg_url))
    report(True, f"create_all on {redact(pg_url)}")
    return 0


# --------------------------------------------------------------------------- step 3
def check(pg_url: str) -> int:
    engine = pg_engine(pg_url)

    # Native column types.
    want_types = {
        ("users", "id"): "uuid",
        ("users", "email"): None,  # any text type
        ("users", "profile"): "jsonb",
        # SQLAlchemy DateTime() is naive: timestamp without time zone, as create_all makes it (issue 22).
        ("users", "created_at"): "timestamp without time zone",
        ("users", "last_login"): "timestamp without time zone",
        ("users", "is_active"): "boolean",
        ("users", "is_admin"): "boolean",
        ("sessions", "id"): ("integer", "bigint"),
        ("sessions", "user_id"): "uuid",
        ("sessions", "expires_at"): "timestamp without time zone",
        ("sessions", "revoked"): "boolean",
        ("api_keys", "scopes"): "jsonb",
        ("user_roles", "user_id"): "uuid",
    }
    with engine.connect() as c:
        rows = c.execute(text(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = current_schema()")).all()
    types = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    for (t, col), want in want_types.items():
        have = types.get((t, col), ("<missing>", "?"))[0]
        ok = have != "<missing>" if want is None else (have in want if isinstance(want, tuple) else have == want)
        report(ok, f"step3 type {t}.{col} is {want or 'present'}", f"got {have}")
    report(types.get(("users", "email"), ("", ""))[1] == "NO", "step3 users.email NOT NULL kept",
           str(types.get(("users", "email"))))

    # JSON null vs SQL NULL survive as different things.
    with engine.connect() as c:
        r = dict(c.execute(text(
            "SELECT email, CASE WHEN profile IS NULL THEN 'SQL NULL' ELSE jsonb_typeof(profile) END "
            "FROM users")).all())
    report(r.get("bob@authx.example") == "null", "step3 JSON null stays JSON null", repr(r.get("bob@authx.example")))
    report(r.get("dave@authx.example") == "SQL NULL", "step3 SQL NULL stays SQL NULL", repr(r.get("dave@authx.example")))

    # Every field, through the unchanged models.
    compare_users(engine, "step3 postgres")

    with OrmSession(engine) as s:
        probe = s.scalars(select(User).limit(1)).first()
        report(probe is not None and probe.created_at.tzinfo is None,
               "step3 DateTime() columns come back naive, as the app wrote them",
               repr(probe.created_at if probe else None))
        # The app's own comparison with a naive "now" (aware values would raise TypeError).
        try:
            naive_now = datetime(2030, 1, 1)
            live = [x for x in s.scalars(select(Session)) if x.expires_at < naive_now]
            report(len(live) > 0, "step3 naive expires_at compares with a naive now in Python")
        except TypeError as e:
            report(False, "step3 naive expires_at compares with a naive now in Python", str(e))

        # Login: recompute the password hash.
        alice = s.scalars(select(User).where(User.email == "alice@authx.example")).one_or_none()
        report(alice is not None and check_password(PASSWORDS["alice@authx.example"], alice.password_hash),
               "step3 login alice with the right password")
        report(alice is not None and not check_password("wrong password", alice.password_hash),
               "step3 login alice with a wrong password is refused")
        zoe = s.scalars(select(User).where(User.email == "zoë@authx.example")).one_or_none()
        report(zoe is not None and check_password(PASSWORDS["zoë@authx.example"], zoe.password_hash),
               "step3 login with non-ASCII email and password")

        # Query by UUID (primary key and foreign key).
        uid = uuid.UUID("f8578c83-94aa-5334-9192-f0707fae1849")
        bob = s.get(User, uid)
        report(bob is not None and bob.email == "bob@authx.example", "step3 session.get(User, UUID)")
        n = s.scalar(select(func.count()).select_from(Session).where(Session.user_id == uid))
        report(n == 3, "step3 sessions WHERE user_id = UUID", f"{n} != 3")
        report(bob is not None and len(bob.sessions) == 3 and len(bob.api_keys) == 1,
               "step3 relationships load", "")

        max_session_id = s.scalar(select(func.max(Session.id)))
        max_key_id = s.scalar(select(func.max(ApiKey.id)))

    # Writes without explicit integer ids: sequences must have been set.
    write_engine = pg_engine(pg_url, "UTC")
    try:
        with OrmSession(write_engine) as s:
            now = datetime(2024, 6, 1, 12, 0, 0, 123456)
            new = User(email="new.user@authx.example", password_hash=hash_password("new-pass", "NeWsAlT123"),
                       display_name="New", profile={"signup": "after-migration"}, created_at=now)
            s.add(new)
            s.flush()
            sess = Session(user_id=new.id, token="tok_new_" + uuid.uuid4().hex, created_at=now,
                           expires_at=now + timedelta(days=1))
            key = ApiKey(user_id=new.id, name="new", key_hash="c" * 64, scopes=["read"], created_at=now)
            role = Role(name="support")
            s.add_all([sess, key, role])
            s.flush()
            s.add(UserRole(user_id=new.id, role_id=role.id, granted_at=now))
            s.commit()
            report(isinstance(sess.id, int) and sess.id > (max_session_id or 0),
                   "step3 insert session without id (sequence set)", f"id {sess.id} <= max {max_session_id}")
            report(isinstance(key.id, int) and key.id > (max_key_id or 0),
                   "step3 insert api key without id (sequence set)", f"id {key.id}")
            report(isinstance(role.id, int) and role.id > 3, "step3 insert role without id", f"id {role.id}")
            new_id = new.id
        with OrmSession(engine) as s:
            got = s.get(User, new_id)
            report(got is not None and as_utc_naive(got.created_at) == now and got.is_active is True,
                   "step3 inserted user reads back (uuid default, boolean default)",
                   repr(got and (got.created_at, got.is_active)))
    except Exception as e:  # noqa: BLE001
        report(False, "step3 inserts without explicit ids", f"{type(e).__name__}: {str(e).splitlines()[0]}")

    # Constraints survived.
    for name, make in (
        ("unique email", lambda: User(email="alice@authx.example", created_at=datetime(2024, 1, 1))),
        ("unique session token", lambda: Session(user_id=uuid.UUID("7d8de1b7-6710-5340-b925-d569964ceaca"),
                                                 token=expected_sessions()[0]["token"],
                                                 created_at=datetime(2024, 1, 1), expires_at=datetime(2024, 1, 2))),
        ("foreign key sessions.user_id", lambda: Session(user_id=uuid.uuid4(), token="tok_orphan",
                                                         created_at=datetime(2024, 1, 1),
                                                         expires_at=datetime(2024, 1, 2))),
    ):
        try:
            with OrmSession(engine) as s:
                s.add(make())
                s.commit()
            report(False, f"step3 {name} enforced", "insert succeeded")
        except IntegrityError:
            report(True, f"step3 {name} enforced")
        except Exception as e:  # noqa: BLE001
            report(False, f"step3 {name} enforced", f"{type(e).__name__}: {str(e).splitlines()[0]}")

    # ON DELETE CASCADE survived.
    try:
        with OrmSession(engine) as s:
            s.execute(text("DELETE FROM users WHERE email = 'new.user@authx.example'"))
            s.commit()
            left = s.scalar(text("SELECT count(*) FROM sessions WHERE token LIKE 'tok_new_%'"))
        report(left == 0, "step3 ON DELETE CASCADE kept", f"{left} sessions left")
    except Exception as e:  # noqa: BLE001
        report(False, "step3 ON DELETE CASCADE kept", f"{type(e).__name__}: {str(e).splitlines()[0]}")
    return 1 if FAILURES else 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("create", "ping", "check", "schema"):
        print(__doc__, file=sys.stderr)
        return 2
    cmd, arg = argv
    try:
        return {"create": create, "ping": ping, "check": check, "schema": schema}[cmd](arg)
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        report(False, f"{cmd} crashed", f"{type(e).__name__}: {redact(str(e).splitlines()[0] if str(e) else '')}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
