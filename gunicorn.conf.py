"""Gunicorn settings of Anxin, used by ``python3 dev.py demo`` and in production.

Run: ``gunicorn --config gunicorn.conf.py anxin.wsgi:application``. Every value can
be changed with an environment variable (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT) or on the command line, which wins over this file.
"""

from __future__ import annotations

import os

wsgi_app = "anxin.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# Threaded workers: requests mostly wait on the database. Two processes with four
# threads each suit a 2-core machine; raise GUNICORN_WORKERS with the core count.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from a reverse proxy on the same machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def post_worker_init(worker: object) -> None:
    """Load every view once, then move everything loaded so far out of the garbage
    collector's sight (``gc.freeze``): the modules, URL patterns and settings
    live as long as the process, and a full collection otherwise walks all of
    them (~120,000 objects, 50-60 ms, a pause in whichever request triggers it)."""
    import gc

    from django.urls import get_resolver

    get_resolver().check()  # imports every view, serializer and form
    gc.collect()
    gc.freeze()
