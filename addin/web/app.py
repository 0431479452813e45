"""The 收报台 as an ASGI application (Starlette): pages, JSON API, static files.

    create_app(Config(data=…)) -> Starlette

Routes come from ``addin.web.pages`` and ``addin.web.api`` (a later feature adds its own
module and one line in ``ROUTE_MODULES``).  Two small middlewares: a request-body cap that
answers in Chinese (413), and security headers on every response (no outside sources:
every script, style and picture is served by the app itself).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from addin.web.json_out import JSONResponse
from addin.plumbing.redact import redact, redact_json
from addin.web.service import Config, Refused, Service

HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none';"
     b" base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def wants_json(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/api/")


def refusal(scope: Scope, status: int, message: str, templates: Jinja2Templates | None = None,
            request: Request | None = None) -> Response:
    if wants_json(scope) or templates is None or request is None:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return templates.TemplateResponse(request, "message.html", {"title": _TITLES.get(status, "提示"),
                                                                "message": message}, status_code=status)


_TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "找不到", 409: "请稍候",
           413: "文件过大", 429: "请稍后再试", 500: "服务出错"}


class BodyLimit:
    """Refuse a request body over ``limit`` bytes before it is read into memory or disk."""

    def __init__(self, app: ASGIApp, limit: int, message: str) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if wants_json(scope):
            response: Response = JSONResponse({"error": self.message}, status_code=413)
        else:
            response = HTMLResponse(_PLAIN_PAGE.format(title="文件过大", message=self.message), status_code=413)
        response.headers["connection"] = "close"
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


_PLAIN_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title} · 收报台</title>
<link rel="stylesheet" href="/static/style.css"></head><body><main class="narrow"><h1>{title}</h1>
<p class="notice error">{message}</p><p><a href="/upload">返回上报页面</a></p></main></body></html>"""


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


def _redacted(value: Any) -> Any:
    if isinstance(value, markupsafe.Markup):
        cleaned = redact(str(value))
        return value if cleaned == value else markupsafe.Markup(cleaned)
    return redact(value) if isinstance(value, str) else value


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["tojson_text"] = lambda value: json.dumps(redact_json(value), ensure_ascii=False, indent=2)
    env.finalize = _redacted  # every {{ … }} of every page: a 身份证号码 masked
    env.filters["thousands"] = _thousands
    env.filters["period"] = _period
    return env


def _period(label: Any) -> str:
    """A 报告期 as a reader writes it: 2026-年度 → 2026年度, 2026-第一季度 → 2026年第一季度."""
    from addin.web.core import period_text

    return period_text(str(label or ""))


def _thousands(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"
    return f"{int(value):,}"


ROUTE_MODULES = ("addin.web.pages", "addin.web.api", "addin.web.barred", "addin.web.hq", "addin.web.help")
"""Each module has ``routes`` (a list of Starlette routes)."""


def create_app(config: Config) -> Starlette:
    import importlib

    service = Service(config)
    templates = Jinja2Templates(env=_environment())
    routes: list[Any] = []
    for name in ROUTE_MODULES:
        routes.extend(importlib.import_module(name).routes)
    routes.append(Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"))

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return refusal(request.scope, exc.status, exc.message, templates, request)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {404: "找不到这个页面或文件", 405: "不支持这种请求方式"}.get(exc.status_code, "请求有误")
        return refusal(request.scope, exc.status_code, message, templates, request)

    async def server_error(request: Request, exc: Exception) -> Response:
        return refusal(request.scope, 500, "服务出错，已记录；请稍后重试或联系管理员", templates, request)

    app = Starlette(routes=routes, exception_handlers={Refused: refused, HTTPException: http_error,
                                                       500: server_error})
    app.state.service = service
    app.state.templates = templates
    limit = config.max_upload + 256 * 1024  # the multipart envelope around the file
    app.add_middleware(BodyLimit, limit=limit, message=service.too_large())  # type: ignore[arg-type]
    app.add_middleware(SecurityHeaders)  # type: ignore[arg-type]
    return app
