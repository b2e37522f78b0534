"""The sender's network address, for the feedback rate limits (hashed at once, never stored as is)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR; behind our own proxy (JOINERY_BEHIND_PROXY), the address that proxy appended last.

    Only the last X-Forwarded-For entry is trusted: the ones before it come from the client and can be forged.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.SECURE_PROXY_SSL_HEADER is not None:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""
