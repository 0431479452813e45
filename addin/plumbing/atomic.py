"""Nothing half-written: one output goes to a private temporary file beside the target,
then is renamed over it in one step; on any error the temporary file is removed.
(A set of outputs that must appear together: ``addin.plumbing.outputs.OutputSet``.)"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from addin.plumbing.outputs import _umask, clean_stale, temporary_beside


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target`` atomically."""
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(final.parent)
    temporary = temporary_beside(final)
    try:
        yield temporary
        if temporary.exists():
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; outputs are for sharing
        os.replace(temporary, final)
    finally:
        if temporary.exists():
            temporary.unlink()
