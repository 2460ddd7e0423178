"""Figures drawn step by step: a GIF (Pillow) or an MP4 (ffmpeg, where installed), with a step counter."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from adadelta_cli import outfiles, terminal
from adadelta_cli.errors import SettingsError
from adadelta_cli.features import shown
from adadelta_cli.features.plotting import check_suffix, draw, trace_figure
from adadelta_cli.i18n import _, _f
from adadelta_cli.safe import terminal as escaped

ANIMATION_FORMATS = (".gif", ".mp4")
MAX_FRAMES = 120  # an animation of a long run shows this many moments at most


def check_animation(path: Path | None) -> None:
    """--animate's ending, checked before anything is drawn (or matplotlib is looked for)."""
    if path is not None:
        check_suffix(path, ANIMATION_FORMATS, "--animate")


def frames(steps: int, cap: int = MAX_FRAMES) -> list[int]:
    """How many steps each frame shows: every step of a short run, ``cap`` evenly spread moments of a long one
    (the last frame always the whole run)."""
    if steps <= cap:
        return list(range(1, steps + 1))
    return sorted({int(round(k)) for k in np.linspace(1, steps, cap)})


def animate(figure, drawn, steps: int, path: Path, counter_at=(0.99, 0.01)) -> None:
    """Draw ``figure``'s lines growing step by step into a GIF or an MP4, with a step counter.

    ``drawn``: (line, x data, y data, the step of each point); frame k shows the points of steps up to k. Everything
    else (axes, contours, legends) is drawn once and each frame only adds the lines, so a long run costs little.
    The file is written whole (to a temporary name beside it, then renamed); ``confirm`` says so."""
    suffix = path.suffix.lower()  # (its ending checked by the callers, with check_animation)
    ffmpeg = shutil.which("ffmpeg")
    if suffix == ".mp4" and not ffmpeg:
        raise SettingsError(_("--animate FILE.mp4 needs ffmpeg (apt install ffmpeg); a .gif needs nothing more"))
    outfiles.check_target(path)
    canvas = figure.canvas
    canvas.draw()  # the limits of the whole run, fixed from the first frame on
    for ax in figure.axes:
        ax.set_autoscale_on(False)
    # The figure's own fonts (font_family): a counter in Chinese needs its CJK font as much as the labels do.
    counter = figure.text(*counter_at, "", ha="right", va="bottom", fontsize="large", animated=True)
    for line, *_rest in drawn:
        line.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)
    chosen = frames(steps)
    fps = max(2, min(10, len(chosen) // 4 or 2))
    made = [0]

    def frame(k: int) -> np.ndarray:
        canvas.restore_region(background)
        for line, xs, ys, keys in drawn:
            n = int(np.searchsorted(keys, k, side="right"))
            line.set_data(xs[:n], ys[:n])
            line.axes.draw_artist(line)
        counter.set_text(_f("step %(step)s of %(total)s", step=k, total=steps))
        figure.draw_artist(counter)
        canvas.blit(figure.bbox)
        made[0] += 1
        bar.update()
        return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    # Every frame drawn is counted on a bar: the first (a GIF's palette, a video's size), then each in turn.
    with terminal.Progress(1 + len(chosen) + (0 if suffix == ".gif" else 2 * fps), lambda: made[0], count=True,
                           delay=0, label=_f("drawing %(file)s, frame by frame", file=escaped(path.name))) as bar:
        try:
            if suffix == ".gif":
                _write_gif(tmp, frame, chosen, fps)
            else:
                assert ffmpeg is not None  # (looked for above)
                _write_mp4(tmp, frame, chosen, fps, ffmpeg)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def _write_gif(tmp: str, frame, chosen: list[int], fps: int) -> None:
    """One palette for every frame (from the last, which holds every colour): frames differ only where the lines
    grew, and each is kept as palette indices, a third of its colours' memory."""
    from PIL import Image

    palette = Image.fromarray(frame(chosen[-1])).quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    images = [Image.fromarray(frame(k)).quantize(palette=palette, dither=Image.Dither.NONE) for k in chosen]
    durations = [int(1000 / fps)] * (len(images) - 1) + [2000]  # the last frame stays a while
    images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                   optimize=True)  # unchanged pixels transparent: small files


def _write_mp4(tmp: str, frame, chosen: list[int], fps: int, ffmpeg: str) -> None:
    height, width = frame(chosen[0]).shape[:2]
    command = [ffmpeg, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
               "-r", str(fps), "-i", "-", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt",
               "yuv420p", "-f", "mp4", tmp]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as encoder:
        assert encoder.stdin is not None and encoder.stderr is not None  # (both piped)
        for k in chosen + [chosen[-1]] * (2 * fps):  # the last frame held two seconds
            encoder.stdin.write(frame(k).tobytes())
        encoder.stdin.close()
        problem = encoder.stderr.read().decode(errors="replace")
    if encoder.returncode != 0:
        raise SettingsError(_f("ffmpeg could not write the video: %(reason)s", reason=problem.strip()[:300]))


def animate_trace(report, path: Path, title: str | None = None, *, large: bool = False) -> None:
    """``plot --animate``: the panels filling in step by step (Adadelta's Report, or a family member's trace)."""
    check_animation(path)
    draw(path, lambda: trace_figure(report, title, large=large),
         lambda figure, drawn: animate(figure, drawn, shown.of(report).total, path),
         large=large, texts=(title, *shown.of(report).names))
