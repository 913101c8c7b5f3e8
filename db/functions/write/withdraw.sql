-- ledger.withdraw(account_id, amount, expected_version, occurred_at, event_id, metadata):
-- appends MoneyWithdrawn through ledger.append_change (one statement) or ledger.append_events.
-- Returns the new version.
--
-- Raises: LG001 expected version mismatch, LG002 account not found, LG004 the withdrawal
-- would take the balance below zero, LG005 invalid amount
-- (not > 0, more than 2 decimal places, more than 10^15) or occurred_at, LG006 occurred_at
-- earlier than the previous event, LG008 event_id reused for a different event.
CREATE OR REPLACE FUNCTION ledger.withdraw(
    p_account_id uuid,
    p_amount numeric,
    p_expected_version bigint DEFAULT NULL,
    p_occurred_at timestamptz DEFAULT NULL,
    p_event_id uuid DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL
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
        'MoneyWithdrawn',
        -v_amount,
        pg_catalog.jsonb_build_object('amount', v_amount::text),
        p_occurred_at, p_event_id, p_metadata);
END;
$function$;

COMMENT ON FUNCTION ledger.withdraw(uuid, numeric, bigint, timestamptz, uuid, jsonb) IS
'Withdraws money (appends MoneyWithdrawn); returns the new version. Raises LG001, LG002, LG004, LG005, LG006, LG008.';
