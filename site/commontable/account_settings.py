"""The Wagtail admin's account page, for pseudonymous accounts.

Wagtail's own page asks for a first and a last name (required) and lets
people change their email address and password there, past allauth's email
verification and rate limits. Here it asks only for the display name;
email and password are changed on the site's account pages.
"""

from django import forms
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.account import AccountView, NameEmailSettingsPanel

from commontable.models import User
from commontable.plain_text import PlainLineFormField


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
