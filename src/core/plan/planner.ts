import { addDays } from '../dates.ts';
import type { Scenario } from '../scenario/schema.ts';
import { earliestStarts, latestStarts, shortfallForW, topologicalOrder, type Shortfall } from './analysis.ts';
import {
  buildTimeIndexedModel,
  familyCapacityRows,
  columnsToSchedule,
  countTimeIndexedColumns,
  finalPackingModel,
  scheduleToColumns,
  type TimeIndexedModel,
} from './exact.ts';
import { evaluateSchedule, greedySchedule, type Schedule } from './greedy.ts';
import { insertionSchedule, type Placement } from './insertion.ts';
import { familyLagrangeBound, lagrangeBound } from './lagrange.ts';
import { groupLpGuidance, type GroupGuidance } from './sampled.ts';
import { improveUnitsWithMip } from './lns.ts';
import { swapDescent } from './swap.ts';
import { ReleaseSearch } from './release-search.ts';
import { HighsRunner, LP_WITHOUT_PRESOLVE, type SolveOutcome } from './highs-runner.ts';
import { buildProblem, type PlanningProblem } from './problem.ts';
import {
  bindingReasons,
  earlyReasons,
  deadlineMissed,
  NOT_FOUND,
  NOT_FOUND_TOO_LARGE,
  packingFails,
  shortfallReason,
  structuralReasons,
  type PlanReason,
} from './reasons.ts';

export type { PlanReason } from './reasons.ts';

export type PlanStatus = 'optimal' | 'feasible' | 'infeasible';

/** The plan, exactly as PRODUCT.md "Plan output" shows it. */
export interface Plan {
  version: 1;
  status: PlanStatus;
  withdrawal_date: string | null;
  objective: { withdrawal_day: number; force_person_days: number } | null;
  bound: { withdrawal_day: number; force_person_days: number } | null;
  handovers: { site: string; agency: string; start: string; transfer: string }[];
  units: { unit: string; released: string }[];
  contingents: { contingent: string; withdrawn: string }[];
  reasons: PlanReason[];
}

export interface PlanOptions {
  /** Overall budget; the plan returned is the best found, with proven bounds. Default 10 s. */
  timeLimitMs?: number;
  onProgress?: (p: { phase: string; fraction: number }) => void;
  /** Upper size of the time-indexed MIP (columns) solved exactly; default 60,000. */
  exactColumnLimit?: number;
  /** Upper size of the MIP solved whole for person-days; larger ones are refined a few units at a time. Default 15,000. */
  fullMipColumnLimit?: number;
  /** Sites freed per refinement step (default 250) and its time limit (default 1,500 ms). */
  neighbourhoodSites?: number;
  neighbourhoodMs?: number;
  /** Upper size of the time-indexed LP relaxation solved for bounds and guidance; default 60,000. */
  lpColumnLimit?: number;
  /**
   * Size range of the LP solved at the start, alongside the heuristics, and rounded; default 2,500 to
   * 40,000 columns (below, the release-vector search and the whole MIP do better; at 200 sites the rounded
   * LP plan is 1.4 % above the bound where the heuristics alone were 7.6 %).
   */
  earlyLpMinColumns?: number;
  /** See earlyLpMinColumns. */
  roundingColumnLimit?: number;
  /** Operations of twice this many sites or more, too large for that LP, get LPs of groups this size; default 1,000. */
  groupLpSites?: number;
}

/**
 * Plans the handovers of a (valid) scenario: lexicographically least withdrawal day W, then person-days.
 *
 * Stages, each within the time limit: (1) reasons a plan is impossible, found without search
 * (eligibility, cycles, pins, gates against the deadline, final capacity); (2) a proven lower bound on W
 * from necessary conditions (windows, daily limit, Hall's condition on capacity day by day);
 * (3) constructive plans (list scheduling and unit insertion under several priority rules, with a
 * final-capacity packing guard); (4) the Lagrangian bound on person-days and its relaxed plan as
 * guidance, then a day-trading local search; (5) HiGHS in a worker: MIP or LP infeasibility below the
 * best W, LP relaxation for the bound and rounding, on small models the agency-aggregated MIP (a bound)
 * and then the whole MIP, otherwise re-solving a few units at a time. On models too large for the whole
 * MIP, when the LP is expected within 75 % of the budget, the LP of the agency-aggregated relaxation
 * (same bound as the full LP at 1,000 sites, half the time) at the lowest W starts in the worker
 * alongside stages (3)–(4); list scheduling by its mean start days rounds it (0.3–0.5 % above the bound
 * at 1,000 sites), then its fractional units are re-solved around the best plan. Operations too large for
 * that LP (5,000 sites) get LPs of groups of about 1,000 sites with their share of the capacity: their
 * mean starts guide list scheduling, and their duals price a Lagrangian bound of the whole relaxation
 * (`familyLagrangeBound`, proven for any prices; 0.07 % below the full LP with all groups solved).
 * Every plan kept passes `verifySchedule`; `optimal` only when both bounds are met.
 */
export async function planHandovers(scenario: Scenario, options: PlanOptions = {}): Promise<Plan> {
  const started = Date.now();
  const budget = options.timeLimitMs ?? 10_000;
  // The search ends early enough for the explanations to fit in the budget too.
  const finalAt = started + budget;
  const deadlineAt = finalAt - Math.min(150, budget * 0.075);
  const progress = (phase: string, fraction: number) => options.onProgress?.({ phase, fraction });
  const p = buildProblem(scenario);
  progress('analyse', 0);

  const structural = structuralReasons(p);
  if (structural.length) return infeasiblePlan(structural);
  const order = topologicalOrder(p);
  const es = earliestStarts(p, order);
  const early = earlyReasons(p, es);
  if (early.length) return infeasiblePlan(early);

  let w0 = 0;
  for (const s of p.sites) w0 = Math.max(w0, (es[s.index] ?? 0) + s.overlap);
  if (p.sites.length === 0) w0 = 0;

  // Proven lower bound on W from necessary conditions.
  let wLow = w0;
  const wCap = p.deadline ?? Infinity;
  let lastShortfall: Shortfall | undefined;
  const wSearchLimit = Math.min(wCap, w0 + 400 + p.sites.length);
  for (;;) {
    const sf = shortfallForW(p, es, latestStarts(p, order, wLow));
    if (!sf) break;
    lastShortfall = sf;
    if (wLow >= wSearchLimit) break;
    wLow++;
  }
  if (lastShortfall && wLow >= wSearchLimit && shortfallForW(p, es, latestStarts(p, order, wLow))) {
    return infeasiblePlan([shortfallReason(p, lastShortfall)]);
  }

  progress('construct', 0.1);
  const lsLow = latestStarts(p, order, wLow);
  const colsLow = countTimeIndexedColumns(p, es, lsLow);
  // HiGHS loads on the other core while the constructive search runs. A short run on a small model keeps
  // HiGHS on V8's baseline WebAssembly code: optimising it in the background takes the cores for a second
  // or more on this 2-core machine, longer than such a run (the 50-site proof: 0.55 s instead of
  // 0.65–0.9 s; the early LP at 1,000 sites lands at 1.2–1.3 s instead of 1.35–1.6 s, six runs each);
  // long runs gain from the optimised code.
  const runner = new HighsRunner(deadlineAt, budget <= 5_000 && colsLow <= 20_000);
  if ((options.exactColumnLimit ?? 1) > 0) runner.prepare();
  // The LP relaxation (strong release rows) at the lowest possible W starts now on the worker's core, so
  // that it is ready when the heuristics end: it gives the person-days bound and a plan to round.
  let earlyLp: Promise<{ m: TimeIndexedModel; out: SolveOutcome; w: number }> | undefined;
  let groupGuide: Promise<GroupGuidance | undefined> | undefined;
  if ((options.exactColumnLimit ?? 1) > 0 && p.sites.length > 0) {
    // The simplex takes about 0.05 ms a column of the full model here (measured on the aggregated model at
    // 1,000 sites, 2 cores shared); it runs on the
    // worker's core while the heuristics run here, and its plan is rounded in milliseconds by list
    // scheduling, so it is worth starting when it is expected within three quarters of the budget.
    // Smaller models keep the path below (release vectors, or the LP, guided heuristics, the whole MIP).
    if (
      colsLow > (options.earlyLpMinColumns ?? 2_500) &&
      colsLow <= (options.roundingColumnLimit ?? 40_000) &&
      colsLow * 0.05 < budget * 0.75
    ) {
      // First, queued ahead of it, the LP of a sample of about 200 sites: its prices give a proven bound
      // within seconds even when the whole LP does not finish (a loaded machine).
      // (Not worth it on operations of a few hundred sites: the sample would be most of the whole.)
      if (p.sites.length > 400)
        groupGuide = groupLpGuidance(p, es, lsLow, wLow, runner, 200, started + budget * 0.75, 1);
      // Agencies aggregated (Hall's condition per union of agency sets): the same bound at 1,000 sites
      // (184,850.8 against 184,851.0) from a model a third the size, solved in half the time.
      const m = buildTimeIndexedModel(p, es, lsLow, wLow, undefined, true, undefined, true);
      const w = wLow;
      earlyLp = runner
        .solve(m.model, { timeLimitMs: budget * 0.9, mip: false, options: LP_WITHOUT_PRESOLVE })
        .then((out) => ({ m, out, w }));
    }
  }
  // Too large for one LP in the budget: LPs of groups of about 1,000 sites, each with its share of the
  // capacity, guide list scheduling, and their row prices give a Lagrangian bound of the whole.
  if (
    !earlyLp &&
    (options.exactColumnLimit ?? 1) > 0 &&
    p.sites.length >= (options.groupLpSites ?? 1000) * 2
  ) {
    groupGuide = groupLpGuidance(
      p,
      es,
      lsLow,
      wLow,
      runner,
      options.groupLpSites ?? 1000,
      started + budget * 0.6,
    );
  }
  const ctx = new Search(p, order, es);
  // The constructive plan is the fallback when the LP does not finish (a loaded machine): it keeps its time.
  const built = ctx.constructive(wLow, started + budget * 0.3);
  let best = built?.s;
  let guide = built?.g;
  if (!best) {
    // No constructive plan. Small problems get an exact verdict; others are reported as not found.
    const verdict = await exactVerdict(p, order, es, wLow, deadlineAt, options.exactColumnLimit ?? 60_000);
    if (isSchedule(verdict)) best = verdict;
    else {
      const sf = shortfallForW(p, es, latestStarts(p, order, p.deadline ?? wLow));
      await runner.close();
      if (sf) return infeasiblePlan([shortfallReason(p, sf)]);
      if (verdict !== 'infeasible') return infeasiblePlan([notFound(verdict)]);
      progress('explain', 0.95);
      const { core, lateWouldDo } = await infeasibleCore(
        scenario,
        p,
        finalAt,
        options.exactColumnLimit ?? 60_000,
      );
      // With a deadline, the sites may fit later: then it is the deadline they miss, not the packing.
      return infeasiblePlan([
        p.deadline !== undefined && lateWouldDo ? deadlineMissed(p, p.deadline, core) : packingFails(p, core),
      ]);
    }
  }
  let bestEval = evaluateSchedule(p, best);
  if (p.deadline !== undefined && bestEval.w > p.deadline) {
    // The constructive plan misses the deadline; only the exact stage can settle it.
    const verdict = await exactVerdict(p, order, es, wLow, deadlineAt, options.exactColumnLimit ?? 60_000);
    if (!isSchedule(verdict)) {
      const sf = shortfallForW(p, es, latestStarts(p, order, p.deadline));
      await runner.close();
      if (sf) return infeasiblePlan([shortfallReason(p, sf)]);
      if (verdict !== 'infeasible') return infeasiblePlan([notFound(verdict)]);
      progress('explain', 0.95);
      const { core } = await infeasibleCore(scenario, p, finalAt, options.exactColumnLimit ?? 60_000);
      return infeasiblePlan([deadlineMissed(p, p.deadline, core)]);
    }
    best = verdict;
    guide = undefined;
    bestEval = evaluateSchedule(p, best);
  }
  const consider = (s: Schedule | undefined): void => {
    if (!s || !verifySchedule(p, s)) return;
    const e = evaluateSchedule(p, s);
    if (e.w < bestEval.w || (e.w === bestEval.w && e.pd < bestEval.pd)) {
      best = s;
      bestEval = e;
    }
  };

  progress('improve', 0.3);
  if (guide)
    consider(
      ctx.improve(best, guide, bestEval.w, Math.min(deadlineAt, Date.now() + Math.min(budget * 0.05, 150))),
    );

  let pdBound = simplePersonDaysBound(p, es);
  const alreadyProven = () => wLow === bestEval.w && pdBound >= bestEval.pd;
  // Operations of a few units: whole release days give a bound above the LP's in milliseconds, and the
  // cheapest dozen release vectors are kept for the exact stage (release-search.ts). A bound at this
  // W holds at any smaller W too (fewer plans).
  const releaseSearch = ReleaseSearch.create(p, es, order, bestEval.w, RELEASE_LEAF_UNITS);
  const releaseW = bestEval.w;
  let releaseBatch: ReturnType<ReleaseSearch['cheapestMany']> | undefined;
  if (releaseSearch && !alreadyProven()) {
    // A dozen first: the limit-and-capacity check leaves few to exclude (two on the 50-site bench
    // operation), and a longer list costs the search more nodes before its bound tightens.
    releaseBatch = releaseSearch.cheapestMany(bestEval.pd, Date.now() + Math.min(600, budget * 0.2), 12);
    if (releaseBatch !== 'timeout')
      pdBound = Math.max(pdBound, releaseBatch.vectors[0]?.cost ?? releaseBatch.limit);
  }
  const releaseReady = releaseBatch !== undefined && releaseBatch !== 'timeout';
  const left = () => deadlineAt - Date.now();
  // 0. The early LP: a proof that its W is impossible, or the person-days bound and a rounded plan.
  let lpDone = false;
  const useEarlyLp = async (r: { m: TimeIndexedModel; out: SolveOutcome; w: number }): Promise<void> => {
    const { m, out, w } = r;
    if (out.kind === 'infeasible') wLow = Math.max(wLow, w + 1);
    else if (out.kind === 'optimal' && w <= bestEval.w && best && left() > 20) {
      progress('round', 0.45);
      // List scheduling by the LP's mean start days (and its agencies) first: milliseconds, and at 1,000
      // sites within 0.3 % of the LP bound (bench); then, with time left, the LP's fractional units are
      // re-solved exactly around the best plan.
      const guided = ctx.tryRules(w, ctx.lpGuides(m, out.colValue), Date.now() + Math.max(20, left() * 0.3));
      if (guided) consider(guided.s);
      if (bestEval.w === w) {
        lpDone = true;
        // Simplex optimality holds to its tolerances (1e-7); the bound keeps a wider margin for them.
        pdBound = Math.max(pdBound, Math.ceil(out.objective - Math.abs(out.objective) * 1e-6 - 1e-6));
      }
      if (!alreadyProven() && bestEval.w === w && bestEval.pd > pdBound * 1.001 && left() > 300) {
        // The day-trading descent first (milliseconds at 200 sites: 41,537 to 41,364), so that the units the
        // LP leaves fractional are re-solved around a better plan (then 41,206 instead of nothing found).
        consider(swapDescent(p, es, best, Date.now() + Math.min(300, left() * 0.2)));
        const lsW = latestStarts(p, order, w);
        const fractional = fractionalUnits(p, m, out.colValue);
        if (fractional.length)
          consider(
            await improveUnitsWithMip(p, es, lsW, w, best, fractional, runner, Math.min(left() - 250, 1500)),
          );
      }
    }
  };
  // Wait for it a while (the main thread idle leaves the cores to HiGHS); if late, the heuristics go on.
  let lpPending = earlyLp !== undefined;
  if (earlyLp) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      earlyLp,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), Math.max(0, started + budget * 0.8 - Date.now()));
      }),
    ]);
    clearTimeout(timer);
    if (r) {
      lpPending = false;
      await useEarlyLp(r);
    }
  }

  let pricedDone = false;
  if (groupGuide && !lpDone) {
    const g = await groupGuide;
    if (g && best && bestEval.w === wLow) {
      progress('round', 0.45);
      const lsLow = latestStarts(p, order, wLow);
      const priced = pricedBound(p, es, lsLow, wLow, g, bestEval.pd, Date.now() + budget * 0.02);
      if (priced) {
        // Sums of about 10^6 in doubles: a margin far above their rounding error.
        pdBound = Math.max(pdBound, Math.ceil(priced.bound - Math.abs(priced.bound) * 1e-7 - 1e-6));
        pricedDone = true;
      }
      // Sites of a group whose LP did not finish are ranked by their start in the priced relaxation.
      const rank = Float64Array.from(g.meanStart);
      if (priced)
        for (const s of p.sites) if (!g.solvedSite[s.index]) rank[s.index] = priced.start[s.index] ?? 0;
      const guided = ctx.tryRules(
        wLow,
        ctx.guidesFrom(rank, new Int32Array(p.sites.length).fill(-1), g.release),
        Math.min(Date.now() + budget * 0.1, deadlineAt - budget * 0.1),
      );
      if (guided) consider(guided.s);
    }
  }

  // Lagrangian bound at the best W (fast at any size), and its relaxed solution as guidance.
  progress('bound', 0.35);
  // (Operations of a few units settle release vectors instead, in the exact stage.)
  if (!releaseReady && !alreadyProven() && !pricedDone && !(lpDone && bestEval.pd <= pdBound * 1.005)) {
    const w = bestEval.w;
    const lsW = latestStarts(p, order, w);
    const lag = lagrangeBound(
      p,
      es,
      lsW,
      w,
      bestEval.pd,
      Math.min(deadlineAt - 200, Date.now() + (lpDone ? left() * 0.2 : Math.max(400, budget * 0.15))),
    );
    if (lag) {
      pdBound = Math.max(pdBound, Math.ceil(lag.bound - 1e-6 * Math.max(1, Math.abs(lag.bound))));
      if (pdBound < bestEval.pd && !lpDone) {
        const guides = ctx.guidesFrom(Float64Array.from(lag.start), lag.agency, lag.release);
        const guided = ctx.tryRules(w, guides, Math.min(deadlineAt, Date.now() + budget * 0.05));
        if (guided) {
          consider(guided.s);
          if (evaluateSchedule(p, guided.s).w <= w)
            consider(ctx.improve(guided.s, guided.g, w, Math.min(deadlineAt, Date.now() + budget * 0.05)));
        }
      }
    }
  }

  if (!releaseReady && !alreadyProven())
    consider(swapDescent(p, es, best, Math.min(deadlineAt, Date.now() + budget * 0.1)));

  // Exact stage: the time-indexed model with HiGHS, in a worker under a watchdog.
  progress('exact', 0.4);
  const mipLimit = options.exactColumnLimit ?? 60_000;
  const fullMipLimit = options.fullMipColumnLimit ?? 15_000;
  const lpLimit = options.lpColumnLimit ?? 60_000;
  try {
    if (lpPending && earlyLp) {
      // Not past the deadline: HiGHS checks its own time limit coarsely.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        earlyLp,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), Math.max(0, left() - 30));
        }),
      ]);
      clearTimeout(timer);
      if (r) await useEarlyLp(r);
    }
    // 1. The withdrawal day: below the best found, the MIP either finds a plan or proves there is none.
    for (let w = wLow; w < bestEval.w && left() > 100; w++) {
      const ls = latestStarts(p, order, w);
      const colsW = countTimeIndexedColumns(p, es, ls);
      if (colsW > mipLimit) {
        // Too large for the MIP: an infeasible LP relaxation still proves that W cannot be met.
        if (colsW > lpLimit || colsW * 0.1 > left() * 0.3) break;
        const lp = await runner.solve(buildTimeIndexedModel(p, es, ls, w, undefined, true).model, {
          timeLimitMs: left() * 0.3,
          mip: false,
        });
        if (lp.kind !== 'infeasible') break;
        wLow = w + 1;
        continue;
      }
      const m = buildTimeIndexedModel(p, es, ls, w, undefined, false);
      const out = await runner.solve(m.model, { timeLimitMs: left() * 0.5, mip: true });
      if (out.kind === 'infeasible') {
        wLow = w + 1;
        continue;
      }
      if (out.kind === 'optimal') {
        consider(columnsToSchedule(m, p, out.colValue));
        if (bestEval.w === w) {
          wLow = w;
          pdBound = Math.max(pdBound, Math.ceil(out.bound - 1e-6));
        }
      } else if (out.kind === 'limit' && out.colValue) consider(columnsToSchedule(m, p, out.colValue));
      break;
    }
    // 1b. Few units: the cheapest release vectors in turn, a few dozen at a time, each settled by the LP of
    // its windows (no plan fits: excluded, and the next one's cost is the bound) and then the MIP within
    // them (a plan, which costs no more than the vector: optimal).
    if (releaseReady && releaseSearch && !alreadyProven() && bestEval.w <= releaseW) {
      progress('prove', 0.5);
      // A fifth of the time is kept for the whole MIP, should the vectors not be settled by then.
      const settleBy = deadlineAt - left() * 0.2;
      const settleLeft = () => settleBy - Date.now();
      let settling = true;
      while (settling && !alreadyProven() && settleLeft() > 100) {
        const batch = releaseBatch ?? releaseSearch.cheapestMany(bestEval.pd, settleBy - 50, 40);
        releaseBatch = undefined;
        if (batch === 'timeout') break;
        pdBound = Math.max(pdBound, batch.vectors[0]?.cost ?? batch.limit);
        for (let k = 0; k < batch.vectors.length; k++) {
          const v = batch.vectors[k];
          if (!v || v.cost >= bestEval.pd || alreadyProven() || settleLeft() <= 100) {
            settling = false;
            break;
          }
          const windows = releaseSearch.latestStarts(v.rel);
          const m = buildTimeIndexedModel(p, es, windows, releaseW, undefined, false);
          const lp = await runner.solve(m.model, { timeLimitMs: 0, deadlineAt: settleBy - 30, mip: false });
          const out =
            lp.kind === 'optimal'
              ? // Any plan within these windows is optimal (every cheaper vector is excluded): the first will do.
                await runner.solve(m.model, {
                  timeLimitMs: 0,
                  deadlineAt: settleBy - 30,
                  mip: true,
                  options: { mip_rel_gap: 1 },
                })
              : lp;
          if (out.kind === 'infeasible') {
            releaseSearch.exclude(v.rel);
            pdBound = Math.max(pdBound, batch.vectors[k + 1]?.cost ?? batch.limit);
            continue;
          }
          if ((out.kind === 'optimal' || out.kind === 'limit') && out.colValue)
            consider(columnsToSchedule(m, p, out.colValue));
          settling = false;
          break;
        }
      }
    }
    // 2. Person-days at the best W: LP relaxation for the bound and to guide the search, then the MIP.
    const w = bestEval.w;
    const ls = latestStarts(p, order, w);
    const cols = countTimeIndexedColumns(p, es, ls);
    // The LP costs about 0.08 ms a column here (measured); run it only when it leaves time for the rest.
    if (!alreadyProven() && !lpDone && cols <= lpLimit && left() > 100 && cols * 0.08 < left() * 0.7) {
      // The strong release rows tighten the LP bound; they triple the model, so only on moderate sizes.
      const m = buildTimeIndexedModel(p, es, ls, w, undefined, cols <= 40_000);
      const lp = await runner.solve(m.model, {
        timeLimitMs: left() * 0.6,
        mip: false,
        options: { solver: 'ipm', run_crossover: 'off' },
      });
      if (lp.kind === 'optimal') {
        // The interior-point objective is optimal to a relative tolerance of about 1e-8.
        pdBound = Math.max(pdBound, Math.ceil(lp.objective - Math.abs(lp.objective) * 1e-7 - 1e-6));
        progress('round', 0.6);
        const guided = ctx.tryRules(w, ctx.lpGuides(m, lp.colValue), Date.now() + left() * 0.3);
        if (guided) {
          consider(guided.s);
          if (!alreadyProven() && evaluateSchedule(p, guided.s).w <= w)
            consider(
              ctx.improve(guided.s, guided.g, w, Date.now() + left() * (cols <= mipLimit ? 0.2 : 0.8)),
            );
          consider(swapDescent(p, es, best, Date.now() + left() * 0.2));
        }
      }
    }
    if (!alreadyProven() && cols <= fullMipLimit && left() > 400) {
      progress('prove', 0.75);
      {
        // The agency-aggregated relaxation as a MIP first: a lower bound only (its solutions leave the
        // agencies open), proved much sooner than the whole MIP (p02: 3.6 s against 15.8 s, loaded machine),
        // and often equal to the best plan, which is then proven optimal.
        const aggregated = buildTimeIndexedModel(p, es, ls, w, undefined, true, undefined, true);
        const relaxed = await runner.solve(aggregated.model, {
          timeLimitMs: (left() - 300) * 0.4,
          mip: true,
        });
        if ((relaxed.kind === 'optimal' || relaxed.kind === 'limit') && relaxed.bound !== undefined)
          pdBound = Math.max(pdBound, Math.ceil(relaxed.bound - 1e-6));
      }
      if (!alreadyProven() && left() > 400) {
        // The strong release rows with binary release days: HiGHS branches on the units' release days
        // (p02: proven in 3.8 s instead of about 10 s with the compact rows).
        const compact = buildTimeIndexedModel(p, es, ls, w, undefined, true);
        const mip = await runner.solve(compact.model, {
          timeLimitMs: left() - 300,
          mip: true,
          solution: scheduleToColumns(compact, p, best),
        });
        if (mip.kind === 'optimal') {
          consider(columnsToSchedule(compact, p, mip.colValue));
          pdBound = Math.max(pdBound, Math.ceil(mip.bound - 1e-6));
        } else if (mip.kind === 'limit') {
          if (mip.colValue) consider(columnsToSchedule(compact, p, mip.colValue));
          if (mip.bound !== undefined) pdBound = Math.max(pdBound, Math.ceil(mip.bound - 1e-6));
        }
      }
    }
    // 3. Larger plans: re-solve a few units at a time exactly, the rest fixed, while time remains.
    if (!alreadyProven() && cols > fullMipLimit) {
      progress('refine', 0.8);
      const lsW = latestStarts(p, order, bestEval.w);
      const targetSites = options.neighbourhoodSites ?? 250;
      let round = 0;
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x80000000;
      };
      while (!alreadyProven() && left() > 400 && !runner.stopped) {
        const release = evaluateSchedule(p, best).release;
        const units = p.units.filter((u) => u.sites.length).map((u) => u.index);
        // Alternate: neighbours in release order (they compete for the same days), and a random mix.
        const chosen: number[] = [];
        let sitesIn = 0;
        if (round % 3 === 2) {
          // Heavy units released late with light units released early: the trade that pays.
          const floorOf = (u: number) => {
            let r = -Infinity;
            for (const f of p.units[u]?.sites ?? [])
              r = Math.max(r, (es[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
            return r;
          };
          const loss = (u: number) => (p.units[u]?.strength ?? 0) * ((release[u] ?? 0) - floorOf(u));
          const heavy = [...units].sort((x, y) => loss(y) - loss(x));
          const light = [...units].sort((x, y) => (p.units[x]?.strength ?? 0) - (p.units[y]?.strength ?? 0));
          let h = Math.floor(random() * 5);
          let l = Math.floor(random() * 5);
          while (sitesIn < targetSites && chosen.length < units.length) {
            const u = chosen.length % 2 === 0 ? heavy[h++] : light[l++];
            if (u === undefined) break;
            if (chosen.includes(u)) continue;
            chosen.push(u);
            sitesIn += p.units[u]?.sites.length ?? 0;
          }
        } else if (round % 3 === 0) {
          units.sort((x, y) => (release[x] ?? 0) - (release[y] ?? 0) || x - y);
          const from = Math.floor(random() * units.length);
          for (let k = 0; k < units.length && sitesIn < targetSites; k++) {
            const u = units[(from + k) % units.length] ?? 0;
            chosen.push(u);
            sitesIn += p.units[u]?.sites.length ?? 0;
          }
        } else
          while (sitesIn < targetSites && chosen.length < units.length) {
            const u = units[Math.floor(random() * units.length)] ?? 0;
            if (chosen.includes(u)) continue;
            chosen.push(u);
            sitesIn += p.units[u]?.sites.length ?? 0;
          }
        round++;
        const before = bestEval.pd;
        const candidate = await improveUnitsWithMip(
          p,
          es,
          lsW,
          bestEval.w,
          best,
          chosen,
          runner,
          Math.min(left() - 300, options.neighbourhoodMs ?? 1500),
        );
        consider(candidate);
        if (bestEval.pd < before)
          consider(swapDescent(p, es, best, Math.min(deadlineAt - 400, Date.now() + 300)));
      }
    }
  } finally {
    await runner.close();
  }
  if (wLow > bestEval.w) wLow = bestEval.w; // cannot happen with a correct proof; keep bounds honest
  progress('explain', 0.95);
  const proven = wLow === bestEval.w && pdBound >= bestEval.pd;
  const plan = planFromSchedule(p, best, proven ? 'optimal' : 'feasible', {
    withdrawal_day: wLow,
    force_person_days: Math.min(pdBound, bestEval.pd),
  });
  plan.reasons = bindingReasons(
    p,
    order,
    es,
    bestEval.w,
    // Whether a variant saves a day: its constructive search aims at W − 1 first (from day 0 it spent the
    // whole allowance on targets no variant reaches).
    (q, until) => {
      const s = new Search(q, order, es).constructive(Math.max(0, bestEval.w - 1), until)?.s;
      return s ? evaluateSchedule(q, s).w : Infinity;
    },
    finalAt,
  );
  progress('done', 1);
  return plan;
}

/** Site ordering for the constructive search: unit order first, then a per-site minor key. */
interface Guidance {
  unitOrder: number[];
  /** Minor key per site (e.g. LP start), or undefined for the latest start. */
  minor?: Float64Array;
  preferredAgency?: Int32Array;
  /** False: rank by the minor key alone. */
  unitMajor?: boolean;
  /** Unit-by-unit insertion with this placement instead of day-by-day list scheduling. */
  insertion?: Placement;
  urgency: number;
  hold: boolean;
}

/** Operations of at most this many units (with sites) settle release vectors one by one (exact stage 1b). */
const RELEASE_LEAF_UNITS = 24;

const URGENCY_VARIANTS: [number, boolean][] = [
  [0, false],
  [0, true],
  [1, false],
  [2, false],
  [1e9, false],
  [1e9, true],
];

/** Heuristic search: constructive runs under several priority rules, then a local search on unit order. */
class Search {
  readonly unitOrders: number[][];
  readonly agencyPreference: number[];
  constructor(
    readonly p: PlanningProblem,
    readonly order: readonly number[],
    readonly es: Int32Array,
  ) {
    const guardsOfUnit = p.units.map((u) => u.sites.reduce((acc, f) => acc + (p.sites[f]?.guards ?? 0), 0));
    const byRatio = (weight: (u: number) => number) =>
      p.units
        .map((u) => u.index)
        .sort((x, y) => (p.units[y]?.strength ?? 0) / weight(y) - (p.units[x]?.strength ?? 0) / weight(x));
    // Smith's rule with the resource a unit's sites consume: guards (capacity) or handover slots (throughput).
    this.unitOrders = [
      byRatio((u) => Math.max(1, guardsOfUnit[u] ?? 1)),
      byRatio((u) => Math.max(1, p.units[u]?.sites.length ?? 1)),
      byRatio((u) => Math.max(1, Math.sqrt((guardsOfUnit[u] ?? 1) * (p.units[u]?.sites.length ?? 1)))),
    ];
    // Agencies that take fewer kinds of site first, so that the broad ones stay free for what only they take.
    const takers = p.agencies.map((a) => p.sites.filter((s) => s.eligible.includes(a.index)).length);
    this.agencyPreference = p.agencies
      .map((a) => a.index)
      .sort((x, y) => (takers[x] ?? 0) - (takers[y] ?? 0));
  }

  run(target: number, g: Guidance): Schedule | undefined {
    const ls = latestStarts(this.p, this.order, target);
    if (g.insertion)
      return insertionSchedule(
        this.p,
        this.es,
        ls,
        target,
        {
          unitOrder: g.unitOrder,
          placement: g.insertion,
          target: g.minor,
          preferredAgency: g.preferredAgency,
        },
        this.agencyPreference,
      );
    const pos = new Float64Array(this.p.units.length);
    g.unitOrder.forEach((u, i) => (pos[u] = i));
    const rank = new Float64Array(this.p.sites.length);
    const scale = 1e6;
    for (const s of this.p.sites)
      rank[s.index] =
        (g.unitMajor === false ? 0 : (pos[s.unit] ?? 0) * scale) +
        (g.minor ? (g.minor[s.index] ?? 0) : (ls[s.index] ?? 0));
    return greedySchedule(
      this.p,
      { latest: ls, rank, urgency: g.urgency, holdForUrgent: g.hold, preferredAgency: g.preferredAgency },
      this.agencyPreference,
    );
  }

  better(a: Schedule | undefined, b: Schedule | undefined): Schedule | undefined {
    if (!a) return b;
    if (!b) return a;
    const ea = evaluateSchedule(this.p, a);
    const eb = evaluateSchedule(this.p, b);
    if (ea.w !== eb.w) return ea.w < eb.w ? a : b;
    return ea.pd <= eb.pd ? a : b;
  }

  /** Best of the priority rules for a target W; returns the guidance that produced it too. */
  tryRules(
    target: number,
    guides: Omit<Guidance, 'urgency' | 'hold'>[],
    until: number,
  ): { s: Schedule; g: Guidance } | undefined {
    let best: { s: Schedule; g: Guidance } | undefined;
    for (const base of guides)
      for (const [urgency, hold] of base.insertion ? [[0, false] as [number, boolean]] : URGENCY_VARIANTS) {
        if (best && Date.now() > until) return best;
        const g = { ...base, urgency, hold };
        const s = this.run(target, g);
        if (s && this.better(best?.s, s) === s && s !== best?.s) best = { s, g };
      }
    return best;
  }

  constructive(wLow: number, until = Infinity): { s: Schedule; g: Guidance } | undefined {
    const guides: Omit<Guidance, 'urgency' | 'hold'>[] = this.unitOrders.flatMap((unitOrder) => [
      { unitOrder },
      { unitOrder, insertion: 'late' as const },
      { unitOrder, insertion: 'early' as const },
    ]);
    let best = this.tryRules(wLow, guides, until);
    if (!best) return undefined;
    // Target each W between the lower bound and the best found, tighter targets first.
    for (let target = wLow + 1; target < evaluateSchedule(this.p, best.s).w && Date.now() < until; target++) {
      const found = this.tryRules(target, guides, until);
      if (found && this.better(best.s, found.s) === found.s && found.s !== best.s) best = found;
    }
    return best;
  }

  /** Local search on the unit order of a guidance, W kept. */
  improve(start: Schedule, g: Guidance, w: number, until: number): Schedule {
    let best = start;
    let bestPd = evaluateSchedule(this.p, best).pd;
    let order = [...g.unitOrder];
    const U = order.length;
    if (U < 2) return best;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    let stale = 0;
    const patience = Math.max(300, 30 * U);
    while (Date.now() < until && stale < patience) {
      stale++;
      const i = Math.floor(random() * U);
      const span = Math.max(2, Math.floor(U / 10));
      const j = Math.min(U - 1, Math.max(0, i + Math.floor((random() * 2 - 1) * span)));
      if (i === j) continue;
      const next = [...order];
      const [moved] = next.splice(i, 1);
      if (moved === undefined) continue;
      next.splice(j, 0, moved);
      const s = this.run(w, { ...g, unitOrder: next });
      if (!s) continue;
      const e = evaluateSchedule(this.p, s);
      if (e.w <= w && e.pd <= bestPd) {
        if (e.pd < bestPd) {
          best = s;
          stale = 0;
        }
        bestPd = e.pd;
        order = next;
      }
    }
    return best;
  }

  /** Guidance from an LP solution: units by fractional release, sites by mean start, agencies by LP mass. */
  lpGuides(m: TimeIndexedModel, x: Float64Array): Omit<Guidance, 'urgency' | 'hold'>[] {
    const n = this.p.sites.length;
    const tSum = new Float64Array(n);
    const mass = new Float64Array(n);
    const agencyMass = new Float64Array(n * Math.max(1, this.p.agencies.length));
    const A = this.p.agencies.length;
    for (let j = 0; j < m.numX; j++) {
      const v = x[j] ?? 0;
      if (v <= 1e-9) continue;
      const f = m.colSite[j] ?? 0;
      tSum[f] = (tSum[f] ?? 0) + v * (m.colDay[j] ?? 0);
      mass[f] = (mass[f] ?? 0) + v;
      const a = m.colAgency[j] ?? -1;
      if (a < 0) continue; // an aggregated model leaves the agency open
      agencyMass[f * A + a] = (agencyMass[f * A + a] ?? 0) + v;
    }
    const tbar = new Float64Array(n);
    const preferred = new Int32Array(n).fill(-1);
    for (let f = 0; f < n; f++) {
      tbar[f] = (tSum[f] ?? 0) / Math.max(1e-9, mass[f] ?? 0);
      let bestA = -1;
      let bestV = 0;
      for (let a = 0; a < A; a++)
        if ((agencyMass[f * A + a] ?? 0) > bestV) {
          bestV = agencyMass[f * A + a] ?? 0;
          bestA = a;
        }
      preferred[f] = bestA;
    }
    const release = new Float64Array(this.p.units.length);
    for (const u of this.p.units) release[u.index] = x[m.unitCol[u.index] ?? -1] ?? 0;
    return this.guidesFrom(tbar, preferred, release);
  }

  /** Guidance from a relaxed solution: mean start per site, agency per site, release per unit. */
  guidesFrom(
    tbar: Float64Array,
    preferred: Int32Array,
    release: Float64Array,
  ): Omit<Guidance, 'urgency' | 'hold'>[] {
    const ratio = this.unitOrders[0] ?? [];
    const ratioPos = new Float64Array(this.p.units.length);
    ratio.forEach((u, i) => (ratioPos[u] = i));
    const byRelease = this.p.units
      .map((u) => u.index)
      .sort((a, b) => (release[a] ?? 0) - (release[b] ?? 0) || (ratioPos[a] ?? 0) - (ratioPos[b] ?? 0));
    return [
      { unitOrder: byRelease, minor: tbar, preferredAgency: preferred, unitMajor: false },
      { unitOrder: byRelease, minor: tbar, preferredAgency: preferred, insertion: 'target' },
      { unitOrder: byRelease, minor: tbar, insertion: 'target' },
      { unitOrder: byRelease, insertion: 'late' },
      { unitOrder: byRelease, minor: tbar, preferredAgency: preferred },
      { unitOrder: byRelease, minor: tbar },
    ];
  }
}

/** What the exact stage settles: a plan, none, its model too large to try, or nothing in the time. */
type Verdict = Schedule | 'infeasible' | 'too-large' | undefined;
const isSchedule = (v: Verdict): v is Schedule => typeof v === 'object';
/** Said when no plan was found and none was proven impossible: whether the exact stage could have tried. */
const notFound = (v: 'too-large' | undefined) => (v === 'too-large' ? NOT_FOUND_TOO_LARGE : NOT_FOUND);

async function exactVerdict(
  p: PlanningProblem,
  order: readonly number[],
  es: Int32Array,
  wLow: number,
  deadlineAt: number,
  limit: number,
): Promise<Verdict> {
  // A plan exists at some W only if one exists by the deadline, or without one by the horizon: so an
  // infeasible MIP there proves that no plan exists at all (a plan at a smaller W is one at this W too).
  const horizon = p.deadline ?? feasibilityHorizon(p, es);
  const runner = new HighsRunner(deadlineAt);
  const solveAt = (w: number) => planBy(runner, p, order, es, w, deadlineAt, limit);
  try {
    // The lower bound first (a plan is usually there), then the horizon (none there: none at all), then
    // halving the days between: a plan at W is one at every later W too.
    let lo = wLow;
    let hi = horizon;
    if (hi < lo) return 'infeasible'; // the proven lower bound is past the deadline
    const first = await solveAt(lo);
    if (first !== 'infeasible') return first;
    if (hi === lo) return 'infeasible';
    // No day helps a packing that cannot work even at the end: proven in milliseconds.
    if ((await packsAtTheEnd(runner, p, deadlineAt)) === false) return 'infeasible';
    if (Date.now() >= deadlineAt) return undefined;
    const last = await solveAt(hi);
    if (!isSchedule(last)) return last;
    let found: Schedule = last;
    lo++;
    while (lo < hi && Date.now() < deadlineAt) {
      const mid = Math.floor((lo + hi) / 2);
      const v = await solveAt(mid);
      if (!isSchedule(v) && v !== 'infeasible') break;
      if (v === 'infeasible') lo = mid + 1;
      else {
        hi = mid;
        found = v;
      }
    }
    return found;
  } finally {
    await runner.close();
  }
}

/** Whether the sites can be packed into the agencies' final capacity (finalPackingModel), if HiGHS says in time. */
async function packsAtTheEnd(
  runner: HighsRunner,
  p: PlanningProblem,
  deadlineAt: number,
): Promise<boolean | undefined> {
  const out = await runner.solve(finalPackingModel(p), {
    timeLimitMs: deadlineAt - Date.now(),
    mip: true,
    options: { mip_rel_gap: 1 },
  });
  return out.kind === 'infeasible' ? false : out.kind === 'optimal' ? true : undefined;
}

/**
 * A plan that withdraws by day w from the whole MIP, 'infeasible' when it proves there is none, 'too-large'
 * when the model has more columns than the limit, undefined when HiGHS settles nothing in the time.
 */
async function planBy(
  runner: HighsRunner,
  p: PlanningProblem,
  order: readonly number[],
  es: Int32Array,
  w: number,
  deadlineAt: number,
  limit: number,
): Promise<Verdict> {
  const ls = latestStarts(p, order, w);
  if (countTimeIndexedColumns(p, es, ls) > limit) return 'too-large';
  const m = buildTimeIndexedModel(p, es, ls, w, undefined, false);
  const out = await runner.solve(m.model, { timeLimitMs: deadlineAt - Date.now(), mip: true });
  if (out.kind === 'infeasible') return 'infeasible';
  const x = out.kind === 'optimal' ? out.colValue : out.kind === 'limit' ? out.colValue : undefined;
  if (!x) return undefined;
  const s = columnsToSchedule(m, p, x);
  return verifySchedule(p, s) ? s : undefined;
}

/**
 * Once the exact stage has proven that no plan exists (by the deadline, or at all), the sites that have no
 * plan even on their own, for the explanation: sites are dropped, several at a time while the rest stays
 * infeasible, and a site is kept when dropping it alone leaves sites that have a plan. Dropping a site only
 * removes constraints (its guards, its handover's day, the sites waiting for it), so sites that have a plan
 * still have one with fewer of them: every site kept is needed, and the set is minimal when each solve
 * answered in time. A solve that does not answer keeps its sites, and so does the end of the time: the set
 * returned is always proven to have no plan (all the sites, when none could be dropped in time).
 * `lateWouldDo`: with a deadline, whether those sites are proven to have a plan without it.
 */
export async function infeasibleCore(
  scenario: Scenario,
  p: PlanningProblem,
  deadlineAt: number,
  limit: number,
): Promise<{ core: number[]; lateWouldDo: boolean }> {
  const runner = new HighsRunner(deadlineAt);
  /** Whether these sites alone have a plan (by the deadline, or by their own feasibility horizon). */
  const plannable = async (sites: readonly number[], within = scenario): Promise<boolean | undefined> => {
    if (sites.length === 0) return true;
    const ids = new Set(sites.map((f) => p.sites[f]?.id));
    const q = buildProblem({
      ...within,
      sites: within.sites
        .filter((s) => ids.has(s.id))
        .map((s) => (s.after ? { ...s, after: s.after.filter((h) => ids.has(h)) } : s)),
    });
    const order = topologicalOrder(q);
    const es = earliestStarts(q, order);
    if (earlyReasons(q, es).length) return false;
    const w = q.deadline ?? feasibilityHorizon(q, es);
    if (shortfallForW(q, es, latestStarts(q, order, w))) return false;
    if ((await packsAtTheEnd(runner, q, deadlineAt)) === false) return false;
    const v = await planBy(runner, q, order, es, w, deadlineAt, limit);
    return isSchedule(v) ? true : v === 'infeasible' ? false : undefined;
  };
  // The small sites are tried first: what remains are the sites whose guards make the packing fail.
  let rest = p.sites
    .map((s) => s.index)
    .sort((a, b) => (p.sites[a]?.guards ?? 0) - (p.sites[b]?.guards ?? 0));
  const kept: number[] = [];
  let chunk = Math.max(1, Math.floor(rest.length / 2));
  try {
    while (rest.length && Date.now() < deadlineAt) {
      chunk = Math.min(chunk, rest.length);
      const answer = await plannable([...kept, ...rest.slice(chunk)]);
      if (answer === false) rest = rest.slice(chunk);
      else if (chunk > 1) chunk = Math.ceil(chunk / 2);
      else kept.push(...rest.splice(0, 1));
    }
    const core = [...kept, ...rest].sort((a, b) => a - b);
    const { deadline: _, ...undated } = scenario.operation;
    const lateWouldDo =
      p.deadline !== undefined && (await plannable(core, { ...scenario, operation: undated })) === true;
    return { core, lateWouldDo };
  } finally {
    await runner.close();
  }
}

/**
 * Without a deadline, a withdrawal day by which some plan exists if any does. Let E be the last day on which
 * anything changes: the last capacity step (as given: capacity may also fall) and the latest earliest start
 * (gates, pins, predecessors). In any plan, the sites that start after E can instead start later, level by
 * level of the order of handovers (a site's level is one more than its predecessors' highest), from E + 1 + d
 * (d the longest joint guard): level k's n_k sites start over ⌈n_k / L⌉ days (L the daily limit), and the
 * next level starts on the day the last of them transfers. Capacity no longer changes after E and each agency
 * ends with the same sites, so no day exceeds it; days after E hold only these starts, at most L a day;
 * every predecessor has transferred when its successor starts (one that started by E, by E + d). Pinned
 * sites start by E and keep their day. The last level transfers by E + 1 + d + Σ_k (⌈n_k / L⌉ − 1 + d).
 * (The earlier form, one start every d + 1 days, E + 1 + 2d + (n − 1)(d + 1), is never smaller: with no
 * order and no limit the levelled one is E + 1 + 2d at any n, which keeps the exact verdict's model small.)
 */
export function feasibilityHorizon(p: PlanningProblem, es: Int32Array): number {
  let e = 0;
  let d = 0;
  for (const s of p.sites) {
    e = Math.max(e, es[s.index] ?? 0);
    d = Math.max(d, s.overlap);
  }
  for (const a of p.agencies) for (const step of [...a.steps, ...a.effective]) e = Math.max(e, step.day);
  const level = new Int32Array(p.sites.length);
  const perLevel: number[] = [];
  for (const f of topologicalOrder(p)) {
    let l = 0;
    for (const h of p.sites[f]?.preds ?? []) l = Math.max(l, (level[h] ?? 0) + 1);
    level[f] = l;
    perLevel[l] = (perLevel[l] ?? 0) + 1;
  }
  let last = e + 1 + d;
  for (const n of perLevel) last += Math.max(1, Math.ceil((n ?? 0) / p.throughput)) - 1 + d;
  return Math.min(last, e + 1 + 2 * d + Math.max(0, p.sites.length - 1) * (d + 1));
}

/** The Lagrangian bound of the agency-aggregated relaxation at W, priced by the groups' LP duals. */
function pricedBound(
  p: PlanningProblem,
  es: Int32Array,
  ls: Int32Array,
  w: number,
  g: GroupGuidance,
  upper: number,
  until: number,
): { bound: number; start: Int32Array } | undefined {
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (const s of p.sites) {
    minDay = Math.min(minDay, es[s.index] ?? 0);
    maxDay = Math.max(maxDay, ls[s.index] ?? 0);
  }
  const rows = familyCapacityRows(p, minDay, maxDay);
  const lambda = Float64Array.from(rows.map((r) => g.prices.capacity.get(`${r.mask}:${r.day}`) ?? 0));
  const mu = new Float64Array(Math.max(0, maxDay - minDay + 1));
  for (const [d, v] of g.prices.throughput) if (d >= minDay && d <= maxDay) mu[d - minDay] = v;
  const arcs: { site: number; pred: number }[] = [];
  for (const s of p.sites) for (const h of s.preds) arcs.push({ site: s.index, pred: h });
  const nu = Float64Array.from(arcs.map((q) => g.prices.precedence.get(`${q.site}:${q.pred}`) ?? 0));
  return familyLagrangeBound(p, es, ls, w, rows, lambda, minDay, mu, arcs, nu, upper, until);
}

/** Units with a site the LP solution does not start whole on one (agency, day). */
function fractionalUnits(p: PlanningProblem, m: TimeIndexedModel, x: Float64Array): number[] {
  const whole = new Uint8Array(p.sites.length);
  for (let j = 0; j < m.numX; j++) if ((x[j] ?? 0) > 1 - 1e-6) whole[m.colSite[j] ?? 0] = 1;
  return p.units.filter((u) => u.sites.some((f) => !whole[f])).map((u) => u.index);
}

/** Σ strength × the earliest release each unit's sites allow on their own. */
function simplePersonDaysBound(p: PlanningProblem, es: Int32Array): number {
  let pd = 0;
  for (const u of p.units) {
    if (!u.sites.length) continue;
    let r = -Infinity;
    for (const f of u.sites) r = Math.max(r, (es[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
    pd += u.strength * r;
  }
  return pd;
}

/** Internal guard: every hard constraint holds (the exact stage's output is trusted only after this). */
export function verifySchedule(p: PlanningProblem, s: Schedule): boolean {
  const perDay = new Map<number, number>();
  for (const site of p.sites) {
    const t = s.start[site.index] ?? 0;
    const a = s.agency[site.index] ?? -1;
    if (!site.agencies.includes(a)) return false;
    if (site.pinnedStart !== undefined ? t !== site.pinnedStart : t < site.gate) return false;
    for (const h of site.preds) if (t < (s.start[h] ?? 0) + (p.sites[h]?.overlap ?? 0)) return false;
    if (p.deadline !== undefined && t + site.overlap > p.deadline) return false;
    perDay.set(t, (perDay.get(t) ?? 0) + 1);
  }
  for (const c of perDay.values()) if (c > p.throughput) return false;
  const days = new Set<number>([0]);
  for (const site of p.sites) days.add(Math.max(0, s.start[site.index] ?? 0));
  for (const a of p.agencies) for (const st of a.steps) if (st.day >= 0) days.add(st.day);
  for (const a of p.agencies) {
    const lastStep = a.steps.length ? (a.steps[a.steps.length - 1]?.day ?? 0) : 0;
    days.add(Math.max(0, lastStep));
    for (const t of days) {
      let used = 0;
      for (const site of p.sites)
        if (s.agency[site.index] === a.index && (s.start[site.index] ?? 0) <= t) used += site.guards;
      let cap = 0;
      for (const st of a.steps) if (st.day <= t) cap = st.guards;
      if (used > cap) return false;
    }
  }
  return true;
}

export function planFromSchedule(
  p: PlanningProblem,
  s: Schedule,
  status: PlanStatus,
  bound: { withdrawal_day: number; force_person_days: number },
): Plan {
  const e = evaluateSchedule(p, s);
  const date = (d: number) => addDays(p.start, d);
  const handovers = p.sites.map((site) => {
    const t = s.start[site.index] ?? 0;
    return {
      site: site.id,
      agency: p.agencies[s.agency[site.index] ?? 0]?.id ?? '',
      start: date(t),
      transfer: date(t + site.overlap),
    };
  });
  const units = p.units.map((u) => ({
    unit: u.id,
    released: date(u.sites.length ? (e.release[u.index] ?? 0) : 0),
  }));
  const contingents = p.contingents.map((c) => {
    let r = 0;
    let any = false;
    for (const u of c.units) {
      const ru = p.units[u]?.sites.length ? (e.release[u] ?? 0) : 0;
      r = any ? Math.max(r, ru) : ru;
      any = true;
    }
    return { contingent: c.id, withdrawn: date(r) };
  });
  return {
    version: 1,
    status,
    withdrawal_date: date(e.w),
    objective: { withdrawal_day: e.w, force_person_days: e.pd },
    bound,
    handovers,
    units,
    contingents,
    reasons: [],
  };
}

function infeasiblePlan(reasons: PlanReason[]): Plan {
  return {
    version: 1,
    status: 'infeasible',
    withdrawal_date: null,
    objective: null,
    bound: null,
    handovers: [],
    units: [],
    contingents: [],
    reasons,
  };
}
