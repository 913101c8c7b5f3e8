"""Tamper evidence: each account's hash chain and the ledger's Merkle tree (RFC 9162). Attacks made
here with the owner's (superuser's) rights: verify() may miss some, verify_chain or verify_digest
must catch every one, naming the event. Proofs are checked with no database (pgledger.proof)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import Ledger
from pgledger.ledger import Digest
from pgledger.proof import (
    ProofError,
    event_hash,
    parse_canonical,
    tree_root,
    verify_consistency,
    verify_inclusion,
)


@pytest.fixture
def history(ledger: Ledger) -> list[uuid.UUID]:
    """Three accounts with a few dozen events, every one positioned."""
    accounts = sorted(uuid.uuid4() for _ in range(3))
    for i, account in enumerate(accounts):
        ledger.open_account(account, ["Ada Lovelace", "Zoë Ünïcode ✓", "Grace Hopper"][i])
    for i in range(30):
        ledger.deposit(accounts[i % 3], Decimal(i + 1), reference=f"ref {i} ü" if i % 4 == 0 else None)
    ledger.transfer(accounts[0], accounts[1], Decimal("5.00"), metadata={"note": 'a "quoted"\nline'})
    ledger.withdraw(accounts[2], Decimal("1.50"))
    ledger.assign_positions()
    return accounts


def positioned_hashes(ledger: Ledger) -> list[bytes]:
    return [bytes.fromhex(h) for h in stored_hashes(ledger.connection)]


def stored_hashes(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute("SELECT encode(hash, 'hex') FROM ledger.read_all(0, 100000)").fetchall()
    return [r[0] for r in rows]


@pytest.fixture
def tamper(db: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """The owner's connection with the immutability triggers off, as an attacker would have it."""
    db.execute("ALTER TABLE ledger.events DISABLE TRIGGER ALL")
    try:
        yield db
    finally:
        db.execute("ALTER TABLE ledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete")
        db.execute("ALTER TABLE ledger.events ENABLE ALWAYS TRIGGER events_refuse_truncate")


def event_at(db: psycopg.Connection[Any], account: uuid.UUID, sequence: int) -> tuple[int, int]:
    """(id, position) of an account's event."""
    row = db.execute(
        "SELECT e.id, p.position FROM ledger.events e JOIN ledger.event_positions p ON p.id = e.id"
        " WHERE e.aggregate_id = %s AND e.sequence_number = %s",
        (account, sequence),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def fix_projection(db: psycopg.Connection[Any], account: uuid.UUID) -> None:
    """What a careful attacker does after changing events: projection and snapshots to match."""
    db.execute(
        "UPDATE ledger.accounts a SET balance = r.balance, version = r.version, last_event_at = r.last_event_at,"
        " last_hash = (SELECT e.hash FROM ledger.events e WHERE e.aggregate_id = a.account_id"
        "              AND e.sequence_number = r.version)"
        " FROM ledger.replay(%s) r WHERE a.account_id = %s",
        (account, account),
    )
    db.execute("SELECT ledger.rebuild_snapshots(%s)", (account,))


# -- the chain and the tree, untouched ---------------------------------------------------------


def test_an_intact_ledger_verifies_and_its_digest_is_the_root_of_its_event_hashes(
    ledger: Ledger, history: list[uuid.UUID]
) -> None:
    assert ledger.verify_chain() == []
    digest = ledger.digest()
    hashes = positioned_hashes(ledger)
    assert digest.position == len(hashes) == 36
    assert digest.root == tree_root(hashes)  # computed here, from what read_all gave
    check = ledger.verify_digest(digest)
    assert check.matches and check.first_changed_position is None
    assert Digest.from_json(json.loads(json.dumps(digest.to_json()))) == digest


def test_an_empty_ledger_has_the_empty_tree_root(ledger: Ledger) -> None:
    digest = ledger.digest()
    assert (digest.position, digest.root) == (0, tree_root([]))
    assert ledger.verify_digest(digest).matches


def test_event_hashes_are_recomputable_from_their_canonical_text(ledger: Ledger, history: list[uuid.UUID]) -> None:
    hashes = positioned_hashes(ledger)
    for position in range(1, len(hashes) + 1):
        proof = ledger.inclusion_proof(position)
        previous = bytes.fromhex(proof["previous_hash"])
        assert event_hash(previous, proof["canonical"]) == hashes[position - 1]
        event = parse_canonical(proof["canonical"])
        assert event["aggregate_id"] in {str(a) for a in history}


def test_inclusion_proofs_hold_for_every_event_in_every_tree_size(ledger: Ledger, history: list[uuid.UUID]) -> None:
    hashes = positioned_hashes(ledger)
    for size in (1, 2, 3, 7, 8, 13, 16, 17, len(hashes)):
        root = tree_root(hashes[:size])
        for position in range(1, size + 1):
            proof = ledger.inclusion_proof(position, size)
            inclusion = verify_inclusion(proof, root)
            assert (inclusion.position, inclusion.tree_size, inclusion.root) == (position, size, root)


def test_consistency_proofs_hold_between_any_two_sizes(ledger: Ledger, history: list[uuid.UUID]) -> None:
    hashes = positioned_hashes(ledger)
    for old in range(1, len(hashes) + 1):
        for new in (old, old + 1, 16, 21, len(hashes)):
            if new < old or new > len(hashes):
                continue
            proof = ledger.consistency_proof(old, new)
            verify_consistency(proof, tree_root(hashes[:old]), tree_root(hashes[:new]))


def test_a_proof_with_anything_changed_is_refused(ledger: Ledger, history: list[uuid.UUID]) -> None:
    proof = ledger.inclusion_proof(5)
    forged = {**proof, "canonical": proof["canonical"].replace('"amount": "', '"amount": "9')}
    with pytest.raises(ProofError, match="does not hash"):
        verify_inclusion(forged)
    wrong_path = {**proof, "audit_path": list(reversed(proof["audit_path"]))}
    with pytest.raises(ProofError):
        verify_inclusion(wrong_path)
    with pytest.raises(ProofError, match="not the root you hold"):
        verify_inclusion(proof, bytes(32))
    consistency = ledger.consistency_proof(5, 20)
    with pytest.raises(ProofError):
        verify_consistency({**consistency, "path": consistency["path"][1:]})
    with pytest.raises(ProofError, match="not the old root you hold"):
        verify_consistency(consistency, old_root=bytes(32))


# -- attacks with the owner's rights -----------------------------------------------------------


def test_an_amount_changed_with_triggers_off_and_everything_derived_fixed_is_named(
    ledger: Ledger, history: list[uuid.UUID], tamper: psycopg.Connection[Any]
) -> None:
    digest = ledger.digest()
    victim = history[0]
    event_id, position = event_at(tamper, victim, 5)
    tamper.execute(
        "UPDATE ledger.events SET payload = jsonb_set(payload, '{amount}', '\"1000000.00\"') WHERE id = %s",
        (event_id,),
    )
    fix_projection(tamper, victim)
    assert ledger.verify() == [] and ledger.verify_snapshots() == []  # the derived data agree
    problems = ledger.verify_chain()
    assert [(p.account_id, p.sequence_number, p.position) for p in problems] == [(victim, 5, position)]
    assert "does not match its hash" in problems[0].problem
    check = ledger.verify_digest(digest)
    assert not check.matches and check.first_changed_position == position


def test_two_amounts_swapped_with_the_same_sum_are_named(
    ledger: Ledger, history: list[uuid.UUID], tamper: psycopg.Connection[Any]
) -> None:
    victim = history[2]
    first, first_position = event_at(tamper, victim, 2)
    second, _ = event_at(tamper, victim, 3)
    tamper.execute(
        "UPDATE ledger.events e SET payload = o.payload FROM ledger.events o"
        " WHERE (e.id, o.id) IN ((%s, %s), (%s, %s))",
        (first, second, second, first),
    )
    assert ledger.verify() == []  # same balance at the end
    problems = ledger.verify_chain()
    assert [(p.account_id, p.sequence_number, p.position) for p in problems] == [(victim, 2, first_position)]


def test_a_deleted_last_event_with_the_projection_adjusted_is_named(
    ledger: Ledger, history: list[uuid.UUID], tamper: psycopg.Connection[Any]
) -> None:
    digest = ledger.digest()
    victim = history[1]
    last = ledger.state(victim)
    assert last is not None
    event_id, position = event_at(tamper, victim, last.version)
    tamper.execute("DELETE FROM ledger.events WHERE id = %s", (event_id,))
    fix_projection(tamper, victim)  # head hash included: the account's chain looks whole
    assert ledger.verify() == []
    problems = [(p.account_id, p.position, p.problem) for p in ledger.verify_chain()]
    assert (None, position, f"position {position} points at event id {event_id}, which does not exist") in problems
    # Removing its position too leaves a hole in the positions and the tree; the digest names it.
    tamper.execute("DELETE FROM ledger.event_positions WHERE id = %s", (event_id,))
    assert any("positions are not exactly 1.." in p.problem for p in ledger.verify_chain())
    check = ledger.verify_digest(digest)
    assert not check.matches and f"only {digest.position - 1} of the events" in check.detail


def test_metadata_rewritten_by_alter_column_using_is_named(
    ledger: Ledger, history: list[uuid.UUID], db: psycopg.Connection[Any]
) -> None:
    # No UPDATE at all (the immutability triggers stay on): a table rewrite by DDL.
    db.execute("ALTER TABLE ledger.events ALTER COLUMN metadata TYPE jsonb USING metadata || '{\"x\": 1}'")
    problems = ledger.verify_chain()
    assert sorted((p.account_id, p.sequence_number) for p in problems) == [(a, 1) for a in history]


def test_a_history_rewritten_with_its_hashes_and_tree_is_caught_by_an_earlier_digest(
    ledger: Ledger, history: list[uuid.UUID], tamper: psycopg.Connection[Any]
) -> None:
    digest = ledger.digest()
    victim = history[0]
    event_id, _ = event_at(tamper, victim, 3)
    tamper.execute(
        "UPDATE ledger.events SET payload = jsonb_set(payload, '{amount}', '\"999.00\"') WHERE id = %s", (event_id,)
    )
    # The attacker knows the format: recompute the account's chain, then the whole tree.
    tamper.execute(
        "UPDATE ledger.events e SET hash = c.chained FROM ledger.chain_check() c"
        " WHERE c.id = e.id AND c.aggregate_id = %s",
        (victim,),
    )
    fix_projection(tamper, victim)
    tamper.execute("DELETE FROM ledger.merkle_nodes")
    tamper.execute(
        "UPDATE ledger.positioner SET last_position = 0, merkle_frontier = '{}'; DELETE FROM ledger.event_positions"
    )
    tamper.execute("UPDATE ledger.positioner SET anchor_after = 0")  # have every event positioned again
    ledger.assign_positions()
    assert ledger.verify() == [] and ledger.verify_chain() == []  # consistent in itself
    check = ledger.verify_digest(digest)
    assert not check.matches and "hashes rewritten to match" in check.detail


# -- verify goes on past damaged accounts; snapshots are checked ----------------------------------


def test_verify_reports_an_account_whose_history_cannot_be_folded_and_checks_the_rest(
    ledger: Ledger, history: list[uuid.UUID], tamper: psycopg.Connection[Any]
) -> None:
    broken, drifted = history[0], history[2]
    tamper.execute(
        "UPDATE ledger.events SET sequence_number = 99 WHERE aggregate_id = %s AND sequence_number = 4", (broken,)
    )
    tamper.execute("UPDATE ledger.accounts SET balance = balance + 1 WHERE account_id = %s", (drifted,))
    found = {m.account_id: m for m in ledger.verify()}
    assert set(found) == {broken, drifted}
    assert found[broken].error is not None and found[broken].error.startswith("LG005: event out of sequence")
    assert found[drifted].error is None and found[drifted].replayed is not None
    page = {row[0]: row for row in ledger.verify_batch(None, 10)}
    assert page[broken][2].error is not None and not page[broken][1]
    assert page[history[1]][1]  # the others are still checked


def test_a_changed_snapshot_is_found(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Snap")
    for _ in range(120):
        ledger.deposit(account, Decimal("10.00"))
    db.execute("UPDATE ledger.account_snapshots SET balance = balance + 1000000 WHERE sequence_number = 100")
    (bad,) = ledger.verify_snapshots()
    assert (bad.account_id, bad.sequence_number) == (account, 100)
    assert bad.replayed is not None and bad.snapshot.balance - bad.replayed.balance == Decimal(1000000)
    assert ledger.verify() == []  # the projection is right; only the snapshot lies
    db.execute("SELECT ledger.rebuild_snapshots(%s)", (account,))
    assert ledger.verify_snapshots() == []
