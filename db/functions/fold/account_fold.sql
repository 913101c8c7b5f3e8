-- ledger.account_apply(state, event): the transition function of the account fold, and
-- ledger.account_fold(event): the aggregate over it.
--
-- Folding an account's events in sequence order gives its state. The fold is strict: it raises
-- on any transition the domain forbids, and ledger.append computes every new state with this
-- same function, so no history the fold would reject can ever be stored, and the projection
-- (built incrementally) equals the replay (built from scratch) by construction.
--
-- Raises: LG002 first event is not AccountOpened, LG003 AccountOpened on an open account,
-- LG004 withdrawal beyond the balance, LG005 event of another aggregate / out of sequence /
-- unknown type, LG006 occurred_at earlier than the previous event.
--
-- Events of older versions are upcast first (ledger.upcast), so the fold sees every event in the
-- current shape of its type.
--
-- No SET clause on purpose: it is called once per event, and a SET clause costs a GUC
-- save/restore per call. Every name is schema-qualified; callers inside ledger run it under
-- their pinned search_path.
CREATE OR REPLACE FUNCTION ledger.account_apply(p_state ledger.account, p_event ledger.events)
RETURNS ledger.account
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
DECLARE
    v_amount numeric;
BEGIN
    -- Stored events of older versions are folded in the current shape.
    IF p_event.event_version <> ledger.current_event_version(p_event.event_type) THEN
        p_event := ledger.upcast(p_event);
    END IF;
    IF p_state.version IS NULL THEN
        IF p_event.event_type <> 'AccountOpened' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG002',
                MESSAGE = pg_catalog.format('account %s does not exist', p_event.aggregate_id),
                HINT = 'Open the account first: its first event must be AccountOpened.';
        END IF;
        IF p_event.sequence_number <> 1 THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    'event out of sequence for account %s: expected sequence number 1, got %s',
                    p_event.aggregate_id, p_event.sequence_number),
                HINT = 'Fold an account''s events ordered by sequence_number, starting at 1 or from a snapshot.';
        END IF;
        p_state.account_id := p_event.aggregate_id;
        p_state.owner_name := p_event.payload ->> 'owner_name';
        p_state.balance := 0.00;
        p_state.opened_at := p_event.occurred_at;
    ELSE
        IF p_event.aggregate_id <> p_state.account_id
            OR p_event.sequence_number <> p_state.version + 1 THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    'event out of sequence: state is account %s at version %s, event is account %s sequence number %s',
                    p_state.account_id, p_state.version, p_event.aggregate_id, p_event.sequence_number),
                HINT = 'Fold an account''s events ordered by sequence_number, starting at 1 or from a snapshot.';
        END IF;
        IF p_event.event_type = 'AccountOpened' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG003',
                MESSAGE = pg_catalog.format(
                    'account %s already exists (opened at %s)', p_state.account_id, p_state.opened_at);
        END IF;
        IF p_event.occurred_at < p_state.last_event_at THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG006',
                MESSAGE = pg_catalog.format(
                    'occurred_at %s of account %s event %s is earlier than the previous event''s %s',
                    p_event.occurred_at, p_event.aggregate_id, p_event.sequence_number,
                    p_state.last_event_at),
                HINT = 'Events of one account must be appended in time order; omit occurred_at to use the database clock.';
        END IF;
        CASE p_event.event_type
            WHEN 'MoneyDeposited' THEN
                p_state.balance := p_state.balance + (p_event.payload ->> 'amount')::numeric;
            WHEN 'MoneyWithdrawn' THEN
                v_amount := (p_event.payload ->> 'amount')::numeric;
                IF v_amount > p_state.balance THEN
                    RAISE EXCEPTION USING
                        ERRCODE = 'LG004',
                        MESSAGE = pg_catalog.format(
                            'insufficient funds in account %s: balance %s, withdrawal %s',
                            p_state.account_id, p_state.balance, v_amount);
                END IF;
                p_state.balance := p_state.balance - v_amount;
            ELSE
                RAISE EXCEPTION USING
                    ERRCODE = 'LG005',
                    MESSAGE = pg_catalog.format('unknown event_type %L', p_event.event_type);
        END CASE;
    END IF;
    p_state.version := p_event.sequence_number;
    p_state.last_event_at := p_event.occurred_at;
    RETURN p_state;
END;
$function$;

COMMENT ON FUNCTION ledger.account_apply(ledger.account, ledger.events) IS
'Transition function of the account fold: the state after one event. Strict: raises LG002, LG003, LG004, LG005 or LG006 on a forbidden transition.';

-- The fold. Use it ordered: ledger.account_fold(e ORDER BY e.sequence_number).
-- (noqa: sqlfluff's postgres dialect does not know CREATE AGGREGATE's option list.)
CREATE OR REPLACE AGGREGATE ledger.account_fold(ledger.events) (  -- noqa: LT01
    SFUNC = ledger.account_apply,  -- noqa: CP05
    STYPE = ledger.account  -- noqa: CP05
);

COMMENT ON AGGREGATE ledger.account_fold(ledger.events) IS  -- noqa: LT01
'Fold of an account''s events into its state. Call with ORDER BY sequence_number; NULL over no events.';
