"""Every periodic task can be sent as beat sends it."""

from __future__ import annotations

from django.conf import settings

from anxin.celery import app


def test_every_scheduled_task_exists_and_its_time_limits_are_consistent():
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = app.tasks.get(entry["task"])
        assert task is not None, f"beat entry {name}: no task {entry['task']}"
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        # Celery refuses to send a task whose soft limit exceeds its hard limit.
        assert soft is None or hard is None or soft <= hard, (name, soft, hard)


def test_every_task_has_time_limits():
    app.loader.import_default_modules()
    ours = [t for name, t in app.tasks.items() if name.startswith("anxin.")]
    assert ours
    for task in ours:
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard and soft and soft <= hard, (task.name, soft, hard)
