"""Page links in rich text never show a visitor a members-only page's address.

Minutes and purposes are rendered once for everyone; a link to anything but
a live public page goes through ``/pages/<id>/``, which answers a reader who
may see the page with a redirect to it and anyone else with the same 404 as
for a page that does not exist.
"""

import pytest
from django.urls import reverse

from tests.factories import ConveningPageFactory

pytestmark = pytest.mark.django_db


def minutes_linking(page_id) -> str:
    return f'<p>See <a linktype="page" id="{page_id}">the follow-up</a>.</p>'


@pytest.fixture
def hidden_convening(private_table):
    return ConveningPageFactory(
        parent=private_table, title="Safety planning", slug="zqx-safety-planning"
    )


@pytest.fixture
def public_convening(public_table):
    return ConveningPageFactory(parent=public_table, title="Winter planning", slug="winter")


def links_in(client, page) -> str:
    return client.get(page.url).content.decode()


def test_public_minutes_linking_a_hidden_page_show_no_address(
    client, public_table, public_convening, hidden_convening
):
    public_table.purpose = minutes_linking(hidden_convening.pk)
    public_table.save_revision().publish()
    body = links_in(client, public_table)
    assert "zqx-safety-planning" not in body
    assert "hidden-peer-table" not in body
    assert f'href="/pages/{hidden_convening.pk}/"' in body


def test_a_link_to_a_hidden_page_reads_as_one_to_a_missing_page(
    client, public_table, hidden_convening
):
    public_table.purpose = minutes_linking(hidden_convening.pk) + minutes_linking(999999)
    public_table.save_revision().publish()
    body = links_in(client, public_table)
    assert f'href="/pages/{hidden_convening.pk}/"' in body
    assert 'href="/pages/999999/"' in body
    hidden = client.get(reverse("page_link", args=[hidden_convening.pk]))
    missing = client.get(reverse("page_link", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    # The 404 page repeats the address asked for, and nothing else differs.
    assert hidden.content.decode().replace(f"/pages/{hidden_convening.pk}/", "/pages/N/") == (
        missing.content.decode().replace("/pages/999999/", "/pages/N/")
    )


def test_a_member_follows_the_link_to_the_hidden_page(
    client, public_table, hidden_convening, private_member
):
    client.force_login(private_member)
    response = client.get(reverse("page_link", args=[hidden_convening.pk]))
    assert response.status_code == 302
    assert response["Location"] == hidden_convening.url


def test_a_link_to_a_public_page_is_its_own_address(client, public_table, public_convening):
    public_table.purpose = minutes_linking(public_convening.pk)
    public_table.save_revision().publish()
    assert f'href="{public_convening.url}"' in links_in(client, public_table)
