from django.urls import path

from convenings.models import ROUND_TABLES_SLUG
from recommendations import feeds, views

# A round table's and a recommendation's own views, under their pages'
# addresses (why they are views and not page routes: see ROUND_TABLES_SLUG).
table = f"{ROUND_TABLES_SLUG}/<slug:table>/"
prefix = table + "<slug:recommendation>/"

urlpatterns = [
    path("follows/", views.follows, name="follows"),
    path("follows/add/", views.follow, name="follow"),
    path("follows/<int:pk>/delete/", views.unfollow, name="unfollow"),
    path(
        "follows/<int:pk>/frequency/",
        views.change_follow_frequency,
        name="change_follow_frequency",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/export.csv", views.recommendation_csv, name="recommendation_csv"),
    path("recommendations/feed/", feeds.StageChangeFeed(), name="recommendation_feed"),
    path(
        "recommendations/brief/", views.recommendation_list_brief, name="recommendation_list_brief"
    ),
    path(table + "feed/", feeds.RoundTableFeed(), name="round_table_feed"),
    path("communities/<slug:slug>/feed/", feeds.CommunityFeed(), name="community_feed"),
    path(prefix + "brief/", views.recommendation_brief, name="recommendation_brief"),
    path(prefix + "endorse/", views.endorse, name="recommendation_endorse"),
    path(
        prefix + "withdraw-endorsement/",
        views.withdraw_endorsement,
        name="recommendation_withdraw_endorsement",
    ),
    path(prefix + "stage/", views.change_stage, name="recommendation_stage"),
    path(prefix + "funding/", views.record_funding, name="recommendation_funding"),
]
