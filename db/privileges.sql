-- Privileges: who may call what. Re-applied by every migrate, after the functions, so a new
-- function is never callable by accident: everything is revoked first, then granted by name.
-- Roles get no privilege on any table or sequence; every API function is SECURITY DEFINER
-- with a pinned search_path, so all access goes through the functions.

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ledger FROM public, ledger_writer, ledger_reader;
REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM public, ledger_writer, ledger_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ledger FROM public, ledger_writer, ledger_reader;

GRANT USAGE ON SCHEMA ledger TO ledger_writer, ledger_reader;

-- Reading: both roles.
GRANT EXECUTE ON FUNCTION
ledger.account_state(uuid),
ledger.replay(uuid),
ledger.load_account(uuid),
ledger.account_state_at(uuid, timestamptz),
ledger.account_state_at_version(uuid, bigint),
ledger.account_history(uuid, timestamptz, timestamptz),
ledger.read_stream(uuid, bigint, integer),
ledger.verify(),
ledger.verify_batch(uuid, integer),
ledger.stats(),
ledger.account_apply(ledger.account, ledger.events),
ledger.account_fold(ledger.events)
TO ledger_writer, ledger_reader;

-- Writing: the writer only.
GRANT EXECUTE ON FUNCTION
ledger.append(uuid, bigint, jsonb),
ledger.open_account(uuid, text, timestamptz, uuid, jsonb),
ledger.deposit(uuid, numeric, bigint, timestamptz, uuid, jsonb),
ledger.withdraw(uuid, numeric, bigint, timestamptz, uuid, jsonb),
ledger.transfer(uuid, uuid, numeric, timestamptz, uuid, jsonb)
TO ledger_writer;

-- Not granted to anyone: the internals (append_events, parse_event, store_projection, ...),
-- which trust their callers, and the administration (rebuild_snapshots, set_snapshot_interval,
-- define_snapshot_trigger), which stays with the owner.
