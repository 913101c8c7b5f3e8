"""What a peer module raises when its peer cannot be measured here, and one-line reasons."""

from __future__ import annotations

import re

__all__ = ["PeerUnavailable", "first_line", "telling_line"]

# npm's error output: a tool's prefix, then lines that say little on their own.
_PREFIX = re.compile(r"^(npm (error|ERR!)\s*)")
_NOISE = re.compile(r"^(code|syscall|errno) \S+$|^at |^A complete log|^If you are behind a proxy|^[{}]")


class PeerUnavailable(Exception):
    """The peer cannot be measured here; the message says why, in one line."""


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no message"


def telling_line(text: str) -> str:
    """The first line of a failed command's output that says what went wrong (npm's or node's)."""
    for line in text.splitlines():
        line = _PREFIX.sub("", line.strip()).strip()
        if line and not _NOISE.search(line):
            return line
    return "no message"
