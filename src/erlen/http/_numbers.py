"""Numbers in header values."""

from __future__ import annotations

__all__ = ["digits_to_int"]


def digits_to_int(text: str) -> int | None:
    """The value of ``text`` when it is ASCII digits only, else None.

    ``int()`` alone would take ``"+5"``, ``" 5"``, ``"5_000"`` and ``"²"``,
    and raise for more digits than Python converts
    (:func:`sys.get_int_max_str_digits`, 4300 by default): a number that long
    in a header is malformed, not a server error.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:
        return None
