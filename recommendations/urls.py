from django.urls import path

from recommendations import views

prefix = "round-tables/<slug:table>/<slug:recommendation>/"

urlpatterns = [
    path(prefix + "endorse/", views.endorse, name="recommendation_endorse"),
    path(
        prefix + "withdraw-endorsement/",
        views.withdraw_endorsement,
        name="recommendation_withdraw_endorsement",
    ),
    path(prefix + "stage/", views.change_stage, name="recommendation_stage"),
    path(prefix + "funding/", views.record_funding, name="recommendation_funding"),
]
