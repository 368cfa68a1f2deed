"""Account forms: sign-up asks for a display name and nothing else personal."""

from allauth.mfa.base.forms import ReauthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from wagtail.users.forms import UserCreationForm, UserEditForm

from commontable.accounts.models import User
from commontable.core.plain_text import PlainLineFormField

DISPLAY_NAME_HELP = (
    "The name other participants see. Use a first name, a nickname or your "
    "organization role; it does not need to be your legal name."
)


class SignupForm(forms.Form):
    """Extra sign-up field for django-allauth (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = PlainLineFormField(
        max_length=60, label="Display name", help_text=DISPLAY_NAME_HELP
    )

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
        field_classes = {"display_name": PlainLineFormField}


class AdminUserEditForm(UserEditForm):
    """Wagtail's user edit form without legal-name fields."""

    first_name = None
    last_name = None

    class Meta(UserEditForm.Meta):
        model = User
        fields = {"email", "display_name", "is_active", "is_superuser", "groups"}
        field_classes = {"display_name": PlainLineFormField}


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for the password, an MFA code if MFA is on, and typed words."""

    CONFIRMATION = "delete my account"

    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="Code from your authenticator app (or a recovery code)",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )
    confirmation = forms.CharField(
        label=f"Type “{CONFIRMATION}” to confirm",
        help_text="This cannot be undone.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not is_mfa_enabled(user):
            del self.fields["code"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password

    def clean_confirmation(self) -> str:
        words = " ".join(self.cleaned_data["confirmation"].lower().split())
        if words != self.CONFIRMATION:
            raise forms.ValidationError(f"Type “{self.CONFIRMATION}” exactly, to confirm.")
        return words

    def clean(self):
        """Check the MFA code with allauth (its rate limit included), after the password."""
        cleaned = super().clean()
        if "code" in self.fields and "password" in cleaned and cleaned.get("code"):
            mfa = ReauthenticateForm(data={"code": cleaned["code"]}, user=self.user)
            if not mfa.is_valid():
                for error in mfa.errors.get("code", ["That code is not right."]):
                    self.add_error("code", error)
        return cleaned
