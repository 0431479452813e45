"""``zhuize serve`` — start the 收报台, and manage its accounts.

    zhuize serve [--data DIR] [--host 127.0.0.1] [--port 8765] [--no-browser]
                 [--max-upload-mb 20] [--proxy-headers --forwarded-allow-ips IP,…]
    zhuize serve users add NAME --role 填报单位 --uscc CODE [--data DIR]
    zhuize serve users add NAME --role 集团 [--data DIR]
    zhuize serve users list | disable NAME | reset NAME   [--data DIR]

The password is read from standard input when it is not a terminal (its first line),
prompted for twice otherwise.  This module imports the web stack only when it runs.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import secrets
import sys
import threading
from pathlib import Path

from addin.plumbing.redact import RedactingFilter
from udfs import settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
LOCAL_HOST = "127.0.0.1"


def default_data() -> Path:
    return settings.user_home() / "serve"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="收报台：子企业在浏览器中上报、立即看到错误；总部一键汇总")
    serve.add_argument("--data", type=Path, default=None, metavar="DIR",
                       help="数据文件夹（账户、上报的报表、归档库、汇总结果；默认用户文件夹下 serve）")
    serve.add_argument("--host", default=LOCAL_HOST, help="监听地址（默认 127.0.0.1，只允许本机访问）")
    serve.add_argument("--port", type=int, default=8765, help="端口（默认 8765）")
    serve.add_argument("--no-browser", action="store_true", help="本机模式下不自动打开浏览器")
    serve.add_argument("--max-upload-mb", type=float, default=20, metavar="MB", help="单个上传文件的上限（默认 20 MB）")
    serve.add_argument("--checks", type=int, default=None, metavar="N",
                       help="同时校验的上传数，其余排队（默认等于 CPU 核数：多了只会互相争抢）")
    serve.add_argument("--proxy-headers", action="store_true",
                       help="在反向代理（nginx）之后：采用 X-Forwarded-For / X-Forwarded-Proto（默认不采用）")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", metavar="IP,…",
                       help="与 --proxy-headers 一起：只信任这些代理地址发来的转发头（默认 127.0.0.1）")
    serve.set_defaults(handler=cmd_serve)
    actions = serve.add_subparsers(dest="serve_action", metavar="users")
    users = actions.add_parser("users", help="管理账户：add / list / disable / reset")
    what = users.add_subparsers(dest="users_action", metavar="动作", required=True)
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data", type=Path, default=argparse.SUPPRESS, metavar="DIR", help="数据文件夹")
    add = what.add_parser("add", parents=[data], help="新建账户（密码从标准输入读取或提示输入）")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=["填报单位", "集团"])
    add.add_argument("--uscc", default="", metavar="CODE", help="填报单位的统一社会信用代码（--role 填报单位 时必填）")
    what.add_parser("list", parents=[data], help="列出账户")
    for action, text in (("disable", "停用账户（立即退出其登录、作废其令牌）"), ("reset", "重设密码（并重新启用）")):
        one = what.add_parser(action, parents=[data], help=text)
        one.add_argument("name", metavar="NAME")
    users.set_defaults(handler=cmd_users)


def _data(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data", None) or default_data())


def _password(prompt: str = "密码：") -> str | None:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次：") != first:
        print("两次输入的密码不一致", file=sys.stderr)
        return None
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from addin.web.security import MIN_PASSWORD, hash_password
    from addin.web.store import ROLE_UNIT, Store
    from udfs.identity import uscc_problem

    store = Store(_data(args))
    action = args.users_action
    if action == "list":
        found = store.users()
        if not found:
            print("还没有账户（zhuize serve users add 名称 --role 填报单位 --uscc 代码）")
        for user in found:
            state = "（已停用）" if user.disabled else ""
            print(f"{user.name}\t{user.role}\t{user.uscc or '—'}\t建立于 {user.created}{state}")
        return EXIT_OK
    if action == "disable":
        if not store.set_disabled(args.name, True):
            print(f"没有名为“{args.name}”的账户", file=sys.stderr)
            return EXIT_ERROR
        print(f"已停用账户 {args.name}")
        return EXIT_OK
    if action == "add":
        name = args.name.strip()
        if not name or len(name) > 64 or any(ch.isspace() or not ch.isprintable() for ch in name):
            print("账户名不能为空、不能含空格，最长 64 个字符", file=sys.stderr)
            return EXIT_USAGE
        uscc = args.uscc.strip().upper()
        if args.role == ROLE_UNIT:
            problem = uscc_problem(uscc) if uscc else "填报单位账户须用 --uscc 给出本单位的统一社会信用代码"
            if problem:
                print(problem, file=sys.stderr)
                return EXIT_USAGE
        elif uscc:
            print("集团账户不需要 --uscc（可以查看全部单位）", file=sys.stderr)
            return EXIT_USAGE
        if store.user(name) is not None:
            print(f"已有名为“{name}”的账户（重设密码用 zhuize serve users reset {name}）", file=sys.stderr)
            return EXIT_ERROR
    elif store.user(args.name) is None:
        print(f"没有名为“{args.name}”的账户", file=sys.stderr)
        return EXIT_ERROR
    password = _password()
    if password is None:
        return EXIT_USAGE
    if len(password) < MIN_PASSWORD:
        print(f"密码至少 {MIN_PASSWORD} 个字符", file=sys.stderr)
        return EXIT_USAGE
    if action == "add":
        store.add_user(name, args.role, uscc, hash_password(password))
        store.audit("（命令行）", "", "新建账户", f"{name} {args.role} {uscc}".strip())
        print(f"已建立账户 {name}（{args.role}{'，' + uscc if uscc else ''}）→ {store.data}")
    else:
        store.set_password(args.name, hash_password(password))
        store.audit("（命令行）", "", "重设密码", args.name)
        print(f"已重设 {args.name} 的密码")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from addin.web.app import create_app
    from addin.web.service import Config
    from addin.web.store import Store

    data = _data(args)
    has_accounts = Store(data).has_accounts()
    if not has_accounts and args.host != LOCAL_HOST:
        print(f"还没有任何账户，收报台只能在 {LOCAL_HOST} 上以本机模式启动；要让其他电脑访问（--host {args.host}），"
              "请先建立账户：zhuize serve users add 名称 --role 集团", file=sys.stderr)
        return EXIT_USAGE
    if args.max_upload_mb <= 0:
        print("--max-upload-mb 应大于 0", file=sys.stderr)
        return EXIT_USAGE
    if args.checks is not None and args.checks < 1:
        print("--checks 应至少为 1", file=sys.stderr)
        return EXIT_USAGE
    config = Config(data=data, max_upload=int(args.max_upload_mb * 1024 * 1024),
                    local_mode=not has_accounts and args.host == LOCAL_HOST)
    if args.checks is not None:
        config.parallel_checks = args.checks
    app = create_app(config)
    base = f"http://{args.host}:{args.port}"
    if config.local_mode:
        token = secrets.token_urlsafe(24)
        app.state.service.local_token = token
        url = f"{base}/auth?token={token}"
        print(f"收报台（本机模式，没有账户，以集团身份使用）：\n    {url}\n此链接只能用一次；建立账户后须登录。", flush=True)
        if not args.no_browser:
            import webbrowser

            threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    else:
        print(f"收报台：{base}/  （数据：{data}）", flush=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # the server's log: IDs masked
        logging.getLogger(name).addFilter(RedactingFilter())
    server = uvicorn.Server(uvicorn.Config(
        app, host=args.host, port=args.port, proxy_headers=bool(args.proxy_headers),
        forwarded_allow_ips=args.forwarded_allow_ips if args.proxy_headers else None,
        server_header=False, log_level="warning", access_log=False))
    from addin.web import isolate

    store = Store(data)
    store.clear_incoming()  # uploads a killed 收报台 left behind
    isolate.start()  # the fork server loads the validator now, not on the first upload
    try:
        server.run()
    except OSError as exc:
        print(f"无法在 {args.host}:{args.port} 上启动：{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:  # stopping (Ctrl+C, SIGTERM): no checking process outlives it, no upload stays half-taken
        isolate.stop_all()
        store.clear_incoming(mine=True)
    return EXIT_OK
