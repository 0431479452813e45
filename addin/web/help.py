"""帮助: the 操作手册 (docs/manual, ``addin.documents.manual``) as pages of the 收报台.

    GET /help                 the signed-in role's chapter (填报单位 or 集团总部), the others listed after it
    GET /help/{chapter}       one chapter; 常见问题 has an anchor per problem code (/help/faq#ZZ-READ-DATE)
    GET /help/img/{name}.png  a picture of the manual (docs/*.png), served locally (CSP default-src 'self')

Open without signing in too (a clerk who cannot sign in needs it most); nothing in it is private.
"""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from addin.documents import manual
from addin.web.auth import session_of, template
from addin.web.service import Refused


def _own_chapter(request: Request) -> str | None:
    found = session_of(request)
    if found is None:
        return None
    user, csrf, sid = found
    request.state.user, request.state.csrf, request.state.sid = user, csrf, sid
    return "hq" if user.is_group else "unit"


async def help_home(request: Request) -> Response:
    return RedirectResponse(f"/help/{_own_chapter(request) or 'unit'}", status_code=303)


async def help_chapter(request: Request) -> Response:
    slug = str(request.path_params["chapter"])
    if slug not in manual.BY_SLUG:
        raise Refused(404, "帮助中没有这一章")
    own = _own_chapter(request)
    body = await to_thread.run_sync(manual.chapter_html, slug)
    return template(request, "help.html", {"chapters": manual.ordered(own), "chapter": manual.BY_SLUG[slug],
                                           "own": own, "body": body})


async def help_image(request: Request) -> Response:
    path = manual.image_path(str(request.path_params["name"]))
    if path is None:
        raise Refused(404, "没有这张图片")
    return FileResponse(path, media_type="image/png")


routes = [
    Route("/help", help_home),
    Route("/help/img/{name}", help_image),
    Route("/help/{chapter}", help_chapter),
]
