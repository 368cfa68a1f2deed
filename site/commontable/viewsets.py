"""Wagtail admin viewsets of our own."""

from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from commontable.forms import AdminUserCreationForm, AdminUserEditForm


class UserViewSet(WagtailUserViewSet):
    """Wagtail's user admin, with a display name in place of legal names."""

    def get_form_class(self, for_update: bool = False):
        return AdminUserEditForm if for_update else AdminUserCreationForm
