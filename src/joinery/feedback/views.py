"""Citizen feedback pages (stubs until built)."""

from django.http import Http404


def public_form(request, *args, **kwargs):
    raise Http404


def thanks(request, *args, **kwargs):
    raise Http404


def channel_list(request, *args, **kwargs):
    raise Http404


def channel_create(request, *args, **kwargs):
    raise Http404


def channel_detail(request, *args, **kwargs):
    raise Http404


def channel_edit(request, *args, **kwargs):
    raise Http404


def response_hide(request, *args, **kwargs):
    raise Http404

