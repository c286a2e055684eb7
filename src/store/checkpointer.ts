import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite WAL checkpoints off the request path. A checkpoint copies the write-ahead log back into the
 * database file and syncs both; left to SQLite, it runs inside the commit that takes the log past
 * `wal_autocheckpoint` pages, and that commit waits for it (measured: about one incident write in a hundred
 * took 10–50 ms, half the time of all writes). Here a worker thread with its own connection checkpoints
 * every `everyMs`, so commits only append to the log.
 *
 * Durability is unchanged: a commit is acknowledged once it is in the log, with or without this thread,
 * and a checkpoint never loses a committed page. PASSIVE checkpoints never wait for, nor block, readers
 * and writers. The writer's own automatic checkpoint stays, at a higher mark, so the log stays bounded if
 * this thread falls behind or stops.
 */
export interface Checkpointer {
  /** Stops the thread and closes its connection; call before closing the writer's. */
  stop(): Promise<void>;
}

/** The writer's own checkpoint mark while a checkpointer runs (pages of 4 KiB: 16 MiB of log). */
export const BACKSTOP_CHECKPOINT_PAGES = 4000;

// Plain CommonJS, so the thread needs no TypeScript loader; the driver is resolved here, so the thread
// finds it whatever the working directory.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    parentPort.postMessage({ failed: String(e && e.message ? e.message : e) });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(file: string, everyMs = 20): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, everyMs },
  });
  // Never what keeps a process alive.
  worker.unref();
  let reported = false;
  const report = (message: string) => {
    // Once: a failing checkpoint fails again every few milliseconds; the writer's backstop takes over.
    if (!reported) console.error(`SQLite background checkpoint failed: ${message}`);
    reported = true;
  };
  worker.on('message', (m: { failed?: string }) => {
    if (m.failed) report(m.failed);
  });
  worker.on('error', (e) => report(e.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Held until it has exited: an unreferenced thread would let the process end before the close.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
