from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Signups are open: citizens take part without an invitation."""

    def is_open_for_signup(self, request):
        return True
