"""Where a `next` parameter may send a browser: a path on this site, nothing else.

Browsers are lenient where a server check is strict: they drop tabs and newlines
anywhere in a URL, strip leading spaces and control characters, and read `\\` as `/`.
So `/\\t/evil.example` looks like a path to `urlsplit` but is `//evil.example`
(another site) to a browser, and a newline in a `Location` header is a 500.
Rather than normalise and hope we normalised as every browser does, a target with
any such character is refused outright; what is left must be a plain absolute path.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# C0 controls, space, DEL, C1 controls and backslash: a browser drops, trims or rewrites them.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
MAX_LENGTH = 2000


def same_origin_path(target: object, default: str) -> str:
    """`target` if it is a path on this site (`/queue?x=1`), else `default`.

    Accepted: one leading `/`, not followed by `/`, no scheme or host once parsed,
    no character that a browser would strip or rewrite before resolving it.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return default
    if not target.startswith("/") or target.startswith("//") or _UNSAFE.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    return target
