"""Passwords (argon2id), signed cookies, CSRF tokens and the login throttle."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

_hasher = PasswordHasher()  # argon2id, 64 MiB, 3 passes: memory-hard
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (no timing hint)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def same(a: str, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


class Signer:
    """Values in cookies are signed and dated (itsdangerous); a forged or stale one reads as None."""

    def __init__(self, key: bytes) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="zhuize-web")

    def dumps(self, value: str) -> str:
        return self._serializer.dumps(value)

    def loads(self, text: str | None, max_age: float) -> str | None:
        if not text:
            return None
        try:
            value = self._serializer.loads(text, max_age=max_age)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None


class Throttle:
    """At most ``limit`` failed logins per account name, and ``4 × limit`` per address, in
    ``window`` seconds; then the login waits until the oldest failure leaves the window."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._failures.setdefault(key, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def wait(self, name: str, address: str) -> float:
        """Seconds until a login may be tried again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key, limit in ((f"n:{name}", self.limit), (f"a:{address}", 4 * self.limit)):
                seen = self._recent(key, now)
                if len(seen) >= limit:
                    waits.append(seen[0] + self.window - now)
            return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"n:{name}", f"a:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"n:{name}", None)
