from __future__ import annotations

from rest_framework import serializers

from anxin.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "link",
            "severity",
            "hazard",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer[dict[str, int]]):
    unread = serializers.IntegerField()


class MarkReadSerializer(serializers.Serializer[dict[str, int]]):
    marked = serializers.IntegerField()
