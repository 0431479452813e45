"""The 收报台's JSON answers: every string passes the ID redaction before it is sent."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse as _Plain

from addin.plumbing.redact import redact_json


class JSONResponse(_Plain):
    def render(self, content: Any) -> bytes:
        return super().render(redact_json(content))
