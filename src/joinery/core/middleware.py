from django.contrib import messages
from django.shortcuts import redirect

from .exceptions import MFARequired


class MFARequiredMiddleware:
    """Send a person who must set up MFA to the setup page, saying why, instead of a 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, MFARequired) and not request.path.startswith("/api/"):
            messages.warning(request, str(exception))
            return redirect("mfa_activate_totp")
        return None
