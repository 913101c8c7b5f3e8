"""Checks pgledger's proofs with no database: the standard library only (hashlib, json).

The ledger keeps a Merkle tree over its events in global-position order, as Certificate
Transparency does (RFC 9162): leaf = SHA-256(0x00 || event hash), node = SHA-256(0x01 || left ||
right). An event's hash chains it to its account's previous event: SHA-256(previous hash ||
canonical text). ``ledger.digest()`` gives (position, root); ``ledger.inclusion_proof`` shows that
one event is under a root; ``ledger.consistency_proof`` that a later tree extends an earlier one.
Anyone holding a digest can check both here, trusting nothing the database says but the proof's
hashes, which must fold into the digest's root.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CANONICAL_FORMAT = "pgledger-event-v1"
_CANONICAL_FIELDS = (
    "format",
    "event_id",
    "aggregate_id",
    "sequence_number",
    "event_type",
    "event_version",
    "payload",
    "metadata",
    "occurred_at_us",
    "recorded_at_us",
)


class ProofError(ValueError):
    """A proof that does not hold: the message says which check failed."""


def event_hash(previous: bytes, canonical: str) -> bytes:
    """An event's chain hash: SHA-256(previous event's hash in its account || canonical text)."""
    return hashlib.sha256(previous + canonical.encode("utf-8")).digest()


def leaf_hash(event: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + event).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_root(event_hashes: Sequence[bytes]) -> bytes:
    """RFC 9162's MTH over the given event hashes as leaves (SHA-256 of nothing for none)."""
    if not event_hashes:
        return hashlib.sha256(b"").digest()
    if len(event_hashes) == 1:
        return leaf_hash(event_hashes[0])
    split = 1
    while split * 2 < len(event_hashes):
        split *= 2
    return node_hash(tree_root(event_hashes[:split]), tree_root(event_hashes[split:]))


def parse_canonical(canonical: str) -> dict[str, Any]:
    """The event an inclusion proof's canonical text describes, as a dict (payload and metadata parsed)."""
    lines = canonical.split("\n")
    if len(lines) != len(_CANONICAL_FIELDS) or lines[0] != CANONICAL_FORMAT:
        raise ProofError(f"not a {CANONICAL_FORMAT} canonical event text")
    fields: dict[str, Any] = dict(zip(_CANONICAL_FIELDS, lines, strict=True))
    for name in ("sequence_number", "event_version", "occurred_at_us", "recorded_at_us"):
        fields[name] = int(fields[name])
    for name in ("payload", "metadata"):
        fields[name] = json.loads(fields[name])
    return fields


@dataclass(frozen=True)
class Inclusion:
    """A verified inclusion: the event, its position, and the tree (size, root) it is in."""

    position: int
    tree_size: int
    root: bytes
    event: dict[str, Any]


def _hex(proof: Mapping[str, Any], key: str) -> bytes:
    value = proof.get(key)
    if not isinstance(value, str):
        raise ProofError(f"the proof has no hex string {key!r}")
    return bytes.fromhex(value)


def _size(proof: Mapping[str, Any], key: str) -> int:
    value = proof.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"the proof has no size {key!r}")
    return value


def _path(proof: Mapping[str, Any], key: str) -> list[bytes]:
    value = proof.get(key)
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise ProofError(f"the proof has no list of hex hashes {key!r}")
    return [bytes.fromhex(h) for h in value]


def _shift_until(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift both until the lowest bit of fn is set or fn is 0 (RFC 9162's loop)."""
    while fn & 1 == 0 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def root_from_inclusion(leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """RFC 9162 2.1.3.2: the root that `path` leads to from `leaf` at `leaf_index`."""
    if leaf_index >= tree_size:
        raise ProofError(f"leaf {leaf_index} is not in a tree of {tree_size}")
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the audit path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_until(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the audit path is shorter than the tree is deep")
    return r


def verify_inclusion(proof: Mapping[str, Any], root: bytes | None = None) -> Inclusion:
    """Check an inclusion proof (ledger.inclusion_proof): the event hash is recomputed from the
    canonical text and the previous hash, its leaf folded up the audit path, and the result must be
    the proof's root and, when given, `root` (the root of a digest you kept). Raises ProofError."""
    if proof.get("format") != "pgledger-inclusion-v1":
        raise ProofError(f"not a pgledger inclusion proof (format {proof.get('format')!r})")
    canonical = proof.get("canonical")
    if not isinstance(canonical, str):
        raise ProofError("the proof has no canonical text")
    computed = event_hash(_hex(proof, "previous_hash"), canonical)
    if computed != _hex(proof, "event_hash"):
        raise ProofError("the event's text does not hash to the proof's event hash")
    position, tree_size = _size(proof, "position"), _size(proof, "tree_size")
    folded = root_from_inclusion(position - 1, tree_size, leaf_hash(computed), _path(proof, "audit_path"))
    if folded != _hex(proof, "root"):
        raise ProofError("the audit path does not lead to the proof's root")
    if root is not None and folded != root:
        raise ProofError("the proof's root is not the root you hold")
    return Inclusion(position, tree_size, folded, parse_canonical(canonical))


def verify_consistency(proof: Mapping[str, Any], old_root: bytes | None = None, new_root: bytes | None = None) -> None:
    """Check a consistency proof (ledger.consistency_proof): the tree of new_size events extends the
    tree of old_size events (RFC 9162 2.1.4.2). Pass the roots you hold (a digest kept earlier, a
    newer one) to check them too. Raises ProofError."""
    if proof.get("format") != "pgledger-consistency-v1":
        raise ProofError(f"not a pgledger consistency proof (format {proof.get('format')!r})")
    first, second = _size(proof, "old_size"), _size(proof, "new_size")
    first_hash, second_hash = _hex(proof, "old_root"), _hex(proof, "new_root")
    path = _path(proof, "path")
    for held, given, name in ((old_root, first_hash, "old"), (new_root, second_hash, "new")):
        if held is not None and held != given:
            raise ProofError(f"the proof's {name} root is not the {name} root you hold")
    if not 1 <= first <= second:
        raise ProofError(f"sizes {first} and {second} are not 1 <= old <= new")
    if first == second:
        if path or first_hash != second_hash:
            raise ProofError("equal sizes need an empty path and equal roots")
        return
    if not path:
        raise ProofError("the path is empty")
    if first & (first - 1) == 0:  # an exact power of 2: the old root itself starts the path
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_until(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if fr != first_hash or sr != second_hash or sn != 0:
        raise ProofError("the path does not lead from the old root to the new one")


__all__ = [
    "CANONICAL_FORMAT",
    "Inclusion",
    "ProofError",
    "event_hash",
    "leaf_hash",
    "node_hash",
    "parse_canonical",
    "root_from_inclusion",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]
