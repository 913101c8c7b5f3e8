-- ledger.append_change(account_id, expected_version, event_type, change, payload, occurred_at,
-- event_id, metadata): the one-statement path of ledger.deposit and ledger.withdraw (change: the
-- amount, positive for MoneyDeposited, negative for MoneyWithdrawn; payload: the checked payload
-- of the event, in the current version of its type). Returns the account's new version, like
-- ledger.append_events. Internal: granted to no role; callers pin the search_path.
--
-- When the event is at the database clock (occurred_at NULL) and its event_id, if given, is not
-- stored for the account, the event is decided and written by one statement, an UPDATE of the
-- projection row, then inserted (the name "one-statement path" is for that decision). The UPDATE
-- takes the row lock and, if another
-- writer changed the row meanwhile, is evaluated again on the row's latest version (READ
-- COMMITTED), so balance, version, time and chain link are computed on the state they are
-- written on: no second round, and on a busy account only this statement runs under the lock.
-- It is ledger.account_apply's transition for these two types (the amount added or taken, never
-- below zero; the next sequence number; the time never before the previous event's) and
-- ledger.append_events' way of storing it (recorded_at and the default occurred_at from the
-- clock, never before the previous event's; the hash chained on the account's last hash),
-- written a second time for speed:
-- tests/test_properties.py checks on random histories that both paths store the same rows and
-- raise the same errors, and ledger.verify replays every account with the fold.
--
-- Everything else goes to ledger.append_events: a given occurred_at, a stored event_id (a
-- retry), and, with nothing written, a row that does not qualify (no such account, another
-- version than expected, not enough money), which it decides again and raises exactly.
--
-- Idempotency: a stored event_id goes to ledger.append_events, which returns the original
-- version. A call with the same event racing this one is caught by the projection row's
-- last_event_id, written by both paths: the UPDATE writes nothing if that call committed first.
--
-- Raises what ledger.append_events raises, and 40001 (retry) in one race of three: a call with
-- the same event for the same account committed while this one ran, and a third call appended
-- after it before this one got the row lock; the retry returns the first call's version.
CREATE OR REPLACE FUNCTION ledger.append_change(
    p_account_id uuid,
    p_expected_version bigint,
    p_event_type text,
    p_change numeric,
    p_payload jsonb,
    p_occurred_at timestamptz,
    p_event_id uuid,
    p_metadata jsonb
)
RETURNS bigint
LANGUAGE plpgsql
AS $function$
DECLARE
    v_fast boolean;
    v_event_id uuid;
    v_metadata jsonb;
    v_clock timestamptz;
    v_updated boolean;
    v_inserted boolean;
    v_version bigint;
    v_occurred_at timestamptz;
    v_recorded_at timestamptz;
    v_hash bytea;
BEGIN
    -- Conditions on arguments and queries are separate statements: a query whose plan folds away
    -- when an argument is NULL gets planned again on every call.
    v_fast := p_occurred_at IS NULL AND p_account_id IS NOT NULL AND coalesce(p_expected_version >= 0, true);
    IF v_fast AND p_event_id IS NOT NULL THEN
        v_fast := NOT EXISTS (
            SELECT FROM ledger.events AS s WHERE s.aggregate_id = p_account_id AND s.event_id = p_event_id
        );
    END IF;
    IF v_fast THEN
        IF p_metadata IS NULL THEN
            v_metadata := '{}'::jsonb;
        ELSE
            v_metadata := ledger.check_metadata(p_metadata, 'events[0].metadata');
        END IF;
        -- Read before the row lock: if a writer that held the lock meanwhile recorded its event
        -- later than this reading, this event takes that time (GREATEST below), so an account's
        -- events are recorded in sequence order (the Citus positioner relies on it), as
        -- ledger.append_events, which reads the clock under the lock, gives by construction.
        v_clock := pg_catalog.clock_timestamp();
        v_event_id := coalesce(p_event_id, ledger.new_event_id(v_clock));
        -- Two statements, not one with a data-modifying CTE: on Citus such a CTE goes through
        -- intermediate results (38 ms a command); two router statements stay on the shard.
        UPDATE ledger.accounts AS a
        SET balance = a.balance + p_change,
            version = a.version + 1,
            last_event_at = GREATEST(v_clock, a.last_event_at),
            last_event_id = v_event_id,
            last_recorded_at = GREATEST(v_clock, a.last_recorded_at),
            last_hash = ledger.event_hash(
                a.last_hash,
                ROW(
                    NULL, v_event_id, a.account_id, a.version + 1, p_event_type,
                    ledger.current_event_version(p_event_type), p_payload, v_metadata,
                    GREATEST(v_clock, a.last_event_at), GREATEST(v_clock, a.last_recorded_at), NULL, NULL
                )::ledger.events)
        WHERE a.account_id = p_account_id
          AND (p_expected_version IS NULL OR a.version = p_expected_version)
          AND a.balance + p_change >= 0
          -- A call with this very event that committed after the check above and before this
          -- UPDATE got the row lock left its id here: the row is then not written, and
          -- ledger.append_events returns that call's version.
          AND a.last_event_id IS DISTINCT FROM v_event_id
        RETURNING a.version, a.last_event_at, a.last_recorded_at, a.last_hash
        INTO v_version, v_occurred_at, v_recorded_at, v_hash;
        v_updated := FOUND;
        IF v_updated THEN
            INSERT INTO ledger.events (
                event_id, aggregate_id, sequence_number, event_type, event_version,
                payload, metadata, occurred_at, recorded_at, hash
            )
            VALUES (
                v_event_id, p_account_id, v_version, p_event_type, ledger.current_event_version(p_event_type),
                p_payload, v_metadata, v_occurred_at, v_recorded_at, v_hash
            )
            ON CONFLICT ON CONSTRAINT events_event_id_key DO NOTHING;
            v_inserted := FOUND;
        END IF;
        IF v_updated THEN
            IF NOT v_inserted THEN
                -- The event_id key: taken by another account (LG008, as in ledger.append_events),
                -- or by a call with this event for this account that committed while this one ran
                -- and was followed by another event before this UPDATE ran (three calls racing).
                IF EXISTS (
                    SELECT FROM ledger.events AS s WHERE s.aggregate_id = p_account_id AND s.event_id = v_event_id
                ) THEN
                    RAISE EXCEPTION USING
                        ERRCODE = '40001',
                        MESSAGE = pg_catalog.format(
                            'event_id %s was stored for account %s by a concurrent call', v_event_id, p_account_id),
                        HINT = 'Retry: the retry returns the version that call stored.';
                END IF;
                RAISE EXCEPTION USING
                    ERRCODE = 'LG008',
                    MESSAGE = pg_catalog.format('event_id %s is already stored for another account than %s',
                        v_event_id, p_account_id),
                    HINT = 'Reuse event_ids only to retry the very same append (same account, same events, same order); give new events new event_ids.';
            END IF;
            -- Wake waiting subscribers (the probe of ledger.append_events, which says why).
            IF (CASE
                WHEN pg_catalog.pg_try_advisory_lock(1885826148, 1) THEN NOT pg_catalog.pg_advisory_unlock(1885826148, 1)
                ELSE true
            END) THEN
                PERFORM pg_catalog.pg_notify('ledger_events', '');
            END IF;
            RETURN v_version;
        END IF;
    END IF;
    RETURN ledger.append_events(
        p_account_id,
        p_expected_version,
        ARRAY[ledger.new_event(p_event_type, p_payload, p_occurred_at, p_event_id, p_metadata)]);
END;
$function$;

COMMENT ON FUNCTION ledger.append_change(uuid, bigint, text, numeric, jsonb, timestamptz, uuid, jsonb) IS
'The one-statement path of deposit and withdraw (internal); falls back to ledger.append_events. Raises what it raises, and 40001 in one race.';
