"""Front-end forms on a recommendation's page: endorsing, moving stages, recording funding."""

from django import forms
from django.utils import timezone

from commontable.core.dates import DateInRangeField
from commontable.core.plain_text import PlainLineFormField, PlainTextFormField, PlainURLFormField
from convenings.forms import PageChoiceField
from convenings.models import ConveningPage, Organization
from recommendations.following import FollowFrequency, FollowKind
from recommendations.stages import STAGE_ACTIONS, FundingStatus, Stage, StageAction


class EndorsementForm(forms.Form):
    """Endorse on behalf of an organization you represent."""

    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label="Endorse for")
    statement = PlainTextFormField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two: why your organization supports this.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.represented_by(user)


class WithdrawEndorsementForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.represented_by(user)


class StageForm(forms.Form):
    """A facilitator's (or a decision-maker's representative's) stage change, with a note
    and a link.

    ``offered`` (``RecommendationPage.stage_actions_for``) is exactly what the
    form shows: the moves this person may make at this stage, and only the
    fields they need. A posted form accepts every move the stage form makes,
    so the model's refusal, which says who may and from where, is what a
    person reads.
    """

    ACTIONS = [
        (name, action.label) for name, action in STAGE_ACTIONS.items() if action.on_stage_form
    ]

    action = forms.ChoiceField(choices=ACTIONS)
    # The stage the person saw when they chose: if it moved meanwhile, they look again.
    seen_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    convening = PageChoiceField(
        queryset=ConveningPage.objects.none(),
        required=False,
        help_text="For an endorsement: the convening where the table agreed.",
    )
    decided_on = DateInRangeField(
        required=False,
        label="Decision date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a decision: the date of the motion or letter.",
    )
    link = PlainURLFormField(
        required=False,
        max_length=200,
        help_text="A link to the motion, letter, minutes or report.",
    )
    note = PlainTextFormField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, in plain words. For 'implemented', the account of the work.",
    )

    def __init__(self, *args, convenings, offered: list[StageAction] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convening"].queryset = convenings
        if offered is not None:
            self.fields["action"].choices = [(action.name, action.label) for action in offered]
            if STAGE_ACTIONS["endorse"] not in offered:
                del self.fields["convening"]
            if not any(action.decision for action in offered):
                del self.fields["decided_on"]


class FundingForm(forms.Form):
    """A new line in the funding ledger."""

    funder = PlainLineFormField(max_length=200)
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0.01, label="Amount (CAD)"
    )
    committed_on = DateInRangeField(
        initial=timezone.localdate, label="Date", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(choices=FundingStatus.choices)
    reference = PlainLineFormField(
        max_length=255, required=False, help_text="Grant or motion number."
    )


class FollowForm(forms.Form):
    """Follow one thing: the kind, which one, and how often to hear."""

    kind = forms.ChoiceField(choices=FollowKind.choices)
    target = forms.CharField(max_length=200, help_text="The id, or the slug for a tag.")
    frequency = forms.ChoiceField(
        choices=FollowFrequency.choices, initial=FollowFrequency.IMMEDIATE
    )
    next = forms.CharField(max_length=500, required=False)


class FollowFrequencyForm(forms.Form):
    """How often one of your follows sends: at once, or in the weekly digest."""

    frequency = forms.ChoiceField(choices=FollowFrequency.choices, label="How often")
