"""WeChat Channels (视频号): handed to a person, because no server API can publish there.

The decision. Neither WeChat's documents nor its permission lists offer a third party a way to
publish (or delete) a 视频号 video from a server (read 2026-11):
  视频号助手API   https://developers.weixin.qq.com/doc/channels/api/  — access tokens, quotas, live
                 records and reservations, 橱窗 (shop window) products, 留资 (leads), live dashboards
  permission sets https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/product/channel_authority.html
                 — 143 留资组件管理, 160 留资服务的直播数据, 176 达人数据, 177 商品橱窗管理
Posting is done by a person in the 视频号助手 web page (https://channels.weixin.qq.com, after a
WeChat QR-code login) or in the WeChat app. The tools that "publish to 视频号" drive that web page
with a browser robot or speak a private client protocol: that is not an API, it breaks the
platform's rules and puts the account at risk, so we do not do it and do not invent an endpoint.

What this adapter does instead (adapter "channels_handoff"): it delivers everything the person
needs, over SFTP to the folder the operator names (a shared folder the social-media desk watches):
  K.mp4          the 9:16 vertical cut, streamed from disk (refused with a clear message when the
                 story has no finished vertical cut)
  K.cover.jpg    the poster frame, when there is one
  K.txt          the 发表单: 短标题 (≤ 16 characters) and 描述 with its #话题 as the channel version
                 has them, ready to paste, and what to do with the files
  K.manifest.json  written LAST (key, story, version, each file's name, size and SHA-256), so a
                 watcher never picks up half a set
SFTP rather than e-mail: a vertical 1080×1920 video is usually larger than mail servers accept,
and the SFTP transport (sftp.py: atomic .part + rename, host key checked, files streamed) is
already there and tested. Sending again overwrites the same names: there is never a second set.
The receipt is "handoff:K" with no url: the publication reads "published" once the files are
delivered; the post itself appears when the person posts it.
Retraction: we cannot delete a 视频号 post. The files are removed (manifest first) and
K.retracted.txt and K.retracted.json tell the person to delete the post in 视频号助手 by hand.

HAS ONLY MET THE LOCAL CONTRACT SERVER: the paramiko SFTP server of tests/servers/sftp.py, never
a newsroom's real drop folder; and nothing here talks to 视频号 itself.

Settings (stored encrypted through credentials.py, ``adapter: "channels_handoff"``): as for sftp:
host, port, username, password and/or private_key (key_passphrase), host_key (required),
directory, timeout.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import PermanentError, Receipt, media_file, story_payload
from rongmei.distribution.adapters.oauth_http import vertical_cut
from rongmei.distribution.adapters.settings_util import channel_settings
from rongmei.distribution.adapters.sftp import REQUIRED, SftpAdapter

ASSISTANT_URL = "https://channels.weixin.qq.com"


def platform() -> str:
    return _("WeChat Channels")


def _measure(data: bytes | Path) -> dict:
    if isinstance(data, bytes):
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    digest, size = hashlib.sha256(), 0
    with data.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return {"bytes": size, "sha256": digest.hexdigest()}


def manifest_name(key: str) -> str:
    return f"{key}.manifest.json"


def sheet(payload: dict, key: str, has_cover: bool) -> str:
    """The 发表单 the person reads: what to paste where, and which files to use."""
    c = payload.get("content") or {}
    lines = [
        "视频号发表单",
        f"本系统无法代为发表视频号。请登录视频号助手（{ASSISTANT_URL}）→ 发表视频，按下列内容手动发表。",
        "",
        f"视频：{key}.mp4（竖屏 9:16）",
        f"封面：{key}.cover.jpg" if has_cover else "封面：无，请在视频号助手中选取",
        f"短标题：{c.get('title') or payload.get('headline', '')}",
        "描述：",
        c.get("text") or c.get("caption") or payload.get("headline", ""),
        "",
        f"稿件：{payload.get('headline', '')}（编号 {key}）",
        "发表后请将视频号作品链接告知编辑部。如稿件撤回，本目录会出现 .retracted.txt 说明。",
    ]
    return "\n".join(lines) + "\n"


class ChannelsHandoffAdapter(SftpAdapter):
    name = "channels_handoff"

    def config(self) -> dict:
        cfg = channel_settings(self.channel, self._given, REQUIRED, "channels_handoff")
        if not cfg.get("password") and not cfg.get("private_key"):
            raise PermanentError(_("The channel %(name)s needs a password or a private key for SFTP.") % {"name": self.channel.name})
        return cfg

    def render(self, publication) -> dict:
        return story_payload(publication)

    def files_for(self, payload: dict, key: str) -> list[tuple[str, bytes | Path]]:
        video = vertical_cut(payload, platform())
        cover = media_file((payload.get("content") or {}).get("cover"))
        files: list[tuple[str, bytes | Path]] = [(f"{key}.mp4", video)]
        if cover is not None:
            files.append((f"{key}.cover.jpg", cover))
        files.append((f"{key}.txt", sheet(payload, key, cover is not None).encode()))
        manifest = {
            "key": key,
            "story_id": payload.get("story_id"),
            "version": payload.get("version"),
            "channel": payload.get("channel"),
            "headline": payload.get("headline"),
            "handoff": "post by hand in 视频号助手",
            "files": [{"name": name, **_measure(data)} for name, data in files],
        }
        files.append((manifest_name(key), json.dumps(manifest, ensure_ascii=False, indent=2).encode()))
        return files

    def send(self, payload: dict, key: str) -> Receipt:
        files = self.files_for(payload, key)
        with self.session() as s:
            for name, data in files:
                s.put(name, data)
            for name in (f"{key}.retracted.txt", f"{key}.retracted.json"):
                s.remove(name)  # a resend after a retraction
        return Receipt(external_id=f"handoff:{key}", url="")

    def retract(self, receipt: Receipt, key: str) -> None:
        now = timezone.now()
        notice = (
            "视频号撤稿通知\n"
            f"稿件（编号 {key}）已撤回。如已在视频号发表，请立即登录视频号助手（{ASSISTANT_URL}）→ 内容管理，删除该作品。\n"
            f"撤回时间：{timezone.localtime(now).strftime('%Y-%m-%d %H:%M')}\n"
        )
        marker = {"key": key, "event": "retracted", "retracted_at": now.isoformat(), "action": "delete the post in 视频号助手 by hand"}
        with self.session() as s:
            s.remove(manifest_name(key))  # first: a watcher stops trusting the set
            for suffix in (".mp4", ".cover.jpg", ".txt"):
                s.remove(key + suffix)
            s.put(f"{key}.retracted.txt", notice.encode())
            s.put(f"{key}.retracted.json", json.dumps(marker, ensure_ascii=False).encode())
