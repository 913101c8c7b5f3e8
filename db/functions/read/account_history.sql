-- ledger.account_history(account_id, from, to): the account's events with occurred_at in
-- [from, to] (NULL: unbounded), in sequence order, each with the balance right after it. The
-- state before `from` comes from the latest snapshot before it plus the events in between.
-- amount is NULL for AccountOpened; reference is a deposit's payer reference; counterparty and
-- transfer_id are set on the two events of a ledger.transfer (the other account, the transfer's
-- id). Raises LG005 when from is later than to.
CREATE OR REPLACE FUNCTION ledger.account_history(
    p_account_id uuid,
    p_from timestamptz DEFAULT NULL,
    p_to timestamptz DEFAULT NULL
)
RETURNS TABLE (
    sequence_number bigint,
    event_type text,
    occurred_at timestamptz,
    amount numeric,
    balance numeric,
    reference text,
    counterparty uuid,
    transfer_id uuid,
    event_id uuid
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_state ledger.account;
    v_before numeric;
    v_event ledger.events;
    v_until timestamptz;
    v_bound bigint;
BEGIN
    IF p_from > p_to THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('from %s is later than to %s', p_from, p_to);
    END IF;
    -- Before the earliest possible event (ledger.check_occurred_at), `from` bounds nothing.
    IF p_from > '1900-01-01 00:00:00+00'::timestamptz THEN
        -- Everything strictly before p_from: timestamptz counts whole microseconds.
        v_until := p_from - interval '1 microsecond';
        v_state := ledger.state_until(p_account_id, NULL, v_until);
    END IF;
    -- Computed apart, not in the loop's query: on Citus that query runs on the account's shard.
    v_bound := coalesce(ledger.sequence_bound(p_account_id, p_to), 9223372036854775807);
    FOR v_event IN
        SELECT e.*
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_account_id
          AND e.sequence_number > coalesce(v_state.version, 0)
          AND e.sequence_number <= v_bound
        ORDER BY e.sequence_number
    LOOP
        EXIT WHEN v_event.occurred_at > p_to;
        v_before := coalesce(v_state.balance, 0);
        v_state := ledger.account_apply(v_state, v_event);
        sequence_number := v_event.sequence_number;
        event_type := v_event.event_type;
        occurred_at := v_event.occurred_at;
        amount := CASE WHEN v_event.event_type = 'AccountOpened' THEN NULL ELSE pg_catalog.abs(v_state.balance - v_before) END;
        balance := v_state.balance;
        reference := ledger.upcast_payload(v_event.event_type, v_event.event_version, v_event.payload) ->> 'reference';
        counterparty := ledger.metadata_uuid(v_event.metadata, 'counterparty');
        transfer_id := ledger.metadata_uuid(v_event.metadata, 'transfer_id');
        event_id := v_event.event_id;
        RETURN NEXT;
    END LOOP;
END;
$function$;

COMMENT ON FUNCTION ledger.account_history(uuid, timestamptz, timestamptz) IS
'Events of an account between two times (inclusive, NULL = unbounded) with the balance after each. Raises LG005 when from > to.';
