"""A step-through for class: one step per key press, the table so far above the current step's arithmetic.

In a terminal the screen is redrawn to the window's size at every key and whenever the window is resized (80×24
and larger): the settings and the step counter stay on top, the table shows the steps up to the current one with
that one highlighted, its arithmetic below (each ``=`` starting a new line where a line would not fit), the keys at
the bottom. Without a terminal (a pipe, a file) every step is written once, in order: the work grows with the number
of steps, never faster.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len
from rich.text import Text

from adadelta_cli import numfmt
from adadelta_cli.formats import explain
from adadelta_cli.i18n import N_, _

KEYS_NEXT = {"n", " ", "\r", "\n", "l", "j", "\x1b[C", "\x1b[B", "\x1bOC", "\x1bOB"}
KEYS_BACK = {"b", "p", "h", "k", "\x1b[D", "\x1b[A", "\x1bOD", "\x1bOA", "\x7f", "\x08"}
KEYS_HOME = {"\x1b[H", "\x1bOH", "\x1b[1~", "\x1b[7~", "g"}
KEYS_END = {"\x1b[F", "\x1bOF", "\x1b[4~", "\x1b[8~", "G"}
KEYS_EXPLAIN = {"e"}
KEYS_QUIT = {"q", "\x1b", "\x03", "\x04"}
KEYS_ENTER = {"\r", "\n"}
HELP = N_("n/→ next · b/← back · Home/End · 12 Enter: step 12 · e explanation · q quit")
# Columns left out first when the window is too narrow for the whole table (the arithmetic still shows them).
DROP_ORDER = ("edx2", "g_eff", "eg2", "g", "dx", "vhat", "mhat", "vmax", "gbar", "clr", "gn", "d")


@dataclass
class Walk:
    """What the class sees: the current step, whether its arithmetic shows, a step number being typed, a note.
    ``trace``: what is walked through (``shown``: what a trace shows, Adadelta's or a family member's)."""

    trace: Any
    digits: int
    step: int = 0  # 0-based
    explain: bool = True
    typed: str = ""
    note: str = ""
    explained: dict = field(default_factory=dict)  # step -> (heading, lines) for each parameter, worked out when shown

    def __post_init__(self) -> None:
        self.names = ["t"] + (["param"] if self.several else []) + self.trace.keys
        self.headings = [_("param") if name == "param" else self.trace.heading(name) for name in self.names]
        self.cells = [[str(t)] + ([param] if self.several else []) + [  # per row: the texts of every column
            values[name] if isinstance(values[name], str) else numfmt.sig(values[name], self.digits)
            for name in self.names[1 + self.several:]] for t, param, values in self.trace.rows()]
        self.widths = [max([cell_len(h)] + [cell_len(row[i]) for row in self.cells])
                       for i, h in enumerate(self.headings)]

    def explanation(self, step: int) -> list[tuple[str, list[tuple[str, ...]]]]:
        """(heading, lines) for each parameter of ``step``: only the steps shown are worked out, so a long trace
        starts at once."""
        if step not in self.explained:
            self.explained[step] = list(self.explanations([step]))
        return self.explained[step]

    def explanations(self, steps):
        """(heading, lines) for each parameter of each of ``steps``, in order (a generator: a pipe streams it); each
        line as its parts (symbol, formula, substituted, ..., value)."""
        for t, param, lines in self.trace.lines(list(steps), self.digits):
            yield explain.heading(t, param, several=self.several), lines

    @property
    def several(self) -> bool:
        return len(self.trace.names) > 1

    @property
    def total(self) -> int:
        return self.trace.total

    def press(self, key: str) -> bool:
        """Act on one key; False to stop."""
        self.note = ""
        if len(key) == 1 and key in "0123456789":  # ASCII digits only: str.isdigit also takes ² and ①
            self.typed += key if len(self.typed) < 18 else ""  # longer than any step number; int() of it stays quick
            return True
        if self.typed and key in KEYS_ENTER:
            wanted, self.typed = int(self.typed), ""
            if 1 <= wanted <= self.total:
                self.step = wanted - 1
            else:
                self.note = _("there is no step %(step)d: the steps are 1 to %(total)d") % {
                    "step": wanted, "total": self.total}
            return True
        if self.typed and key in ("\x7f", "\x08", "\x1b"):  # a digit taken back (Backspace), or all of them (Esc)
            self.typed = "" if key == "\x1b" else self.typed[:-1]
            return True
        self.typed = ""
        if key in KEYS_QUIT:
            return False
        if key in KEYS_EXPLAIN:
            self.explain = not self.explain
        elif key in KEYS_NEXT and self.step == self.total - 1:
            self.note = _("End of the trace: step %(step)d is the last. b goes back, Home to the first, "
                          "q quits.") % {"step": self.total}
        else:
            moves = ((KEYS_HOME, 0), (KEYS_END, self.total - 1), (KEYS_BACK, max(self.step - 1, 0)),
                     (KEYS_NEXT, self.step + 1))
            self.step = next((step for keys, step in moves if key in keys), self.step)
        return True

    # --- Drawing ------------------------------------------------------------------------------------------------

    def columns_that_fit(self, width: int) -> list[int]:
        """The columns shown in ``width`` characters: all of them, else leaving out DROP_ORDER's first."""
        shown = list(range(len(self.names)))
        for name in DROP_ORDER:
            if sum(self.widths[i] + 2 for i in shown) <= width:
                break
            if name in self.names:
                shown.remove(self.names.index(name))
        return shown

    def screen(self, width: int, height: int):
        """The lines of the screen (Rich Text), at most ``height`` of them, none wider than ``width``."""
        width = max(width, 20)
        size = len(self.trace.names)
        shown = self.columns_that_fit(width)
        counter = _("%(step)s of %(total)d") % {"step": _("Step %(t)d") % {"t": self.trace.t_of(self.step)},
                                                "total": self.total}
        status = Text(counter, style="bold reverse")
        if len(shown) < len(self.names):
            left_out = ", ".join(heading for i, heading in enumerate(self.headings) if i not in shown)
            status.append("  " + _("(%(columns)s left out to fit; widen the window)") % {"columns": left_out},
                          style="dim")
        top = [Text(self.trace.headline, style="bold"), status,
               self._row(self.headings, shown, style="bold underline")]
        bottom = []
        if self.explain:
            bottom.append(Text(""))
            for heading, equations in self.explanation(self.step):
                bottom.append(Text(heading, style="bold"))
                for parts in equations:
                    bottom += [Text(line) for line in wrap_equation(parts, width)]
        footer = (Text(_("go to step: %(typed)s_ (Enter)") % {"typed": self.typed}, style="bold") if self.typed
                  else Text(self.note, style="bold yellow") if self.note else Text(_(HELP), style="dim"))
        room = height - len(top) - len(bottom) - 1
        if room < size:  # a small window: the arithmetic gives way to the table, never the header
            bottom = bottom[:max(0, len(bottom) - (size - room) - 1)]
            bottom.append(Text(_("… (a taller window shows the rest; e hides the arithmetic)"), style="dim"))
            room = height - len(top) - len(bottom) - 1
        last = (self.step + 1) * size  # the rows so far, the current step's at the bottom of the window
        first = max(0, last - room)
        rows = [self._row(self.cells[i], shown, style="reverse bold" if i >= self.step * size else "")
                for i in range(first, last)]
        lines = top + rows + [Text("")] * (room - len(rows)) + bottom + [footer]
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return lines[:height]

    def _row(self, cells: list[str], shown: list[int], style: str = ""):
        pads = {i: " " * (self.widths[i] - cell_len(cells[i])) for i in shown}  # Chinese characters are two wide
        return Text("  ".join(cells[i] + pads[i] if self.names[i] == "param" else pads[i] + cells[i] for i in shown),
                    style=style)


def wrap_equation(parts: tuple[str, ...], width: int, indent: int = 2) -> list[str]:
    """``a = b = c = d`` (its parts a, b, c, d) in lines no wider than ``width``: a new line starts before an ``=``
    where one is needed, and a part wider than the window still goes whole on its own line (never split inside a
    number)."""
    head, *rest = parts
    lines = [" " * indent + head]
    pad = " " * (indent + 4)
    for part in rest:
        if len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " = " + part
        else:
            lines.append(f"{pad}= {part}")
    return lines


def split_keys(raw: str) -> list[str]:
    """One read of the keyboard as keys: typed ahead (``12\r``) it holds several; an escape sequence is one key."""
    import re

    return re.findall(r"\x1b\[[0-9;]*[A-Za-z~]|\x1bO[A-Za-z]|\x1b|.", raw, re.S) if raw else []


def walk(trace, console, digits: int, *, interactive: bool, getkey) -> None:
    """Interactive: redraw on each key, and when the window is resized (the same step, to the new size).
    Otherwise (no terminal): every step once, in order."""
    state = Walk(trace, digits)
    if not interactive:
        _write_all(state, console)
        return
    with console.screen(hide_cursor=True), _redrawn_on_resize() as read:
        while True:
            width, height = console.size
            console.clear()
            console.print(Text("\n").join(state.screen(width, height)), end="", no_wrap=True, overflow="ellipsis",
                          crop=True)
            try:
                keys = split_keys(read(getkey))
            except Resized:
                continue  # drawn again at the window's new size, at the same step
            if not all(state.press(key) for key in keys):
                return


class Resized(Exception):
    """The window changed size while the walk waited for a key."""


@contextmanager
def _redrawn_on_resize():
    """``read(getkey)``: a key, or Resized when the window changes size (SIGWINCH) while it waits, so that the screen
    is drawn again at once, not at the next key. A change while drawing is kept for the next wait. Where there is no
    SIGWINCH (Windows) or the walk is not in the main thread, keys alone redraw."""
    import signal
    import threading

    watched = hasattr(signal, "SIGWINCH") and threading.current_thread() is threading.main_thread()
    state = {"waiting": False, "pending": False}

    def changed(signum, frame) -> None:
        if state["waiting"]:
            raise Resized
        state["pending"] = True

    def read(getkey):
        state["waiting"] = True
        try:
            if state["pending"]:
                state["pending"] = False
                raise Resized
            return getkey()
        finally:
            state["waiting"] = False

    previous = signal.signal(signal.SIGWINCH, changed) if watched else None
    try:
        yield read
    finally:
        if watched:
            signal.signal(signal.SIGWINCH, previous)



def _write_all(state: Walk, console) -> None:
    """Every step written once: its heading and its arithmetic (a pipe or a file: plain text, linear time)."""
    out = console.file
    out.write(state.trace.headline + "\n\n")
    for heading, lines in state.explanations(range(state.total)):
        out.write(_("%(step)s of %(total)d") % {"step": heading, "total": state.total} + "\n")
        out.write("".join(f"  {' = '.join(parts)}\n" for parts in lines))
        out.write("\n")
    out.write(_("End of the trace: step %(total)d was the last.") % {"total": state.total} + "\n")
    out.flush()
