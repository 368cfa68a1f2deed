from django.urls import path

from convenings import views

urlpatterns = [
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
]
