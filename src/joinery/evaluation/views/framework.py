"""Evaluation pages: framework (stubs until built)."""

from django.http import Http404


def overview(request, *args, **kwargs):
    raise Http404


def create(request, *args, **kwargs):
    raise Http404


def edit(request, *args, **kwargs):
    raise Http404


def adopt(request, *args, **kwargs):
    raise Http404


def versions(request, *args, **kwargs):
    raise Http404


def version(request, *args, **kwargs):
    raise Http404


def outcome_create(request, *args, **kwargs):
    raise Http404


def outcome_edit(request, *args, **kwargs):
    raise Http404


def indicator_create(request, *args, **kwargs):
    raise Http404


def indicator_edit(request, *args, **kwargs):
    raise Http404


def indicator_targets(request, *args, **kwargs):
    raise Http404


def indicator_links(request, *args, **kwargs):
    raise Http404

