"""Site URLs. Pages under / are Wagtail's; the rest are listed here."""

from django.conf import settings
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from commontable import views
from recommendations.api import api
from recommendations.dashboard import community_dashboard

handler500 = "commontable.views.server_error"

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("search/", views.search, name="search"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("communities/<slug:slug>/", community_dashboard, name="community_dashboard"),
    path("", include("convenings.urls")),
    path("", include("recommendations.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))
