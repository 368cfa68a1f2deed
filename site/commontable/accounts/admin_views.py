"""The Wagtail admin's views of people: users, your account page, signing out."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.account import AccountView, LogoutView, NameEmailSettingsPanel
from wagtail.users.views.bulk_actions.delete import DeleteBulkAction
from wagtail.users.views.users import DeleteView as WagtailUserDeleteView
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from commontable.accounts.forms import AdminUserCreationForm, AdminUserEditForm
from commontable.accounts.models import User
from commontable.core.errors import ActionRefused
from commontable.core.personal_data_registry import registry as personal_data
from commontable.core.plain_text import PlainLineFormField


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


class DisplayNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        field_classes = {"display_name": PlainLineFormField}


class DisplayNameSettingsPanel(NameEmailSettingsPanel):
    title = "Display name"
    help_text = (
        "The name shown with what you do on the site; never a legal name. "
        "Change your email address and password under Your account on the site."
    )
    form_class = DisplayNameForm


class PseudonymousAccountView(AccountView):
    def get_panels(self):
        return [
            DisplayNameSettingsPanel(panel.request, panel.user, panel.profile)
            if isinstance(panel, NameEmailSettingsPanel)
            else panel
            for panel in super().get_panels()
        ]


account = require_admin_access(never_cache(PseudonymousAccountView.as_view()))


class SignOutView(LogoutView):
    """Wagtail's sign-out, by POST only: a GET (a link from anywhere) changes nothing.

    Wagtail's own view answers a GET with 405 but still deletes the session
    cookie and says "logged out", so any page could sign a person out.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class DeleteUsersWithTheirData(DeleteBulkAction):
    """Bulk deletion of people removes their data as their own deletion does."""

    def check_perm(self, obj):
        try:
            personal_data.check(obj)
        except ActionRefused:
            return False
        return super().check_perm(obj)

    @classmethod
    def execute_action(cls, objects, model=None, **kwargs):
        with transaction.atomic():
            for user in objects:
                user.delete_account()
        return len(objects), 0
