"""Middleware of our own."""

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

# The parts of the site urls.py mounts under these prefixes.
ADMIN_AREA = "/admin/"
ACCOUNT_AREA = "/accounts/"
# Methods that change nothing (RFC 9110 §9.2.1), as Django's CSRF check counts them.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class AdminContentSecurityPolicyMiddleware:
    """Give the Wagtail admin its own Content-Security-Policy.

    Wagtail 8's editing views still render inline ``<script>`` tags that no
    nonce reaches (wagtail/wagtail#1288), so under the site's policy the page
    editor would not work. Admin pages, which only signed-in editors reach,
    get ``SECURE_CSP_ADMIN``: inline scripts allowed, still nothing from
    another origin. Every public page keeps the strict policy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(ADMIN_AREA) and not hasattr(response, "_csp_config"):
            response._csp_config = settings.SECURE_CSP_ADMIN
        return response


class PrivateResponsesMiddleware:
    """Tell every cache on the way that an answer made for one person is theirs alone.

    Whatever a view shows, a response to a request that says who is asking
    (a signed-in person, a session, a message waiting in a cookie, an
    ``Authorization`` header) may differ from what the next person gets, so
    it is ``Cache-Control: private``: no proxy or shared cache may keep it.
    A signed-in person's response is also ``no-store``: it may hold
    members-only content (a table's needs, who attends, a meeting link), and
    people sign in on shared computers at drop-ins and libraries, where the
    next person must not find it in the browser's cache. Marking every
    signed-in response, rather than only those that turned out to show
    members-only content, cannot miss a surface and costs nothing: those
    responses were never shared.

    A visitor's request that carries none of these gets the page every
    visitor gets, which the anonymous page cache and any proxy may keep.
    It sits just inside the session middleware, so it sees every response
    the site makes, refusals and redirects included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        elif self.says_who_is_asking(request):
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def says_who_is_asking(request: HttpRequest) -> bool:
        """Whether the request carries anything that could make its answer someone's own."""
        return (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            or CookieStorage.cookie_name in request.COOKIES
            or "HTTP_AUTHORIZATION" in request.META
        )


class MultiFactorRequiredMiddleware:
    """Facilitators and administrators change nothing until they have set up TOTP (§6).

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


class QueryCountMiddleware:
    """Say in an ``X-Query-Count`` header how many SQL queries the request made.

    Only the benchmark's own server turns it on (``BENCHMARK_QUERY_COUNT=1``),
    first in the list, so it counts every query the production stack makes for
    a request: sessions, authentication, the view and its templates. A page
    served from the page cache counts as it is served, with no queries, and
    only here is that said in an ``X-Cache`` header: a deployment never tells
    a client what the cache held (commontable.pagecache).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response["X-Query-Count"] = str(queries)
        response["X-Cache"] = "hit" if getattr(request, "served_from_page_cache", False) else "miss"
        return response
