-- ledger.deposit(account_id, amount, expected_version, occurred_at, event_id, metadata, reference):
-- appends MoneyDeposited (version 2, with the payer's reference or null) through
-- ledger.append_change (one statement) or ledger.append_events. Returns the new version.
--
-- Raises: LG001 expected version mismatch, LG002 account not found, LG005 invalid amount
-- (not > 0, more than 2 decimal places, more than 10^15), reference or occurred_at, LG006 occurred_at
-- earlier than the previous event, LG008 event_id reused for a different event.
CREATE OR REPLACE FUNCTION ledger.deposit(
    p_account_id uuid,
    p_amount numeric,
    p_expected_version bigint DEFAULT NULL,
    p_occurred_at timestamptz DEFAULT NULL,
    p_event_id uuid DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL,
    p_reference text DEFAULT NULL
)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_amount numeric := ledger.check_amount(p_amount, 'events[0].payload.amount');
BEGIN
    RETURN ledger.append_change(
        p_account_id,
        p_expected_version,
        'MoneyDeposited',
        v_amount,
        pg_catalog.jsonb_build_object(
            'amount', v_amount::text,
            'reference', CASE
                WHEN p_reference IS NOT NULL THEN ledger.check_reference(p_reference, 'events[0].payload.reference')
            END),
        p_occurred_at, p_event_id, p_metadata);
END;
$function$;

COMMENT ON FUNCTION ledger.deposit(uuid, numeric, bigint, timestamptz, uuid, jsonb, text) IS
'Deposits money (appends MoneyDeposited); returns the new version. Raises LG001, LG002, LG005, LG006, LG008.';
