"""What the server checks of a photo's image before keeping it: that it is the JPEG or PNG
its envelope says, its longest side at most 1,600 pixels, and carrying no metadata (EXIF,
GPS, XMP, text or private chunks, other application segments, bytes after the image's end).
The phone re-encodes every photo through a canvas, which writes none; an image that still
has some was not made by the app, and is refused."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from backend.core.errors import Invalid

MAX_SIDE = 1600
JPEG, PNG = "image/jpeg", "image/png"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The chunks an image needs and the colour ones an encoder writes; any other (text, EXIF,
# time, a private chunk) can carry what the phone never meant to send.
_PNG_ALLOWED = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"iCCP",
    b"sBIT",
    b"pHYs",
    b"bKGD",
}
# Start-of-frame markers: C0-CF, but for DHT (C4), JPG (C8) and DAC (CC).
_SOF = {m for m in range(0xC0, 0xD0) if m not in (0xC4, 0xC8, 0xCC)}
# Application segments but APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour
# transform), and comments, carry metadata: EXIF and XMP in APP1, IPTC in APP13, and so on.
_JPEG_METADATA = {m for m in range(0xE0, 0xF0) if m not in (0xE0, 0xE2, 0xEE)} | {0xFE}


@dataclass(frozen=True, slots=True)
class Image:
    content_type: str
    width: int
    height: int


def _refuse(code: str, detail: str) -> Invalid:
    return Invalid(f"attachment.{code}", detail)


def _jpeg(data: bytes) -> tuple[int, int]:
    at, size = 2, None
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise _refuse("not_an_image", "The JPEG's segments do not follow each other.")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _JPEG_METADATA:
            raise _refuse("metadata_present", "The image still carries metadata; retake it.")
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            size = (width, height)
        if marker == 0xDA:  # start of scan: the image data follows, no more headers
            break
        at += 2 + length
    if size is None:
        raise _refuse("not_an_image", "The JPEG has no frame header.")
    if not data.endswith(b"\xff\xd9"):  # bytes after the end of the image
        raise _refuse("metadata_present", "The image carries data after its end; retake it.")
    return size


def _png(data: bytes) -> tuple[int, int]:
    at, size = 8, None
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"IHDR" and at + 16 <= len(data):
            size = struct.unpack(">II", data[at + 8 : at + 16])
        if kind not in _PNG_ALLOWED:
            raise _refuse("metadata_present", "The image still carries metadata; retake it.")
        if kind == b"IEND":
            if at + 12 != len(data):
                raise _refuse(
                    "metadata_present", "The image carries data after its end; retake it."
                )
            break
        at += 12 + length
    if size is None:
        raise _refuse("not_an_image", "The PNG has no header.")
    return size


def check(data: bytes, content_type: object) -> Image:
    """The image's type and size, or a refusal naming what is wrong with it."""
    if content_type == JPEG and data[:3] == b"\xff\xd8\xff":
        width, height = _jpeg(data)
    elif content_type == PNG and data[:8] == _PNG_SIGNATURE:
        width, height = _png(data)
    elif content_type not in (JPEG, PNG):
        raise _refuse("type_unsupported", "Send a JPEG or PNG; say which in the header's cty.")
    else:
        raise _refuse("not_an_image", f"The image is not the {content_type} its header says.")
    if not 0 < max(width, height) <= MAX_SIDE:
        raise _refuse("too_many_pixels", f"The longest side is over {MAX_SIDE} pixels.")
    return Image(str(content_type), width, height)
