"""Admin menus for the people and places behind the round tables."""

from django.core.exceptions import PermissionDenied
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from convenings.models import Community, Membership, Need, Organization, RoundTableRole


class ManagersOnly:
    """Chooser views that answer only people who may manage these records in the admin.

    Roles, memberships, endorsements and funding lines name people and what
    members-only tables hold, and nothing a facilitator edits in the admin
    chooses them; their choosers are for those with a permission on the model
    (administrators), as their listings are.
    """

    def dispatch(self, request, *args, **kwargs):
        policy = self.model.snippet_viewset.permission_policy
        if not policy.user_has_any_permission(request.user, {"add", "change", "delete", "view"}):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ManagersChooseView(ManagersOnly, ChooseView):
    pass


class ManagersChooseResultsView(ManagersOnly, ChooseResultsView):
    pass


class ManagersChosenView(ManagersOnly, SnippetChosenView):
    pass


class ManagersChosenMultipleView(ManagersOnly, SnippetChosenMultipleView):
    pass


class ManagersChooserViewSet(SnippetChooserViewSet):
    """The chooser of a model whose records only their managers may list (``ManagersOnly``)."""

    choose_view_class = ManagersChooseView
    choose_results_view_class = ManagersChooseResultsView
    chosen_view_class = ManagersChosenView
    chosen_multiple_view_class = ManagersChosenMultipleView


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
    # Searched in the database: the search index autocompletes names only, and asking it
    # for the description fails on SQLite.
    search_fields = ["name", "description"]
    search_backend_name = None
    ordering = ["name"]


class MembershipViewSet(SnippetViewSet):
    model = Membership
    icon = "user"
    list_display = ["user", "organization", "can_represent"]
    list_filter = ["organization", "can_represent"]
    ordering = ["organization__name"]
    chooser_viewset_class = ManagersChooserViewSet


class RoundTableRoleViewSet(SnippetViewSet):
    model = RoundTableRole
    icon = "clipboard-list"
    menu_label = "Round table roles"
    list_display = ["user", "role", "round_table"]
    list_filter = ["role", "round_table"]
    ordering = ["round_table__title"]
    chooser_viewset_class = ManagersChooserViewSet


class VisibleNeeds:
    """Chooser views that offer and return only the needs this editor may see.

    An agenda item links needs through this chooser; without the rule, a
    facilitator of one table could list another table's members-only needs.
    """

    def get_object_list(self):
        return Need.objects.visible_to(self.request.user)

    def filter_object_list(self, objects):
        # The search index cannot apply the visibility rule: a search runs over every
        # need and is then narrowed to the visible ones (as NeedQuerySet.matching does).
        if not (self.filter_form.is_valid() and self.filter_form.cleaned_data.get("q")):
            return super().filter_object_list(objects)
        found = super().filter_object_list(Need.objects.all())
        return objects.filter(pk__in=[need.pk for need in found])

    def get_object(self, pk):
        return self.get_object_list().get(pk=pk)

    def get_objects(self, pks):
        return self.get_object_list().filter(pk__in=pks)


class NeedChooseView(VisibleNeeds, ChooseView):
    pass


class NeedChooseResultsView(VisibleNeeds, ChooseResultsView):
    pass


class NeedChosenView(VisibleNeeds, SnippetChosenView):
    pass


class NeedChosenMultipleView(VisibleNeeds, SnippetChosenMultipleView):
    pass


class NeedChooserViewSet(SnippetChooserViewSet):
    choose_view_class = NeedChooseView
    choose_results_view_class = NeedChooseResultsView
    chosen_view_class = NeedChosenView
    chosen_multiple_view_class = NeedChosenMultipleView


class NeedViewSet(SnippetViewSet):
    model = Need
    icon = "help"
    menu_label = "Needs"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "community", "organization", "urgency", "status", "visibility"]
    list_filter = ["community", "urgency", "status", "visibility"]
    # Searched in the database, as for organizations.
    search_fields = ["title", "description"]
    search_backend_name = None
    ordering = ["-created_at"]
    chooser_viewset_class = NeedChooserViewSet


class PeopleAndPlacesGroup(SnippetViewSetGroup):
    items = (CommunityViewSet, OrganizationViewSet, MembershipViewSet, RoundTableRoleViewSet)
    menu_icon = "group"
    menu_label = "People and places"
    menu_name = "people-and-places"


register_snippet(PeopleAndPlacesGroup)
register_snippet(NeedViewSet)
