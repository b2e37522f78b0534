"""Test settings: the same as production, but fast hashing and immediate tasks."""

import os

os.environ.setdefault("JOINERY_VAR_DIR", "/tmp/joinery-test-var")

from .base import *  # noqa: E402,F403
from .base import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JOINERY_OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_BACKEND = "joinery.notifications.mail.OutboxEmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory
from .base import STATIC_ROOT  # noqa: E402

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
