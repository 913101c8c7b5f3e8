-- Finish: the last step of `pgledger migrate` and db/install.sql. Idempotent.
--
-- The identity sequence of ledger.events never falls behind the stored ids. It can when the
-- rows arrived without it: on a logical-replication copy (sequences are not replicated) that is
-- being made the primary, or after rows were copied in by hand. Appends would then fail on the
-- primary key. Moved forward only (the migration lock keeps appends out meanwhile); never back,
-- which could hand out an id that an append in flight holds.
DO $finish$
DECLARE
    v_sequence text := pg_catalog.pg_get_serial_sequence('ledger.events', 'id');
    v_max bigint;
    v_last bigint;
BEGIN
    SELECT pg_catalog.max(e.id) INTO v_max FROM ledger.events AS e;
    EXECUTE pg_catalog.format('SELECT last_value FROM %s', v_sequence) INTO v_last;
    IF v_max > v_last THEN
        PERFORM pg_catalog.setval(v_sequence, v_max);
    END IF;
END;
$finish$;
