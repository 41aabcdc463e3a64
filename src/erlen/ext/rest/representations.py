"""The built-in representation: JSON.

A representation is ``func(data, code, headers) -> Response``; an
:class:`~erlen.ext.rest.Api` picks one by the request's ``Accept`` header
(see :meth:`~erlen.ext.rest.Api.representation`).
"""

from __future__ import annotations

import json
from typing import Any

from erlen import current_app, make_response
from erlen.wrappers import Response

__all__ = ["output_json"]


def output_json(data: Any, code: Any, headers: Any = None) -> Response:
    """Return a JSON response of ``data`` with status ``code``.

    ``RESTFUL_JSON`` (a dict) holds keyword arguments for :func:`json.dumps`,
    e.g. ``{"indent": 2, "sort_keys": True}`` or ``{"cls": MyEncoder}``. In
    debug mode the output is indented by 4 unless it says otherwise. The body
    ends with a newline.
    """
    # A copy: flask-restful's setdefault wrote the debug indent into the config.
    settings: dict[str, Any] = dict(current_app.config.get("RESTFUL_JSON") or {})
    if current_app.debug:
        settings.setdefault("indent", 4)
    if "cls" not in settings:
        # COMPAT(flask_restful): stdlib json there raises (a 500) for dates,
        # Decimal, UUID...; these go through the app's JSON conversions instead.
        settings.setdefault("default", getattr(current_app.json, "default", None))
    dumped = json.dumps(data, **settings) + "\n"
    response: Response = make_response(dumped, code)
    response.mimetype = "application/json"
    if headers:
        response.headers.extend(headers)
    return response
