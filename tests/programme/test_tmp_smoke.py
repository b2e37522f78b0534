import datetime as dt
import pytest
from django.urls import reverse
from tests.programme.conftest import Cast
from tests.accounts.html_audit import audit as _audit
import re
def audit(r):
    r.content = re.sub(rb'<script id="[-a-z]+" type="application/json">.*?</script>', b"", r.content, flags=re.S)
    return _audit(r)

pytestmark = pytest.mark.django_db

def test_smoke(client):
    c = Cast()
    o, i, m, t = c.tree()
    client.force_login(c.lead)
    for url in [reverse("programme:work_list", args=[c.p.slug]), reverse("programme:timeline", args=[c.p.slug]),
                reverse("programme:create", args=[c.p.slug]), reverse("programme:detail", args=[c.programme.pk]),
                reverse("programme:item_create", args=[c.programme.pk]), reverse("programme:item", args=[t.pk]),
                reverse("programme:item_edit", args=[t.pk]), reverse("programme:item_status", args=[t.pk]),
                reverse("programme:my_work"), reverse("programme:volunteer_opportunities")]:
        r = client.get(url)
        print(url, r.status_code)
        audit(r)
