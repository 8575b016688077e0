"""Evidence files: checked by content, EXIF read and kept privately, public
copies stripped of EXIF."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from anxin.hazards.choices import AttachmentKind
from anxin.hazards.errors import HazardValidationError

Image.MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs

IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heif",
}
VIDEO_SIGNATURES = (
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
)
VOICE_SIGNATURES = (
    (0, b"#!AMR", "audio/amr"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xff\xfb", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"RIFF", "audio/wav"),
    (4, b"ftypM4A", "audio/mp4"),
)


@dataclass
class CheckedFile:
    name: str
    kind: str
    content_type: str
    data: bytes
    sha256: str
    width: int | None = None
    height: int | None = None
    exif_taken_at: datetime | None = None
    exif_lat: float | None = None
    exif_lng: float | None = None
    public_data: bytes | None = None
    public_suffix: str = ".jpg"


def _limit(kind: str) -> int:
    limits: dict[str, int] = {
        AttachmentKind.PHOTO: settings.ATTACHMENT_MAX_IMAGE_BYTES,
        AttachmentKind.VIDEO: settings.ATTACHMENT_MAX_VIDEO_BYTES,
        AttachmentKind.VOICE: settings.ATTACHMENT_MAX_VOICE_BYTES,
    }
    return limits[kind]


def _sniff(data: bytes, signatures: tuple[tuple[int, bytes, str], ...]) -> str | None:
    for offset, magic, content_type in signatures:
        if data[offset : offset + len(magic)] == magic:
            return content_type
    return None


def _rational(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0


def _gps_degrees(values: object, ref: object) -> float | None:
    try:
        d, m, s = (_rational(v) for v in values)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    degrees = d + m / 60 + s / 3600
    if str(ref).upper() in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7)


def _read_exif(image: Image.Image) -> tuple[datetime | None, float | None, float | None]:
    exif = image.getexif()
    taken = None
    raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
    if raw:
        try:
            naive = datetime.strptime(str(raw).strip("\x00"), "%Y:%m:%d %H:%M:%S")
            taken = naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
        except ValueError:
            taken = None
    gps = exif.get_ifd(0x8825)
    lat = lng = None
    if gps:
        lat = _gps_degrees(gps.get(2), gps.get(1)) if gps.get(2) else None
        lng = _gps_degrees(gps.get(4), gps.get(3)) if gps.get(4) else None
    return taken, lat, lng


PUBLIC_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def _strip(image: Image.Image, fmt: str) -> bytes:
    """Re-encode the pixels only: no EXIF, no GPS, orientation applied."""
    upright = ImageOps.exif_transpose(image)
    if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    save_format = fmt if fmt in ("JPEG", "PNG", "WEBP") else "JPEG"
    if save_format == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(out, format=save_format, quality=88)
    return out.getvalue()


def check_file(upload: UploadedFile, field: str = "attachments") -> CheckedFile:
    """Read an upload, decide its kind by content, and refuse what is not a
    photo, video or voice note, or is too big."""
    name = (upload.name or "upload").rsplit("/", 1)[-1][:100]
    size = upload.size or 0
    if size > settings.ATTACHMENT_MAX_VIDEO_BYTES:
        raise HazardValidationError(
            {field: [_("%(name)s is too large.") % {"name": name}]}, code="too_large"
        )
    data = upload.read()
    digest = hashlib.sha256(data).hexdigest()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
        if fmt not in IMAGE_FORMATS:
            raise UnidentifiedImageError(fmt)
        if len(data) > _limit(AttachmentKind.PHOTO):
            raise HazardValidationError(
                {
                    field: [
                        _("The photo %(name)s is larger than %(mb)d MB.")
                        % {"name": name, "mb": _limit(AttachmentKind.PHOTO) // 1_000_000}
                    ]
                },
                code="too_large",
            )
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes the pixels: a truncated or corrupt file fails here
            taken, lat, lng = _read_exif(image)
            public = _strip(image, fmt)
            width, height = image.size
        return CheckedFile(
            name=name,
            kind=AttachmentKind.PHOTO,
            content_type=IMAGE_FORMATS[fmt],
            data=data,
            sha256=digest,
            width=width,
            height=height,
            exif_taken_at=taken,
            exif_lat=lat,
            exif_lng=lng,
            public_data=public,
            public_suffix=PUBLIC_SUFFIX.get(fmt, ".jpg"),
        )
    except HazardValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        pass
    for kind, signatures in (
        (AttachmentKind.VOICE, VOICE_SIGNATURES),
        (AttachmentKind.VIDEO, VIDEO_SIGNATURES),
    ):
        content_type = _sniff(data, signatures)
        if content_type:
            if len(data) > _limit(kind):
                raise HazardValidationError(
                    {field: [_("%(name)s is too large.") % {"name": name}]}, code="too_large"
                )
            return CheckedFile(
                name=name, kind=kind, content_type=content_type, data=data, sha256=digest
            )
    raise HazardValidationError(
        {
            field: [
                _("%(name)s is not a photo (JPEG, PNG, WebP), video or voice recording.")
                % {"name": name}
            ]
        },
        code="bad_type",
    )


def as_content(checked: CheckedFile) -> tuple[ContentFile[bytes], ContentFile[bytes] | None]:
    original = ContentFile(checked.data, name=checked.name)
    public = (
        ContentFile(checked.public_data, name="public" + checked.public_suffix)
        if checked.public_data is not None
        else None
    )
    return original, public
