"""A CAP 1.2 meteorological warning as a district's weather service sends it, for
the demo and the tests (the same shape as ``data/sample-rainstorm.xml``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from django.utils import timezone

EVENTS = {
    "rainstorm": ("暴雨", "11B03"),
    "typhoon": ("台风", "11B01"),
    "heat": ("高温", "11B09"),
}
COLOURS = {
    "red": ("红色", "Extreme"),
    "orange": ("橙色", "Severe"),
    "yellow": ("黄色", "Moderate"),
    "blue": ("蓝色", "Minor"),
}


def _stamp(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S%z")[:-2] + ":00"


def weather_cap(
    *,
    identifier: str,
    area_code: str,
    area_name: str,
    now: datetime | None = None,
    onset_in: timedelta = timedelta(hours=6),
    hazard: str = "rainstorm",
    colour: str = "orange",
    msg_type: str = "Alert",
    status: str = "Actual",
    references: str = "",
) -> bytes:
    """A CAP 1.2 alert for one area (by its code), in Chinese as the CMA sends it."""
    now = now or timezone.now()
    word, code = EVENTS[hazard]
    colour_word, severity = COLOURS[colour]
    event = f"{word}{colour_word}预警"
    onset = now + onset_in
    refs = f"\n  <references>{escape(references)}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{escape(identifier)}</identifier>
  <sender>hz-weather@cma.gov.cn</sender>
  <sent>{_stamp(now)}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>{event}</event>
    <responseType>Prepare</responseType>
    <urgency>Expected</urgency>
    <severity>{severity}</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>CMA</valueName><value>{code}</value></eventCode>
    <effective>{_stamp(now)}</effective>
    <onset>{_stamp(onset)}</onset>
    <expires>{_stamp(onset + timedelta(hours=24))}</expires>
    <senderName>杭州市气象台</senderName>
    <headline>{escape(area_name)}{event}</headline>
    <description>预计{escape(area_name)}将出现强降水，小时雨强可达50毫米以上，低洼地带可能积水。</description>
    <instruction>低洼院落和地下车库做好防汛准备，转移车辆和贵重物品。</instruction>
    <area>
      <areaDesc>{escape(area_name)}</areaDesc>
      <geocode><valueName>ADCODE</valueName><value>{escape(area_code)}</value></geocode>
    </area>
  </info>
</alert>
""".encode()
