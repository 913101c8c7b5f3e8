-- pgledger from psql: the SQL API as any client sees it. docs/clients.md explains each step;
-- tests/test_examples.py runs this file (`make test`):
--
--   psql -X -v ON_ERROR_STOP=1 -v subscription=psql_example -d 'dbname=mydb user=app' -f ledger_example.sql
--
-- Run as a member of ledger_writer. The subscription must exist: the ledger's owner creates it
-- with SELECT ledger.create_subscription('psql_example');
\set QUIET on
\pset footer off

-- 1. Open an account and deposit with the payer's reference. The event id is ours: a retry of
--    the same deposit with it (after a lost connection, say) is applied once.
SELECT gen_random_uuid() AS account, gen_random_uuid() AS deposit_id \gset
SELECT ledger.open_account(:'account', 'Ada Lovelace') AS version;
SELECT ledger.deposit(p_account_id => :'account', p_amount => 100.00, p_event_id => :'deposit_id',
                      p_reference => 'June salary') AS version;
SELECT ledger.deposit(p_account_id => :'account', p_amount => 100.00, p_event_id => :'deposit_id',
                      p_reference => 'June salary') AS "version (the same deposit again)";

-- 2. A refused withdrawal: SQLSTATE LG004 (psql keeps it in LAST_ERROR_SQLSTATE).
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT ledger.withdraw(:'account', 500.00);
\set VERBOSITY default
\set ON_ERROR_STOP 1
\echo refused with SQLSTATE :LAST_ERROR_SQLSTATE

-- 3. A transaction: both calls commit together, or neither.
BEGIN;
SELECT ledger.withdraw(:'account', 30.25, p_expected_version => 2) AS version;
SELECT ledger.append(:'account', 3, '[
    {"event_type": "MoneyDeposited", "payload": {"amount": "5.00", "reference": "refund"}},
    {"event_type": "MoneyWithdrawn", "payload": {"amount": "1.50"}}
]') AS version;
COMMIT;

-- 4. A temporal read at a time the database gave (its text form keeps the microseconds).
SELECT version, balance, last_event_at FROM ledger.account_state(:'account') \gset state_
SELECT version, balance FROM ledger.account_state_at(:'account', :'state_last_event_at');
SELECT version, balance FROM ledger.account_state_at(:'account', :'state_last_event_at'::timestamptz - interval '1 microsecond');

-- 5. One subscriber batch: positions first (their own transaction), then claim, read, handle, advance.
SELECT ledger.assign_positions() AS positioned \gset
BEGIN;
SELECT checkpoint, checkpoint IS NULL AS held_elsewhere
FROM ledger.claim_subscription(:'subscription') AS checkpoint \gset
\if :held_elsewhere
    \echo subscription :subscription is held by another instance
    ROLLBACK;
\else
    CREATE TEMPORARY TABLE batch ON COMMIT DROP AS SELECT * FROM ledger.read_all(:'checkpoint', 100);
    SELECT position, event_type, payload FROM batch ORDER BY position;
    -- ... handle them here: what this transaction writes commits with the checkpoint ...
    SELECT ledger.advance_subscription(:'subscription', max(position)) AS checkpoint FROM batch HAVING count(*) > 0;
    COMMIT;
\endif
