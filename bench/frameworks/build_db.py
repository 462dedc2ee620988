"""Build a benchmark auth database with a real framework, deterministically.

    python build_db.py django|flask-security OUT.db --users N [--seed 42]

Run inside the bench venv (bench/lib.sh `bench_framework_db` makes it from the pinned
scripts/e2e/orm/requirements.txt). The schema is the framework's own: Django's migrations of
contrib.auth/sessions/admin/contenttypes (with the permissions and content types its post_migrate
creates); Flask-Security-Too's fsqla_v3 models (those of the ORM matrix's stack,
scripts/e2e/orm/stack_flask_security.py) on Flask-SQLAlchemy's `create_all` plus an API-key model. Rows go in through the framework's models (Django `bulk_create`, SQLAlchemy ORM bulk
`insert(Model)`), so the values are encoded by the framework's own field types.

Values are drawn from random.Random(seed); nothing reads the clock (Django's session signer is given
the session's own issue time), so the same arguments give the same `sqlite3 OUT.db .dump`.
Password hashes have the framework's format (Django's pbkdf2_sha256$iterations$salt$hash, passlib's
argon2 for Flask-Security) with random salt and digest: hashing a million real passwords would take
days, and the bytes stored are the same shape.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import string
import sys
from datetime import datetime, timedelta, timezone

BATCH = 5000
EPOCH = datetime(2024, 1, 1, 0, 0, 0)
FIRST = ["Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj",
         "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Zoë", "José", "Łukasz", "Ngozi", "李"]
LAST = ["Smith", "Jones", "Müller", "García", "Rossi", "Nowak", "Dubois", "Kim", "Nguyen", "Okafor", "Silva",
        "O'Brien", "Andersson", "Tanaka", "Ivanova", "Cohen"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example"]
ALNUM = string.ascii_lowercase + string.digits


def b64(rng: random.Random, n: int, alphabet: str = "std") -> str:
    raw = rng.randbytes(n)
    s = base64.urlsafe_b64encode(raw) if alphabet == "url" else base64.b64encode(raw)
    return s.decode().rstrip("=")


def moment(rng: random.Random, days: int = 700) -> datetime:
    return EPOCH + timedelta(seconds=rng.randrange(days * 86400), microseconds=rng.randrange(1_000_000))


def person(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    handle = f"{first.lower()}.{last.lower().replace(chr(39), '')}{i}"
    return first, last, handle, f"{handle}@{rng.choice(DOMAINS)}"


def ip(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "2001:db8:%x:%x::%x" % (rng.randrange(65536), rng.randrange(65536), rng.randrange(65536))
    return "%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))


def batches(n: int):
    for start in range(0, n, BATCH):
        yield range(start, min(n, start + BATCH))


# ---------------------------------------------------------------------------------------------- Django
def build_django(path: str, users: int, rng: random.Random) -> None:
    import django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": path}},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                        "django.contrib.admin", "django.contrib.messages"],
        SECRET_KEY="authx-bench-not-secret", USE_TZ=True, TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        SESSION_ENGINE="django.contrib.sessions.backends.db")
    django.setup()
    from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core import signing
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from django.db.migrations.recorder import MigrationRecorder
    MigrationRecorder.Migration.objects.update(applied=EPOCH.replace(tzinfo=timezone.utc))  # not the clock
    utc = timezone.utc
    perms = list(Permission.objects.order_by("id"))
    cts = list(ContentType.objects.order_by("id"))
    with transaction.atomic():
        groups = [Group.objects.create(name=n) for n in ("staff", "support", "editors", "billing", "auditors")]
        for g in groups:
            g.permissions.set(rng.sample(perms, 6))

    def pbkdf2() -> str:  # Django 5.1: pbkdf2_sha256$870000$<22-char salt>$<base64 sha256>
        salt = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(22))
        return f"pbkdf2_sha256$870000${salt}${base64.b64encode(rng.randbytes(32)).decode()}"

    through_groups = User.groups.through
    through_perms = User.user_permissions.through
    for chunk in batches(users):
        with transaction.atomic():
            rows, memberships, grants = [], [], []
            for i in chunk:
                first, last, handle, email = person(rng, i)
                joined = moment(rng).replace(tzinfo=utc)
                login = None if rng.random() < 0.3 else joined + timedelta(seconds=rng.randrange(90 * 86400))
                rows.append(User(id=i + 1, username=handle, email=email if rng.random() < 0.95 else "",
                                 first_name=first, last_name=last, password=pbkdf2() if rng.random() < 0.97 else "!" + b64(rng, 30),
                                 is_staff=rng.random() < 0.01, is_superuser=rng.random() < 0.001,
                                 is_active=rng.random() < 0.98, date_joined=joined, last_login=login))
                if rng.random() < 0.3:
                    for g in rng.sample(groups, rng.choice((1, 1, 1, 2))):
                        memberships.append(through_groups(user_id=i + 1, group_id=g.id))
                if rng.random() < 0.01:
                    grants.append(through_perms(user_id=i + 1, permission_id=rng.choice(perms).id))
            User.objects.bulk_create(rows)
            through_groups.objects.bulk_create(memberships)
            through_perms.objects.bulk_create(grants)

    # Database sessions, encoded and signed by Django's SessionStore (signing.dumps, compressed JSON).
    # The signer's timestamp is the session's issue time, not the clock, so the bytes are reproducible.
    issued = {"t": 0}
    signing.TimestampSigner.timestamp = lambda self: signing.b62_encode(issued["t"])
    store = SessionStore()
    for chunk in batches(users):
        with transaction.atomic():
            rows = []
            for i in chunk:
                uid = rng.randrange(1, users + 1)
                start = moment(rng).replace(tzinfo=utc)
                issued["t"] = int(start.timestamp())
                data = {"_auth_user_id": str(uid), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                        "_auth_user_hash": rng.randbytes(32).hex()}
                if rng.random() < 0.4:
                    data["_language"] = rng.choice(["en", "fr", "de", "pt-br", "ja"])
                if rng.random() < 0.2:
                    data["cart"] = [rng.randrange(10000) for _ in range(rng.randrange(1, 6))]
                if rng.random() < 0.1:
                    data["_messages"] = json.dumps([["__json_message", 0, 25, "Welcome back, user %d!" % uid]])
                key = "".join(rng.choice(ALNUM) for _ in range(32))
                rows.append(Session(session_key=key, session_data=store.encode(data),
                                    expire_date=start + timedelta(weeks=2)))
            Session.objects.bulk_create(rows)

    # The admin log: what staff did to users and groups.
    user_ct = ContentType.objects.get_for_model(User)
    group_ct = ContentType.objects.get_for_model(Group)
    for chunk in batches(max(1, users // 10)):
        with transaction.atomic():
            rows = []
            for _ in chunk:
                flag = rng.choice((ADDITION, CHANGE, CHANGE, CHANGE, DELETION))
                ct = user_ct if rng.random() < 0.9 else group_ct
                oid = rng.randrange(1, users + 1) if ct is user_ct else rng.choice(groups).id
                msg = {ADDITION: [{"added": {}}], DELETION: [],
                       CHANGE: [{"changed": {"fields": rng.sample(["Email address", "Active", "Staff status",
                                                                   "Groups", "First name", "Last name"], 2)}}]}[flag]
                rows.append(LogEntry(action_time=moment(rng).replace(tzinfo=utc), user_id=rng.randrange(1, min(users, 50) + 1),
                                     content_type=ct, object_id=str(oid), object_repr=f"object {oid}",
                                     action_flag=flag, change_message=json.dumps(msg)))
            LogEntry.objects.bulk_create(rows)
    del cts


# ------------------------------------------------------------------------------ Flask-Security (SQLAlchemy)
def build_flask_security(path: str, users: int, rng: random.Random) -> None:
    import warnings
    warnings.filterwarnings("ignore")
    from flask import Flask
    from flask_security.models import fsqla_v3 as fsqla
    from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, insert

    # The app's models are the ORM matrix's Flask-Security stack (fsqla_v3 Role, User, WebAuthn on Flask-SQLAlchemy).
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "e2e", "orm"))
    from stack_flask_security import Role, User, WebAuthn, db

    class ApiKey(db.Model):
        __tablename__ = "api_key"
        id = Column(Integer, primary_key=True)
        user_id = Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
        name = Column(String(64), nullable=False)
        prefix = Column(String(12), nullable=False, unique=True)
        key_hash = Column(String(64), nullable=False)
        scopes = Column(db.JSON, nullable=True)
        created_at = Column(DateTime, nullable=False)
        last_used_at = Column(DateTime, nullable=True)
        expires_at = Column(DateTime, nullable=True)
        note = Column(Text, nullable=True)

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.path.abspath(path)}")
    db.init_app(app)
    roles_users = fsqla.FsModels.roles_users

    def argon2() -> str:  # passlib/argon2-cffi: $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
        return f"$argon2id$v=19$m=65536,t=3,p=4${b64(rng, 16)}${b64(rng, 32)}"

    def totp_secret() -> str:  # passlib TOTP.to_json(encrypt=True), as Flask-Security stores it
        return json.dumps({"enckey": {"c": 14, "k": b64(rng, 20).upper()[:26], "s": b64(rng, 12).upper()[:16],
                                      "t": "1", "v": 1}, "type": "totp", "v": 1}, separators=(",", ":"))

    with app.app_context():
        db.create_all()
        names = ["admin", "editor", "support", "billing", "viewer", "api"]
        db.session.execute(insert(Role), [
            {"id": n + 1, "name": name, "description": f"{name.title()} role",
             "permissions": [f"{name}-read", f"{name}-write"][: 1 + n % 2], "update_datetime": EPOCH}
            for n, name in enumerate(names)])
        cred = 0
        key_id = 0
        for chunk in batches(users):
            rows, links, creds, keys = [], [], [], []
            for i in chunk:
                uid = i + 1
                first, last, handle, email = person(rng, i)
                confirmed = None if rng.random() < 0.1 else moment(rng)
                login = None if confirmed is None or rng.random() < 0.3 else confirmed + timedelta(seconds=rng.randrange(90 * 86400))
                tf = rng.random() < 0.25
                rows.append({
                    "id": uid, "email": email, "username": handle if rng.random() < 0.6 else None,
                    "password": argon2() if rng.random() < 0.95 else None, "active": rng.random() < 0.97,
                    "fs_uniquifier": rng.randbytes(32).hex(), "confirmed_at": confirmed,
                    "last_login_at": login, "current_login_at": login,
                    "last_login_ip": ip(rng) if login else None, "current_login_ip": ip(rng) if login else None,
                    "login_count": rng.randrange(0, 500) if login else 0,
                    "tf_primary_method": "authenticator" if tf else None, "tf_totp_secret": totp_secret() if tf else None,
                    "tf_phone_number": None,
                    "us_totp_secrets": json.dumps({"authenticator": totp_secret()}) if tf and rng.random() < 0.5 else None,
                    "us_phone_number": None if rng.random() < 0.9 else "+1555%07d" % uid,
                    "fs_webauthn_user_handle": rng.randbytes(32).hex() if rng.random() < 0.1 else None,
                    "mf_recovery_codes": [b64(rng, 6, "url") for _ in range(5)] if tf else None,
                    "create_datetime": confirmed or EPOCH, "update_datetime": login or confirmed or EPOCH})
                for r in rng.sample(range(1, len(names) + 1), rng.choice((0, 1, 1, 1, 2))):
                    links.append({"user_id": uid, "role_id": r})
                if rows[-1]["fs_webauthn_user_handle"]:
                    for n in range(rng.choice((1, 1, 2))):
                        cred += 1
                        creds.append({"id": cred, "user_id": uid, "credential_id": rng.randbytes(rng.choice((16, 32, 64))),
                                      "public_key": b"\xa5\x01\x02\x03\x26\x20\x01\x21\x58\x20" + rng.randbytes(32) + b"\x22\x58\x20" + rng.randbytes(32),
                                      "sign_count": rng.randrange(0, 1000), "transports": rng.sample(["usb", "nfc", "ble", "internal", "hybrid"], rng.randrange(0, 3)),
                                      "backup_state": rng.random() < 0.5, "device_type": rng.choice(["single_device", "multi_device"]),
                                      "extensions": '{"credProps":{"rk":true}}' if rng.random() < 0.5 else None,
                                      "create_datetime": moment(rng), "lastuse_datetime": moment(rng),
                                      "name": f"key-{n}", "usage": rng.choice(["first", "secondary"])})
                if rng.random() < 0.2:
                    key_id += 1
                    keys.append({"id": key_id, "user_id": uid, "name": rng.choice(["ci", "laptop", "backup", "zapier"]),
                                 "prefix": "ak_%09d" % key_id, "key_hash": rng.randbytes(32).hex(),
                                 "scopes": rng.sample(["read", "write", "admin", "billing"], rng.randrange(0, 3)) if rng.random() < 0.8 else None,
                                 "created_at": moment(rng), "last_used_at": moment(rng) if rng.random() < 0.7 else None,
                                 "expires_at": moment(rng, 1400) if rng.random() < 0.5 else None,
                                 "note": None if rng.random() < 0.8 else "rotated after incident #%d" % rng.randrange(1000)})
            db.session.execute(insert(User), rows)
            if links:
                db.session.execute(insert(roles_users), links)
            if creds:
                db.session.execute(insert(WebAuthn), creds)
            if keys:
                db.session.execute(insert(ApiKey), keys)
            db.session.commit()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("framework", choices=["django", "flask-security"])
    ap.add_argument("out")
    ap.add_argument("--users", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    if a.users < 1:
        ap.error("--users must be >= 1")
    tmp = a.out + ".partial"
    for p in (tmp, tmp + "-journal"):
        if os.path.exists(p):
            os.remove(p)
    rng = random.Random(f"{a.framework}:{a.seed}")
    (build_django if a.framework == "django" else build_flask_security)(tmp, a.users, rng)
    import sqlite3
    con = sqlite3.connect(tmp)
    con.execute("VACUUM")
    con.close()
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
