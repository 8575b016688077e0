"""Evidence files: checked by content, EXIF read and kept privately, public
copies stripped of EXIF, and blurred public copies (faces, number plates)."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

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


# --- blurred public copies (faces and number plates) --------------------------------------
# Where a locality requires it (``anxin.residents``), photos shown in public have
# detected faces and number plates blurred. Detection uses the Haar cascades that
# ship with OpenCV (``cv2.data``): frontal and profile faces, and number plates
# (the only plate cascade OpenCV ships is trained on Russian plates; it finds
# many rectangular light plates with dark characters, not all Chinese plates).

Box = tuple[int, int, int, int]  # x, y, width, height in pixels

# (cascade file, minimum neighbours, minimum size at detection scale)
CASCADES: tuple[tuple[str, int, tuple[int, int]], ...] = (
    ("haarcascade_frontalface_default.xml", 5, (24, 24)),
    ("haarcascade_profileface.xml", 5, (24, 24)),
    ("haarcascade_russian_plate_number.xml", 3, (36, 12)),
)
DETECT_MAX_SIDE = 1280  # detection runs on a copy no larger than this (speed)
BLUR_PADDING = 0.15  # each box grows by this share of its size on every side
MOSAIC_BLOCKS = 6  # blocks across the shorter side of a blurred region


class BlurError(Exception):
    """The photo could not be processed; it must not be shown where blurring is required."""


_local = threading.local()


def _cascades() -> list[tuple[Any, int, tuple[int, int]]]:
    """The cascade classifiers, loaded once per thread (OpenCV's classifier
    objects are not safe to share between threads)."""
    loaded = getattr(_local, "cascades", None)
    if loaded is None:
        try:
            import cv2
        except ImportError as exc:  # pragma: no cover - a broken install
            raise BlurError(f"OpenCV is not available: {exc}") from exc
        loaded = []
        for name, neighbours, min_size in CASCADES:
            folder = cv2.data.haarcascades  # type: ignore[attr-defined]
            classifier = cv2.CascadeClassifier(folder + name)
            if classifier.empty():
                raise BlurError(f"cannot load the cascade {name}")
            loaded.append((classifier, neighbours, min_size))
        _local.cascades = loaded
    return loaded


def detect_sensitive_regions(image: Image.Image) -> list[Box]:
    """Boxes of the faces and number plates the cascades find, in the image's pixels."""
    import cv2
    import numpy as np

    rgb = image.convert("RGB")
    scale = min(1.0, DETECT_MAX_SIDE / max(rgb.size))
    if scale < 1.0:
        rgb = rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))))
    # No histogram equalisation: on generated test scenes it lost faces that the
    # plain grey picture shows.
    gray = cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2GRAY)
    boxes: list[Box] = []
    for classifier, neighbours, min_size in _cascades():
        found = classifier.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=neighbours, minSize=min_size
        )
        for x, y, w, h in found:
            boxes.append((round(x / scale), round(y / scale), round(w / scale), round(h / scale)))
    return boxes


def blur_regions(image: Image.Image, regions: Iterable[Box]) -> Image.Image:
    """A copy of ``image`` with each region (grown a little) pixelated and blurred
    beyond recognition; the rest of the picture is left as it was."""
    result = image.convert("RGB")
    for x, y, w, h in regions:
        if w <= 0 or h <= 0:
            continue
        pad_x, pad_y = round(w * BLUR_PADDING), round(h * BLUR_PADDING)
        box = (
            max(0, x - pad_x),
            max(0, y - pad_y),
            min(result.width, x + w + pad_x),
            min(result.height, y + h + pad_y),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        patch = result.crop(box)
        # Mosaic (马赛克): 6 blocks across the shorter side, then smoothed with a
        # radius of an eighth of it. Milder settings left enough of a drawn face
        # for the face cascade to find it again.
        shorter = min(patch.size)
        block = max(1, shorter // MOSAIC_BLOCKS)
        small = patch.resize(
            (max(1, patch.width // block), max(1, patch.height // block)), Image.Resampling.BOX
        )
        mosaic = small.resize(patch.size, Image.Resampling.NEAREST)
        mosaic = mosaic.filter(ImageFilter.GaussianBlur(radius=max(2, shorter // 8)))
        result.paste(mosaic, box[:2])
    return result


@dataclass(frozen=True)
class BlurredCopy:
    data: bytes
    regions: list[Box]


def blurred_copy(data: bytes, regions: Iterable[Box] | None = None) -> BlurredCopy:
    """A JPEG (without EXIF) of the photo ``data`` with faces and number plates
    blurred: the detected ones, or the ``regions`` given. Raises BlurError when
    the photo cannot be read or processed."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise BlurError(f"cannot read the photo: {exc}") from exc
    try:
        boxes = list(regions) if regions is not None else detect_sensitive_regions(image)
        blurred = blur_regions(image, boxes)
        out = io.BytesIO()
        blurred.save(out, format="JPEG", quality=85)
    except BlurError:
        raise
    except Exception as exc:  # OpenCV raises its own error type; none may escape
        raise BlurError(f"{type(exc).__name__}: {exc}") from exc
    return BlurredCopy(out.getvalue(), boxes)
