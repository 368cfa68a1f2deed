"""Front-end forms: registering for a convening, posting and editing needs."""

from django import forms

from convenings.models import ConveningPage, Need, Organization, RoundTablePage


class RegistrationForm(forms.Form):
    """A member's RSVP: on behalf of one of their organizations, or anonymously."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        empty_label="Don't name an organization",
        label="Attending for",
    )
    anonymous = forms.BooleanField(
        required=False,
        label="Attend anonymously",
        help_text="You will be counted without your organization.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = ConveningPage.organizations_of(user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("anonymous"):
            cleaned["organization"] = None
        return cleaned

    def error_text(self) -> str:
        """All errors as one sentence, for a message after a redirect."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)


class NeedForm(forms.ModelForm):
    """Post a need for one of your organizations (DESIGN §4.3)."""

    class Meta:
        model = Need
        fields = [
            "title",
            "description",
            "who_is_affected",
            "community",
            "tags",
            "urgency",
            "evidence",
            "organization",
            "attribution",
            "visibility",
            "round_table",
            "convening",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
            "urgency": forms.RadioSelect,
            "attribution": forms.RadioSelect,
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        organizations = ConveningPage.organizations_of(user)
        self.fields["organization"].queryset = organizations
        if not self.instance.pk and len(organizations[:2]) == 1:
            self.fields["organization"].initial = organizations.first()  # the only choice
        self.fields["round_table"].queryset = (
            RoundTablePage.objects.visible_to(user).select_related("community").order_by("title")
        )
        self.fields["convening"].queryset = (
            ConveningPage.objects.visible_to(user)
            .select_related("round_table")
            .order_by("-starts_at")
        )
        self.fields["round_table"].empty_label = "No particular round table"
        self.fields["convening"].empty_label = "Not raised at a convening"
        self.fields["tags"].required = False

    def clean(self):
        cleaned = super().clean()
        table = cleaned.get("round_table")
        convening = cleaned.get("convening")
        if convening and not table:
            cleaned["round_table"] = table = convening.round_table
            self.instance.round_table = table
        if (
            cleaned.get("visibility") == Need.Visibility.MEMBERS
            and table
            and not table.is_member(self.user)
            and not table.is_facilitator(self.user)
        ):
            self.add_error(
                "visibility", "You can only post members-only needs to a table you belong to."
            )
        return cleaned


class NeedEditForm(NeedForm):
    """Edit a need, including its status."""

    class Meta(NeedForm.Meta):
        fields = [*NeedForm.Meta.fields, "status"]
        widgets = {**NeedForm.Meta.widgets, "status": forms.RadioSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk and not self.instance.is_poster(user):
            # How a need is credited, and who may read it, is the poster's choice alone.
            del self.fields["attribution"]
            del self.fields["visibility"]
        # A facilitator editing someone else's need keeps its organization.
        if self.instance.pk:
            self.fields["organization"].queryset = (
                self.fields["organization"].queryset
                | Organization.objects.filter(pk=self.instance.organization_id)
            ).distinct()


class CorroborationForm(forms.Form):
    """Which of your organizations corroborates (or withdraws)."""

    organization = forms.ModelChoiceField(queryset=Organization.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = ConveningPage.organizations_of(user)
