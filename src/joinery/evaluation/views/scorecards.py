"""Evaluation pages: scorecards (stubs until built)."""

from django.http import Http404


def partnership_scorecard(request, *args, **kwargs):
    raise Http404


def outcome_scorecard(request, *args, **kwargs):
    raise Http404


def partner_scorecard(request, *args, **kwargs):
    raise Http404


def indicator(request, *args, **kwargs):
    raise Http404


def commitment_thread(request, *args, **kwargs):
    raise Http404

