"""Background work of the public site."""

from __future__ import annotations

from django_tasks import task


@task()
def publish_all_pages() -> dict:
    from rongmei.portal import static_pages

    return static_pages.publish_all()


@task()
def publish_home_page() -> str:
    """The home page again: a carousel or headline feature's time window opened or closed."""
    from rongmei.portal import static_pages

    static_pages.publish_index()
    return "published"
