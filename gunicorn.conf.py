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
