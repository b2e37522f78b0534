"""Fixtures for the evaluation framework, built through the services (shared by every evaluation test).

The cast (from tests/contributions' World): a city (public body, the convener), a food bank, a
hardware shop and a residents' association are partners; an outsider organisation is not. An
agreement in force has commitments for 2026; a work programme has an objective → initiative →
milestone → task chain.

`world.framework()` builds a quarterly framework for 2025-01-01..2026-12-31 (eight quarters):

- impact "Nobody in Eastside goes hungry", and outcome "People eat well" contributing to it;
- "meals" (outcome): whole, sum, higher is better, reported by the food bank, serves results,
  answers "better", baseline 100 (2024-Q4), target 120 in each quarter;
- "wait-days" (outcome): decimal, mean, lower is better, reported by the city, serves
  productivity, answers "better", baseline 10 (2024-Q4), target 8 in each quarter;
- "trust" (impact): percentage, last, higher is better, reported by the residents, serves
  democracy, answers "value", no baseline, no targets.

`world.adopt(framework)` proposes adoption, every partner agrees and the decision closes
through the real network services. Fixtures: `world` (no framework yet), `framework` (a draft),
`adopted` (an adopted framework; `adopted.world` is its world).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinery.evaluation.models import Framework
from joinery.evaluation.services import framework as fw
from joinery.network import services as network
from joinery.network.models import Decision
from tests.conftest import admin_of
from tests.contributions.conftest import World

D = dt.date
FRAMEWORK_START, FRAMEWORK_END = D(2025, 1, 1), D(2026, 12, 31)
QUARTERS = [f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]


class EvalWorld(World):
    def __init__(self, *, visibility: str = "private", name: str = "Eastside Renewal"):
        from joinery.programme import services as programme

        super().__init__(visibility=visibility, name=name)
        self.agreement()  # self.commitments: {organisation id: Commitment}
        self.programme = programme.programme_create(actor=self.lead, acting_for=self.city, partnership=self.p,
                                                    title="Kitchen programme", agreement=self._agreement)
        today = timezone.localdate()

        def item(kind, title, **kw):
            return programme.work_item_create(actor=self.lead, acting_for=self.city, programme=self.programme,
                                              kind=kind, title=title, owner=kw.pop("owner", self.city), **kw)

        self.objective = item("objective", "Nobody goes hungry")
        self.initiative = item("initiative", "Community kitchen", parent=self.objective, owner=self.charity)
        self.milestone = item("milestone", "Kitchen open", parent=self.initiative,
                              due_date=today + dt.timedelta(days=90))
        self.work_task = item("task", "Buy ovens", parent=self.milestone, owner=self.charity,
                              due_date=today + dt.timedelta(days=60))
        self.partners = [self.city, self.charity, self.business, self.residents]
        self.fw = None

    # the framework ---------------------------------------------------------------------------
    def framework(self, adopted: bool = False) -> Framework:
        lead, city = self.lead, self.city
        f = fw.framework_create(actor=lead, acting_for=city, partnership=self.p, title="Eastside outcomes",
                                purpose="Learn whether the kitchen feeds people well.", period_kind="quarter",
                                starts_on=FRAMEWORK_START, ends_on=FRAMEWORK_END)
        self.impact = fw.outcome_create(actor=lead, acting_for=city, framework=f, level="impact",
                                        title="Nobody in Eastside goes hungry")
        self.outcome = fw.outcome_create(actor=lead, acting_for=city, framework=f, level="outcome",
                                         title="People eat well", contributes_to=self.impact)
        self.meals = fw.indicator_create(
            actor=lead, acting_for=city, framework=f, outcome=self.outcome, code="meals", name="Meals served",
            definition="Hot meals served at the community kitchen.", unit="meals", value_type="whole",
            direction="higher", aggregation="sum", baseline="100", baseline_period="2024-Q4",
            data_source="Kitchen till records", reporting_partner=self.charity, serves="results",
            question="better")
        self.wait = fw.indicator_create(
            actor=lead, acting_for=city, framework=f, outcome=self.outcome, code="wait-days",
            name="Days waiting for a referral", definition="Average days from referral to first meal.",
            unit="days", value_type="decimal", direction="lower", aggregation="mean", baseline="10",
            baseline_period="2024-Q4", data_source="City referral system", reporting_partner=self.city,
            serves="productivity", question="better")
        self.trust = fw.indicator_create(
            actor=lead, acting_for=city, framework=f, outcome=self.impact, code="trust",
            name="Residents who trust the partnership", definition="Share of surveyed residents who agree.",
            unit="%", value_type="percentage", direction="higher", aggregation="last",
            data_source="Residents' survey", reporting_partner=self.residents, serves="democracy",
            question="value")
        self.meals = fw.indicator_targets_set(actor=lead, acting_for=city, indicator=self.meals,
                                              targets={q: "120" for q in QUARTERS})
        self.wait = fw.indicator_targets_set(actor=lead, acting_for=city, indicator=self.wait,
                                             targets={q: "8" for q in QUARTERS})
        self.fw = f
        if adopted:
            f = self.adopt(f)
        return Framework.objects.get(pk=f.pk)

    def indicator(self, code: str):
        from joinery.evaluation.models import Indicator

        return Indicator.objects.get(framework=self.fw, code=code)

    def feedback_indicator(self, framework, code: str = "feel"):
        """A citizen feedback form and a service-experience indicator fed by its "feeling" answers."""
        from joinery.feedback import services as feedback

        channel = feedback.channel_create(actor=self.lead, acting_for=self.city, partnership=self.p,
                                          title="Kitchen feedback", service_name="Community kitchen")
        return fw.indicator_create(
            actor=self.lead, acting_for=self.city, framework=framework, outcome=self.outcome, code=code,
            name="How people feel", definition="Average feeling.", unit="points", value_type="decimal",
            aggregation="mean", data_source="Feedback form", serves="service_experience", question="feel",
            feedback_channel=channel, feedback_measure="feeling")

    # decisions ----------------------------------------------------------------------------------
    def close(self, decision, stance: str = "agree"):
        """Every partner takes `stance`, the clock passes closes_at, and the decision closes."""
        for org in self.partners:
            network.position_record(actor=admin_of(org), decision=decision, acting_for=org, stance=stance,
                                    reason="" if stance == "agree" else "No, because.")
        Decision.objects.filter(pk=decision.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
        return network.decision_close(actor=None, decision=Decision.objects.get(pk=decision.pk))

    def adopt(self, framework) -> Framework:
        decision = fw.framework_propose_adoption(actor=self.lead, acting_for=self.city, framework=framework)
        self.adoption = self.close(decision)
        f = Framework.objects.get(pk=framework.pk)
        assert f.status == "adopted", f.status
        self.fw = f
        return f


@pytest.fixture
def world(db) -> EvalWorld:
    return EvalWorld()


@pytest.fixture
def framework(world) -> Framework:
    f = world.framework()
    f.world = world
    return f


@pytest.fixture
def adopted(world) -> Framework:
    f = world.framework(adopted=True)
    f.world = world
    return f
