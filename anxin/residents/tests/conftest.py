"""Shared fixtures of the residents' tests: media in a temporary folder, the SMS
log backend, and hazards taken round the closed loop by the personas."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from anxin.hazards import actions as hazards
from anxin.hazards.models import Hazard
from anxin.testing import clients, reports
from anxin.testing.media import photo

# a point in building 1 of grid A1a (community A1) and one in grid B1a (community B1)
A1A = (30.015, 120.007)
B1A = (30.015, 120.055)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def sms_log(settings: Any) -> Iterator[Any]:
    from anxin.notifications.channels import sms

    settings.SMS_BACKEND = "log"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


# The phone pages in English unless a test asks for another language.
client_for = partial(clients.client_for, language="en")
# A resident's report: a description and a photo.
report = partial(reports.report, description="纸箱堵住了楼道", photo=True)


def close_and_publicise(hazard: Hazard, personas: Any, in_b: bool = False) -> Hazard:
    """verify → (auto-dispatch) → accept → rectify with an after photo → pass → publicise."""
    p = personas
    reviewer = p.street_admin_b if in_b else p.grid_worker
    rectifier = p.property_manager_b if in_b else p.property_manager
    checker = p.street_admin_b if in_b else p.safety_officer
    hazards.transition(hazard.pk, reviewer, "verify")
    hazards.transition(hazard.pk, rectifier, "accept")
    hazards.transition(
        hazard.pk,
        rectifier,
        "rectify",
        uploads=[(photo(colour=(40, 160, 60)), "rectify_after")],
    )
    hazards.transition(hazard.pk, checker, "pass_recheck")
    hazards.publicise(hazard.pk, checker)
    return Hazard.objects.get(pk=hazard.pk)


# --- images for the blurring tests --------------------------------------------------------
def face_image(size: int = 300, background: tuple[int, int, int] = (120, 130, 140)) -> Any:
    """A drawn frontal face (skin oval, hair, brows, eyes, nose, mouth) that
    OpenCV's frontal-face Haar cascade detects."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    c, s = size / 2, size / 400
    draw.ellipse([c - 110 * s, c - 140 * s, c + 110 * s, c + 150 * s], fill=(225, 190, 160))
    draw.chord([c - 115 * s, c - 160 * s, c + 115 * s, c - 20 * s], 180, 360, fill=(40, 30, 25))
    draw.rectangle([c - 80 * s, c - 60 * s, c - 25 * s, c - 50 * s], fill=(50, 40, 30))
    draw.rectangle([c + 25 * s, c - 60 * s, c + 80 * s, c - 50 * s], fill=(50, 40, 30))
    draw.ellipse([c - 75 * s, c - 40 * s, c - 30 * s, c - 20 * s], fill=(60, 50, 45))
    draw.ellipse([c + 30 * s, c - 40 * s, c + 75 * s, c - 20 * s], fill=(60, 50, 45))
    draw.polygon(
        [(c, c - 20 * s), (c - 15 * s, c + 35 * s), (c + 15 * s, c + 35 * s)], fill=(205, 170, 140)
    )
    draw.ellipse([c - 40 * s, c + 60 * s, c + 40 * s, c + 80 * s], fill=(150, 70, 70))
    return image.filter(ImageFilter.GaussianBlur(2 * s))


def plate_image(text: str = "A123BC77", width: int = 420) -> Any:
    """A rectangular light number plate with dark characters (Pillow's bundled font)."""
    from PIL import Image, ImageDraw, ImageFont

    plate = Image.new("RGB", (520, 114), (240, 240, 240))
    draw = ImageDraw.Draw(plate)
    draw.rectangle([0, 0, 519, 113], outline=(10, 10, 10), width=6)
    draw.text((260, 57), text, fill=(10, 10, 10), font=ImageFont.load_default(size=64), anchor="mm")
    return plate.resize((width, int(width * 0.22)))


def street_scene(
    face_at: tuple[int, int] | None = (700, 120), plate_at: tuple[int, int] | None = (120, 420)
) -> Any:
    """An 1000×700 picture with a face and a number plate where asked."""
    from PIL import Image

    scene = Image.new("RGB", (1000, 700), (70, 75, 80))
    if face_at is not None:
        scene.paste(face_image(), face_at)
    if plate_at is not None:
        scene.paste(plate_image(), plate_at)
    return scene


def jpeg_with_exif(image: Any, lat: float = 30.015, lng: float = 120.007) -> bytes:
    """JPEG bytes of ``image`` with EXIF time and GPS, as a phone camera writes them."""
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x0110] = "Anxin test camera"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (float(int(lat)), float(int((lat % 1) * 60)), 0.0)
    gps[3], gps[4] = "E", (float(int(lng)), float(int((lng % 1) * 60)), 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=92)
    return out.getvalue()
