"""Who is asking: the session cookie (pages) or a Bearer token (API), and the CSRF check.

    @page()              a signed-in user, else a redirect to /login
    @page(group=True)    and a 集团 user, else 403
    @page(form=True)     a POST whose form carries the session's CSRF token, else 403
    @api() / @api(group=True)   Authorization: Bearer TOKEN, else 401 / 403 (JSON)
"""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from addin.web.security import same
from addin.web.service import Refused, Service
from addin.web.store import User

SESSION_COOKIE = "zhuize_session"
LOGIN_COOKIE = "zhuize_login"
Endpoint = Callable[[Request], Awaitable[Response]]
CSRF_REFUSED = "表单缺少有效的校验码（可能页面已过期，或请求不是从本系统的页面发出的），操作未执行；请刷新页面后重试"


def service_of(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def session_of(request: Request) -> tuple[User, str, str] | None:
    """(user, csrf token, session id) from the signed session cookie."""
    service = service_of(request)
    sid = service.signer.loads(request.cookies.get(SESSION_COOKIE), service.config.session_lifetime)
    if sid is None:
        return None
    found = service.store.session(sid)
    if found is None:
        return None
    user = service.user(found[0])
    return None if user is None else (user, found[1], sid)


def set_session(request: Request, response: Response, user: str) -> None:
    service = service_of(request)
    sid, _ = service.store.new_session(user, service.config.session_lifetime)
    response.set_cookie(SESSION_COOKIE, service.signer.dumps(sid), max_age=int(service.config.session_lifetime),
                        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")


def safe_next(target: str | None) -> str:
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(ch) < 33 or ord(ch) == 127 for ch in target)):
        return "/"
    return target


def page(group: bool = False, form: bool = False) -> Callable[[Endpoint], Endpoint]:
    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def run(request: Request) -> Response:
            found = session_of(request)
            if found is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            user, csrf, sid = found
            request.state.user, request.state.csrf, request.state.sid = user, csrf, sid
            if group and not user.is_group:
                raise Refused(403, "此页面只对集团（总部）账户开放")
            if form or request.method == "POST":
                data = await request.form(max_part_size=64 * 1024)
                request.state.form = data
                if not same(str(data.get("csrf") or ""), csrf):
                    service_of(request).store.audit(user.name, client_ip(request), "拒绝无校验码的表单",
                                                    request.url.path)
                    raise Refused(403, CSRF_REFUSED)
            return await endpoint(request)

        return run

    return wrap


def bearer_user(request: Request) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "需要登录：请先 POST /api/token 取得令牌，再在请求头中带上 Authorization: Bearer 令牌")
    service = service_of(request)
    name = service.store.token_user(token.strip())
    user = service.user(name) if name else None
    if user is None:
        raise Refused(401, "令牌无效或已过期，请重新 POST /api/token 取得令牌")
    return user


def api(group: bool = False) -> Callable[[Endpoint], Endpoint]:
    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def run(request: Request) -> Response:
            user = bearer_user(request)
            if group and not user.is_group:
                raise Refused(403, "此操作只允许集团（总部）账户")
            request.state.user = user
            return await endpoint(request)

        return run

    return wrap


def template(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {"user": getattr(request.state, "user", None), "csrf": getattr(request.state, "csrf", ""),
            "path": request.url.path}
    return request.app.state.templates.TemplateResponse(request, name, base | context, status_code=status)
