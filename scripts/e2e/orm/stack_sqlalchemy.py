"""SQLAlchemy 2 stack of the ORM matrix: naive DateTime(), DateTime(timezone=True), Uuid, JSON, Boolean, Numeric.

    python stack_sqlalchemy.py schema|fill|check URL     (see common.py)
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Integer, Numeric, String, Uuid, create_engine, event,
                        func, select)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from common import (HOUR_END, HOUR_START, NEW_TIME, check, event_times, expect_error, main, naive_utcnow, step)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())  # naive UTC
    last_seen_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    profile: Mapped[Optional[Any]] = mapped_column(JSON)
    balance: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    tokens: Mapped[list["Token"]] = relationship(back_populates="user", order_by="Token.id")


class Token(Base):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime())  # naive UTC
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    scopes: Mapped[Any] = mapped_column(JSON, default=list)
    user: Mapped[User] = relationship(back_populates="tokens")


def hash_password(password: str, salt: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return f"pbkdf2_sha256$1000${salt}${digest}"


def verify_password(password: str, stored: str) -> bool:
    _, rounds, salt, digest = stored.split("$")
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds)).hex() == digest


def engine_for(url: str):
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_connection, _record):  # what SQLite apps do to get foreign keys enforced
            dbapi_connection.execute("PRAGMA foreign_keys=ON")
    return engine


USERS = [
    (uuid.UUID("7d8de1b7-6710-5340-b925-d569964ceaca"), "alice@example.com", "correct horse", True, Decimal("12.50"),
     {"locale": "en-GB", "mfa": {"totp": True}, "tags": ["beta"]}),
    (uuid.UUID("f8578c83-94aa-5334-9192-f0707fae1849"), "bob@example.com", "hunter2", True, Decimal("0.00"), None),
    (uuid.UUID("0e1e2e3e-0000-4000-8000-00000000abcd"), "carol@example.com", "pässwörd", False, Decimal("-3.25"),
     {"bio": "Zoë 日本語", "n": None}),
]


def expected_tokens() -> list[dict[str, Any]]:
    rows = []
    for i, issued in enumerate(event_times()):
        rows.append(dict(user_id=USERS[i % 3][0], token=f"tok-{i:02d}", issued_at=issued,
                         expires_at=(issued + timedelta(hours=1)).replace(tzinfo=timezone.utc),
                         revoked=(i % 3 == 2), scopes=["read", "write"][: i % 3]))
    return rows


def schema(url: str) -> None:
    Base.metadata.create_all(engine_for(url))


def fill(url: str) -> None:
    with Session(engine_for(url)) as s:
        for uid, email, password, active, balance, profile in USERS:
            s.add(User(id=uid, email=email, password_hash=hash_password(password, email[:4]), is_active=active,
                       created_at=datetime(2023, 11, 2, 8, 14, 3, 512044),
                       last_seen_at=datetime(2024, 3, 1, 12, 40, 0, 5, tzinfo=timezone.utc),
                       profile=profile, balance=balance))
        s.flush()
        for row in expected_tokens():
            s.add(Token(**row))  # ids assigned by the database
        s.commit()


def check_db(url: str) -> None:
    engine = engine_for(url)
    tokens = expected_tokens()

    def login():
        with Session(engine) as s:
            for uid, email, password, *_ in USERS:
                user = s.scalars(select(User).where(User.email == email)).one()
                check(f"login {email}", verify_password(password, user.password_hash) and user.id == uid,
                      "password or id mismatch")
                check(f"lookup by uuid {email}", s.get(User, uid) is not None, "session.get(User, uuid) found nothing")
                check(f"relationship tokens of {email}", [t.token for t in user.tokens]
                      == [t["token"] for t in tokens if t["user_id"] == uid], "user.tokens differs")
    step("login", login)

    def values():
        with Session(engine) as s:
            got = s.scalars(select(Token).order_by(Token.issued_at)).all()
            check("token rows", len(got) == len(tokens), f"{len(got)} rows")
            for t, want in zip(got, tokens):
                ok = (t.token == want["token"] and t.issued_at == want["issued_at"] and t.issued_at.tzinfo is None
                      and t.revoked == want["revoked"] and t.scopes == want["scopes"] and t.user_id == want["user_id"])
                exp = t.expires_at if t.expires_at.tzinfo else t.expires_at.replace(tzinfo=timezone.utc)
                check(f"token {want['token']} values", ok and exp == want["expires_at"],
                      f"got {t.issued_at!r} {t.expires_at!r} {t.revoked!r} {t.scopes!r}")
            alice = s.scalars(select(User).where(User.email == "alice@example.com")).one()
            check("json dict", alice.profile == USERS[0][5], repr(alice.profile))
            check("numeric", alice.balance == Decimal("12.50"), repr(alice.balance))
            check("naive DateTime() stays naive", alice.created_at == datetime(2023, 11, 2, 8, 14, 3, 512044)
                  and alice.created_at.tzinfo is None, repr(alice.created_at))
            check("python comparison with naive utcnow", alice.created_at < naive_utcnow(), "")
    step("values", values)

    def filters():
        with Session(engine) as s:
            in_hour = s.scalar(select(func.count()).select_from(Token)
                               .where(Token.issued_at >= HOUR_START, Token.issued_at < HOUR_END))
            check("naive range filter within one hour", in_hour == 4, f"{in_hour} rows, want 4")
            after = s.scalar(select(func.count()).select_from(Token).where(Token.issued_at > tokens[3]["issued_at"]))
            check("naive > filter microseconds apart", after == 4, f"{after} rows, want 4")
            exact = s.scalar(select(func.count()).select_from(Token).where(Token.issued_at == tokens[3]["issued_at"]))
            check("naive equality filter", exact == 1, f"{exact} rows")
            past = s.scalar(select(func.count()).select_from(Token).where(Token.issued_at < naive_utcnow()))
            check("naive < utcnow()", past == 6, f"{past} rows, want 6")
            live = s.scalar(select(func.count()).select_from(Token)
                            .where(Token.expires_at > datetime.now(timezone.utc)))
            check("aware expires_at > now()", live == 2, f"{live} rows, want 2")
            active = s.scalar(select(func.count()).select_from(User).where(User.is_active.is_(True)))
            check("boolean filter", active == 2, f"{active} rows")
            not_revoked = s.scalar(select(func.count()).select_from(Token).where(Token.revoked == False))  # noqa: E712
            check("boolean == False filter", not_revoked == 6, f"{not_revoked} rows")
            total = s.scalar(select(func.sum(User.balance)))
            check("numeric sum", total == Decimal("9.25"), repr(total))
    step("filters", filters)

    def writes():
        with Session(engine) as s:
            bob = s.scalars(select(User).where(User.email == "bob@example.com")).one()
            s.add(Token(user_id=bob.id, token="tok-new", issued_at=NEW_TIME,
                        expires_at=NEW_TIME.replace(tzinfo=timezone.utc) + timedelta(hours=1), scopes=["new"]))
            s.add(User(email="dave@example.com", password_hash=hash_password("pw", "dave"),
                       created_at=naive_utcnow(), profile={"new": True}))
            s.commit()
            order = [t.token for t in s.scalars(select(Token).order_by(Token.issued_at, Token.id))]
            want = [t["token"] for t in tokens]
            want.insert(3, "tok-new")
            check("new row sorts with restored rows", order == want, f"{order}")
            in_hour = s.scalar(select(func.count()).select_from(Token)
                               .where(Token.issued_at >= HOUR_START, Token.issued_at < HOUR_END))
            check("new row filters with restored rows", in_hour == 5, f"{in_hour} rows, want 5")
            new_id = s.scalar(select(Token.id).where(Token.token == "tok-new"))
            max_old = s.scalar(select(func.max(Token.id)).where(Token.token != "tok-new"))
            check("insert without id gets a fresh key", new_id is not None and new_id > max_old, f"{new_id}")
            check("relationship of a new row", "tok-new" in [t.token for t in bob.tokens], "")
    step("writes", writes)

    def dup_email():
        with Session(engine) as s:
            s.add(User(email="alice@example.com", password_hash="x", created_at=naive_utcnow()))
            s.commit()
    expect_error("unique email enforced", dup_email, (IntegrityError,))

    def dup_uuid():
        with Session(engine) as s:
            s.add(User(id=USERS[1][0], email="bob2@example.com", password_hash="x", created_at=naive_utcnow()))
            s.commit()
    expect_error("primary key uuid enforced (same uuid again)", dup_uuid, (IntegrityError,))

    def dangling():
        with Session(engine) as s:
            s.add(Token(user_id=uuid.uuid4(), token="tok-dangling", issued_at=naive_utcnow(),
                        expires_at=datetime.now(timezone.utc)))
            s.commit()
    expect_error("foreign key enforced", dangling, (IntegrityError,))


if __name__ == "__main__":
    main({"schema": schema, "fill": fill, "check": check_db})
