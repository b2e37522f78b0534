"""`joinery evaluation …` and `joinery feedback …`: the evaluation framework from the command line.

Same services as the web pages and the API. Helpers (_django, _refused, …) come from
joinery.cli; the parser is built before Django starts, so imports of Django code stay
inside the command functions. Unknown ids, short names or emails exit with 2; a refusal or
invalid input prints the messages and exits with 1.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _cli():
    from joinery import cli

    return cli


def _framework(partnership):
    from joinery.evaluation.selectors.measurements import framework_of

    cli = _cli()
    framework = framework_of(partnership)
    if framework is None:
        cli._not_found(cli._("%(p)s has no evaluation framework.") % {"p": partnership.name})
    return framework


def cmd_import(args) -> None:
    """Import a CSV or XLSX file of measurements, all or nothing, with a progress bar."""
    cli = _cli()
    cli._django()
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from joinery.core.exceptions import PermissionDenied, ValidationError
    from joinery.evaluation.services import measurements as services

    out, err = cli._consoles()
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        cli._not_found(cli._("Cannot read %(f)s: %(e)s") % {"f": args.file, "e": e.strerror})
    partnership = cli._partnership_by_slug(args.partnership)
    framework = _framework(partnership)
    org = cli._organisation_by_ref(args.acting_for)
    person = cli._person_by_email(args.as_email)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task(cli._("Checking rows"), total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            batch = services.measurements_import(actor=person, acting_for=org, framework=framework,
                                                 filename=Path(args.file).name, data=data, progress=report)
    except services.ImportRejected as exc:
        table = Table(title=escape(cli._("%(f)s: nothing was imported") % {"f": Path(args.file).name}))
        for name in (cli._("Row"), cli._("Column"), cli._("What is wrong"), cli._("How to fix it")):
            table.add_column(escape(name), overflow="fold")
        for r in exc.report:
            table.add_row(str(r["row"]), escape(r["column"] or "-"), escape(r["problem"]), escape(r["fix"]))
        out.print(table)
        err.print(escape(cli._("%(n)s problem(s) in the file: nothing was imported. Fix them and import the whole "
                               "file again.") % {"n": exc.problems}))
        sys.exit(1)
    except (PermissionDenied, ValidationError) as exc:
        cli._refused(exc)
    out.print(escape(cli._("Imported %(n)s measurement(s) from %(f)s into %(p)s (import %(id)s).")
                     % {"n": batch.rows, "f": batch.filename, "p": partnership.name, "id": batch.pk}))


def cmd_export(args) -> None:
    """Write a partnership's current measurements as CSV or XLSX."""
    cli = _cli()
    cli._django()
    from joinery.evaluation import exports

    partnership = cli._partnership_by_slug(args.partnership)
    framework = _framework(partnership)
    data, _type, filename = exports.export_measurements(framework=framework, fmt=args.format)
    out = args.output
    if out is None and args.format == "xlsx" and sys.stdout.isatty():
        out = filename
    if out is None or out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    Path(out).write_bytes(data)
    print(cli._("Wrote the measurements of %(p)s to %(f)s.") % {"p": partnership.name, "f": out}, file=sys.stderr)


def cmd_report_value(args) -> None:
    """Report one indicator's value for one period."""
    cli = _cli()
    cli._django()
    from rich.markup import escape

    from joinery.core.exceptions import PermissionDenied, ValidationError
    from joinery.evaluation import importing
    from joinery.evaluation.models import MeasurementSource
    from joinery.evaluation.services import measurements as services

    out, _err = cli._consoles()
    partnership = cli._partnership_by_slug(args.partnership)
    framework = _framework(partnership)
    indicator = framework.indicators.filter(code__iexact=args.indicator).first()
    if indicator is None:
        cli._not_found(cli._("There is no indicator %(c)r in this framework.") % {"c": args.indicator})
    org = cli._organisation_by_ref(args.acting_for)
    person = cli._person_by_email(args.as_email)
    try:
        m = services.measurement_report(actor=person, acting_for=org, indicator=indicator, period=args.period,
                                        value=args.value, note=args.note or "", source=MeasurementSource.COMMAND)
    except (PermissionDenied, ValidationError) as exc:
        cli._refused(exc)
    out.print(escape(cli._("Reported %(i)s for %(p)s: %(v)s %(u)s (measurement %(id)s).")
                     % {"i": indicator.name, "p": m.period, "v": importing.plain(m.value), "u": indicator.unit,
                        "id": m.pk}))


def cmd_remind(args) -> None:
    """Send the reminders due today (or on --today), once each."""
    cli = _cli()
    cli._django()
    import datetime as dt

    from joinery.evaluation.services import measurements as services

    out, _err = cli._consoles()
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            cli._not_found(cli._("%(d)r is not a date: write it as YYYY-MM-DD.") % {"d": args.today})
    n = services.reminders_send(today=today)
    out.print(cli._("%(n)s reminder(s) sent.") % {"n": n})


def cmd_scorecard(args) -> None:
    """Each indicator's status against its target, by outcome, then the bottom lines and the three questions."""
    cli = _cli()
    cli._django()
    from django.utils import translation
    from rich.markup import escape
    from rich.table import Table

    from joinery.evaluation.selectors.scorecards import scorecard

    out, _err = cli._consoles()
    partnership = cli._partnership_by_slug(args.partnership)
    framework = _framework(partnership)
    with translation.override(cli._language(args)):
        card = scorecard(framework=framework)
        out.print(f"[bold]{escape(framework.title)}[/bold] — {escape(partnership.name)}")
        out.print(escape(card.sentence))
        for group in card.by_outcome:
            table = Table(title=escape(group.outcome.title))
            for name in (cli._("Indicator"), cli._("Period"), cli._("Status"), cli._("Trend"), cli._("In words")):
                table.add_column(escape(name), overflow="fold")
            for c in group.cards:
                table.add_row(escape(c.indicator.name), escape(c.period.label if c.period else "—"),
                              escape(str(c.status_label)), escape(str(c.trend_label)), escape(c.sentence))
            out.print(table)
        for line in card.bottom_lines:
            out.print(escape(f"{line.label}: {line.sentence}"))
        for q in card.questions:
            out.print(escape(f"{q.label} {q.answer_label}. {q.sentence}"))


def cmd_partner_report(args) -> None:
    """Write a partner's own report (PDF or CSV) from the shared data."""
    cli = _cli()
    cli._django()
    from joinery.evaluation import reports
    from joinery.evaluation.models import ReportingRequirement
    from joinery.evaluation.periods import parse

    requirement = (ReportingRequirement.objects.select_related("framework__partnership", "organisation")
                   .filter(pk=args.requirement).first())
    if requirement is None:
        cli._not_found(cli._("No reporting requirement has the id %(id)d.") % {"id": args.requirement})
    if args.period and parse(requirement.period_kind, args.period) is None:
        cli._not_found(cli._("%(k)r is not a period of this requirement (%(kind)s).")
                       % {"k": args.period, "kind": requirement.period_kind})
    language = cli._language(args)
    render = reports.render_pdf if args.format == "pdf" else reports.render_csv
    data = render(requirement, args.period or None, language)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    Path(args.output).write_bytes(data)
    print(cli._("Wrote the report “%(n)s” of %(o)s to %(f)s.")
          % {"n": requirement.name, "o": requirement.organisation.name, "f": args.output}, file=sys.stderr)


def cmd_feedback_hide(args) -> None:
    """Hide an abusive citizen response; it stays in the audit trail with the reason."""
    cli = _cli()
    cli._django()
    from rich.markup import escape

    from joinery.core.exceptions import PermissionDenied, ValidationError
    from joinery.feedback import services
    from joinery.feedback.models import FeedbackResponse

    out, _err = cli._consoles()
    response = FeedbackResponse.objects.filter(pk=args.response).first()
    if response is None:
        cli._not_found(cli._("No feedback response has the id %(id)d.") % {"id": args.response})
    org = cli._organisation_by_ref(args.acting_for)
    person = cli._person_by_email(args.as_email)
    try:
        services.response_hide(actor=person, acting_for=org, response=response, reason=args.reason)
    except (PermissionDenied, ValidationError) as exc:
        cli._refused(exc)
    out.print(escape(cli._("Response %(id)d is hidden; the audit trail keeps it, with your reason.")
                     % {"id": args.response}))


def add_commands(sub) -> None:
    """Add the evaluation and feedback commands to the `joinery` parser."""
    p = sub.add_parser("evaluation", help="the evaluation framework: measurements, reminders, scorecards, reports")
    ev = p.add_subparsers(dest="evaluation_command", required=True, metavar="ACTION")

    c = ev.add_parser("import", help="import a CSV or XLSX file of measurements (all or nothing)")
    c.add_argument("file")
    c.add_argument("--partnership", required=True, help="the partnership's short name")
    c.add_argument("--acting-for", required=True, help="the organisation (id or short name) reporting")
    c.add_argument("--as", dest="as_email", required=True, help="the email of the person reporting")
    c.set_defaults(func=cmd_import)

    c = ev.add_parser("export", help="write a partnership's current measurements as CSV or XLSX")
    c.add_argument("--partnership", required=True)
    c.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    c.add_argument("-o", "--output", help="the file to write (default: standard output)")
    c.set_defaults(func=cmd_export)

    c = ev.add_parser("report-value", help="report one indicator's value for one period")
    c.add_argument("--partnership", required=True)
    c.add_argument("--indicator", required=True, help="the indicator's code")
    c.add_argument("--period", required=True, help="the period: 2025-07, 2025-Q3 or 2025")
    c.add_argument("--value", required=True)
    c.add_argument("--note", default="")
    c.add_argument("--acting-for", required=True)
    c.add_argument("--as", dest="as_email", required=True)
    c.set_defaults(func=cmd_report_value)

    c = ev.add_parser("remind", help="remind reporting partners of values due soon (once per period)")
    c.add_argument("--today", help="act as if today were this date (YYYY-MM-DD)")
    c.set_defaults(func=cmd_remind)

    c = ev.add_parser("scorecard", help="print each indicator's status against its target")
    c.add_argument("--partnership", required=True)
    c.add_argument("--language", help="en or fr")
    c.set_defaults(func=cmd_scorecard)

    c = ev.add_parser("partner-report", help="write a partner's own report (PDF or CSV)")
    c.add_argument("requirement", type=int, metavar="REQUIREMENT_ID")
    c.add_argument("--format", choices=["pdf", "csv"], default="pdf")
    c.add_argument("-o", "--output", required=True, help="the file to write (- for standard output)")
    c.add_argument("--period", help="one of the requirement's periods (default: all)")
    c.add_argument("--language", help="en or fr")
    c.set_defaults(func=cmd_partner_report)

    p = sub.add_parser("feedback", help="citizen feedback: moderation")
    fb = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    c = fb.add_parser("hide", help="hide an abusive response (kept in the audit trail)")
    c.add_argument("response", type=int, metavar="RESPONSE_ID")
    c.add_argument("--reason", required=True)
    c.add_argument("--acting-for", required=True)
    c.add_argument("--as", dest="as_email", required=True)
    c.set_defaults(func=cmd_feedback_hide)
