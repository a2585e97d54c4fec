from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from app.domain import BadInput
from app.imageio import decode_image, read_file

LIMIT = 10_000_000


def encoded(img: Image.Image, fmt: str, **kwargs: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def landscape() -> Image.Image:
    img = Image.new("RGB", (40, 20), (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, 10, 20))  # blue strip on the left
    return img


def test_jpeg_png_and_webp_are_accepted() -> None:
    for fmt in ("JPEG", "PNG", "WEBP"):
        img = decode_image(encoded(landscape(), fmt), f"x.{fmt}", LIMIT)
        assert (img.mode, img.size) == ("RGB", (40, 20))


def test_png_alpha_is_flattened_onto_white() -> None:
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    rgba.paste((255, 0, 0, 255), (0, 0, 5, 10))
    img = decode_image(encoded(rgba, "PNG"), "a.png", LIMIT)
    assert img.getpixel((8, 5)) == (255, 255, 255)
    assert img.getpixel((2, 5)) == (255, 0, 0)


def test_cmyk_jpeg_becomes_rgb_with_its_colour() -> None:
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red in CMYK
    img = decode_image(encoded(cmyk, "JPEG", quality=95), "cmyk.jpg", LIMIT)
    r, g, b = img.getpixel((8, 8))
    assert img.mode == "RGB" and r > 200 and g < 60 and b < 60


def test_exif_rotation_is_honoured() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = encoded(landscape(), "JPEG", exif=exif.tobytes(), quality=95)
    img = decode_image(data, "rotated.jpg", LIMIT)
    assert img.size == (20, 40)
    r, _g, b = img.getpixel((10, 2))  # the blue strip is now on top
    assert b > 150 and r < 100


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"hello, this is not a picture" * 10, "not an image"),
        (encoded(Image.new("RGB", (8, 8)), "GIF"), "GIF images are not supported"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(BadInput, match=reason) as info:
        decode_image(data, "photo.jpg", LIMIT)
    assert str(info.value).startswith("photo.jpg: ")


def test_truncated_jpeg_is_refused() -> None:
    noisy = Image.effect_noise((400, 400), 60).convert("RGB")
    data = encoded(noisy, "JPEG", quality=95)
    with pytest.raises(BadInput, match="truncated or damaged"):
        decode_image(data[: len(data) // 2], "half.jpg", LIMIT)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = encoded(Image.new("L", (5000, 5000)), "PNG")  # small file, 25 MP
    assert len(bomb) < 100_000
    with pytest.raises(BadInput, match=r"image too large .*5000x5000.* limit is 10 MP"):
        decode_image(bomb, "bomb.png", LIMIT)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"nope\.jpg: photo not found"):
        read_file(tmp_path / "nope.jpg", "photo")


def test_a_16_bit_grayscale_png_keeps_its_tones() -> None:
    """Pillow's own convert clips 16-bit values to white: the child would be sent blank."""
    import numpy as np

    ramp = (np.arange(256, dtype=np.uint16) * 257).reshape(16, 16)  # 0 … 65535
    img = decode_image(encoded(Image.fromarray(ramp), "PNG"), "deep.png", LIMIT)
    gray = np.asarray(img)[..., 0]
    assert img.mode == "RGB" and gray.min() == 0 and gray.max() == 255
    assert 120 <= int(np.median(gray)) <= 135  # the middle of the ramp stays the middle


def test_a_heic_photo_from_an_iphone_is_read() -> None:
    photo = encoded(Image.new("RGB", (64, 48), (200, 100, 50)), "HEIF")
    assert photo[4:12] == b"ftypheic"
    img = decode_image(photo, "IMG_0001.HEIC", LIMIT)
    r, g, b = img.getpixel((32, 24))  # type: ignore[misc]
    assert img.size == (64, 48) and abs(r - 200) < 12 and abs(g - 100) < 12 and abs(b - 50) < 12


def test_a_file_that_never_ends_is_refused_before_it_is_read(tmp_path: Path) -> None:
    import os

    with pytest.raises(BadInput, match="not a regular file"):
        read_file("/dev/zero", "photo")
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="not a regular file"):
        read_file(fifo, "photo")  # opening it would wait for a writer for ever
    big = tmp_path / "big.jpg"
    with open(big, "wb") as f:
        f.truncate(101 * 1024 * 1024)
    with pytest.raises(BadInput, match="photo is 101 MB; the limit is 100 MB"):
        read_file(big, "photo")


def _photo_with_gps(orientation: int = 6) -> bytes:
    img = Image.new("RGB", (40, 20), (200, 150, 120))
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotated: the camera was held upright
    exif[0x010F] = "PhoneMaker"  # the device
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def test_a_kept_photo_has_no_gps_device_or_time_and_stands_upright() -> None:
    from app.imageio import has_metadata, scrub_photo

    taken = _photo_with_gps()
    assert has_metadata(taken)
    kept, suffix = scrub_photo(taken, "kid.jpg", LIMIT)
    assert suffix == ".jpg" and not has_metadata(kept)
    with Image.open(io.BytesIO(kept)) as img:
        assert img.size == (20, 40)  # the orientation applied, then dropped
        assert not img.getexif() and "comment" not in img.info
    assert b"PhoneMaker" not in kept and b"taken at home" not in kept
    png, png_suffix = scrub_photo(encoded(Image.new("RGB", (8, 8)), "PNG"), "kid.png", LIMIT)
    assert png_suffix == ".png" and png[:8] == b"\x89PNG\r\n\x1a\n"
