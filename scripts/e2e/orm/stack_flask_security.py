"""Flask-Security-Too stack of the ORM matrix, on Flask-SQLAlchemy with the fsqla_v3 models: roles, TOTP secrets
(tf_totp_secret, us_totp_secrets JSON text), WebAuthn credentials, fs_uniquifier, naive DateTime() columns.

    python stack_flask_security.py schema|fill|check URL     (see common.py)
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from flask import Flask
from flask_security import Security, SQLAlchemyUserDatastore, hash_password
from flask_security.models import fsqla_v3 as fsqla
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from common import HOUR_END, HOUR_START, NEW_TIME, check, event_times, expect_error, main, naive_utcnow, step

warnings.filterwarnings("ignore")
db = SQLAlchemy()
fsqla.FsModels.set_db_info(db)


class Role(db.Model, fsqla.FsRoleMixin):
    pass


class User(db.Model, fsqla.FsUserMixin):
    pass


class WebAuthn(db.Model, fsqla.FsWebAuthnMixin):
    pass


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


TOTP_SECRETS = {"1": "TjQ9Qa31VOrfEzuPy4VHQWPCTmRzCnFzMKLxXYiZu9B"}


def make_app(url: str):
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="authx-orm-matrix-not-secret", SECURITY_PASSWORD_SALT="authx-matrix-salt",
        SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg2://", 1),
        SECURITY_PASSWORD_HASH="argon2", SECURITY_TOTP_SECRETS=TOTP_SECRETS, SECURITY_TOTP_ISSUER="authx",
        SECURITY_WEBAUTHN=True, SECURITY_UNIFIED_SIGNIN=True, SECURITY_TWO_FACTOR=True,
        SECURITY_TWO_FACTOR_ENABLED_METHODS=["authenticator"], SECURITY_US_ENABLED_METHODS=["password", "authenticator"],
        SECURITY_MULTI_FACTOR_RECOVERY_CODES=True, WTF_CSRF_ENABLED=False)
    db.init_app(app)
    datastore = SQLAlchemyUserDatastore(db, User, Role, WebAuthn)
    security = Security(app, datastore)
    return app, datastore, security


# email, password, roles, confirmed_at index into event_times(), uniquifier
USERS = [
    ("alice@example.com", "correct horse", ["admin", "editor"], 2, "3a7a6d2b-alice"),
    ("bob@example.com", "hunter2", ["editor"], 3, "3a7a6d2b-bob"),
    ("carol@example.com", "pässwörd", [], 4, "3a7a6d2b-carol"),
    ("dan@example.com", "letmein", [], 7, "3a7a6d2b-dan"),
]


def schema(url: str) -> None:
    app, _, _ = make_app(url)
    with app.app_context():
        db.create_all()


def fill(url: str) -> None:
    app, ds, security = make_app(url)
    times = event_times()
    with app.app_context():
        db.create_all()
        ds.create_role(name="admin", description="Administrators", permissions={"admin-read", "admin-write"})
        ds.create_role(name="editor")
        for i, (email, password, roles, t, uniq) in enumerate(USERS):
            user = ds.create_user(email=email, password=hash_password(password), roles=roles, fs_uniquifier=uniq,
                                  confirmed_at=times[t], last_login_at=times[0], login_count=i,
                                  us_phone_number=None, mf_recovery_codes=[f"code-{i}-a", f"code-{i}-b"])
            db.session.flush()
            secret = security._totp_factory.generate_totp_secret()
            ds.tf_set(user, "authenticator", totp_secret=secret)
            ds.us_put_totp_secrets(user, {"authenticator": secret})
            ds.set_webauthn_user_handle(user, f"{i:032x}")
        db.session.commit()
        alice = ds.find_user(email="alice@example.com")
        for i, t in enumerate((1, 3, 4, 6)):
            ds.create_webauthn(alice, credential_id=bytes([i]) * 16 + b"\x00\xff", public_key=b"\xa5\x01" * 40,
                               name=f"key{i}", sign_count=i, usage="first" if i % 2 == 0 else "secondary",
                               device_type="single_device", backup_state=(i == 3), transports=["usb", "nfc"][: i % 3])
            db.session.flush()
            alice.webauthn[-1].lastuse_datetime = times[t]
        db.session.commit()


def check_db(url: str) -> None:
    from flask_security.utils import verify_and_update_password
    app, ds, security = make_app(url)
    times = event_times()
    with app.app_context():
        def login():
            for email, password, roles, t, uniq in USERS:
                user = ds.find_user(email=email)
                check(f"login {email}", user is not None and verify_and_update_password(password, user), "")
                if user is None:
                    continue
                check(f"find by fs_uniquifier {email}", ds.find_user(fs_uniquifier=uniq) is user, "")
                check(f"roles {email}", sorted(r.name for r in user.roles) == sorted(roles), str(user.roles))
                check(f"has_role {email}", user.has_role("editor") == ("editor" in roles), "")
                check(f"confirmed_at naive {email}", user.confirmed_at == times[t] and user.confirmed_at.tzinfo is None,
                      repr(user.confirmed_at))
                check(f"confirmed_at < naive utcnow {email}", (user.confirmed_at < naive_utcnow()) == (t < 6), "")
                check(f"create_datetime (server default) < naive utcnow {email}",
                      user.create_datetime < naive_utcnow(), repr(user.create_datetime))
                check(f"recovery codes {email}", user.mf_recovery_codes is not None
                      and list(user.mf_recovery_codes)[0].startswith("code-"), repr(user.mf_recovery_codes))
                check(f"webauthn user handle {email}",
                      ds.find_user(fs_webauthn_user_handle=user.fs_webauthn_user_handle) is user, "")
                secrets = ds.us_get_totp_secrets(user)
                check(f"us_totp_secrets JSON text {email}", isinstance(user.us_totp_secrets, str)
                      and secrets.get("authenticator") == user.tf_totp_secret, repr(type(user.us_totp_secrets)))
                code = security._totp_factory.generate_totp_password(user.tf_totp_secret)
                check(f"TOTP code verifies {email}",
                      security._totp_factory.verify_totp(code, user.tf_totp_secret, user, window=60), "")
            admin = ds.find_role("admin")
            check("role permissions", admin.get_permissions() == {"admin-read", "admin-write"},
                  repr(admin.get_permissions()))
        step("login", login)

        def webauthn():
            cred = ds.find_webauthn(credential_id=bytes([2]) * 16 + b"\x00\xff")
            check("find_webauthn by credential id", cred is not None and ds.find_user_from_webauthn(cred).email
                  == "alice@example.com", repr(cred))
            if cred is not None:
                check("webauthn values", cred.public_key == b"\xa5\x01" * 40 and cred.sign_count == 2
                      and list(cred.transports or []) == ["usb", "nfc"][:2] and cred.lastuse_datetime == times[4],
                      f"{cred.transports!r} {cred.lastuse_datetime!r}")
            n = db.session.scalar(select(func.count()).select_from(WebAuthn).where(
                WebAuthn.lastuse_datetime >= HOUR_START, WebAuthn.lastuse_datetime < HOUR_END))
            check("webauthn lastuse range filter", n == 2, f"{n}, want 2")
            n = db.session.scalar(select(func.count()).select_from(WebAuthn).where(WebAuthn.backup_state.is_(False)))
            check("webauthn boolean filter", n == 3, f"{n}")
        step("webauthn", webauthn)

        def filters():
            n = db.session.scalar(select(func.count()).select_from(User).where(
                User.confirmed_at >= HOUR_START, User.confirmed_at < HOUR_END))
            check("confirmed_at range filter within one hour", n == 3, f"{n}, want 3")
            n = db.session.scalar(select(func.count()).select_from(User).where(User.confirmed_at > times[3]))
            check("confirmed_at > microseconds apart", n == 2, f"{n}, want 2")
            n = db.session.scalar(select(func.count()).select_from(User).where(User.confirmed_at < naive_utcnow()))
            check("confirmed_at < utcnow() in SQL", n == 3, f"{n}, want 3")
            n = db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True)))
            check("active boolean filter", n == 4, f"{n}")
        step("filters", filters)

        def writes():
            new = ds.create_user(email="erin@example.com", password=hash_password("pw"), roles=["editor"],
                                 confirmed_at=NEW_TIME)
            db.session.commit()
            check("new user logs in", verify_and_update_password("pw", ds.find_user(email="erin@example.com")), "")
            check("new user fs_uniquifier", len(new.fs_uniquifier or "") > 0, "")
            order = [u.email for u in db.session.scalars(select(User).order_by(User.confirmed_at, User.id))]
            check("new row sorts with restored rows", order == ["alice@example.com", "erin@example.com",
                  "bob@example.com", "carol@example.com", "dan@example.com"], str(order))
            n = db.session.scalar(select(func.count()).select_from(User).where(
                User.confirmed_at >= HOUR_START, User.confirmed_at < HOUR_END))
            check("new row filters with restored rows", n == 4, f"{n}, want 4")
            check("insert without id", new.id > max(u.id for u in db.session.scalars(
                select(User).where(User.email != "erin@example.com"))), f"{new.id}")
            ds.create_role(name="auditor")
            ds.add_role_to_user(new, "auditor")
            db.session.commit()
            check("new role", new.has_role("auditor"), "")
            ds.create_webauthn(new, credential_id=b"new-credential", public_key=b"pk", name="newkey", sign_count=0,
                               usage="first", device_type="single_device", backup_state=False)
            db.session.commit()
            w = ds.find_webauthn(credential_id=b"new-credential")
            check("new webauthn", w is not None and w.lastuse_datetime.tzinfo is None
                  and abs((w.lastuse_datetime - naive_utcnow()).total_seconds()) < 120, repr(w and w.lastuse_datetime))
        step("writes", writes)

        def dup(**kw):
            def body():
                try:
                    ds.create_user(**kw)
                    db.session.commit()
                finally:
                    db.session.rollback()
            return body
        expect_error("unique email enforced", dup(email="alice@example.com", password="x"), (IntegrityError,))
        expect_error("unique fs_uniquifier enforced", dup(email="x@example.com", password="x",
                                                          fs_uniquifier="3a7a6d2b-bob"), (IntegrityError,))

        def dup_credential():
            try:
                db.session.add(WebAuthn(credential_id=bytes([0]) * 16 + b"\x00\xff", public_key=b"k", name="d",
                                        sign_count=0, usage="first", device_type="x", backup_state=False,
                                        lastuse_datetime=naive_utcnow(), user_id=1))
                db.session.commit()
            finally:
                db.session.rollback()
        expect_error("unique credential_id enforced", dup_credential, (IntegrityError,))

        def dangling():
            try:
                db.session.add(WebAuthn(credential_id=b"dangling", public_key=b"k", name="d", sign_count=0,
                                        usage="first", device_type="x", backup_state=False,
                                        lastuse_datetime=naive_utcnow(), user_id=99999))
                db.session.commit()
            finally:
                db.session.rollback()
        expect_error("foreign key enforced", dangling, (IntegrityError,))


if __name__ == "__main__":
    main({"schema": schema, "fill": fill, "check": check_db})
