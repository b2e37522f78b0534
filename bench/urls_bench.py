"""Joinery's URLs plus the framework floor: an empty view through the full middleware stack."""

from django.http import HttpResponse
from django.urls import path

from joinery.urls import urlpatterns as joinery_urlpatterns


def empty(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/empty", empty, name="bench_empty"), *joinery_urlpatterns]
