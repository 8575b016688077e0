from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that changed a hazard has committed.
# kwargs: hazard_id, event_ids, kind ("reported", a transition name, or a flag).
hazard_changed = Signal()
