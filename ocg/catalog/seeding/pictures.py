"""Product pictures drawn locally with Pillow: a garment's silhouette on a soft gradient of its colour,
with the designer's monogram, so a seeded shop shows real images with no network.

Rendering costs a few milliseconds, so pictures are cached by what they show (silhouette, colour,
monogram, size): a large seed draws each combination once and stores its bytes under every product
that shows it.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw, ImageFont

CONTENT_TYPE = "image/jpeg"
EXTENSION = ".jpg"

# Outlines on a unit canvas (x, y from the top left), drawn at any size.
SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "coat": [
        [
            (0.38, 0.12),
            (0.5, 0.2),
            (0.62, 0.12),
            (0.78, 0.18),
            (0.86, 0.62),
            (0.78, 0.63),
            (0.74, 0.34),
            (0.76, 0.9),
            (0.24, 0.9),
            (0.26, 0.34),
            (0.22, 0.63),
            (0.14, 0.62),
            (0.22, 0.18),
        ],
    ],
    "jacket": [
        [
            (0.38, 0.16),
            (0.5, 0.26),
            (0.62, 0.16),
            (0.78, 0.22),
            (0.86, 0.66),
            (0.78, 0.67),
            (0.74, 0.38),
            (0.74, 0.7),
            (0.26, 0.7),
            (0.26, 0.38),
            (0.22, 0.67),
            (0.14, 0.66),
            (0.22, 0.22),
        ],
    ],
    "dress": [
        [
            (0.4, 0.1),
            (0.46, 0.14),
            (0.54, 0.14),
            (0.6, 0.1),
            (0.64, 0.16),
            (0.6, 0.42),
            (0.8, 0.9),
            (0.2, 0.9),
            (0.4, 0.42),
            (0.36, 0.16),
        ],
    ],
    "top": [
        [
            (0.38, 0.2),
            (0.5, 0.25),
            (0.62, 0.2),
            (0.82, 0.28),
            (0.88, 0.52),
            (0.78, 0.54),
            (0.72, 0.38),
            (0.72, 0.72),
            (0.28, 0.72),
            (0.28, 0.38),
            (0.22, 0.54),
            (0.12, 0.52),
            (0.18, 0.28),
        ],
    ],
    "trousers": [
        [(0.3, 0.12), (0.7, 0.12), (0.74, 0.9), (0.56, 0.9), (0.5, 0.36), (0.44, 0.9), (0.26, 0.9)],
    ],
    "skirt": [
        [(0.36, 0.22), (0.64, 0.22), (0.66, 0.28), (0.8, 0.78), (0.2, 0.78), (0.34, 0.28)],
    ],
    "bag": [
        [(0.22, 0.42), (0.78, 0.42), (0.82, 0.82), (0.18, 0.82)],
        [(0.34, 0.42), (0.38, 0.24), (0.62, 0.24), (0.66, 0.42), (0.6, 0.42), (0.57, 0.3), (0.43, 0.3), (0.4, 0.42)],
    ],
    "shoe": [
        [
            (0.14, 0.6),
            (0.2, 0.5),
            (0.36, 0.52),
            (0.56, 0.58),
            (0.8, 0.6),
            (0.88, 0.66),
            (0.86, 0.72),
            (0.26, 0.72),
            (0.24, 0.82),
            (0.18, 0.82),
            (0.16, 0.7),
        ],
    ],
    "scarf": [
        [
            (0.3, 0.1),
            (0.7, 0.1),
            (0.62, 0.5),
            (0.7, 0.9),
            (0.58, 0.9),
            (0.5, 0.58),
            (0.42, 0.9),
            (0.3, 0.9),
            (0.38, 0.5),
        ],
    ],
    "belt": [
        [(0.08, 0.46), (0.92, 0.46), (0.92, 0.56), (0.08, 0.56)],
        [(0.42, 0.4), (0.58, 0.4), (0.58, 0.62), (0.42, 0.62)],
    ],
    "ring": [],
}


def shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """Lighter towards white for factor > 0, darker towards black for factor < 0."""
    if factor >= 0:
        return tuple(round(c + (255 - c) * factor) for c in colour)  # type: ignore[return-value]
    return tuple(round(c * (1 + factor)) for c in colour)  # type: ignore[return-value]


def contrast(colour: tuple[int, int, int]) -> float:
    """Pale colours get a darker silhouette, dark ones a lighter background."""
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


@functools.lru_cache(maxsize=8)
def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


@functools.lru_cache(maxsize=4096)
def picture(silhouette: str, colour: tuple[int, int, int], monogram: str, width: int = 480, height: int = 640) -> bytes:
    """A JPEG of `silhouette` in `colour` on a gradient, with `monogram` at the foot."""
    light = contrast(colour) > 150
    top = shade(colour, 0.75 if not light else 0.55)
    bottom = shade(colour, 0.45 if not light else 0.2)
    mask = Image.linear_gradient("L").resize((width, height))
    canvas = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask)
    draw = ImageDraw.Draw(canvas)
    fill = shade(colour, -0.35) if light else colour
    outline = shade(colour, -0.55)
    for polygon in SHAPES.get(silhouette, []):
        draw.polygon([(x * width, y * height) for x, y in polygon], fill=fill, outline=outline)
    if silhouette == "ring":
        box = (width * 0.3, height * 0.32, width * 0.7, height * 0.62)
        draw.ellipse(box, outline=fill, width=max(width // 18, 3))
    text_size = max(height // 14, 10)
    draw.text((width / 2, height * 0.955), monogram, fill=shade(colour, -0.6), font=font(text_size), anchor="ms")
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def monogram(name: str) -> str:
    """The initials of a house's name, without its generic words: Maison Aurèle -> A, Noor & Vale -> NV."""
    generic = {"maison", "atelier", "studio", "casa", "house", "of", "&", "and"}
    words = [word for word in name.split() if word.lower() not in generic] or name.split()
    return "".join(word[0] for word in words[:3]).upper()
