-- 0014_write_path_costs: what each appended row paid for and no longer does (issue 12; the
-- figures are in docs/decisions.md, "Performance"). Instructions per single-event deposit,
-- measured with callgrind on a PostgreSQL 15 backend, before this migration: 875,000.
--
-- 1. The row CHECKs of ledger.events and ledger.accounts go (120,000 instructions, 14%):
--    PostgreSQL re-reads and re-prepares every CHECK expression of a table on each INSERT or
--    UPDATE statement. They defended only against the owner (a ledger_writer cannot write to a
--    table), who can drop them; the one write path checks every rule before it writes, the
--    NOT NULL hash column refuses a hand-made row that is not chained, and ledger.verify_chain
--    and ledger.verify find any row that did not come through the write path.
-- 2. The AFTER STATEMENT trigger that sent NOTIFY ledger_events while a subscriber waited goes
--    (40,000 instructions, 5%; its table query was 30,000 of them). ledger.append_events now
--    probes an advisory lock that waiting subscribers hold in shared mode (ledger.subscriber_waiting),
--    7,000 instructions, and a subscriber that dies releases it with its session: the table of
--    waiting subscribers and its ten-minute expiry go too.
-- 3. ledger.event_hash builds the canonical text itself instead of calling
--    ledger.event_canonical (a PL/pgSQL call costs about 13,000 instructions). Same bytes: the
--    format (0011) does not change, and tests/test_integrity.py recomputes hashes outside the
--    database.
ALTER TABLE ledger.events DROP CONSTRAINT IF EXISTS events_row_check;
ALTER TABLE ledger.accounts DROP CONSTRAINT IF EXISTS accounts_row_check;
DROP FUNCTION IF EXISTS ledger.event_row_valid(text, bigint, smallint, jsonb, jsonb, timestamptz);
DROP FUNCTION IF EXISTS ledger.account_row_valid(text, numeric, bigint, timestamptz, timestamptz);

DROP TRIGGER IF EXISTS events_notify ON ledger.events;
DROP FUNCTION IF EXISTS ledger.notify_new_events();
DROP TABLE IF EXISTS ledger.subscriber_waits;

CREATE OR REPLACE FUNCTION ledger.event_hash(p_previous bytea, p_event ledger.events)
RETURNS bytea
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    -- The text of ledger.event_canonical, written out: one call less on every append.
    RETURN pg_catalog.sha256(
        coalesce(p_previous, '\x'::bytea) OPERATOR(pg_catalog.||)
        pg_catalog.convert_to(
            pg_catalog.concat_ws(
                E'\n',
                'pgledger-event-v1',
                p_event.event_id::text,
                p_event.aggregate_id::text,
                p_event.sequence_number::text,
                p_event.event_type::text,
                p_event.event_version::text,
                p_event.payload::text,
                p_event.metadata::text,
                (pg_catalog.extract('epoch', p_event.occurred_at) OPERATOR(pg_catalog.*) 1000000)::bigint::text,
                (pg_catalog.extract('epoch', p_event.recorded_at) OPERATOR(pg_catalog.*) 1000000)::bigint::text
            ),
            'UTF8'
        )
    );
END;
$function$;

-- 4. ledger.store_projection (the compare-and-set of the projection row) is written out in
--    ledger.append_events, its one caller, which now stores the row at one place.
DROP FUNCTION IF EXISTS ledger.store_projection(ledger.account, bigint, bytea);

-- 5. The projection row keeps the event_id and the recorded_at of the account's last event.
--    ledger.append_change (the one-statement path of deposit and withdraw) reads them under the
--    row lock to see that a call with the same event committed while it ran, and that its clock
--    reading is not older than the last event's; NULL on rows written before this migration.
ALTER TABLE ledger.accounts ADD COLUMN last_event_id uuid;
ALTER TABLE ledger.accounts ADD COLUMN last_recorded_at timestamptz;
COMMENT ON COLUMN ledger.accounts.last_event_id IS
'event_id of the account''s last event (the one-statement path''s guard against a racing retry).';
COMMENT ON COLUMN ledger.accounts.last_recorded_at IS
'recorded_at of the account''s last event (keeps an account''s events recorded in sequence order).';
