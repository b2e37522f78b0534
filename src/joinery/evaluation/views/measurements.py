"""Evaluation pages: measurements (stubs until built)."""

from django.http import Http404


def measurement_list(request, *args, **kwargs):
    raise Http404


def report(request, *args, **kwargs):
    raise Http404


def import_view(request, *args, **kwargs):
    raise Http404


def export(request, *args, **kwargs):
    raise Http404


def detail(request, *args, **kwargs):
    raise Http404


def correct(request, *args, **kwargs):
    raise Http404

