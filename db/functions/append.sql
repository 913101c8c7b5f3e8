-- ledger.append(aggregate_id, expected_version, events): the one write path of the ledger.
--
-- Appends a JSON array of 1..100000 events to one account atomically and returns the account's
-- new version (its last sequence number). The commands ledger.open_account, ledger.deposit and
-- ledger.withdraw are thin wrappers over it, so every rule holds whichever door is used.
--
-- expected_version: NULL = any, 0 = the account must not exist yet, n = its last stored
-- sequence number must be n.
--
-- How: each event is checked (ledger.parse_event), then the account's projection row is locked
-- (writers of one account serialize; writers of different accounts never wait for each other),
-- the idempotency keys and the expected version are checked under that lock, each event is
-- folded onto the current state with ledger.account_apply (the domain rules), and the events
-- and the new projection row (and, through its trigger, the snapshots) are written in the same
-- transaction. A NULL occurred_at is read from the clock after the lock is taken and never
-- earlier than the previous event.
--
-- Idempotency: when every event of the batch is already stored under its event_id, as the
-- same events of this account in the same order, the call stores nothing and returns the
-- sequence number of the batch's last event: for a retry, what the original call returned.
--
-- Raises: LG001 expected version mismatch, LG002 account not found, LG003 account already
-- exists, LG004 insufficient funds, LG005 invalid event or argument, LG006 occurred_at earlier
-- than the previous event, LG008 event_id already used for a different event. Nothing is
-- stored when it raises.
CREATE OR REPLACE FUNCTION ledger.append(
    p_aggregate_id uuid,
    p_expected_version bigint,
    p_events jsonb
)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_count integer;
    v_events ledger.events[];
    v_event ledger.events;
    v_state ledger.account;
    v_exists boolean;
    v_version bigint;
    v_clock timestamptz;
    v_default_time timestamptz;
    v_given_ids bigint;
    v_distinct_ids bigint;
    v_original bigint;
    v_interval integer;
BEGIN
    IF p_aggregate_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG005', MESSAGE = 'aggregate_id must not be null';
    END IF;
    IF p_expected_version < 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('expected_version must be NULL, 0 or a positive version, got %s',
                p_expected_version);
    END IF;
    IF p_events IS NULL OR pg_catalog.jsonb_typeof(p_events) <> 'array' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('events must be a JSON array of event objects, got %s',
                coalesce(pg_catalog.jsonb_typeof(p_events), 'nothing'));
    END IF;
    v_count := pg_catalog.jsonb_array_length(p_events);
    IF v_count < 1 OR v_count > 100000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('events must hold 1 to 100000 events, got %s', v_count);
    END IF;

    SELECT pg_catalog.array_agg(ledger.parse_event(j.event, (j.position - 1)::integer) ORDER BY j.position)
    INTO v_events
    FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS j (event, position);
    SELECT pg_catalog.count(e.event_id), pg_catalog.count(DISTINCT e.event_id)
    INTO v_given_ids, v_distinct_ids
    FROM pg_catalog.unnest(v_events) AS e;
    IF v_distinct_ids < v_given_ids THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = 'events holds the same event_id more than once';
    END IF;

    -- At most two rounds: the second only when a concurrent transaction created the account
    -- between our lookup and our insert, and then we run again under that account's row lock.
    <<rounds>>
    FOR v_round IN 1 .. 2 LOOP
        SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
        INTO v_state
        FROM ledger.accounts AS a
        WHERE a.account_id = p_aggregate_id
        FOR UPDATE;
        v_exists := FOUND;

        IF v_given_ids > 0 THEN
            v_original := ledger.stored_batch_version(p_aggregate_id, v_events);
            IF v_original IS NOT NULL THEN
                RETURN v_original;
            END IF;
        END IF;

        v_version := coalesce(v_state.version, 0);
        IF p_expected_version IS NOT NULL AND p_expected_version <> v_version THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG001',
                MESSAGE = pg_catalog.format(
                    'concurrency conflict on account %s: expected version %s, actual version %s',
                    p_aggregate_id, p_expected_version, v_version),
                HINT = 'Another writer appended first: reload the account and decide again.';
        END IF;

        SELECT st.snapshot_interval INTO v_interval FROM ledger.settings AS st;
        v_clock := pg_catalog.clock_timestamp();
        -- The time of events given without occurred_at; GREATEST skips the NULL of a new account.
        v_default_time := GREATEST(v_clock, v_state.last_event_at);
        FOR v_i IN 1 .. v_count LOOP
            v_event := v_events[v_i];
            IF v_event.occurred_at IS NULL THEN
                v_event.occurred_at := v_default_time;
            ELSIF v_event.occurred_at > v_clock THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'LG005',
                    MESSAGE = pg_catalog.format(
                        'events[%s].occurred_at %s is in the future (database clock %s)',
                        v_i - 1, v_event.occurred_at, v_clock),
                    HINT = 'An event records something that has happened; omit occurred_at to use the database clock.';
            END IF;
            v_event.aggregate_id := p_aggregate_id;
            v_event.sequence_number := v_version + v_i;
            v_state := ledger.account_apply(v_state, v_event);
            -- Store the projection at every snapshot boundary inside the batch, so the trigger
            -- ledger.take_snapshot sees (and copies) the state at exactly every Nth event.
            IF v_i < v_count AND v_state.version % v_interval = 0 THEN
                IF NOT ledger.store_projection(v_state, NOT v_exists) THEN
                    CONTINUE rounds;
                END IF;
                v_exists := TRUE;
            END IF;
        END LOOP;

        -- A concurrent creator of a new account waits here on the primary key until the first
        -- one ends; if that one committed, nothing is stored and we go round again.
        IF NOT ledger.store_projection(v_state, NOT v_exists) THEN
            CONTINUE rounds;
        END IF;

        INSERT INTO ledger.events (
            event_id, aggregate_id, sequence_number, event_type, event_version,
            payload, metadata, occurred_at, recorded_at
        )
        SELECT coalesce(e.event_id, pg_catalog.gen_random_uuid()), p_aggregate_id, v_version + e.ordinality,
               e.event_type, e.event_version, e.payload, e.metadata,
               coalesce(e.occurred_at, v_default_time), v_clock
        FROM pg_catalog.unnest(v_events) WITH ORDINALITY AS e;

        RETURN v_state.version;
    END LOOP;

    RAISE EXCEPTION USING
        ERRCODE = '40001',
        MESSAGE = pg_catalog.format('account %s was created concurrently and could not be locked', p_aggregate_id),
        HINT = 'Retry the transaction.';
END;
$function$;

COMMENT ON FUNCTION ledger.append(uuid, bigint, jsonb) IS
'Appends 1..100000 events (JSON array) to one account atomically; returns the new version. expected_version: NULL any, 0 new, n exact. Idempotent by event_id. Raises LG001-LG006, LG008.';
