-- 0013_fast_hashes: the functions of the hashed format (0011) in PL/pgSQL instead of SQL. Same
-- bytes, same hashes (tests/test_integrity.py recomputes them outside the database), much less
-- work: called from PL/pgSQL (the append path, the positioner, the verifiers), a SQL-language
-- function was not inlined and had its body parsed and planned again in every transaction, which
-- cost a single-event append 43% of its instructions (docs/decisions.md, "Performance").
CREATE OR REPLACE FUNCTION ledger.event_canonical(p_event ledger.events)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    RETURN pg_catalog.concat_ws(
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
    );
END;
$function$;

CREATE OR REPLACE FUNCTION ledger.event_hash(p_previous bytea, p_event ledger.events)
RETURNS bytea
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    RETURN pg_catalog.sha256(
        coalesce(p_previous, '\x'::bytea) OPERATOR(pg_catalog.||)
        pg_catalog.convert_to(ledger.event_canonical(p_event), 'UTF8')
    );
END;
$function$;

CREATE OR REPLACE FUNCTION ledger.merkle_leaf(p_event_hash bytea)
RETURNS bytea
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    RETURN pg_catalog.sha256('\x00'::bytea OPERATOR(pg_catalog.||) p_event_hash);
END;
$function$;

CREATE OR REPLACE FUNCTION ledger.merkle_node(p_left bytea, p_right bytea)
RETURNS bytea
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    RETURN pg_catalog.sha256('\x01'::bytea OPERATOR(pg_catalog.||) p_left OPERATOR(pg_catalog.||) p_right);
END;
$function$;
