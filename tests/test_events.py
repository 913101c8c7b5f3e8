"""The Python event values: exact money, aware times, and clear errors for what cannot be exact."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pgledger import AccountOpened, Ledger, MoneyDeposited, MoneyWithdrawn
from pgledger.events import event_to_json

ACCOUNT = uuid.uuid4()
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_events_are_immutable_values() -> None:
    event = MoneyDeposited(ACCOUNT, Decimal("1.50"), WHEN)
    with pytest.raises(AttributeError):
        event.amount = Decimal("1000")  # type: ignore[misc]
    assert event == MoneyDeposited(ACCOUNT, Decimal("1.50"), WHEN)
    assert hash(event) == hash(MoneyDeposited(ACCOUNT, Decimal("1.5"), WHEN))


@pytest.mark.parametrize("cls", [MoneyDeposited, MoneyWithdrawn])
def test_float_amounts_are_refused_with_a_clear_error(cls: type[MoneyDeposited]) -> None:
    with pytest.raises(TypeError, match=r"not a float: 0\.1 is a binary fraction"):
        cls(ACCOUNT, 0.1, WHEN)  # type: ignore[arg-type]


def test_naive_datetimes_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="must be timezone-aware"):
        AccountOpened(ACCOUNT, "Ada", datetime(2024, 5, 1, 12, 0))


def test_the_client_refuses_floats_and_naive_times_before_sending(ledger: Ledger) -> None:
    with pytest.raises(TypeError, match="not a float"):
        ledger.deposit(ACCOUNT, 10.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.open_account(ACCOUNT, "Ada", occurred_at=datetime(2024, 1, 1))
    assert ledger.state(ACCOUNT) is None


def test_non_uuid_account_ids_are_refused() -> None:
    with pytest.raises(TypeError, match=r"uuid\.UUID"):
        AccountOpened(str(ACCOUNT), "Ada", WHEN)  # type: ignore[arg-type]


def test_integer_amounts_become_exact_decimals() -> None:
    assert MoneyDeposited(ACCOUNT, 5, WHEN).amount == Decimal(5)  # type: ignore[arg-type]


def test_json_form_keeps_the_decimal_scale_and_the_offset() -> None:
    item = event_to_json(MoneyWithdrawn(ACCOUNT, Decimal("1E+3"), WHEN), uuid.UUID(int=1))
    assert item == {
        "event_type": "MoneyWithdrawn",
        "payload": {"amount": "1000"},
        "occurred_at": "2024-05-01T12:00:00+00:00",
        "event_id": "00000000-0000-0000-0000-000000000001",
    }
    assert event_to_json(MoneyDeposited(ACCOUNT, Decimal("0.10")))["payload"] == {"amount": "0.10"}


def test_appending_to_a_different_account_than_the_events_name_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="belongs to account"):
        ledger.append(uuid.uuid4(), [AccountOpened(ACCOUNT, "Ada", WHEN)])


def test_a_deposit_never_equals_a_withdrawal_of_the_same_amount() -> None:
    assert MoneyDeposited(ACCOUNT, Decimal(1), WHEN) != MoneyWithdrawn(ACCOUNT, Decimal(1), WHEN)


def test_times_with_offsets_of_seconds_keep_their_instant_through_both_doors(ledger: Ledger) -> None:
    """Historical zones had offsets such as +01:19:32; append (JSON) and deposit (typed) agree."""
    odd = timezone(timedelta(hours=1, minutes=19, seconds=32))
    opened = datetime(2020, 1, 1, 12, 0, 0, 123456, tzinfo=odd)
    account = uuid.uuid4()
    ledger.append(account, [AccountOpened(account, "Amsterdam 1920", opened)])
    ledger.deposit(account, Decimal("1.00"), occurred_at=opened + timedelta(seconds=1))
    times = [e.occurred_at for e in ledger.events(account)]
    assert times == [opened, opened + timedelta(seconds=1)]
