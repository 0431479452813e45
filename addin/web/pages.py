"""The pages (all Chinese): 登录, 下载模板, 上报, 汇总, 函数, 审计日志."""

from __future__ import annotations

import secrets
from typing import Any

from anyio import to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from addin.web import charts, core
from addin.web.api import RETURN_FILES, latest_output, stored_file, visible_submission
from addin.web.auth import (
    CSRF_REFUSED, LOGIN_COOKIE, SESSION_COOKIE, client_ip, page, safe_next, service_of, session_of, set_session,
    template,
)
from addin.web.security import same, verify_password
from addin.web.service import CURRENT_LABELS, STATUS_LABELS, Refused, today
from addin.web.store import LOCAL_USER
from udfs.errors import EngineError

HEADLINE = ("线索总数", "线索_办结", "线索_在办", "损失金额_一般", "损失金额_较大", "损失金额_重大", "已挽回金额",
            "追责人数", "扣减薪酬总额", "整改问题数", "整改完毕数", "整改率", "禁入限制人数", "管理提升建议书数")


# -- signing in ---------------------------------------------------------------------------------------


async def login_form(request: Request, message: str = "", status: int = 200) -> Response:
    service = service_of(request)
    nonce = secrets.token_urlsafe(24)
    local = service.config.local_mode and not service.store.has_accounts()
    response = template(request, "login.html", {"nonce": nonce, "message": message, "local": local,
                                                "next": safe_next(request.query_params.get("next"))}, status)
    response.set_cookie(LOGIN_COOKIE, service.signer.dumps(nonce), max_age=3600, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/login")
    return response


async def login(request: Request) -> Response:
    service, ip = service_of(request), client_ip(request)
    form = await request.form(max_part_size=16 * 1024)
    nonce = service.signer.loads(request.cookies.get(LOGIN_COOKIE), 3600) or ""
    if not same(str(form.get("csrf") or ""), nonce):
        service.store.audit(str(form.get("name") or ""), ip, "拒绝无校验码的登录表单")
        raise Refused(403, CSRF_REFUSED)
    name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
    wait = service.throttle.wait(name, ip)
    if wait > 0:
        return await login_form(request, f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试", 429)
    stored = await to_thread.run_sync(service.store.password_hash, name)
    if not await to_thread.run_sync(verify_password, stored, password):
        service.throttle.failed(name, ip)
        service.store.audit(name, ip, "登录失败")
        return await login_form(request, "账户名或密码不正确（或账户已停用）", 401)
    service.throttle.succeeded(name)
    service.store.audit(name, ip, "登录")
    response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
    set_session(request, response, name)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


async def one_time(request: Request) -> Response:
    """The no-account mode's link: valid once, only while no account exists."""
    service = service_of(request)
    given = request.query_params.get("token", "")
    expected = service.local_token
    if not (service.config.local_mode and expected and not service.store.has_accounts() and same(given, expected)):
        raise Refused(403, "链接无效或已用过；本机模式的登录链接只能用一次，请重新启动 zhuize serve 取得新链接")
    service.local_token = None
    service.store.audit(LOCAL_USER, client_ip(request), "本机模式登录")
    response = RedirectResponse("/", status_code=303)
    set_session(request, response, LOCAL_USER)
    return response


@page()
async def logout(request: Request) -> Response:
    service = service_of(request)
    service.store.end_session(request.state.sid)
    service.store.audit(request.state.user.name, client_ip(request), "退出")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def home(request: Request) -> Response:
    found = session_of(request)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/dashboard" if found[0].is_group else "/upload", status_code=303)


# -- 下载模板 ------------------------------------------------------------------------------------------


@page()
async def templates_page(request: Request) -> Response:
    return template(request, "templates.html", {"profiles": core.profiles(), "default": core.default_profile()})


@page()
async def template_download(request: Request) -> Response:
    from starlette.responses import FileResponse

    service = service_of(request)
    profile = request.query_params.get("profile") or core.default_profile()
    path = await to_thread.run_sync(service.template, profile)
    service.store.audit(request.state.user.name, client_ip(request), "下载模板", profile)
    return FileResponse(path, filename=f"子企业填报模板_{profile}.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# -- 上报 ----------------------------------------------------------------------------------------------


def _labelled(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for entry in entries:
        entry["status_label"] = STATUS_LABELS[entry["status"]]
        entry["decision_label"] = CURRENT_LABELS.get(entry.get("decision", ""), "")
    return entries


@page()
async def upload_page(request: Request, message: str = "", status: int = 200) -> Response:
    service, user = service_of(request), request.state.user
    entries = _labelled(await to_thread.run_sync(service.listing, user))
    return template(request, "upload.html", {"entries": entries, "message": message,
                                             "periods": core.period_choices(today().year),
                                             "max_mb": service.config.max_upload / 1024 / 1024}, status)


@page(form=True)
async def upload(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    upload_file = request.state.form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        raise Refused(400, "请选择要上报的工作簿（.xlsx）")
    verdict, _ = await to_thread.run_sync(service.ingest, user, upload_file.file, upload_file.filename,
                                          client_ip(request))
    chosen = str(request.state.form.get("period") or "")
    query = f"?chosen={chosen}" if chosen and chosen in core.period_choices(today().year) else ""
    return RedirectResponse(f"/submissions/{verdict['sha256']}{query}", status_code=303)


@page()
async def submission_page(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    sha, entry = visible_submission(request)
    listed = _labelled(await to_thread.run_sync(service.listing, user, entry["period"] or None))
    this = next((s for s in listed if s["sha256"] == sha), entry | {"decision": "", "current": False})
    earlier = [s for s in listed if s["sha256"] != sha and s["uscc"] == entry["uscc"]]
    verdict = entry["verdict"]
    errors = [e | {"fix": core.fix_for(e["code"])} for e in verdict.get("errors", [])]
    warnings = [w | {"fix": core.fix_for(w["code"])} for w in verdict.get("warnings", [])]
    chosen = request.query_params.get("chosen", "")
    mismatch = chosen if chosen and entry["period"] and chosen != entry["period"] else ""
    return template(request, "submission.html", {
        "entry": this, "errors": errors, "has_fix": any(e["fix"] for e in errors), "warnings": warnings, "earlier": earlier, "mismatch": mismatch,
        "status_label": STATUS_LABELS[entry["status"]], "annotated": bool(verdict.get("annotatable")),
        "annotation_error": "" if verdict.get("annotatable") or entry["status"] != "invalid"
        else f"工作簿有 {verdict.get('rows', 0):,} 行，未生成标注副本；全部问题见下表",
    })


@page()
async def submission_file(request: Request) -> Response:
    return await stored_file(request, "file")


@page()
async def submission_annotated(request: Request) -> Response:
    return await stored_file(request, "annotated")


# -- 汇总 ----------------------------------------------------------------------------------------------


def _rollup_box(summary: dict[str, Any]) -> dict[str, Any]:
    """The roll-up result as the dashboard shows it: unit counts (the status table's
    definition), what was refused and superseded — by unit, sheet and cell, never a path."""
    units = summary.get("units") or {}
    status = {u.get("uscc"): u.get("status") for u in units.get("units", [])}
    rejected = []
    for entry in summary.get("rejected", []):
        errors = entry.get("errors", [])
        first = errors[0] if errors else {}
        place = " ".join(filter(None, (first.get("sheet"), first.get("cell"))))
        rejected.append({"unit": entry.get("unit") or "（未填单位）", "uscc": entry.get("uscc") or "",
                         "sha256": entry.get("sha256") or "", "errors": len(errors), "place": place,
                         "message": first.get("message", ""), "status": entry.get("status"),
                         "unit_status": status.get(entry.get("uscc"), "")})
    superseded = [{"unit": e.get("unit", ""), "date": e.get("report_date") or "—", "by": e.get("by_report_date") or "—"}
                  for e in summary.get("superseded", [])]
    return {"counts": units.get("counts"), "not_reported": units.get("not_reported", []),
            "files": {"accepted": len(summary.get("accepted", [])), "rejected": len(rejected),
                      "superseded": len(superseded)},
            "rejected": rejected, "superseded": superseded}


@page(group=True)
async def dashboard(request: Request) -> Response:
    service = service_of(request)
    periods = await to_thread.run_sync(service.periods)
    period = request.query_params.get("period") or (periods[0] if periods else "")
    if period and period not in periods:
        try:
            period = core.parse_period(period)
        except EngineError as exc:
            raise Refused(400, exc.message) from None
    latest = service.store.latest_rollup(period) if period else None
    summary = await to_thread.run_sync(service.rollup_summary, period) if latest is not None else None
    units = await to_thread.run_sync(service.units_status, period, summary) if period else []
    pictures: list[str] = []
    box: dict[str, Any] | None = None
    later = 0
    if summary is not None:
        pictures = charts.dashboard_charts(summary.get("indicators", {}), summary.get("indicators_by_unit", []))
        box = _rollup_box(summary)
        finished = (latest or {}).get("finished") or ""
        later = sum(1 for s in service.store.submissions(period=period) if s["uploaded_at"] > finished)
    counts = {label: sum(1 for u in units if u["status"] == label) for label in ("已报", "退回", "未报", "冲突")}
    running = next((j for j in service.jobs.values() if j.state == "running"), None)
    return template(request, "dashboard.html", {
        "periods": periods, "period": period, "units": units, "counts": counts, "latest": latest,
        "summary": summary, "box": box, "later": later, "charts": pictures, "running": running,
        "headline": core.indicator_rows(summary.get("indicators", {}), HEADLINE) if summary else [],
        "everything": core.indicator_lines(summary.get("indicators", {})) if summary else [],
        "has_roster": service.stored_roster() is not None,
        "downloads": [(kind, name) for kind, (name, _) in RETURN_FILES.items()],
    })


@page(group=True, form=True)
async def start_rollup(request: Request) -> Response:
    service = service_of(request)
    period = str(request.state.form.get("period") or "") or None
    try:
        job = await to_thread.run_sync(service.start_rollup, request.state.user, period, client_ip(request))
    except EngineError as exc:
        raise Refused(400, exc.message) from None
    return RedirectResponse(f"/rollup/{job.number}", status_code=303)


@page(group=True)
async def rollup_progress(request: Request) -> Response:
    service = service_of(request)
    try:
        number = int(request.path_params["number"])
    except ValueError:
        raise Refused(404, "找不到这次汇总") from None
    job = service.job(number)
    if job is None:
        raise Refused(404, "找不到这次汇总")
    if job.state == "done":
        return RedirectResponse(f"/dashboard?period={job.period}", status_code=303)
    return template(request, "rollup.html", {"job": job})


@page(group=True)
async def download(request: Request) -> Response:
    kind = str(request.path_params["kind"])
    if kind not in RETURN_FILES:
        raise Refused(404, "没有这种汇总结果")
    return await latest_output(request, kind)


# -- 函数 ----------------------------------------------------------------------------------------------


@page()
async def functions_page(request: Request) -> Response:
    listed = core.functions()
    result: tuple[bool, str] | None = None
    chosen = request.query_params.get("name", listed[0]["name"] if listed else "")
    values: list[str] = []
    if request.method == "POST":
        form = request.state.form
        chosen = str(form.get("name") or "")
        function = next((f for f in listed if f["name"] == chosen), None)
        if function is None:
            raise Refused(400, "请选择一个 ZZ_ 函数")
        values = [str(form.get(f"arg{k}") or "").strip() for k in range(len(function["args"]))]
        given = list(values)
        while given and not given[-1]:
            given.pop()  # trailing blanks: not given, as on the command line
        result = core.calc(chosen, given)
        # the function only: an argument may be a 身份证号码, which never goes into a log
        service_of(request).store.audit(request.state.user.name, client_ip(request), "计算函数", chosen)
    function = next((f for f in listed if f["name"] == chosen), listed[0] if listed else None)
    return template(request, "functions.html", {"functions": listed, "function": function, "result": result,
                                                "values": values})


@page(group=True)
async def audit_page(request: Request) -> Response:
    entries = list(service_of(request).store.audit_entries())
    return template(request, "audit.html", {"entries": entries})


routes = [
    Route("/", home),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/auth", one_time),
    Route("/logout", logout, methods=["POST"]),
    Route("/templates", templates_page),
    Route("/templates/download", template_download),
    Route("/upload", upload_page, methods=["GET"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/submissions/{sha256}", submission_page),
    Route("/submissions/{sha256}/file", submission_file),
    Route("/submissions/{sha256}/annotated", submission_annotated),
    Route("/dashboard", dashboard),
    Route("/rollup", start_rollup, methods=["POST"]),
    Route("/rollup/{number}", rollup_progress),
    Route("/downloads/{kind}", download),
    Route("/functions", functions_page, methods=["GET", "POST"]),
    Route("/audit", audit_page),
]
