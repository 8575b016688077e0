from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeChat Work group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("WeChat Work")
    DINGTALK = "dingtalk", _("DingTalk")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


ROBOT_CHANNEL = {RobotKind.WECOM: Channel.WECOM, RobotKind.DINGTALK: Channel.DINGTALK}
