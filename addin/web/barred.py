"""禁入查询 and the 定期报告 download in the 收报台 (one route module, see ``ROUTE_MODULES``).

    GET  /barred                  the query page (every signed-in user); 集团 also sees the log
    POST /barred                  ask (form: id, purpose, as_of?; CSRF)
    GET  /api/barred?id=…&purpose=…[&as_of=…]   the same as JSON (Bearer token)
    GET  /reports/periodic?period=…&kind=…      (集团) the 定期报告 / 专项报告 draft (.docx)
    GET  /api/reports/periodic?period=…         (集团) the same

A 填报单位 user gets only 在禁入期内 / 未查到 and the end date, never anything else of the
register.  Every query goes into the register's own log (as ``zhuize barred check``) and
into the web's audit log with the ID masked — never in clear (the page posts the ID, so it
is in no URL; the API's query string is in no log: the server runs without an access log).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from addin.web.json_out import JSONResponse
from addin.web import core
from addin.web.auth import api, client_ip, page, service_of, template
from addin.web.service import Refused
from addin.web.store import User
from udfs.errors import EngineError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _as_of(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(400, "基准日应为日期，如 2026-11-23") from None


async def _ask(request: Request, user: User, id_number: str, purpose: str, as_of: str) -> dict[str, Any]:
    service = service_of(request)
    try:
        result = await to_thread.run_sync(core.barred_check, str(service.store.archive), id_number, purpose,
                                          user.name, user.is_group, _as_of(as_of))
    except core.BarredQueryError as exc:
        raise Refused(400, str(exc)) from None
    service.store.audit(user.name, client_ip(request), "禁入查询",
                        f"{result['id_masked']}；用途：{result['purpose']}；结果：{result['answer']}")
    return result


@page()
async def barred_page(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    result: dict[str, Any] | None = None
    purpose = as_of = ""
    if request.method == "POST":
        form = request.state.form
        purpose, as_of = str(form.get("purpose") or ""), str(form.get("as_of") or "")
        result = await _ask(request, user, str(form.get("id") or ""), purpose, as_of)
        purpose = result["purpose"]  # an ID typed into the purpose is not shown back either
    log = await to_thread.run_sync(core.barred_log, str(service.store.archive)) if user.is_group else []
    return template(request, "barred.html", {"result": result, "purpose": purpose, "as_of": as_of,
                                             "log": list(reversed(log))[:200]})


@api()
async def barred_api(request: Request) -> Response:
    query = request.query_params
    return JSONResponse(await _ask(request, request.state.user, query.get("id", ""), query.get("purpose", ""),
                                   query.get("as_of", "")))


async def _periodic(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    period, kind = request.query_params.get("period", ""), request.query_params.get("kind") or "定期报告"
    if not period:
        latest = service.store.latest_rollup(None)
        period = latest["period"] if latest else ""
    if not period:
        raise Refused(404, "还没有完成的汇总；请先汇总再下载定期报告草稿")
    if kind not in ("定期报告", "专项报告"):
        raise Refused(400, "报告种类应为 定期报告 或 专项报告")
    folder = Path(service.config.data) / "reports"
    try:
        path = await to_thread.run_sync(core.periodic_report, str(service.store.archive), period, str(folder), kind)
    except EngineError as exc:
        raise Refused(400, exc.message) from None
    except ValueError as exc:  # addin.documents.yearend.ReportError: nothing archived for the period
        raise Refused(404, str(exc)) from None
    service.store.audit(user.name, client_ip(request), "下载报告草稿", f"{kind} {period}")
    return FileResponse(path, filename=path.name, media_type=DOCX)


@page(group=True)
async def periodic_page(request: Request) -> Response:
    return await _periodic(request)


@api(group=True)
async def periodic_api(request: Request) -> Response:
    return await _periodic(request)


routes = [
    Route("/barred", barred_page, methods=["GET", "POST"]),
    Route("/api/barred", barred_api, methods=["GET"]),
    Route("/reports/periodic", periodic_page, methods=["GET"]),
    Route("/api/reports/periodic", periodic_api, methods=["GET"]),
]
