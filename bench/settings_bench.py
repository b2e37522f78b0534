"""The production settings, plus what the bench needs to measure (and nothing that changes the app):

- `bench.middleware.QueryCountMiddleware`, outermost, adds `X-Query-Count` to every response;
- `bench.urls_bench` adds `/bench/empty`, an empty view behind the same middleware: the framework floor.

JOINERY_BENCH_PLAIN_STATIC=1 (the smoke test) uses plain static storage so no collectstatic is needed.
"""

import os

from joinery.settings.base import *  # noqa: F403
from joinery.settings.base import MIDDLEWARE, STORAGES

MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls_bench"

if os.environ.get("JOINERY_BENCH_PLAIN_STATIC") == "1":
    STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
