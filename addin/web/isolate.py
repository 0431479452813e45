"""Run one piece of work in a fresh process under a memory and a time cap.

Every upload is checked, and every roll-up run, in a child forked from a small, single
threaded fork server (``multiprocessing``'s "forkserver": it has the validator imported
already, so a child starts in milliseconds and never inherits the web server's threads).
The child caps its own address space (``RLIMIT_AS``) before it touches the file; the
parent waits at most ``seconds`` and then kills it.  A child that runs out of memory,
is killed or dies of a parser's crash gives an ``Outcome`` with ``value`` None and the
reason — the web server itself is never at risk.

Messages the child sends on its way (the roll-up's progress) reach ``on_message``.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.spawn
import os
import resource
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable

MAIN_SCRIPT = "ZHUIZE_FORK_MAIN"
"""The main script's path, for the fork server to load once (``addin.web.warm``)."""
MAIN_MODULE = "ZHUIZE_FORK_MAIN_MODULE"
"""The main module's name when the server was started with ``python -m``, likewise."""
_lock = threading.Lock()
_context: Any = None
_live: set[Any] = set()
"""The checking processes running now (``stop_all`` kills them when the 收报台 stops)."""


def _ctx() -> Any:
    global _context
    with _lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["addin.web.warm"])
            # Every child first runs this process's main script again, unless the fork server
            # has (its own "__main__" preload never receives the path on Python 3.11): tell it.
            preparation = multiprocessing.spawn.get_preparation_data("main")
            if preparation.get("init_main_from_path"):
                os.environ[MAIN_SCRIPT] = preparation["init_main_from_path"]
            elif preparation.get("init_main_from_name"):  # python -m addin.cli serve
                os.environ[MAIN_MODULE] = preparation["init_main_from_name"]
            _context = ctx
        return _context


def start() -> None:
    """Start the fork server now (it loads the validator in the background), so that the
    first upload does not wait for it."""
    _ctx()
    from multiprocessing import forkserver

    forkserver.ensure_running()


@dataclass
class Outcome:
    value: Any = None
    failed: str = ""
    """Why there is no value: "memory", "time", "crash" (with ``detail``), "error"."""
    detail: str = ""


def _child(conn: Connection, work: Callable[..., Any], args: tuple[Any, ...], memory: int,
           env: dict[str, str], server: int = 0) -> None:
    if server:
        _watch(server)
    os.environ.update(env)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    def send(*message: Any) -> None:
        conn.send(("message", message))

    try:
        value = work(*args, send=send)
    except MemoryError:
        conn.send(("memory", ""))
    except BaseException as exc:  # noqa: BLE001 - goes back as data
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    else:
        conn.send(("done", value))
    finally:
        conn.close()


def _watch(server: int) -> None:
    """This checking process ends when the 收报台 that asked for it is gone (even after a
    kill -9: the fork server may outlive it, so its death is not enough)."""
    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                os._exit(1)
            except OSError:
                pass

    threading.Thread(target=watch, name="watch-server", daemon=True).start()


def run_capped(work: Callable[..., Any], args: tuple[Any, ...], memory: int, seconds: float,
               on_message: Callable[..., None] | None = None, env: dict[str, str] | None = None) -> Outcome:
    """``work(*args, send=…)`` in a child process; its return value must pickle."""
    ctx = _ctx()
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, work, args, memory, env or {}, os.getpid()), daemon=False)
    process.start()
    with _lock:
        _live.add(process)
    child.close()
    deadline = time.monotonic() + seconds
    outcome: Outcome | None = None
    try:
        while outcome is None:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome = Outcome(failed="time")
                break
            if not parent.poll(min(left, 0.5)):
                if not process.is_alive() and not parent.poll(0):
                    outcome = Outcome(failed="crash", detail=_death(process))
                continue
            try:
                kind, payload = parent.recv()
            except (EOFError, OSError):
                process.join(5)
                outcome = Outcome(failed="crash", detail=_death(process))
                break
            if kind == "message":
                if on_message is not None:
                    on_message(*payload)
            elif kind == "done":
                outcome = Outcome(value=payload)
            else:
                outcome = Outcome(failed=kind, detail=payload)
    finally:
        parent.close()
        if process.is_alive():
            process.join(2 if outcome is not None and not outcome.failed else 0)
        if process.is_alive():
            process.kill()
        process.join()
        with _lock:
            _live.discard(process)
    return outcome


def stop_all() -> int:
    """Kill every checking process still running (the 收报台 is stopping); how many."""
    with _lock:
        running = [p for p in _live if p.is_alive()]
    for process in running:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    for process in running:
        try:
            process.join(5)
        except (OSError, ValueError, AssertionError):
            pass
    return len(running)


def _death(process: Any) -> str:
    code = process.exitcode
    if code is None:
        return "进程无响应"
    return f"信号 {-code}" if code < 0 else f"状态 {code}"
