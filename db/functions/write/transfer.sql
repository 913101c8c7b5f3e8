-- ledger.transfer(from, to, amount, occurred_at, transfer_id, metadata): moves money between two
-- accounts atomically: MoneyWithdrawn on `from` and MoneyDeposited on `to`, in one transaction,
-- both through ledger.append_events. Each event's metadata carries transfer_id and the other
-- account. Returns the two new versions.
--
-- Deadlock-free: the two accounts are always written in the same order (the smaller uuid
-- first), so two transfers between the same accounts in opposite directions queue up instead
-- of deadlocking. Idempotent: the event ids are derived from transfer_id (a new one when NULL),
-- so a retry with the same transfer_id is applied at most once and returns the same versions.
--
-- Raises: LG002 either account does not exist, LG004 insufficient funds in `from`, LG005
-- invalid amount, occurred_at or metadata, or from = to, LG006 occurred_at earlier than an
-- account's previous event, LG008 transfer_id reused for a different transfer. Nothing is
-- stored when it raises.
CREATE OR REPLACE FUNCTION ledger.transfer(
    p_from uuid,
    p_to uuid,
    p_amount numeric,
    p_occurred_at timestamptz DEFAULT NULL,
    p_transfer_id uuid DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL
)
RETURNS TABLE (from_version bigint, to_version bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
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
    -- The user's metadata is checked by new_event; the transfer's own keys are added after it,
    -- since ledger.check_metadata reserves them for exactly this.
    v_out := ledger.new_event(
        'MoneyWithdrawn', v_payload, p_occurred_at, ledger.derived_event_id(v_transfer, 'withdrawal'), p_metadata);
    v_out.metadata := v_out.metadata || pg_catalog.jsonb_build_object('transfer_id', v_transfer, 'counterparty', p_to);
    v_in := ledger.new_event(
        'MoneyDeposited', v_payload || '{"reference": null}'::jsonb, p_occurred_at,
        ledger.derived_event_id(v_transfer, 'deposit'), p_metadata);
    v_in.metadata := v_in.metadata || pg_catalog.jsonb_build_object('transfer_id', v_transfer, 'counterparty', p_from);
    IF p_from < p_to THEN
        from_version := ledger.append_events(p_from, NULL, ARRAY[v_out]);
        to_version := ledger.append_events(p_to, NULL, ARRAY[v_in]);
    ELSE
        to_version := ledger.append_events(p_to, NULL, ARRAY[v_in]);
        from_version := ledger.append_events(p_from, NULL, ARRAY[v_out]);
    END IF;
    RETURN NEXT;
END;
$function$;

COMMENT ON FUNCTION ledger.transfer(uuid, uuid, numeric, timestamptz, uuid, jsonb) IS
'Moves money between two accounts atomically (MoneyWithdrawn + MoneyDeposited), deadlock-free and idempotent by transfer_id. Raises LG002, LG004, LG005, LG006, LG008.';
