"""factory_boy factories for the site's people, places and pages."""

import base64
import secrets
from datetime import timedelta

import factory
import wagtail_factories
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.utils import timezone

from commontable.models import User
from convenings.models import (
    Community,
    ConveningPage,
    Membership,
    Need,
    Organization,
    RoundTableIndexPage,
    RoundTablePage,
    RoundTableRole,
)
from recommendations.models import RecommendationPage


def totp_code(secret: str) -> str:
    """The code an authenticator app set up with ``secret`` shows right now."""
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


class TOTPAuthenticatorFactory(factory.django.DjangoModelFactory):
    """An authenticator app set up for a person; ``data["secret"]`` makes its codes."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory("tests.factories.UserFactory")
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(
        lambda: {"secret": base64.b32encode(secrets.token_bytes(20)).decode()}
    )


class UserFactory(factory.django.DjangoModelFactory):
    """A person.

    ``with_totp=True`` sets up an authenticator app, which facilitators and
    administrators need before they may change anything; ``administrator=True``
    makes a site administrator, with one.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        with_totp = factory.Trait(
            totp=factory.RelatedFactory(TOTPAuthenticatorFactory, factory_related_name="user")
        )
        administrator = factory.Trait(is_staff=True, is_superuser=True, with_totp=True)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Participant {n}")
    password = factory.django.Password("a-long-test-passphrase")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    kind = Organization.Kind.FRONTLINE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    can_represent = False


class PublishedPageFactory(wagtail_factories.PageFactory):
    """Pages published through a revision, as an editor would (firing page_published)."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def publish(obj, create, extracted, **kwargs):
        if create:
            obj.save_revision().publish()
            obj.refresh_from_db()


class RoundTablePageFactory(PublishedPageFactory):
    class Meta:
        model = RoundTablePage

    title = factory.Sequence(lambda n: f"Round table {n}")
    slug = factory.Sequence(lambda n: f"round-table-{n}")
    community = factory.SubFactory(CommunityFactory)
    purpose = "<p>Why we meet.</p>"
    parent = factory.LazyFunction(lambda: RoundTableIndexPage.objects.get())


class ConveningPageFactory(PublishedPageFactory):
    class Meta:
        model = ConveningPage

    title = factory.Sequence(lambda n: f"Convening {n}")
    slug = factory.Sequence(lambda n: f"convening-{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    area = "Downtown"
    address = "123 Secret Street"
    online_link = "https://meet.example.org/secret-room"
    parent = factory.SubFactory(RoundTablePageFactory)


class RoundTableRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundTableRole

    round_table = factory.SubFactory(RoundTablePageFactory)
    user = factory.SubFactory(UserFactory)
    role = RoundTableRole.Role.MEMBER


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    title = factory.Sequence(lambda n: f"Need {n}")
    description = "What is needed, and what happens without it."
    who_is_affected = "People in the community"
    community = factory.SubFactory(CommunityFactory)
    organization = factory.SubFactory(OrganizationFactory)
    urgency = Need.Urgency.ROUTINE


class RecommendationPageFactory(PublishedPageFactory):
    class Meta:
        model = RecommendationPage

    title = factory.Sequence(lambda n: f"Recommendation {n}")
    slug = factory.Sequence(lambda n: f"recommendation-{n}")
    summary = "A local solution."
    parent = factory.SubFactory(RoundTablePageFactory)
