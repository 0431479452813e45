"""The JSON API (same accounts and roles as the pages; docs/design.md shows curl examples).

    POST /api/token                       {"name", "password"} → {"token"}
    POST /api/submissions                 multipart "file" → the validator's verdict
    GET  /api/submissions                 what the caller may see, newest first
    GET  /api/submissions/{sha256}/file   the stored workbook        (404 when not the caller's)
    GET  /api/submissions/{sha256}/annotated   its annotated copy
    POST /api/rollup                      (集团) {"period"?} → the roll-up's summary JSON
    GET  /api/returns/group|sasac|summary (集团) the latest roll-up's outputs
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from addin.plumbing.redact import redact
from addin.web.json_out import JSONResponse
from addin.web.auth import api, client_ip, service_of
from addin.web.security import verify_password
from addin.web.service import Refused
from udfs.errors import EngineError

SHA = re.compile(r"^[0-9a-f]{64}$")


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "请求内容应为 JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "请求内容应为 JSON 对象")
    return body


async def token(request: Request) -> Response:
    body = await _json_body(request)
    name, password = str(body.get("name") or ""), str(body.get("password") or "")
    service, ip = service_of(request), client_ip(request)
    wait = service.throttle.wait(name, ip)
    if wait > 0:
        raise Refused(429, f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试")
    stored = await to_thread.run_sync(service.store.password_hash, name)
    if not await to_thread.run_sync(verify_password, stored, password):
        service.throttle.failed(name, ip)
        service.store.audit(name, ip, "令牌登录失败")
        raise Refused(401, "账户名或密码不正确（或账户已停用）")
    service.throttle.succeeded(name)
    service.store.audit(name, ip, "取得令牌")
    return JSONResponse({"token": service.store.new_token(name, service.config.token_lifetime)})


def verdict_json(verdict: dict[str, Any], current: bool | None = None) -> dict[str, Any]:
    shaped = {key: verdict.get(key) for key in ("sha256", "status", "unit", "uscc", "period")}
    shaped |= {"errors": verdict.get("errors", []), "warnings": verdict.get("warnings", []),
               "report_date": verdict.get("report_date") or None}
    if current is not None:
        shaped["current"] = current
    return shaped


@api()
async def submit(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Refused(400, "请用 multipart/form-data 的 file 字段上传工作簿")
    verdict, _ = await to_thread.run_sync(service.ingest, user, upload.file, upload.filename or "", client_ip(request))
    current = await to_thread.run_sync(service.is_current, user, verdict)
    return JSONResponse(verdict_json(verdict, current))


@api()
async def submissions(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    entries = await to_thread.run_sync(service.listing, user)
    return JSONResponse([{"sha256": s["sha256"], "unit": s["unit"], "uscc": s["uscc"], "period": s["period"],
                          "status": s["status"], "uploaded_at": s["uploaded_at"], "current": s["current"]}
                         for s in entries])


def visible_submission(request: Request) -> tuple[str, dict[str, Any]]:
    """The path's ``sha256`` and its stored submission, if the signed-in user may see it
    (404 otherwise: another unit's report is not said to exist)."""
    service, user = service_of(request), request.state.user
    sha = str(request.path_params["sha256"]).lower()
    entry = service.store.submission(sha) if SHA.match(sha) else None
    if entry is None or not service.may_see(user, entry):
        raise Refused(404, "找不到这份报表（或无权查看）")
    return sha, entry


async def stored_file(request: Request, kind: str) -> FileResponse:
    """The stored workbook or its annotated copy, if the user may see it (404 otherwise)."""
    service, user = service_of(request), request.state.user
    sha, entry = visible_submission(request)
    if kind == "file":
        path: Path | None = service.store.blob_path(sha)
    else:
        path = await to_thread.run_sync(service.annotated, entry)
    if path is None or not path.is_file():
        raise Refused(404, "这份报表没有标注副本（只有有错误、且不超过 5 万行的报表才有）")
    service.store.audit(user.name, client_ip(request), "下载报表" if kind == "file" else "下载标注副本", "", sha)
    stem = f"{entry['unit'] or '报表'}_{entry['period'] or '未知报告期'}_{sha[:8]}"
    name = f"{stem}.xlsx" if kind == "file" else f"{stem}（校验标注）.xlsx"
    return FileResponse(path, filename=_safe_name(name),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _safe_name(name: str) -> str:
    """A download's file name: no path characters, and no 身份证号码 (a unit name may hold one)."""
    return re.sub(r'[\\/:*?"<>|\r\n\x00-\x1f]', "_", redact(name))


@api()
async def submission_file(request: Request) -> Response:
    return await stored_file(request, "file")


@api()
async def submission_annotated(request: Request) -> Response:
    return await stored_file(request, "annotated")


@api(group=True)
async def rollup(request: Request) -> Response:
    service, user = service_of(request), request.state.user
    body = await _json_body(request)
    period = body.get("period")
    try:
        job = await to_thread.run_sync(service.start_rollup, user, str(period) if period else None, client_ip(request))
    except EngineError as exc:
        raise Refused(400, exc.message) from None
    await to_thread.run_sync(job.finished.wait)
    if job.state != "done":
        return JSONResponse({"error": job.message}, status_code=500)
    summary = service.output("summary", job.period)
    assert summary is not None
    return Response(summary.read_bytes(), media_type="application/json")


RETURN_FILES = {"group": ("集团汇总", ".xlsx"), "sasac": ("国资委报表", ".xlsx"), "summary": ("汇总结果", ".json"),
                "letters": ("文书", ".zip")}


async def latest_output(request: Request, kind: str) -> FileResponse:
    service, user = service_of(request), request.state.user
    entry = service.store.latest_rollup(request.query_params.get("period") or None)
    path = await to_thread.run_sync(service.output, kind, entry["period"]) if entry else None
    if entry is None or path is None:
        raise Refused(404, "还没有完成的汇总；请先汇总")
    service.store.audit(user.name, client_ip(request), "下载汇总结果", f"{RETURN_FILES[kind][0]} {entry['period']}")
    stem, suffix = RETURN_FILES[kind]
    media = {".json": "application/json", ".zip": "application/zip"}.get(
        suffix, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return FileResponse(path, filename=f"{stem}_{entry['period']}{suffix}", media_type=media)


@api(group=True)
async def returns(request: Request) -> Response:
    kind = str(request.path_params["kind"])
    if kind not in RETURN_FILES:
        raise Refused(404, "没有这种汇总结果（可选：group、sasac、summary、letters）")
    return await latest_output(request, kind)


routes = [
    Route("/api/token", token, methods=["POST"]),
    Route("/api/submissions", submit, methods=["POST"]),
    Route("/api/submissions", submissions, methods=["GET"]),
    Route("/api/submissions/{sha256}/file", submission_file, methods=["GET"]),
    Route("/api/submissions/{sha256}/annotated", submission_annotated, methods=["GET"]),
    Route("/api/rollup", rollup, methods=["POST"]),
    Route("/api/returns/{kind}", returns, methods=["GET"]),
]
