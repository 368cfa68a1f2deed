"""Wagtail admin viewsets of our own."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail.users.views.users import DeleteView as WagtailUserDeleteView
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from commontable.errors import ActionRefused
from commontable.forms import AdminUserCreationForm, AdminUserEditForm


class UserDeleteView(WagtailUserDeleteView):
    """Deleting a person from the admin removes their data as their own deletion does.

    Wagtail's plain delete would leave their name in history entries and
    revisions; `User.delete_account()` keeps contributions without the person.
    """

    def delete_action(self):
        self.object.delete_account()

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ActionRefused as refusal:
            messages.error(self.request, str(refusal))
            return redirect(self.get_success_url())


class UserViewSet(WagtailUserViewSet):
    """Wagtail's user admin, with a display name in place of legal names."""

    delete_view_class = UserDeleteView

    def get_form_class(self, for_update: bool = False):
        return AdminUserEditForm if for_update else AdminUserCreationForm
