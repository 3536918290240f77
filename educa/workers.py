"""gunicorn's worker class for `make serve` (educa/gunicorn.conf.py), gunicorn only.

uvicorn's worker, from the `uvicorn-worker` package that replaces the deprecated
`uvicorn.workers`, without uvicorn's own access log: gunicorn's `accesslog`
(GUNICORN_ACCESS_LOG) or the front web server keeps that log.
"""

import uvicorn_worker


class UvicornWorker(uvicorn_worker.UvicornWorker):
    CONFIG_KWARGS = {**uvicorn_worker.UvicornWorker.CONFIG_KWARGS, "access_log": False}
