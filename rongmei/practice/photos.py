"""Photos of an activity: the practice center's staff upload them, the public activity page shows
them once the activity is public.

Every picture is checked like a topic's pictures (rongmei.community.topics.check_picture: size,
format, pixel count) and then re-encoded: turned the way the camera's EXIF orientation says,
fitted within 2048×2048 and saved as a JPEG without any of the camera's metadata. The metadata
has to go because a phone's EXIF carries where the picture was taken, which here is where
volunteers and the residents they serve live. An upload is all or nothing: one bad file refuses
the whole upload and nothing is stored."""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rongmei.community.topics import check_picture
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, StateConflict
from rongmei.core.input import clean_text
from rongmei.core.storage import delete_after_commit
from rongmei.practice import services
from rongmei.practice.models import Activity, ActivityPhoto

MAX_PER_UPLOAD = 12
MAX_PER_ACTIVITY = 60
MAX_SIDE = 2048
JPEG_QUALITY = 85
CAPTION_MAX = 100


# --- reads -------------------------------------------------------------------------------------------


def activity_photos(activity: Activity) -> list[ActivityPhoto]:
    """The activity's photos, oldest first (the staff page and the public page alike; the public
    page is shown only for a public activity, so there is nothing more to filter)."""
    return list(ActivityPhoto.objects.filter(activity=activity).order_by("uploaded_at", "id"))


def photo_for(pk: int, user) -> ActivityPhoto | None:
    """The photo if this person may see it: anybody when its activity is public (not still being
    planned), the practice center's staff always; else None."""
    photo = ActivityPhoto.objects.select_related("activity").filter(pk=pk).first() if 0 < pk < 2**63 else None
    if photo is None:
        return None
    if is_public(photo) or services.is_coordinator(user):
        return photo
    return None


def is_public(photo: ActivityPhoto) -> bool:
    """The rule of selectors.public_activity: every activity but a draft is public."""
    return photo.activity.state != Activity.State.DRAFT


# --- re-encoding -------------------------------------------------------------------------------------


def _to_srgb(image, icc: bytes | None):
    """Convert an RGB picture with an embedded colour profile (a phone's Display P3, say) to sRGB,
    so its colours survive dropping the profile with the rest of the metadata."""
    if not icc:
        return image
    from PIL import ImageCms

    try:
        return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken or non-RGB profile: keep the pixels as they are rather than refuse the photo


def _flatten(image):
    """An RGB picture: transparency laid on white, palettes and greys expanded, 16-bit greys scaled."""
    from PIL import Image

    if image.mode == "I" or image.mode.startswith("I;16"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image if image.mode == "RGB" else image.convert("RGB")


def reencode(data: bytes) -> tuple[bytes, int, int]:
    """The picture as a JPEG of at most MAX_SIDE×MAX_SIDE, turned upright, without metadata; its
    bytes, width and height. ``data`` has passed check_picture."""
    from PIL import Image, ImageOps

    from rongmei.media.probe import strict_decoding

    # Strict: a cut-off file is refused even after WeasyPrint (certificates) switched Pillow's
    # process-wide LOAD_TRUNCATED_IMAGES on.
    with strict_decoding(), Image.open(io.BytesIO(data)) as source:
        source.seek(0)  # the first frame of a GIF or an animated WebP
        if source.format == "JPEG":
            # Decode at a reduced scale straight away (never below the target size): a 40-megapixel
            # photo then needs a quarter or less of the memory.
            source.draft("RGB", (MAX_SIDE, MAX_SIDE))
        icc = source.info.get("icc_profile")
        image = ImageOps.exif_transpose(source)  # a new image, upright, the orientation tag gone
    image = _to_srgb(_flatten(image), icc)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh RGB image has no .info to carry over, and no exif/icc_profile/xmp is passed: the
    # JPEG holds pixels only.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue(), clean.width, clean.height


def clean_upload(upload, *, n: int = 1, field: str) -> tuple[bytes, int, int]:
    """An uploaded picture checked (rongmei.community.topics.check_picture) and re-encoded; a
    DomainError on ``field`` naming picture ``n`` when it is refused."""
    data, _ext, _w, _h = check_picture(upload, n=n, field=field)
    try:
        return reencode(data)
    except (OSError, ValueError, SyntaxError, EOFError):
        # Pillow's verify() passes some files that do not decode (a truncated JPEG).
        raise DomainError(
            _("Picture %(n)s is not a picture we can show; send a JPEG, PNG, GIF or WebP file.") % {"n": n},
            field=field,
            code="not_an_image",
        ) from None


# --- writes ------------------------------------------------------------------------------------------


def _check_open(activity: Activity) -> None:
    if activity.state == Activity.State.CANCELLED:
        raise StateConflict(_("The activity was cancelled; it takes no photos."))


def _check_room(activity: Activity, adding: int) -> None:
    have = ActivityPhoto.objects.filter(activity=activity).count()
    if have + adding > MAX_PER_ACTIVITY:
        raise DomainError(
            _("An activity may have at most %(most)s photos; it has %(have)s, so add at most %(room)s more.")
            % {"most": MAX_PER_ACTIVITY, "have": have, "room": max(0, MAX_PER_ACTIVITY - have)},
            field="photos",
            code="too_many",
        )


def add_photos(*, actor, activity: Activity, uploads, caption: str = "") -> list[ActivityPhoto]:
    """Store the uploaded pictures as photos of the activity, all of them or none. Staff only;
    not for a cancelled activity; at most MAX_PER_UPLOAD at once and MAX_PER_ACTIVITY in all.
    The caption, if any, goes with each photo of this upload."""
    services._require_coordinator(actor)
    uploads = [u for u in (uploads or []) if u is not None]
    if not uploads:
        raise DomainError(_("Choose at least one photo to upload."), field="photos", code="required")
    if len(uploads) > MAX_PER_UPLOAD:
        raise DomainError(
            _("Upload at most %(n)s photos at a time (you chose %(len)s).") % {"n": MAX_PER_UPLOAD, "len": len(uploads)},
            field="photos",
            code="too_many",
        )
    caption = clean_text(caption, field="caption", label=_("Caption"), max_len=CAPTION_MAX, required=False)
    _check_open(activity)
    _check_room(activity, len(uploads))
    # The slow part (decoding, resizing) happens before the transaction, so the activity is not
    # held locked for it; the rules are checked again under the lock below.
    encoded = [clean_upload(upload, n=n, field="photos") for n, upload in enumerate(uploads, start=1)]
    stored: list[str] = []
    try:
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=activity.pk)
            _check_open(activity)
            _check_room(activity, len(encoded))
            added = []
            for data, width, height in encoded:
                photo = ActivityPhoto(activity=activity, width=width, height=height, caption=caption, uploaded_by=actor)
                photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
                stored.append(photo.image.name)
                photo.save()
                added.append(photo)
            audit.record(
                "practice.photos_add",
                actor=actor,
                subject=activity,
                summary=ngettext("%(n)s photo added", "%(n)s photos added", len(added)) % {"n": len(added)},
                data={"photos": [p.pk for p in added]},
            )
    except BaseException:
        # Nothing of a refused upload stays behind, in the database or on disk.
        for name in stored:
            ActivityPhoto._meta.get_field("image").storage.delete(name)
        raise
    return added


@transaction.atomic
def delete_photo(*, actor, photo: ActivityPhoto) -> None:
    """Delete the photo; its file goes once the deletion is committed (a rollback keeps both)."""
    services._require_coordinator(actor)
    photo = ActivityPhoto.objects.select_for_update().select_related("activity").filter(pk=photo.pk).first()
    if photo is None:
        raise StateConflict(_("This photo was deleted already."))
    name = photo.image.name
    audit.record(
        "practice.photo_delete",
        actor=actor,
        subject=photo.activity,
        summary=_("Photo deleted: %(name)s") % {"name": photo.caption or name.rsplit("/", 1)[-1]},
        data={"photo": photo.pk, "file": name},
    )
    photo.delete()
    delete_after_commit([name])
