-- Privileges: who may call what. Re-applied by every migrate, after the functions and the roles,
-- so a new function is never callable by accident: every privilege in schema ledger held by
-- anyone but the owner (PUBLIC, the roles, any role a DBA granted something by hand) is revoked
-- first, then the installation's two roles (ledger.settings) are granted by name. Roles get no
-- privilege on any table or sequence; every API function is SECURITY DEFINER with a pinned
-- search_path, so all access goes through the functions.
--
-- Not granted to anyone: the internals (append_events, parse_event, the
-- positioner's steps, ...), which trust their callers, and the administration
-- (rebuild_snapshots, set_snapshot_interval, create_subscription, reset_subscription,
-- daily_totals_reset, ...), which stays with the owner.
DO $privileges$
DECLARE
    v_writer text;
    v_reader text;
    v_grantee text;
    -- Reading: both roles. (The last two of each list are replaced calls kept for one release:
    -- they raise LG010 naming the new call.)
    v_read text := '
        ledger.account_state(uuid),
        ledger.replay(uuid),
        ledger.load_account(uuid),
        ledger.account_state_at(uuid, timestamptz),
        ledger.account_state_at_version(uuid, bigint),
        ledger.account_history(uuid, timestamptz, timestamptz),
        ledger.read_stream(uuid, bigint, integer),
        ledger.verify(),
        ledger.verify_batch(uuid, integer),
        ledger.verify_snapshots(),
        ledger.verify_chain(),
        ledger.verify_digest(bigint, bytea),
        ledger.digest(),
        ledger.inclusion_proof(bigint, bigint),
        ledger.consistency_proof(bigint, bigint),
        ledger.stats(),
        ledger.accounts_list(uuid, integer),
        ledger.find_accounts(text, uuid, integer),
        ledger.totals(),
        ledger.account_apply(ledger.account, ledger.events),
        ledger.account_fold(ledger.events),
        ledger.upcast(ledger.events),
        ledger.upcast_payload(text, smallint, jsonb),
        ledger.current_event_version(text),
        ledger.read_all(bigint, integer),
        ledger.read_all_status(),
        ledger.assign_positions(integer),
        ledger.legacy_position(xid8, bigint),
        ledger.daily_totals(uuid, date, date),
        ledger.read_all(xid8, bigint, integer),
        ledger.read_all_horizon()';
    -- Writing: the writer only. Subscribers claim and advance checkpoints, which writes.
    v_write text := '
        ledger.append(uuid, bigint, jsonb),
        ledger.open_account(uuid, text, timestamptz, uuid, jsonb),
        ledger.deposit(uuid, numeric, bigint, timestamptz, uuid, jsonb, text),
        ledger.withdraw(uuid, numeric, bigint, timestamptz, uuid, jsonb),
        ledger.transfer(uuid, uuid, numeric, timestamptz, uuid, jsonb),
        ledger.claim_subscription(text),
        ledger.advance_subscription(text, bigint),
        ledger.subscriber_waiting(text, boolean),
        ledger.daily_totals_apply(bigint),
        ledger.daily_totals_catch_up(integer),
        ledger.advance_subscription(text, xid8, bigint, bigint),
        ledger.daily_totals_apply(bigint[])';
BEGIN
    SELECT s.writer_role, s.reader_role INTO STRICT v_writer, v_reader FROM ledger.settings AS s;
    FOR v_grantee IN
        SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.quote_ident(r.rolname) END
        FROM (
            SELECT p.proacl AS acl, p.proowner AS owner
            FROM pg_catalog.pg_proc AS p WHERE p.pronamespace = 'ledger'::pg_catalog.regnamespace
            UNION ALL
            SELECT c.relacl, c.relowner
            FROM pg_catalog.pg_class AS c WHERE c.relnamespace = 'ledger'::pg_catalog.regnamespace
            UNION ALL
            SELECT n.nspacl, n.nspowner FROM pg_catalog.pg_namespace AS n WHERE n.nspname = 'ledger'
        ) AS o
        CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) AS a
        LEFT JOIN pg_catalog.pg_roles AS r ON r.oid = a.grantee
        WHERE a.grantee <> o.owner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ledger FROM %s', v_grantee);
        EXECUTE pg_catalog.format('REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM %s', v_grantee);
        EXECUTE pg_catalog.format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA ledger FROM %s', v_grantee);
        EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA ledger FROM %s', v_grantee);
    END LOOP;
    -- Functions are executable by PUBLIC when created, which aclexplode does not list (NULL acl).
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ledger FROM public;
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA ledger TO %I, %I', v_writer, v_reader);
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I, %I', v_read, v_writer, v_reader);
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I', v_write, v_writer);
END;
$privileges$;
