"""Per-person rate limits kept in the shared cache.

allauth limits sign-in, sign-up and password resets itself; this covers our
own actions (posting needs, corroborating). We count in the cache so the
limit holds across every app process when the cache is Redis. allauth's
rate-limit helpers are internal to it, so we keep this small one of our own.

``client_address`` is the one rule for whose address a request comes from,
used by allauth's limits (through our account adapter) as well.
"""

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from commontable.core.errors import ActionRefused


def client_address(request: HttpRequest) -> str:
    """The address a request comes from, as far as our own proxies vouch for it.

    ``X-Forwarded-For`` is written by whoever sends the request until it
    reaches a proxy of ours; each of our ``TRUSTED_PROXY_COUNT`` proxies
    appends the address it saw. So the entry that many places from the right
    is the last one a proxy of ours wrote, and anything further left is the
    client's own say-so. With no proxy trusted (the default), or a request
    that did not pass through them all, the connection's own address is used:
    a header anyone can send never decides whose limit a request counts
    against.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if trusted <= 0 or len(forwarded) < trusted:
        return remote
    candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: a proxy of ours never writes that
        return remote


def consume(action: str, *, key: str) -> None:
    """Count one use of ``action`` by ``key``; refuse with a message once over the limit.

    Limits are ``RATE_LIMITS[action] = (count, seconds)``: a fixed window, so a
    person gets ``count`` actions in each ``seconds``-long window.
    """
    limit, period = settings.RATE_LIMITS[action]
    window = int(time.time() // period)
    cache_key = f"ratelimit:{action}:{key}:{window}"
    cache.add(cache_key, 0, timeout=period + 5)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: start the window again
        cache.set(cache_key, 1, timeout=period + 5)
        used = 1
    if used > limit:
        minutes = max(1, round(period / 60))
        raise ActionRefused(
            f"You have reached the limit of {limit} in {minutes} minutes. "
            "Please wait a little and try again."
        )
