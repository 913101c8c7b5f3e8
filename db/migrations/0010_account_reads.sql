-- 0010_account_reads: what a DBA or an application reads besides one account: finding accounts
-- by owner, and ledger-wide totals kept up to date without a full scan.
--
-- Accounts by owner name: an index on the lower-cased name in byte order (COLLATE "C": it serves
-- prefix searches, and pages come out of it already sorted), then the id, for
-- ledger.find_accounts. owner_name never changes after the opening, so the projection's updates
-- stay HOT and appends do not pay for it.
CREATE INDEX accounts_owner_name_idx ON ledger.accounts ((pg_catalog.lower(owner_name) COLLATE "C"), account_id);

-- Ledger-wide totals, one row, kept by ledger.totals() from the events after its checkpoint
-- (subscription "ledger_totals"): reading them never scans the store.
CREATE TABLE ledger.ledger_totals (
    singleton boolean PRIMARY KEY DEFAULT TRUE,
    account_count bigint NOT NULL,
    event_count bigint NOT NULL,
    deposited numeric NOT NULL,
    withdrawn numeric NOT NULL,
    CONSTRAINT ledger_totals_singleton_check CHECK (singleton)
);

COMMENT ON TABLE ledger.ledger_totals IS
'Totals of the whole ledger up to the position of subscription ledger_totals; kept by ledger.totals().';

-- Seeded from the events that have positions (0009 gave every stored event one).
INSERT INTO ledger.ledger_totals (account_count, event_count, deposited, withdrawn)
SELECT
    pg_catalog.count(*) FILTER (WHERE e.event_type = 'AccountOpened') AS account_count,
    pg_catalog.count(*) AS event_count,
    coalesce(pg_catalog.sum((e.payload ->> 'amount')::numeric) FILTER (WHERE e.event_type = 'MoneyDeposited'), 0) AS deposited,
    coalesce(pg_catalog.sum((e.payload ->> 'amount')::numeric) FILTER (WHERE e.event_type = 'MoneyWithdrawn'), 0) AS withdrawn
FROM ledger.event_positions AS p
INNER JOIN ledger.events AS e ON p.id = e.id;

INSERT INTO ledger.subscriptions (name, position, events_processed)
SELECT
    'ledger_totals' AS name,
    pg_catalog.count(*) AS position,
    pg_catalog.count(*) AS events_processed
FROM ledger.event_positions;

-- ledger.account_history gains columns (reference, counterparty, transfer_id, event_id): a new
-- result type, so the old function goes (db/functions creates the new one).
DROP FUNCTION IF EXISTS ledger.account_history(uuid, timestamptz, timestamptz);
