"""`joinery backup` / `joinery restore` round trips on real databases: SQLite → SQLite,
SQLite → PostgreSQL and PostgreSQL → SQLite, each through the command line in a subprocess.

The demo network is loaded once into a SQLite database; fresh targets are copies of one database
migrated by `joinery manage migrate` (SQLite: a file copy; PostgreSQL: CREATE DATABASE … TEMPLATE).
PostgreSQL must be running at 127.0.0.1:5432 (user postgres, trust): without it these tests fail.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("JOINERY_BACKUP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

# What a faithful copy must reproduce, read by a subprocess against one database.
INSPECT = """
import json, django
django.setup()
from joinery.core.backup import row_counts, run_integrity_checks
from joinery.audit.models import AuditEvent
print(json.dumps({"counts": row_counts(), "integrity": run_integrity_checks(),
                  "max_event": max(AuditEvent.objects.values_list("id", flat=True), default=0)}))
"""

# A new audited write after the restore: a new person (new ids from the sequences) and an event.
WRITE = """
import django
django.setup()
from joinery.accounts.services import person_create
p = person_create(actor=None, email="after.restore@example.org", full_name="After Restore", password="x" * 12)
print(p.pk)
"""

LOAD_DEMO = """
import django
django.setup()
from joinery.demo import load_demo
load_demo()
"""


class Site:
    """One Joinery installation: a database and a var directory (with MEDIA_ROOT)."""

    def __init__(self, var: Path, url: str):
        self.var, self.url = var, url
        var.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "JOINERY_"))}
        self.env.update({
            "PYTHONPATH": os.pathsep.join([str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "DJANGO_SETTINGS_MODULE": "joinery.settings.base",
            "DATABASE_URL": url,
            "JOINERY_VAR_DIR": str(var),
            "JOINERY_SECRET_KEY": "backup-tests-only-secret-key-0123456789-abcdefghijklmnop",
            "JOINERY_OUTBOX_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "JOINERY_LOG_LEVEL": "ERROR",
            "COLUMNS": "200",
        })

    def joinery(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return self._run([sys.executable, "-m", "joinery.cli", *map(str, argv)], check)

    def python(self, code: str) -> str:
        return self._run([sys.executable, "-c", code], True).stdout

    def popen(self, *argv: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "joinery.cli", *argv], env=self.env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def _run(self, cmd, check):
        result = subprocess.run(cmd, env=self.env, cwd=REPO, capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(cmd[-3:])} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
                        f"{result.stderr[-3000:]}")
        return result

    def inspect(self) -> dict:
        return json.loads(self.python(INSPECT).strip().splitlines()[-1])


class World:
    def __init__(self, root: Path, pg_template: str):
        self.root, self.pg_template = root, pg_template
        self.pg_databases: list[str] = []
        self.n = 0

    def sqlite(self, name: str) -> Site:
        """A fresh, migrated SQLite site (a copy of the migrated template)."""
        var = self.root / name
        var.mkdir(parents=True)
        shutil.copy(self.root / "template" / "joinery.sqlite3", var / "joinery.sqlite3")
        return Site(var, f"sqlite:///{var / 'joinery.sqlite3'}")

    def postgres(self, name: str) -> Site:
        """A fresh, migrated PostgreSQL site (CREATE DATABASE from the migrated template)."""
        import psycopg

        self.n += 1
        db = f"joinery_backup_{os.getpid()}_{self.n + 1}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "{self.pg_template}"')
        self.pg_databases.append(db)
        return Site(self.root / name, _pg_url(db))


def _pg_url(db: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgres://", 1) + f"/{db}"


def _drop(*names: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    import psycopg

    root = tmp_path_factory.mktemp("backup")
    pg_template = f"joinery_backup_{os.getpid()}_1"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_template}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{pg_template}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required at {PG_ADMIN} for the backup tests: {exc}")
    w = World(root, pg_template)
    try:
        # Migrate the PostgreSQL template while SQLite migrates and loads the demo.
        pg = Site(root / "pg-template", _pg_url(pg_template)).popen("manage", "migrate", "--no-input", "-v0")
        template = Site(root / "template", f"sqlite:///{root / 'template' / 'joinery.sqlite3'}")
        template.joinery("manage", "migrate", "--no-input", "-v0")
        source = w.sqlite("source")
        source.python(LOAD_DEMO)
        # An uploaded file (the demo has none): it must travel with the archive.
        evidence = source.var / "media" / "evidence" / "2026" / "01" / "receipt.txt"
        evidence.parent.mkdir(parents=True)
        evidence.write_text("Hall hire, 3 hours\n")
        out, _ = pg.communicate(timeout=300)
        if pg.returncode != 0:
            pytest.fail(f"migrating PostgreSQL failed:\n{out[-3000:]}")
        w.source = source
        w.expected = source.inspect()
        w.archive = root / "source.tar.gz"
        w.backup_result = source.joinery("backup", w.archive)
        yield w
    finally:
        _drop(pg_template, *w.pg_databases)


def _assert_same(world, target: Site) -> dict:
    found = target.inspect()
    assert found["counts"] == world.expected["counts"]
    assert found["integrity"]["audit_chain"] == world.expected["integrity"]["audit_chain"]
    assert found["integrity"]["agreement_fingerprints"] == world.expected["integrity"]["agreement_fingerprints"]
    assert found["integrity"] == world.expected["integrity"]
    return found


def _write_and_verify(target: Site, before: dict) -> None:
    new_pk = int(target.python(WRITE).strip().splitlines()[-1])
    assert new_pk > 0
    after = target.inspect()
    assert after["max_event"] > before["max_event"]
    assert after["integrity"]["audit_chain"]["head_event_id"] == after["max_event"]
    assert after["integrity"]["audit_chain"]["verified"] is True
    verify = target.joinery("audit", "verify")
    assert "Audit chain intact" in verify.stdout


def test_the_demo_is_what_we_think(world):
    expected = world.expected
    assert expected["integrity"]["audit_chain"]["events"] > 100
    assert expected["integrity"]["audit_chain"]["verified"] is True
    assert len(expected["integrity"]["agreement_fingerprints"]["versions"]) > 0
    out = world.backup_result.stdout
    assert "Backup written to" in out
    assert expected["integrity"]["audit_chain"]["head_hash"] in out
    with tarfile.open(world.archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert {"manifest.json", "data.json", "media/evidence/2026/01/receipt.txt"} <= set(names)
    assert manifest["database_vendor"] == "sqlite"
    assert manifest["row_counts"] == expected["counts"]
    assert manifest["migrations"]["audit"].startswith("0002")
    assert manifest["integrity"] == expected["integrity"]


def test_sqlite_to_sqlite(world):
    target = world.sqlite("s2s")
    result = target.joinery("restore", world.archive)
    assert "match the backup" in result.stdout
    before = _assert_same(world, target)
    assert (target.var / "media" / "evidence" / "2026" / "01" / "receipt.txt").read_text() == "Hall hire, 3 hours\n"
    _write_and_verify(target, before)


def test_sqlite_to_postgresql_and_back(world):
    pg = world.postgres("s2p")
    result = pg.joinery("restore", world.archive)
    assert "postgresql (the backup was made on sqlite)" in result.stdout
    before = _assert_same(world, pg)

    # PostgreSQL → SQLite, from the restored PostgreSQL database.
    archive = world.root / "from-postgres.tar.gz"
    pg.joinery("backup", archive)
    with tarfile.open(archive) as tar:
        assert json.loads(tar.extractfile("manifest.json").read())["database_vendor"] == "postgresql"
    back = world.sqlite("p2s")
    back.joinery("restore", archive)
    _assert_same(world, back)

    # New rows get fresh ids (sequences reset) and the chain goes on verifying, on both.
    _write_and_verify(pg, before)
    _write_and_verify(back, before)


def test_a_database_with_data_is_refused_without_force(world):
    target = world.postgres("non-empty")
    target.joinery("restore", world.archive)
    target.python(WRITE)
    before = target.inspect()
    refused = target.joinery("restore", world.archive, check=False)
    assert refused.returncode == 1
    assert "already has data" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout
    assert target.inspect() == before
    # --force flushes it and restores the backup exactly.
    forced = target.joinery("restore", world.archive, "--force")
    assert "match the backup" in forced.stdout
    _assert_same(world, target)


def _rewrite(archive: Path, out: Path, *, data=None, manifest=None) -> None:
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            blob = src.extractfile(member).read()
            if member.name == "data.json" and data:
                blob = data(blob)
            if member.name == "manifest.json" and manifest:
                blob = json.dumps(manifest(json.loads(blob))).encode()
            member.size = len(blob)
            dst.addfile(member, io.BytesIO(blob))


def test_a_tampered_archive_is_refused(world):
    import hashlib

    target = world.sqlite("tampered")
    # One audit event's text changed in the data: the SHA-256 no longer matches.
    altered = world.root / "altered.tar.gz"
    _rewrite(world.archive, altered, data=lambda b: b.replace(b'"person.created"', b'"person.removed"', 1))
    refused = target.joinery("restore", altered, check=False)
    assert refused.returncode == 1
    assert "does not match its manifest" in refused.stderr
    assert "Traceback" not in refused.stderr

    # A row dropped and the checksum recomputed: the row counts give it away.
    def drop_one(blob):
        rows = json.loads(blob)
        return json.dumps([r for r in rows if r["model"] != "audit.auditevent"] +
                          [r for r in rows if r["model"] == "audit.auditevent"][:-1]).encode()

    dropped_data = drop_one(_member(world.archive, "data.json"))
    dropped = world.root / "dropped.tar.gz"
    _rewrite(world.archive, dropped, data=lambda _b: dropped_data,
             manifest=lambda m: {**m, "data_sha256": hashlib.sha256(dropped_data).hexdigest()})
    refused = target.joinery("restore", dropped, check=False)
    assert refused.returncode == 1
    assert "row counts differ" in refused.stderr

    # Counts and checksum made consistent, but the chain head no longer matches: rolled back.
    def fewer(m):
        m = json.loads(json.dumps(m))
        m["row_counts"]["audit_auditevent"] -= 1
        m["data_sha256"] = hashlib.sha256(dropped_data).hexdigest()
        return m

    consistent = world.root / "consistent.tar.gz"
    _rewrite(world.archive, consistent, data=lambda _b: dropped_data, manifest=fewer)
    refused = target.joinery("restore", consistent, check=False)
    assert refused.returncode == 1
    assert "integrity checks differ" in refused.stderr and "audit_chain" in refused.stderr
    assert target.inspect()["counts"]["audit_auditevent"] == 0  # nothing was kept

    # Not an archive at all.
    junk = world.root / "junk.tar.gz"
    junk.write_bytes(b"not a backup")
    refused = target.joinery("restore", junk, check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        return tar.extractfile(name).read()


def test_a_different_migration_state_is_refused(world):
    target = world.sqlite("ahead")
    with sqlite3.connect(target.var / "joinery.sqlite3") as conn:
        conn.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('audit', '9999_future', "
                     "'2030-01-01 00:00:00')")
    refused = target.joinery("restore", world.archive, check=False)
    assert refused.returncode == 1
    assert "migrations differ" in refused.stderr and "9999_future" in refused.stderr


def test_core_imports_no_domain_app_and_the_apps_register_their_checks():
    from joinery.core import backup

    source = Path(backup.__file__).read_text()
    for app in ("audit", "agreements", "accounts", "network", "organisations"):
        assert f"joinery.{app}" not in source
    assert {"audit_chain", "agreement_fingerprints"} <= set(backup.INTEGRITY_CHECKS)
