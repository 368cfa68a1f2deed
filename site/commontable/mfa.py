"""django-allauth's MFA, with the site's rule that some people must keep it on."""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator


class MFAAdapter(DefaultMFAAdapter):
    """Facilitators and administrators may not turn their authenticator app off (§6).

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
