"""Headless Chromium for the tests: the DOM of a page after its script ran, and a page driven by keys and clicks.

The driving speaks the DevTools protocol over the pipes Chromium opens with ``--remote-debugging-pipe`` (file
descriptors 3 and 4, JSON messages ended by a NUL byte), so it needs nothing beyond the standard library.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))),
                None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]


def dump_dom(path: Path, fragment: str = "", timeout: float = 60) -> str:
    """The page's DOM as Chromium serialises it once its script has run (``fragment``: what follows #)."""
    url = Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else "")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=2000",
                                 "--dump-dom", url], capture_output=True, timeout=timeout, check=True)
    return result.stdout.decode("utf-8")


def screenshot(url: str, target: Path, width: int = 1280, height: int = 800, *, dark: bool = False,
               timeout: float = 60) -> None:
    """A PNG of the page at ``url`` as a window of ``width`` × ``height`` shows it."""
    extra = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if dark else []
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, *FLAGS, *extra, f"--user-data-dir={profile}", "--virtual-time-budget=2000",
                        f"--window-size={width},{height}", f"--screenshot={target}", url],
                       capture_output=True, timeout=timeout, check=True)


def _high(fd: int) -> int:
    import fcntl

    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


KEYS = {"ArrowRight": 39, "ArrowLeft": 37, "Home": 36, "End": 35, "Enter": 13, "PageDown": 34, "PageUp": 33}


class Browser:
    """One headless Chromium with one page, driven through the DevTools protocol."""

    def __init__(self, timeout: float = 30) -> None:
        self.timeout = timeout
        self.profile = tempfile.TemporaryDirectory()
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()
        # Chromium reads commands on descriptor 3 and writes replies on 4: the pipe's ends move out of the way first
        # (were they 3 and 4 the wrong way round, the redirections would undo each other); bash, as dash reads one
        # digit of a descriptor only.
        to_browser, from_browser = (_high(fd) for fd in (to_browser, from_browser))
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}', CHROMIUM, *FLAGS,
             f"--user-data-dir={self.profile.name}", "--remote-debugging-pipe", "about:blank"],
            pass_fds=(to_browser, from_browser), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._next_id, self._buffer, self.session = 0, b"", None
        self.errors: list[str] = []

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (OSError, TimeoutError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._commands, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self.profile.cleanup()

    def send(self, method: str, *, session: bool = True, **params) -> dict:
        """Send one command and wait for its reply (events that arrive meanwhile: exceptions are kept)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("method") == "Runtime.exceptionThrown":
                self.errors.append(json.dumps(reply["params"]["exceptionDetails"])[:500])
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, path: Path, fragment: str = "") -> None:
        url = Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else "")
        target = self.send("Target.createTarget", session=False, url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", session=False, targetId=target, flatten=True)["sessionId"]
        self.send("Runtime.enable")
        self.send("Page.enable")
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load")
            time.sleep(0.05)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def key(self, key: str) -> None:
        code = KEYS[key]
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code,
                      nativeVirtualKeyCode=code)
        if key == "Enter":
            self.send("Input.dispatchKeyEvent", type="char", key="Enter", text="\r")
        self._settle()

    def type(self, text: str) -> None:
        self.send("Input.insertText", text=text)
        self._settle()

    def click(self, selector: str) -> None:
        box = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                            "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
                            "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        if box is None:
            raise RuntimeError(f"no element {selector}")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        self._settle()

    def _settle(self) -> None:
        """Let the page handle what was sent (a hash change is dispatched as a task of its own)."""
        self.evaluate("new Promise(resolve => setTimeout(resolve, 30))")
