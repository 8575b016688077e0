"""Real image bytes for tests: JPEGs with EXIF time and GPS, broken files."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def jpeg_bytes(
    lat: float | None = 30.015,
    lng: float | None = 120.007,
    taken: str = "2026:11:20 09:30:00",
    size: tuple[int, int] = (64, 48),
    colour: tuple[int, int, int] = (200, 40, 40),
) -> bytes:
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x0110] = "Anxin test camera"  # Model
    exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal
    if lat is not None and lng is not None:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(lat)
        gps[3] = "E" if lng >= 0 else "W"
        gps[4] = _dms(lng)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def photo(name: str = "photo.jpg", **kwargs: object) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")  # type: ignore[arg-type]


def not_an_image(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is not a picture at all", content_type="image/jpeg")


def truncated_jpeg(name: str = "broken.jpg") -> SimpleUploadedFile:
    data = jpeg_bytes(size=(400, 300))
    return SimpleUploadedFile(name, data[: len(data) // 2], content_type="image/jpeg")
