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

    def respond_email_verification_sent(self, request: HttpRequest, user):
        """Answer "check your email" after the same work, whether or not the address was taken.

        Signing up with a new address hashes its password; with an address that
        already has an account (``user`` is None: allauth only emails the
        owner), nothing was hashed, and the answer came in a twentieth of the
        time, so the time alone said whether someone had an account. Here that
        path hashes one password too (a random one, which costs the same),
        whether or not the owner's email was just sent or held back by its own
        limit.
        """
        if user is None:
            make_password(get_random_string(32))
        return super().respond_email_verification_sent(request, user)
