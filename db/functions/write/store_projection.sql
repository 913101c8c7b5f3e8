-- ledger.store_projection(state, previous_version, last_hash): writes an account's projection row
-- (with the hash of its last event, the head of its chain) for ledger.append, as a compare-and-set. previous_version NULL: insert the row (the account's
-- first write; a concurrent creator of the same account waits on the primary key). Otherwise:
-- update the row only if it is still at previous_version. Returns false when the row was not
-- written because another writer got there first (it exists already, or its version moved):
-- the caller must then start again, under the row lock. Raises nothing of its own.
CREATE OR REPLACE FUNCTION ledger.store_projection(
    p_state ledger.account,
    p_previous_version bigint,
    p_last_hash bytea
)
RETURNS boolean
LANGUAGE plpgsql
AS $function$
BEGIN
    IF p_previous_version IS NULL THEN
        INSERT INTO ledger.accounts (account_id, owner_name, balance, version, opened_at, last_event_at, last_hash)
        VALUES (p_state.account_id, p_state.owner_name, p_state.balance, p_state.version,
                p_state.opened_at, p_state.last_event_at, p_last_hash)
        ON CONFLICT (account_id) DO NOTHING;
    ELSE
        UPDATE ledger.accounts AS a
        SET owner_name = p_state.owner_name,
            balance = p_state.balance,
            version = p_state.version,
            last_event_at = p_state.last_event_at,
            last_hash = p_last_hash
        WHERE a.account_id = p_state.account_id
          AND a.version = p_previous_version;
    END IF;
    RETURN FOUND;
END;
$function$;

COMMENT ON FUNCTION ledger.store_projection(ledger.account, bigint, bytea) IS
'Compare-and-set of a projection row for ledger.append: insert when previous_version is NULL, else update if still at it; false if another writer won.';
