"""allauth's adapters: how accounts are signed up and how two-factor works here."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.crypto import get_random_string

from commontable.core.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, with the address rule of ``commontable.core.ratelimit`` and equal work."""

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


class MFAAdapter(DefaultMFAAdapter):
    """Facilitators and administrators may not turn their authenticator app off.

    They may still set up a new one: adding an app replaces nothing, and the
    site asks for it again before they can change anything.
    """

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Facilitators and administrators must keep two-factor authentication on, "
            "because they act for other people. Ask a site administrator if you have "
            "lost your authenticator app."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.requires_mfa():
            return False
        return super().can_delete_authenticator(authenticator)
