from django.urls import path

from convenings import views
from convenings.models import ROUND_TABLES_SLUG

# A round table's and a convening's own views, under their pages' addresses
# (why they are views and not page routes: see ROUND_TABLES_SLUG).
table = f"{ROUND_TABLES_SLUG}/<slug:table>/"
convening = table + "<slug:convening>/"

urlpatterns = [
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/export.csv", views.need_csv, name="need_csv"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/corroborate/", views.need_corroborate, name="need_corroborate"),
    path("needs/<int:pk>/withdraw/", views.need_withdraw, name="need_withdraw"),
    path(table + "calendar.ics", views.round_table_calendar, name="round_table_calendar"),
    path(convening + "calendar.ics", views.convening_calendar, name="convening_calendar"),
    path(table + "convenings/new/", views.convening_create, name="convening_create"),
    path(convening + "attendance/", views.convening_attendance, name="convening_attendance"),
    path(convening + "register/", views.register, name="convening_register"),
    path(convening + "cancel/", views.cancel_registration, name="convening_cancel"),
]
