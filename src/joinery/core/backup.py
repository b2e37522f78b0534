"""Backup and restore: one portable archive for SQLite and PostgreSQL alike.

An archive is a gzipped tar holding:

* `manifest.json` — format version, when and by which Joinery version it was made, the source
  database vendor, the migration state (the latest applied migration of each app), the row
  count of every table, the SHA-256 of the data file, the uploaded files, and the results of
  the integrity checks (the audit chain head, every agreement version's fingerprint …);
* `data.json` — every row, in Django's own serialisation (`django.core.serializers`, the format
  of `dumpdata`/`loaddata`), primary keys kept. Content types and permissions are left out:
  `migrate` creates them on the target, and the rows that point at them do so by natural key;
* `media/…` — the uploaded files under MEDIA_ROOT (contribution evidence).

`restore` refuses an archive whose data or files do not match its manifest, a target whose
migration state differs, and a target that already has data (unless `force`, which flushes it
first). It loads everything in one transaction, resets the sequences, then recomputes the row
counts and integrity checks and rolls back unless they equal the manifest's.

Core imports no domain app: the apps register their integrity checks from `AppConfig.ready()`
with `register_integrity_check` (see ADR 0009).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "joinery-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
MEDIA_PREFIX = "media/"

# Rows `migrate` creates on every database: left out of the archive, referred to by natural key.
EXCLUDED_MODELS = {"contenttypes.contenttype", "auth.permission"}
NATURAL_KEY_MODELS = EXCLUDED_MODELS
# Rows `migrate` (or its post_migrate signal) writes into a fresh database: their presence does not
# make a database "not empty".
SEEDED_MODELS = {"sites.site"}


class BackupError(Exception):
    """A refusal, with a message for the person running the command."""


# --- integrity checks: each app says what a faithful copy must reproduce ---------------------------

INTEGRITY_CHECKS: dict[str, Callable[[], Any]] = {}


def register_integrity_check(name: str, func: Callable[[], Any]) -> None:
    """Register `func()` (JSON-serialisable result) under `name`, from an AppConfig.ready()."""
    INTEGRITY_CHECKS[name] = func


def run_integrity_checks() -> dict[str, Any]:
    return {name: _json_roundtrip(func()) for name, func in sorted(INTEGRITY_CHECKS.items())}


def _json_roundtrip(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


# --- serialisation ---------------------------------------------------------------------------------

class _FullPrecisionEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes to milliseconds; the audit hashes cover microseconds."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JSONSerializer):
    """Django's JSON serializer, with natural keys only for content types and permissions.

    Every other foreign key keeps its primary key, so loading needs no lookups and the audit
    events' hashes (which cover the ids they name) still match.
    """

    def _natural(self, field) -> bool:
        return field.remote_field.model._meta.label_lower in NATURAL_KEY_MODELS

    def handle_fk_field(self, obj, field):
        if self._natural(field):
            related = getattr(obj, field.name)
            self._current[field.name] = related.natural_key() if related else None
        else:
            self._current[field.name] = self._value_from_field(obj, field)

    def handle_m2m_field(self, obj, field):
        natural = self.use_natural_foreign_keys
        self.use_natural_foreign_keys = self._natural(field)
        try:
            super().handle_m2m_field(obj, field)
        finally:
            self.use_natural_foreign_keys = natural


def _models() -> list:
    """The models whose rows go into the archive, in dependency order (as dumpdata sorts them)."""
    app_list = {}
    for config in apps.get_app_configs():
        chosen = [m for m in config.get_models()
                  if m._meta.label_lower not in EXCLUDED_MODELS and not m._meta.proxy and m._meta.managed
                  and router.allow_migrate_model(DEFAULT_DB_ALIAS, m)]
        if chosen:
            app_list[config] = chosen
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _tables() -> dict[str, Any]:
    """Every table the archive covers (models and their many-to-many tables), by name."""
    tables = {}
    for model in _models():
        tables[model._meta.db_table] = model
        for f in model._meta.local_many_to_many:
            through = f.remote_field.through
            if through._meta.auto_created:
                tables[through._meta.db_table] = through
    return dict(sorted(tables.items()))


def row_counts() -> dict[str, int]:
    return {table: model._base_manager.count() for table, model in _tables().items()}


def migration_state(connection=None) -> dict[str, str]:
    """The latest applied migration of each app, by name."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def joinery_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("joinery")
    except metadata.PackageNotFoundError:
        return "unknown"


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Summary:
    """What a backup wrote or a restore loaded, for the command's summary."""

    tables: int
    rows: int
    audit_events: int
    audit_head: str
    files: int
    seconds: float
    size: int
    vendor: str  # this database's
    source_vendor: str  # the database the backup was made on
    manifest: dict = field(repr=False, default_factory=dict)


def _summary(manifest: dict, seconds: float, size: int) -> Summary:
    audit = manifest["integrity"].get("audit_chain") or {}
    counts = manifest["row_counts"]
    return Summary(tables=len(counts), rows=sum(counts.values()), audit_events=audit.get("events", 0),
                   audit_head=audit.get("head_hash", ""), files=len(manifest["media"]), seconds=seconds,
                   size=size, vendor=connections[DEFAULT_DB_ALIAS].vendor,
                   source_vendor=manifest["database_vendor"], manifest=manifest)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


# --- backup ----------------------------------------------------------------------------------------

def backup(path: str | Path) -> Summary:
    """Write the whole database (and uploaded files) to the archive at `path`."""
    started = time.monotonic()
    path = Path(path)
    connection = connections[DEFAULT_DB_ALIAS]
    # One consistent snapshot: every read inside one transaction (REPEATABLE READ on PostgreSQL).
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        stream = io.StringIO()
        querysets = (model._base_manager.order_by(model._meta.pk.name) for model in _models())
        _Serializer().serialize(_chain(querysets), stream=stream, cls=_FullPrecisionEncoder,
                                use_natural_foreign_keys=True)
        data = stream.getvalue().encode("utf-8")
        counts = row_counts()
        integrity = run_integrity_checks()
        migrations = migration_state(connection)
    root = Path(settings.MEDIA_ROOT)
    media = {}
    for file in _media_files():
        media[file.relative_to(root).as_posix()] = file
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "joinery_version": joinery_version(),
        "database_vendor": connection.vendor,
        "migrations": migrations,
        "row_counts": counts,
        "data_file": DATA,
        "data_sha256": _sha256(data),
        "data_bytes": len(data),
        "media": {},
        "integrity": integrity,
    }
    contents = {}
    for name, file in media.items():
        blob = file.read_bytes()
        contents[name] = blob
        manifest["media"][name] = {"sha256": _sha256(blob), "bytes": len(blob)}
    tmp = path.with_name(path.name + ".partial")
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            _add(tar, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
            _add(tar, DATA, data)
            for name, blob in contents.items():
                _add(tar, MEDIA_PREFIX + name, blob)
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BackupError(_("Cannot write %(file)s: %(why)s") % {"file": path, "why": e.strerror}) from e
    return _summary(manifest, time.monotonic() - started, path.stat().st_size)


def _chain(querysets):
    for qs in querysets:
        yield from qs.iterator(chunk_size=2000)


# --- reading and checking an archive ---------------------------------------------------------------

def read_archive(path: str | Path) -> tuple[dict, bytes, dict[str, bytes]]:
    """The manifest, the data and the uploaded files; refuses an archive that does not match itself."""
    path = Path(path)
    try:
        with tarfile.open(path, "r:*") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            if MANIFEST not in members or DATA not in members:
                raise BackupError(_("%(file)s is not a Joinery backup (no manifest or no data).")
                                  % {"file": path})
            manifest = json.loads(tar.extractfile(members[MANIFEST]).read())
            data = tar.extractfile(members[DATA]).read()
            media = {name[len(MEDIA_PREFIX):]: tar.extractfile(m).read()
                     for name, m in members.items() if name.startswith(MEDIA_PREFIX)}
    except FileNotFoundError as e:
        raise BackupError(_("Cannot read %(file)s: %(why)s") % {"file": path, "why": e.strerror}) from e
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise BackupError(_("%(file)s is not a readable Joinery backup (%(why)s).")
                          % {"file": path, "why": e}) from e
    if manifest.get("format") != FORMAT:
        raise BackupError(_("%(file)s is not a Joinery backup.") % {"file": path})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("This backup has format version %(found)s; this Joinery reads version %(ours)s.")
                          % {"found": manifest.get("format_version"), "ours": FORMAT_VERSION})
    if _sha256(data) != manifest.get("data_sha256"):
        raise BackupError(_("The archive's data does not match its manifest (SHA-256 differs): it was "
                            "altered or damaged. Nothing was restored."))
    files = manifest.get("media", {})
    if set(files) != set(media) or any(_sha256(media[n]) != files[n]["sha256"] for n in files):
        raise BackupError(_("The archive's uploaded files do not match its manifest: it was altered or "
                            "damaged. Nothing was restored."))
    return manifest, data, media


def _counts_in_data(objects: list[dict]) -> dict[str, int]:
    """Rows per table as the data file holds them (a model's rows and its many-to-many links)."""
    by_label = {m._meta.label_lower: m for m in _models()}
    counts: dict[str, int] = {}
    for obj in objects:
        model = by_label.get(obj.get("model"))
        if model is None:
            raise BackupError(_("The archive holds rows of %(model)s, which this Joinery does not have.")
                              % {"model": obj.get("model")})
        counts[model._meta.db_table] = counts.get(model._meta.db_table, 0) + 1
        for f in model._meta.local_many_to_many:
            if f.remote_field.through._meta.auto_created:
                table = f.remote_field.through._meta.db_table
                counts[table] = counts.get(table, 0) + len(obj["fields"].get(f.name) or [])
    return counts


def _differences(expected: dict, found: dict) -> list[str]:
    return [f"{k}: {expected.get(k)!r} ≠ {found.get(k)!r}" for k in sorted(set(expected) | set(found))
            if expected.get(k, 0) != found.get(k, 0)]


def target_has_data() -> bool:
    for model in _tables().values():
        if model._meta.label_lower in SEEDED_MODELS:
            continue
        if model._base_manager.exists():
            return True
    return False


# --- restore ---------------------------------------------------------------------------------------

def restore(path: str | Path, *, force: bool = False) -> Summary:
    """Load the archive at `path` into this (migrated) database, all or nothing."""
    started = time.monotonic()
    manifest, data, media = read_archive(path)
    objects = json.loads(data)
    in_data = _counts_in_data(objects)
    if _differences(manifest["row_counts"], in_data):
        raise BackupError(_("The archive's data does not match its manifest (row counts differ: "
                            "%(diff)s). Nothing was restored.")
                          % {"diff": "; ".join(_differences(manifest["row_counts"], in_data)[:5])})
    connection = connections[DEFAULT_DB_ALIAS]
    ours = migration_state(connection)
    if ours != manifest["migrations"]:
        diff = _differences(manifest["migrations"], ours)
        raise BackupError(_("This database's migrations differ from the backup's (%(diff)s). Run "
                            "`joinery setup` with the Joinery version that made the backup (%(version)s), "
                            "then restore again.")
                          % {"diff": "; ".join(diff[:5]), "version": manifest.get("joinery_version")})
    with transaction.atomic():
        if target_has_data():
            if not force:
                raise BackupError(_("This database already has data: nothing was restored. Restore into "
                                    "an empty, migrated database, or use --force to replace everything in it."))
            call_command("flush", interactive=False, verbosity=0)
        _load(objects, connection)
        counts = row_counts()
        if _differences(manifest["row_counts"], counts):
            raise BackupError(_("After loading, the row counts differ from the backup's (%(diff)s): "
                                "nothing was restored.")
                              % {"diff": "; ".join(_differences(manifest["row_counts"], counts)[:5])})
        integrity = run_integrity_checks()
        if integrity != manifest["integrity"]:
            names = ", ".join(n for n in sorted(set(integrity) | set(manifest["integrity"]))
                              if integrity.get(n) != manifest["integrity"].get(n))
            raise BackupError(_("After loading, the integrity checks differ from the backup's (%(names)s): "
                                "nothing was restored.") % {"names": names})
    root = Path(settings.MEDIA_ROOT)
    for name, blob in media.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root.resolve()):
            continue  # never write outside MEDIA_ROOT
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    return _summary(manifest, time.monotonic() - started, Path(path).stat().st_size)


def _load(objects: list[dict], connection) -> None:
    """loaddata's own steps: deserialise, raw save, resolve forward references, reset sequences."""
    models = set()
    deferred = []
    for obj in serializers.deserialize("python", objects, handle_forward_references=True):
        obj.save(using=connection.alias)
        models.add(obj.object.__class__)
        if obj.deferred_fields:
            deferred.append(obj)
    for obj in deferred:
        obj.save_deferred_fields(using=connection.alias)
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
