from __future__ import annotations

from django.dispatch import Signal

# Sent in the worker after the transaction that raised a warning has committed
# (through the outbox, so never lost). kwargs: warning_id. Receivers are
# idempotent: the task may run twice after a worker was killed.
warning_raised = Signal()
