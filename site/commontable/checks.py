"""System checks of our own, run by ``manage.py check``."""

from django.conf import settings
from django.core import checks

# Caches whose counts live in one process: every app process (and every
# machine) would allow a person the whole limit again.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


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
