"""The 集团 pages of the 收报台 beyond 汇总 (one route module, see ``ROUTE_MODULES``).

    GET  /roster                 (集团) the unit roster (名单): who must report
    POST /roster                 (集团) upload a roster (.xlsx/.csv), add or remove one unit (CSRF)
    GET  /roster/download        (集团) the roster as CSV
    GET  /settings               (集团) the reporting unit's identity (单位名称 … 联系电话)
    POST /settings               (集团) save it (CSRF) into the data folder's own config.toml
    GET  /submissions/{sha}/notice   退回通知 (.docx) of a refused submission (who may see it)
    GET  /api/submissions/{sha}/notice   the same (Bearer token)

The roster and the identity live in the data folder (``roster.csv``, ``config.toml``),
never in the user's ~/.zhuize.  Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from anyio import to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from addin.web import core
from addin.web.api import _safe_name, visible_submission
from addin.web.auth import api, client_ip, page, service_of, template
from addin.web.isolate import run_capped
from addin.web.service import Refused, _env

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_ROSTER = 5 * 1024 * 1024


# -- 单位名单 -----------------------------------------------------------------------------------------


async def _roster_page(request: Request, problems: list[core.RosterProblem] | None = None, message: str = "",
                       status: int = 200) -> Response:
    service = service_of(request)
    stored = service.stored_roster()
    return template(request, "roster.html", {"roster": stored, "accounts": None if stored else service.roster(),
                                             "problems": problems or [], "message": message,
                                             "levels": core.ROSTER_LEVELS, "headers": core.ROSTER_HEADERS}, status)


@page(group=True)
async def roster_page(request: Request) -> Response:
    return await _roster_page(request)


@page(group=True, form=True)
async def roster_change(request: Request) -> Response:
    service, form = service_of(request), request.state.form
    action = str(form.get("action") or "")
    current = service.stored_roster() or core.Roster()
    who, ip = request.state.user.name, client_ip(request)
    if action == "upload":
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _roster_page(request, message="请选择名单文件（.xlsx 或 .csv）", status=400)
        data = await upload.read(MAX_ROSTER + 1)
        outcome = await to_thread.run_sync(lambda: run_capped(
            core.read_roster, (data, upload.filename), service.config.memory_cap, service.config.time_cap, env=_env()))
        if outcome.failed or not isinstance(outcome.value, tuple):
            return await _roster_page(request, message="名单文件无法读取（过大或结构异常）；请用 Excel 另存为 .xlsx 或 .csv 后重新上传",
                                      status=400)
        roster, problems = outcome.value
        if roster is None:
            service.store.audit(who, ip, "上传单位名单被拒", f"{len(problems)} 处问题")
            return await _roster_page(request, problems, "名单有误，未更新；请改正后重新上传", 400)
        service.save_roster(roster)
        service.store.audit(who, ip, "上传单位名单", f"{len(roster.units)} 家单位")
        return RedirectResponse("/roster", status_code=303)
    if action == "add":
        row = [str(form.get(key) or "") for key in ("name", "uscc", "level")]
        roster, problems = core.roster_with(current, *row)
        if roster is None:
            return await _roster_page(request, problems, "未添加；请改正后重试", 400)
        service.save_roster(roster)
        service.store.audit(who, ip, "名单添加单位", f"{row[0]} {row[1].upper()}")
        return RedirectResponse("/roster", status_code=303)
    if action == "remove":
        code = str(form.get("uscc") or "")
        kept = tuple(u for u in current.units if u.uscc != code)
        if len(kept) == len(current.units):
            raise Refused(404, "名单中没有这个单位")
        service.save_roster(core.Roster(kept))
        service.store.audit(who, ip, "名单删除单位", code)
        return RedirectResponse("/roster", status_code=303)
    raise Refused(400, "不认识的操作")


@page(group=True)
async def roster_download(request: Request) -> Response:
    service = service_of(request)
    roster = service.stored_roster() or service.roster()
    body = ("\ufeff" + core.roster_csv(roster)).encode("utf-8")
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": "attachment; filename*=utf-8''%E5%8D%95%E4%BD%8D%E5%90%8D%E5%8D%95.csv"})


# -- 单位信息 -----------------------------------------------------------------------------------------


async def _settings(request: Request, identity: core.UnitIdentity | None = None, message: str = "",
                    saved: bool = False, status: int = 200) -> Response:
    shown = identity or service_of(request).identity()
    return template(request, "settings.html", {"identity": shown, "labels": core.IDENTITY_LABELS, "message": message,
                                               "saved": saved or request.query_params.get("saved") == "1"}, status)


@page(group=True)
async def settings_page(request: Request) -> Response:
    return await _settings(request)


@page(group=True, form=True)
async def settings_save(request: Request) -> Response:
    service, form = service_of(request), request.state.form
    values = {key: str(form.get(key) or "") for key in core.IDENTITY_LABELS}
    try:
        identity = core.identity_from(values)
    except core.IdentityError as exc:
        return await _settings(request, core.UnitIdentity(**{k: v[:200] for k, v in values.items()}), str(exc),
                               status=400)
    before = service.identity()
    labels = core.IDENTITY_LABELS
    changed = [labels[k] for k in labels if getattr(before, k) != getattr(identity, k)]
    service.save_identity(identity)
    service.store.audit(request.state.user.name, client_ip(request), "修改单位信息", "、".join(changed) or "无变化")
    return RedirectResponse("/settings?saved=1", status_code=303)


# -- 退回通知 -----------------------------------------------------------------------------------------


async def _notice(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    sha, entry = visible_submission(request)
    if entry["status"] == "valid":
        raise Refused(404, "这份报表通过了校验，没有退回通知")
    body, filename = await to_thread.run_sync(core.rejection_notice, entry | {"unit": entry["unit"] or user.name},
                                              service.identity(), dt.date.today())
    service.store.audit(user.name, client_ip(request), "下载退回通知", entry["unit"], sha)
    from urllib.parse import quote

    name = quote(_safe_name(filename))
    return Response(body, media_type=DOCX, headers={"content-disposition": f"attachment; filename*=utf-8''{name}"})


@page()
async def notice(request: Request) -> Response:
    return await _notice(request)


@api()
async def notice_api(request: Request) -> Response:
    return await _notice(request)


routes = [
    Route("/roster", roster_page, methods=["GET"]),
    Route("/roster", roster_change, methods=["POST"]),
    Route("/roster/download", roster_download),
    Route("/settings", settings_page, methods=["GET"]),
    Route("/settings", settings_save, methods=["POST"]),
    Route("/submissions/{sha256}/notice", notice),
    Route("/api/submissions/{sha256}/notice", notice_api),
]
