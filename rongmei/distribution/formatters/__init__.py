"""Channel formatters (多次生成): one module per kind of channel, each a pure function of a story
version and its media → the channel's content dict, plus the fields a channel editor may adjust
and their limits.

A formatter module has:
- ``FIELDS``: the editable fields (name, label, widget, limit, required);
- ``generate(version, media, **options) -> dict``;
- ``finish(content, version) -> dict`` (optional): recompute derived values after an edit and
  check rules across fields, raising DomainError naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.newsroom.services._util import strip_controls


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    widget: str = "text"  # text · textarea · html · number · bool · list
    max_len: int | None = None
    required: bool = False
    min_value: int | None = None
    max_value: int | None = None
    help: str = ""


def _modules() -> dict[str, ModuleType]:
    from rongmei.distribution.formatters import gov_site, newspaper, radio, short_video, tv, website, wechat_oa, weibo

    return {
        "website": website,
        "app": website,
        "wechat_oa": wechat_oa,
        "newspaper": newspaper,
        "radio": radio,
        "tv": tv,
        "douyin": short_video,
        "kuaishou": short_video,
        "wechat_channels": short_video,
        "gov_site": gov_site,
        "weibo": weibo,
    }


def module_for(code: str) -> ModuleType:
    try:
        return _modules()[code]
    except KeyError:
        raise DomainError(_("There is no formatter for the channel %(c)s.") % {"c": code}, field="channel") from None


def fields_for(code: str) -> list[Field]:
    mod = module_for(code)
    fields = getattr(mod, "fields_for", None)
    return fields(code) if fields else list(mod.FIELDS)


def generate(code: str, version, media=None, **options) -> dict:
    """The channel's content generated from ``version`` (media: formatters._common.story_media)."""
    from rongmei.distribution.formatters._common import story_media

    if media is None:
        media = story_media(version)
    return module_for(code).generate(version, media, channel=code, **options)


def _clean_value(field: Field, raw):
    label = str(field.label)
    if field.widget == "bool":
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "on", "yes")
        return bool(raw)
    if field.widget == "number":
        if raw in (None, ""):
            if field.required:
                raise DomainError(_("%(f)s is required.") % {"f": label}, field=field.name)
            return None
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise DomainError(_("%(f)s must be a whole number.") % {"f": label}, field=field.name) from None
        if (field.min_value is not None and value < field.min_value) or (field.max_value is not None and value > field.max_value):
            raise DomainError(
                _("%(f)s must be between %(a)s and %(b)s.") % {"f": label, "a": field.min_value, "b": field.max_value}, field=field.name
            )
        return value
    if field.widget == "list":
        if isinstance(raw, str):
            raw = raw.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
        if not isinstance(raw, list | tuple):
            raise DomainError(_("%(f)s must be a list.") % {"f": label}, field=field.name)
        items = [strip_controls(str(x)).strip().strip("#").strip() for x in raw if isinstance(x, str | int)]
        items = list(dict.fromkeys(x for x in items if x))
        if field.max_len is not None and len(items) > field.max_len:
            raise DomainError(_("%(f)s: at most %(n)s items.") % {"f": label, "n": field.max_len}, field=field.name)
        return items
    if raw is None:
        raw = ""
    if not isinstance(raw, str | int | float):
        raise DomainError(_("%(f)s must be text.") % {"f": label}, field=field.name)
    value = strip_controls(str(raw)).replace("\r\n", "\n")
    value = value.strip() if field.widget != "html" else value
    if field.widget == "html":
        from rongmei.newsroom.services.stories import sanitize_body

        value = sanitize_body(value).strip()
    if field.required and not value:
        raise DomainError(_("%(f)s may not be empty.") % {"f": label}, field=field.name)
    if field.max_len is not None and len(value) > field.max_len:
        raise DomainError(
            _("%(f)s is too long: %(n)s characters, at most %(max)s.") % {"f": label, "n": len(value), "max": field.max_len},
            field=field.name,
        )
    return value


def clean(code: str, content: dict, previous: dict, version) -> dict:
    """The content a channel editor sent, checked field by field against the channel's limits.
    Fields not sent keep their previous value; values that are not editable fields (media
    references, derived counts) come from ``previous`` and are recomputed by ``finish``."""
    if not isinstance(content, dict):
        raise DomainError(_("The content must be an object of fields."))
    fields = fields_for(code)
    names = {f.name for f in fields}
    unknown = sorted(set(content) - names - set(previous))
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)})
    out = dict(previous)
    for field in fields:
        if field.name in content:
            out[field.name] = _clean_value(field, content[field.name])
        elif field.required and not out.get(field.name):
            raise DomainError(_("%(f)s may not be empty.") % {"f": str(field.label)}, field=field.name)
    finish = getattr(module_for(code), "finish", None)
    return finish(out, version, channel=code) if finish else out


LABELS = {
    "headline": gettext_lazy("Headline"),
    "subtitle": gettext_lazy("Subtitle"),
    "intro": gettext_lazy("Lead paragraph"),
    "body_html": gettext_lazy("Body"),
}
