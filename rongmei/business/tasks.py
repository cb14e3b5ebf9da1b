"""Deliverables follow the newsroom: when a story goes live on our site or a live room ends, the
projects it is a deliverable of are refreshed (rongmei.business.signals enqueues this after the
commit). A lost task loses nothing: a project's page and ``manage.py business_refresh`` refresh
too (services.refresh_open_projects)."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_projects_of(kind: str, target_id: int) -> int:
    """Refresh the open projects that have the story, live room or plan ``target_id`` as a
    deliverable (a story also counts for its plan). Returns how many projects were refreshed."""
    from rongmei.business import services

    return services.refresh_projects_of(kind, target_id)
