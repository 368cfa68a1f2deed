"""Middleware of our own."""

from django.conf import settings


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
        if request.path.startswith("/admin/") and not hasattr(response, "_csp_config"):
            response._csp_config = settings.SECURE_CSP_ADMIN
        return response
