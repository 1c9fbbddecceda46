"""Personal data as the zone shows it outside the database (SPEC section 3): masked. The oa.*
views mask in SQL; this is the same rule for the few Python outputs (the log gateway's line, the
home page's list of failed texts)."""
from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """First 3 and last 4 digits, ``*`` between; anything too short to keep 7 digits is all hidden."""
    if not phone or len(phone) < 7:
        return "***"
    return phone[:3] + "****" + phone[-4:]
