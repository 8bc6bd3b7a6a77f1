"""The sign-in captcha (PLT-02): a small picture of 4 or 5 characters, drawn with Pillow.

Only a keyed hash of the answer sits in the session, the answer is good for one check and
a few minutes, and it is compared without regard to case. No external service is involved,
so the captcha works on a LAN with no internet.
"""

from __future__ import annotations

import io
import secrets
import time

from django.utils.crypto import constant_time_compare, salted_hmac
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SESSION_KEY = "_huike_captcha"
#: No 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V: characters people confuse in a noisy picture.
ALPHABET = "ACDEFHJKMNPRTWXY3479"
LIFETIME_SECONDS = 10 * 60
WIDTH, HEIGHT = 130, 44
_HMAC_SALT = "huike.org.captcha"


def random_answer() -> str:
    """A fresh answer; tests replace this function to know what the picture says."""
    length = 4 + secrets.randbelow(2)
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _digest(answer: str, nonce: str) -> str:
    return salted_hmac(_HMAC_SALT, f"{nonce}:{answer.strip().upper()}").hexdigest()


def new_challenge(request) -> str:
    """Store a new answer (hashed) in the session and return it for drawing."""
    answer = random_answer()
    nonce = secrets.token_hex(8)
    request.session[SESSION_KEY] = {
        "digest": _digest(answer, nonce),
        "nonce": nonce,
        "at": time.time(),
    }
    return answer


def check(request, typed: str) -> bool:
    """Whether ``typed`` answers the captcha last shown to this session. The stored answer is
    consumed either way, so a picture can never be tried twice."""
    stored = request.session.pop(SESSION_KEY, None)
    if not stored or not typed:
        return False
    if time.time() - stored.get("at", 0) > LIFETIME_SECONDS:
        return False
    return constant_time_compare(_digest(typed, stored["nonce"]), stored["digest"])


def _colour(low: int, high: int) -> tuple[int, int, int]:
    return tuple(low + secrets.randbelow(high - low) for _ in range(3))  # type: ignore[return-value]


def draw(answer: str) -> bytes:
    """The answer as a PNG: each character turned a little, with noise lines and dots."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _colour(230, 255))
    font = ImageFont.load_default(size=28)
    step = (WIDTH - 16) // len(answer)
    for index, char in enumerate(answer):
        tile = Image.new("RGBA", (step + 10, HEIGHT), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text(
            (4, 4 + secrets.randbelow(6)), char, font=font, fill=_colour(0, 110)
        )
        tile = tile.rotate(secrets.randbelow(41) - 20, resample=Image.Resampling.BICUBIC)
        image.paste(tile, (8 + index * step, 0), tile)
    pen = ImageDraw.Draw(image)
    for _ in range(5):
        start = (secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT))
        end = (secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT))
        pen.line([start, end], fill=_colour(60, 180), width=1 + secrets.randbelow(2))
    for _ in range(120):
        pen.point((secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)), fill=_colour(40, 200))
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
