"""Signed-in sessions for the bench user, made directly with Django's SessionStore.

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=bench.settings_bench python -m bench.session --count 4

prints a JSON list of Cookie header values, one session per client (each client has its own
session row, as real users do: SESSION_SAVE_EVERY_REQUEST writes it on every request). The
session carries the same keys `django.contrib.auth.login` writes, so the server accepts it.
"""

from __future__ import annotations

import argparse
import json


def create_sessions(count: int, email: str = "bench@joinery.example") -> list[str]:
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(email=email)
    cookies = []
    for _ in range(count):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return cookies


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--email", default="bench@joinery.example")
    args = parser.parse_args(argv)
    import django

    django.setup()
    print(json.dumps(create_sessions(args.count, args.email)))


if __name__ == "__main__":
    main()
