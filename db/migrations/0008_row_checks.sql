-- 0008_row_checks: the CHECK constraints of ledger.events (7) and ledger.accounts (4) become one
-- CHECK per table, calling an IMMUTABLE PL/pgSQL function in which every operator is written
-- OPERATOR(pg_catalog.x).
--
-- Why one function: PostgreSQL re-reads and re-prepares every CHECK expression of a table on every
-- INSERT or UPDATE statement; eleven expressions cost more than the rest of a single-event append's
-- SQL (docs/decisions.md). A PL/pgSQL function is prepared once per session.
-- Why qualified operators: CHECKs created by earlier releases bound their operators through the
-- installing session's search_path; in a database where an untrusted role could create objects in
-- public, `=` on varchar could have been bound to that role's operator (CVE-2018-1058's pattern).
-- These are rebuilt with operators that can only be pg_catalog's, and the migrator now pins
-- search_path as well.
--
-- The rules are the same (what one row can prove; the write path and the fold check the rest).
-- The new constraints are added NOT VALID and then validated; a database that stored rows under
-- an older, looser rule (pgledger.migrate.EARLIER_TEXTS) keeps them unvalidated, with new rows
-- checked.
CREATE FUNCTION ledger.event_row_valid(
    p_event_type text,
    p_sequence_number bigint,
    p_event_version smallint,
    p_payload jsonb,
    p_metadata jsonb,
    p_occurred_at timestamptz
)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
DECLARE
    v_amount text;
BEGIN
    IF p_sequence_number OPERATOR(pg_catalog.<) 1 OR p_event_version OPERATOR(pg_catalog.<) 1
        OR pg_catalog.jsonb_typeof(p_payload) OPERATOR(pg_catalog.<>) 'object'
        OR pg_catalog.jsonb_typeof(p_metadata) OPERATOR(pg_catalog.<>) 'object'
        OR NOT pg_catalog.isfinite(p_occurred_at)
        OR p_occurred_at OPERATOR(pg_catalog.<) '1900-01-01 00:00:00+00'::timestamptz
        -- An account's history starts with its opening, and it is opened once.
        OR (p_event_type OPERATOR(pg_catalog.=) 'AccountOpened')
        OPERATOR(pg_catalog.<>) (p_sequence_number OPERATOR(pg_catalog.=) 1) THEN
        RETURN FALSE;
    END IF;
    IF p_event_type OPERATOR(pg_catalog.=) 'AccountOpened' THEN
        RETURN pg_catalog.jsonb_typeof(p_payload OPERATOR(pg_catalog.->) 'owner_name') OPERATOR(pg_catalog.=) 'string'
            AND pg_catalog.char_length(p_payload OPERATOR(pg_catalog.->>) 'owner_name') OPERATOR(pg_catalog.>=) 1
            AND pg_catalog.char_length(p_payload OPERATOR(pg_catalog.->>) 'owner_name') OPERATOR(pg_catalog.<=) 200;
    END IF;
    IF p_event_type OPERATOR(pg_catalog.<>) 'MoneyDeposited' AND p_event_type OPERATOR(pg_catalog.<>) 'MoneyWithdrawn' THEN
        RETURN FALSE;
    END IF;
    v_amount := p_payload OPERATOR(pg_catalog.->>) 'amount';
    RETURN v_amount OPERATOR(pg_catalog.~) '^[0-9]+(\.[0-9]{1,2})?$'
        AND v_amount::numeric OPERATOR(pg_catalog.>=) 0.01
        AND v_amount::numeric OPERATOR(pg_catalog.<=) 1000000000000000;
END;
$function$;

COMMENT ON FUNCTION ledger.event_row_valid(text, bigint, smallint, jsonb, jsonb, timestamptz) IS
'The CHECK of ledger.events: what one event row can prove (known type, opening first and only first, amount format and range, owner name length, times from 1900 on).';

CREATE FUNCTION ledger.account_row_valid(
    p_owner_name text,
    p_balance numeric,
    p_version bigint,
    p_opened_at timestamptz,
    p_last_event_at timestamptz
)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    RETURN pg_catalog.char_length(p_owner_name) OPERATOR(pg_catalog.>=) 1
        AND pg_catalog.char_length(p_owner_name) OPERATOR(pg_catalog.<=) 200
        AND p_balance OPERATOR(pg_catalog.>=) 0
        AND pg_catalog.scale(p_balance) OPERATOR(pg_catalog.=) 2
        AND p_version OPERATOR(pg_catalog.>=) 1
        AND p_opened_at OPERATOR(pg_catalog.<=) p_last_event_at;
END;
$function$;

COMMENT ON FUNCTION ledger.account_row_valid(text, numeric, bigint, timestamptz, timestamptz) IS
'The CHECK of ledger.accounts: owner name length, balance >= 0 with 2 decimal places, version >= 1, opened before the last event.';

ALTER TABLE ledger.events
DROP CONSTRAINT events_sequence_number_check,
DROP CONSTRAINT events_event_type_check,
DROP CONSTRAINT events_opening_first_check,
DROP CONSTRAINT events_event_version_check,
DROP CONSTRAINT events_payload_check,
DROP CONSTRAINT events_metadata_check,
DROP CONSTRAINT events_occurred_at_check,
ADD CONSTRAINT events_row_check CHECK (
    ledger.event_row_valid(event_type, sequence_number, event_version, payload, metadata, occurred_at)
) NOT VALID;

ALTER TABLE ledger.accounts
DROP CONSTRAINT accounts_owner_name_check,
DROP CONSTRAINT accounts_balance_check,
DROP CONSTRAINT accounts_version_check,
DROP CONSTRAINT accounts_time_check,
ADD CONSTRAINT accounts_row_check CHECK (
    ledger.account_row_valid(owner_name, balance, version, opened_at, last_event_at)
) NOT VALID;

ALTER TABLE ledger.accounts VALIDATE CONSTRAINT accounts_row_check;

DO $validate$
BEGIN
    ALTER TABLE ledger.events VALIDATE CONSTRAINT events_row_check;
EXCEPTION
    WHEN check_violation THEN
        RAISE WARNING 'ledger.events holds rows stored under an earlier rule; events_row_check stays NOT VALID (new rows are checked)';
END;
$validate$;

-- Of the other CHECKs, only this one compared values for which pg_catalog has no exact operator
-- (numeric >= integer), so another schema's operator could have been preferred; the rest match
-- pg_catalog's operators exactly, which are found first.
ALTER TABLE ledger.account_snapshots
DROP CONSTRAINT account_snapshots_balance_check,
ADD CONSTRAINT account_snapshots_balance_check CHECK (balance >= 0::numeric);
