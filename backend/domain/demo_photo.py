"""The demo child's photo: a plain silhouette drawn as a PNG, so the demo shows a photo
without showing anyone. Written with zlib and struct (RFC 2083): no metadata chunk, as the
server requires of every photo."""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 180, 225
_BACKGROUND = (214, 226, 236)
_FIGURE = (92, 112, 132)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _inside(x: int, y: int) -> bool:
    """Whether a pixel is on the figure: a head, a neck and shoulders."""
    head = ((x - 90) / 38) ** 2 + ((y - 82) / 46) ** 2 <= 1
    neck = abs(x - 90) <= 16 and 120 <= y <= 150
    shoulders = y >= 150 and ((x - 90) / 82) ** 2 + ((y - 225) / 78) ** 2 <= 1
    return head or neck or shoulders


def silhouette_png() -> bytes:
    """The photo, as the bytes of a PNG image (truecolour, 8 bits a channel)."""
    rows = bytearray()
    for y in range(HEIGHT):
        rows.append(0)  # filter: none
        for x in range(WIDTH):
            rows.extend(_FIGURE if _inside(x, y) else _BACKGROUND)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)),
            _chunk(b"IDAT", zlib.compress(bytes(rows), 9)),
            _chunk(b"IEND", b""),
        )
    )
