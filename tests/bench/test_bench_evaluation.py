"""The generator's evaluation data (issue 6): shape, invariants and exact feedback tallies.

`generate_data --scale small` writes frameworks, measurements and feedback in bulk, never
through the services, so these checks hold it to what the services guarantee: one current
value per indicator and period (a correction keeps the earlier row), periods inside the
framework, reporting partners who are partners, and monthly feedback tallies that agree
exactly with the visible responses.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone


@pytest.mark.django_db(transaction=True)
def test_generator_fills_the_evaluation_tables(tmp_path):
    from django.apps import apps

    from joinery.audit.selectors import verify_chain
    from joinery.evaluation.periods import periods_between
    from joinery.evaluation.selectors.values import values_for

    context_path = tmp_path / "context.json"
    call_command("generate_data", scale="small", seed=5, no_progress=True, context_out=str(context_path),
                 verbosity=0)
    context = json.loads(context_path.read_text())
    model = apps.get_model
    Framework, Indicator, Measurement = (model("evaluation.Framework"), model("evaluation.Indicator"),
                                         model("evaluation.Measurement"))
    Partner, Decision = model("network.Partner"), model("network.Decision")
    Channel, Response, Tally = (model("feedback.FeedbackChannel"), model("feedback.FeedbackResponse"),
                                model("feedback.FeedbackTally"))
    for label in ["evaluation.Framework", "evaluation.Outcome", "evaluation.Indicator", "evaluation.IndicatorTarget",
                  "evaluation.Measurement", "evaluation.MeasurementImport", "evaluation.FrameworkVersion",
                  "evaluation.ReportingRequirement", "evaluation.RequirementItem", "evaluation.OpenDataPublication",
                  "feedback.FeedbackChannel", "feedback.FeedbackResponse", "feedback.FeedbackTally"]:
        assert model(label).objects.exists(), label
    assert verify_chain().ok
    assert context["rows"] == sum(n for n, _seconds in context["counts"].values())

    # Adopted frameworks: a carried adoption decision of the partnership, and version 1.
    adopted = Framework.objects.filter(status="adopted")
    assert adopted.count() > 0.8 * Framework.objects.count()
    for f in adopted.select_related("adoption_decision"):
        d = f.adoption_decision
        assert d.partnership_id == f.partnership_id and d.kind == "framework_adoption", f.pk
        assert d.status == "closed" and d.outcome == "carried", f.pk
        assert f.revision == 1 and f.versions.filter(number=1, decision=d).exists(), f.pk
    assert not Framework.objects.exclude(status="adopted").filter(indicators__measurements__isnull=False).exists()
    assert not Decision.objects.filter(kind="framework_adoption").exclude(status="closed").exists()

    # Indicators of every kind, reported by partners of their partnership.
    for field, values in [("serves", {"productivity", "service_experience", "results", "democracy", "relationships",
                                      "capacity"}),
                          ("question", {"better", "feel", "value"}),
                          ("value_type", {"whole", "decimal", "percentage"}),
                          ("direction", {"higher", "lower"}), ("aggregation", {"sum", "mean", "last"})]:
        assert set(Indicator.objects.values_list(field, flat=True).distinct()) == values, field
    partners = set(Partner.objects.values_list("partnership_id", "organisation_id"))
    reported = Indicator.objects.filter(feedback_channel__isnull=True)
    assert not reported.filter(reporting_partner__isnull=True).exists()
    for pid, org in reported.values_list("framework__partnership_id", "reporting_partner_id").distinct():
        assert (pid, org) in partners
    fed = Indicator.objects.filter(feedback_channel__isnull=False)
    assert fed.exists() and not fed.filter(feedback_measure="").exists()
    assert not fed.exclude(feedback_channel__partnership=F("framework__partnership")).exists()
    assert not Measurement.objects.filter(indicator__feedback_channel__isnull=False).exists()

    # Measurements: one current per indicator and period, corrections keep the earlier value,
    # every period is one of the framework's, values from partners of the partnership.
    assert not (Measurement.objects.filter(is_current=True).values("indicator", "period")
                .annotate(n=Count("id")).filter(n__gt=1).exists())
    old = Measurement.objects.filter(is_current=False)
    assert 0.005 * Measurement.objects.count() < old.count() < 0.05 * Measurement.objects.count()
    assert old.count() == Measurement.objects.filter(replaces__isnull=False).count()
    assert not Measurement.objects.filter(replaces__isnull=False).exclude(is_current=True).exists()
    assert not (Measurement.objects.filter(replaces__isnull=False)
                .exclude(replaces__indicator=F("indicator"), replaces__period=F("period")).exists())
    assert not Measurement.objects.filter(replaces__isnull=False, reported_at__lt=F("replaces__reported_at")).exists()
    assert not Measurement.objects.exclude(reported_for=F("indicator__reporting_partner")).exists()
    keys = {f.pk: {p.key for p in periods_between(f.period_kind, f.starts_on, f.ends_on)}
            for f in Framework.objects.all()}
    for fid, period in Measurement.objects.values_list("indicator__framework_id", "period").distinct():
        assert period in keys[fid], (fid, period)
    assert model("evaluation.IndicatorTarget").objects.filter(indicator__framework__isnull=False).exists()
    assert Measurement.objects.filter(batch__isnull=False, source="import").exists()
    assert model("evaluation.MeasurementImport").objects.filter(status="rejected").exclude(report=[]).exists()

    # The bench corner: 40 indicators over 36 monthly periods, some partners late.
    bench = Framework.objects.get(pk=context["framework_id"])
    assert bench.partnership.slug == context["partnership"] and bench.period_kind == "month"
    assert len(keys[bench.pk]) == 36 and bench.indicators.count() == 40 == context["bench_indicators"]
    bench_reported = bench.indicators.filter(feedback_channel__isnull=True)
    due = (Measurement.objects.filter(indicator__framework=bench, is_current=True)
           .values("period").annotate(n=Count("id")).order_by("-period"))
    assert 30 <= len(due) <= 36
    assert due[1]["n"] < bench_reported.count()  # a late partner has not reported the latest due month
    indicator = Indicator.objects.get(pk=context["indicator_id"])
    assert indicator.framework_id == bench.pk and indicator.work_items.exists() and indicator.commitments.exists()
    requirement = model("evaluation.ReportingRequirement").objects.get(pk=context["requirement_id"])
    assert requirement.organisation.slug == context["organisation"] and requirement.framework_id == bench.pk
    assert requirement.items.count() >= 10
    assert not model("evaluation.RequirementItem").objects.exclude(
        indicator__framework=F("requirement__framework")).exists()
    publication = bench.publication
    assert publication.is_published and bench.indicators.filter(is_published=True).exists()
    assert model("evaluation.OpenDataPublication").objects.filter(is_published=False).exists()

    # values_for reads the same figures: a partner's current value, a form's tallies.
    periods = [p for p in periods_between("month", bench.starts_on, bench.ends_on)]
    values = values_for(list(bench.indicators.all()), periods)
    m = Measurement.objects.filter(indicator__framework=bench, is_current=True).first()
    assert values[m.indicator_id][m.period] == m.value

    # Feedback: the bench form has more than 100,000 visible responses; tallies are exact.
    channel = Channel.objects.get(slug=context["feedback_channel"])
    assert channel.partnership_id == bench.partnership_id
    assert Response.objects.filter(channel=channel, hidden_at__isnull=True).count() >= 100_000
    hidden = Response.objects.filter(hidden_at__isnull=False)
    assert hidden.exists() and not hidden.filter(hidden_by__isnull=True).exists()
    assert hidden.count() == model("audit.AuditEvent").objects.filter(action="feedback.response_hidden").count()
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * 7)
    trend_index = {"better": 3, "same": 4, "worse": 5, "unsure": 6}
    rows = Response.objects.filter(hidden_at__isnull=True).values_list("channel_id", "submitted_at", "going",
                                                                      "feeling", "trend")
    for channel_id, sent, going, feeling, trend in rows.iterator(chunk_size=10_000):
        local = timezone.localtime(sent).date().replace(day=1)
        assert local == sent.date().replace(day=1)  # the same month in UTC and in the site's time zone
        s = sums[(channel_id, local)]
        s[0] += 1
        s[1] += going
        s[2] += feeling
        s[trend_index[trend]] += 1
    tallies = {(t.channel_id, t.month): [t.responses, t.going_sum, t.feeling_sum, t.better, t.same, t.worse,
                                         t.unsure] for t in Tally.objects.all()}
    assert tallies == {k: v for k, v in sums.items()}
    # The indicator fed by the bench form reads the tallies: mean rating of one month, by hand.
    going = fed.get(framework=bench, feedback_measure="going")
    month = Tally.objects.filter(channel=channel).order_by("-month").first()
    key = f"{month.month:%Y-%m}"
    expected = (Decimal(month.going_sum) / Decimal(month.responses)).quantize(Decimal("0.0001"))
    assert values[going.pk][key] == expected
    assert context["evaluation"]["responses"] == Response.objects.count()
    assert context["evaluation"]["measurements"] == Measurement.objects.count()
