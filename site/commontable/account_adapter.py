"""How allauth treats people here: who is asking, and answers that give nothing away."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.crypto import get_random_string

from commontable.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, with the address rule of ``commontable.ratelimit`` and equal work."""

    def get_client_ip(self, request: HttpRequest) -> str:
        """The person's address, trusting ``X-Forwarded-For`` only as far as our own proxies."""
        return client_address(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """Count wrong passwords per account and address together.

        Keyed by the account alone, five wrong passwords from anyone locked the
        owner out everywhere: anyone who knew a facilitator's address could
        keep them out. Keyed by both, a stranger's failures use up only the
        stranger's own tries at that account; the per-address limit on failed
        sign-ins (``ACCOUNT_RATE_LIMITS["login_failed"]``) still slows anyone
        trying many accounts from one place.
        """
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{client_address(request)}"

    def send_account_already_exists_mail(self, email: str) -> None:
        """Tell the owner someone tried to sign up with their address, after the same work.

        Signing up with a new address hashes its password; with an address that
        has an account, allauth hashed nothing and answered in a twentieth of
        the time, so the time alone said whether someone had an account. Both
        paths now hash one password (a random one here, which costs the same)
        and send one email.
        """
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)
