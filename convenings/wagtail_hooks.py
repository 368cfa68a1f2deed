"""Admin menus for the people and places behind the round tables."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from convenings.models import Community, Membership, Need, Organization, RoundTableRole


class CommunityViewSet(SnippetViewSet):
    model = Community
    icon = "site"
    list_display = ["name", "region"]
    search_fields = ["name"]
    ordering = ["name"]


class OrganizationViewSet(SnippetViewSet):
    model = Organization
    icon = "group"
    list_display = ["name", "kind", "peer_led"]
    list_filter = ["kind", "peer_led"]
    search_fields = ["name", "description"]
    ordering = ["name"]


class MembershipViewSet(SnippetViewSet):
    model = Membership
    icon = "user"
    list_display = ["user", "organization", "can_represent"]
    list_filter = ["organization", "can_represent"]
    ordering = ["organization__name"]


class RoundTableRoleViewSet(SnippetViewSet):
    model = RoundTableRole
    icon = "clipboard-list"
    menu_label = "Round table roles"
    list_display = ["user", "role", "round_table"]
    list_filter = ["role", "round_table"]
    ordering = ["round_table__title"]


class NeedViewSet(SnippetViewSet):
    model = Need
    icon = "help"
    menu_label = "Needs"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "community", "organization", "urgency", "status", "visibility"]
    list_filter = ["community", "urgency", "status", "visibility"]
    search_fields = ["title", "description"]
    ordering = ["-created_at"]


class PeopleAndPlacesGroup(SnippetViewSetGroup):
    items = (CommunityViewSet, OrganizationViewSet, MembershipViewSet, RoundTableRoleViewSet)
    menu_icon = "group"
    menu_label = "People and places"
    menu_name = "people-and-places"


register_snippet(PeopleAndPlacesGroup)
register_snippet(NeedViewSet)
