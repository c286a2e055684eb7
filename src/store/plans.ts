import type { Selectable } from 'kysely';
import type { PlanChange } from '../core/plan/diff.ts';
import type { Db } from './repositories.ts';
import type { PlanTable } from './schema.ts';

/** A planning run and, once done, the plan it produced: plans are kept as numbered versions. */
export interface PlanRecord {
  id: number;
  createdAt: string;
  createdBy: string;
  state: 'running' | 'done' | 'failed';
  progress: number;
  phase: string | null;
  request: unknown;
  status: string | null;
  withdrawalDate: string | null;
  result: unknown;
  error: string | null;
  finishedAt: string | null;
  adoptedAt: string | null;
  adoptedBy: string | null;
  /** The adopted plan this run re-planned against, if one was adopted when it started. */
  previousPlanId: number | null;
  /** Once done against a previous plan: the sites whose agency or start differ from it. */
  changes: PlanChange[] | null;
  /** Once done against a previous plan: whether no plan as good moves fewer handovers. */
  fewestMovesProven: boolean | null;
}

/** What a run re-planned against the adopted plan found: what moves, and whether that is the fewest. */
export interface Replanned {
  changes: PlanChange[];
  fewestMovesProven: boolean;
}

/** A plan version as the list gives it: the run and its verdict, without the plan or the list of moves. */
export interface PlanVersion extends Omit<PlanRecord, 'result' | 'changes'> {
  /** Once done against a previous plan: how many sites moved from it (the length of `changes`). */
  changesCount: number | null;
}

/**
 * The columns of a plan version. Not `result`: a plan of 5,000 sites is about a megabyte of JSON, and the
 * list would read every one of them to throw it away.
 */
const VERSION_COLUMNS = [
  'id',
  'created_at',
  'created_by',
  'state',
  'progress',
  'phase',
  'request',
  'status',
  'withdrawal_date',
  'error',
  'finished_at',
  'adopted_at',
  'adopted_by',
  'previous_plan_id',
  'fewest_moves_proven',
] as const satisfies readonly (keyof PlanTable)[];

function rowToVersionFields(
  r: Pick<Selectable<PlanTable>, (typeof VERSION_COLUMNS)[number]>,
): Omit<PlanRecord, 'result' | 'changes'> {
  return {
    id: Number(r.id),
    createdAt: r.created_at,
    createdBy: r.created_by,
    state: r.state as PlanRecord['state'],
    progress: Number(r.progress),
    phase: r.phase,
    request: JSON.parse(r.request) as unknown,
    status: r.status,
    withdrawalDate: r.withdrawal_date,
    error: r.error,
    finishedAt: r.finished_at,
    adoptedAt: r.adopted_at,
    adoptedBy: r.adopted_by,
    previousPlanId: r.previous_plan_id === null ? null : Number(r.previous_plan_id),
    fewestMovesProven: r.fewest_moves_proven === null ? null : Number(r.fewest_moves_proven) === 1,
  };
}

function rowToPlan(r: Selectable<PlanTable>): PlanRecord {
  return {
    ...rowToVersionFields(r),
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    changes: r.changes === null ? null : (JSON.parse(r.changes) as PlanChange[]),
  };
}

export async function insertPlanRun(
  db: Db,
  run: { createdBy: string; request: unknown; previousPlanId?: number | null },
): Promise<number> {
  const r = await db
    .insertInto('plans')
    .values({
      created_at: new Date().toISOString(),
      created_by: run.createdBy,
      state: 'running',
      progress: 0,
      phase: 'queued',
      heartbeat_at: new Date().toISOString(),
      request: JSON.stringify(run.request),
      previous_plan_id: run.previousPlanId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function updatePlanProgress(db: Db, id: number, progress: number, phase: string): Promise<void> {
  await db
    .updateTable('plans')
    .set({ progress, phase, heartbeat_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .execute();
}

export async function finishPlanRun(
  db: Db,
  id: number,
  outcome:
    { result: { status: string; withdrawal_date: string | null }; replanned?: Replanned } | { error: string },
): Promise<void> {
  const finished_at = new Date().toISOString();
  if ('error' in outcome)
    await db
      .updateTable('plans')
      .set({ state: 'failed', error: outcome.error, finished_at })
      .where('id', '=', id)
      .execute();
  else
    await db
      .updateTable('plans')
      .set({
        state: 'done',
        progress: 1,
        phase: 'done',
        status: outcome.result.status,
        withdrawal_date: outcome.result.withdrawal_date,
        result: JSON.stringify(outcome.result),
        changes: outcome.replanned ? JSON.stringify(outcome.replanned.changes) : null,
        fewest_moves_proven: outcome.replanned ? (outcome.replanned.fewestMovesProven ? 1 : 0) : null,
        finished_at,
      })
      .where('id', '=', id)
      .execute();
}

export async function findPlan(db: Db, id: number): Promise<PlanRecord | null> {
  const r = await db.selectFrom('plans').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? rowToPlan(r) : null;
}

/**
 * Plan versions, newest first, without their documents or the list of what moves. The count of moves is
 * read from `changes` (one short entry per moved site, small beside the plan) rather than counted in SQL,
 * where SQLite and PostgreSQL spell the JSON functions differently.
 */
export async function listPlans(
  db: Db,
  /** Which moves count (a scoped reader counts those in its view); all by default. */
  countChanges: (changes: PlanChange[]) => number = (changes) => changes.length,
  limit = 100,
): Promise<PlanVersion[]> {
  const rows = await db
    .selectFrom('plans')
    .select([...VERSION_COLUMNS, 'changes'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...rowToVersionFields(r),
    changesCount: r.changes === null ? null : countChanges(JSON.parse(r.changes) as PlanChange[]),
  }));
}

/** The plan in force: the one adopted last, if any. */
export async function findAdoptedPlan(db: Db): Promise<PlanRecord | null> {
  const r = await db
    .selectFrom('plans')
    .selectAll()
    .where('adopted_at', 'is not', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return r ? rowToPlan(r) : null;
}

export async function markPlanAdopted(db: Db, id: number, actor: string): Promise<void> {
  await db
    .updateTable('plans')
    .set({ adopted_at: null, adopted_by: null })
    .where('adopted_at', 'is not', null)
    .execute();
  await db
    .updateTable('plans')
    .set({ adopted_at: new Date().toISOString(), adopted_by: actor })
    .where('id', '=', id)
    .execute();
}

/**
 * Runs whose instance has been silent for `silentMs` (it died or was killed) are failed, so that nobody
 * waits for them forever. Other instances' live runs keep their heartbeat fresh and are left alone.
 */
export async function failAbandonedRuns(db: Db, silentMs = 120_000): Promise<number> {
  const cutoff = new Date(Date.now() - silentMs).toISOString();
  const r = await db
    .updateTable('plans')
    .set({ state: 'failed', error: 'the instance running it stopped', finished_at: new Date().toISOString() })
    .where('state', '=', 'running')
    .where('heartbeat_at', '<', cutoff)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
