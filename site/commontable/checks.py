"""System checks of our own, run by ``manage.py check``."""

from django.conf import settings
from django.core import checks

from commontable.core.pagecache import PROCESS_LOCAL_CACHES


@checks.register(checks.Tags.caches, deploy=True)
def rate_limits_need_a_shared_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Warn a deployment whose default cache is not shared by all its processes.

    allauth's limits on sign-in, sign-up and resets, and our own on posting
    needs and corroborating, all count in the default cache.
    """
    if settings.CACHES["default"]["BACKEND"] not in PROCESS_LOCAL_CACHES:
        return []
    return [
        checks.Warning(
            "Rate limits count in the default cache, which is kept in each process: "
            "with several processes each one allows the whole limit again.",
            hint="Set REDIS_URL (or CACHE_URL) to a Redis server that every process shares.",
            id="commontable.W001",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def page_cache_needs_a_shared_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Refuse a deployment that asks for a page cache kept in each process.

    A deployment has more than one process that changes content (app
    workers, the task worker, management commands). With a per-process cache,
    a page one process keeps is never dropped by a change made in another, so
    it could be served to visitors after its content became members-only.
    The page cache then serves nothing, and this says so as an error rather
    than let a deployment believe it has a cache; with
    ``PAGE_CACHE_SINGLE_PROCESS`` it would serve such pages, which is worse.
    """
    backend = settings.CACHES[settings.PAGE_CACHE_ALIAS]["BACKEND"]
    if settings.PAGE_CACHE_SECONDS <= 0 or backend not in PROCESS_LOCAL_CACHES:
        return []
    if settings.PAGE_CACHE_SINGLE_PROCESS:
        problem = (
            "PAGE_CACHE_SINGLE_PROCESS serves pages from a cache kept in each process: a "
            "change made in another process (a worker, a management command) never drops "
            "them, so visitors could be served content they may no longer see."
        )
    else:
        problem = (
            "The page cache is asked for (PAGE_CACHE_SECONDS > 0) but the cache is kept in "
            "each process, where a change in one process cannot reach the pages another "
            "keeps; so it serves no pages at all."
        )
    return [
        checks.Error(
            problem,
            hint=(
                "Set REDIS_URL (or CACHE_URL) to a Redis server every process shares, or "
                "PAGE_CACHE_SECONDS=0 to run without a page cache."
            ),
            id="commontable.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def proxies_are_declared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Warn an HTTPS deployment that trusts no proxy with the person's address.

    ``SECURE_SSL`` says a TLS proxy sits in front. Unless ``TRUSTED_PROXY_COUNT``
    says how many, every request seems to come from the proxy itself, and
    the per-address limits on sign-in and sign-up are shared by everyone.
    """
    if not settings.SECURE_SSL or settings.ALLAUTH_TRUSTED_PROXY_COUNT > 0:
        return []
    return [
        checks.Warning(
            "SECURE_SSL is on but TRUSTED_PROXY_COUNT is 0: behind a proxy, every person "
            "shares the proxy's address, and one person can use up everyone's sign-in limit.",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front that append to "
            "X-Forwarded-For (1 for a single proxy).",
            id="commontable.W002",
        )
    ]
