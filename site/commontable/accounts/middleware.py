"""Two-factor authentication before any change, for those who must have it."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

# The parts of the site urls.py mounts under these prefixes.
ADMIN_AREA = "/admin/"


ACCOUNT_AREA = "/accounts/"


# Methods that change nothing (RFC 9110 §9.2.1), as Django's CSRF check counts them.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class MultiFactorRequiredMiddleware:
    """Facilitators and administrators change nothing until they have set up TOTP.

    Who must is ``User.requires_mfa()``. Without an authenticator they may
    still sign in and read, but every request that could change something —
    any unsafe method, and the whole Wagtail admin, which is an editing tool
    even when it only shows a page — is sent to allauth's TOTP set-up page with
    a message saying why; a request that does not want HTML gets a 403 with
    the same message. The account area stays open: it is where a person sets
    up TOTP, signs out, reauthenticates, manages email and password and
    exports or deletes their data, and it changes nothing but their own
    account. The admin's sign-out stays open too.

    Reading needs no check, so ordinary page views cost no extra query.
    """

    message = (
        "Facilitators and administrators need two-factor authentication (an authenticator "
        "app) before they can change anything on Common Table. Please set it up now; until "
        "then you can still read everything you could before."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.must_set_up_totp(request):
            return self.refuse(request)
        return self.get_response(request)

    def must_set_up_totp(self, request) -> bool:
        """Whether this request could change something and its person lacks a required TOTP."""
        path = request.path_info
        if request.method in SAFE_METHODS and not path.startswith(ADMIN_AREA):
            return False
        if path.startswith(ACCOUNT_AREA) or path == reverse("wagtailadmin_logout"):
            return False
        user = request.user
        return user.is_authenticated and user.requires_mfa() and not user.has_mfa()

    def refuse(self, request):
        """Send a browser to the TOTP set-up page; tell any other client why with a 403."""
        if request.accepts("text/html"):
            messages.warning(request, self.message)
            return redirect("mfa_activate_totp")
        return JsonResponse(
            {"detail": self.message, "setup_url": reverse("mfa_activate_totp")}, status=403
        )
