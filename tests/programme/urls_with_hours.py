"""The site's URLs plus a stand-in for the contributions ledger's "record hours" page, for the test that
checks the item page links to it when it exists."""

from django.http import HttpResponse
from django.urls import include, path

from joinery import urls as site


def _hours(request, pk):
    return HttpResponse("hours")


urlpatterns = [p for p in site.urlpatterns if getattr(p, "namespace", None) != "contributions"
               and not (hasattr(p, "urlconf_name") and getattr(p.urlconf_name, "__name__", "") ==
                        "joinery.contributions.urls")] + [
    path("", include(([path("work/<int:pk>/hours/", _hours, name="volunteer_hours")], "contributions"))),
]
