"""Front-end forms for convenings."""

from django import forms


class RegistrationForm(forms.Form):
    """A member's RSVP: on behalf of one of their organizations, or anonymously."""

    organization = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Don't name an organization",
        label="Attending for",
    )
    anonymous = forms.BooleanField(
        required=False,
        label="Attend anonymously",
        help_text="You will be counted without your organization.",
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("anonymous"):
            cleaned["organization"] = None
        return cleaned

    def error_text(self) -> str:
        """All errors as one sentence, for a message after a redirect."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
