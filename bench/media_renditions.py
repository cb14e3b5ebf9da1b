#!/usr/bin/env python
"""Do our video/audio renditions cost more than the plain ffmpeg commands they run?

Not a test: a measurement (issue 3: renditions take ≤ 1.1× the time of the equivalent plain
ffmpeg commands). It makes a test clip with ffmpeg (testsrc + sine, default 10 s at 1280×720),
uploads it through the real resumable-upload services into a throw-away in-memory SQLite
database, then for each rendition of the clip (poster, MP4, HLS rungs, 9:16 cut; and AAC/MP3
for a tone) times, alternately and --rounds times each:

  ours   services.run_rendition(): claim, ffmpeg with -progress parsing and progress writes to
         the database, moving the result into place, the final update;
  plain  the very same ffmpeg argument list (recorded from our run) by subprocess.run, without
         -progress, into a scratch directory.

Medians per rendition and the ratio of the totals are printed.

    .venv/bin/python bench/media_renditions.py [--seconds 10] [--size 1280x720] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def setup_django() -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "rongmei.settings",
            "DEBUG": "1",
            "DATABASE_URL": "sqlite://:memory:",
            "RONGMEI_VAR_DIR": tempfile.mkdtemp(prefix="rongmei-bench-"),
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_sources(workdir: Path, seconds: int, size: str) -> tuple[bytes, bytes]:
    clip, tone = workdir / "clip.mp4", workdir / "tone.wav"
    run = ["ffmpeg", "-hide_banner", "-v", "error", "-y"]
    subprocess.run(  # noqa: S603
        [*run, "-f", "lavfi", "-i", f"testsrc2=duration={seconds}:size={size}:rate=25", "-f", "lavfi",
         "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(clip)],
        check=True,
    )  # fmt: skip
    subprocess.run([*run, "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", str(tone)], check=True)  # noqa: S603
    return clip.read_bytes(), tone.read_bytes()


def upload(user, data: bytes, name: str):
    from rongmei.media import services

    session = services.start_upload(actor=user, file_name=name, size=len(data))
    step = 8 * 1024 * 1024
    for offset in range(0, len(data), step):
        chunk = data[offset : offset + step]
        services.append_chunk(actor=user, session_id=session.pk, offset=offset, stream=io.BytesIO(chunk), length=len(chunk))
    return services.finish_upload(actor=user, session_id=session.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_django()

    from django.db import transaction

    from rongmei.accounts.models import Role, User
    from rongmei.media import render, services
    from rongmei.media.models import Rendition

    user = User.objects.create_user(username="bench", password="x" * 12, name="测试", role=Role.PHOTOGRAPHER)
    workdir = Path(tempfile.mkdtemp(prefix="rongmei-bench-src-"))
    clip, tone = make_sources(workdir, args.seconds, args.size)
    with transaction.atomic():
        assets = [upload(user, clip, "clip.mp4"), upload(user, tone, "tone.wav")]

    recorded: dict[int, list[tuple[list[str], str | None]]] = {}
    real_run = render.run_ffmpeg
    current: list[int] = []

    def recording_run(ffargs, **kwargs):
        recorded.setdefault(current[0], []).append((list(ffargs), kwargs.get("cwd")))
        return real_run(ffargs, **kwargs)

    render.run_ffmpeg = recording_run
    ours: dict[str, list[float]] = {}
    plain: dict[str, list[float]] = {}
    scratch = Path(tempfile.mkdtemp(prefix="rongmei-bench-plain-"))
    renditions = [r for a in assets for r in Rendition.objects.filter(asset=a).order_by("id")]
    for round_no in range(args.rounds):
        for r in renditions:
            # Ours first on even rounds (the first records the arguments), plain first on odd ones.
            order = ("ours", "plain") if round_no % 2 == 0 or r.pk not in recorded else ("plain", "ours")
            for which in order:
                if which == "ours":
                    Rendition.objects.filter(pk=r.pk).update(status="pending")
                    current[:] = [r.pk]
                    recorded.pop(r.pk, None)
                    start = time.perf_counter()
                    outcome = services.run_rendition(r.pk)
                    ours.setdefault(r.kind, []).append(time.perf_counter() - start)
                    if outcome != "done":
                        sys.exit(f"{r.kind}: {Rendition.objects.get(pk=r.pk).error}")
                else:
                    for ffargs, cwd in recorded[r.pk]:
                        out = scratch / r.kind
                        shutil.rmtree(out, ignore_errors=True)
                        out.mkdir()
                        # The same arguments, outputs redirected into the scratch directory.
                        work = str(Path(services.rendition_dir(r.asset_id, r.kind)).parent)
                        fixed = [a.replace(work, str(scratch)) if a.startswith(work) else a for a in ffargs]
                        fixed = [str(out / Path(a).name) if ".tmp-" in a else a for a in fixed]
                        start = time.perf_counter()
                        subprocess.run(  # noqa: S603
                            ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", *fixed],  # noqa: S607
                            check=True,
                            cwd=str(out) if cwd else None,
                        )
                        plain.setdefault(r.kind, []).append(time.perf_counter() - start)
    render.run_ffmpeg = real_run

    print(f"source: {args.seconds} s {args.size} H.264/AAC clip and a {args.seconds} s tone; {args.rounds} rounds; medians")
    print(f"{'rendition':<16}{'plain ffmpeg':>14}{'ours':>10}{'ratio':>8}")
    total_plain = total_ours = 0.0
    for kind in ours:
        p, o = statistics.median(plain[kind]), statistics.median(ours[kind])
        total_plain += p
        total_ours += o
        print(f"{kind:<16}{p:>13.2f}s{o:>9.2f}s{o / p:>8.3f}")
    print(f"{'total':<16}{total_plain:>13.2f}s{total_ours:>9.2f}s{total_ours / total_plain:>8.3f}")
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
