"""Site URLs. Pages under / are Wagtail's; the rest are listed here."""

from django.conf import settings
from django.http import Http404
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from commontable.accounts import admin_views as account_admin
from commontable.accounts import views as account_views
from commontable.pages import views
from commontable.privacy import page_chooser, page_links, reports, rule, tags
from recommendations.api import api
from recommendations.dashboard import community_dashboard

handler500 = "commontable.pages.views.server_error"


def not_here(request, **kwargs):
    """Answer 404, whatever the ids: for an address that must not confirm anything exists."""
    raise Http404


# Wagtail's forms for shared page and document passwords. Those passwords are off
# (settings), yet the forms still answered one way for a real restriction and page
# and another for made-up ids; they now answer nothing at all.
SHARED_PASSWORD_FORMS = [
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        not_here,
    ),
    path("documents/authenticate_with_password/<int:restriction_id>/", not_here),
]

urlpatterns = [
    *SHARED_PASSWORD_FORMS,
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("search/", views.search, name="search"),
    path("pages/<int:page_id>/", page_links.page_link, name="page_link"),
    # Wagtail's sign-in form would take a password alone, skipping allauth's
    # MFA step and rate limits.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    # So would Wagtail's front-end sign-in (Django's LoginView, which also skips email
    # verification); no page links to it, but the address answers.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    # Wagtail's page chooser, opened only on pages the editor may read.
    # Wagtail's account page, asking for a display name and not a legal name.
    path("admin/account/", account_admin.account),
    path("admin/choose-page/<int:parent_page_id>/", page_chooser.browse),
    path("admin/choose-page/chosen-multiple/", page_chooser.chosen_multiple),
    # Wagtail's sign-out, which a GET must not trigger.
    path("admin/logout/", account_admin.SignOutView.as_view()),
    # Wagtail's tag autocomplete and page types report, under the visibility rule.
    path("admin/tag-autocomplete/", require_admin_access(tags.tag_autocomplete)),
    path(
        "admin/tag-autocomplete/<slug:app_name>/<slug:model_name>/",
        require_admin_access(tags.tag_autocomplete),
    ),
    path(
        "admin/reports/page-types-usage/",
        require_admin_access(reports.PageTypesUsageReport.as_view()),
    ),
    path(
        "admin/reports/page-types-usage/results/",
        require_admin_access(reports.PageTypesUsageReport.as_view(results_only=True)),
    ),
    # Wagtail's reports whose filters offer people, under the visibility rule.
    *[
        path(f"admin/reports/{prefix}/{results}", require_admin_access(view))
        for prefix, report in (
            ("site-history", reports.SiteHistoryReport),
            ("workflow", reports.WorkflowReport),
            ("locked", reports.LockedPagesReport),
        )
        for results, view in (
            ("", report.as_view()),
            ("results/", report.as_view(results_only=True)),
        )
    ],
    # Every other admin view: a page id it may not show answers 404.
    path(
        "admin/",
        include(decorate_urlpatterns(wagtailadmin_urls.urlpatterns, rule.hide_closed_pages)),
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/data/", account_views.account_data, name="account_data"),
    path("accounts/delete/", account_views.delete_account, name="account_delete"),
    path("accounts/deleted/", account_views.account_deleted, name="account_deleted"),
    path("accounts/", include("allauth.urls")),
    path("communities/<slug:slug>/", community_dashboard, name="community_dashboard"),
    path("", include("convenings.urls")),
    path("", include("recommendations.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))
