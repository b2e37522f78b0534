"""`joinery backup FILE` and `joinery restore FILE [--force]` (see joinery.core.backup, ADR 0009).

A refusal prints its reason (no traceback) and exits with 1; a file that cannot be read or
written exits with 2.
"""

from __future__ import annotations

import sys


def _cli():
    from joinery import cli

    return cli


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _print_summary(out, title: str, summary) -> None:
    from rich.markup import escape

    _ = _cli()._
    out.print(escape(title))
    lines = [
        (_("Database"), summary.vendor if summary.vendor == summary.source_vendor else
         _("%(here)s (the backup was made on %(there)s)") % {"here": summary.vendor,
                                                             "there": summary.source_vendor}),
        (_("Tables"), str(summary.tables)),
        (_("Rows"), str(summary.rows)),
        (_("Audit events"), str(summary.audit_events)),
        (_("Audit chain head"), summary.audit_head),
        (_("Uploaded files"), str(summary.files)),
        (_("Time taken"), _("%(s).1f s") % {"s": summary.seconds}),
        (_("Archive size"), _size(summary.size)),
    ]
    for label, value in lines:
        out.print(f"  {escape(label)}: {escape(value)}", soft_wrap=True)


def cmd_backup(args) -> None:
    """Write the whole database and the uploaded files to one archive."""
    cli = _cli()
    cli._django()
    from django.db import DatabaseError

    from joinery.core.backup import BackupError, backup

    out, err = cli._consoles()
    try:
        summary = backup(args.file)
    except BackupError as exc:
        err.print(str(exc), markup=False)
        sys.exit(2)
    except DatabaseError as exc:
        err.print(cli._("The database could not be read: %(why)s") % {"why": exc}, markup=False)
        sys.exit(1)
    _print_summary(out, cli._("Backup written to %(file)s.") % {"file": args.file}, summary)
    if not summary.manifest["integrity"].get("audit_chain", {}).get("verified", True):
        err.print(cli._("Warning: the audit chain does not verify (run `joinery audit verify`); the backup "
                        "keeps it exactly as it is."), markup=False)


def cmd_restore(args) -> None:
    """Load an archive into this database, all or nothing, and prove the copy is faithful."""
    cli = _cli()
    cli._django()
    from django.db import DatabaseError

    from joinery.core.backup import BackupError, restore

    out, err = cli._consoles()
    try:
        summary = restore(args.file, force=args.force)
    except BackupError as exc:
        err.print(str(exc), markup=False)
        sys.exit(1)
    except DatabaseError as exc:
        err.print(cli._("The database refused the restore, so nothing was restored: %(why)s") % {"why": exc},
                  markup=False)
        sys.exit(1)
    _print_summary(out, cli._("Restored %(file)s: row counts, audit chain head and agreement fingerprints "
                              "match the backup.") % {"file": args.file}, summary)


def add_commands(sub) -> None:
    p = sub.add_parser("backup", help="write the database and uploaded files to one portable archive")
    p.add_argument("file", metavar="FILE", help="the archive to write (e.g. joinery-backup.tar.gz)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="load a backup archive into an empty, migrated database")
    p.add_argument("file", metavar="FILE", help="the archive `joinery backup` wrote")
    p.add_argument("--force", action="store_true",
                   help="replace everything already in the database (it is flushed first)")
    p.set_defaults(func=cmd_restore)
