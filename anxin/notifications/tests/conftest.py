"""Real local servers for the channels: an HTTP server (webhooks, SMS gateway)
and an SMTP server (aiosmtpd), both on 127.0.0.1, started by the fixtures."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    delay: float = 0.0


class WebhookServer:
    """Records every POST; answers with the scripted replies, then 200 errcode 0."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.replies: deque[Reply] = deque()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                with server.lock:
                    server.received.append(
                        Received(
                            path=parsed.path,
                            query=dict(urllib.parse.parse_qsl(parsed.query)),
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                    reply = server.replies.popleft() if server.replies else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                data = (
                    json.dumps(reply.body).encode()
                    if not isinstance(reply.body, bytes)
                    else reply.body
                )
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        port = self.httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailSink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[MailSink]:
    """A real SMTP server on 127.0.0.1; Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def notify_settings(settings: Any) -> None:
    settings.NOTIFY_RETRY_MAX = 8
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    settings.NOTIFY_RETRY_CAP_SECONDS = 3600
    settings.NOTIFY_HTTP_TIMEOUT_SECONDS = 5.0
    settings.SMS_BACKEND = "log"
    settings.NOTIFY_SITE_URL = "https://anxin.example.cn"


@pytest.fixture(autouse=True)
def empty_sms_log() -> Iterator[None]:
    from anxin.notifications.channels import sms

    sms.outbox.clear()
    yield
    sms.outbox.clear()
