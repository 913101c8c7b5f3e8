"""What a peer module raises when its peer cannot be measured here, and one-line reasons."""

from __future__ import annotations

__all__ = ["PeerUnavailable", "first_line", "last_line"]


class PeerUnavailable(Exception):
    """The peer cannot be measured here; the message says why, in one line."""


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no message"


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1] if text.strip() else "no message"
