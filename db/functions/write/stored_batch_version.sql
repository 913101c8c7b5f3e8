-- ledger.stored_batch_version(aggregate_id, events): the idempotency check of ledger.append.
--
-- Called under the account's lock with the parsed batch. Looks in the account's own events only
-- (a key of another account is caught by the unique key when the events are inserted, or, on
-- Citus, where keys are unique per account, is another event). Returns NULL when none of the
-- batch's event_ids is stored in the account. When every event of the batch carries an event_id
-- and all of them are stored as these events (ledger.event_matches), consecutively and in the
-- same order, returns the sequence number of the batch's last event: for a retry, the version the
-- original append returned.
--
-- Raises: LG008 when some but not all are stored, or stored as different events.
CREATE OR REPLACE FUNCTION ledger.stored_batch_version(p_aggregate_id uuid, p_events ledger.events[])
RETURNS bigint
LANGUAGE plpgsql
STABLE
AS $function$
DECLARE
    v_found bigint;
    v_all_same boolean;
    v_offsets bigint;
    v_last bigint;
    v_example uuid;
    v_stored ledger.events;
    v_given ledger.events;
BEGIN
    IF pg_catalog.cardinality(p_events) = 1 THEN
        -- The commands' case: one index lookup instead of the general join below.
        v_given := p_events[1];
        SELECT s.* INTO v_stored FROM ledger.events AS s
        WHERE s.aggregate_id = p_aggregate_id AND s.event_id = v_given.event_id;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        v_found := 1;
        v_offsets := 1;
        v_last := v_stored.sequence_number;
        v_example := v_stored.event_id;
        v_all_same := ledger.event_matches(
            v_stored, p_aggregate_id, v_given.event_type, v_given.event_version, v_given.payload, v_given.occurred_at);
    ELSE
        SELECT pg_catalog.count(*),
               pg_catalog.bool_and(ledger.event_matches(
                   ROW(s.*)::ledger.events, p_aggregate_id, n.event_type, n.event_version, n.payload, n.occurred_at)),
               pg_catalog.count(DISTINCT s.sequence_number - n.ordinality),
               pg_catalog.max(s.sequence_number),
               pg_catalog.min(s.event_id::text)::uuid
        INTO v_found, v_all_same, v_offsets, v_last, v_example
        FROM pg_catalog.unnest(p_events) WITH ORDINALITY AS n
        JOIN ledger.events AS s ON s.aggregate_id = p_aggregate_id AND s.event_id = n.event_id;
    END IF;

    IF v_found = 0 THEN
        RETURN NULL;
    END IF;
    IF v_found = pg_catalog.cardinality(p_events) AND v_all_same AND v_offsets = 1 THEN
        RETURN v_last;
    END IF;
    RAISE EXCEPTION USING
        ERRCODE = 'LG008',
        MESSAGE = pg_catalog.format(
            'event_id %s is already stored, but not as this batch of events for account %s',
            v_example, p_aggregate_id),
        HINT = 'Reuse event_ids only to retry the very same append (same account, same events, same order); give new events new event_ids.';
END;
$function$;

COMMENT ON FUNCTION ledger.stored_batch_version(uuid, ledger.events[]) IS
'Idempotency check of ledger.append: NULL when the batch is new, the original version when the very same batch is stored, LG008 otherwise.';
