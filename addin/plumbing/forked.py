"""Run a function in a forked process (Linux) and get its result back through a pipe.

The child shares the parent's memory at the moment of the fork, so nothing has to be
sent to it; its result comes back pickled.  A thread drains the pipe while the parent
works on (reading releases the GIL).  A child that fails returns what ``on_error``
makes of its exception; a child that dies (a signal, out of memory) gives ``None``
from ``result`` with the reason in ``died``.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
from typing import Any, Callable


def can_fork() -> bool:
    """Forking is used on Linux only (elsewhere everything runs in one process)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class Forked:
    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd
        self.died = ""
        self._chunks: list[bytes] = []
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    @classmethod
    def start(cls, work: Callable[[], Any], on_error: Callable[[BaseException], Any]) -> "Forked | None":
        """Fork and run ``work`` in the child; None when the fork itself fails."""
        read_end, write_end = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: never returns
            os.close(read_end)
            status = 0
            try:
                from addin.plumbing.guard import die_with_parent

                die_with_parent(parent)
                gc.disable()
                payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as data
                payload = pickle.dumps(on_error(exc), protocol=pickle.HIGHEST_PROTOCOL)
                status = 1
            try:
                with os.fdopen(write_end, "wb") as out:
                    out.write(payload)
            finally:
                os._exit(status)
        os.close(write_end)
        return cls(pid, read_end)

    def _read(self) -> None:
        try:
            while True:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    break
                self._chunks.append(chunk)
        except OSError:
            pass

    def result(self) -> Any:
        """The child's result (or ``on_error``'s); None when it died without answering."""
        self._drain.join()
        payload = b"".join(self._chunks)
        self._chunks = []
        os.close(self.fd)
        self.fd = -1
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        try:
            return pickle.loads(payload)
        except Exception:
            self.died = f"信号 {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"状态 {os.WEXITSTATUS(status)}"
            return None

    def cancel(self) -> None:
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = 0
        self._drain.join()  # the pipe closed with the child
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
