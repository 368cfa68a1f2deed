"""Per-person rate limits kept in the shared cache.

allauth limits sign-in, sign-up and password resets itself; this covers our
own actions (posting needs, corroborating). We count in the cache so the
limit holds across every app process when the cache is Redis. allauth's
rate-limit helpers are internal to it, so we keep this small one of our own.
"""

import time

from django.conf import settings
from django.core.cache import cache

from commontable.errors import ActionRefused


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
