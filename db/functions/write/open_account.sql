-- ledger.open_account(account_id, owner_name, occurred_at, event_id, metadata): opens an
-- account by appending AccountOpened through ledger.append_events. Returns the new version (1, or the
-- original version when event_id repeats an append already stored).
--
-- Raises: LG003 account already exists, LG005 invalid argument (owner_name blank, longer than
-- 200 characters or with control characters; occurred_at in the future), LG008 event_id reused.
CREATE OR REPLACE FUNCTION ledger.open_account(
    p_account_id uuid,
    p_owner_name text,
    p_occurred_at timestamptz DEFAULT NULL,
    p_event_id uuid DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL
)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RETURN ledger.append_events(
        p_account_id,
        NULL,
        ARRAY[ledger.new_event(
            'AccountOpened',
            pg_catalog.jsonb_build_object('owner_name', ledger.check_owner_name(p_owner_name, 'events[0].payload.owner_name')),
            p_occurred_at, p_event_id, p_metadata)]);
END;
$function$;

COMMENT ON FUNCTION ledger.open_account(uuid, text, timestamptz, uuid, jsonb) IS
'Opens an account (appends AccountOpened); returns the new version. Raises LG003, LG005, LG008.';
