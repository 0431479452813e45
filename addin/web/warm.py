"""Imported once by the fork server (``addin.web.isolate``): everything a checking or
roll-up child needs is loaded before it forks, so no child pays for it again — the
validator, warmed on a sample, and the main script each child would otherwise run again.
What is loaded then is frozen out of the garbage collector's reach: a child's collections
do not walk (and so copy, page by page) the heap it shares with the fork server."""

import gc
import os

import importlib

from addin.web import core
from addin.web.isolate import MAIN_MODULE, MAIN_SCRIPT


def _load_main(path: str) -> None:
    """What multiprocessing's "__main__" preload would do: the children find it loaded."""
    from multiprocessing import process, spawn

    process.current_process()._inheriting = True  # type: ignore[attr-defined]
    try:
        spawn.import_main_path(path)
    except Exception:  # noqa: BLE001 - then each child runs it, as it would have
        pass
    finally:
        del process.current_process()._inheriting  # type: ignore[attr-defined]


if os.environ.get(MAIN_SCRIPT):
    _load_main(os.environ[MAIN_SCRIPT])
elif os.environ.get(MAIN_MODULE):  # the children import it by name: found loaded
    try:
        importlib.import_module(os.environ[MAIN_MODULE])
    except Exception:  # noqa: BLE001 - then each child imports it, as it would have
        pass
core.warm()
gc.collect()
gc.freeze()
