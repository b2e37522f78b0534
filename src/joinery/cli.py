"""The `joinery` command: run, serve, work, administer. `joinery --help` lists everything."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
PACKAGE = Path(__file__).resolve().parent


def _django(settings: str | None = None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or "joinery.settings.base")
    import django

    django.setup()


def _manage(*args: str, **options) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


# --- build steps (no Django needed) ---------------------------------------------------------

def build_assets(_args=None) -> None:
    """Copy front-end packages from node_modules into static/vendor, with our brand's fonts."""
    nm = REPO / "node_modules"
    if not nm.exists():
        sys.exit("node_modules is missing: run `npm ci` first (make does this).")
    vendor = PACKAGE / "static" / "vendor"
    if vendor.exists():
        shutil.rmtree(vendor)
    gov = nm / "govuk-frontend" / "dist" / "govuk"
    (vendor / "govuk").mkdir(parents=True)
    css = (gov / "govuk-frontend.min.css").read_text()
    # Our own brand: drop the GDS Transport font faces and the crest; use the system font stack.
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace("GDS Transport,arial,sans-serif", "system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif")
    css = css.replace("font-family:GDS Transport", "font-family:system-ui,Arial,sans-serif")
    css = re.sub(r"url\(/assets/images/govuk-crest\.svg\)", "none", css)
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    (vendor / "govuk" / "govuk-frontend.min.css").write_text(css)
    js = (gov / "govuk-frontend.min.js").read_text()
    js = re.sub(r"//# sourceMappingURL=.*", "", js)
    (vendor / "govuk" / "govuk-frontend.min.js").write_text(js)
    copies = {
        nm / "htmx.org" / "dist" / "htmx.min.js": vendor / "htmx" / "htmx.min.js",
        nm / "cytoscape" / "dist" / "cytoscape.min.js": vendor / "cytoscape" / "cytoscape.min.js",
        nm / "chart.js" / "dist" / "chart.umd.min.js": vendor / "chartjs" / "chart.umd.min.js",
        nm / "axe-core" / "axe.min.js": vendor / "axe-core" / "axe.min.js",
        nm / "swagger-ui-dist" / "swagger-ui-bundle.js": vendor / "swagger-ui" / "swagger-ui-bundle.js",
        nm / "swagger-ui-dist" / "swagger-ui.css": vendor / "swagger-ui" / "swagger-ui.css",
    }
    for src, dst in copies.items():
        dst.parent.mkdir(parents=True, exist_ok=True)
        text = src.read_text()
        text = re.sub(r"(//|/\*)# sourceMappingURL=[^\n]*", "", text)
        dst.write_text(text)
    print(f"Front-end assets copied to {vendor.relative_to(REPO)}")


def compile_messages(_args=None) -> None:
    """Compile the .po catalogues to .mo with polib (no system gettext needed)."""
    import polib

    n = 0
    for po_path in (PACKAGE / "locale").glob("*/LC_MESSAGES/*.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        n += 1
    print(f"Compiled {n} message catalogue(s)")


# --- commands -----------------------------------------------------------------------------

def cmd_manage(args) -> None:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["joinery manage", *args.rest])


def cmd_setup(_args) -> None:
    """Migrate, create the cache table and collect static files."""
    compile_messages()
    _django()
    _manage("migrate", "--no-input", verbosity=0)
    _manage("createcachetable", verbosity=0)
    _manage("collectstatic", "--no-input", verbosity=0)
    print("Database migrated and static files collected.")


def cmd_demo(args) -> None:
    os.environ.setdefault("JOINERY_DEMO", "1")
    cmd_setup(args)
    from joinery.demo import load_demo

    logins = load_demo()
    print("\nJoinery demo is ready at http://127.0.0.1:8000\n")
    print(f"Demo logins (password for every account: {logins['password']})")
    for email, description in logins["people"]:
        print(f"  {email:42} {description}")
    print("\nAccounts marked [MFA] ask for a two-factor code after the password. Add this secret to an")
    print(f"authenticator app: {logins['totp_secret']}  — or print a current code with:")
    print("  .venv/bin/joinery manage demo_totp EMAIL\n")
    if not args.no_serve:
        cmd_serve(args, with_worker=True)


def cmd_serve(args, with_worker: bool = False) -> None:
    """Serve with gunicorn (and WhiteNoise for static files)."""
    bind = getattr(args, "bind", None) or os.environ.get("JOINERY_BIND", "127.0.0.1:8000")
    workers = str(getattr(args, "workers", None) or os.environ.get("JOINERY_WORKERS", "2"))
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "joinery.settings.base")
    procs = []
    if with_worker or getattr(args, "with_worker", False):
        procs.append(subprocess.Popen([sys.executable, "-m", "joinery.cli", "worker"], env=env))
    gunicorn = [sys.executable, "-m", "gunicorn", "joinery.wsgi:application", "--bind", bind,
                "--workers", workers, "--threads", "4", "--access-logfile", "-"]
    procs.append(subprocess.Popen(gunicorn, env=env))

    def stop(*_):
        for p in procs:
            p.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = procs[-1].wait()
    stop()
    sys.exit(code)


def cmd_worker(args) -> None:
    """Run background tasks (emails, decision closing) from the database queue."""
    _django()
    from django.core.management import call_command

    extra = ["--batch"] if getattr(args, "batch", False) else []
    call_command("db_worker", *extra)


def cmd_createadmin(args) -> None:
    _django()
    import getpass

    from joinery.accounts.services import person_create

    password = args.password or getpass.getpass("Password: ")
    person = person_create(actor=None, email=args.email, full_name=args.name or "", password=password,
                           is_staff=True, verified=True)
    print(f"Administrator {person.email} created.")


def cmd_audit_verify(_args) -> None:
    _django()
    from joinery.audit.selectors import verify_chain

    report = verify_chain()
    if report.ok:
        print(f"Audit chain intact: {report.checked} events checked.")
        return
    print(f"Audit chain BROKEN at event {report.broken_event_id}: {report.problem} "
          f"({report.checked} events before it are intact).")
    sys.exit(1)


def cmd_agreements_verify(args) -> None:
    """Check a downloaded PDF or text export of an agreement against the record."""
    _django()
    from joinery.agreements.documents import verify_document

    try:
        data = Path(args.file).read_bytes() if args.file != "-" else sys.stdin.buffer.read()
    except OSError as e:
        print(f"Cannot read {args.file}: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    result = verify_document(data)
    print(result.message)
    sys.exit(0 if result.ok else 1)


def cmd_agreements_export(args) -> None:
    """Write an agreement version as a PDF or as its canonical text."""
    _django()
    from joinery.agreements import documents
    from joinery.agreements.models import Agreement

    agreement = Agreement.objects.filter(pk=args.id).first()
    if agreement is None:
        sys.exit(f"No agreement {args.id}.")
    if args.version is not None:
        version = agreement.versions.filter(number=args.version).first()
        if version is None:
            numbers = ", ".join(str(n) for n in agreement.versions.order_by("number").values_list("number", flat=True))
            sys.exit(f"Agreement {args.id} has no version {args.version} (versions: {numbers or 'none yet'}).")
    else:
        version = documents.latest_version(agreement)
        if version is None:
            sys.exit(f"Agreement {args.id} has no frozen version yet: start a new round or send it for signature.")
    if args.format == "pdf":
        data = documents.render_pdf(version)
    else:
        data = documents.export_text(version).encode("utf-8")
    out = args.output
    if out is None and args.format == "pdf" and sys.stdout.isatty():
        out = documents.document_filename(version, "pdf")
    if out is None or out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    Path(out).write_bytes(data)
    print(f"Wrote version {version.number} of agreement {agreement.pk} to {out} "
          f"(fingerprint {version.fingerprint}).", file=sys.stderr)


def _contributions_context(args):
    """The partnership, organisation and person named on the command line (or exit with a message)."""
    from joinery.accounts.models import Person
    from joinery.network.models import Partnership
    from joinery.organisations.models import Organisation

    partnership = Partnership.objects.filter(slug=args.partnership).first()
    if partnership is None:
        sys.exit(f"No partnership has the short name {args.partnership!r}.")
    person = None
    if getattr(args, "as_email", None):
        person = Person.objects.filter(email__iexact=args.as_email, is_active=True).first()
        if person is None:
            sys.exit(f"No active account has the email {args.as_email!r}.")
    org = None
    if getattr(args, "acting_for", None):
        value = args.acting_for
        org = (Organisation.objects.filter(pk=int(value)).first() if value.isdigit()
               else Organisation.objects.filter(slug=value).first())
        if org is None:
            sys.exit(f"No organisation has the id or short name {value!r}.")
    return partnership, org, person


def cmd_contributions_import(args) -> None:
    """Import a CSV or XLSX file of contributions, all or nothing, with a progress bar."""
    _django()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from joinery.contributions import services
    from joinery.core.exceptions import PermissionDenied, ValidationError

    out, err = Console(), Console(stderr=True)
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        err.print(f"Cannot read {args.file}: {e.strerror}")
        sys.exit(2)
    partnership, org, person = _contributions_context(args)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("Checking rows", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            batch = services.contributions_import(actor=person, acting_for=org, partnership=partnership,
                                                  filename=Path(args.file).name, data=data, progress=report)
    except services.ImportRejected as exc:
        table = Table(title=f"{Path(args.file).name}: nothing was imported", show_lines=False)
        for name in ("Row", "Column", "What is wrong", "How to fix it"):
            table.add_column(name, overflow="fold")
        for r in exc.report:
            table.add_row(str(r["row"]), r["column"] or "-", r["problem"], r["fix"])
        out.print(table)
        err.print(f"{exc.problems} problem(s) in the file: nothing was imported. Fix them and import the whole "
                  "file again.")
        sys.exit(1)
    except PermissionDenied as exc:
        err.print(f"Refused: {exc}")
        sys.exit(1)
    except ValidationError as exc:
        for message in exc.messages:
            err.print(message)
        sys.exit(1)
    out.print(f"Imported {batch.rows} contribution(s) from {batch.filename} into {partnership.name} "
              f"(import {batch.pk}).")


def cmd_contributions_export(args) -> None:
    """Write a partnership's contributions ledger as CSV or XLSX."""
    _django()
    from joinery.contributions import exports

    partnership, _org, _person = _contributions_context(args)
    data, _type, filename = exports.export_ledger(partnership=partnership, fmt=args.format,
                                                  names=args.with_volunteer_names)
    out = args.output
    if out is None and args.format == "xlsx" and sys.stdout.isatty():
        out = filename
    if out is None or out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    Path(out).write_bytes(data)
    print(f"Wrote the contributions of {partnership.name} to {out}.", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="joinery", description="Joinery: negotiated governance and co-produced public services.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="set up the database, load the demo data and serve on http://127.0.0.1:8000")
    p.add_argument("--no-serve", action="store_true", help="load the demo data but do not start the server")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("setup", help="migrate the database and collect static files")
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser("serve", help="serve Joinery with gunicorn")
    p.add_argument("--bind", help="address:port (default 127.0.0.1:8000 or $JOINERY_BIND)")
    p.add_argument("--workers", type=int, help="gunicorn worker processes (default 2)")
    p.add_argument("--with-worker", action="store_true", help="also run the background task worker")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run background tasks (emails, closing decisions)")
    p.add_argument("--batch", action="store_true", help="run the tasks that are due, then exit")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("createadmin", help="create an administrator account")
    p.add_argument("email")
    p.add_argument("--name", help="full name")
    p.add_argument("--password", help="password (asked for if not given)")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("audit", help="audit trail tools")
    audit_sub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = audit_sub.add_parser("verify", help="check the hash chain and name the first broken link")
    v.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("agreements", help="agreement documents: export and verify")
    ag_sub = p.add_subparsers(dest="agreements_command", required=True, metavar="ACTION")
    v = ag_sub.add_parser("verify", help="check that a PDF or text export matches the record (exit 0 if it does)")
    v.add_argument("file", metavar="FILE", help="the downloaded document (- for standard input)")
    v.set_defaults(func=cmd_agreements_verify)
    e = ag_sub.add_parser("export", help="write an agreement version as a PDF or its canonical text")
    e.add_argument("id", metavar="ID", type=int, help="the agreement's number")
    e.add_argument("--version", type=int, metavar="N",
                   help="the version (default: in force, else out for signature, else the latest)")
    e.add_argument("--format", choices=["pdf", "txt"], default="pdf", help="pdf (default) or txt")
    e.add_argument("-o", "--output", metavar="FILE", help="where to write (default: standard output)")
    e.set_defaults(func=cmd_agreements_export)

    p = sub.add_parser("contributions", help="the contributions ledger: import and export")
    co_sub = p.add_subparsers(dest="contributions_command", required=True, metavar="ACTION")
    i = co_sub.add_parser("import", help="import a CSV or XLSX file of contributions (all or nothing)")
    i.add_argument("file", metavar="FILE", help="the CSV (UTF-8) or .xlsx file")
    i.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    i.add_argument("--acting-for", required=True, metavar="ORG", help="your organisation's id or short name")
    i.add_argument("--as", dest="as_email", required=True, metavar="EMAIL",
                   help="the email of the person recording the contributions")
    i.set_defaults(func=cmd_contributions_import)
    e = co_sub.add_parser("export", help="write a partnership's ledger as CSV or XLSX")
    e.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="csv (default) or xlsx")
    e.add_argument("-o", "--output", metavar="FILE", help="where to write (default: standard output)")
    e.add_argument("--with-volunteer-names", action="store_true",
                   help="name the volunteers (otherwise \"A volunteer\"): for the partners' own use")
    e.set_defaults(func=cmd_contributions_export)

    p = sub.add_parser("manage", help="run a Django management command (joinery manage help)", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    p = sub.add_parser("build-assets", help="copy front-end packages from node_modules into static")
    p.set_defaults(func=build_assets)

    p = sub.add_parser("compilemessages", help="compile the translation catalogues")
    p.set_defaults(func=compile_messages)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
