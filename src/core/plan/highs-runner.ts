import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Sparse model data in the shape `highs.createModel` accepts (CSC matrix). */
export interface LinearModel {
  numCols: number;
  numRows: number;
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  matrix: {
    format: 'csc';
    numRows: number;
    numCols: number;
    starts: Int32Array;
    indices: Int32Array;
    values: Float64Array;
  };
  integrality?: Int32Array;
}

export type SolveOutcome =
  | {
      kind: 'optimal';
      objective: number;
      colValue: Float64Array;
      bound: number;
      /** Row duals of an LP (HiGHS's sign: ≤ 0 on a binding upper bound when minimising). */
      rowDual?: Float64Array;
    }
  | { kind: 'infeasible' }
  | {
      kind: 'limit';
      objective: number | undefined;
      colValue: Float64Array | undefined;
      bound: number | undefined;
    }
  | { kind: 'failed'; message: string };

interface WorkerReply {
  id: number;
  status?: number;
  objective?: number;
  colValue?: Float64Array;
  rowDual?: Float64Array;
  dualBound?: number;
  hasSolution?: boolean;
  error?: string;
}

// HiGHS runs in a worker thread so that the caller's event loop keeps going and so that a solve that
// ignores its time limit (it happens) can be cut off by terminating the worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
require('node:v8').setFlagsFromString(workerData.v8Flags);
const loadHighs = require(workerData.highsPath);
const highsReady = loadHighs();
parentPort.on('message', async (job) => {
  let model;
  try {
    const highs = await highsReady;
    // A queued job with a deadline gets the time left when it starts, or is skipped past it.
    const timeLimit = job.deadlineAt === undefined ? job.timeLimit : (job.deadlineAt - Date.now()) / 1000;
    if (timeLimit < 0.02) {
      parentPort.postMessage({ id: job.id, status: -1 });
      return;
    }
    model = highs.createModel(job.model);
    model.options.set(Object.assign({ output_flag: false, time_limit: timeLimit, mip_rel_gap: 0, mip_abs_gap: 0.99 }, job.options));
    if (job.solution) model.setSolution({ colValue: job.solution });
    model.run();
    const status = model.getModelStatus();
    const info = model.info;
    let dualBound;
    try { dualBound = info.get('mip_dual_bound'); } catch { dualBound = undefined; }
    let hasSolution = false;
    try { hasSolution = info.get('primal_solution_status') === 2; } catch { hasSolution = false; }
    const sol = model.getSolution();
    parentPort.postMessage({ id: job.id, status, objective: model.getObjectiveValue(), colValue: sol.colValue, rowDual: job.duals ? sol.rowDual : undefined, dualBound, hasSolution });
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: String(e && e.message || e) });
  } finally {
    if (model) model.dispose();
  }
});
`;

/**
 * The options of the relaxations whose time decides a plan's quality (the early LP, the LPs of groups):
 * HiGHS's presolve costs more than it saves on them. Measured on the aggregated LPs of the bench's operations
 * (2 Dec 2026, Liftoff, 3 solves each): 1,000 sites 846–890 ms with presolve, 626–673 ms without; 2,000 sites
 * 4.4–4.6 s against 2.5–2.6 s; 200 sites 160–213 against 115–153 ms. In the planner at 1,000 sites the LP
 * then lands at 1.0–1.4 s instead of 1.2–1.85 s, and with a busy loop on the other core 4 of 4 runs ended
 * 0.11 % from the bound, against 2 of 4 (the others 4–5 %).
 */
export const LP_WITHOUT_PRESOLVE = { presolve: 'off' } as const;

const OPTIMAL = 7;
const INFEASIBLE = 8;

/** One HiGHS worker for a planning run; solves one model at a time, each under a watchdog. */
export class HighsRunner {
  private worker: Worker | undefined;
  private nextId = 1;
  private dead = false;
  /** Settles the solves in flight (as failed) when the runner is closed under them. */
  private readonly pending = new Set<() => void>();

  /**
   * `hardDeadlineAt` (Date.now() clock): no solve outlives it by more than 50 ms, whatever its own limit
   * (the planner's time limit is a promise to its caller; HiGHS overruns its own under load).
   */
  constructor(
    private readonly hardDeadlineAt = Infinity,
    /**
     * Keep HiGHS on V8's baseline WebAssembly code (Liftoff): about 1.4× slower once warm, but no
     * background optimisation competing for the cores, which costs short runs on small models more.
     */
    private readonly baselineOnly = false,
  ) {}

  /** True once the worker was stopped (by the watchdog or close): no further solves. */
  get stopped(): boolean {
    return this.dead;
  }

  /** Starts the worker (and HiGHS's WebAssembly compile) now, so that it is ready by the first solve. */
  prepare(): void {
    this.ensureWorker();
  }

  private ensureWorker(): Worker | undefined {
    if (this.dead) return undefined;
    if (!this.worker) {
      const highsPath = createRequire(import.meta.url).resolve('highs');
      this.worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          highsPath,
          // V8's flags are the process's: each worker sets the tier it wants before HiGHS compiles.
          v8Flags: this.baselineOnly ? '--liftoff-only' : '--no-liftoff-only',
        },
        resourceLimits: { maxOldGenerationSizeMb: 512 },
      });
      this.worker.unref();
    }
    return this.worker;
  }

  /** Solves with HiGHS's own time limit, and terminates the worker if it overruns it by a margin. */
  async solve(
    model: LinearModel,
    opts: {
      timeLimitMs: number;
      mip: boolean;
      solution?: Float64Array;
      options?: Record<string, unknown>;
      /** Return the row duals of an LP. */
      duals?: boolean;
      /**
       * Instead of timeLimitMs from now: the solve ends by this time (Date.now() clock) whenever it starts,
       * so that several solves can be queued at once.
       */
      deadlineAt?: number;
    },
  ): Promise<SolveOutcome> {
    const worker = this.ensureWorker();
    if (!worker) return { kind: 'failed', message: 'solver stopped earlier' };
    const id = this.nextId++;
    const limitMs = opts.deadlineAt === undefined ? opts.timeLimitMs : opts.deadlineAt - Date.now();
    const seconds = Math.max(0.05, limitMs / 1000);
    const options: Record<string, unknown> = { ...(opts.mip ? {} : { solver: 'simplex' }), ...opts.options };
    const { integrality, ...rest } = model;
    const payload = opts.mip && integrality ? { ...rest, integrality } : rest;
    return new Promise<SolveOutcome>((resolve) => {
      const watchdog = setTimeout(
        () => {
          cleanup();
          this.dead = true;
          void worker.terminate();
          this.worker = undefined;
          // Solves queued behind this one will get no answer either.
          for (const abandon of [...this.pending]) abandon();
          resolve({ kind: 'limit', objective: undefined, colValue: undefined, bound: undefined });
        },
        Math.max(0, Math.min(Math.max(0, limitMs) * 1.5 + 1000, this.hardDeadlineAt + 50 - Date.now())),
      );
      const onMessage = (m: WorkerReply) => {
        if (m.id !== id) return;
        cleanup();
        if (m.error !== undefined) resolve({ kind: 'failed', message: m.error });
        else if (m.status === OPTIMAL && m.colValue)
          resolve({
            kind: 'optimal',
            objective: m.objective ?? 0,
            colValue: m.colValue,
            bound: opts.mip ? (m.dualBound ?? m.objective ?? 0) : (m.objective ?? 0),
            ...(m.rowDual ? { rowDual: m.rowDual } : {}),
          });
        else if (m.status === INFEASIBLE) resolve({ kind: 'infeasible' });
        else
          resolve({
            kind: 'limit',
            objective: m.hasSolution ? m.objective : undefined,
            colValue: m.hasSolution ? m.colValue : undefined,
            bound:
              opts.mip && m.dualBound !== undefined && Number.isFinite(m.dualBound) ? m.dualBound : undefined,
          });
      };
      const onError = (e: Error) => {
        cleanup();
        this.dead = true;
        this.worker = undefined;
        resolve({ kind: 'failed', message: e.message });
      };
      const abandon = () => {
        cleanup();
        resolve({ kind: 'failed', message: 'solver closed' });
      };
      this.pending.add(abandon);
      const cleanup = () => {
        this.pending.delete(abandon);
        clearTimeout(watchdog);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({
        id,
        model: payload,
        timeLimit: seconds,
        options,
        solution: opts.solution,
        duals: opts.duals === true && !opts.mip,
        deadlineAt: opts.deadlineAt,
      });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.dead = true;
    for (const abandon of [...this.pending]) abandon();
    // A worker inside a long WebAssembly call takes a while (200 ms measured) to stop; the caller need not
    // wait for it beyond a moment, it ends on its own.
    if (w)
      await Promise.race([w.terminate(), new Promise<void>((resolve) => setTimeout(resolve, 10).unref())]);
  }
}
