"""When and where a visit photo was taken, read from its EXIF data with Pillow."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
DATETIME = 0x0132


def _when(text: Any) -> datetime | None:
    try:
        naive = datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    # EXIF times carry no zone; phones write local time, i.e. the company's time zone.
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _degrees(parts: Any, ref: Any) -> Decimal | None:
    try:
        d, m, s = (float(p) for p in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if str(ref).upper() in {"S", "W"}:
        value = -value
    return Decimal(f"{value:.6f}")


def read_photo_facts(uploaded: Any) -> dict[str, Any]:
    """{"taken_at": datetime | None, "latitude": Decimal | None, "longitude": ...}; empty
    values for a photo without EXIF or a file Pillow cannot read."""
    from PIL import Image, UnidentifiedImageError

    facts: dict[str, Any] = {"taken_at": None, "latitude": None, "longitude": None}
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            exif = image.getexif()
            taken = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
            gps = exif.get_ifd(GPS_IFD)
    except (UnidentifiedImageError, OSError, ValueError):
        return facts
    finally:
        uploaded.seek(0)
    facts["taken_at"] = _when(taken) if taken else None
    if gps.get(2) and gps.get(4):
        facts["latitude"] = _degrees(gps[2], gps.get(1, "N"))
        facts["longitude"] = _degrees(gps[4], gps.get(3, "E"))
    return facts
