"""收报台 (``zhuize serve``): subsidiaries upload their workbook in any browser and see its
problems at once; headquarters sees who has handed in and rolls up with one click.

A thin adapter on the same core as the command line (it adds no rule):

    core.py      every call into validation, roll-up, returns, letters, templates, ZZ_ functions
    isolate.py   each upload's check and each roll-up in a capped child process
    store.py     the data folder: SQLite (accounts, sessions, submissions, audit), blobs by sha256
    security.py  argon2 passwords, signed cookies, CSRF, login throttle
    service.py   what pages and API share: ingest, listings, roll-up jobs
    auth.py      @page / @api: who is asking, roles, CSRF
    pages.py     the Chinese pages; api.py the JSON API; charts.py inline SVG
    app.py       create_app(): routes from ROUTE_MODULES, body cap, security headers
    serve.py     the command: start the server, manage accounts
"""
