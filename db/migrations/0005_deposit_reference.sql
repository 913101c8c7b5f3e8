-- 0005_deposit_reference: MoneyDeposited version 2 carries an optional "reference" (the payer's
-- reference, up to 140 characters, or null). The worked example of event versioning
-- (docs/versioning.md): stored version-1 rows are never rewritten; every read path, the fold
-- and the temporal queries included, sees them through ledger.upcast as version 2 with
-- "reference": null. ledger.deposit gains p_reference: a new parameter is a new signature, so
-- the old function is dropped here (if there is one: on a new database the functions come after
-- the migrations) and db/functions/deposit.sql creates the new one (in the same
-- transaction, before the privileges are granted again).
DROP FUNCTION IF EXISTS ledger.deposit(uuid, numeric, bigint, timestamptz, uuid, jsonb);
