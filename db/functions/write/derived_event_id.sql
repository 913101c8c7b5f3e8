-- ledger.derived_event_id(key, part): a stable event id for one part of a multi-event command
-- (for example the withdrawal of a transfer), derived from the command's idempotency key, so a
-- retry with the same key yields the same event ids. The uuid is built from an MD5 digest of
-- key and part: a name-based id, not a secret. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.derived_event_id(p_key uuid, p_part text)
RETURNS uuid
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT pg_catalog.md5(p_key::text || '/' || p_part)::uuid;
$function$;

COMMENT ON FUNCTION ledger.derived_event_id(uuid, text) IS
'Stable event id for one part of a multi-event command, from its idempotency key.';
