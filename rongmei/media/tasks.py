"""Background work of the media library, through the Tasks API (see rongmei/newsroom/tasks.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def make_rendition(rendition_id: int) -> str:
    """Make one rendition of an asset; its row shows progress, and why if it fails."""
    from rongmei.media.services import run_rendition

    return run_rendition(rendition_id)


@task()
def housekeeping() -> dict:
    """Remove upload sessions nobody finished (and their partial data); make renditions whose
    worker vanished again (or mark them failed after MAX_ATTEMPTS). Run it hourly."""
    from rongmei.media import services

    recovered = services.recover_stale_renditions()
    return {
        "uploads_purged": services.purge_expired_uploads(),
        "renditions_requeued": recovered["requeued"],
        "renditions_failed": recovered["failed"],
    }
