"""Evaluation pages: open_data (stubs until built)."""

from django.http import Http404


def settings(request, *args, **kwargs):
    raise Http404


def index(request, *args, **kwargs):
    raise Http404


def dataset(request, *args, **kwargs):
    raise Http404


def dataset_csv(request, *args, **kwargs):
    raise Http404


def dataset_json(request, *args, **kwargs):
    raise Http404

