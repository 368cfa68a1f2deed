"""Front-end forms: registering, needs, and facilitators' convening actions."""

from datetime import UTC
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.utils import timezone
from taggit.models import Tag

from commontable.core.dates import DateTimeInRangeField
from commontable.core.plain_text import (
    PlainLineFormField,
    PlainTextFormField,
    plain_text_from_rich_text,
)
from convenings.models import Community, ConveningPage, Need, Organization, RoundTablePage
from convenings.safety import describes_violence


class PageChoiceField(forms.ModelChoiceField):
    """A choice of page by id, where a number too big to be one is simply not a choice.

    Django range-checks ids, but not the link through which a page type's id
    is looked up (``page_ptr``): SQLite would raise OverflowError, a 500.
    """

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


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
        self.fields["organization"].queryset = Organization.objects.of(user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("anonymous"):
            cleaned["organization"] = None
        return cleaned

    def error_text(self) -> str:
        """All errors as one sentence, for a message after a redirect."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)


class AttributionSelect(forms.RadioSelect):
    """How a need is credited: a choice ``Need.attribution_refusal`` refuses says why, beside it.

    A refused choice is disabled, unless it is the need's current credit (it
    stays checked, with its reason, until the poster picks another).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusals: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["refusal"] = self.refusals.get(str(value))
        if option["refusal"]:
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_refusal"
            if not selected:
                option["attrs"]["disabled"] = True
        return option


class NeedForm(forms.ModelForm):
    """Post a need for one of your organizations.

    Two safety rules run here. An anonymous credit is offered only where it
    hides the organization (``Need.attribution_refusal``). A need whose words
    may describe violence (``describes_violence``) is not saved on the first
    post: the page shows the community's peer-run reporting option and a
    reminder first, with everything typed kept, and a "Post it" button.
    """

    # What the safety prompt reads.
    SAFETY_PROMPT_FIELDS = ["title", "description", "who_is_affected", "evidence"]

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
            "attribution": AttributionSelect,
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "attribution": (
                "Your name is never shown unless you choose it. “A peer-led organization” and "
                "“a frontline provider” are offered only where another organization of that "
                "kind can read the need too; otherwise they would name yours."
            )
        }
        field_classes = {"round_table": PageChoiceField, "convening": PageChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        organizations = Organization.objects.of(user)
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
        # The poster saw the safety prompt and chose to post as written.
        self.safety_confirmed = self.data.get("safety_confirmed") == "yes"
        if not self.is_bound:
            draft = self.instance
            if not draft.pk:
                draft = Need(organization=self.fields["organization"].initial)
            self._offer_attributions(draft)

    def _offer_attributions(self, draft: Need) -> dict[str, str]:
        """Mark the credits this need may not use, with the reason; return them."""
        if "attribution" not in self.fields:
            return {}
        refusals = {}
        for attribution in Need.ANONYMOUS_CREDITS:
            refusal = draft.attribution_refusal(attribution)
            if refusal:
                refusals[attribution] = refusal
        self.fields["attribution"].widget.refusals = refusals
        return refusals

    def _draft_from(self, cleaned: dict) -> Need:
        """An unsaved need with the audience this post gives it, for the attribution rule."""
        instance = self.instance
        return Need(
            organization=cleaned.get("organization") or getattr(instance, "organization", None),
            community=cleaned.get("community") or getattr(instance, "community", None),
            round_table=cleaned.get("round_table"),
            visibility=cleaned.get("visibility") or instance.visibility,
        )

    def describes_violence(self) -> bool:
        """Whether what was typed may describe violence (it shows the safety prompt)."""
        return describes_violence(
            " ".join(str(self.data.get(name, "")) for name in self.SAFETY_PROMPT_FIELDS)
        )

    def needs_safety_prompt(self) -> bool:
        """Whether to show the safety prompt instead of saving: not yet seen and confirmed.

        An edit is prompted only when it changes the words, so changing a
        need's status does not ask again.
        """
        if not self.is_bound or self.safety_confirmed or not self.describes_violence():
            return False
        if self.instance.pk:
            return bool(set(self.changed_data) & set(self.SAFETY_PROMPT_FIELDS))
        return True

    def safety_prompt_community(self) -> Community | None:
        """The community whose peer-run reporting option the prompt shows, if one was chosen."""
        if not self.is_bound:
            return None
        self.is_valid()  # cleans the fields once; a community that is not valid is None
        return self.cleaned_data.get("community")

    def clean_tags(self) -> list[str]:
        """Each tag fits where tags are kept (PostgreSQL would refuse a longer one)."""
        tags = self.cleaned_data["tags"]
        longest = Tag._meta.get_field("name").max_length
        if any(len(tag) > longest for tag in tags):
            raise forms.ValidationError(f"Keep each tag to {longest} characters or fewer.")
        return tags

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
            and not table.may_post_members_only(self.user)
        ):
            self.add_error(
                "visibility", "You can only post members-only needs to a table you belong to."
            )
        refusals = self._offer_attributions(self._draft_from(cleaned))
        attribution = cleaned.get("attribution")
        if attribution in refusals:
            self.add_error(
                "attribution", f"{refusals[attribution]} Choose another way to credit it."
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
        self.fields["organization"].queryset = Organization.objects.of(user)


class WallClockDateTimeField(DateTimeInRangeField):
    """A date and time as typed, with no time zone yet: the form applies the convening's own.

    Django would read it in the site's zone, where a time that exists in
    another British Columbia zone can be missing (the night clocks change).
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        with timezone.override(UTC):
            value = super().to_python(value)
        return None if value is None else timezone.make_naive(value, UTC)


class ConveningForm(forms.ModelForm):
    """A facilitator schedules a convening from the site."""

    starts_at = WallClockDateTimeField(
        label="Starts", help_text="Date and time, in the convening's time zone (below)."
    )
    ends_at = WallClockDateTimeField(label="Ends", help_text="Date and time it ends.")

    class Meta:
        model = ConveningPage
        fields = ConveningPage.SCHEDULING_FIELDS
        labels = {
            "title": "Title",
            "time_zone": "Time zone",
            "format": "Format",
            "area": "General area",
            "address": "Address",
            "online_link": "Online meeting link",
            "capacity": "Capacity",
            "open_registration": "Open registration to every member",
            "interpretation": "Interpretation",
            "honoraria": "Honoraria for peers",
            "childcare": "Childcare",
            "transit_support": "Transit support",
            "accessibility_notes": "Accessibility notes",
        }
        help_texts = {
            "title": "For example “Spring convening”. The web address is made from it.",
        }
        field_classes = {"title": PlainLineFormField}
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        """Read the start and end in the chosen time zone (the model then checks their order)."""
        cleaned = super().clean()
        zone_name = cleaned.get("time_zone")
        for name in ("starts_at", "ends_at"):
            wall_clock = cleaned.get(name)
            if wall_clock is None:
                continue
            if not zone_name:
                del cleaned[name]
                continue
            zone = ZoneInfo(zone_name)
            moment = wall_clock.replace(tzinfo=zone)
            if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall_clock:
                self.add_error(
                    name,
                    "That time does not exist in this time zone: the clocks go forward then. "
                    "Choose another time.",
                )
            else:
                cleaned[name] = moment
        return cleaned


class AttendanceForm(forms.Form):
    """Who came to a convening, counted by organization, and its minutes.

    One number per organization sitting at the table (and any already
    counted or registered), one for people without an organization, and one
    more organization to add; after saving, it is listed with the others.
    """

    unaffiliated = forms.IntegerField(
        min_value=0,
        required=False,
        label="People without an organization",
        help_text="People who came without naming an organization.",
        error_messages={"min_value": "Enter 0 or more."},
        widget=forms.NumberInput(attrs={"class": "count"}),
    )
    another_organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label="Another organization",
        empty_label="None",
    )
    another_people = forms.IntegerField(
        min_value=1,
        required=False,
        label="People from another organization",
        error_messages={"min_value": "Enter 1 or more."},
        widget=forms.NumberInput(attrs={"class": "count"}),
    )
    minutes = PlainTextFormField(
        required=False,
        strip=True,
        label="Minutes",
        help_text=(
            "Plain text; leave a blank line between paragraphs. Shown on the convening's "
            "page once it has ended. Changing them here replaces any formatting added in "
            "the admin."
        ),
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    seen_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, convening: ConveningPage, **kwargs):
        rows = list(convening.attendance.all())
        counts: dict[int | None, int] = {}
        for row in rows:
            counts[row.organization_id] = counts.get(row.organization_id, 0) + row.people
        listed = Q(pk__in=[pk for pk in counts if pk is not None]) | Q(
            pk__in=convening.registrations.active().values("organization")
        )
        if convening.round_table_id:
            listed |= Q(round_tables=convening.round_table_id)
        self.organizations = list(Organization.objects.filter(listed).distinct().order_by("name"))
        self.initial_minutes = plain_text_from_rich_text(convening.minutes)
        kwargs["initial"] = {
            "unaffiliated": counts.get(None, 0),
            "minutes": self.initial_minutes,
            "seen_revision": convening.live_revision_id,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        for organization in self.organizations:
            self.fields[self.field_name(organization)] = forms.IntegerField(
                min_value=0,
                required=False,
                label=organization.name,
                initial=counts.get(organization.pk, 0),
                error_messages={"min_value": "Enter 0 or more."},
                widget=forms.NumberInput(attrs={"class": "count"}),
            )
        self.fields["another_organization"].queryset = Organization.objects.exclude(
            pk__in=[organization.pk for organization in self.organizations]
        ).order_by("name")
        self.order_fields(
            [
                *(self.field_name(organization) for organization in self.organizations),
                "unaffiliated",
                "another_organization",
                "another_people",
                "minutes",
            ]
        )

    @staticmethod
    def field_name(organization: Organization) -> str:
        return f"organization_{organization.pk}"

    def organization_fields(self) -> list[forms.BoundField]:
        """The number fields of the listed organizations, in name order."""
        return [self[self.field_name(organization)] for organization in self.organizations]

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("another_organization")
        people = cleaned.get("another_people")
        if organization and people is None and "another_people" not in self.errors:
            self.add_error("another_people", f"Say how many people came from {organization}.")
        if people and not organization and "another_organization" not in self.errors:
            self.add_error("another_organization", "Choose the organization they came from.")
        return cleaned

    def rows(self) -> list[tuple[Organization | None, int]]:
        """``(organization, people)`` pairs for ``ConveningPage.record_attendance``."""
        data = self.cleaned_data
        rows = [
            (organization, data.get(self.field_name(organization)) or 0)
            for organization in self.organizations
        ]
        rows.append((None, data.get("unaffiliated") or 0))
        if data.get("another_organization"):
            rows.append((data["another_organization"], data["another_people"]))
        return rows

    def changed_minutes(self) -> str | None:
        """The minutes if they were edited, else None (so formatting from the admin is kept)."""
        minutes = self.cleaned_data["minutes"].replace("\r\n", "\n")
        return None if minutes == self.initial_minutes else minutes
