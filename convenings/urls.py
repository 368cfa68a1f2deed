from django.urls import path

from convenings import views

urlpatterns = [
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/corroborate/", views.need_corroborate, name="need_corroborate"),
    path("needs/<int:pk>/withdraw/", views.need_withdraw, name="need_withdraw"),
    path(
        "round-tables/<slug:table>/calendar.ics",
        views.round_table_calendar,
        name="round_table_calendar",
    ),
    path(
        "round-tables/<slug:table>/<slug:convening>/calendar.ics",
        views.convening_calendar,
        name="convening_calendar",
    ),
    path(
        "round-tables/<slug:table>/convenings/new/",
        views.convening_create,
        name="convening_create",
    ),
    path(
        "round-tables/<slug:table>/<slug:convening>/attendance/",
        views.convening_attendance,
        name="convening_attendance",
    ),
    path(
        "round-tables/<slug:table>/<slug:convening>/register/",
        views.register,
        name="convening_register",
    ),
    path(
        "round-tables/<slug:table>/<slug:convening>/cancel/",
        views.cancel_registration,
        name="convening_cancel",
    ),
]
