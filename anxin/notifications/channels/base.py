"""The result of one attempt and a small JSON-over-HTTP helper (urllib, timeout)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    body: str = ""
    error: str = ""
    is_permanent: bool = False

    @classmethod
    def sent(cls, status_code: int | None = None, body: str = "") -> SendResult:
        return cls(ok=True, status_code=status_code, body=body)

    @classmethod
    def transient(cls, error: str, status_code: int | None = None, body: str = "") -> SendResult:
        return cls(ok=False, status_code=status_code, body=body, error=error)

    @classmethod
    def permanent(cls, error: str, status_code: int | None = None, body: str = "") -> SendResult:
        return cls(ok=False, status_code=status_code, body=body, error=error, is_permanent=True)


@dataclass(frozen=True)
class HttpResponse:
    status_code: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def timeout_seconds() -> float:
    return float(getattr(settings, "NOTIFY_HTTP_TIMEOUT_SECONDS", 5.0))


def post_json(
    url: str, payload: Any, headers: dict[str, str] | None = None
) -> HttpResponse | SendResult:
    """POST ``payload`` as JSON. Returns the response (any status) or, when no
    response came (timeout, refused connection, bad URL), a failed SendResult."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds()) as response:
            return HttpResponse(response.status, response.read(65536).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        body = exc.read(65536).decode("utf-8", "replace") if exc.fp else ""
        return HttpResponse(exc.code, body)
    except ValueError as exc:  # malformed URL: retrying will not help
        return SendResult.permanent(f"invalid URL: {exc}")
    except TimeoutError as exc:
        return SendResult.transient(f"timeout after {timeout_seconds()} s ({exc})")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return SendResult.transient(f"timeout after {timeout_seconds()} s ({reason})")
        return SendResult.transient(f"connection error: {reason}")
    except OSError as exc:
        return SendResult.transient(f"connection error: {exc}")


def classify(response: HttpResponse) -> SendResult | None:
    """A failed SendResult for a non-2xx status, None when the status is 2xx."""
    code = response.status_code
    if 200 <= code < 300:
        return None
    if code == 429 or code >= 500:
        return SendResult.transient(f"HTTP {code}", status_code=code, body=response.body)
    return SendResult.permanent(f"HTTP {code}", status_code=code, body=response.body)
