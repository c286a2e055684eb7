import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { tokenFor } from '../support/auth.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';

/**
 * What the server acknowledged stays written: the real server, as a child process, takes a stream of
 * incident reports and is killed with SIGKILL in the middle of it; restarted on the same database, it
 * must still hold every incident it answered 201 for.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ACKS_BEFORE_KILL = 300;
const WRITERS = 4;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<NodeJS.Signals | number | null>;
}

const running = new Set<ChildProcess>();

async function startServer(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['bin/handover.js', 'serve', '--port', String(port), '--host', '127.0.0.1', '--no-demo'],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_REQUESTS: '0' }, stdio: 'pipe' },
  );
  running.add(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? code);
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the server exited before it was ready:\n${out}`);
    try {
      const r = await fetch(`${base}/api/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server was not ready within 15 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output: () => out, exited };
}

afterEach(async () => {
  for (const child of running) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
});

describe.each(backends)('SIGKILL mid-stream on $name', (backend) => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  it('keeps every incident it acknowledged', async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    // openStore reads DATABASE_URL only: a PostgreSQL schema travels in the URL's `options` parameter.
    const databaseUrl = opened.schema
      ? `${opened.url}?options=${encodeURIComponent(`-c search_path=${opened.schema}`)}`
      : opened.url;

    const auth = await tokenFor(opened.store, { username: 'durability-test', role: 'administrator' });
    const first = await startServer(databaseUrl);
    const health = (await (await fetch(`${first.base}/api/health`)).json()) as { database: string };
    expect(health.database).toBe(backend.name);
    const imported = await fetch(`${first.base}/api/scenario`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(demoScenario()),
    });
    expect(imported.status, first.output()).toBe(200);

    const acked: string[] = [];
    const refused: string[] = [];
    let inFlightAtKill = -1;
    let inFlight = 0;
    let next = 0;
    let killed = false;
    const writer = async () => {
      while (!killed) {
        const id = `dur-${next++}`;
        inFlight++;
        try {
          const r = await fetch(`${first.base}/api/incidents`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({
              id,
              at: '2022-01-12T10:00:00+06:00',
              kind: 'other',
              severity: 1,
              site: 'aksai-bakery',
              description: `durability probe ${id}`,
            }),
          });
          await r.text();
          if (r.status === 201) acked.push(id);
          else refused.push(`${id}: ${r.status}`);
        } catch {
          return; // the server is gone
        } finally {
          inFlight--;
        }
        if (acked.length >= ACKS_BEFORE_KILL && !killed) {
          killed = true;
          inFlightAtKill = inFlight;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    expect(await first.exited).toBe('SIGKILL');
    expect(refused).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    expect(inFlightAtKill, 'other writes were in flight when the server was killed').toBeGreaterThan(0);

    const second = await startServer(databaseUrl);
    const r = await fetch(`${second.base}/api/incidents?limit=10000`, { headers: auth });
    expect(r.status, second.output()).toBe(200);
    const held = new Set(((await r.json()) as { items: { id: string }[] }).items.map((i) => i.id));
    const lost = acked.filter((id) => !held.has(id));
    expect(lost, `acknowledged but lost after SIGKILL`).toEqual([]);
    // Demo incidents are still there, and nothing was made up: all probes held were sent.
    expect(held.has('inc-01')).toBe(true);
    expect([...held].filter((id) => id.startsWith('dur-')).every((id) => Number(id.slice(4)) < next)).toBe(
      true,
    );
    // The server wrote where the test looks: the same file, or the test's own PostgreSQL schema.
    const direct = await new HandoverService(opened.store).listIncidents({ limit: 10_000 }, DEMO_ACTOR);
    expect(direct.items.filter((i) => i.id.startsWith('dur-')).length).toBe(
      [...held].filter((id) => id.startsWith('dur-')).length,
    );
  }, 45_000);
});
