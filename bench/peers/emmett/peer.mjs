// pgledger benchmark peer: Emmett's PostgreSQL event store, used the way its docs show.
//
//   node peer.mjs CONNECTION_STRING WORKLOAD [--events N] [--connections C]
//                 [--trials T] [--warmup W] [--stream NAME]
//
// Prints one line of JSON: {"workload", "events", "connections", "emmett", "samples_s": [...]},
// seconds per timed trial (performance.now() around the work only; set-up is not timed).
//
// Workloads (one event store, getPostgreSQLEventStore, with its default pg pool of 10):
//   single     C workers at once, each appending events/C events to its own stream, one event
//              per appendToStream (each its own transaction). Each stream is opened (one
//              AccountOpened event) before the clock starts, as a ledger account is.
//   batch      one appendToStream of `events` events to a freshly opened stream.
//   rebuild    aggregateStream of a stream of `events` events (AccountOpened + deposits),
//              folded in JS by `evolve`; the stream (--stream, required) is written once,
//              on first use, and reused by later runs. The folded balance is checked.
//
// Emmett creates its own tables (emt_*) in the first schema of the search_path: the caller
// points it at a schema of its own with the connection string's `options=-c search_path=...`.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';

const AMOUNT = '1.00';
const CHUNK = 1000; // events per appendToStream when writing the rebuild stream

const deposit = () => ({ type: 'MoneyDeposited', data: { amount: AMOUNT } });
const opened = () => ({ type: 'AccountOpened', data: { ownerName: 'peer benchmark' } });
const depositsOf = (count) => Array.from({ length: count }, deposit);
const newStreamName = () => `account-${randomUUID()}`;

// The account's state, folded from its events (Emmett's aggregateStream calls this per event).
const initialState = () => ({ opened: false, balance: 0, version: 0 });
const evolve = (state, event) => {
  switch (event.type) {
    case 'AccountOpened':
      return { ...state, opened: true, version: state.version + 1 };
    case 'MoneyDeposited':
      return { ...state, balance: state.balance + Number(event.data.amount), version: state.version + 1 };
    default:
      return state;
  }
};

async function openStream(store) {
  const stream = newStreamName();
  await store.appendToStream(stream, [opened()]);
  return stream;
}

async function timeIt(work) {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function singleTrial(store, events, connections) {
  const streams = await Promise.all(Array.from({ length: connections }, () => openStream(store)));
  const perWorker = Math.floor(events / connections);
  const worker = async (stream) => {
    for (let i = 0; i < perWorker; i++) await store.appendToStream(stream, [deposit()]);
  };
  return timeIt(() => Promise.all(streams.map(worker)));
}

async function batchTrial(store, events) {
  const stream = await openStream(store);
  const batch = depositsOf(events);
  return timeIt(() => store.appendToStream(stream, batch));
}

async function ensureRebuildStream(store, stream, events) {
  const { currentStreamVersion } = await store.readStream(stream, { from: BigInt(events) });
  if (currentStreamVersion === BigInt(events)) return;
  const { streamExists } = await store.readStream(stream, { from: 1n, maxCount: 1n });
  if (streamExists) throw new Error(`stream ${stream} exists but does not have exactly ${events} events`);
  await store.appendToStream(stream, [opened(), ...depositsOf(Math.min(CHUNK, events) - 1)]);
  for (let done = Math.min(CHUNK, events); done < events; done += CHUNK) {
    await store.appendToStream(stream, depositsOf(Math.min(CHUNK, events - done)));
  }
}

async function rebuildTrial(store, events, stream) {
  let result;
  const elapsed = await timeIt(async () => {
    result = await store.aggregateStream(stream, { evolve, initialState });
  });
  const { state } = result;
  if (state.version !== events || state.balance !== (events - 1) * Number(AMOUNT)) {
    throw new Error(`rebuilt ${stream} to ${JSON.stringify(state)}, expected ${events} events`);
  }
  return elapsed;
}

function trialOf(store, args) {
  const { workload, events, connections, stream } = args;
  switch (workload) {
    case 'single':
      return () => singleTrial(store, events, connections);
    case 'batch':
      return () => batchTrial(store, events);
    case 'rebuild':
      if (!stream) throw new Error('rebuild needs --stream NAME');
      return () => rebuildTrial(store, events, stream);
    default:
      throw new Error(`unknown workload ${workload} (single, batch, rebuild)`);
  }
}

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      events: { type: 'string', default: '1000' },
      connections: { type: 'string', default: '1' },
      trials: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '1' },
      stream: { type: 'string' },
    },
  });
  if (positionals.length !== 2) throw new Error('usage: node peer.mjs CONNECTION_STRING WORKLOAD [options]');
  const count = (name) => {
    const value = Number.parseInt(values[name], 10);
    if (!(value >= 0)) throw new Error(`--${name} must be a whole number, got ${values[name]}`);
    return value;
  };
  return {
    url: positionals[0],
    workload: positionals[1],
    events: count('events'),
    connections: Math.max(1, count('connections')),
    trials: count('trials'),
    warmup: count('warmup'),
    stream: values.stream,
  };
}

function emmettVersion() {
  const manifest = new URL('./node_modules/@event-driven-io/emmett-postgresql/package.json', import.meta.url);
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

async function main() {
  const args = parse(process.argv.slice(2));
  const store = getPostgreSQLEventStore(args.url);
  try {
    await store.schema.migrate();
    if (args.workload === 'rebuild') await ensureRebuildStream(store, args.stream, args.events);
    const trial = trialOf(store, args);
    for (let i = 0; i < args.warmup; i++) await trial();
    const samples = [];
    for (let i = 0; i < args.trials; i++) samples.push(await trial());
    const { workload, events, connections } = args;
    console.log(JSON.stringify({ workload, events, connections, emmett: emmettVersion(), samples_s: samples }));
  } finally {
    await store.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
