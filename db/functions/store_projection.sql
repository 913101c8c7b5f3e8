-- ledger.store_projection(state, is_new): writes an account's projection row for ledger.append.
-- is_new: insert it (the account's first write; a concurrent creator of the same account waits
-- on the primary key); otherwise update it (the caller holds the row lock). Returns false only
-- when is_new and the row already exists (a concurrent creator committed first): the caller
-- must then start again under the row lock. Raises nothing of its own.
CREATE OR REPLACE FUNCTION ledger.store_projection(p_state ledger.account, p_is_new boolean)
RETURNS boolean
LANGUAGE plpgsql
AS $function$
BEGIN
    IF p_is_new THEN
        INSERT INTO ledger.accounts (account_id, owner_name, balance, version, opened_at, last_event_at)
        VALUES (p_state.account_id, p_state.owner_name, p_state.balance, p_state.version,
                p_state.opened_at, p_state.last_event_at)
        ON CONFLICT (account_id) DO NOTHING;
        RETURN FOUND;
    END IF;
    UPDATE ledger.accounts AS a
    SET owner_name = p_state.owner_name,
        balance = p_state.balance,
        version = p_state.version,
        last_event_at = p_state.last_event_at
    WHERE a.account_id = p_state.account_id;
    RETURN TRUE;
END;
$function$;

COMMENT ON FUNCTION ledger.store_projection(ledger.account, boolean) IS
'Writes the projection row for ledger.append: insert (false if a concurrent creator won) or update.';
