"""Django settings of the ORM matrix app; the database comes from AUTHX_MATRIX_DB_URL."""

import os
from urllib.parse import unquote, urlsplit

_url = os.environ["AUTHX_MATRIX_DB_URL"]
if _url.startswith("sqlite:///"):
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": _url[len("sqlite:///"):]}
else:
    _u = urlsplit(_url)
    _db = {"ENGINE": "django.db.backends.postgresql", "NAME": _u.path.lstrip("/"), "USER": unquote(_u.username or ""),
           "PASSWORD": unquote(_u.password or ""), "HOST": _u.hostname or "", "PORT": str(_u.port or "")}

SECRET_KEY = "authx-orm-matrix-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/Paris"  # not UTC: drift between restored and new rows would show
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                  "django.contrib.admin", "django.contrib.messages", "djauth"]
AUTH_USER_MODEL = "djauth.User"
PASSWORD_HASHERS = ["djauth.hashers.FastPBKDF2PasswordHasher"]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages",
                                                 "django.template.context_processors.request"]}}]
