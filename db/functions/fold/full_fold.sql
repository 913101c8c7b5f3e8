-- ledger.full_fold(account_id): the account's state folded from its whole history, exactly what
-- ledger.account_fold(e ORDER BY e.sequence_number) returns over its events (NULL when it has
-- none), with the same errors, several times faster on a long history.
--
-- How (ledger.full_fold_pass): one scan of the account's events sorted by
-- (occurred_at, sequence_number) feeds built-in aggregates only (no PL/pgSQL call per event),
-- which prove the history legal:
--   * the sequence numbers, in that order, are exactly 1..n: no gap, no duplicate, and the times
--     never go back (the order by time is the order by sequence number: LG005, LG006);
--   * event 1 is an AccountOpened and no other event is one or moves zero (LG002, LG003); every
--     other event a deposit or a withdrawal with an amount (LG005 unknown type; a NULL amount is
--     the fold's to judge);
--   * every amount in whole cents, and the running balance in cents never below zero (LG004):
--     ledger.nonnegative_running_sum adds the cents to -2^63 with int8pl, which raises 22003 the
--     moment the running sum goes negative (or past 2^64 - 1 cents).
-- When any of that does not hold, or the pass raises anything, the PL/pgSQL fold runs instead and
-- gives the exact answer or the exact error (the one of the earliest bad event). So the fast
-- pass only ever answers for histories it has proven legal, and for those the state is
-- determined: balance = the sum, version = n, last_event_at = the latest time, owner and
-- opened_at from event 1. The amounts and owner are read through ledger.upcast_payload, as the
-- fold reads them.
--
-- The aggregates see the rows in the order of the subquery's ORDER BY: PostgreSQL never pulls a
-- subquery with ORDER BY up into its parent, and plans it as the sorted input of the aggregate.
-- The sequence check proves the aggregates saw the events in sequence order (any other order
-- fails it, and the PL/pgSQL fold answers); that this order is also the time order rests on that
-- sort. The property tests put a time going back at random positions of random histories.
--
-- work_mem: the sort holds about 100 bytes an event; 64 MB keeps an account of up to ~600,000
-- events in memory (the default 4 MB spills from ~40,000, which costs a third more time); a
-- longer history spills to a temporary file, as any sort does.
--
-- Property tests (tests/test_fast_fold.py) hold this function to the fold on random legal and
-- illegal histories.
CREATE OR REPLACE FUNCTION ledger.full_fold(p_account_id uuid)
RETURNS ledger.account
LANGUAGE plpgsql
STABLE
SET work_mem = '64MB'
AS $function$
DECLARE
    v_pass record;
    v_state ledger.account;
BEGIN
    BEGIN
        SELECT f.state INTO v_pass FROM ledger.full_fold_pass(p_account_id) AS f;
        IF NOT FOUND THEN
            RETURN NULL;  -- no events
        END IF;
        v_state := v_pass.state;
    EXCEPTION
        WHEN OTHERS THEN
            -- A negative running balance, an amount past bigint cents, a malformed amount: the
            -- PL/pgSQL fold below raises (or computes) exactly.
            v_state := NULL;
    END;
    IF v_state.account_id IS NOT NULL THEN
        RETURN v_state;
    END IF;
    RETURN (
        SELECT ledger.account_fold(ROW(e.*)::ledger.events ORDER BY e.sequence_number)
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_account_id
    );
END;
$function$;

COMMENT ON FUNCTION ledger.full_fold(uuid) IS
'An account''s state folded from its whole history: what ledger.account_fold returns, same errors, one set-based pass when the history is provably legal (internal).';
