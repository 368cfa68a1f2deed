"""Pages for visitors who are not signed in, served from the cache.

Most readers are not signed in, and every one of them sees the same page at
the same address, so a page rendered for one can be served to the next
without touching the database. Only what is the same for everyone is kept:
a request with a session, a messages cookie or credentials neither reads nor
fills the cache, and a response is stored only when it is a plain 200 that
sets no cookie and does not ask to stay private.

Any change that could show on a public page calls ``invalidate()``, which
moves a generation number kept in the cache itself; page keys carry it, so
with Redis every app process sees the change at once. Writes are rare next to
reads, so starting afresh on every change costs little and can never miss a
page that shows the changed thing. Pages of an earlier generation are never
read again and expire after ``PAGE_CACHE_SECONDS``.

The cache must be one that every process shares (Redis). Each process has a
cache of its own in local memory, and a change made in one process (another
app worker, the task worker, a management command) would not reach the pages
the others keep: they would go on serving a need for minutes after it became
members-only. A page cache that can serve content its audience lost is a
leak, so with a per-process cache it serves nothing, unless the settings
declare a single process (``PAGE_CACHE_SINGLE_PROCESS``), and ``check
--deploy`` refuses a deployment that asks for a page cache it cannot share.

Whether a page came from the cache is never told to the client: an
``X-Cache: hit`` on a search would tell a visitor what others had recently
searched for. ``page_served`` (a signal) says it to the code that asks.

Django's cache middleware cannot be used as is: it has no way to drop every
page at once, it would serve one CSP nonce to everyone, and it would store
pages for signed-in people under their own cookies.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.utils.csp import generate_nonce

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# Pages about one person, or with side effects, whatever the request looks like.
NEVER_CACHED = ("/admin/", "/accounts/", "/healthz", "/follows/", "/unsubscribe/", "/documents/")
PRIVATE_DIRECTIVES = {"private", "no-cache", "no-store"}
# Caches kept in each process (or nowhere): a change in one process never reaches the others.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}

# Sent with ``request`` when a page is answered from the cache, and with
# ``request`` and ``response`` when a response is stored in it.
page_served = Signal()
page_stored = Signal()


def page_cache():
    """The cache pages are kept in (Redis when configured, so shared by every process)."""
    return caches[settings.PAGE_CACHE_ALIAS]


def cache_is_shared() -> bool:
    """Whether the page cache's backend is one store that every process reads and writes."""
    return settings.CACHES[settings.PAGE_CACHE_ALIAS]["BACKEND"] not in PROCESS_LOCAL_CACHES


def serves_pages() -> bool:
    """Whether the page cache is on: a time to keep pages, and a cache every process sees.

    A per-process cache counts only where the settings declare that one
    process serves every request and makes every change.
    """
    return settings.PAGE_CACHE_SECONDS > 0 and (
        cache_is_shared() or settings.PAGE_CACHE_SINGLE_PROCESS
    )


def current_generation() -> int:
    """The generation that page keys are made with now."""
    cache = page_cache()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Start from the clock, never from 1: if the counter was evicted, pages
        # stored under an earlier generation must stay out of reach.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _next_generation() -> None:
    cache = page_cache()
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no counter yet (or evicted): any fresh one will do
            cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
    except Exception:
        # The cache being down must not fail the change that was just saved.
        logger.warning("Could not refresh the page cache", exc_info=True)


def invalidate() -> None:
    """Stop serving every cached page: now, and again when the current transaction commits.

    The first refresh makes the next request render afresh; the second one
    drops whatever was rendered from the old data between now and the
    commit, so a change is never hidden by a page cached just before it.
    """
    _next_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_next_generation)


@dataclass(frozen=True)
class CachedPage:
    """What is kept of a response: its headers and body, and the CSP nonce they carry.

    Stored as a plain tuple, so entries written by an older release still load.
    """

    headers: tuple[tuple[str, str], ...]
    body: bytes
    nonce: str

    @classmethod
    def from_response(cls, request: HttpRequest, response: HttpResponse) -> "CachedPage":
        nonce = get_nonce(request)
        headers = tuple(
            (name, value) for name, value in response.items() if name.lower() != "content-length"
        )
        return cls(headers=headers, body=response.content, nonce=str(nonce) if nonce else "")

    def as_tuple(self) -> tuple:
        return (self.headers, self.body, self.nonce)

    def response(self) -> HttpResponse:
        """The page as a new response, with a nonce of its own in the policy and the body.

        A nonce is only worth anything if nobody can know it in advance, so
        each visitor gets a fresh one, put exactly where the rendered one was
        (a random value nobody could have written into the page beforehand).
        """
        headers, body = self.headers, self.body
        if self.nonce:
            fresh = generate_nonce()
            headers = tuple((name, value.replace(self.nonce, fresh)) for name, value in headers)
            body = body.replace(self.nonce.encode(), fresh.encode())
        response = HttpResponse(body, headers=dict(headers))
        response["Content-Length"] = str(len(body))
        return response


class AnonymousPageCacheMiddleware:
    """Serve and store pages for visitors who are not signed in.

    It sits near the top of the middleware list: on the way in it answers
    before sessions, authentication and the database are touched; on the way
    out it sees the final headers, cookies and Content-Security-Policy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.may_use_cache(request):
            return self.get_response(request)
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        try:
            key = f"pagecache:{current_generation()}:{hashlib.sha256(address.encode()).hexdigest()}"
            cached = page_cache().get(key)
        except Exception:
            # A cache outage slows pages down; it must not take them down.
            logger.warning("Page cache unavailable", exc_info=True)
            return self.get_response(request)
        if cached is not None:
            request.served_from_page_cache = True
            page_served.send(sender=type(self), request=request)
            return CachedPage(*cached).response()
        response = self.get_response(request)
        if self.may_store(request, response):
            page = CachedPage.from_response(request, response)
            try:
                page_cache().set(key, page.as_tuple(), settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("Could not store a page in the cache", exc_info=True)
            else:
                page_stored.send(sender=type(self), request=request, response=response)
        return response

    @staticmethod
    def may_use_cache(request: HttpRequest) -> bool:
        """Whether this request is one every visitor would make alike."""
        return (
            serves_pages()
            and request.method in {"GET", "HEAD"}
            and not request.path_info.startswith(NEVER_CACHED)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
        )

    @staticmethod
    def may_store(request: HttpRequest, response: HttpResponse) -> bool:
        """Whether the response is the same for every visitor and may be kept."""
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        cache_control = {
            part.split("=")[0].strip().lower()
            for part in response.get("Cache-Control", "").split(",")
        }
        varies = {part.strip().lower() for part in response.get("Vary", "").split(",")}
        return not cache_control & PRIVATE_DIRECTIVES and varies <= {"", "cookie"}
