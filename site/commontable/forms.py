"""Account forms: sign-up asks for a display name and nothing else personal."""

from django import forms
from wagtail.users.forms import UserCreationForm, UserEditForm

from commontable.models import User

DISPLAY_NAME_HELP = (
    "The name other participants see. Use a first name, a nickname or your "
    "organization role; it does not need to be your legal name."
)


class SignupForm(forms.Form):
    """Extra sign-up field for django-allauth (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(max_length=60, label="Display name", help_text=DISPLAY_NAME_HELP)

    field_order = ["display_name", "email", "password1", "password2"]

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError("Enter a display name.")
        return name

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class AdminUserCreationForm(UserCreationForm):
    """Wagtail's user form without legal-name fields."""

    first_name = None
    last_name = None

    class Meta(UserCreationForm.Meta):
        model = User
        fields = {"email", "display_name", "is_superuser", "groups"}


class AdminUserEditForm(UserEditForm):
    """Wagtail's user edit form without legal-name fields."""

    first_name = None
    last_name = None

    class Meta(UserEditForm.Meta):
        model = User
        fields = {"email", "display_name", "is_active", "is_superuser", "groups"}
