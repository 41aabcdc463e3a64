"""HTTP status codes, their reason phrases, and status-line parsing.

``Response.status`` uses these to turn ``404`` into ``"404 NOT FOUND"`` and a
string such as ``"299 Custom"`` into its code.
"""

from __future__ import annotations

from http import HTTPStatus

__all__ = ["HTTP_STATUS_CODES", "clean_status", "status_line"]

#: Reason phrases of the registered status codes (and a few widely used extras).
HTTP_STATUS_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "Switch Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    449: "Retry With",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}

# PERF: the status line of common codes is built once, not on every response.
_LINES: dict[int, str] = {
    code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()
}


def status_line(code: int) -> str:
    """The status line for ``code``: ``"404 NOT FOUND"``, or ``"599 UNKNOWN"``."""
    line = _LINES.get(code)
    if line is None:
        if not 100 <= code <= 999:
            raise ValueError(f"HTTP status code {code} is outside 100-999.")
        line = f"{code} UNKNOWN"
    return line


def clean_status(value: int | str | HTTPStatus) -> tuple[str, int]:
    """Parse a status given as an int or a string into ``(status_line, code)``.

    ``404`` and ``"404"`` give ``("404 NOT FOUND", 404)``; ``"299 Custom"``
    keeps its own reason phrase. A string without a leading three-digit code,
    a code outside 100-999 or a line break raises :class:`ValueError`.
    """
    if isinstance(value, int):  # also HTTPStatus, an int subclass
        code = int(value)
        return status_line(code), code
    if not isinstance(value, str):
        raise TypeError(f"A status must be an int or a str, not {type(value).__name__}.")
    text = value.strip()
    if not text:
        raise ValueError("The status is empty.")
    # SECURITY: a line break in the reason phrase would split the status line.
    if "\r" in text or "\n" in text or "\0" in text:
        raise ValueError("The status contains a line break or a NUL character.")
    code_text, sep, reason = text.partition(" ")
    if not (code_text.isascii() and code_text.isdigit()):
        raise ValueError(f"The status {value!r} does not start with a numeric code.")
    code = int(code_text)
    if not sep or not reason.strip():
        return status_line(code), code
    if not 100 <= code <= 999:
        raise ValueError(f"HTTP status code {code} is outside 100-999.")
    return text, code
