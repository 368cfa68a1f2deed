"""Wagtail's hooks for people: deleting people from the admin removes their data."""

from wagtail import hooks

from commontable.accounts.admin_views import DeleteUsersWithTheirData

# Registered after Wagtail's own, so it takes the place of its bulk delete.
hooks.register("register_bulk_action", DeleteUsersWithTheirData, order=100)
