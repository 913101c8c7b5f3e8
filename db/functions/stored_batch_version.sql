-- ledger.stored_batch_version(aggregate_id, events): the idempotency check of ledger.append.
--
-- Called under the account's lock with the parsed batch. Returns NULL when none of the batch's
-- event_ids is stored. When every event of the batch carries an event_id and all of them are
-- stored as these events (same account, same type, version and payload, and occurred_at where
-- the batch gives one), consecutively and in the same order, returns the sequence number of
-- the batch's last event: for a retry, the version the original append returned.
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
BEGIN
    SELECT pg_catalog.count(*),
           pg_catalog.bool_and(
               s.aggregate_id = p_aggregate_id
               AND s.event_type = n.event_type
               AND s.event_version = n.event_version
               AND s.payload = n.payload
               AND (n.occurred_at IS NULL OR s.occurred_at = n.occurred_at)),
           pg_catalog.count(DISTINCT s.sequence_number - n.ordinality),
           pg_catalog.max(s.sequence_number),
           pg_catalog.min(s.event_id::text)::uuid
    INTO v_found, v_all_same, v_offsets, v_last, v_example
    FROM pg_catalog.unnest(p_events) WITH ORDINALITY AS n
    JOIN ledger.events AS s ON s.event_id = n.event_id;

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
