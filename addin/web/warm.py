"""Imported once by the fork server (``addin.web.isolate``): everything a checking or
roll-up child needs is loaded before it forks, so no child pays for it again."""

from addin.web import core

core.warm()
