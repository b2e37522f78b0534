"""Web pages for organisations and representatives: happy paths, bad input, permissions, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from joinery.organisations import services
from joinery.organisations.models import Organisation, Representative
from tests.conftest import add_role, admin_of, make_organisation, make_partnership, make_person

pytestmark = pytest.mark.django_db


def url(name, org=None, **kwargs):
    if org is not None:
        kwargs["slug"] = org.slug
    return reverse(f"organisations:{name}", kwargs=kwargs or None)


def page(response) -> str:
    return response.content.decode()


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def org_form_data(**overrides) -> dict:
    data = {"name": "Riverside Tenants", "sector": "community", "level": "", "jurisdiction": "",
            "identifier_scheme": "", "identifier": "", "email": "hello@riverside.example", "phone": "",
            "address": "", "website": "", "description": "Tenants working together."}
    return data | overrides


@pytest.fixture
def jurisdictions(staff):
    province = services.jurisdiction_create(actor=staff, name="Northshire")
    town = services.jurisdiction_create(actor=staff, name="Millbrook", parent=province)
    other = services.jurisdiction_create(actor=staff, name="Southland")
    return province, town, other


# Directory ---------------------------------------------------------------------------------

class TestDirectory:
    def test_lists_active_organisations_not_closed_ones(self, client):
        open_org = make_organisation(name="Harbour Trust")
        closed = make_organisation(name="Old Mill Society")
        services.organisation_close(actor=admin_of(closed), organisation=closed, reason="Merged")
        html = page(client.get(url("directory")))
        assert "Harbour Trust" in html and open_org.get_absolute_url() in html
        assert "Old Mill Society" not in html
        assert "1 organisation" in html

    def test_search_and_filters(self, client, jurisdictions):
        province, town, other = jurisdictions
        make_organisation(name="Millbrook Council", sector="public", level="local", jurisdiction=town)
        make_organisation(name="Northshire Health", sector="public", level="regional", jurisdiction=province)
        make_organisation(name="Southland Food Bank", sector="non_profit", jurisdiction=other,
                          description="Groceries for families")

        html = page(client.get(url("directory"), {"q": "groceries"}))
        assert "Southland Food Bank" in html and "Millbrook Council" not in html

        html = page(client.get(url("directory"), {"sector": "public"}))
        assert "Millbrook Council" in html and "Northshire Health" in html and "Southland Food Bank" not in html

        html = page(client.get(url("directory"), {"level": "regional"}))
        assert "Northshire Health" in html and "Millbrook Council" not in html

        # A province's filter also finds its municipalities' organisations.
        html = page(client.get(url("directory"), {"jurisdiction": province.pk}))
        assert "Millbrook Council" in html and "Northshire Health" in html and "Southland Food Bank" not in html

    def test_no_match_says_so(self, client):
        make_organisation(name="Harbour Trust")
        html = page(client.get(url("directory"), {"q": "zzz-nothing"}))
        assert "No organisations match your search." in html
        assert "Harbour Trust" not in html

    def test_invalid_filter_is_shown_and_ignored(self, client):
        make_organisation(name="Harbour Trust")
        response = client.get(url("directory"), {"sector": "bogus", "jurisdiction": "999999"})
        assert response.status_code == 200
        html = page(response)
        assert "Harbour Trust" in html
        assert "There is a problem" in html

    def test_paginates_25_a_page_keeping_filters(self, client):
        for i in range(30):
            make_organisation(name=f"Group {i:02d}", sector="community")
        first = page(client.get(url("directory"), {"sector": "community"}))
        assert "30 organisations" in first
        assert "Group 24" in first and "Group 25" not in first
        assert "sector=community&amp;page=2" in first
        second = page(client.get(url("directory"), {"sector": "community", "page": 2}))
        assert "Group 25" in second and "Group 29" in second and "Group 00" not in second

    def test_query_count_does_not_grow_with_rows(self, client, jurisdictions):
        province, town, _other = jurisdictions
        for i in range(3):
            make_organisation(name=f"Small {i}", jurisdiction=town)
        few = count_queries(client, url("directory"))
        for i in range(27):
            make_organisation(name=f"More {i}", sector="public", level="local", jurisdiction=town)
        assert count_queries(client, url("directory")) == few
        assert few <= 4


# Register ----------------------------------------------------------------------------------

class TestCreate:
    def test_sign_in_required(self, client):
        response = client.get(url("create"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert client.post(url("create"), org_form_data()).status_code == 302
        assert not Organisation.objects.exists()

    def test_form_renders(self, client, person, jurisdictions):
        client.force_login(person)
        html = page(client.get(url("create")))
        assert 'novalidate' in html and 'name="sector"' in html and "Millbrook, Northshire" in html

    def test_creator_becomes_admin(self, client, person, jurisdictions):
        _province, town, _other = jurisdictions
        client.force_login(person)
        response = client.post(url("create"), org_form_data(jurisdiction=town.pk, website="riverside.example"))
        org = Organisation.objects.get(name="Riverside Tenants")
        assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
        assert org.jurisdiction == town and org.sector == "community"
        assert org.website == "https://riverside.example"
        assert admin_of(org) == person

    def test_missing_fields_show_error_summary(self, client, person):
        client.force_login(person)
        response = client.post(url("create"), org_form_data(name="", sector="", email="not-an-email"))
        html = page(response)
        assert response.status_code == 200
        assert "There is a problem" in html
        assert "Enter the organisation&#x27;s name." in html
        assert 'href="#id_sector_0"' in html
        assert "Enter an email address in the correct format" in html
        assert not Organisation.objects.exists()

    def test_service_rule_shows_on_field(self, client, person):
        client.force_login(person)
        html = page(client.post(url("create"), org_form_data(sector="public", level="")))
        assert "Choose the level of government for a public body." in html
        assert 'href="#id_level"' in html
        assert not Organisation.objects.exists()
        assert not Representative.objects.exists()

    def test_duplicate_name_refused(self, client, person):
        make_organisation(name="Riverside Tenants")
        client.force_login(person)
        html = page(client.post(url("create"), org_form_data()))
        assert "already registered in this jurisdiction" in html
        assert Organisation.objects.filter(name="Riverside Tenants").count() == 1


# Detail ------------------------------------------------------------------------------------

class TestDetail:
    def test_public_view_shows_fields_not_people(self, client):
        org = make_organisation(name="Harbour Trust", identifier_scheme="Charity number", identifier="12345",
                                email="info@harbour.example", website="https://harbour.example")
        html = page(client.get(org.get_absolute_url()))
        assert "Harbour Trust" in html and "Charity number: 12345" in html
        assert "mailto:info@harbour.example" in html
        assert "Who held what when" not in html
        assert admin_of(org).display_name not in html
        assert url("edit", org) not in html

    def test_unknown_slug_404(self, client):
        assert client.get(url("detail", slug="nope")).status_code == 404

    def test_representative_sees_people_and_history(self, client):
        org = make_organisation(name="Harbour Trust")
        admin = admin_of(org)
        member = make_person(name="Mina Member")
        successor = make_person(name="Sam Successor")
        add_role(org, member)
        add_role(org, successor)
        services.representative_hand_over(actor=admin, organisation=org, leaving=member, successor=successor,
                                          reason="Retired")
        client.force_login(successor)
        html = page(client.get(org.get_absolute_url()))
        assert "Who held what when" in html
        assert "Mina Member" in html and "Retired" in html
        assert "Sam Successor" in html
        # A member cannot change the organisation.
        assert url("edit", org) not in html and url("representatives", org) not in html

    def test_admin_sees_manage_links(self, client):
        org = make_organisation()
        client.force_login(admin_of(org))
        html = page(client.get(org.get_absolute_url()))
        for name in ("edit", "representatives", "close"):
            assert url(name, org) in html

    def test_staff_sees_people(self, client, staff):
        org = make_organisation()
        client.force_login(staff)
        html = page(client.get(org.get_absolute_url()))
        assert admin_of(org).display_name in html and "Who held what when" in html

    def test_outsider_sees_no_people(self, client, person):
        org = make_organisation()
        client.force_login(person)
        html = page(client.get(org.get_absolute_url()))
        assert admin_of(org).display_name not in html

    def test_partnerships_private_ones_only_to_partners(self, client, person):
        org = make_organisation(name="Harbour Trust")
        make_partnership(partners=[org], name="Open Streets", visibility="public")
        make_partnership(partners=[org], name="Closed Room", visibility="private")
        html = page(client.get(org.get_absolute_url()))
        assert "Open Streets" in html and "Closed Room" not in html
        client.force_login(person)
        assert "Closed Room" not in page(client.get(org.get_absolute_url()))
        client.force_login(admin_of(org))
        html = page(client.get(org.get_absolute_url()))
        assert "Open Streets" in html and "Closed Room" in html

    def test_partner_of_another_org_in_private_partnership_sees_it(self, client):
        org = make_organisation(name="Harbour Trust")
        other = make_organisation(name="Dockside Clinic")
        make_partnership(partners=[org, other], name="Closed Room", visibility="private")
        client.force_login(admin_of(other))
        assert "Closed Room" in page(client.get(org.get_absolute_url()))

    def test_query_count_does_not_grow_with_representatives_or_partnerships(self, client):
        org = make_organisation()
        admin = admin_of(org)

        def grow(n):
            for _ in range(n):
                person = make_person()
                services.representative_add(actor=admin, organisation=org, person=person, role="member")
                services.representative_end(actor=admin, representative=org.representatives.get(person=person))
                services.representative_add(actor=admin, organisation=org, person=person, role="coordinator")
                make_partnership(partners=[org], visibility="public")

        grow(3)
        client.force_login(admin)
        few = count_queries(client, org.get_absolute_url())
        grow(27)
        assert count_queries(client, org.get_absolute_url()) == few
        client.logout()
        anonymous = count_queries(client, org.get_absolute_url())
        assert anonymous <= 3


# Edit --------------------------------------------------------------------------------------

class TestEdit:
    def test_sign_in_required(self, client):
        org = make_organisation()
        response = client.get(url("edit", org))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("who", ["outsider", "member"])
    def test_non_admin_forbidden(self, client, who):
        org = make_organisation(name="Harbour Trust")
        person = make_person(mfa=True)
        if who == "member":
            add_role(org, person, "coordinator")
        client.force_login(person)
        assert client.get(url("edit", org)).status_code == 403
        assert client.post(url("edit", org), org_form_data(name="Hijacked", version=1)).status_code == 403
        assert Organisation.objects.get(pk=org.pk).name == "Harbour Trust"

    def test_admin_saves(self, client):
        org = make_organisation(name="Harbour Trust")
        client.force_login(admin_of(org))
        html = page(client.get(url("edit", org)))
        assert f'name="version" value="{org.version}"' in html and 'value="Harbour Trust"' in html
        response = client.post(url("edit", org), org_form_data(name="Harbour Trust CIC", version=org.version))
        assert response.status_code == 302
        org.refresh_from_db()
        assert org.name == "Harbour Trust CIC" and org.version == 2 and org.sector == "community"

    def test_bad_input_saves_nothing(self, client):
        org = make_organisation(name="Harbour Trust")
        client.force_login(admin_of(org))
        html = page(client.post(url("edit", org), org_form_data(name="New name", identifier="123",
                                                               version=org.version)))
        assert "There is a problem" in html
        assert "Give both the identifier type and the identifier, or neither." in html
        org.refresh_from_db()
        assert org.name == "Harbour Trust" and org.version == 1

    def test_stale_edit_shows_error_and_saves_nothing(self, client):
        org = make_organisation(name="Harbour Trust")
        admin = admin_of(org)
        services.organisation_update(actor=admin, organisation=org, description="Changed by someone else")
        client.force_login(admin)
        response = client.post(url("edit", org), org_form_data(name="My change", version=1))
        html = page(response)
        assert response.status_code == 200
        assert "There is a problem" in html and "Someone else changed this after you opened it." in html
        org.refresh_from_db()
        assert org.name == "Harbour Trust" and org.description == "Changed by someone else" and org.version == 2

    def test_public_body_admin_without_mfa_is_sent_to_set_it_up(self, client):
        admin = make_person(mfa=False)
        org = make_organisation(admin=admin, name="Millbrook Council", sector="public", level="local")
        client.force_login(admin)
        response = client.post(url("edit", org), org_form_data(name="Renamed", sector="public", level="local",
                                                               version=1))
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
        assert Organisation.objects.get(pk=org.pk).name == "Millbrook Council"


# Representatives ---------------------------------------------------------------------------

class TestRepresentatives:
    def test_non_admin_forbidden(self, client):
        org = make_organisation()
        member = make_person()
        add_role(org, member)
        client.force_login(member)
        assert client.get(url("representatives", org)).status_code == 403
        other = make_person(email="other@example.org")
        response = client.post(url("representatives", org), {"email": other.email, "role": "admin"})
        assert response.status_code == 403
        assert not org.representatives.filter(person=other).exists()
        rep = org.representatives.get(role="admin")
        assert client.post(url("representative_end", org, pk=rep.pk), {"reason": "x"}).status_code == 403
        assert Representative.objects.get(pk=rep.pk).ended_at is None

    def test_anonymous_redirected(self, client):
        org = make_organisation()
        assert client.get(url("representatives", org)).status_code == 302
        assert client.get(url("hand_over", org)).status_code == 302

    def test_add_by_email(self, client):
        org = make_organisation()
        newcomer = make_person(email="newcomer@example.org", name="Nia Newcomer")
        client.force_login(admin_of(org))
        html = page(client.get(url("representatives", org)))
        assert "novalidate" in html and admin_of(org).email in html
        response = client.post(url("representatives", org), {"email": "Newcomer@Example.org", "role": "signatory"})
        assert response.status_code == 302
        assert org.representatives.current().filter(person=newcomer, role="signatory").exists()
        html = page(client.get(response["Location"]))
        assert "Nia Newcomer" in html

    def test_unknown_email_is_a_field_error(self, client):
        org = make_organisation()
        client.force_login(admin_of(org))
        html = page(client.post(url("representatives", org), {"email": "ghost@example.org", "role": "member"}))
        assert "There is a problem" in html
        assert 'href="#id_email"' in html and "No account uses this email address" in html
        assert org.representatives.count() == 1

    def test_missing_input(self, client):
        org = make_organisation()
        client.force_login(admin_of(org))
        html = page(client.post(url("representatives", org), {"email": "", "role": ""}))
        assert "Enter the person&#x27;s email address." in html and "Choose a role." in html
        assert org.representatives.count() == 1

    def test_already_holds_role(self, client):
        org = make_organisation()
        member = make_person()
        add_role(org, member)
        client.force_login(admin_of(org))
        html = page(client.post(url("representatives", org), {"email": member.email, "role": "member"}))
        assert "already holds this role" in html and 'href="#id_email"' in html
        assert org.representatives.filter(person=member).count() == 1

    def test_end_role_with_reason(self, client):
        org = make_organisation()
        member = make_person()
        rep = add_role(org, member)
        client.force_login(admin_of(org))
        assert "End the role" in page(client.get(url("representative_end", org, pk=rep.pk)))
        response = client.post(url("representative_end", org, pk=rep.pk), {"reason": "Moved away"})
        assert response.status_code == 302 and response["Location"] == url("representatives", org)
        rep.refresh_from_db()
        assert rep.ended_at is not None and rep.end_reason == "Moved away"
        # An ended role cannot be ended again.
        assert client.get(url("representative_end", org, pk=rep.pk)).status_code == 404

    def test_last_admin_cannot_leave(self, client):
        org = make_organisation()
        admin = admin_of(org)
        rep = org.representatives.get(person=admin)
        client.force_login(admin)
        html = page(client.post(url("representative_end", org, pk=rep.pk), {"reason": ""}))
        assert "There is a problem" in html and "must keep at least one administrator" in html
        rep.refresh_from_db()
        assert rep.ended_at is None

    def test_hand_over(self, client):
        org = make_organisation()
        admin = admin_of(org)
        leaving = make_person(name="Lee Leaving")
        successor = make_person(name="Sam Successor")
        add_role(org, leaving, "signatory")
        add_role(org, leaving, "coordinator")
        add_role(org, successor, "member")
        client.force_login(admin)
        html = page(client.get(url("hand_over", org)))
        assert "Lee Leaving" in html and "Sam Successor" in html
        response = client.post(url("hand_over", org), {"leaving": leaving.pk, "successor": successor.pk,
                                                       "reason": "Retired"})
        assert response.status_code == 302
        assert not org.representatives.current().filter(person=leaving).exists()
        roles = set(org.representatives.current().filter(person=successor).values_list("role", flat=True))
        assert roles == {"member", "signatory", "coordinator"}
        assert org.representatives.filter(person=leaving, end_reason="Retired").count() == 2

    def test_hand_over_bad_input(self, client):
        org = make_organisation()
        admin = admin_of(org)
        member = make_person()
        add_role(org, member)
        client.force_login(admin)
        html = page(client.post(url("hand_over", org), {"leaving": member.pk, "successor": member.pk}))
        assert "There is a problem" in html and "The successor must be a different person." in html
        html = page(client.post(url("hand_over", org), {"leaving": "", "successor": "999999"}))
        assert "Choose the person who is leaving." in html and 'href="#id_successor"' in html
        assert org.representatives.current().count() == 2
        assert org.representatives.count() == 2

    def test_hand_over_needs_two_people(self, client):
        org = make_organisation()
        client.force_login(admin_of(org))
        html = page(client.get(url("hand_over", org)))
        assert "Add them as a representative first." in html and 'name="leaving"' not in html

    def test_hand_over_forbidden_to_non_admin(self, client):
        org = make_organisation()
        member = make_person()
        add_role(org, member, "coordinator")
        client.force_login(member)
        assert client.get(url("hand_over", org)).status_code == 403
        response = client.post(url("hand_over", org), {"leaving": admin_of(org).pk, "successor": member.pk})
        assert response.status_code == 403
        assert org.representatives.current().filter(role="admin").exists()

    def test_handing_over_own_admin_role_goes_back_to_the_organisation(self, client):
        org = make_organisation()
        admin = admin_of(org)
        successor = make_person()
        add_role(org, successor)
        client.force_login(admin)
        response = client.post(url("hand_over", org), {"leaving": admin.pk, "successor": successor.pk})
        assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
        assert admin_of(org) == successor


# Close -------------------------------------------------------------------------------------

class TestClose:
    def test_admin_closes(self, client):
        org = make_organisation(name="Harbour Trust")
        client.force_login(admin_of(org))
        assert "Close the organisation" in page(client.get(url("close", org)))
        response = client.post(url("close", org), {"reason": "Merged with Dockside"})
        assert response.status_code == 302
        org.refresh_from_db()
        assert not org.is_active and org.closed_at is not None
        assert not org.representatives.current().exists()
        html = page(client.get(org.get_absolute_url()))
        assert "Closed" in html
        assert "Harbour Trust" not in page(client.get(url("directory")))

    def test_reason_required(self, client):
        org = make_organisation()
        client.force_login(admin_of(org))
        html = page(client.post(url("close", org), {"reason": "  "}))
        assert "There is a problem" in html and "Say why the organisation is being closed." in html
        assert Organisation.objects.get(pk=org.pk).is_active

    def test_refused_while_a_partner(self, client):
        org = make_organisation(name="Harbour Trust")
        make_partnership(partners=[org], name="Eastside Renewal")
        client.force_login(admin_of(org))
        response = client.post(url("close", org), {"reason": "Winding up"})
        html = page(response)
        assert response.status_code == 200
        assert "There is a problem" in html
        assert "Harbour Trust is still a partner in: Eastside Renewal" in html
        org.refresh_from_db()
        assert org.is_active and org.representatives.current().exists()

    def test_non_admin_forbidden(self, client):
        org = make_organisation()
        member = make_person()
        add_role(org, member)
        client.force_login(member)
        assert client.get(url("close", org)).status_code == 403
        assert client.post(url("close", org), {"reason": "Because"}).status_code == 403
        assert Organisation.objects.get(pk=org.pk).is_active

    def test_staff_may_close(self, client, staff):
        org = make_organisation()
        client.force_login(staff)
        assert client.post(url("close", org), {"reason": "Duplicate record"}).status_code == 302
        assert not Organisation.objects.get(pk=org.pk).is_active
