"""Every page and API list of the work programme reads the same number of queries however much work there is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from joinery.programme import services
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_person
from tests.programme.conftest import Cast

pytestmark = pytest.mark.django_db


def count(client, url, **query) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query) if query else client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def grow(c: Cast, n: int, *, volunteers: bool = False) -> None:
    """n more tasks of every kind of shape: under a milestone, overdue, linked, with volunteers."""
    today = timezone.localdate()
    o = c.item("objective", f"Objective {n}")
    i = c.item("initiative", f"Initiative {n}", parent=o, owner=c.charity)
    m = c.item("milestone", f"Milestone {n}", parent=i, due_date=today + dt.timedelta(days=40))
    previous = None
    for k in range(n):
        owner = (c.charity, c.residents, c.city)[k % 3]
        previous = c.item(title=f"Task {n}-{k}", parent=m, owner=owner,
                          owner_person=c.food if owner == c.charity else None,
                          due_date=today + dt.timedelta(days=k - n // 2),
                          start_date=today + dt.timedelta(days=k - n // 2 - 5),
                          commitments=[c.commitment], depends_on=[previous] if previous else [],
                          volunteers_wanted=2 if volunteers else 0)
        if volunteers:
            s = services.volunteer_signup(actor=make_person(), item=previous, message="Happy to help")
            if k % 2 and owner == c.charity:
                services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=s, confirm=True)


@pytest.mark.parametrize("page", ["work_list", "work_list_filtered", "timeline", "detail", "my_work",
                                  "volunteer"])
def test_list_pages_are_flat(client, page):
    c = Cast(visibility="public")
    client.force_login(c.food)

    def target():
        if page == "work_list":
            return reverse("programme:work_list", args=[c.p.slug]), {}
        if page == "work_list_filtered":
            return reverse("programme:work_list", args=[c.p.slug]), {"owner": c.charity.pk, "overdue": "on",
                                                                     "q": "Task", "kind": "task"}
        if page == "timeline":
            return reverse("programme:timeline", args=[c.p.slug]), {}
        if page == "detail":
            return reverse("programme:detail", args=[c.programme.pk]), {}
        if page == "my_work":
            return reverse("programme:my_work"), {}
        return reverse("programme:volunteer_opportunities"), {}

    grow(c, 3, volunteers=True)
    url, query = target()
    client.get(url)  # warm up the session
    few = count(client, url, **query)
    grow(c, 40, volunteers=True)
    many = count(client, url, **query)
    assert many == few, f"{few} queries with a few items, {many} with many"
    assert few < 25


@pytest.mark.parametrize("who", ["owner", "citizen", "anonymous"])
def test_item_page_is_flat(client, who):
    c = Cast(visibility="public")
    small = c.item(title="Small", owner=c.charity, volunteers_wanted=50)
    big = c.item(title="Big", owner=c.charity, volunteers_wanted=50)
    for target, n in ((small, 1), (big, 30)):
        for k in range(n):
            dep = c.item(title=f"Before {target.title} {k}")
            c.item(title=f"After {target.title} {k}", depends_on=[target])
            services.work_item_update(actor=c.lead, acting_for=c.city, item=target,
                                      depends_on=list(target.depends_on.all()) + [dep])
            s = services.volunteer_signup(actor=make_person(), item=target, message="Me")
            if k % 2 == 0:
                services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=s, confirm=True)
    if who == "owner":
        client.force_login(c.food)
    elif who == "citizen":
        client.force_login(make_person())
    client.get(reverse("programme:item", args=[small.pk]))
    few = count(client, reverse("programme:item", args=[small.pk]))
    many = count(client, reverse("programme:item", args=[big.pk]))
    assert many == few, f"{few} queries for a small item, {many} for a big one"
    assert few < 30


@pytest.mark.parametrize("path", ["work-items", "programme", "my-work", "volunteer"])
def test_api_lists_are_flat(path):
    c = Cast(visibility="public")
    api = ApiClient(token_for(c.food))

    def url():
        return {"work-items": f"/partnerships/{c.p.slug}/work-items", "programme": f"/programmes/{c.programme.pk}",
                "my-work": "/my-work", "volunteer": "/volunteer-opportunities"}[path]

    grow(c, 3, volunteers=True)
    few = _api_count(api, url())
    grow(c, 30, volunteers=True)
    many = _api_count(api, url())
    assert many == few, f"{few} then {many}"


def _api_count(api, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)
