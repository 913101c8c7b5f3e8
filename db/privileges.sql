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
ledger.account_fold(ledger.events),
ledger.upcast(ledger.events),
ledger.upcast_payload(text, smallint, jsonb),
ledger.current_event_version(text),
ledger.read_all(xid8, bigint, integer),
ledger.read_all_horizon(),
ledger.daily_totals(uuid, date, date)
TO ledger_writer, ledger_reader;

-- Writing: the writer only.
GRANT EXECUTE ON FUNCTION
ledger.append(uuid, bigint, jsonb),
ledger.open_account(uuid, text, timestamptz, uuid, jsonb),
ledger.deposit(uuid, numeric, bigint, timestamptz, uuid, jsonb, text),
ledger.withdraw(uuid, numeric, bigint, timestamptz, uuid, jsonb),
ledger.transfer(uuid, uuid, numeric, timestamptz, uuid, jsonb)
TO ledger_writer;

-- Subscribers: claiming and advancing a checkpoint, and the daily_totals handler, write; the
-- writer role runs them. Resetting a subscription or a projection stays with the owner.
GRANT EXECUTE ON FUNCTION
ledger.claim_subscription(text),
ledger.advance_subscription(text, xid8, bigint, bigint),
ledger.subscriber_waiting(text, boolean),
ledger.daily_totals_apply(bigint[])
TO ledger_writer;

-- Not granted to anyone: the internals (append_events, parse_event, store_projection, ...),
-- which trust their callers, and the administration (rebuild_snapshots, set_snapshot_interval,
-- define_snapshot_trigger, reset_subscription, daily_totals_reset), which stays with the owner.
