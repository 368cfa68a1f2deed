"""The site's public address, read from ``WAGTAILADMIN_BASE_URL`` (``SITE_URL``) alone.

What outlives a response is built from here: a calendar event's UID, a feed
entry's id, a link kept in someone's calendar. The ``Host`` header of a
request says only how that request reached the site (``localhost``,
``127.0.0.1``, a proxy's name), so nothing lasting is built from it.
"""

from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _base() -> str:
    base = settings.WAGTAILADMIN_BASE_URL
    if not urlsplit(base).hostname:
        raise ImproperlyConfigured(
            "SITE_URL must be an absolute address such as https://commontable.example, "
            f"not {base!r}."
        )
    return base


def public_host() -> str:
    """The public address's host name, without scheme or port: ``commontable.example``."""
    return urlsplit(_base()).hostname


def public_url(path: str) -> str:
    """``path`` (from the site's root, as ``reverse()`` and a page's ``url`` give it) made absolute.

    An address that is already absolute (a page of another Wagtail site) is left as it is.
    """
    return urljoin(_base(), path)
