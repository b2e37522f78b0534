"""Evaluation pages: reporting (stubs until built)."""

from django.http import Http404


def requirement_list(request, *args, **kwargs):
    raise Http404


def requirement_create(request, *args, **kwargs):
    raise Http404


def requirement_detail(request, *args, **kwargs):
    raise Http404


def requirement_edit(request, *args, **kwargs):
    raise Http404


def report_html(request, *args, **kwargs):
    raise Http404


def report_pdf(request, *args, **kwargs):
    raise Http404


def report_csv(request, *args, **kwargs):
    raise Http404

