// pgledger from Node with node-postgres (pg). Every call is one SQL function of schema ledger;
// every rule is enforced by the database, the client only carries values and maps SQLSTATEs.
// docs/clients.md explains each step; tests/test_examples.py runs this file (`make test`).
//
// Connection: the libpq variables PGHOST (a host, or a Unix-socket directory), PGPORT, PGUSER,
// PGDATABASE. Run as a member of ledger_writer. The subscription SUBSCRIPTION (default
// "node_example") must exist: the ledger's owner creates it with
// SELECT ledger.create_subscription('node_example');
import { randomUUID } from 'node:crypto';
import pg from 'pg';

// SQLSTATE -> error name, as the Python client names them (docs/clients.md, "Errors").
const LEDGER_ERRORS = {
  LG001: 'ConcurrencyError',
  LG002: 'AccountNotFound',
  LG003: 'AccountAlreadyExists',
  LG004: 'InsufficientFunds',
  LG005: 'InvalidEvent',
  LG006: 'EventTimeOrderError',
  LG007: 'HistoryImmutable',
  LG008: 'IdempotencyConflict',
  LG009: 'SubscriptionError',
  LG010: 'ApiReplaced',
  LG011: 'MigrationError',
};

export class LedgerError extends Error {
  constructor(cause) {
    super(cause.message, { cause });
    this.name = LEDGER_ERRORS[cause.code];
    this.code = cause.code; // the SQLSTATE
    this.hint = cause.hint; // pg puts HINT and DETAIL on the error as they are
    this.detail = cause.detail;
  }
}

// One call of the SQL API; an LG error becomes a LedgerError, anything else is left as it is.
async function call(db, text, values = []) {
  try {
    return await db.query(text, values);
  } catch (error) {
    if (error.code in LEDGER_ERRORS) throw new LedgerError(error);
    throw error;
  }
}

// Amounts are decimal strings ("12.50"). A JS number is a binary fraction: 0.1 + 0.2 is sent as
// 0.30000000000000004 and refused, 100 happens to pass. Refuse numbers before they are sent.
function money(amount) {
  if (typeof amount !== 'string') throw new TypeError(`amounts are decimal strings such as "12.50", got ${amount}`);
  return amount;
}

// bigint (versions, positions) arrives as a string ('2'): exact, and Number() is exact below 2^53.
const version = (result) => Number(Object.values(result.rows[0])[0]);

const pool = new pg.Pool({ max: 4 });
const subscription = process.env.SUBSCRIPTION ?? 'node_example';
const account = randomUUID(); // uuids travel as strings; the ::uuid casts make the types exact

try {
  // 1. Open an account and deposit with the payer's reference (named arguments skip the defaults).
  let result = await call(pool, 'SELECT ledger.open_account($1::uuid, $2::text)', [account, 'Ada Lovelace']);
  console.log(`open_account ${account} -> version ${version(result)}`);
  //    The event id is ours: a retry with it (after a lost connection, say) is applied once.
  const deposit = 'SELECT ledger.deposit(p_account_id => $1::uuid, p_amount => $2::numeric, p_event_id => $3::uuid, p_reference => $4::text)';
  const depositId = randomUUID();
  result = await call(pool, deposit, [account, money('100.00'), depositId, 'June salary']);
  console.log(`deposit 100.00 reference "June salary" -> version ${version(result)}`);
  result = await call(pool, deposit, [account, money('100.00'), depositId, 'June salary']);
  console.log(`the same deposit again (same event id) -> version ${version(result)}`);

  // 2. A refused withdrawal: SQLSTATE LG004.
  try {
    await call(pool, 'SELECT ledger.withdraw($1::uuid, $2::numeric)', [account, money('500.00')]);
  } catch (error) {
    if (!(error instanceof LedgerError) || error.code !== 'LG004') throw error;
    console.log(`withdraw 500.00 refused: ${error.name} (${error.code}): ${error.message}`);
  }
  // What a JS number does (sent without money(), to show it): refused by accident here.
  try {
    await call(pool, 'SELECT ledger.deposit($1::uuid, $2::numeric)', [account, 0.1 + 0.2]);
  } catch (error) {
    console.log(`deposit of the JS number 0.1 + 0.2 refused: ${error.name} (${error.code}): ${error.message}`);
  }

  // 3. A transaction: two calls on one client commit together. A JSON array for ledger.append
  //    must be JSON.stringify'd: pg would send a JS array as a PostgreSQL array ('{...}').
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    result = await call(client, 'SELECT ledger.withdraw($1::uuid, $2::numeric, p_expected_version => $3::bigint)', [
      account,
      money('30.25'),
      2,
    ]);
    const events = [
      { event_type: 'MoneyDeposited', payload: { amount: money('5.00'), reference: 'refund' } },
      { event_type: 'MoneyWithdrawn', payload: { amount: money('1.50') } },
    ];
    result = await call(client, 'SELECT ledger.append($1::uuid, $2::bigint, $3::jsonb)', [
      account,
      version(result),
      JSON.stringify(events),
    ]);
    await client.query('COMMIT');
    console.log(`one transaction: withdraw 30.25 and append 2 events -> version ${version(result)}`);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  // A stale expected version: LG001 with a HINT.
  try {
    await call(pool, 'SELECT ledger.deposit($1::uuid, $2::numeric, $3::bigint)', [account, money('1.00'), 2]);
  } catch (error) {
    if (error.code !== 'LG001') throw error;
    console.log(`stale expected_version: ${error.name} (${error.code}): ${error.message}; hint: ${error.hint}`);
  }

  // 4. A temporal read at a time the database gave. pg turns timestamptz into a JS Date, which
  //    keeps milliseconds only: the account's state "at" that Date misses an event recorded
  //    later in the same millisecond. Ask for the text form (::text) and pass that back.
  result = await call(pool, 'SELECT version, balance, last_event_at, last_event_at::text AS last_event_text FROM ledger.account_state($1::uuid)', [account]);
  const state = result.rows[0];
  console.log(`account_state: version ${state.version}, balance ${state.balance}, last_event_at ${state.last_event_text}`);
  result = await call(pool, 'SELECT version, balance FROM ledger.account_state_at($1::uuid, $2::timestamptz)', [account, state.last_event_text]);
  console.log(`account_state_at(last_event_at as text) -> version ${result.rows[0].version}, balance ${result.rows[0].balance}`);
  result = await call(pool, 'SELECT version FROM ledger.account_state_at($1::uuid, $2::timestamptz)', [account, state.last_event_at]);
  console.log(`account_state_at(last_event_at as a JS Date, ${state.last_event_at.toISOString()}) -> version ${result.rows[0]?.version}`);

  // 5. One subscriber batch: positions first (own transaction), then claim, read, handle, advance.
  await call(pool, 'SELECT ledger.assign_positions()');
  const consumer = await pool.connect();
  try {
    await consumer.query('BEGIN');
    const claimed = await call(consumer, 'SELECT ledger.claim_subscription($1) AS checkpoint', [subscription]);
    const checkpoint = claimed.rows[0].checkpoint; // a string, or null: another instance holds it
    if (checkpoint === null) {
      await consumer.query('ROLLBACK');
      console.log(`subscription ${subscription} is held by another instance`);
    } else {
      const batch = await call(consumer, 'SELECT position, event_type, payload FROM ledger.read_all($1::bigint, $2::integer)', [checkpoint, 100]);
      for (const event of batch.rows) {
        // Handle it here; writes made through `consumer` commit with the checkpoint (exactly once).
        console.log(`  position ${event.position}: ${event.event_type} ${JSON.stringify(event.payload)}`);
      }
      if (batch.rows.length > 0) {
        const last = batch.rows[batch.rows.length - 1].position;
        await call(consumer, 'SELECT ledger.advance_subscription($1, $2::bigint)', [subscription, last]);
      }
      await consumer.query('COMMIT');
      console.log(`subscriber ${subscription}: ${batch.rows.length} events from position ${checkpoint}, checkpoint now ${batch.rows.at(-1)?.position ?? checkpoint}`);
    }
  } catch (error) {
    await consumer.query('ROLLBACK');
    throw error;
  } finally {
    consumer.release();
  }
} finally {
  await pool.end();
}
