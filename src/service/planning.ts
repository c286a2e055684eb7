import { Worker } from 'node:worker_threads';
import {
  namesInPlan,
  planScope,
  scopeChanges,
  scopeDiff,
  scopePlan,
  scopeWhatIf,
  type PlanNames,
  type PlanScope,
  type RegisterFacts,
} from '../core/auth/plan-scope.ts';
import { planHandover } from '../core/handover/lifecycle.ts';
import { agencyId, siteId } from '../core/ids.ts';
import type { Site, Unit } from '../core/model.ts';
import { comparePlans, type PlanDiff } from '../core/plan/diff.ts';
import type { Plan } from '../core/plan/planner.ts';
import { applyWhatIf, parseWhatIf, WhatIfError } from '../core/plan/what-if.ts';
import type { Scenario } from '../core/scenario/schema.ts';
import { lockAuditChain } from '../store/audit.ts';
import * as plans from '../store/plans.ts';
import * as repo from '../store/repositories.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import type { Actor, HandoverService } from './service.ts';

export interface PlanRequest {
  /** Seconds the planner may use (default 10). */
  timeLimitS?: number;
  /** What-if changes applied to the operation before planning. */
  whatIf?: string[];
}

export interface PlanRun extends plans.PlanRecord {
  result: Plan | null;
}

const WORKER_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import('tsx/esm/api').then(({ register }) => { register(); return import(workerData.module); });
`;
const WORKER_MODULE = new URL('./plan-worker.ts', import.meta.url).href;

/** How many planning runs one instance runs at once (the machine has few cores; HiGHS takes one). */
export const MAX_CONCURRENT_RUNS = 2;

/**
 * Planning runs on the operation in the database: each runs in a worker thread, reports progress to the
 * database (so every instance sees it), and stores its plan as a new version. A plan can be adopted,
 * which plans the handovers it proposes, and two versions can be compared.
 */
export class PlanningService {
  private readonly running = new Map<number, Promise<void>>();

  constructor(private readonly handover: HandoverService) {}

  private get db() {
    return this.handover.store.db;
  }

  /** Fails runs left behind by an instance that died; called once at start. */
  recoverAbandonedRuns(): Promise<number> {
    return plans.failAbandonedRuns(this.db);
  }

  async start(request: PlanRequest, actor: Actor): Promise<PlanRun> {
    this.handover.requireAllowed(actor, 'plan.run');
    if (this.running.size >= MAX_CONCURRENT_RUNS)
      throw new ConflictError(
        'planner-busy',
        `${this.running.size} planning runs are in progress on this instance; wait for one to finish.`,
      );
    const timeLimitS = request.timeLimitS ?? 10;
    let scenario: Scenario = await this.handover.exportScenario(actor);
    if (request.whatIf?.length) {
      try {
        scenario = applyWhatIf(scenario, parseWhatIf(request.whatIf));
      } catch (e) {
        if (e instanceof WhatIfError) throw new InputError([{ path: 'what_if', message: e.message }]);
        throw e;
      }
    }
    const adopted = await this.adopted();
    const id = await plans.insertPlanRun(this.db, {
      createdBy: actor.name,
      request: { time_limit_s: timeLimitS, what_if: request.whatIf ?? [] },
      previousPlanId: adopted?.id ?? null,
    });
    const done = this.runInWorker(id, scenario, timeLimitS * 1000, adopted?.plan).finally(() =>
      this.running.delete(id),
    );
    this.running.set(id, done);
    return this.load(id);
  }

  private runInWorker(id: number, scenario: Scenario, timeLimitMs: number, previous?: Plan): Promise<void> {
    return new Promise<void>((resolve) => {
      const worker = new Worker(WORKER_BOOTSTRAP, {
        eval: true,
        workerData: { module: WORKER_MODULE, scenario, timeLimitMs, previous },
      });
      let lastWrite = 0;
      let settled = false;
      const finish = async (outcome: { result: Plan; replanned?: plans.Replanned } | { error: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        await worker.terminate();
        await plans.finishPlanRun(this.db, id, outcome).catch(() => undefined);
        this.handover.notify({
          entity: 'plan',
          id: String(id),
          action: 'error' in outcome ? 'failed' : 'done',
        });
        resolve();
      };
      // The planner keeps to its time limit, but a solver stuck in WebAssembly cannot be interrupted
      // from inside: past the limit and a grace period, the worker is terminated.
      const watchdog = setTimeout(
        () =>
          void finish({
            error: `the planner did not finish within ${Math.round(timeLimitMs / 1000) + 30} s`,
          }),
        timeLimitMs + 30_000,
      );
      worker.on(
        'message',
        (
          m:
            | { type: 'progress'; phase: string; fraction: number }
            | { type: 'result'; plan: Plan; replanned?: plans.Replanned }
            | { type: 'error'; message: string },
        ) => {
          if (m.type === 'progress') {
            const now = Date.now();
            if (now - lastWrite < 300) return;
            lastWrite = now;
            void plans
              .updatePlanProgress(this.db, id, Math.max(0, Math.min(0.99, m.fraction)), m.phase)
              .catch(() => undefined);
            this.handover.notify({ entity: 'plan', id: String(id), action: 'progress' });
          } else if (m.type === 'result')
            void finish({ result: m.plan, ...(m.replanned ? { replanned: m.replanned } : {}) });
          else void finish({ error: m.message });
        },
      );
      worker.on('error', (e) => void finish({ error: e.message }));
      worker.on('exit', (code) => void finish({ error: `the planner stopped unexpectedly (exit ${code})` }));
    });
  }

  /** The adopted plan, if one is: every new plan of the operation re-plans against it. */
  async adopted(): Promise<{ id: number; plan: Plan } | undefined> {
    const r = await plans.findAdoptedPlan(this.db);
    return r?.result ? { id: r.id, plan: r.result as Plan } : undefined;
  }

  /**
   * Stores a plan of the operation made in this process (the CLI, which plans with a progress line on the
   * terminal) as a new, finished version, with what it moved from the adopted plan it re-planned against.
   */
  async record(
    request: PlanRequest,
    actor: Actor,
    plan: Plan,
    against?: { previousPlanId: number } & plans.Replanned,
  ): Promise<number> {
    this.handover.requireAllowed(actor, 'plan.run');
    const id = await plans.insertPlanRun(this.db, {
      createdBy: actor.name,
      request: { time_limit_s: request.timeLimitS ?? 10, what_if: request.whatIf ?? [] },
      previousPlanId: against?.previousPlanId ?? null,
    });
    await plans.finishPlanRun(this.db, id, {
      result: plan,
      ...(against
        ? { replanned: { changes: against.changes, fewestMovesProven: against.fewestMovesProven } }
        : {}),
    });
    this.handover.notify({ entity: 'plan', id: String(id), action: 'done' });
    return id;
  }

  /** Waits for a run of this instance to finish (for the CLI and tests). */
  async wait(id: number): Promise<PlanRun> {
    await this.running.get(id);
    return this.load(id);
  }

  /**
   * A plan run; a reader with a scope gets the part of its plan in their view (src/core/auth/plan-scope.ts).
   * With it, the names of the agencies, units and contingents that part refers to, which some roles cannot
   * list themselves.
   */
  async get(id: number, actor: Actor): Promise<PlanRun & { names: PlanNames }> {
    this.handover.requireAllowed(actor, 'plan.read');
    const run = await this.load(id);
    // A run still going (followed every second) or failed has no plan to name: the register is not read.
    if (!run.result && !run.changes) {
      const scope = await this.scopeOf(actor);
      return { ...(scope ? scopeRun(run, scope) : run), names: { agencies: {}, units: {}, contingents: {} } };
    }
    const [sites, units, agencies, contingents] = await Promise.all([
      repo.listAllSites(this.db),
      repo.listUnits(this.db),
      repo.listAgencies(this.db),
      repo.listContingents(this.db),
    ]);
    const register = registerFacts(sites, units);
    const scope = planScope(actor, register);
    const seen = scope ? scopeRun(run, scope) : run;
    const names = namesInPlan(seen.result, seen.changes, register, {
      agency: new Map(agencies.map((a) => [a.id as string, a.name])),
      unit: new Map(units.map((u) => [u.id as string, u.name])),
      contingentNation: new Map(contingents.map((c) => [c.id as string, c.nation])),
    });
    return { ...seen, names };
  }

  /** The reader's view of plans, loaded from the register now; null for whole-force readers. */
  private async scopeOf(actor: Actor): Promise<PlanScope | null> {
    if (actor.scope === null) return null;
    const [sites, units] = await Promise.all([repo.listAllSites(this.db), repo.listUnits(this.db)]);
    return planScope(actor, registerFacts(sites, units));
  }

  private async load(id: number): Promise<PlanRun> {
    const r = await plans.findPlan(this.db, id);
    if (!r) throw new NotFoundError('Plan', String(id));
    return { ...r, result: r.result as Plan | null };
  }

  /**
   * Plan versions, newest first. A reader with a scope gets each version's count of moved handovers as
   * their view of its changes has them (so the count leaks nothing), and its what-if changes in view.
   */
  async list(actor: Actor): Promise<plans.PlanVersion[]> {
    this.handover.requireAllowed(actor, 'plan.read');
    const scope = await this.scopeOf(actor);
    if (!scope) return plans.listPlans(this.db);
    // A scoped reader's count of moves is of those in its view, counted from the stored moves alone.
    const versions = await plans.listPlans(this.db, (moved) => scopeChanges(moved, scope).length);
    return versions.map((v) => ({
      ...v,
      request: scopeRequest(v.request, scope, () => null),
      error: v.error === null ? null : SCOPED_FAILURE,
    }));
  }

  async compare(a: number, b: number, actor: Actor): Promise<PlanDiff> {
    this.handover.requireAllowed(actor, 'plan.read');
    const [x, y] = await Promise.all([this.load(a), this.load(b)]);
    for (const p of [x, y])
      if (!p.result)
        throw new ConflictError(
          'plan-not-ready',
          `Plan ${p.id} is ${p.state}; only finished plans can be compared.`,
        );
    const diff = comparePlans(x.result!, y.result!);
    const scope = await this.scopeOf(actor);
    return scope ? scopeDiff(diff, scope) : diff;
  }

  /**
   * Adopts a plan: every site it hands over that is still only protected gets its handover planned
   * (agency and start). Sites already in joint guard or transferred keep what is under way. One transaction.
   */
  async adopt(id: number, actor: Actor): Promise<{ planned: string[]; kept: string[] }> {
    this.handover.requireAllowed(actor, 'plan.adopt');
    const run = await this.load(id);
    if (!run.result || run.state !== 'done')
      throw new ConflictError(
        'plan-not-ready',
        `Plan ${id} is ${run.state}; only a finished plan can be adopted.`,
      );
    const plan = run.result;
    if (plan.status === 'infeasible')
      throw new ConflictError('plan-infeasible', `Plan ${id} is infeasible and cannot be adopted.`);
    const outcome = await this.db.transaction().execute(async (trx) => {
      await lockAuditChain(trx);
      const planned: string[] = [];
      const kept: string[] = [];
      for (const h of plan.handovers) {
        const site = await repo.findSite(trx, siteId(h.site));
        if (!site)
          throw new ConflictError(
            'plan-stale',
            `Plan ${id} hands over site "${h.site}", which is no longer in the register; plan again.`,
          );
        if (site.state !== 'protected') {
          kept.push(site.id);
          continue;
        }
        const agency = await repo.findAgency(trx, agencyId(h.agency));
        if (!agency)
          throw new ConflictError(
            'plan-stale',
            `Plan ${id} names agency "${h.agency}", which no longer exists; plan again.`,
          );
        const next = planHandover(site, agency, h.start);
        const after = await repo.updateSite(trx, next, site.version);
        await repo.appendAudit(trx, {
          actor: actor.name,
          action: 'site.plan_handover',
          entity: 'site',
          entityId: site.id,
          before: site,
          after: { ...after, plan: id },
        });
        planned.push(site.id);
      }
      await plans.markPlanAdopted(trx, id, actor.name);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'plan.adopt',
        entity: 'plan',
        entityId: String(id),
        before: null,
        after: { planned: planned.length, kept: kept.length },
      });
      return { planned, kept };
    });
    this.handover.notify({ entity: 'plan', id: String(id), action: 'adopt' });
    return outcome;
  }
}

/** Which unit guards each site of the register, and each unit's contingent, as they are now. */
function registerFacts(sites: { site: Site }[], units: Unit[]): RegisterFacts {
  return {
    siteUnit: new Map(sites.map(({ site }) => [site.id as string, site.guardedBy as string])),
    unitContingent: new Map(units.map((u) => [u.id as string, u.contingentId as string])),
  };
}

/** Why a run failed, as a reader with a scope reads it. */
export const SCOPED_FAILURE = 'The planning run failed; the force command can read why.';

/** A run as a scoped reader sees it: its plan, its changes and its what-if changes in their view. */
function scopeRun(run: PlanRun, scope: PlanScope): PlanRun {
  const agencyOf = new Map(run.result?.handovers.map((h) => [h.site, h.agency]));
  return {
    ...run,
    request: scopeRequest(run.request, scope, (site) => agencyOf.get(site) ?? null),
    result: run.result && scopePlan(run.result, scope),
    // The planner's error text may name any site or agency: a scoped reader learns only that it failed.
    error: run.error === null ? null : SCOPED_FAILURE,
    changes: run.changes && scopeChanges(run.changes, scope),
  };
}

function scopeRequest(
  request: unknown,
  scope: PlanScope,
  agencyOf: (site: string) => string | null,
): unknown {
  const r = request as { what_if?: string[] };
  return Array.isArray(r.what_if) ? { ...r, what_if: scopeWhatIf(r.what_if, scope, agencyOf) } : request;
}
