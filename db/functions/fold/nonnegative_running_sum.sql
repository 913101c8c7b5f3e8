-- ledger.nonnegative_running_sum(bigint): -2^63 plus the sum of its inputs, added in input order
-- by the built-in int8pl, which raises 22003 (bigint out of range) the moment the running sum is
-- negative (or beyond 2^64 - 1). ledger.full_fold_pass feeds it an account's amounts in cents in
-- sequence order: it finishes only if the balance never went below zero, at C speed.
-- (noqa: sqlfluff's postgres dialect does not know CREATE AGGREGATE's option list.)
CREATE OR REPLACE AGGREGATE ledger.nonnegative_running_sum(bigint) (  -- noqa: LT01
    SFUNC = pg_catalog.int8pl,  -- noqa: CP05
    STYPE = bigint,  -- noqa: CP05
    INITCOND = '-9223372036854775808'  -- noqa: CP05
);

COMMENT ON AGGREGATE ledger.nonnegative_running_sum(bigint) IS  -- noqa: LT01
'-2^63 plus the sum of its inputs, in input order; raises 22003 as soon as the running sum is negative (internal to ledger.full_fold_pass and ledger.verify).';
