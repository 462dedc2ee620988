"""Django 5 stack of the ORM matrix: custom user with a UUIDField primary key, JSONField, auto_now_add,
USE_TZ = True (TIME_ZONE Europe/Paris), groups, the admin log, database sessions.

    python stack_django.py schema|fill|check URL     (see common.py)

`schema` runs the app's migrations, then empties the tables Django's post_migrate fills by itself
(content types, permissions) so that `authx restore --data-only` brings the source's rows, ids included —
what Django's own docs ask of a database that `loaddata` fills. django_migrations is the target's own
(the matrix restores --data-only with --exclude-table django_migrations).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from common import HOUR_END, HOUR_START, NEW_TIME, check, event_times, expect_error, main, step

UTC = timezone.utc


def setup(url: str) -> None:
    os.environ["AUTHX_MATRIX_DB_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "djauth.settings"
    import django
    django.setup()


USERS = [
    (uuid.UUID("7d8de1b7-6710-5340-b925-d569964ceaca"), "alice@example.com", "correct horse",
     {"locale": "en-GB", "mfa": {"totp": True}}),
    (uuid.UUID("f8578c83-94aa-5334-9192-f0707fae1849"), "bob@example.com", "hunter2", None),
    (uuid.UUID("0e1e2e3e-0000-4000-8000-00000000abcd"), "carol@example.com", "pässwörd", {"bio": "Zoë 日本語"}),
]


SESSION_KEYS = {"live": "authxmatrixlivesession0000000001", "gone": "authxmatrixgonesession0000000002"}


def aware(d: datetime) -> datetime:
    return d.replace(tzinfo=UTC)


def schema(url: str) -> None:
    setup(url)
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    call_command("migrate", verbosity=0, skip_checks=True)
    Permission.objects.all().delete()
    ContentType.objects.all().delete()


def fill(url: str) -> None:
    setup(url)
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from djauth.models import ApiToken, User
    call_command("migrate", verbosity=0, skip_checks=True)
    users = []
    for uid, email, password, profile in USERS:
        users.append(User.objects.create_user(email, password, id=uid, profile=profile,
                                              date_joined=aware(datetime(2023, 11, 2, 8, 14, 3, 512044))))
    editors = Group.objects.create(name="editors")
    users[0].groups.add(editors)
    for i, issued in enumerate(event_times()):
        ApiToken.objects.create(user=users[i % 3], key=f"key-{i:02d}", issued_at=aware(issued),
                                expires_at=aware(issued + timedelta(hours=1)), scopes=["read", "write"][: i % 3],
                                amount=Decimal(i) / 4)
    for key, expiry in (("live", datetime(2099, 1, 1, tzinfo=UTC)), ("gone", datetime(2020, 1, 1, tzinfo=UTC))):
        s = SessionStore()
        s["_auth_user_id"] = str(users[0].pk)
        s["tag"] = key
        s.set_expiry(expiry)
        s._session_key = SESSION_KEYS[key]
        s.save(must_create=True)
    LogEntry.objects.create(user=users[0], content_type=ContentType.objects.get_for_model(Group),
                            object_id=str(editors.pk), object_repr="editors", action_flag=CHANGE,
                            change_message=json.dumps([{"changed": {"fields": ["Name"]}}]))
    LogEntry.objects.create(user=users[0], content_type=ContentType.objects.get_for_model(User),
                            object_id=str(users[1].pk), object_repr=users[1].email, action_flag=CHANGE,
                            change_message=json.dumps([{"changed": {"fields": ["Email"]}}]))


def check_db(url: str) -> None:
    setup(url)
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.auth import authenticate
    from django.contrib.auth.models import Group, update_last_login
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import IntegrityError, transaction
    from django.utils import timezone as djtz
    from djauth.models import ApiToken, User
    times = [aware(t) for t in event_times()]

    def login():
        for uid, email, password, profile in USERS:
            user = authenticate(username=email, password=password)
            check(f"authenticate {email}", user is not None and user.pk == uid, f"got {user!r}")
            if user is None:
                continue
            update_last_login(None, user)
            again = User.objects.get(pk=uid)
            check(f"update_last_login {email}", again.last_login is not None
                  and abs((again.last_login - djtz.now()).total_seconds()) < 120, repr(again.last_login))
            check(f"lookup by email {email}", User.objects.filter(email=email).count() == 1, "")
            check(f"json profile {email}", again.profile == profile, repr(again.profile))
        alice = User.objects.get(email="alice@example.com")
        check("groups relation", list(alice.groups.values_list("name", flat=True)) == ["editors"], "")
        check("reverse FK relation", sorted(alice.tokens.values_list("key", flat=True)) == ["key-00", "key-03", "key-06"],
              str(list(alice.tokens.values_list("key", flat=True))))
        check("date_joined aware", alice.date_joined == aware(datetime(2023, 11, 2, 8, 14, 3, 512044)),
              repr(alice.date_joined))
        check("JSONField key lookup", User.objects.filter(profile__locale="en-GB").count() == 1, "")
        check("JSONField has_key", User.objects.filter(profile__has_key="mfa").count() == 1, "")
    step("login", login)

    def values():
        got = list(ApiToken.objects.order_by("issued_at"))
        check("token rows", [t.key for t in got] == [f"key-{i:02d}" for i in range(8)], str([t.key for t in got]))
        for t, want in zip(got, times):
            check(f"token {t.key} datetimes", t.issued_at == want and t.expires_at == want + timedelta(hours=1)
                  and t.issued_at.tzinfo is not None, f"{t.issued_at!r} {t.expires_at!r}")
        check("created (auto_now_add) before now", all(t.created < djtz.now() for t in got), "")
        check("JSONField list", [t.scopes for t in got][:3] == [[], ["read"], ["read", "write"]], "")
        check("DecimalField", got[5].amount == Decimal("1.25"), repr(got[5].amount))
    step("values", values)

    def filters():
        n = ApiToken.objects.filter(issued_at__gte=aware(HOUR_START), issued_at__lt=aware(HOUR_END)).count()
        check("range filter within one hour", n == 4, f"{n}, want 4")
        n = ApiToken.objects.filter(issued_at__gt=times[3]).count()
        check("> filter microseconds apart", n == 4, f"{n}, want 4")
        n = ApiToken.objects.filter(issued_at=times[3]).count()
        check("equality filter", n == 1, f"{n}")
        n = ApiToken.objects.filter(issued_at__year=2024).count()
        check("__year lookup", n == 4, f"{n}, want 4")
        n = ApiToken.objects.filter(issued_at__date=datetime(2024, 3, 1).date()).count()
        check("__date lookup", n == 4, f"{n}, want 4")
        n = ApiToken.objects.filter(issued_at__lt=djtz.now()).count()
        check("< now()", n == 6, f"{n}, want 6")
        n = ApiToken.objects.filter(expires_at__gt=djtz.now()).count()
        check("expires_at > now()", n == 2, f"{n}, want 2")
        n = User.objects.filter(is_active=True, is_staff=False).count()
        check("boolean filter", n == 3, f"{n}")
    step("filters", filters)

    def sessions():
        keys = SESSION_KEYS
        live = SessionStore(session_key=keys.get("live")).load()
        check("live session loads", live.get("tag") == "live"
              and live.get("_auth_user_id") == str(USERS[0][0]), repr(live))
        gone = SessionStore(session_key=keys.get("gone")).load()
        check("expired session does not load", gone == {}, repr(gone))
        n = Session.objects.filter(expire_date__gt=djtz.now()).count()
        check("sessions expire_date > now()", n == 1, f"{n}")
        s = SessionStore()
        s["tag"] = "new"
        s.create()
        check("new session", SessionStore(session_key=s.session_key).load().get("tag") == "new", "")
    step("sessions", sessions)

    def admin_log():
        entries = list(LogEntry.objects.filter(user__email="alice@example.com").order_by("id"))
        check("admin log entries", len(entries) == 2, f"{len(entries)}")
        check("admin log change message", [e.get_change_message() for e in entries] == ["Changed Name.", "Changed Email."],
              str([e.get_change_message() for e in entries]))
        group = Group.objects.create(name="auditors")
        alice = User.objects.get(email="alice@example.com")
        e = LogEntry.objects.create(user=alice, content_type=ContentType.objects.get_for_model(Group),
                                    object_id=str(group.pk), object_repr="auditors", action_flag=ADDITION,
                                    change_message=json.dumps([{"added": {}}]))
        check("admin log new entry (non-uuid object id)", LogEntry.objects.get(pk=e.pk).get_change_message() == "Added.", "")
        check("admin log object lookup", entries[1].get_edited_object().email == "bob@example.com", "")
    step("admin log", admin_log)

    def writes():
        bob = User.objects.get(email="bob@example.com")
        ApiToken.objects.create(user=bob, key="key-new", issued_at=aware(NEW_TIME),
                                expires_at=aware(NEW_TIME + timedelta(hours=1)), scopes=["new"])
        User.objects.create_user("dave@example.com", "pw")
        order = list(ApiToken.objects.order_by("issued_at", "id").values_list("key", flat=True))
        want = [f"key-{i:02d}" for i in range(8)]
        want.insert(3, "key-new")
        check("new row sorts with restored rows", order == want, str(order))
        n = ApiToken.objects.filter(issued_at__gte=aware(HOUR_START), issued_at__lt=aware(HOUR_END)).count()
        check("new row filters with restored rows", n == 5, f"{n}, want 5")
        n = ApiToken.objects.filter(issued_at__year=2024).count()
        check("new row __year with restored rows", n == 5, f"{n}, want 5")
        new = ApiToken.objects.get(key="key-new")
        check("insert without id", new.id > max(t.id for t in ApiToken.objects.exclude(key="key-new")), f"{new.id}")
        check("new user authenticates", authenticate(username="dave@example.com", password="pw") is not None, "")
    step("writes", writes)

    def dup_email():
        with transaction.atomic():
            User.objects.create_user("alice@example.com", "x")
    expect_error("unique email enforced", dup_email, (IntegrityError,))

    def dup_uuid():
        with transaction.atomic():
            User(id=USERS[1][0], email="bob2@example.com").save(force_insert=True)
    expect_error("primary key uuid enforced (same uuid again)", dup_uuid, (IntegrityError,))

    def dangling():
        with transaction.atomic():
            ApiToken.objects.create(user_id=uuid.uuid4(), key="key-dangling", issued_at=djtz.now(),
                                    expires_at=djtz.now())
    expect_error("foreign key enforced", dangling, (IntegrityError,))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main({"schema": schema, "fill": fill, "check": check_db})
