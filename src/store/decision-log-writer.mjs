// The decision log's SQLite writer, run in a worker thread so that appending thousands of
// decisions a second costs the request thread only a message. Plain JavaScript: Node loads worker
// entry points itself, without the TypeScript loader the rest of Tessera runs under.
import { parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';

const db = new SQLite(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const insert = db.prepare(
  'insert into decision_log (id, at, engine, scope, principal, action, resource, decision, determining_policies, errors, latency_us) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
// Rows arrive as JSON arrays: [at, engine, scope, principal, action, resource, decision, policies, errors, latency].
const appendAll = db.transaction((rows) => {
  for (const r of rows) insert.run(timeOrderedId(r[0]), r[0], r[1], r[2], r[3], r[4], r[5], r[6], JSON.stringify(r[7]), JSON.stringify(r[8]), r[9]);
});

/**
 * A UUIDv7, as `timeOrderedIds` in decision-log.ts makes them: time first, so inserts append, then a
 * counter within the millisecond, so decisions of one millisecond keep their order.
 */
let lastMs = -1;
let seq = 0;
function timeOrderedId(at) {
  const ms = Math.max(0, Math.floor(at));
  seq = ms === lastMs ? Math.min(seq + 1, 0xfff) : 0;
  lastMs = ms;
  const t = ms.toString(16).padStart(12, '0').slice(-12);
  return `${t.slice(0, 8)}-${t.slice(8)}-7${seq.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`;
}

parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    appendAll(JSON.parse(message.rows));
    parentPort.postMessage({ id: message.id });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
