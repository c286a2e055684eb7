import { Type } from '@sinclair/typebox';
import type { PlanDiff } from '../../core/plan/diff.ts';
import type { PlanningService, PlanRun } from '../../service/planning.ts';
import type { PlanVersion } from '../../store/plans.ts';
import type { App } from '../app.ts';
import { ErrorBody, PlanDiffView, PlanRequestBody, PlanRunView, PlanVersionView } from '../schemas.ts';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['planning'];
const PlanId = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);

/** What every view of a run gives: the run, and once done its verdict. */
function runFields(r: PlanVersion | PlanRun) {
  return {
    id: r.id,
    created_at: r.createdAt,
    created_by: r.createdBy,
    state: r.state,
    progress: r.progress,
    phase: r.phase,
    request: r.request as { time_limit_s: number; what_if: string[] },
    status: r.status,
    withdrawal_date: r.withdrawalDate,
    error: r.error,
    finished_at: r.finishedAt,
    adopted_at: r.adoptedAt,
    adopted_by: r.adoptedBy,
    previous_plan: r.previousPlanId,
    fewest_moves_proven: r.fewestMovesProven,
  };
}

function runView(r: PlanRun, withPlan: boolean) {
  return { ...runFields(r), ...(withPlan ? { changes: r.changes, plan: r.result } : {}) };
}

const versionView = (r: PlanVersion) => ({ ...runFields(r), changes_count: r.changesCount });

export const diffView = (d: PlanDiff) => ({
  withdrawal: d.withdrawal,
  person_days: d.personDays,
  status: d.status,
  moved: d.moved,
  contingents: d.contingents,
});

export function registerPlanRoutes(app: App, planning: PlanningService) {
  app.post(
    '/api/plans',
    {
      config: { policy: 'plan.run' },
      schema: {
        tags,
        operationId: 'startPlanningRun',
        summary:
          'Plan the handover of the operation in the database; runs in the background — follow it with GET /api/plans/{id}',
        body: PlanRequestBody,
        response: { 202: PlanRunView, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const run = await planning.start(
        {
          ...(b.time_limit_s !== undefined ? { timeLimitS: b.time_limit_s } : {}),
          ...(b.what_if ? { whatIf: b.what_if } : {}),
        },
        req.actor,
      );
      return reply.code(202).header('location', `/api/plans/${run.id}`).send(runView(run, false));
    },
  );
  app.get(
    '/api/plans',
    {
      config: { policy: 'plan.read' },
      schema: {
        tags,
        operationId: 'listPlans',
        summary:
          'Plan versions, newest first: each with how many handovers moved, not which, and no plan (a reader with a scope: counted within it)',
        response: { 200: Type.Object({ items: Type.Array(PlanVersionView) }) },
      },
    },
    async (req) => ({ items: (await planning.list(req.actor)).map(versionView) }),
  );
  app.get(
    '/api/plans/compare',
    {
      config: { policy: 'plan.read' },
      schema: {
        tags,
        operationId: 'comparePlans',
        summary: 'What changes from plan a to plan b (a reader with a scope: within it)',
        querystring: Type.Object(
          {
            a: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
            b: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PlanDiffView, ...errors },
      },
    },
    async (req) => diffView(await planning.compare(req.query.a, req.query.b, req.actor)),
  );
  app.get(
    '/api/plans/:id',
    {
      config: { policy: 'plan.read' },
      schema: {
        tags,
        operationId: 'getPlan',
        summary:
          'A planning run: its progress, and its plan once done (a reader with a scope: the part of the plan in it)',
        params: PlanId,
        response: { 200: PlanRunView, ...errors },
      },
    },
    async (req) => {
      const run = await planning.get(req.params.id, req.actor);
      return { ...runView(run, true), names: run.names };
    },
  );
  app.post(
    '/api/plans/:id/adopt',
    {
      config: { policy: 'plan.adopt' },
      schema: {
        tags,
        operationId: 'adoptPlan',
        summary: 'Adopt a plan: plan the handovers it proposes for every site still only protected',
        params: PlanId,
        response: {
          200: Type.Object({ planned: Type.Array(Type.String()), kept: Type.Array(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => planning.adopt(req.params.id, req.actor),
  );
}
