"""The app as a user runs it: a real process on a pseudo-terminal, driven by keystrokes.

`with Terminal([sys.executable, "-m", "reader", feed]) as term:` starts it; `term.wait_for("Inbox")`
waits for text on the screen (in the raw output), `term.send("q")` types, `term.wait_exit()`
returns how long the process took to end.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import termios
import threading
import time
from types import TracebackType


class Terminal:
    def __init__(
        self,
        args: list[str],
        *,
        env: dict[str, str] | None = None,
        size: tuple[int, int] = (120, 40),
    ) -> None:
        self.master, slave = pty.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "TERM": "xterm-256color", **(env or {})},
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the other side closed
                return
            if not chunk:
                return
            with self._lock:
                self._output.extend(chunk)

    @property
    def output(self) -> str:
        with self._lock:
            return self._output.decode("utf-8", "replace")

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the app ended before showing {text!r}:\n{self.output[-3000:]}"
                )
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared:\n{self.output[-3000:]}")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def wait_exit(self, timeout: float = 30.0) -> float:
        """Seconds until the process ended (it is killed after `timeout`)."""
        started = time.monotonic()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the app did not end within {timeout} s") from None
        return time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()
        os.close(self.master)
