"""Blurring faces and number plates in public copies (anxin.hazards.attachments).

What is verified: the blur of a region that is passed in (on a synthetic
pattern); detection by OpenCV's Haar cascades on generated pictures — a drawn
frontal face and a rendered light plate with dark Latin characters — and that
neither is found again after blurring. Real photographs were not available here;
detection on them (and on blue Chinese plates with Chinese characters) is not
verified by these tests."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageStat

from anxin.hazards.attachments import (
    BlurError,
    blur_regions,
    blurred_copy,
    detect_sensitive_regions,
)
from anxin.residents.tests.conftest import face_image, jpeg_with_exif, plate_image, street_scene


def checkerboard(size: tuple[int, int] = (400, 300), cell: int = 4) -> Image.Image:
    image = Image.new("L", size, 0)
    pixels = image.load()
    assert pixels is not None
    for y in range(size[1]):
        for x in range(size[0]):
            pixels[x, y] = 255 if (x // cell + y // cell) % 2 else 0
    return image.convert("RGB")


def spread(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Standard deviation of the grey values inside ``box`` (x0, y0, x1, y1)."""
    return float(ImageStat.Stat(image.crop(box).convert("L")).stddev[0])


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Share of box ``b`` (x, y, w, h) covered by box ``a`` (x, y, w, h)."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return max(0, x1 - x0) * max(0, y1 - y0) / (b[2] * b[3])


def test_a_region_passed_in_is_blurred_and_the_rest_left_alone() -> None:
    image = checkerboard()
    region = (100, 80, 120, 100)  # x, y, w, h
    result = blur_regions(image, [region])
    inside = (110, 90, 210, 170)  # well inside the region
    assert spread(image, inside) > 120
    assert spread(result, inside) < 10  # the pattern is gone
    # outside the region grown by its padding, the pixels are untouched
    for box in ((0, 0, 60, 60), (300, 200, 400, 300), (0, 250, 400, 300)):
        assert result.crop(box).tobytes() == image.crop(box).tobytes()


def test_blurred_copy_of_given_regions_is_a_jpeg_without_exif() -> None:
    data = jpeg_with_exif(checkerboard((200, 150)))
    assert Image.open(io.BytesIO(data)).getexif()  # the input has EXIF
    copy = blurred_copy(data, regions=[(10, 10, 50, 50)])
    image = Image.open(io.BytesIO(copy.data))
    assert image.format == "JPEG" and image.size == (200, 150)
    assert not image.getexif()
    assert b"Exif" not in copy.data[:4096]
    assert copy.regions == [(10, 10, 50, 50)]


def test_a_drawn_face_is_detected_and_not_found_after_blurring() -> None:
    scene = street_scene(face_at=(650, 150), plate_at=None)
    found = detect_sensitive_regions(scene)
    face_box = (650, 150, 300, 300)
    assert any(overlaps(box, (715, 195, 170, 200)) > 0.8 for box in found), found
    copy = blurred_copy(jpeg_with_exif(scene))
    assert copy.regions and all(overlaps(face_box, box) > 0.5 for box in copy.regions)
    blurred = Image.open(io.BytesIO(copy.data))
    assert detect_sensitive_regions(blurred) == []
    eyes = (715, 235, 885, 265)
    assert spread(scene, eyes) > 3 * spread(blurred, eyes)
    # the rest of the picture is kept (JPEG noise aside)
    assert abs(spread(scene, (0, 0, 500, 300)) - spread(blurred, (0, 0, 500, 300))) < 3


def test_a_number_plate_is_detected_and_its_characters_blurred_away() -> None:
    scene = street_scene(face_at=None, plate_at=(150, 350))
    plate_box = (150, 350, 420, 92)
    found = detect_sensitive_regions(scene)
    assert any(overlaps(box, plate_box) > 0.6 for box in found), found
    copy = blurred_copy(jpeg_with_exif(scene))
    blurred = Image.open(io.BytesIO(copy.data))
    characters = (190, 370, 530, 425)
    # The blurred plate is still a light rectangle (the plate cascade may still
    # call it a plate), but its characters are gone.
    assert spread(scene, characters) > 4 * spread(blurred, characters)


def test_face_and_plate_in_one_picture() -> None:
    scene = street_scene()
    copy = blurred_copy(jpeg_with_exif(scene))
    assert len(copy.regions) >= 2
    blurred = Image.open(io.BytesIO(copy.data))
    face_box = (700, 120, 300, 300)
    assert not any(overlaps(box, face_box) > 0.3 for box in detect_sensitive_regions(blurred))
    for box in ((765, 200, 935, 240), (160, 440, 500, 490)):  # eyes, plate characters
        assert spread(scene, box) > 3 * spread(blurred, box), box


@pytest.mark.parametrize(
    "picture",
    [
        lambda: Image.new("RGB", (640, 480), (200, 40, 40)),
        lambda: checkerboard((320, 240), cell=16),
        lambda: plate_image().rotate(90, expand=True).resize((40, 180)),
    ],
)
def test_nothing_is_found_in_pictures_without_faces_or_plates(picture: Any) -> None:
    assert detect_sensitive_regions(picture()) == []


def test_a_small_face_is_found_in_a_large_photo() -> None:
    # detection runs on a smaller copy; boxes are scaled back to the photo
    big = Image.new("RGB", (4000, 3000), (90, 110, 100))
    big.paste(face_image(600), (2800, 400))
    found = detect_sensitive_regions(big)
    assert any(overlaps(box, (2950, 500, 300, 380)) > 0.7 for box in found), found


def test_what_cannot_be_read_raises_blur_error() -> None:
    with pytest.raises(BlurError):
        blurred_copy(b"this is not a picture")
    with pytest.raises(BlurError):
        blurred_copy(jpeg_with_exif(checkerboard((200, 150)))[:300])
