"""Imported once by the fork server (``addin.web.isolate``): everything a checking or
roll-up child needs is loaded before it forks, so no child pays for it again.  What is
loaded then is frozen out of the garbage collector's reach: a child's collections do not
walk (and so copy, page by page) the heap it shares with the fork server."""

import gc

from addin.web import core

core.warm()
gc.collect()
gc.freeze()
