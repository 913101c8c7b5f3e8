-- A database installed by pgledger commit 4c52df5 (first release with 0001-0003), dumped by make_old_installs.py.
--
-- PostgreSQL database dump
--

\restrict CBKKUrZVoCb8ar4qRTg1K7epfbef2kwwt2DKwfmRLdOBVEGVRd7HBvuFd9NWDt0

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: ledger; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA "ledger";


--
-- Name: SCHEMA "ledger"; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA "ledger" IS 'pgledger: append-only, event-sourced account ledger. The API is the functions of this schema.';


--
-- Name: SCHEMA "public"; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA "public" IS 'standard public schema';


--
-- Name: account; Type: TYPE; Schema: ledger; Owner: -
--

CREATE TYPE "ledger"."account" AS (
	"account_id" "uuid",
	"owner_name" "text",
	"balance" numeric,
	"version" bigint,
	"opened_at" timestamp with time zone,
	"last_event_at" timestamp with time zone
);


--
-- Name: TYPE "account"; Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON TYPE "ledger"."account" IS 'State of one account: what ledger.account_fold computes from its events and what the projection ledger.accounts stores.';


SET default_tablespace = '';

SET default_table_access_method = "heap";

--
-- Name: events; Type: TABLE; Schema: ledger; Owner: -
--

CREATE TABLE "ledger"."events" (
    "id" bigint NOT NULL,
    "event_id" "uuid" NOT NULL,
    "aggregate_id" "uuid" NOT NULL,
    "sequence_number" bigint NOT NULL,
    "event_type" character varying(64) NOT NULL,
    "event_version" smallint DEFAULT 1 NOT NULL,
    "payload" "jsonb" NOT NULL,
    "metadata" "jsonb" DEFAULT '{}'::"jsonb" NOT NULL,
    "occurred_at" timestamp with time zone NOT NULL,
    "recorded_at" timestamp with time zone DEFAULT "clock_timestamp"() NOT NULL,
    "transaction_id" "xid8" DEFAULT "pg_current_xact_id"() NOT NULL,
    CONSTRAINT "events_event_type_check" CHECK ((("event_type")::"text" = ANY ((ARRAY['AccountOpened'::character varying, 'MoneyDeposited'::character varying, 'MoneyWithdrawn'::character varying])::"text"[]))),
    CONSTRAINT "events_event_version_check" CHECK (("event_version" >= 1)),
    CONSTRAINT "events_metadata_check" CHECK (("jsonb_typeof"("metadata") = 'object'::"text")),
    CONSTRAINT "events_occurred_at_check" CHECK ("isfinite"("occurred_at")),
    CONSTRAINT "events_opening_first_check" CHECK (((("event_type")::"text" = 'AccountOpened'::"text") = ("sequence_number" = 1))),
    CONSTRAINT "events_payload_check" CHECK ((("jsonb_typeof"("payload") = 'object'::"text") AND
CASE "event_type"
    WHEN 'AccountOpened'::"text" THEN (("jsonb_typeof"(("payload" -> 'owner_name'::"text")) = 'string'::"text") AND (("char_length"(("payload" ->> 'owner_name'::"text")) >= 1) AND ("char_length"(("payload" ->> 'owner_name'::"text")) <= 200)))
    ELSE
    CASE
        WHEN (("payload" ->> 'amount'::"text") ~ '^[0-9]+(\.[0-9]{1,2})?$'::"text") THEN (((("payload" ->> 'amount'::"text"))::numeric >= 0.01) AND ((("payload" ->> 'amount'::"text"))::numeric <= ('1000000000000000'::bigint)::numeric))
        ELSE false
    END
END)),
    CONSTRAINT "events_sequence_number_check" CHECK (("sequence_number" >= 1))
);


--
-- Name: TABLE "events"; Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON TABLE "ledger"."events" IS 'Append-only event store: one row per domain event, written only through ledger.append.';


--
-- Name: account_apply("ledger"."account", "ledger"."events"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."account_apply"("p_state" "ledger"."account", "p_event" "ledger"."events") RETURNS "ledger"."account"
    LANGUAGE "plpgsql" IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    v_amount numeric;
BEGIN
    IF p_state.version IS NULL THEN
        IF p_event.event_type <> 'AccountOpened' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG002',
                MESSAGE = pg_catalog.format('account %s does not exist', p_event.aggregate_id),
                HINT = 'Open the account first: its first event must be AccountOpened.';
        END IF;
        IF p_event.sequence_number <> 1 THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    'event out of sequence for account %s: expected sequence number 1, got %s',
                    p_event.aggregate_id, p_event.sequence_number),
                HINT = 'Fold an account''s events ordered by sequence_number, starting at 1 or from a snapshot.';
        END IF;
        p_state.account_id := p_event.aggregate_id;
        p_state.owner_name := p_event.payload ->> 'owner_name';
        p_state.balance := 0.00;
        p_state.opened_at := p_event.occurred_at;
    ELSE
        IF p_event.aggregate_id <> p_state.account_id
            OR p_event.sequence_number <> p_state.version + 1 THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    'event out of sequence: state is account %s at version %s, event is account %s sequence number %s',
                    p_state.account_id, p_state.version, p_event.aggregate_id, p_event.sequence_number),
                HINT = 'Fold an account''s events ordered by sequence_number, starting at 1 or from a snapshot.';
        END IF;
        IF p_event.occurred_at < p_state.last_event_at THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG006',
                MESSAGE = pg_catalog.format(
                    'occurred_at %s of account %s event %s is earlier than the previous event''s %s',
                    p_event.occurred_at, p_event.aggregate_id, p_event.sequence_number,
                    p_state.last_event_at),
                HINT = 'Events of one account must be appended in time order; omit occurred_at to use the database clock.';
        END IF;
        CASE p_event.event_type
            WHEN 'MoneyDeposited' THEN
                p_state.balance := p_state.balance + (p_event.payload ->> 'amount')::numeric;
            WHEN 'MoneyWithdrawn' THEN
                v_amount := (p_event.payload ->> 'amount')::numeric;
                IF v_amount > p_state.balance THEN
                    RAISE EXCEPTION USING
                        ERRCODE = 'LG004',
                        MESSAGE = pg_catalog.format(
                            'insufficient funds in account %s: balance %s, withdrawal %s',
                            p_state.account_id, p_state.balance, v_amount);
                END IF;
                p_state.balance := p_state.balance - v_amount;
            WHEN 'AccountOpened' THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'LG003',
                    MESSAGE = pg_catalog.format(
                        'account %s already exists (opened at %s)', p_state.account_id, p_state.opened_at);
            ELSE
                RAISE EXCEPTION USING
                    ERRCODE = 'LG005',
                    MESSAGE = pg_catalog.format('unknown event_type %L', p_event.event_type);
        END CASE;
    END IF;
    p_state.version := p_event.sequence_number;
    p_state.last_event_at := p_event.occurred_at;
    RETURN p_state;
END;
$$;


--
-- Name: FUNCTION "account_apply"("p_state" "ledger"."account", "p_event" "ledger"."events"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."account_apply"("p_state" "ledger"."account", "p_event" "ledger"."events") IS 'Transition function of the account fold: the state after one event. Strict: raises LG002, LG003, LG004, LG005 or LG006 on a forbidden transition.';


--
-- Name: account_history("uuid", timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."account_history"("p_account_id" "uuid", "p_from" timestamp with time zone DEFAULT NULL::timestamp with time zone, "p_to" timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE("sequence_number" bigint, "event_type" "text", "occurred_at" timestamp with time zone, "amount" numeric, "balance" numeric)
    LANGUAGE "plpgsql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_state ledger.account;
    v_before numeric;
    v_event ledger.events;
    v_until timestamptz;
BEGIN
    IF p_from > p_to THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('from %s is later than to %s', p_from, p_to);
    END IF;
    IF p_from IS NOT NULL THEN
        -- Everything strictly before p_from: timestamptz counts whole microseconds.
        v_until := p_from - interval '1 microsecond';
        v_state := ledger.fold_after(ledger.snapshot_before(p_account_id, NULL, v_until), p_account_id, NULL, v_until);
    END IF;
    FOR v_event IN
        SELECT e.*
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_account_id
          AND e.sequence_number > coalesce(v_state.version, 0)
          AND e.sequence_number <= coalesce(ledger.sequence_bound(p_account_id, p_to), 9223372036854775807)
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
        RETURN NEXT;
    END LOOP;
END;
$$;


--
-- Name: FUNCTION "account_history"("p_account_id" "uuid", "p_from" timestamp with time zone, "p_to" timestamp with time zone); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."account_history"("p_account_id" "uuid", "p_from" timestamp with time zone, "p_to" timestamp with time zone) IS 'Events of an account between two times (inclusive, NULL = unbounded) with the balance after each. Raises LG005 when from > to.';


--
-- Name: account_state("uuid"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."account_state"("p_account_id" "uuid") RETURNS SETOF "ledger"."account"
    LANGUAGE "sql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
    FROM ledger.accounts AS a
    WHERE a.account_id = p_account_id;
$$;


--
-- Name: FUNCTION "account_state"("p_account_id" "uuid"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."account_state"("p_account_id" "uuid") IS 'Current state of an account from the projection: one row, or none when it does not exist.';


--
-- Name: account_state_at("uuid", timestamp with time zone); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."account_state_at"("p_account_id" "uuid", "p_at" timestamp with time zone) RETURNS SETOF "ledger"."account"
    LANGUAGE "plpgsql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_state ledger.account;
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG005', MESSAGE = 'at must not be null';
    END IF;
    v_state := ledger.fold_after(ledger.snapshot_before(p_account_id, NULL, p_at), p_account_id, NULL, p_at);
    IF v_state.version IS NOT NULL THEN
        RETURN NEXT v_state;
    END IF;
END;
$$;


--
-- Name: FUNCTION "account_state_at"("p_account_id" "uuid", "p_at" timestamp with time zone); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."account_state_at"("p_account_id" "uuid", "p_at" timestamp with time zone) IS 'State of an account as of a time (events at exactly that time included); no row before it was opened. Raises LG005 on NULL.';


--
-- Name: account_state_at_version("uuid", bigint); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."account_state_at_version"("p_account_id" "uuid", "p_version" bigint) RETURNS SETOF "ledger"."account"
    LANGUAGE "plpgsql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_state ledger.account;
BEGIN
    IF p_version IS NULL OR p_version < 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('version must be 1 or more, got %s', coalesce(p_version::text, 'NULL'));
    END IF;
    v_state := ledger.fold_after(ledger.snapshot_before(p_account_id, p_version, NULL), p_account_id, p_version, NULL);
    IF v_state.version = p_version THEN
        RETURN NEXT v_state;
    END IF;
END;
$$;


--
-- Name: FUNCTION "account_state_at_version"("p_account_id" "uuid", "p_version" bigint); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."account_state_at_version"("p_account_id" "uuid", "p_version" bigint) IS 'State of an account right after a given version; no row when it has no such version. Raises LG005 on a version below 1.';


--
-- Name: append("uuid", bigint, "jsonb"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."append"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "jsonb") RETURNS bigint
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_count integer;
    v_events ledger.events[];
BEGIN
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
    IF v_count = 1 THEN
        -- A plain expression is much cheaper than a query for the common single event.
        v_events := ARRAY[ledger.parse_event(p_events -> 0, 0)];
    ELSE
        SELECT pg_catalog.array_agg(ledger.parse_event(j.event, (j.position - 1)::integer) ORDER BY j.position)
        INTO v_events
        FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS j (event, position);
    END IF;
    RETURN ledger.append_events(p_aggregate_id, p_expected_version, v_events);
END;
$$;


--
-- Name: FUNCTION "append"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "jsonb"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."append"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "jsonb") IS 'Appends 1..100000 events (JSON array) to one account atomically; returns the new version. expected_version: NULL any, 0 new, n exact. Idempotent by event_id. Raises LG001-LG006, LG008.';


--
-- Name: append_events("uuid", bigint, "ledger"."events"[]); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."append_events"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "ledger"."events"[]) RETURNS bigint
    LANGUAGE "plpgsql"
    AS $$
DECLARE
    v_count integer := pg_catalog.cardinality(p_events);
    v_events ledger.events[] := p_events;
    v_event ledger.events;
    v_state ledger.account;
    v_stored_version bigint;
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
    -- (ledger.store_projection is a compare-and-set on the version): no extra lock on the
    -- common path. If another writer got there first, round 2 locks the row (writers of a busy
    -- account then queue on it) and decides again; round 3 covers an account created
    -- concurrently under our feet. Every write happens only on the state it was decided on.
    <<rounds>>
    FOR v_round IN 1 .. 3 LOOP
        IF v_round = 1 THEN
            SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
            INTO v_state
            FROM ledger.accounts AS a
            WHERE a.account_id = p_aggregate_id;
        ELSE
            SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
            INTO v_state
            FROM ledger.accounts AS a
            WHERE a.account_id = p_aggregate_id
            FOR UPDATE;
        END IF;
        -- The version of the stored projection row; NULL: there is none yet.
        v_stored_version := v_state.version;

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

        IF v_count > 1 AND v_interval IS NULL THEN
            SELECT st.snapshot_interval INTO v_interval FROM ledger.settings AS st;
        END IF;
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
            -- Store the projection at every snapshot boundary inside a batch, so the trigger
            -- ledger.take_snapshot sees (and copies) the state at exactly every Nth event.
            IF v_i < v_count AND v_state.version % v_interval = 0 THEN
                IF NOT ledger.store_projection(v_state, v_stored_version) THEN
                    CONTINUE rounds;
                END IF;
                v_stored_version := v_state.version;
            END IF;
        END LOOP;

        IF NOT ledger.store_projection(v_state, v_stored_version) THEN
            CONTINUE rounds;
        END IF;

        IF v_count = 1 THEN
            INSERT INTO ledger.events (
                event_id, aggregate_id, sequence_number, event_type, event_version,
                payload, metadata, occurred_at, recorded_at
            )
            VALUES (
                coalesce(v_event.event_id, pg_catalog.gen_random_uuid()), p_aggregate_id, v_state.version,
                v_event.event_type, v_event.event_version, v_event.payload, v_event.metadata,
                v_event.occurred_at, v_clock
            );
        ELSE
            INSERT INTO ledger.events (
                event_id, aggregate_id, sequence_number, event_type, event_version,
                payload, metadata, occurred_at, recorded_at
            )
            SELECT coalesce(e.event_id, pg_catalog.gen_random_uuid()), p_aggregate_id, v_version + e.ordinality,
                   e.event_type, e.event_version, e.payload, e.metadata,
                   coalesce(e.occurred_at, v_default_time), v_clock
            FROM pg_catalog.unnest(v_events) WITH ORDINALITY AS e;
        END IF;

        RETURN v_state.version;
    END LOOP;

    RAISE EXCEPTION USING
        ERRCODE = '40001',
        MESSAGE = pg_catalog.format('account %s changed under three rounds of append', p_aggregate_id),
        HINT = 'Retry the transaction.';
END;
$$;


--
-- Name: FUNCTION "append_events"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "ledger"."events"[]); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."append_events"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "ledger"."events"[]) IS 'The one write path (internal): appends checked events to one account atomically; returns the new version. Raises LG001-LG006, LG008.';


--
-- Name: check_amount(numeric, "text"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."check_amount"("p_amount" numeric, "p_field" "text") RETURNS numeric
    LANGUAGE "plpgsql" IMMUTABLE PARALLEL SAFE
    AS $$
BEGIN
    IF p_amount IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s is required', p_field);
    END IF;
    IF p_amount = 'NaN'::numeric OR p_amount IN ('Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be a decimal such as "12.50", got %s', p_field, p_amount);
    END IF;
    IF p_amount <= 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be greater than 0, got %s', p_field, p_amount);
    END IF;
    IF pg_catalog.scale(p_amount) > 2 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must have at most 2 decimal places, got %s', p_field, p_amount);
    END IF;
    IF p_amount > 1000000000000000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be at most 1000000000000000, got %s', p_field, p_amount);
    END IF;
    RETURN p_amount;
END;
$$;


--
-- Name: FUNCTION "check_amount"("p_amount" numeric, "p_field" "text"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."check_amount"("p_amount" numeric, "p_field" "text") IS 'The amount rule (> 0, at most 2 decimal places, at most 10^15); returns the amount or raises LG005 naming the field.';


--
-- Name: check_metadata("jsonb", "text"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."check_metadata"("p_metadata" "jsonb", "p_field" "text") RETURNS "jsonb"
    LANGUAGE "plpgsql" IMMUTABLE PARALLEL SAFE
    AS $$
BEGIN
    IF p_metadata IS NULL OR p_metadata = 'null'::jsonb THEN
        RETURN '{}'::jsonb;
    END IF;
    IF pg_catalog.jsonb_typeof(p_metadata) <> 'object' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be a JSON object, got %s', p_field, pg_catalog.jsonb_typeof(p_metadata));
    END IF;
    IF pg_catalog.octet_length(p_metadata::text) > 65536 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be at most 65536 bytes as JSON text, got %s',
                p_field, pg_catalog.octet_length(p_metadata::text));
    END IF;
    RETURN p_metadata;
END;
$$;


--
-- Name: FUNCTION "check_metadata"("p_metadata" "jsonb", "p_field" "text"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."check_metadata"("p_metadata" "jsonb", "p_field" "text") IS 'The metadata rule (a JSON object of at most 64 KiB; NULL is {}); returns it or raises LG005 naming the field.';


--
-- Name: check_owner_name("text", "text"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."check_owner_name"("p_owner_name" "text", "p_field" "text") RETURNS "text"
    LANGUAGE "plpgsql" IMMUTABLE PARALLEL SAFE
    AS $$
BEGIN
    IF p_owner_name IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s is required', p_field);
    END IF;
    IF pg_catalog.btrim(p_owner_name, E' \t\r\n') = '' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not be empty or blank', p_field);
    END IF;
    IF pg_catalog.char_length(p_owner_name) > 200 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be at most 200 characters, got %s',
                p_field, pg_catalog.char_length(p_owner_name));
    END IF;
    IF p_owner_name ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not contain control characters', p_field);
    END IF;
    RETURN p_owner_name;
END;
$$;


--
-- Name: FUNCTION "check_owner_name"("p_owner_name" "text", "p_field" "text"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."check_owner_name"("p_owner_name" "text", "p_field" "text") IS 'The owner name rule (1..200 characters, not blank, no control characters); returns it or raises LG005 naming the field.';


--
-- Name: define_snapshot_trigger(); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."define_snapshot_trigger"() RETURNS "void"
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_interval integer;
BEGIN
    SELECT s.snapshot_interval INTO STRICT v_interval FROM ledger.settings AS s;
    EXECUTE pg_catalog.format(
        'CREATE OR REPLACE TRIGGER accounts_take_snapshot'
        ' AFTER INSERT OR UPDATE OF version ON ledger.accounts'
        ' FOR EACH ROW WHEN (NEW.version %% %s = 0)'
        ' EXECUTE FUNCTION ledger.take_snapshot()',
        v_interval);
END;
$$;


--
-- Name: FUNCTION "define_snapshot_trigger"(); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."define_snapshot_trigger"() IS '(Re)creates the snapshot trigger on ledger.accounts with the settings'' interval in its WHEN clause.';


--
-- Name: deposit("uuid", numeric, bigint, timestamp with time zone, "uuid", "jsonb"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."deposit"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint DEFAULT NULL::bigint, "p_occurred_at" timestamp with time zone DEFAULT NULL::timestamp with time zone, "p_event_id" "uuid" DEFAULT NULL::"uuid", "p_metadata" "jsonb" DEFAULT NULL::"jsonb") RETURNS bigint
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    RETURN ledger.append_events(
        p_account_id,
        p_expected_version,
        ARRAY[ledger.new_event(
            'MoneyDeposited',
            pg_catalog.jsonb_build_object('amount', ledger.check_amount(p_amount, 'events[0].payload.amount')::text),
            p_occurred_at, p_event_id, p_metadata)]);
END;
$$;


--
-- Name: FUNCTION "deposit"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."deposit"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") IS 'Deposits money (appends MoneyDeposited); returns the new version. Raises LG001, LG002, LG005, LG006, LG008.';


--
-- Name: derived_event_id("uuid", "text"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."derived_event_id"("p_key" "uuid", "p_part" "text") RETURNS "uuid"
    LANGUAGE "sql" IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT pg_catalog.md5(p_key::text || '/' || p_part)::uuid;
$$;


--
-- Name: FUNCTION "derived_event_id"("p_key" "uuid", "p_part" "text"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."derived_event_id"("p_key" "uuid", "p_part" "text") IS 'Stable event id for one part of a multi-event command, from its idempotency key.';


--
-- Name: event_matches("ledger"."events", "uuid", "text", smallint, "jsonb", timestamp with time zone); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."event_matches"("p_stored" "ledger"."events", "p_aggregate_id" "uuid", "p_event_type" "text", "p_event_version" smallint, "p_payload" "jsonb", "p_occurred_at" timestamp with time zone) RETURNS boolean
    LANGUAGE "sql" IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT p_stored.aggregate_id = p_aggregate_id
        AND p_stored.event_type = p_event_type
        AND p_stored.event_version = p_event_version
        AND p_stored.payload = p_payload
        AND (p_occurred_at IS NULL OR p_stored.occurred_at = p_occurred_at);
$$;


--
-- Name: FUNCTION "event_matches"("p_stored" "ledger"."events", "p_aggregate_id" "uuid", "p_event_type" "text", "p_event_version" smallint, "p_payload" "jsonb", "p_occurred_at" timestamp with time zone); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."event_matches"("p_stored" "ledger"."events", "p_aggregate_id" "uuid", "p_event_type" "text", "p_event_version" smallint, "p_payload" "jsonb", "p_occurred_at" timestamp with time zone) IS 'Whether a stored event is the given event of an account (occurred_at compared unless NULL): the idempotency rule.';


--
-- Name: fold_after("ledger"."account", "uuid", bigint, timestamp with time zone); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."fold_after"("p_start" "ledger"."account", "p_account_id" "uuid", "p_to_version" bigint, "p_to_time" timestamp with time zone) RETURNS "ledger"."account"
    LANGUAGE "plpgsql" STABLE
    AS $$
DECLARE
    v_state ledger.account := p_start;
    v_event ledger.events;
    v_last bigint := coalesce(p_to_version, 9223372036854775807);
BEGIN
    IF p_to_time IS NOT NULL THEN
        -- Without this bound the planner would read and sort every later event of the account.
        v_last := LEAST(v_last, coalesce(ledger.sequence_bound(p_account_id, p_to_time), v_last));
    END IF;
    FOR v_event IN
        SELECT e.*
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_account_id
          AND e.sequence_number > coalesce(p_start.version, 0)
          AND e.sequence_number <= v_last
        ORDER BY e.sequence_number
    LOOP
        EXIT WHEN v_event.occurred_at > p_to_time;
        v_state := ledger.account_apply(v_state, v_event);
    END LOOP;
    RETURN v_state;
END;
$$;


--
-- Name: FUNCTION "fold_after"("p_start" "ledger"."account", "p_account_id" "uuid", "p_to_version" bigint, "p_to_time" timestamp with time zone); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."fold_after"("p_start" "ledger"."account", "p_account_id" "uuid", "p_to_version" bigint, "p_to_time" timestamp with time zone) IS 'Folds an account''s events after a starting state (snapshot or NULL) up to a version and/or a time.';


--
-- Name: load_account("uuid"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."load_account"("p_account_id" "uuid") RETURNS SETOF "ledger"."account"
    LANGUAGE "plpgsql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_state ledger.account;
BEGIN
    v_state := ledger.fold_after(ledger.snapshot_before(p_account_id, NULL, NULL), p_account_id, NULL, NULL);
    IF v_state.version IS NOT NULL THEN
        RETURN NEXT v_state;
    END IF;
END;
$$;


--
-- Name: FUNCTION "load_account"("p_account_id" "uuid"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."load_account"("p_account_id" "uuid") IS 'Current state of an account from its latest snapshot plus the later events: one row, or none.';


--
-- Name: new_event("text", "jsonb", timestamp with time zone, "uuid", "jsonb"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."new_event"("p_event_type" "text", "p_payload" "jsonb", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") RETURNS "ledger"."events"
    LANGUAGE "plpgsql" STABLE PARALLEL SAFE
    AS $$
DECLARE
    v_event ledger.events;
BEGIN
    IF NOT pg_catalog.isfinite(p_occurred_at) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('events[0].occurred_at must be a finite time, got %s', p_occurred_at);
    END IF;
    v_event.event_type := p_event_type;
    v_event.event_version := 1;
    v_event.payload := p_payload;
    v_event.occurred_at := p_occurred_at;
    v_event.event_id := p_event_id;
    v_event.metadata := ledger.check_metadata(p_metadata, 'events[0].metadata');
    RETURN v_event;
END;
$$;


--
-- Name: FUNCTION "new_event"("p_event_type" "text", "p_payload" "jsonb", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."new_event"("p_event_type" "text", "p_payload" "jsonb", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") IS 'The unsaved event row a command passes to ledger.append_events. Raises LG005 on an infinite occurred_at or bad metadata.';


--
-- Name: open_account("uuid", "text", timestamp with time zone, "uuid", "jsonb"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."open_account"("p_account_id" "uuid", "p_owner_name" "text", "p_occurred_at" timestamp with time zone DEFAULT NULL::timestamp with time zone, "p_event_id" "uuid" DEFAULT NULL::"uuid", "p_metadata" "jsonb" DEFAULT NULL::"jsonb") RETURNS bigint
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    RETURN ledger.append_events(
        p_account_id,
        NULL,
        ARRAY[ledger.new_event(
            'AccountOpened',
            pg_catalog.jsonb_build_object('owner_name', ledger.check_owner_name(p_owner_name, 'events[0].payload.owner_name')),
            p_occurred_at, p_event_id, p_metadata)]);
END;
$$;


--
-- Name: FUNCTION "open_account"("p_account_id" "uuid", "p_owner_name" "text", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."open_account"("p_account_id" "uuid", "p_owner_name" "text", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") IS 'Opens an account (appends AccountOpened); returns the new version. Raises LG003, LG005, LG008.';


--
-- Name: parse_event("jsonb", integer); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."parse_event"("p_event" "jsonb", "p_index" integer) RETURNS "ledger"."events"
    LANGUAGE "plpgsql" STABLE PARALLEL SAFE
    AS $_$
DECLARE
    v_where text := 'events[' || p_index || ']';
    v_result ledger.events;
    v_payload jsonb;
    v_value jsonb;
    v_text text;
    v_amount numeric;
    v_key text;
BEGIN
    IF p_event IS NULL OR pg_catalog.jsonb_typeof(p_event) <> 'object' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be a JSON object, got %s',
                v_where, coalesce(pg_catalog.jsonb_typeof(p_event), 'nothing'));
    END IF;
    IF p_event - '{event_type,event_version,payload,occurred_at,event_id,metadata}'::text[]
        <> '{}'::jsonb THEN
        SELECT pg_catalog.min(k) INTO v_key
        FROM pg_catalog.jsonb_object_keys(
            p_event - '{event_type,event_version,payload,occurred_at,event_id,metadata}'::text[]
        ) AS k;
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s has an unknown field %I', v_where, v_key),
            HINT = 'An event has event_type and payload, and optionally event_version, occurred_at, event_id and metadata.';
    END IF;

    -- event_type
    v_value := p_event -> 'event_type';
    IF pg_catalog.jsonb_typeof(v_value) IS DISTINCT FROM 'string' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.event_type is required and must be a JSON string, got %s',
                v_where, coalesce(pg_catalog.jsonb_typeof(v_value), 'nothing'));
    END IF;
    v_result.event_type := v_value #>> '{}';
    IF v_result.event_type NOT IN ('AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.event_type %L is not a known event type',
                v_where, pg_catalog.left(v_result.event_type, 100)),
            HINT = 'Known event types: AccountOpened, MoneyDeposited, MoneyWithdrawn.';
    END IF;

    -- event_version: the payload schema version; every type is at version 1 today.
    v_value := p_event -> 'event_version';
    IF v_value IS NULL OR v_value = 'null'::jsonb THEN
        v_result.event_version := 1;
    ELSIF v_value <> '1'::jsonb THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.event_version must be 1 for %s, got %s',
                v_where, v_result.event_type, pg_catalog.left(v_value::text, 100));
    ELSE
        v_result.event_version := 1;
    END IF;

    -- payload
    v_payload := p_event -> 'payload';
    IF pg_catalog.jsonb_typeof(v_payload) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.payload is required and must be a JSON object, got %s',
                v_where, coalesce(pg_catalog.jsonb_typeof(v_payload), 'nothing'));
    END IF;
    IF v_result.event_type = 'AccountOpened' THEN
        IF v_payload - 'owner_name' <> '{}'::jsonb THEN
            SELECT pg_catalog.min(k) INTO v_key FROM pg_catalog.jsonb_object_keys(v_payload - 'owner_name') AS k;
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload has an unknown field %I', v_where, v_key),
                HINT = 'An AccountOpened payload has exactly one field: owner_name.';
        END IF;
        v_value := v_payload -> 'owner_name';
        IF pg_catalog.jsonb_typeof(v_value) IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload.owner_name is required and must be a JSON string, got %s',
                    v_where, coalesce(pg_catalog.jsonb_typeof(v_value), 'nothing'));
        END IF;
        PERFORM ledger.check_owner_name(v_value #>> '{}', v_where || '.payload.owner_name');
        v_result.payload := v_payload;
    ELSE
        IF v_payload - 'amount' <> '{}'::jsonb THEN
            SELECT pg_catalog.min(k) INTO v_key FROM pg_catalog.jsonb_object_keys(v_payload - 'amount') AS k;
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload has an unknown field %I', v_where, v_key),
                HINT = pg_catalog.format('A %s payload has exactly one field: amount.', v_result.event_type);
        END IF;
        v_value := v_payload -> 'amount';
        IF pg_catalog.jsonb_typeof(v_value) IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    '%s.payload.amount is required and must be a JSON string holding a decimal, got %s',
                    v_where, coalesce(pg_catalog.jsonb_typeof(v_value), 'nothing')),
                HINT = 'Money is sent as a decimal string such as "12.50", never as a JSON number (most JSON parsers read numbers as binary floats).';
        END IF;
        v_text := v_value #>> '{}';
        IF v_text !~ '^[+-]?[0-9]{1,40}(\.[0-9]{1,40})?$' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload.amount must be a decimal such as "12.50", got %L',
                    v_where, pg_catalog.left(v_text, 100));
        END IF;
        v_amount := ledger.check_amount(v_text::numeric, v_where || '.payload.amount');
        -- Canonical text: no sign, no leading zeros, the given scale kept ("007.50" -> "7.50").
        v_result.payload := pg_catalog.jsonb_build_object('amount', v_amount::text);
    END IF;

    -- occurred_at: optional; ISO 8601 with an explicit offset, at most microsecond precision.
    v_value := p_event -> 'occurred_at';
    IF v_value IS NOT NULL AND v_value <> 'null'::jsonb THEN
        IF pg_catalog.jsonb_typeof(v_value) <> 'string' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.occurred_at must be a JSON string, got %s',
                    v_where, pg_catalog.jsonb_typeof(v_value));
        END IF;
        v_text := v_value #>> '{}';
        IF v_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    '%s.occurred_at must be an ISO 8601 timestamp with a UTC offset, got %L',
                    v_where, pg_catalog.left(v_text, 100)),
                HINT = 'For example "2024-05-01T12:30:00+00:00" or "2024-05-01T12:30:00.123456Z"; a time without an offset is ambiguous and refused.';
        END IF;
        BEGIN
            v_result.occurred_at := v_text::timestamptz;
        EXCEPTION
            WHEN datetime_field_overflow OR invalid_datetime_format THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'LG005',
                    MESSAGE = pg_catalog.format('%s.occurred_at %L is not a valid date and time',
                        v_where, v_text);
        END;
    END IF;

    -- event_id: optional idempotency key.
    v_value := p_event -> 'event_id';
    IF v_value IS NOT NULL AND v_value <> 'null'::jsonb THEN
        IF pg_catalog.jsonb_typeof(v_value) <> 'string'
            OR (v_value #>> '{}') !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.event_id must be a UUID string, got %s',
                    v_where, pg_catalog.left(v_value::text, 100));
        END IF;
        v_result.event_id := (v_value #>> '{}')::uuid;
    END IF;

    -- metadata: optional JSON object of at most 64 KiB.
    v_result.metadata := ledger.check_metadata(p_event -> 'metadata', v_where || '.metadata');

    RETURN v_result;
END;
$_$;


--
-- Name: FUNCTION "parse_event"("p_event" "jsonb", "p_index" integer); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."parse_event"("p_event" "jsonb", "p_index" integer) IS 'Checks one event object given to ledger.append and returns it canonical, as an unsaved ledger.events row. Raises LG005 naming the offending field.';


--
-- Name: read_stream("uuid", bigint, integer); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."read_stream"("p_aggregate_id" "uuid", "p_after_version" bigint DEFAULT 0, "p_max_count" integer DEFAULT NULL::integer) RETURNS SETOF "ledger"."events"
    LANGUAGE "plpgsql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF p_after_version < 0 OR p_max_count < 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('after_version and max_count must not be negative, got %s and %s',
                p_after_version, p_max_count);
    END IF;
    RETURN QUERY
        SELECT e.*
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_aggregate_id
          AND e.sequence_number > coalesce(p_after_version, 0)
        ORDER BY e.sequence_number
        LIMIT p_max_count;
END;
$$;


--
-- Name: FUNCTION "read_stream"("p_aggregate_id" "uuid", "p_after_version" bigint, "p_max_count" integer); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."read_stream"("p_aggregate_id" "uuid", "p_after_version" bigint, "p_max_count" integer) IS 'Events of one account in sequence order after a version, at most max_count (NULL: all). Raises LG005 on negative arguments.';


--
-- Name: rebuild_snapshots("uuid"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."rebuild_snapshots"("p_account_id" "uuid" DEFAULT NULL::"uuid") RETURNS bigint
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_interval integer;
    v_account uuid;
    v_written bigint;
    v_total bigint := 0;
BEGIN
    SELECT s.snapshot_interval INTO v_interval FROM ledger.settings AS s;
    FOR v_account IN
        SELECT a.account_id
        FROM ledger.accounts AS a
        WHERE p_account_id IS NULL OR a.account_id = p_account_id
        ORDER BY a.account_id
        FOR UPDATE
    LOOP
        DELETE FROM ledger.account_snapshots AS s WHERE s.account_id = v_account;
        INSERT INTO ledger.account_snapshots (account_id, sequence_number, owner_name, balance, opened_at, occurred_at)
        SELECT (r.state).account_id, (r.state).version, (r.state).owner_name, (r.state).balance,
               (r.state).opened_at, (r.state).last_event_at
        FROM (
            SELECT e.sequence_number,
                   ledger.account_fold(e) OVER (ORDER BY e.sequence_number) AS state
            FROM ledger.events AS e
            WHERE e.aggregate_id = v_account
        ) AS r
        WHERE r.sequence_number % v_interval = 0;
        GET DIAGNOSTICS v_written = ROW_COUNT;
        v_total := v_total + v_written;
    END LOOP;
    RETURN v_total;
END;
$$;


--
-- Name: FUNCTION "rebuild_snapshots"("p_account_id" "uuid"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."rebuild_snapshots"("p_account_id" "uuid") IS 'Recomputes the snapshots of one account (NULL: all) from the full history; returns how many were written.';


--
-- Name: refuse_history_change(); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."refuse_history_change"() RETURNS "trigger"
    LANGUAGE "plpgsql"
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'LG007',
        MESSAGE = pg_catalog.format('%s on ledger.events is refused: the event history is append-only', TG_OP),
        HINT = 'Correct a mistake by appending a compensating event (for example MoneyDeposited after a wrong MoneyWithdrawn).';
END;
$$;


--
-- Name: FUNCTION "refuse_history_change"(); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."refuse_history_change"() IS 'Trigger: refuses UPDATE, DELETE and TRUNCATE on ledger.events with LG007.';


--
-- Name: replay("uuid"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."replay"("p_account_id" "uuid") RETURNS SETOF "ledger"."account"
    LANGUAGE "sql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT (f.state).*
    FROM (
        SELECT ledger.account_fold(e ORDER BY e.sequence_number) AS state
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_account_id
    ) AS f
    WHERE (f.state).version IS NOT NULL;
$$;


--
-- Name: FUNCTION "replay"("p_account_id" "uuid"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."replay"("p_account_id" "uuid") IS 'State of an account folded from its full event history (no projection, no snapshot): one row, or none.';


--
-- Name: sequence_bound("uuid", timestamp with time zone); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."sequence_bound"("p_account_id" "uuid", "p_at" timestamp with time zone) RETURNS bigint
    LANGUAGE "sql" STABLE PARALLEL SAFE
    AS $$
    SELECT s.sequence_number - 1
    FROM ledger.account_snapshots AS s
    WHERE s.account_id = p_account_id
      AND s.occurred_at > p_at
    ORDER BY s.occurred_at, s.sequence_number
    LIMIT 1;
$$;


--
-- Name: FUNCTION "sequence_bound"("p_account_id" "uuid", "p_at" timestamp with time zone); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."sequence_bound"("p_account_id" "uuid", "p_at" timestamp with time zone) IS 'Upper bound (from the snapshots) on the sequence numbers of an account''s events at or before a time; NULL: none known.';


--
-- Name: set_snapshot_interval(integer); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."set_snapshot_interval"("p_interval" integer) RETURNS integer
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_previous integer;
BEGIN
    IF p_interval IS NULL OR p_interval NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('snapshot interval must be between 1 and 1000000, got %s',
                coalesce(p_interval::text, 'NULL'));
    END IF;
    SELECT s.snapshot_interval INTO v_previous FROM ledger.settings AS s FOR UPDATE;
    UPDATE ledger.settings SET snapshot_interval = p_interval;
    PERFORM ledger.define_snapshot_trigger();
    RETURN v_previous;
END;
$$;


--
-- Name: FUNCTION "set_snapshot_interval"("p_interval" integer); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."set_snapshot_interval"("p_interval" integer) IS 'Sets the number of events between snapshots; returns the previous value. Raises LG005 outside 1..1000000.';


--
-- Name: snapshot_before("uuid", bigint, timestamp with time zone); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."snapshot_before"("p_account_id" "uuid", "p_version" bigint, "p_at" timestamp with time zone) RETURNS "ledger"."account"
    LANGUAGE "plpgsql" STABLE
    AS $$
DECLARE
    v_state ledger.account;
BEGIN
    IF p_at IS NULL THEN
        SELECT s.account_id, s.owner_name, s.balance, s.sequence_number, s.opened_at, s.occurred_at
        INTO v_state
        FROM ledger.account_snapshots AS s
        WHERE s.account_id = p_account_id
          AND s.sequence_number <= coalesce(p_version, 9223372036854775807)
        ORDER BY s.sequence_number DESC
        LIMIT 1;
    ELSE
        SELECT s.account_id, s.owner_name, s.balance, s.sequence_number, s.opened_at, s.occurred_at
        INTO v_state
        FROM ledger.account_snapshots AS s
        WHERE s.account_id = p_account_id
          AND s.occurred_at <= p_at
          AND s.sequence_number <= coalesce(p_version, 9223372036854775807)
        ORDER BY s.occurred_at DESC, s.sequence_number DESC
        LIMIT 1;
    END IF;
    RETURN v_state;
END;
$$;


--
-- Name: FUNCTION "snapshot_before"("p_account_id" "uuid", "p_version" bigint, "p_at" timestamp with time zone); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."snapshot_before"("p_account_id" "uuid", "p_version" bigint, "p_at" timestamp with time zone) IS 'Latest snapshot of an account at or before a sequence number and/or a time; NULL when none.';


--
-- Name: stats(); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."stats"() RETURNS TABLE("accounts" bigint, "events" bigint, "snapshots" bigint, "snapshot_interval" integer)
    LANGUAGE "sql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT (SELECT pg_catalog.count(*) FROM ledger.accounts),
           (SELECT pg_catalog.count(*) FROM ledger.events),
           (SELECT pg_catalog.count(*) FROM ledger.account_snapshots),
           (SELECT s.snapshot_interval FROM ledger.settings AS s);
$$;


--
-- Name: FUNCTION "stats"(); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."stats"() IS 'Counts of accounts, events and snapshots, and the snapshot interval.';


--
-- Name: store_projection("ledger"."account", bigint); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."store_projection"("p_state" "ledger"."account", "p_previous_version" bigint) RETURNS boolean
    LANGUAGE "plpgsql"
    AS $$
BEGIN
    IF p_previous_version IS NULL THEN
        INSERT INTO ledger.accounts (account_id, owner_name, balance, version, opened_at, last_event_at)
        VALUES (p_state.account_id, p_state.owner_name, p_state.balance, p_state.version,
                p_state.opened_at, p_state.last_event_at)
        ON CONFLICT (account_id) DO NOTHING;
    ELSE
        UPDATE ledger.accounts AS a
        SET owner_name = p_state.owner_name,
            balance = p_state.balance,
            version = p_state.version,
            last_event_at = p_state.last_event_at
        WHERE a.account_id = p_state.account_id
          AND a.version = p_previous_version;
    END IF;
    RETURN FOUND;
END;
$$;


--
-- Name: FUNCTION "store_projection"("p_state" "ledger"."account", "p_previous_version" bigint); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."store_projection"("p_state" "ledger"."account", "p_previous_version" bigint) IS 'Compare-and-set of a projection row for ledger.append: insert when previous_version is NULL, else update if still at it; false if another writer won.';


--
-- Name: stored_batch_version("uuid", "ledger"."events"[]); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."stored_batch_version"("p_aggregate_id" "uuid", "p_events" "ledger"."events"[]) RETURNS bigint
    LANGUAGE "plpgsql" STABLE
    AS $$
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
        SELECT s.* INTO v_stored FROM ledger.events AS s WHERE s.event_id = v_given.event_id;
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
                   s, p_aggregate_id, n.event_type, n.event_version, n.payload, n.occurred_at)),
               pg_catalog.count(DISTINCT s.sequence_number - n.ordinality),
               pg_catalog.max(s.sequence_number),
               pg_catalog.min(s.event_id::text)::uuid
        INTO v_found, v_all_same, v_offsets, v_last, v_example
        FROM pg_catalog.unnest(p_events) WITH ORDINALITY AS n
        JOIN ledger.events AS s ON s.event_id = n.event_id;
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
$$;


--
-- Name: FUNCTION "stored_batch_version"("p_aggregate_id" "uuid", "p_events" "ledger"."events"[]); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."stored_batch_version"("p_aggregate_id" "uuid", "p_events" "ledger"."events"[]) IS 'Idempotency check of ledger.append: NULL when the batch is new, the original version when the very same batch is stored, LG008 otherwise.';


--
-- Name: take_snapshot(); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."take_snapshot"() RETURNS "trigger"
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    INSERT INTO ledger.account_snapshots (account_id, sequence_number, owner_name, balance, opened_at, occurred_at)
    VALUES (NEW.account_id, NEW.version, NEW.owner_name, NEW.balance, NEW.opened_at, NEW.last_event_at)
    ON CONFLICT (account_id, sequence_number) DO NOTHING;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION "take_snapshot"(); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."take_snapshot"() IS 'Trigger: copies a projection row at a snapshot boundary into ledger.account_snapshots.';


--
-- Name: transfer("uuid", "uuid", numeric, timestamp with time zone, "uuid", "jsonb"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."transfer"("p_from" "uuid", "p_to" "uuid", "p_amount" numeric, "p_occurred_at" timestamp with time zone DEFAULT NULL::timestamp with time zone, "p_transfer_id" "uuid" DEFAULT NULL::"uuid", "p_metadata" "jsonb" DEFAULT NULL::"jsonb") RETURNS TABLE("from_version" bigint, "to_version" bigint)
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_transfer uuid := coalesce(p_transfer_id, pg_catalog.gen_random_uuid());
    v_payload jsonb;
    v_out ledger.events;
    v_in ledger.events;
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_from = p_to THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('a transfer needs two different accounts, got %s and %s',
                coalesce(p_from::text, 'NULL'), coalesce(p_to::text, 'NULL'));
    END IF;
    v_payload := pg_catalog.jsonb_build_object(
        'amount', ledger.check_amount(p_amount, 'events[0].payload.amount')::text);
    v_out := ledger.new_event(
        'MoneyWithdrawn', v_payload, p_occurred_at,
        ledger.derived_event_id(v_transfer, 'withdrawal'),
        ledger.check_metadata(p_metadata, 'events[0].metadata')
        || pg_catalog.jsonb_build_object('transfer_id', v_transfer, 'counterparty', p_to));
    v_in := ledger.new_event(
        'MoneyDeposited', v_payload, p_occurred_at,
        ledger.derived_event_id(v_transfer, 'deposit'),
        ledger.check_metadata(p_metadata, 'events[0].metadata')
        || pg_catalog.jsonb_build_object('transfer_id', v_transfer, 'counterparty', p_from));
    IF p_from < p_to THEN
        from_version := ledger.append_events(p_from, NULL, ARRAY[v_out]);
        to_version := ledger.append_events(p_to, NULL, ARRAY[v_in]);
    ELSE
        to_version := ledger.append_events(p_to, NULL, ARRAY[v_in]);
        from_version := ledger.append_events(p_from, NULL, ARRAY[v_out]);
    END IF;
    RETURN NEXT;
END;
$$;


--
-- Name: FUNCTION "transfer"("p_from" "uuid", "p_to" "uuid", "p_amount" numeric, "p_occurred_at" timestamp with time zone, "p_transfer_id" "uuid", "p_metadata" "jsonb"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."transfer"("p_from" "uuid", "p_to" "uuid", "p_amount" numeric, "p_occurred_at" timestamp with time zone, "p_transfer_id" "uuid", "p_metadata" "jsonb") IS 'Moves money between two accounts atomically (MoneyWithdrawn + MoneyDeposited), deadlock-free and idempotent by transfer_id. Raises LG002, LG004, LG005, LG006, LG008.';


--
-- Name: verify(); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."verify"() RETURNS TABLE("account_id" "uuid", "projection" "ledger"."account", "replayed" "ledger"."account")
    LANGUAGE "sql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT coalesce(a.account_id, r.aggregate_id),
           CASE WHEN a.account_id IS NOT NULL THEN
               ROW(a.account_id, a.owner_name, a.balance, a.version, a.opened_at,
                   a.last_event_at)::ledger.account
           END,
           r.state
    FROM ledger.accounts AS a
    FULL JOIN (
        SELECT e.aggregate_id, ledger.account_fold(e ORDER BY e.sequence_number) AS state
        FROM ledger.events AS e
        GROUP BY e.aggregate_id
    ) AS r ON r.aggregate_id = a.account_id
    WHERE r.aggregate_id IS NULL
       OR a.account_id IS NULL
       OR ROW(a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at)::ledger.account
          IS DISTINCT FROM r.state;
$$;


--
-- Name: FUNCTION "verify"(); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."verify"() IS 'Replays every account and returns those whose replay differs from the projection; no rows = equivalent.';


--
-- Name: verify_batch("uuid", integer); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."verify_batch"("p_after" "uuid", "p_max_count" integer) RETURNS TABLE("account_id" "uuid", "equal" boolean, "projection" "ledger"."account", "replayed" "ledger"."account")
    LANGUAGE "plpgsql" STABLE SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF p_max_count IS NULL OR p_max_count < 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('max_count must be 1 or more, got %s', coalesce(p_max_count::text, 'NULL'));
    END IF;
    RETURN QUERY
    WITH RECURSIVE event_ids (id, n) AS (
        -- The distinct aggregate ids of the event store after p_after, one index probe each.
        SELECT (SELECT e.aggregate_id FROM ledger.events AS e
                WHERE p_after IS NULL OR e.aggregate_id > p_after
                ORDER BY e.aggregate_id LIMIT 1), 1
        UNION ALL
        SELECT (SELECT e.aggregate_id FROM ledger.events AS e
                WHERE e.aggregate_id > i.id
                ORDER BY e.aggregate_id LIMIT 1), i.n + 1
        FROM event_ids AS i
        WHERE i.id IS NOT NULL AND i.n < p_max_count
    ),
    page AS (
        SELECT u.id
        FROM (
            SELECT i.id FROM event_ids AS i WHERE i.id IS NOT NULL
            UNION
            (SELECT a.account_id FROM ledger.accounts AS a
             WHERE p_after IS NULL OR a.account_id > p_after
             ORDER BY a.account_id LIMIT p_max_count)
        ) AS u
        ORDER BY u.id
        LIMIT p_max_count
    ),
    checked AS (
        SELECT p.id,
               (SELECT ROW(a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at)::ledger.account
                FROM ledger.accounts AS a WHERE a.account_id = p.id) AS projection,
               (SELECT ledger.account_fold(e ORDER BY e.sequence_number)
                FROM ledger.events AS e WHERE e.aggregate_id = p.id) AS replayed
        FROM page AS p
    )
    SELECT c.id, c.projection IS NOT DISTINCT FROM c.replayed, c.projection, c.replayed
    FROM checked AS c
    ORDER BY c.id;
END;
$$;


--
-- Name: FUNCTION "verify_batch"("p_after" "uuid", "p_max_count" integer); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."verify_batch"("p_after" "uuid", "p_max_count" integer) IS 'One page of ledger.verify: the next accounts after an id, each with whether replay equals projection. Raises LG005 on max_count < 1.';


--
-- Name: withdraw("uuid", numeric, bigint, timestamp with time zone, "uuid", "jsonb"); Type: FUNCTION; Schema: ledger; Owner: -
--

CREATE FUNCTION "ledger"."withdraw"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint DEFAULT NULL::bigint, "p_occurred_at" timestamp with time zone DEFAULT NULL::timestamp with time zone, "p_event_id" "uuid" DEFAULT NULL::"uuid", "p_metadata" "jsonb" DEFAULT NULL::"jsonb") RETURNS bigint
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    RETURN ledger.append_events(
        p_account_id,
        p_expected_version,
        ARRAY[ledger.new_event(
            'MoneyWithdrawn',
            pg_catalog.jsonb_build_object('amount', ledger.check_amount(p_amount, 'events[0].payload.amount')::text),
            p_occurred_at, p_event_id, p_metadata)]);
END;
$$;


--
-- Name: FUNCTION "withdraw"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON FUNCTION "ledger"."withdraw"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") IS 'Withdraws money (appends MoneyWithdrawn); returns the new version. Raises LG001, LG002, LG004, LG005, LG006, LG008.';


--
-- Name: account_fold("ledger"."events"); Type: AGGREGATE; Schema: ledger; Owner: -
--

CREATE AGGREGATE "ledger"."account_fold"("ledger"."events") (
    SFUNC = "ledger"."account_apply",
    STYPE = "ledger"."account"
);


--
-- Name: AGGREGATE "account_fold"("ledger"."events"); Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON AGGREGATE "ledger"."account_fold"("ledger"."events") IS 'Fold of an account''s events into its state. Call with ORDER BY sequence_number; NULL over no events.';


--
-- Name: account_snapshots; Type: TABLE; Schema: ledger; Owner: -
--

CREATE TABLE "ledger"."account_snapshots" (
    "account_id" "uuid" NOT NULL,
    "sequence_number" bigint NOT NULL,
    "owner_name" "text" NOT NULL,
    "balance" numeric NOT NULL,
    "opened_at" timestamp with time zone NOT NULL,
    "occurred_at" timestamp with time zone NOT NULL,
    "taken_at" timestamp with time zone DEFAULT "clock_timestamp"() NOT NULL,
    CONSTRAINT "account_snapshots_balance_check" CHECK (("balance" >= (0)::numeric)),
    CONSTRAINT "account_snapshots_sequence_number_check" CHECK (("sequence_number" >= 1))
);


--
-- Name: TABLE "account_snapshots"; Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON TABLE "ledger"."account_snapshots" IS 'Account state after every Nth event (derived; maintained by a trigger on ledger.accounts, rebuilt by ledger.rebuild_snapshots).';


--
-- Name: accounts; Type: TABLE; Schema: ledger; Owner: -
--

CREATE TABLE "ledger"."accounts" (
    "account_id" "uuid" NOT NULL,
    "owner_name" "text" NOT NULL,
    "balance" numeric NOT NULL,
    "version" bigint NOT NULL,
    "opened_at" timestamp with time zone NOT NULL,
    "last_event_at" timestamp with time zone NOT NULL,
    CONSTRAINT "accounts_balance_check" CHECK ((("balance" >= (0)::numeric) AND ("scale"("balance") = 2))),
    CONSTRAINT "accounts_owner_name_check" CHECK ((("char_length"("owner_name") >= 1) AND ("char_length"("owner_name") <= 200))),
    CONSTRAINT "accounts_time_check" CHECK (("opened_at" <= "last_event_at")),
    CONSTRAINT "accounts_version_check" CHECK (("version" >= 1))
)
WITH ("fillfactor"='80');


--
-- Name: TABLE "accounts"; Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON TABLE "ledger"."accounts" IS 'Current state of every account (projection of ledger.events), maintained by ledger.append.';


--
-- Name: events_id_seq; Type: SEQUENCE; Schema: ledger; Owner: -
--

ALTER TABLE "ledger"."events" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME "ledger"."events_id_seq"
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: schema_migrations; Type: TABLE; Schema: ledger; Owner: -
--

CREATE TABLE "ledger"."schema_migrations" (
    "version" "text" NOT NULL,
    "name" "text" NOT NULL,
    "checksum" "text" NOT NULL,
    "applied_at" timestamp with time zone DEFAULT "now"() NOT NULL
);


--
-- Name: TABLE "schema_migrations"; Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON TABLE "ledger"."schema_migrations" IS 'One row per applied file of db/migrations, with the SHA-256 of its text when it was applied.';


--
-- Name: settings; Type: TABLE; Schema: ledger; Owner: -
--

CREATE TABLE "ledger"."settings" (
    "singleton" boolean DEFAULT true NOT NULL,
    "snapshot_interval" integer DEFAULT 100 NOT NULL,
    CONSTRAINT "settings_singleton_check" CHECK ("singleton"),
    CONSTRAINT "settings_snapshot_interval_check" CHECK ((("snapshot_interval" >= 1) AND ("snapshot_interval" <= 1000000)))
);


--
-- Name: TABLE "settings"; Type: COMMENT; Schema: ledger; Owner: -
--

COMMENT ON TABLE "ledger"."settings" IS 'pgledger settings, one row. Change with the ledger functions (ledger.set_snapshot_interval).';


--
-- Data for Name: account_snapshots; Type: TABLE DATA; Schema: ledger; Owner: -
--

COPY "ledger"."account_snapshots" ("account_id", "sequence_number", "owner_name", "balance", "opened_at", "occurred_at", "taken_at") FROM stdin;
00000000-0000-4000-8000-00000000000a	100	Ada Lovelace	5841.00	2026-11-27 18:04:04.647309+00	2026-11-27 18:04:05.053957+00	2026-11-27 18:04:05.055294+00
\.


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: ledger; Owner: -
--

COPY "ledger"."accounts" ("account_id", "owner_name", "balance", "version", "opened_at", "last_event_at") FROM stdin;
00000000-0000-4000-8000-00000000000a	Ada Lovelace	8232.75	123	2026-11-27 18:04:04.647309+00	2026-11-27 18:04:05.147923+00
00000000-0000-4000-8000-00000000000b	Charles Babbage	100.00	2	2026-11-27 18:04:04.666374+00	2026-11-27 18:04:05.14881+00
00000000-0000-4000-8000-00000000000c	Grace Hopper	0.00	1	2026-11-27 18:04:05.15385+00	2026-11-27 18:04:05.15385+00
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: ledger; Owner: -
--

COPY "ledger"."events" ("id", "event_id", "aggregate_id", "sequence_number", "event_type", "event_version", "payload", "metadata", "occurred_at", "recorded_at", "transaction_id") FROM stdin;
1	a369557e-d352-41f5-85c9-762e819fe8a6	00000000-0000-4000-8000-00000000000a	1	AccountOpened	1	{"owner_name": "Ada Lovelace"}	{}	2026-11-27 18:04:04.647309+00	2026-11-27 18:04:04.647309+00	731
2	70ceb5b1-c7b5-4048-bd60-43b2d6634780	00000000-0000-4000-8000-00000000000b	1	AccountOpened	1	{"owner_name": "Charles Babbage"}	{}	2026-11-27 18:04:04.666374+00	2026-11-27 18:04:04.666374+00	732
3	00000000-0000-0000-0000-000000000001	00000000-0000-4000-8000-00000000000a	2	MoneyDeposited	1	{"amount": "10.00"}	{}	2026-11-27 18:04:04.671214+00	2026-11-27 18:04:04.671214+00	733
4	00000000-0000-0000-0000-000000000002	00000000-0000-4000-8000-00000000000a	3	MoneyDeposited	1	{"amount": "11.00"}	{}	2026-11-27 18:04:04.682136+00	2026-11-27 18:04:04.682136+00	734
5	00000000-0000-0000-0000-000000000003	00000000-0000-4000-8000-00000000000a	4	MoneyDeposited	1	{"amount": "12.00"}	{}	2026-11-27 18:04:04.684811+00	2026-11-27 18:04:04.684811+00	735
6	00000000-0000-0000-0000-000000000004	00000000-0000-4000-8000-00000000000a	5	MoneyDeposited	1	{"amount": "13.00"}	{}	2026-11-27 18:04:04.687618+00	2026-11-27 18:04:04.687618+00	736
7	00000000-0000-0000-0000-000000000005	00000000-0000-4000-8000-00000000000a	6	MoneyDeposited	1	{"amount": "14.00"}	{}	2026-11-27 18:04:04.697952+00	2026-11-27 18:04:04.697952+00	737
8	00000000-0000-0000-0000-000000000006	00000000-0000-4000-8000-00000000000a	7	MoneyDeposited	1	{"amount": "15.00"}	{}	2026-11-27 18:04:04.70186+00	2026-11-27 18:04:04.70186+00	738
9	00000000-0000-0000-0000-000000000007	00000000-0000-4000-8000-00000000000a	8	MoneyDeposited	1	{"amount": "16.00"}	{}	2026-11-27 18:04:04.705891+00	2026-11-27 18:04:04.705891+00	739
10	00000000-0000-0000-0000-000000000008	00000000-0000-4000-8000-00000000000a	9	MoneyDeposited	1	{"amount": "17.00"}	{}	2026-11-27 18:04:04.710151+00	2026-11-27 18:04:04.710151+00	740
11	00000000-0000-0000-0000-000000000009	00000000-0000-4000-8000-00000000000a	10	MoneyDeposited	1	{"amount": "18.00"}	{}	2026-11-27 18:04:04.713817+00	2026-11-27 18:04:04.713817+00	741
12	00000000-0000-0000-0000-00000000000a	00000000-0000-4000-8000-00000000000a	11	MoneyDeposited	1	{"amount": "19.00"}	{}	2026-11-27 18:04:04.71768+00	2026-11-27 18:04:04.71768+00	742
13	00000000-0000-0000-0000-00000000000b	00000000-0000-4000-8000-00000000000a	12	MoneyDeposited	1	{"amount": "20.00"}	{}	2026-11-27 18:04:04.719088+00	2026-11-27 18:04:04.719088+00	743
14	00000000-0000-0000-0000-00000000000c	00000000-0000-4000-8000-00000000000a	13	MoneyDeposited	1	{"amount": "21.00"}	{}	2026-11-27 18:04:04.721435+00	2026-11-27 18:04:04.721435+00	744
15	00000000-0000-0000-0000-00000000000d	00000000-0000-4000-8000-00000000000a	14	MoneyDeposited	1	{"amount": "22.00"}	{}	2026-11-27 18:04:04.725731+00	2026-11-27 18:04:04.725731+00	745
16	00000000-0000-0000-0000-00000000000e	00000000-0000-4000-8000-00000000000a	15	MoneyDeposited	1	{"amount": "23.00"}	{}	2026-11-27 18:04:04.729723+00	2026-11-27 18:04:04.729723+00	746
17	00000000-0000-0000-0000-00000000000f	00000000-0000-4000-8000-00000000000a	16	MoneyDeposited	1	{"amount": "24.00"}	{}	2026-11-27 18:04:04.733795+00	2026-11-27 18:04:04.733795+00	747
18	00000000-0000-0000-0000-000000000010	00000000-0000-4000-8000-00000000000a	17	MoneyDeposited	1	{"amount": "25.00"}	{}	2026-11-27 18:04:04.737741+00	2026-11-27 18:04:04.737741+00	748
19	00000000-0000-0000-0000-000000000011	00000000-0000-4000-8000-00000000000a	18	MoneyDeposited	1	{"amount": "26.00"}	{}	2026-11-27 18:04:04.74173+00	2026-11-27 18:04:04.74173+00	749
20	00000000-0000-0000-0000-000000000012	00000000-0000-4000-8000-00000000000a	19	MoneyDeposited	1	{"amount": "27.00"}	{}	2026-11-27 18:04:04.745739+00	2026-11-27 18:04:04.745739+00	750
21	00000000-0000-0000-0000-000000000013	00000000-0000-4000-8000-00000000000a	20	MoneyDeposited	1	{"amount": "28.00"}	{}	2026-11-27 18:04:04.749707+00	2026-11-27 18:04:04.749707+00	751
22	00000000-0000-0000-0000-000000000014	00000000-0000-4000-8000-00000000000a	21	MoneyDeposited	1	{"amount": "29.00"}	{}	2026-11-27 18:04:04.757696+00	2026-11-27 18:04:04.757696+00	752
23	00000000-0000-0000-0000-000000000015	00000000-0000-4000-8000-00000000000a	22	MoneyDeposited	1	{"amount": "30.00"}	{}	2026-11-27 18:04:04.761552+00	2026-11-27 18:04:04.761552+00	753
24	00000000-0000-0000-0000-000000000016	00000000-0000-4000-8000-00000000000a	23	MoneyDeposited	1	{"amount": "31.00"}	{}	2026-11-27 18:04:04.765626+00	2026-11-27 18:04:04.765626+00	754
25	00000000-0000-0000-0000-000000000017	00000000-0000-4000-8000-00000000000a	24	MoneyDeposited	1	{"amount": "32.00"}	{}	2026-11-27 18:04:04.769846+00	2026-11-27 18:04:04.769846+00	755
26	00000000-0000-0000-0000-000000000018	00000000-0000-4000-8000-00000000000a	25	MoneyDeposited	1	{"amount": "33.00"}	{}	2026-11-27 18:04:04.773554+00	2026-11-27 18:04:04.773554+00	756
27	00000000-0000-0000-0000-000000000019	00000000-0000-4000-8000-00000000000a	26	MoneyDeposited	1	{"amount": "34.00"}	{}	2026-11-27 18:04:04.777721+00	2026-11-27 18:04:04.777721+00	757
28	00000000-0000-0000-0000-00000000001a	00000000-0000-4000-8000-00000000000a	27	MoneyDeposited	1	{"amount": "35.00"}	{}	2026-11-27 18:04:04.78161+00	2026-11-27 18:04:04.78161+00	758
29	00000000-0000-0000-0000-00000000001b	00000000-0000-4000-8000-00000000000a	28	MoneyDeposited	1	{"amount": "36.00"}	{}	2026-11-27 18:04:04.783444+00	2026-11-27 18:04:04.783444+00	759
30	00000000-0000-0000-0000-00000000001c	00000000-0000-4000-8000-00000000000a	29	MoneyDeposited	1	{"amount": "37.00"}	{}	2026-11-27 18:04:04.785438+00	2026-11-27 18:04:04.785438+00	760
31	00000000-0000-0000-0000-00000000001d	00000000-0000-4000-8000-00000000000a	30	MoneyDeposited	1	{"amount": "38.00"}	{}	2026-11-27 18:04:04.78964+00	2026-11-27 18:04:04.78964+00	761
32	00000000-0000-0000-0000-00000000001e	00000000-0000-4000-8000-00000000000a	31	MoneyDeposited	1	{"amount": "39.00"}	{}	2026-11-27 18:04:04.793903+00	2026-11-27 18:04:04.793903+00	762
33	00000000-0000-0000-0000-00000000001f	00000000-0000-4000-8000-00000000000a	32	MoneyDeposited	1	{"amount": "40.00"}	{}	2026-11-27 18:04:04.797537+00	2026-11-27 18:04:04.797537+00	763
34	00000000-0000-0000-0000-000000000020	00000000-0000-4000-8000-00000000000a	33	MoneyDeposited	1	{"amount": "41.00"}	{}	2026-11-27 18:04:04.800304+00	2026-11-27 18:04:04.800304+00	764
35	00000000-0000-0000-0000-000000000021	00000000-0000-4000-8000-00000000000a	34	MoneyDeposited	1	{"amount": "42.00"}	{}	2026-11-27 18:04:04.805567+00	2026-11-27 18:04:04.805567+00	765
36	00000000-0000-0000-0000-000000000022	00000000-0000-4000-8000-00000000000a	35	MoneyDeposited	1	{"amount": "43.00"}	{}	2026-11-27 18:04:04.809486+00	2026-11-27 18:04:04.809486+00	766
37	00000000-0000-0000-0000-000000000023	00000000-0000-4000-8000-00000000000a	36	MoneyDeposited	1	{"amount": "44.00"}	{}	2026-11-27 18:04:04.813536+00	2026-11-27 18:04:04.813536+00	767
38	00000000-0000-0000-0000-000000000024	00000000-0000-4000-8000-00000000000a	37	MoneyDeposited	1	{"amount": "45.00"}	{}	2026-11-27 18:04:04.817501+00	2026-11-27 18:04:04.817501+00	768
39	00000000-0000-0000-0000-000000000025	00000000-0000-4000-8000-00000000000a	38	MoneyDeposited	1	{"amount": "46.00"}	{}	2026-11-27 18:04:04.819802+00	2026-11-27 18:04:04.819802+00	769
40	00000000-0000-0000-0000-000000000026	00000000-0000-4000-8000-00000000000a	39	MoneyDeposited	1	{"amount": "47.00"}	{}	2026-11-27 18:04:04.829657+00	2026-11-27 18:04:04.829657+00	770
41	00000000-0000-0000-0000-000000000027	00000000-0000-4000-8000-00000000000a	40	MoneyDeposited	1	{"amount": "48.00"}	{}	2026-11-27 18:04:04.835467+00	2026-11-27 18:04:04.835467+00	771
42	00000000-0000-0000-0000-000000000028	00000000-0000-4000-8000-00000000000a	41	MoneyDeposited	1	{"amount": "49.00"}	{}	2026-11-27 18:04:04.841717+00	2026-11-27 18:04:04.841717+00	772
43	00000000-0000-0000-0000-000000000029	00000000-0000-4000-8000-00000000000a	42	MoneyDeposited	1	{"amount": "50.00"}	{}	2026-11-27 18:04:04.845625+00	2026-11-27 18:04:04.845625+00	773
44	00000000-0000-0000-0000-00000000002a	00000000-0000-4000-8000-00000000000a	43	MoneyDeposited	1	{"amount": "51.00"}	{}	2026-11-27 18:04:04.849625+00	2026-11-27 18:04:04.849625+00	774
45	00000000-0000-0000-0000-00000000002b	00000000-0000-4000-8000-00000000000a	44	MoneyDeposited	1	{"amount": "52.00"}	{}	2026-11-27 18:04:04.853597+00	2026-11-27 18:04:04.853597+00	775
46	00000000-0000-0000-0000-00000000002c	00000000-0000-4000-8000-00000000000a	45	MoneyDeposited	1	{"amount": "53.00"}	{}	2026-11-27 18:04:04.854848+00	2026-11-27 18:04:04.854848+00	776
47	00000000-0000-0000-0000-00000000002d	00000000-0000-4000-8000-00000000000a	46	MoneyDeposited	1	{"amount": "54.00"}	{}	2026-11-27 18:04:04.855818+00	2026-11-27 18:04:04.855818+00	777
48	00000000-0000-0000-0000-00000000002e	00000000-0000-4000-8000-00000000000a	47	MoneyDeposited	1	{"amount": "55.00"}	{}	2026-11-27 18:04:04.856713+00	2026-11-27 18:04:04.856713+00	778
49	00000000-0000-0000-0000-00000000002f	00000000-0000-4000-8000-00000000000a	48	MoneyDeposited	1	{"amount": "56.00"}	{}	2026-11-27 18:04:04.85782+00	2026-11-27 18:04:04.85782+00	779
50	00000000-0000-0000-0000-000000000030	00000000-0000-4000-8000-00000000000a	49	MoneyDeposited	1	{"amount": "57.00"}	{}	2026-11-27 18:04:04.86592+00	2026-11-27 18:04:04.86592+00	780
51	00000000-0000-0000-0000-000000000031	00000000-0000-4000-8000-00000000000a	50	MoneyDeposited	1	{"amount": "58.00"}	{}	2026-11-27 18:04:04.869662+00	2026-11-27 18:04:04.869662+00	781
52	00000000-0000-0000-0000-000000000032	00000000-0000-4000-8000-00000000000a	51	MoneyDeposited	1	{"amount": "59.00"}	{}	2026-11-27 18:04:04.873587+00	2026-11-27 18:04:04.873587+00	782
53	00000000-0000-0000-0000-000000000033	00000000-0000-4000-8000-00000000000a	52	MoneyDeposited	1	{"amount": "60.00"}	{}	2026-11-27 18:04:04.877609+00	2026-11-27 18:04:04.877609+00	783
54	00000000-0000-0000-0000-000000000034	00000000-0000-4000-8000-00000000000a	53	MoneyDeposited	1	{"amount": "61.00"}	{}	2026-11-27 18:04:04.881621+00	2026-11-27 18:04:04.881621+00	784
55	00000000-0000-0000-0000-000000000035	00000000-0000-4000-8000-00000000000a	54	MoneyDeposited	1	{"amount": "62.00"}	{}	2026-11-27 18:04:04.885594+00	2026-11-27 18:04:04.885594+00	785
56	00000000-0000-0000-0000-000000000036	00000000-0000-4000-8000-00000000000a	55	MoneyDeposited	1	{"amount": "63.00"}	{}	2026-11-27 18:04:04.889616+00	2026-11-27 18:04:04.889616+00	786
57	00000000-0000-0000-0000-000000000037	00000000-0000-4000-8000-00000000000a	56	MoneyDeposited	1	{"amount": "64.00"}	{}	2026-11-27 18:04:04.894034+00	2026-11-27 18:04:04.894034+00	787
58	00000000-0000-0000-0000-000000000038	00000000-0000-4000-8000-00000000000a	57	MoneyDeposited	1	{"amount": "65.00"}	{}	2026-11-27 18:04:04.897717+00	2026-11-27 18:04:04.897717+00	788
59	00000000-0000-0000-0000-000000000039	00000000-0000-4000-8000-00000000000a	58	MoneyDeposited	1	{"amount": "66.00"}	{}	2026-11-27 18:04:04.901666+00	2026-11-27 18:04:04.901666+00	789
60	00000000-0000-0000-0000-00000000003a	00000000-0000-4000-8000-00000000000a	59	MoneyDeposited	1	{"amount": "67.00"}	{}	2026-11-27 18:04:04.905703+00	2026-11-27 18:04:04.905703+00	790
61	00000000-0000-0000-0000-00000000003b	00000000-0000-4000-8000-00000000000a	60	MoneyDeposited	1	{"amount": "68.00"}	{}	2026-11-27 18:04:04.911256+00	2026-11-27 18:04:04.911256+00	791
62	00000000-0000-0000-0000-00000000003c	00000000-0000-4000-8000-00000000000a	61	MoneyDeposited	1	{"amount": "69.00"}	{}	2026-11-27 18:04:04.917829+00	2026-11-27 18:04:04.917829+00	792
63	00000000-0000-0000-0000-00000000003d	00000000-0000-4000-8000-00000000000a	62	MoneyDeposited	1	{"amount": "70.00"}	{}	2026-11-27 18:04:04.921641+00	2026-11-27 18:04:04.921641+00	793
64	00000000-0000-0000-0000-00000000003e	00000000-0000-4000-8000-00000000000a	63	MoneyDeposited	1	{"amount": "71.00"}	{}	2026-11-27 18:04:04.92574+00	2026-11-27 18:04:04.92574+00	794
65	00000000-0000-0000-0000-00000000003f	00000000-0000-4000-8000-00000000000a	64	MoneyDeposited	1	{"amount": "72.00"}	{}	2026-11-27 18:04:04.929776+00	2026-11-27 18:04:04.929776+00	795
66	00000000-0000-0000-0000-000000000040	00000000-0000-4000-8000-00000000000a	65	MoneyDeposited	1	{"amount": "73.00"}	{}	2026-11-27 18:04:04.933697+00	2026-11-27 18:04:04.933697+00	796
67	00000000-0000-0000-0000-000000000041	00000000-0000-4000-8000-00000000000a	66	MoneyDeposited	1	{"amount": "74.00"}	{}	2026-11-27 18:04:04.936298+00	2026-11-27 18:04:04.936298+00	797
68	00000000-0000-0000-0000-000000000042	00000000-0000-4000-8000-00000000000a	67	MoneyDeposited	1	{"amount": "75.00"}	{}	2026-11-27 18:04:04.941941+00	2026-11-27 18:04:04.941941+00	798
69	00000000-0000-0000-0000-000000000043	00000000-0000-4000-8000-00000000000a	68	MoneyDeposited	1	{"amount": "76.00"}	{}	2026-11-27 18:04:04.945715+00	2026-11-27 18:04:04.945715+00	799
70	00000000-0000-0000-0000-000000000044	00000000-0000-4000-8000-00000000000a	69	MoneyDeposited	1	{"amount": "77.00"}	{}	2026-11-27 18:04:04.949736+00	2026-11-27 18:04:04.949736+00	800
71	00000000-0000-0000-0000-000000000045	00000000-0000-4000-8000-00000000000a	70	MoneyDeposited	1	{"amount": "78.00"}	{}	2026-11-27 18:04:04.953845+00	2026-11-27 18:04:04.953845+00	801
72	00000000-0000-0000-0000-000000000046	00000000-0000-4000-8000-00000000000a	71	MoneyDeposited	1	{"amount": "79.00"}	{}	2026-11-27 18:04:04.957783+00	2026-11-27 18:04:04.957783+00	802
73	00000000-0000-0000-0000-000000000047	00000000-0000-4000-8000-00000000000a	72	MoneyDeposited	1	{"amount": "80.00"}	{}	2026-11-27 18:04:04.961626+00	2026-11-27 18:04:04.961626+00	803
74	00000000-0000-0000-0000-000000000048	00000000-0000-4000-8000-00000000000a	73	MoneyDeposited	1	{"amount": "81.00"}	{}	2026-11-27 18:04:04.963064+00	2026-11-27 18:04:04.963064+00	804
75	00000000-0000-0000-0000-000000000049	00000000-0000-4000-8000-00000000000a	74	MoneyDeposited	1	{"amount": "82.00"}	{}	2026-11-27 18:04:04.965523+00	2026-11-27 18:04:04.965523+00	805
76	00000000-0000-0000-0000-00000000004a	00000000-0000-4000-8000-00000000000a	75	MoneyDeposited	1	{"amount": "83.00"}	{}	2026-11-27 18:04:04.966692+00	2026-11-27 18:04:04.966692+00	806
77	00000000-0000-0000-0000-00000000004b	00000000-0000-4000-8000-00000000000a	76	MoneyDeposited	1	{"amount": "84.00"}	{}	2026-11-27 18:04:04.969514+00	2026-11-27 18:04:04.969514+00	807
78	00000000-0000-0000-0000-00000000004c	00000000-0000-4000-8000-00000000000a	77	MoneyDeposited	1	{"amount": "85.00"}	{}	2026-11-27 18:04:04.973578+00	2026-11-27 18:04:04.973578+00	808
79	00000000-0000-0000-0000-00000000004d	00000000-0000-4000-8000-00000000000a	78	MoneyDeposited	1	{"amount": "86.00"}	{}	2026-11-27 18:04:04.977633+00	2026-11-27 18:04:04.977633+00	809
80	00000000-0000-0000-0000-00000000004e	00000000-0000-4000-8000-00000000000a	79	MoneyDeposited	1	{"amount": "87.00"}	{}	2026-11-27 18:04:04.981613+00	2026-11-27 18:04:04.981613+00	810
81	00000000-0000-0000-0000-00000000004f	00000000-0000-4000-8000-00000000000a	80	MoneyDeposited	1	{"amount": "88.00"}	{}	2026-11-27 18:04:04.985644+00	2026-11-27 18:04:04.985644+00	811
82	00000000-0000-0000-0000-000000000050	00000000-0000-4000-8000-00000000000a	81	MoneyDeposited	1	{"amount": "89.00"}	{}	2026-11-27 18:04:04.986944+00	2026-11-27 18:04:04.986944+00	812
83	00000000-0000-0000-0000-000000000051	00000000-0000-4000-8000-00000000000a	82	MoneyDeposited	1	{"amount": "90.00"}	{}	2026-11-27 18:04:04.987975+00	2026-11-27 18:04:04.987975+00	813
84	00000000-0000-0000-0000-000000000052	00000000-0000-4000-8000-00000000000a	83	MoneyDeposited	1	{"amount": "91.00"}	{}	2026-11-27 18:04:04.993685+00	2026-11-27 18:04:04.993685+00	814
85	00000000-0000-0000-0000-000000000053	00000000-0000-4000-8000-00000000000a	84	MoneyDeposited	1	{"amount": "92.00"}	{}	2026-11-27 18:04:04.997627+00	2026-11-27 18:04:04.997627+00	815
86	00000000-0000-0000-0000-000000000054	00000000-0000-4000-8000-00000000000a	85	MoneyDeposited	1	{"amount": "93.00"}	{}	2026-11-27 18:04:05.001721+00	2026-11-27 18:04:05.001721+00	816
87	00000000-0000-0000-0000-000000000055	00000000-0000-4000-8000-00000000000a	86	MoneyDeposited	1	{"amount": "94.00"}	{}	2026-11-27 18:04:05.003934+00	2026-11-27 18:04:05.003934+00	817
88	00000000-0000-0000-0000-000000000056	00000000-0000-4000-8000-00000000000a	87	MoneyDeposited	1	{"amount": "95.00"}	{}	2026-11-27 18:04:05.00505+00	2026-11-27 18:04:05.00505+00	818
89	00000000-0000-0000-0000-000000000057	00000000-0000-4000-8000-00000000000a	88	MoneyDeposited	1	{"amount": "96.00"}	{}	2026-11-27 18:04:05.009746+00	2026-11-27 18:04:05.009746+00	819
90	00000000-0000-0000-0000-000000000058	00000000-0000-4000-8000-00000000000a	89	MoneyDeposited	1	{"amount": "97.00"}	{}	2026-11-27 18:04:05.01365+00	2026-11-27 18:04:05.01365+00	820
91	00000000-0000-0000-0000-000000000059	00000000-0000-4000-8000-00000000000a	90	MoneyDeposited	1	{"amount": "98.00"}	{}	2026-11-27 18:04:05.017718+00	2026-11-27 18:04:05.017718+00	821
92	00000000-0000-0000-0000-00000000005a	00000000-0000-4000-8000-00000000000a	91	MoneyDeposited	1	{"amount": "99.00"}	{}	2026-11-27 18:04:05.021669+00	2026-11-27 18:04:05.021669+00	822
93	00000000-0000-0000-0000-00000000005b	00000000-0000-4000-8000-00000000000a	92	MoneyDeposited	1	{"amount": "100.00"}	{}	2026-11-27 18:04:05.025778+00	2026-11-27 18:04:05.025778+00	823
94	00000000-0000-0000-0000-00000000005c	00000000-0000-4000-8000-00000000000a	93	MoneyDeposited	1	{"amount": "101.00"}	{}	2026-11-27 18:04:05.030006+00	2026-11-27 18:04:05.030006+00	824
95	00000000-0000-0000-0000-00000000005d	00000000-0000-4000-8000-00000000000a	94	MoneyDeposited	1	{"amount": "102.00"}	{}	2026-11-27 18:04:05.033641+00	2026-11-27 18:04:05.033641+00	825
96	00000000-0000-0000-0000-00000000005e	00000000-0000-4000-8000-00000000000a	95	MoneyDeposited	1	{"amount": "103.00"}	{}	2026-11-27 18:04:05.037649+00	2026-11-27 18:04:05.037649+00	826
97	00000000-0000-0000-0000-00000000005f	00000000-0000-4000-8000-00000000000a	96	MoneyDeposited	1	{"amount": "104.00"}	{}	2026-11-27 18:04:05.04165+00	2026-11-27 18:04:05.04165+00	827
98	00000000-0000-0000-0000-000000000060	00000000-0000-4000-8000-00000000000a	97	MoneyDeposited	1	{"amount": "105.00"}	{}	2026-11-27 18:04:05.045589+00	2026-11-27 18:04:05.045589+00	828
99	00000000-0000-0000-0000-000000000061	00000000-0000-4000-8000-00000000000a	98	MoneyDeposited	1	{"amount": "106.00"}	{}	2026-11-27 18:04:05.046937+00	2026-11-27 18:04:05.046937+00	829
100	00000000-0000-0000-0000-000000000062	00000000-0000-4000-8000-00000000000a	99	MoneyDeposited	1	{"amount": "107.00"}	{}	2026-11-27 18:04:05.05203+00	2026-11-27 18:04:05.05203+00	830
101	00000000-0000-0000-0000-000000000063	00000000-0000-4000-8000-00000000000a	100	MoneyDeposited	1	{"amount": "108.00"}	{}	2026-11-27 18:04:05.053957+00	2026-11-27 18:04:05.053957+00	831
102	00000000-0000-0000-0000-000000000064	00000000-0000-4000-8000-00000000000a	101	MoneyDeposited	1	{"amount": "109.00"}	{}	2026-11-27 18:04:05.05955+00	2026-11-27 18:04:05.05955+00	832
103	00000000-0000-0000-0000-000000000065	00000000-0000-4000-8000-00000000000a	102	MoneyDeposited	1	{"amount": "110.00"}	{}	2026-11-27 18:04:05.065957+00	2026-11-27 18:04:05.065957+00	833
104	00000000-0000-0000-0000-000000000066	00000000-0000-4000-8000-00000000000a	103	MoneyDeposited	1	{"amount": "111.00"}	{}	2026-11-27 18:04:05.067396+00	2026-11-27 18:04:05.067396+00	834
105	00000000-0000-0000-0000-000000000067	00000000-0000-4000-8000-00000000000a	104	MoneyDeposited	1	{"amount": "112.00"}	{}	2026-11-27 18:04:05.070486+00	2026-11-27 18:04:05.070486+00	835
106	00000000-0000-0000-0000-000000000068	00000000-0000-4000-8000-00000000000a	105	MoneyDeposited	1	{"amount": "113.00"}	{}	2026-11-27 18:04:05.077806+00	2026-11-27 18:04:05.077806+00	836
107	00000000-0000-0000-0000-000000000069	00000000-0000-4000-8000-00000000000a	106	MoneyDeposited	1	{"amount": "114.00"}	{}	2026-11-27 18:04:05.081619+00	2026-11-27 18:04:05.081619+00	837
108	00000000-0000-0000-0000-00000000006a	00000000-0000-4000-8000-00000000000a	107	MoneyDeposited	1	{"amount": "115.00"}	{}	2026-11-27 18:04:05.08563+00	2026-11-27 18:04:05.08563+00	838
109	00000000-0000-0000-0000-00000000006b	00000000-0000-4000-8000-00000000000a	108	MoneyDeposited	1	{"amount": "116.00"}	{}	2026-11-27 18:04:05.089583+00	2026-11-27 18:04:05.089583+00	839
110	00000000-0000-0000-0000-00000000006c	00000000-0000-4000-8000-00000000000a	109	MoneyDeposited	1	{"amount": "117.00"}	{}	2026-11-27 18:04:05.09364+00	2026-11-27 18:04:05.09364+00	840
111	00000000-0000-0000-0000-00000000006d	00000000-0000-4000-8000-00000000000a	110	MoneyDeposited	1	{"amount": "118.00"}	{}	2026-11-27 18:04:05.097569+00	2026-11-27 18:04:05.097569+00	841
112	00000000-0000-0000-0000-00000000006e	00000000-0000-4000-8000-00000000000a	111	MoneyDeposited	1	{"amount": "119.00"}	{}	2026-11-27 18:04:05.101583+00	2026-11-27 18:04:05.101583+00	842
113	00000000-0000-0000-0000-00000000006f	00000000-0000-4000-8000-00000000000a	112	MoneyDeposited	1	{"amount": "120.00"}	{}	2026-11-27 18:04:05.105586+00	2026-11-27 18:04:05.105586+00	843
114	00000000-0000-0000-0000-000000000070	00000000-0000-4000-8000-00000000000a	113	MoneyDeposited	1	{"amount": "121.00"}	{}	2026-11-27 18:04:05.109616+00	2026-11-27 18:04:05.109616+00	844
115	00000000-0000-0000-0000-000000000071	00000000-0000-4000-8000-00000000000a	114	MoneyDeposited	1	{"amount": "122.00"}	{}	2026-11-27 18:04:05.113542+00	2026-11-27 18:04:05.113542+00	845
116	00000000-0000-0000-0000-000000000072	00000000-0000-4000-8000-00000000000a	115	MoneyDeposited	1	{"amount": "123.00"}	{}	2026-11-27 18:04:05.117567+00	2026-11-27 18:04:05.117567+00	846
117	00000000-0000-0000-0000-000000000073	00000000-0000-4000-8000-00000000000a	116	MoneyDeposited	1	{"amount": "124.00"}	{}	2026-11-27 18:04:05.120265+00	2026-11-27 18:04:05.120265+00	847
118	00000000-0000-0000-0000-000000000074	00000000-0000-4000-8000-00000000000a	117	MoneyDeposited	1	{"amount": "125.00"}	{}	2026-11-27 18:04:05.12567+00	2026-11-27 18:04:05.12567+00	848
119	00000000-0000-0000-0000-000000000075	00000000-0000-4000-8000-00000000000a	118	MoneyDeposited	1	{"amount": "126.00"}	{}	2026-11-27 18:04:05.127024+00	2026-11-27 18:04:05.127024+00	849
120	00000000-0000-0000-0000-000000000076	00000000-0000-4000-8000-00000000000a	119	MoneyDeposited	1	{"amount": "127.00"}	{}	2026-11-27 18:04:05.129447+00	2026-11-27 18:04:05.129447+00	850
121	00000000-0000-0000-0000-000000000077	00000000-0000-4000-8000-00000000000a	120	MoneyDeposited	1	{"amount": "128.00"}	{}	2026-11-27 18:04:05.133487+00	2026-11-27 18:04:05.133487+00	851
122	00000000-0000-0000-0000-000000000078	00000000-0000-4000-8000-00000000000a	121	MoneyDeposited	1	{"amount": "129.00"}	{}	2026-11-27 18:04:05.137585+00	2026-11-27 18:04:05.137585+00	852
123	0ae2ac21-6523-4674-aee3-48081054e137	00000000-0000-4000-8000-00000000000a	122	MoneyWithdrawn	1	{"amount": "7.25"}	{}	2026-11-27 18:04:05.142049+00	2026-11-27 18:04:05.142049+00	853
124	d3bff2f4-8e64-546e-c8b2-7b3bd52e81e5	00000000-0000-4000-8000-00000000000a	123	MoneyWithdrawn	1	{"amount": "100.00"}	{"transfer_id": "00000000-0000-0000-0000-0000000003e7", "counterparty": "00000000-0000-4000-8000-00000000000b"}	2026-11-27 18:04:05.147923+00	2026-11-27 18:04:05.147923+00	854
125	6260885e-f363-277e-bab8-83b7df25e79a	00000000-0000-4000-8000-00000000000b	2	MoneyDeposited	1	{"amount": "100.00"}	{"transfer_id": "00000000-0000-0000-0000-0000000003e7", "counterparty": "00000000-0000-4000-8000-00000000000a"}	2026-11-27 18:04:05.14881+00	2026-11-27 18:04:05.14881+00	854
126	a1fcdf9d-c567-4bea-a20d-0caeba1c6eb4	00000000-0000-4000-8000-00000000000c	1	AccountOpened	1	{"owner_name": "Grace Hopper"}	{}	2026-11-27 18:04:05.15385+00	2026-11-27 18:04:05.15385+00	855
\.


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: ledger; Owner: -
--

COPY "ledger"."schema_migrations" ("version", "name", "checksum", "applied_at") FROM stdin;
0001	core	cef9aa7566ed0a9c228bc44cea177e88f418d2c172183820eca6bedb1224077c	2026-11-27 18:04:04.470777+00
0002	snapshots	b7e27a09458a05239860bda9687073064521cac0d5c4aff84e7537ddb30e9bcf	2026-11-27 18:04:04.470777+00
0003	security	0ef86752e0c0f6c24d24069d8692742cc756eacb35d33956fa7c35de95f97827	2026-11-27 18:04:04.470777+00
\.


--
-- Data for Name: settings; Type: TABLE DATA; Schema: ledger; Owner: -
--

COPY "ledger"."settings" ("singleton", "snapshot_interval") FROM stdin;
t	100
\.


--
-- Name: events_id_seq; Type: SEQUENCE SET; Schema: ledger; Owner: -
--

SELECT pg_catalog.setval('"ledger"."events_id_seq"', 126, true);


--
-- Name: account_snapshots account_snapshots_pkey; Type: CONSTRAINT; Schema: ledger; Owner: -
--

ALTER TABLE ONLY "ledger"."account_snapshots"
    ADD CONSTRAINT "account_snapshots_pkey" PRIMARY KEY ("account_id", "sequence_number");


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: ledger; Owner: -
--

ALTER TABLE ONLY "ledger"."accounts"
    ADD CONSTRAINT "accounts_pkey" PRIMARY KEY ("account_id");


--
-- Name: events events_aggregate_sequence_key; Type: CONSTRAINT; Schema: ledger; Owner: -
--

ALTER TABLE ONLY "ledger"."events"
    ADD CONSTRAINT "events_aggregate_sequence_key" UNIQUE ("aggregate_id", "sequence_number");


--
-- Name: events events_event_id_key; Type: CONSTRAINT; Schema: ledger; Owner: -
--

ALTER TABLE ONLY "ledger"."events"
    ADD CONSTRAINT "events_event_id_key" UNIQUE ("event_id");


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: ledger; Owner: -
--

ALTER TABLE ONLY "ledger"."events"
    ADD CONSTRAINT "events_pkey" PRIMARY KEY ("id");


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: ledger; Owner: -
--

ALTER TABLE ONLY "ledger"."schema_migrations"
    ADD CONSTRAINT "schema_migrations_pkey" PRIMARY KEY ("version");


--
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: ledger; Owner: -
--

ALTER TABLE ONLY "ledger"."settings"
    ADD CONSTRAINT "settings_pkey" PRIMARY KEY ("singleton");


--
-- Name: account_snapshots_time_idx; Type: INDEX; Schema: ledger; Owner: -
--

CREATE INDEX "account_snapshots_time_idx" ON "ledger"."account_snapshots" USING "btree" ("account_id", "occurred_at", "sequence_number");


--
-- Name: accounts accounts_take_snapshot; Type: TRIGGER; Schema: ledger; Owner: -
--

CREATE TRIGGER "accounts_take_snapshot" AFTER INSERT OR UPDATE OF "version" ON "ledger"."accounts" FOR EACH ROW WHEN ((("new"."version" % (100)::bigint) = 0)) EXECUTE FUNCTION "ledger"."take_snapshot"();


--
-- Name: events events_refuse_truncate; Type: TRIGGER; Schema: ledger; Owner: -
--

CREATE TRIGGER "events_refuse_truncate" BEFORE TRUNCATE ON "ledger"."events" FOR EACH STATEMENT EXECUTE FUNCTION "ledger"."refuse_history_change"();

ALTER TABLE "ledger"."events" ENABLE ALWAYS TRIGGER "events_refuse_truncate";


--
-- Name: events events_refuse_update_delete; Type: TRIGGER; Schema: ledger; Owner: -
--

CREATE TRIGGER "events_refuse_update_delete" BEFORE DELETE OR UPDATE ON "ledger"."events" FOR EACH STATEMENT EXECUTE FUNCTION "ledger"."refuse_history_change"();

ALTER TABLE "ledger"."events" ENABLE ALWAYS TRIGGER "events_refuse_update_delete";


--
-- Name: SCHEMA "ledger"; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA "ledger" TO "ledger_writer";
GRANT USAGE ON SCHEMA "ledger" TO "ledger_reader";


--
-- Name: FUNCTION "account_apply"("p_state" "ledger"."account", "p_event" "ledger"."events"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."account_apply"("p_state" "ledger"."account", "p_event" "ledger"."events") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."account_apply"("p_state" "ledger"."account", "p_event" "ledger"."events") TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."account_apply"("p_state" "ledger"."account", "p_event" "ledger"."events") TO "ledger_reader";


--
-- Name: FUNCTION "account_history"("p_account_id" "uuid", "p_from" timestamp with time zone, "p_to" timestamp with time zone); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."account_history"("p_account_id" "uuid", "p_from" timestamp with time zone, "p_to" timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."account_history"("p_account_id" "uuid", "p_from" timestamp with time zone, "p_to" timestamp with time zone) TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."account_history"("p_account_id" "uuid", "p_from" timestamp with time zone, "p_to" timestamp with time zone) TO "ledger_reader";


--
-- Name: FUNCTION "account_state"("p_account_id" "uuid"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."account_state"("p_account_id" "uuid") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."account_state"("p_account_id" "uuid") TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."account_state"("p_account_id" "uuid") TO "ledger_reader";


--
-- Name: FUNCTION "account_state_at"("p_account_id" "uuid", "p_at" timestamp with time zone); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."account_state_at"("p_account_id" "uuid", "p_at" timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."account_state_at"("p_account_id" "uuid", "p_at" timestamp with time zone) TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."account_state_at"("p_account_id" "uuid", "p_at" timestamp with time zone) TO "ledger_reader";


--
-- Name: FUNCTION "account_state_at_version"("p_account_id" "uuid", "p_version" bigint); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."account_state_at_version"("p_account_id" "uuid", "p_version" bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."account_state_at_version"("p_account_id" "uuid", "p_version" bigint) TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."account_state_at_version"("p_account_id" "uuid", "p_version" bigint) TO "ledger_reader";


--
-- Name: FUNCTION "append"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "jsonb"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."append"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "jsonb") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."append"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "jsonb") TO "ledger_writer";


--
-- Name: FUNCTION "append_events"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "ledger"."events"[]); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."append_events"("p_aggregate_id" "uuid", "p_expected_version" bigint, "p_events" "ledger"."events"[]) FROM PUBLIC;


--
-- Name: FUNCTION "check_amount"("p_amount" numeric, "p_field" "text"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."check_amount"("p_amount" numeric, "p_field" "text") FROM PUBLIC;


--
-- Name: FUNCTION "check_metadata"("p_metadata" "jsonb", "p_field" "text"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."check_metadata"("p_metadata" "jsonb", "p_field" "text") FROM PUBLIC;


--
-- Name: FUNCTION "check_owner_name"("p_owner_name" "text", "p_field" "text"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."check_owner_name"("p_owner_name" "text", "p_field" "text") FROM PUBLIC;


--
-- Name: FUNCTION "define_snapshot_trigger"(); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."define_snapshot_trigger"() FROM PUBLIC;


--
-- Name: FUNCTION "deposit"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."deposit"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."deposit"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") TO "ledger_writer";


--
-- Name: FUNCTION "derived_event_id"("p_key" "uuid", "p_part" "text"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."derived_event_id"("p_key" "uuid", "p_part" "text") FROM PUBLIC;


--
-- Name: FUNCTION "event_matches"("p_stored" "ledger"."events", "p_aggregate_id" "uuid", "p_event_type" "text", "p_event_version" smallint, "p_payload" "jsonb", "p_occurred_at" timestamp with time zone); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."event_matches"("p_stored" "ledger"."events", "p_aggregate_id" "uuid", "p_event_type" "text", "p_event_version" smallint, "p_payload" "jsonb", "p_occurred_at" timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION "fold_after"("p_start" "ledger"."account", "p_account_id" "uuid", "p_to_version" bigint, "p_to_time" timestamp with time zone); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."fold_after"("p_start" "ledger"."account", "p_account_id" "uuid", "p_to_version" bigint, "p_to_time" timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION "load_account"("p_account_id" "uuid"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."load_account"("p_account_id" "uuid") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."load_account"("p_account_id" "uuid") TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."load_account"("p_account_id" "uuid") TO "ledger_reader";


--
-- Name: FUNCTION "new_event"("p_event_type" "text", "p_payload" "jsonb", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."new_event"("p_event_type" "text", "p_payload" "jsonb", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") FROM PUBLIC;


--
-- Name: FUNCTION "open_account"("p_account_id" "uuid", "p_owner_name" "text", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."open_account"("p_account_id" "uuid", "p_owner_name" "text", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."open_account"("p_account_id" "uuid", "p_owner_name" "text", "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") TO "ledger_writer";


--
-- Name: FUNCTION "parse_event"("p_event" "jsonb", "p_index" integer); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."parse_event"("p_event" "jsonb", "p_index" integer) FROM PUBLIC;


--
-- Name: FUNCTION "read_stream"("p_aggregate_id" "uuid", "p_after_version" bigint, "p_max_count" integer); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."read_stream"("p_aggregate_id" "uuid", "p_after_version" bigint, "p_max_count" integer) FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."read_stream"("p_aggregate_id" "uuid", "p_after_version" bigint, "p_max_count" integer) TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."read_stream"("p_aggregate_id" "uuid", "p_after_version" bigint, "p_max_count" integer) TO "ledger_reader";


--
-- Name: FUNCTION "rebuild_snapshots"("p_account_id" "uuid"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."rebuild_snapshots"("p_account_id" "uuid") FROM PUBLIC;


--
-- Name: FUNCTION "refuse_history_change"(); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."refuse_history_change"() FROM PUBLIC;


--
-- Name: FUNCTION "replay"("p_account_id" "uuid"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."replay"("p_account_id" "uuid") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."replay"("p_account_id" "uuid") TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."replay"("p_account_id" "uuid") TO "ledger_reader";


--
-- Name: FUNCTION "sequence_bound"("p_account_id" "uuid", "p_at" timestamp with time zone); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."sequence_bound"("p_account_id" "uuid", "p_at" timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION "set_snapshot_interval"("p_interval" integer); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."set_snapshot_interval"("p_interval" integer) FROM PUBLIC;


--
-- Name: FUNCTION "snapshot_before"("p_account_id" "uuid", "p_version" bigint, "p_at" timestamp with time zone); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."snapshot_before"("p_account_id" "uuid", "p_version" bigint, "p_at" timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION "stats"(); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."stats"() FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."stats"() TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."stats"() TO "ledger_reader";


--
-- Name: FUNCTION "store_projection"("p_state" "ledger"."account", "p_previous_version" bigint); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."store_projection"("p_state" "ledger"."account", "p_previous_version" bigint) FROM PUBLIC;


--
-- Name: FUNCTION "stored_batch_version"("p_aggregate_id" "uuid", "p_events" "ledger"."events"[]); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."stored_batch_version"("p_aggregate_id" "uuid", "p_events" "ledger"."events"[]) FROM PUBLIC;


--
-- Name: FUNCTION "take_snapshot"(); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."take_snapshot"() FROM PUBLIC;


--
-- Name: FUNCTION "transfer"("p_from" "uuid", "p_to" "uuid", "p_amount" numeric, "p_occurred_at" timestamp with time zone, "p_transfer_id" "uuid", "p_metadata" "jsonb"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."transfer"("p_from" "uuid", "p_to" "uuid", "p_amount" numeric, "p_occurred_at" timestamp with time zone, "p_transfer_id" "uuid", "p_metadata" "jsonb") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."transfer"("p_from" "uuid", "p_to" "uuid", "p_amount" numeric, "p_occurred_at" timestamp with time zone, "p_transfer_id" "uuid", "p_metadata" "jsonb") TO "ledger_writer";


--
-- Name: FUNCTION "verify"(); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."verify"() FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."verify"() TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."verify"() TO "ledger_reader";


--
-- Name: FUNCTION "verify_batch"("p_after" "uuid", "p_max_count" integer); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."verify_batch"("p_after" "uuid", "p_max_count" integer) FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."verify_batch"("p_after" "uuid", "p_max_count" integer) TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."verify_batch"("p_after" "uuid", "p_max_count" integer) TO "ledger_reader";


--
-- Name: FUNCTION "withdraw"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."withdraw"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."withdraw"("p_account_id" "uuid", "p_amount" numeric, "p_expected_version" bigint, "p_occurred_at" timestamp with time zone, "p_event_id" "uuid", "p_metadata" "jsonb") TO "ledger_writer";


--
-- Name: FUNCTION "account_fold"("ledger"."events"); Type: ACL; Schema: ledger; Owner: -
--

REVOKE ALL ON FUNCTION "ledger"."account_fold"("ledger"."events") FROM PUBLIC;
GRANT ALL ON FUNCTION "ledger"."account_fold"("ledger"."events") TO "ledger_writer";
GRANT ALL ON FUNCTION "ledger"."account_fold"("ledger"."events") TO "ledger_reader";


--
-- PostgreSQL database dump complete
--

\unrestrict CBKKUrZVoCb8ar4qRTg1K7epfbef2kwwt2DKwfmRLdOBVEGVRd7HBvuFd9NWDt0

