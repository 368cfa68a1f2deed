"""Middleware of our own."""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.utils.cache import patch_cache_control

# The parts of the site urls.py mounts under these prefixes.
ADMIN_AREA = "/admin/"


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
