"""The page tree: which page type goes where, and how many of each there may be.

The tree is the site's shape: one home page at the root, one round-tables
index under it, round tables under the index, and convenings and
recommendations under a round table, with nothing beneath them. A page type
added to the project without a row in ``TREE`` fails the first test.
"""

import pytest
from wagtail.models import Page, get_page_models
from wagtail.test.utils import WagtailPageTestCase

from commontable.models import HomePage
from convenings.models import ConveningPage, RoundTableIndexPage, RoundTablePage
from recommendations.models import RecommendationPage
from tests.factories import RoundTablePageFactory

# Each of the site's page types: the page types it may sit under, and the ones it may hold.
TREE = {
    HomePage: ({Page}, {RoundTableIndexPage}),
    RoundTableIndexPage: ({HomePage}, {RoundTablePage}),
    RoundTablePage: ({RoundTableIndexPage}, {ConveningPage, RecommendationPage}),
    ConveningPage: ({RoundTablePage}, set()),
    RecommendationPage: ({RoundTablePage}, set()),
}

# Wagtail's own base page type, which only ever holds the home page.
ALL_TYPES = [Page, *TREE]


@pytest.mark.django_db
class TestPageTree(WagtailPageTestCase):
    def test_every_page_type_of_the_site_has_its_place_in_the_tree(self):
        ours = {model for model in get_page_models() if model is not Page}
        assert ours == set(TREE)

    def test_each_page_type_sits_only_under_its_parents(self):
        for model, (parents, _) in TREE.items():
            with self.subTest(model=model.__name__):
                self.assertAllowedParentPageTypes(model, parents)

    def test_each_page_type_holds_only_its_children(self):
        for model, (_, children) in TREE.items():
            with self.subTest(model=model.__name__):
                self.assertAllowedSubpageTypes(model, children)

    def test_wagtails_root_offers_only_the_home_page(self):
        # Wagtail's base page type allows itself beneath, but is never created in the admin.
        self.assertAllowedSubpageTypes(Page, {Page, HomePage})
        assert Page.creatable_subpage_models() == [HomePage]

    def test_each_page_type_is_creatable_exactly_where_the_tree_says(self):
        for child in TREE:
            parents = TREE[child][0]
            for parent in ALL_TYPES:
                with self.subTest(parent=parent.__name__, child=child.__name__):
                    if parent in parents:
                        self.assertCanCreateAt(parent, child)
                    else:
                        self.assertCanNotCreateAt(parent, child)

    def test_convenings_and_recommendations_hold_nothing(self):
        for leaf in (ConveningPage, RecommendationPage):
            for child in ALL_TYPES:
                with self.subTest(parent=leaf.__name__, child=child.__name__):
                    self.assertCanNotCreateAt(leaf, child)

    def test_the_site_has_one_home_page_and_one_round_tables_index(self):
        home = HomePage.objects.get()
        index = RoundTableIndexPage.objects.get()
        assert index.get_parent().specific == home
        # Both already exist, so neither can be made again, even where its type belongs.
        assert not HomePage.can_create_at(Page.get_first_root_node())
        assert not RoundTableIndexPage.can_create_at(home)
        assert HomePage.max_count == RoundTableIndexPage.max_count == 1

    def test_round_tables_convenings_and_recommendations_can_be_added_again_and_again(self):
        index = RoundTableIndexPage.objects.get()
        table = RoundTablePageFactory(parent=index)
        assert RoundTablePage.can_create_at(index)
        assert ConveningPage.can_create_at(table)
        assert RecommendationPage.can_create_at(table)
        # What the admin's "Add child page" offers under each.
        assert set(index.specific_class.creatable_subpage_models()) == {RoundTablePage}
        assert set(table.specific_class.creatable_subpage_models()) == {
            ConveningPage,
            RecommendationPage,
        }
        assert ConveningPage.creatable_subpage_models() == []
        assert RecommendationPage.creatable_subpage_models() == []
