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


def _partnership_framework(args):
    """The partnership named by --partnership and its framework (exit 2 if either is missing)."""
    partnership = _cli()._partnership_by_slug(args.partnership)
    return partnership, _framework(partnership)


def _acting(args):
    """Who acts (--as) and for which organisation (--acting-for); exit 2 if either is unknown."""
    cli = _cli()
    return cli._organisation_by_ref(args.acting_for), cli._person_by_email(args.as_email)


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
    partnership, framework = _partnership_framework(args)
    org, person = _acting(args)
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

    partnership, framework = _partnership_framework(args)
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
    partnership, framework = _partnership_framework(args)
    indicator = framework.indicators.filter(code__iexact=args.indicator).first()
    if indicator is None:
        cli._not_found(cli._("There is no indicator %(c)r in this framework.") % {"c": args.indicator})
    org, person = _acting(args)
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
    partnership, framework = _partnership_framework(args)
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
    org, person = _acting(args)
    try:
        services.response_hide(actor=person, acting_for=org, response=response, reason=args.reason)
    except (PermissionDenied, ValidationError) as exc:
        cli._refused(exc)
    out.print(escape(cli._("Response %(id)d is hidden; the audit trail keeps it, with your reason.")
                     % {"id": args.response}))


# --- the framework itself and open data --------------------------------------------------------

def cmd_framework(args) -> None:
    """Print the framework: settings, then the logic model by level with each step's indicators (or JSON)."""
    cli = _cli()
    cli._django()
    import json

    from django.utils import timezone, translation
    from rich.markup import escape
    from rich.table import Table

    from joinery.evaluation.models import FrameworkStatus
    from joinery.evaluation.selectors import framework as selectors

    out, _err = cli._consoles()
    partnership, framework = _partnership_framework(args)
    if args.json:
        # The same snapshot the framework's versions are made of, so its sha256 matches the version's.
        snapshot = selectors.framework_snapshot(framework)
        doc = {"partnership": {"slug": partnership.slug, "name": partnership.name}, "status": framework.status,
               "version": framework.revision, "sha256": selectors.canonical_sha256(snapshot), "snapshot": snapshot}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        sys.stdout.flush()
        return
    with translation.override(cli._language(args)):
        levels = selectors.logic_model(framework)
        periods = len(selectors.framework_periods(framework))
        out.print(f"[bold]{escape(framework.title)}[/bold] — {escape(partnership.name)}")
        out.print(escape(cli._("Status: %(s)s") % {"s": framework.get_status_display()}))
        if framework.status == FrameworkStatus.ADOPTED:
            adopted_on = timezone.localdate(framework.adopted_at) if framework.adopted_at else None
            out.print(escape(cli._("Version %(n)d, adopted on %(d)s.")
                             % {"n": framework.revision, "d": cli._iso(adopted_on)}))
        else:
            out.print(escape(cli._("Not adopted yet: the versions start when the partners adopt it.")))
        out.print(escape(cli._("Reporting period: %(k)s, from %(a)s to %(b)s (%(n)d periods).")
                         % {"k": framework.get_period_kind_display(), "a": framework.starts_on.isoformat(),
                            "b": framework.ends_on.isoformat(), "n": periods}))
        for level in levels:
            out.print()
            out.print(f"[bold underline]{escape(str(level.label))}[/bold underline]")
            if not level.steps:
                out.print(escape(cli._("None yet.")))
                continue
            for step in level.steps:
                o = step.outcome
                caption = (f"{cli._('Contributes to:')} {o.contributes_to.title}" if o.contributes_to_id else None)
                if not step.indicators:
                    out.print(f"[bold]{escape(o.title)}[/bold]")
                    if caption:
                        out.print(escape(caption))
                    out.print(escape(cli._("No indicators yet.")))
                    continue
                table = Table(title=escape(o.title), caption=escape(caption) if caption else None)
                for name in (cli._("Code"), cli._("Name"), cli._("Unit"), cli._("Direction"), cli._("Serves"),
                             cli._("Question"), cli._("Reported by")):
                    table.add_column(escape(name), overflow="fold")
                for i in step.indicators:
                    if i.feedback_channel_id:
                        by = cli._("Citizen feedback: %(t)s") % {"t": i.feedback_channel.title}
                    else:
                        by = i.reporting_partner.name if i.reporting_partner_id else "—"
                    table.add_row(escape(i.code), escape(i.name), escape(i.unit), escape(str(i.get_direction_display())),
                                  escape(str(i.get_serves_display())), escape(str(i.get_question_display())),
                                  escape(by))
                out.print(table)


def cmd_adopt(args) -> None:
    """Put the framework to the partners for adoption: opens the partnership decision under the charter's rule."""
    cli = _cli()
    cli._django()
    import datetime as dt

    from django.utils import timezone
    from rich.markup import escape

    from joinery.core.exceptions import PermissionDenied, ValidationError
    from joinery.evaluation.services import framework as services

    out, _err = cli._consoles()
    partnership, framework = _partnership_framework(args)
    org, person = _acting(args)
    closes_at = None
    if args.closes_at:
        try:
            closes_at = dt.datetime.fromisoformat(args.closes_at)
        except ValueError:
            cli._not_found(cli._("%(d)r is not a date and time: write it as YYYY-MM-DDTHH:MM.") % {"d": args.closes_at})
        if timezone.is_naive(closes_at):
            closes_at = timezone.make_aware(closes_at)
    try:
        decision = services.framework_propose_adoption(actor=person, acting_for=org, framework=framework,
                                                       closes_at=closes_at)
    except (PermissionDenied, ValidationError) as exc:
        cli._refused(exc)
    out.print(escape(cli._("Decision %(id)d “%(t)s” is open until %(c)s; the partners take their positions at "
                           "%(url)s") % {"id": decision.pk, "t": decision.title,
                                         "c": timezone.localtime(decision.closes_at).isoformat(timespec="minutes"),
                                         "url": decision.get_absolute_url()}))


def cmd_open_data(args) -> None:
    """Write a partnership's published open dataset, byte for byte as /open-data/<slug>.csv or .json serves it."""
    cli = _cli()
    cli._django()
    from django.conf import settings
    from django.utils import translation

    from joinery.evaluation.selectors import open_data as selectors

    partnership = cli._partnership_by_slug(args.partnership)
    ds = selectors.dataset(slug=partnership.slug)
    if ds is None:
        cli._not_found(cli._("%(p)s publishes no open data: nothing was written.") % {"p": partnership.name})
    # As the public address answers a visitor with no language preference; links are made from SITE_URL.
    with translation.override(settings.LANGUAGE_CODE):
        if args.format == "json":
            data = selectors.dataset_json(ds, base_url=settings.SITE_URL.rstrip("/"))
        else:
            data = selectors.dataset_csv(ds)
    if args.output is None or args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    Path(args.output).write_bytes(data)
    print(cli._("Wrote the open data of %(p)s to %(f)s.") % {"p": partnership.name, "f": args.output},
          file=sys.stderr)


def cmd_publish(args) -> None:
    """Publish (or stop publishing) the partnership's open data; fields not given stay as they are."""
    cli = _cli()
    cli._django()
    from django.urls import reverse
    from rich.markup import escape

    from joinery.core.exceptions import PermissionDenied, ValidationError
    from joinery.evaluation.models import Indicator, Licence, OpenDataPublication
    from joinery.evaluation.services import reporting as services

    out, _err = cli._consoles()
    partnership, framework = _partnership_framework(args)
    org, person = _acting(args)
    pub = OpenDataPublication.objects.filter(framework=framework).first()
    if pub is not None:
        current = {"title": pub.title, "description": pub.description, "licence": pub.licence,
                   "publisher": pub.publisher, "contact_email": pub.contact_email}
    else:  # the settings page's defaults
        current = {"title": cli._("%(p)s: results") % {"p": partnership.name}, "description": "",
                   "licence": Licence.CC_BY_4.value, "publisher": partnership.name, "contact_email": ""}
    licence = current["licence"]
    if args.licence is not None:
        licence = next((v for v in Licence.values if v.lower() == args.licence.strip().lower()), None)
        if licence is None:
            cli._not_found(cli._("Unknown licence %(l)r: choose one of %(choices)s.")
                           % {"l": args.licence, "choices": ", ".join(Licence.values)})
    if args.indicators is None:
        indicators = list(Indicator.objects.filter(framework=framework, is_published=True))
    else:
        indicators = []
        for code in filter(None, (c.strip() for c in args.indicators.split(","))):
            indicator = framework.indicators.filter(code__iexact=code).first()
            if indicator is None:
                cli._not_found(cli._("There is no indicator %(c)r in this framework.") % {"c": code})
            if indicator not in indicators:
                indicators.append(indicator)
    given = {"title": args.title, "description": args.description, "publisher": args.publisher,
             "contact_email": args.contact}
    fields = {k: (v if v is not None else current[k]) for k, v in given.items()}
    try:
        pub = services.publication_update(actor=person, acting_for=org, framework=framework,
                                          is_published=not args.unpublish, licence=licence, indicators=indicators,
                                          expected_version=pub.version if pub is not None else None, **fields)
    except (PermissionDenied, ValidationError) as exc:
        cli._refused(exc)
    if pub.is_published:
        out.print(escape(cli._("%(p)s publishes %(n)d indicator(s) as open data under %(l)s: %(url)s")
                         % {"p": partnership.name, "n": len(indicators), "l": pub.licence,
                            "url": reverse("evaluation:open_data", args=[partnership.slug])}))
    else:
        out.print(escape(cli._("The open data of %(p)s is not published: its public addresses answer 404.")
                         % {"p": partnership.name}))


def add_commands(sub) -> None:
    """Add the evaluation and feedback commands to the `joinery` parser."""
    p = sub.add_parser("evaluation", help="the evaluation framework: framework, measurements, reminders, scorecards, reports, open data")
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

    c = ev.add_parser("framework", help="print the framework: settings, logic model and indicators (or --json)")
    c.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    c.add_argument("--json", action="store_true",
                   help="write the framework's snapshot (as its versions keep it) as JSON instead")
    c.add_argument("--language", metavar="CODE", help="en or fr")
    c.set_defaults(func=cmd_framework)

    c = ev.add_parser("adopt", help="propose the framework for adoption (opens the partnership's decision)")
    c.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    c.add_argument("--acting-for", required=True, metavar="ORG", help="an active partner's id or short name")
    c.add_argument("--as", dest="as_email", required=True, metavar="EMAIL", help="the email of the person acting")
    c.add_argument("--closes-at", metavar="ISO",
                   help="when the decision closes, e.g. 2026-03-01T17:00 (default: in 7 days)")
    c.set_defaults(func=cmd_adopt)

    c = ev.add_parser("open-data", help="write a partnership's published open data, as its public address serves it")
    c.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    c.add_argument("--format", choices=["csv", "json"], default="csv")
    c.add_argument("-o", "--output", metavar="FILE", help="the file to write (default: standard output)")
    c.set_defaults(func=cmd_open_data)

    c = ev.add_parser("publish", help="publish open data (the convener), or stop with --unpublish")
    c.add_argument("--partnership", required=True, metavar="SLUG", help="the partnership's short name")
    c.add_argument("--acting-for", required=True, metavar="ORG", help="the convener's id or short name")
    c.add_argument("--as", dest="as_email", required=True, metavar="EMAIL", help="the email of the person acting")
    c.add_argument("--indicators", metavar="CODE,CODE", help="the indicators to publish (default: as they are)")
    c.add_argument("--licence", metavar="L", help="CC-BY-4.0, CC0-1.0, OGL-UK-3.0, etalab-2.0 or ODbL-1.0")
    c.add_argument("--publisher", metavar="TEXT")
    c.add_argument("--contact", metavar="EMAIL", help="an email address people can write to about the data")
    c.add_argument("--title", metavar="T")
    c.add_argument("--description", metavar="D")
    c.add_argument("--unpublish", action="store_true", help="stop publishing (the settings are kept)")
    c.set_defaults(func=cmd_publish)

    p = sub.add_parser("feedback", help="citizen feedback: moderation")
    fb = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    c = fb.add_parser("hide", help="hide an abusive response (kept in the audit trail)")
    c.add_argument("response", type=int, metavar="RESPONSE_ID")
    c.add_argument("--reason", required=True)
    c.add_argument("--acting-for", required=True)
    c.add_argument("--as", dest="as_email", required=True)
    c.set_defaults(func=cmd_feedback_hide)
