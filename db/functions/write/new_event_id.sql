-- ledger.new_event_id(clock): a new event id for an event given without one, time-ordered: the
-- UUID version 7 layout of RFC 9562 (48 bits of Unix time in milliseconds from `clock`, then
-- random bits; 70 of them, the first four of rand_a are zero). New keys then land at the right
-- edge of the event_id index, not on a random page of it (docs/decisions.md, "Performance").
-- The Python client makes ids of the same layout (pgledger.new_event_id). Internal.
CREATE OR REPLACE FUNCTION ledger.new_event_id(p_clock timestamptz)
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
AS $function$
BEGIN
    RETURN pg_catalog.encode(
        pg_catalog.set_byte(
            pg_catalog.overlay(
                pg_catalog.uuid_send(pg_catalog.gen_random_uuid()),
                pg_catalog.substr(
                    pg_catalog.int8send(
                        pg_catalog.floor(pg_catalog.extract('epoch', p_clock) OPERATOR(pg_catalog.*) 1000)::bigint),
                    3),
                1, 6),
            6, 112),
        'hex')::uuid;
END;
$function$;

COMMENT ON FUNCTION ledger.new_event_id(timestamptz) IS
'A new time-ordered event id (UUID version 7 layout) at the given time (internal).';
