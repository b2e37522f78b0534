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
    # The demo's hundreds of notification emails go to the administrators' outbox page, not to
    # the terminal, where they would push the demo logins out of sight.
    os.environ.setdefault("JOINERY_OUTBOX_DELIVERY_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    cmd_setup(args)
    from django.core.management import call_command

    from joinery.demo import load_demo

    logins = load_demo()
    # Send what the demo queued (emails, reminders) now, quietly, so the server starts idle.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
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


# --- work programme, risk register and review meetings (issue 5) ---------------------------
# The same services as the pages and the API. Unknown ids, short names or emails exit with 2;
# a refusal (PermissionDenied) or invalid input (ValidationError) prints the messages and exits with 1.

def _(message: str) -> str:
    """gettext, once Django is set up (every command calls `_django()` before it prints)."""
    from django.utils.translation import gettext

    return gettext(message)


def _consoles():
    from rich.console import Console

    return Console(), Console(stderr=True, highlight=False)


def _not_found(message: str) -> None:
    """Print what could not be found and exit with 2 (a bad argument, like argparse's own errors)."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False).print(escape(message))
    sys.exit(2)


def _refused(exc) -> None:
    """Print a service's refusal or its validation messages (field by field) and exit with 1."""
    from rich.console import Console
    from rich.markup import escape

    from joinery.core.exceptions import ValidationError

    err = Console(stderr=True, highlight=False)
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    err.print(escape(message if name == "__all__" else f"{name}: {message}"))
        else:
            for message in exc.messages:
                err.print(escape(message))
    else:
        err.print(escape(_("Refused: %(reason)s") % {"reason": exc}))
    sys.exit(1)


def _partnership_by_slug(slug: str):
    from joinery.network.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        _not_found(_("No partnership has the short name %(slug)r.") % {"slug": slug})
    return partnership


def _organisation_by_ref(value: str):
    from joinery.organisations.models import Organisation

    org = (Organisation.objects.filter(pk=int(value)).first() if value.isdigit()
           else Organisation.objects.filter(slug=value).first())
    if org is None:
        _not_found(_("No organisation has the id or short name %(value)r.") % {"value": value})
    return org


def _person_by_email(email: str):
    from joinery.accounts.models import Person

    person = Person.objects.filter(email__iexact=email, is_active=True).first()
    if person is None:
        _not_found(_("No active account has the email %(email)r.") % {"email": email})
    return person


def _iso(value) -> str:
    return value.isoformat() if value else "—"


def cmd_work_list(args) -> None:
    """One page of a partnership's work items, soonest due first."""
    _django()
    from rich.markup import escape
    from rich.table import Table

    from joinery.programme import selectors
    from joinery.programme.models import ItemStatus

    out, err = _consoles()
    partnership = _partnership_by_slug(args.partnership)
    owner = _organisation_by_ref(args.owner) if args.owner else None
    if args.status and args.status not in (selectors.OPEN, *ItemStatus.values):
        _not_found(_("Unknown status %(status)r: choose one of %(choices)s.")
                   % {"status": args.status, "choices": ", ".join([selectors.OPEN, *ItemStatus.values])})
    page = selectors.work_list(partnership=partnership, owner=owner, status=args.status or None,
                               overdue=args.overdue, page=args.page, limit=args.limit)
    if not page.items:
        out.print(escape(_("No work items in %(p)s match.") % {"p": partnership.name}))
        return
    table = Table(title=escape(_("Work of %(p)s (items %(a)d to %(b)d)")
                               % {"p": partnership.name, "a": page.start_index, "b": page.end_index}))
    for name in (_("Item"), _("Title"), _("Kind"), _("Owner"), _("Due"), _("Status")):
        table.add_column(escape(name), overflow="fold")
    for item in page.items:
        status = str(item.get_status_display())
        if item.is_overdue:
            status = _("%(status)s, overdue") % {"status": status}
        table.add_row(str(item.pk), escape(item.title), escape(str(item.get_kind_display())),
                      escape(item.owner.name), _iso(item.due_date), escape(status))
    out.print(table)
    if page.has_next:
        err.print(escape(_("There are more: add --page %(n)d to see them.") % {"n": page.next_page_number}))


def cmd_work_status(args) -> None:
    """Record progress on a work item (or open the partnership's decision when the change needs one)."""
    _django()
    from rich.markup import escape

    from joinery.core.exceptions import PermissionDenied, ValidationError
    from joinery.network.models import Decision
    from joinery.programme import services
    from joinery.programme.models import WorkItem

    out, _err = _consoles()
    item = WorkItem.objects.select_related("programme", "partnership", "owner").filter(pk=args.item).first()
    if item is None:
        _not_found(_("No work item has the id %(id)d.") % {"id": args.item})
    org = _organisation_by_ref(args.acting_for)
    person = _person_by_email(args.as_email)
    before = item.status
    try:
        result = services.work_item_set_status(actor=person, acting_for=org, item=item, status=args.status,
                                               reason=args.reason or "")
    except (PermissionDenied, ValidationError) as exc:
        _refused(exc)
    if isinstance(result, Decision):
        out.print(escape(_("This change needs the partnership's agreement: a decision was opened at %(url)s.")
                         % {"url": result.get_absolute_url()}))
        return
    if result.status == before:
        out.print(escape(_("“%(t)s” is already %(s)s: nothing changed.")
                         % {"t": result.title, "s": str(result.get_status_display()).lower()}))
        return
    out.print(escape(_("“%(t)s” is now %(s)s.") % {"t": result.title, "s": str(result.get_status_display()).lower()}))


def cmd_risks_list(args) -> None:
    """A partnership's risk register, highest score first, each said against the risk appetite."""
    _django()
    from rich.markup import escape
    from rich.table import Table

    from joinery.risks import selectors

    out, err = _consoles()
    partnership = _partnership_by_slug(args.partnership)
    appetite = selectors.current_appetite(partnership=partnership)
    rows = list(selectors.register(partnership=partnership)[:args.limit + 1])
    more, rows = len(rows) > args.limit, rows[:args.limit]
    if appetite is None:
        out.print(escape(_("%(p)s has not set its risk appetite yet.") % {"p": partnership.name}))
    else:
        out.print(escape(_("Risk appetite of %(p)s: scores up to %(t)d are acceptable.")
                         % {"p": partnership.name, "t": appetite.threshold}))
    if not rows:
        out.print(escape(_("No risks are recorded.")))
        return
    table = Table(title=escape(_("Risk register of %(p)s") % {"p": partnership.name}))
    for name in (_("Risk"), _("Title"), _("Owner"), _("Score"), _("Status"), _("Against the appetite")):
        table.add_column(escape(name), overflow="fold")
    for risk in rows:
        if risk.accepted_for_innovation:
            against = _("Accepted for innovation")
        elif appetite is None:
            against = _("No appetite set")
        elif selectors.is_above(risk, appetite):
            against = _("Above appetite")
        else:
            against = _("Within appetite")
        score = _("%(s)d (likelihood %(l)d × impact %(i)d)") % {"s": risk.score, "l": risk.likelihood,
                                                                   "i": risk.impact}
        table.add_row(str(risk.pk), escape(risk.title), escape(risk.owner.name), score,
                      escape(str(risk.get_status_display())), escape(against))
    out.print(table)
    if more:
        err.print(escape(_("Only the %(n)d highest-scoring risks are shown (use --limit).") % {"n": args.limit}))


def cmd_risks_accept(args) -> None:
    """Accept a risk for innovation, saying why."""
    _django()
    from rich.markup import escape

    from joinery.core.exceptions import PermissionDenied, ValidationError
    from joinery.risks import services
    from joinery.risks.models import Risk

    out, _err = _consoles()
    risk = Risk.objects.select_related("partnership", "owner").filter(pk=args.risk).first()
    if risk is None:
        _not_found(_("No risk has the id %(id)d.") % {"id": args.risk})
    org = _organisation_by_ref(args.acting_for)
    person = _person_by_email(args.as_email)
    try:
        risk = services.risk_accept_for_innovation(actor=person, acting_for=org, risk=risk, reason=args.reason)
    except (PermissionDenied, ValidationError) as exc:
        _refused(exc)
    out.print(escape(_("“%(t)s” is accepted for innovation; every partner has been told.") % {"t": risk.title}))


def _meeting(meeting_id: int):
    from joinery.meetings.models import ReviewMeeting

    meeting = (ReviewMeeting.objects.select_related("partnership", "agreement", "programme")
               .filter(pk=meeting_id).first())
    if meeting is None:
        _not_found(_("No review meeting has the id %(id)d.") % {"id": meeting_id})
    return meeting


def _language(args) -> str:
    from django.conf import settings
    from django.utils import translation

    language = args.language or translation.get_language() or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        _not_found(_("Unknown language %(l)r: choose one of %(choices)s.")
                   % {"l": language, "choices": ", ".join(code for code, _name in settings.LANGUAGES)})
    return language


def cmd_meetings_agenda(args) -> None:
    """A review meeting's agenda, each item written in the reader's language."""
    _django()
    from django.utils import formats, timezone, translation
    from rich.markup import escape

    from joinery.meetings import agenda

    out, _err = _consoles()
    meeting = _meeting(args.meeting)
    with translation.override(_language(args)):
        when = formats.date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT", use_l10n=True)
        out.print(f"[bold]{escape(meeting.title)}[/bold] — {escape(meeting.partnership.name)}, {escape(when)}")
        sections = agenda.for_display(meeting.agenda)
        if not sections:
            out.print(escape(_("This meeting has no agenda yet: refresh it on the meeting's page.")))
            return
        for section in sections:
            out.print()
            out.print(f"[bold]{escape(section['heading'])}[/bold]")
            if not section["items"]:
                out.print("  " + escape(_("Nothing due.")))
            for item in section["items"]:
                out.print("  • " + escape(item["text"]))
            if section["more"]:
                out.print("  • " + escape(_("And %(n)s more.") % {"n": section["more"]}))


def cmd_meetings_ics(args) -> None:
    """Write a review meeting's iCalendar invitation."""
    _django()
    from joinery.meetings import ical

    meeting = _meeting(args.meeting)
    data = ical.invitation(meeting, language=_language(args)).encode("utf-8")
    if args.output is None or args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(args.output).write_bytes(data)
    except OSError as e:
        _not_found(_("Cannot write %(file)s: %(why)s") % {"file": args.output, "why": e.strerror})
    print(_("Wrote the invitation to “%(t)s” to %(file)s.") % {"t": meeting.title, "file": args.output},
          file=sys.stderr)


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

    p = sub.add_parser("work", help="the work programme: list work and record progress")
    wo_sub = p.add_subparsers(dest="work_command", required=True, metavar="ACTION")
    w = wo_sub.add_parser("list", help="list a partnership's work items, soonest due first")
    w.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    w.add_argument("--overdue", action="store_true", help="only open items past their due date")
    w.add_argument("--status", metavar="S",
                   help="open (planned, in progress or blocked), planned, in_progress, blocked, done or cancelled")
    w.add_argument("--owner", metavar="ORG", help="only items owned by this organisation (id or short name)")
    w.add_argument("--page", type=int, default=1, metavar="N", help="the page of results (default 1)")
    w.add_argument("--limit", type=int, default=50, metavar="N", help="items per page (default 50, at most 100)")
    w.set_defaults(func=cmd_work_list)
    w = wo_sub.add_parser("status", help="record progress on a work item (or open a decision when one is needed)")
    w.add_argument("item", metavar="ITEM_ID", type=int, help="the work item's number")
    w.add_argument("status", metavar="STATUS", help="planned, in_progress, blocked, done or cancelled")
    w.add_argument("--acting-for", required=True, metavar="ORG", help="your organisation's id or short name")
    w.add_argument("--as", dest="as_email", required=True, metavar="EMAIL", help="the email of the person acting")
    w.add_argument("--reason", metavar="TEXT", help="why (required to cancel)")
    w.set_defaults(func=cmd_work_status)

    p = sub.add_parser("risks", help="the risk register: list and accept for innovation")
    ri_sub = p.add_subparsers(dest="risks_command", required=True, metavar="ACTION")
    r = ri_sub.add_parser("list", help="a partnership's risks, highest score first, against the risk appetite")
    r.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    r.add_argument("--limit", type=int, default=200, metavar="N", help="show at most N risks (default 200)")
    r.set_defaults(func=cmd_risks_list)
    r = ri_sub.add_parser("accept", help="accept a risk for innovation instead of mitigating it, saying why")
    r.add_argument("risk", metavar="RISK_ID", type=int, help="the risk's number")
    r.add_argument("--reason", required=True, metavar="TEXT",
                   help="what the partnership gains by taking this risk (a real sentence)")
    r.add_argument("--acting-for", required=True, metavar="ORG",
                   help="the convener's or the risk owner's id or short name")
    r.add_argument("--as", dest="as_email", required=True, metavar="EMAIL", help="the email of the person acting")
    r.set_defaults(func=cmd_risks_accept)

    p = sub.add_parser("meetings", help="review meetings: agenda and calendar invitation")
    me_sub = p.add_subparsers(dest="meetings_command", required=True, metavar="ACTION")
    m = me_sub.add_parser("agenda", help="print a review meeting's agenda")
    m.add_argument("meeting", metavar="MEETING_ID", type=int, help="the meeting's number")
    m.add_argument("--language", metavar="CODE", help="en or fr (default: the site's language)")
    m.set_defaults(func=cmd_meetings_agenda)
    m = me_sub.add_parser("ics", help="write a review meeting's iCalendar invitation")
    m.add_argument("meeting", metavar="MEETING_ID", type=int, help="the meeting's number")
    m.add_argument("-o", "--output", metavar="FILE", help="where to write (default: standard output)")
    m.add_argument("--language", metavar="CODE", help="en or fr (default: the site's language)")
    m.set_defaults(func=cmd_meetings_ics)

    from joinery import cli_evaluation

    cli_evaluation.add_commands(sub)

    from joinery import cli_backup

    cli_backup.add_commands(sub)

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
