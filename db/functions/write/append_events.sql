-- ledger.append_events(aggregate_id, expected_version, events): the one write path of the
-- ledger, shared by ledger.append (JSON events, after ledger.parse_event) and the commands
-- ledger.open_account, ledger.deposit and ledger.withdraw (after ledger.new_event), so every
-- rule holds whichever door is used. `events` are checked, canonical ledger.events rows with
-- aggregate_id and sequence_number unset; event_id and occurred_at may be NULL. Returns the
-- account's new version. Internal: granted to no role; callers pin the search_path.
--
-- How: the account's projection row is read; the idempotency keys and the expected version are
-- checked against it; each event is folded onto that state with ledger.account_apply (the
-- domain rules) and chained onto the account's last hash (ledger.event_hash, tamper evidence);
-- the new projection row is written only if the row is still at the version read (a
-- compare-and-set that also takes its row lock), and the events (and, through the
-- projection's trigger, the snapshots) in the same transaction. If
-- another writer got there first, everything is decided again under the row lock. So writers
-- of one account serialize, and writers of different accounts never wait for each other. A
-- NULL occurred_at is the clock read on the state the write is decided on, never earlier
-- than the previous event.
--
-- Idempotency: when every event is already stored under its event_id, as the same events of
-- this account in the same order, nothing is stored and the sequence number of the last one
-- is returned: for a retry, what the original call returned.
--
-- Raises: LG001 expected version mismatch, LG002 account not found, LG003 account already
-- exists, LG004 insufficient funds, LG005 invalid argument (NULL account, negative expected
-- version, an event_id twice, occurred_at in the future), LG006 occurred_at earlier than the
-- previous event, LG008 event_id already used for a different event. Nothing is stored when
-- it raises.
CREATE OR REPLACE FUNCTION ledger.append_events(
    p_aggregate_id uuid,
    p_expected_version bigint,
    p_events ledger.events[]
)
RETURNS bigint
LANGUAGE plpgsql
AS $function$
DECLARE
    v_count integer := pg_catalog.cardinality(p_events);
    v_events ledger.events[] := p_events;
    v_event ledger.events;
    v_state ledger.account;
    v_hash bytea;
    v_final ledger.events[];
    v_stored_version bigint;
    v_version bigint;
    v_clock timestamptz;
    v_default_time timestamptz;
    v_given_ids bigint;
    v_distinct_ids bigint;
    v_original bigint;
    v_interval integer;
    v_inserted integer;
    v_known boolean;
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
    IF v_count = 1 THEN
        v_given_ids := (p_events[1].event_id IS NOT NULL)::integer;
    ELSE
        SELECT pg_catalog.count(e.event_id), pg_catalog.count(DISTINCT e.event_id)
        INTO v_given_ids, v_distinct_ids
        FROM pg_catalog.unnest(p_events) AS e;
        IF v_distinct_ids < v_given_ids THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = 'events holds the same event_id more than once';
        END IF;
    END IF;

    -- Round 1 reads the account without locking it and writes only if nobody wrote in between
    -- (the projection's write is a compare-and-set on the version): no extra lock on the
    -- common path. If another writer got there first, round 2 locks the row (writers of a busy
    -- account then queue on it) and decides again; round 3 covers an account created
    -- concurrently under our feet. Every write happens only on the state it was decided on.
    <<rounds>>
    FOR v_round IN 1 .. 3 LOOP
        IF v_round = 1 THEN
            SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at, a.last_hash
            INTO v_state.account_id, v_state.owner_name, v_state.balance, v_state.version, v_state.opened_at,
                 v_state.last_event_at, v_hash
            FROM ledger.accounts AS a
            WHERE a.account_id = p_aggregate_id;
        ELSE
            SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at, a.last_hash
            INTO v_state.account_id, v_state.owner_name, v_state.balance, v_state.version, v_state.opened_at,
                 v_state.last_event_at, v_hash
            FROM ledger.accounts AS a
            WHERE a.account_id = p_aggregate_id
            FOR UPDATE;
        END IF;
        -- The version of the stored projection row; NULL: there is none yet.
        v_stored_version := v_state.version;

        -- A single event's key is looked up here first, one call less on every command that
        -- gives its event_id; a key found, and any batch, are decided by ledger.stored_batch_version.
        v_known := v_given_ids > 0;
        IF v_known AND v_count = 1 THEN
            v_known := EXISTS (
                SELECT FROM ledger.events AS s
                WHERE s.aggregate_id = p_aggregate_id AND s.event_id = v_events[1].event_id
            );
        END IF;
        IF v_known THEN
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

        IF v_count > 1 AND v_interval IS NULL THEN
            SELECT st.snapshot_interval INTO v_interval FROM ledger.settings AS st;
        END IF;
        v_clock := pg_catalog.clock_timestamp();
        -- The time of events given without occurred_at; GREATEST skips the NULL of a new account.
        v_default_time := GREATEST(v_clock, v_state.last_event_at);
        v_final := '{}';
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
            -- The stored row: its id, time of recording and place in the account's hash chain.
            -- A time-ordered id when none is given (ledger.new_event_id).
            v_event.event_id := coalesce(v_event.event_id, ledger.new_event_id(v_clock));
            v_event.recorded_at := v_clock;
            v_hash := ledger.event_hash(v_hash, v_event);
            v_event.hash := v_hash;
            v_final[v_i] := v_event;
            -- Store the projection after the last event, and at every snapshot boundary inside a
            -- batch, so the trigger ledger.take_snapshot sees (and copies) the state at exactly
            -- every Nth event (v_interval is NULL for a single event: the first test decides).
            -- A compare-and-set: the first write of an account inserts its row (a concurrent
            -- creator waits on the primary key), later ones update it only if it is still at the
            -- version read; either takes the row lock. Not written: another writer got there
            -- first, and everything is decided again, under the row lock.
            IF v_i = v_count OR v_state.version % v_interval = 0 THEN
                IF v_stored_version IS NULL THEN
                    INSERT INTO ledger.accounts (
                        account_id, owner_name, balance, version, opened_at, last_event_at,
                        last_hash, last_event_id, last_recorded_at
                    )
                    VALUES (
                        v_state.account_id, v_state.owner_name, v_state.balance, v_state.version,
                        v_state.opened_at, v_state.last_event_at, v_hash, v_event.event_id, v_clock
                    )
                    ON CONFLICT (account_id) DO NOTHING;
                ELSE
                    UPDATE ledger.accounts AS a
                    SET owner_name = v_state.owner_name,
                        balance = v_state.balance,
                        version = v_state.version,
                        last_event_at = v_state.last_event_at,
                        last_hash = v_hash,
                        last_event_id = v_event.event_id,
                        last_recorded_at = v_clock
                    WHERE a.account_id = v_state.account_id
                      AND a.version = v_stored_version;
                END IF;
                IF NOT FOUND THEN
                    CONTINUE rounds;
                END IF;
                v_stored_version := v_state.version;
            END IF;
        END LOOP;

        -- ON CONFLICT names the event_id key (one event_id, or on Citus one per account), so any
        -- other unique violation (an id taken twice, a sequence number) still raises as itself.
        IF v_count = 1 THEN
            INSERT INTO ledger.events (
                event_id, aggregate_id, sequence_number, event_type, event_version,
                payload, metadata, occurred_at, recorded_at, hash
            )
            VALUES (
                v_event.event_id, p_aggregate_id, v_event.sequence_number, v_event.event_type, v_event.event_version,
                v_event.payload, v_event.metadata, v_event.occurred_at, v_clock, v_hash
            )
            ON CONFLICT ON CONSTRAINT events_event_id_key DO NOTHING;
            GET DIAGNOSTICS v_inserted = ROW_COUNT;
        ELSE
            INSERT INTO ledger.events (
                event_id, aggregate_id, sequence_number, event_type, event_version,
                payload, metadata, occurred_at, recorded_at, hash
            )
            SELECT e.event_id, p_aggregate_id, e.sequence_number, e.event_type, e.event_version,
                   e.payload, e.metadata, e.occurred_at, v_clock, e.hash
            FROM pg_catalog.unnest(v_final) AS e
            ORDER BY e.sequence_number
            ON CONFLICT ON CONSTRAINT events_event_id_key DO NOTHING;
            GET DIAGNOSTICS v_inserted = ROW_COUNT;
        END IF;
        -- An event_id already stored for another account (or stored for it meanwhile: this
        -- append waited for that one to commit): the same key for two different events.
        IF v_inserted < v_count THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG008',
                MESSAGE = pg_catalog.format('event_id %s is already stored for another account than %s',
                    CASE WHEN v_count = 1 THEN v_event.event_id::text ELSE 'of this batch' END, p_aggregate_id),
                HINT = 'Reuse event_ids only to retry the very same append (same account, same events, same order); give new events new event_ids.';
        END IF;

        -- Wake waiting subscribers: they hold the advisory lock (1885826148, 1) in shared mode
        -- (ledger.subscriber_waiting), so this probe (also in ledger.append_change), taken exclusively and released in the same
        -- expression (no cancel can land between the two), fails only while one waits. Two
        -- appends probing at the same instant make one notify for nothing, which loses nothing.
        -- Not always: a NOTIFY serializes the commits of notifying transactions. Not a trigger
        -- or a table of waiting subscribers: they cost 40,000 and 30,000 instructions, this
        -- 7,000 (docs/decisions.md, "Performance").
        IF (CASE
            WHEN pg_catalog.pg_try_advisory_lock(1885826148, 1) THEN NOT pg_catalog.pg_advisory_unlock(1885826148, 1)
            ELSE true
        END) THEN
            PERFORM pg_catalog.pg_notify('ledger_events', '');
        END IF;
        RETURN v_state.version;
    END LOOP;

    RAISE EXCEPTION USING
        ERRCODE = '40001',
        MESSAGE = pg_catalog.format('account %s changed under three rounds of append', p_aggregate_id),
        HINT = 'Retry the transaction.';
END;
$function$;

COMMENT ON FUNCTION ledger.append_events(uuid, bigint, ledger.events[]) IS
'The one write path (internal): appends checked events to one account atomically; returns the new version. Raises LG001-LG006, LG008.';
