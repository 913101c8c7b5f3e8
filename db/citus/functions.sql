-- Citus: after the function files, on a Citus coordinator only; idempotent. Every function of
-- schema ledger exists on every worker (the append path and the fold run there); the API
-- functions that take one account are delegated by it: a call runs entirely on the worker that
-- holds the account, one round trip (outside a transaction block; inside one, Citus runs the
-- function on the coordinator and routes its statements). transfer (two accounts) and the
-- functions over the whole ledger run on the coordinator.
DO $functions$
DECLARE
    v_function pg_catalog.regprocedure;
    v_delegated text[] := ARRAY[
        'ledger.open_account(uuid,text,timestamptz,uuid,jsonb)=p_account_id',
        'ledger.deposit(uuid,numeric,bigint,timestamptz,uuid,jsonb,text)=p_account_id',
        'ledger.withdraw(uuid,numeric,bigint,timestamptz,uuid,jsonb)=p_account_id',
        'ledger.append(uuid,bigint,jsonb)=p_aggregate_id',
        'ledger.account_state(uuid)=p_account_id',
        'ledger.replay(uuid)=p_account_id',
        'ledger.load_account(uuid)=p_account_id',
        'ledger.account_state_at(uuid,timestamptz)=p_account_id',
        'ledger.account_state_at_version(uuid,bigint)=p_account_id',
        'ledger.account_history(uuid,timestamptz,timestamptz)=p_account_id',
        'ledger.read_stream(uuid,bigint,integer)=p_aggregate_id',
        'ledger.daily_totals(uuid,date,date)=p_account_id'
    ];
    v_entry text;
BEGIN
    FOR v_function IN
        SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'ledger'::pg_catalog.regnamespace AND p.prokind = 'f'
    LOOP
        -- Functions over coordinator-only tables (subscriptions, positions, ...) cannot go to the
        -- workers and are not needed there: Citus refuses them, and they stay on the coordinator.
        BEGIN
            PERFORM pg_catalog.create_distributed_function(v_function);
        EXCEPTION
            WHEN OTHERS THEN
                NULL;
        END;
    END LOOP;
    FOREACH v_entry IN ARRAY v_delegated LOOP
        PERFORM pg_catalog.create_distributed_function(
            pg_catalog.split_part(v_entry, '=', 1)::pg_catalog.regprocedure, pg_catalog.split_part(v_entry, '=', 2),
            colocate_with => 'ledger.accounts');
    END LOOP;
END;
$functions$;
