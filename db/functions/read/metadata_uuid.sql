-- ledger.metadata_uuid(metadata, key): the uuid stored under `key` in an event's metadata, or
-- NULL when there is none or it is not a uuid (metadata written before the transfer keys were
-- reserved may hold anything there). Internal. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.metadata_uuid(p_metadata jsonb, p_key text)
RETURNS uuid
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT CASE
        WHEN (p_metadata ->> p_key) ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
            THEN (p_metadata ->> p_key)::uuid
    END;
$function$;

COMMENT ON FUNCTION ledger.metadata_uuid(jsonb, text) IS
'The uuid under a key of an event''s metadata, or NULL when absent or not a uuid (internal).';
