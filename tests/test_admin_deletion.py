"""Deleting pages in the admin never erases a recommendation's public record.

A recommendation's stage history, endorsements and funding ledger are what
councillors rely on, and the database protects them. Deleting such a page,
or the table that holds it, is refused with a message saying what to do
instead; nothing is deleted. A recommendation with no record yet can go.
"""

import pytest
from django.contrib.messages import get_messages

from recommendations.models import RecommendationPage
from tests.factories import RecommendationPageFactory, UserFactory


@pytest.fixture
def proposed(public_table, facilitator):
    recommendation = RecommendationPageFactory(parent=public_table, title="Warming centre")
    recommendation.propose(by=facilitator)
    return recommendation


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator)
    return client


def error_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("method", ["get", "post"])
def test_deleting_a_recommendation_with_a_timeline_is_refused_with_a_message(
    as_facilitator, proposed, method
):
    response = getattr(as_facilitator, method)(f"/admin/pages/{proposed.pk}/delete/")
    assert response.status_code == 302
    assert any("has a public record" in text for text in error_messages(response))
    assert RecommendationPage.objects.filter(pk=proposed.pk).exists()


def test_deleting_the_table_that_holds_it_is_refused(client, proposed, public_table):
    client.force_login(UserFactory(is_superuser=True, with_totp=True))
    response = client.post(f"/admin/pages/{public_table.pk}/delete/")
    assert response.status_code == 302
    assert any("Warming centre" in text for text in error_messages(response))
    assert RecommendationPage.objects.filter(pk=proposed.pk).exists()


def test_bulk_deletion_is_refused_too(as_facilitator, proposed):
    response = as_facilitator.post(
        f"/admin/bulk/wagtailcore/page/delete/?id={proposed.pk}", {"next": "/admin/"}
    )
    assert response.status_code == 302
    assert any("has a public record" in text for text in error_messages(response))
    assert RecommendationPage.objects.filter(pk=proposed.pk).exists()


def test_a_draft_with_no_record_can_be_deleted(as_facilitator, public_table):
    draft = RecommendationPageFactory(parent=public_table, title="First idea")
    response = as_facilitator.post(f"/admin/pages/{draft.pk}/delete/")
    assert response.status_code == 302
    assert not RecommendationPage.objects.filter(pk=draft.pk).exists()
