import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import type { WhatIf } from '../../../../src/core/plan/what-if.ts';
import { describeWhatIf } from '../../../../src/core/plan/what-if.ts';
import { POLICY } from '../../../../src/core/auth/policy.ts';
import { api } from '../../api/client.ts';
import { useLive, useLiveRefetch } from '../../api/live.ts';
import { useOperation } from '../../api/operation.tsx';
import { useSession } from '../../api/session.tsx';
import { useApi } from '../../api/useApi.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorNote, Loading } from '../../components/ErrorNote.tsx';
import { useFormat } from '../../i18n/format.ts';
import { useAllSites } from '../map/useAllSites.ts';
import { addDays, todayIn } from './days.ts';
import { GanttChart } from './GanttChart.tsx';
import {
  capacitySeries,
  ganttBars,
  groupBars,
  planDays,
  UNKNOWN_CONTINGENT,
  withdrawalBurndown,
  type GroupBy,
} from './model.ts';
import { BurndownChart, CapacityChart } from './PlanCharts.tsx';
import { MovedSites, PlanDiffView } from './PlanDiffView.tsx';
import { ReasonList } from './ReasonList.tsx';
import type { Scope } from '../../api/types.ts';
import type { AgencyRow, ContingentRow, PlanDiff, PlanRun, PlanVersion, SiteRow, UnitRow } from './types.ts';
import { parseChanges, useDescribeWhatIf, WhatIfEditor } from './WhatIfEditor.tsx';
import './plan.css';

const POLL_MS = 400;

/**
 * The Plan page: run the planner (with what-if changes) and follow its progress, read a plan version as
 * a Gantt chart with capacity and withdrawal charts and the explanation of what binds it, compare two
 * versions, and adopt one. A reader with a scope gets from the API the part of each plan in their scope
 * (src/core/auth/plan-scope.ts); the page says so, and shows their release dates instead of the capacity
 * charts, which would read a part of the plan against the agencies' whole capacity.
 */
export default function PlanView() {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const operation = useOperation();
  const { role, scope } = useSession();
  const [params, setParams] = useSearchParams();
  // The server's own policy table decides who may do what; the page offers and asks for exactly that.
  const may = (action: 'plan.run' | 'plan.adopt' | 'force.read' | 'agency.read') =>
    role !== null && (POLICY[action].roles as readonly string[]).includes(role);
  const readsForce = may('force.read');

  const runs = useApi<{ items: PlanVersion[] }>('/api/plans');
  const units = useApi<{ items: UnitRow[] }>(readsForce ? '/api/units' : null);
  const agencies = useApi<{ items: AgencyRow[] }>(may('agency.read') ? '/api/agencies' : null);
  const contingents = useApi<{ items: ContingentRow[] }>(readsForce ? '/api/contingents' : null);
  const { sites } = useAllSites();
  useLiveRefetch(runs.refetch, (c) => c.entity === 'plan' && c.action !== 'progress');
  useLiveRefetch(agencies.refetch, (c) => c.entity === 'agency');
  useLiveRefetch(units.refetch, (c) => c.entity === 'unit' || c.entity === 'contingent');

  const doneRuns = useMemo(() => (runs.data?.items ?? []).filter((r) => r.state === 'done'), [runs.data]);
  const requested = Number(params.get('plan')) || null;
  const selectedId = requested ?? doneRuns[0]?.id ?? null;
  const selected = useApi<PlanRun>(selectedId !== null ? `/api/plans/${selectedId}` : null);
  useLiveRefetch(
    selected.refetch,
    (c) => c.entity === 'plan' && c.id === String(selectedId) && c.action !== 'progress',
  );
  const select = useCallback(
    (id: number) =>
      setParams(
        (p) => {
          const n = new URLSearchParams(p);
          n.set('plan', String(id));
          return n;
        },
        { replace: true },
      ),
    [setParams],
  );

  const siteMap = useMemo(() => new Map((sites ?? []).map((s) => [s.id, s])), [sites]);
  const unitMap = useMemo(() => new Map((units.data?.items ?? []).map((u) => [u.id, u])), [units.data]);
  // Names the reader's role cannot list come with the plan they read (its agencies, units, contingents).
  const named = selected.data?.names;
  const agencyName = useCallback(
    (id: string) => agencies.data?.items.find((a) => a.id === id)?.name ?? named?.agencies[id] ?? id,
    [agencies.data, named],
  );
  const contingentName = useCallback(
    (id: string) => {
      const nation = contingents.data?.items.find((x) => x.id === id)?.nation ?? named?.contingents[id];
      return nation !== undefined ? `${nation} (${id})` : id;
    },
    [contingents.data, named],
  );
  const siteName = useCallback((id: string) => siteMap.get(id)?.name ?? id, [siteMap]);
  const describe = useDescribeWhatIf(agencyName, siteName);

  const canPlan = may('plan.run');
  const canAdopt = may('plan.adopt');

  return (
    <div className="plan-page">
      <h1>{t('title')}</h1>
      <p className="lead">{t('lead')}</p>
      {scope ? (
        <ScopeNote
          scope={scope}
          name={
            scope.kind === 'unit'
              ? (unitMap.get(scope.id)?.name ?? named?.units[scope.id] ?? scope.id)
              : scope.kind === 'contingent'
                ? contingentName(scope.id)
                : scope.kind === 'agency'
                  ? agencyName(scope.id)
                  : siteName(scope.id)
          }
        />
      ) : null}
      <RunPanel
        canPlan={canPlan}
        agencies={agencies.data?.items ?? []}
        sites={sites ?? []}
        defaultDate={operation?.start ?? ''}
        describe={describe}
        contingentName={contingentName}
        base={selectedId}
        onStarted={() => runs.refetch()}
        onFinished={(run) => {
          runs.refetch();
          if (run.state === 'done') select(run.id);
        }}
      />
      {runs.error ? <ErrorNote error={runs.error} onRetry={runs.refetch} /> : null}
      {runs.loading ? <Loading /> : null}
      {runs.data && runs.data.items.length === 0 ? <p className="note">{t('noPlans')}</p> : null}
      {selected.error ? <ErrorNote error={selected.error} onRetry={selected.refetch} /> : null}
      {selected.data && selected.data.id === selectedId ? (
        <SelectedPlan
          run={selected.data}
          scoped={scope !== null}
          canAdopt={canAdopt}
          onAdopted={() => {
            runs.refetch();
            selected.refetch();
          }}
          units={units.data?.items ?? []}
          unitMap={unitMap}
          agencies={agencies.data?.items ?? []}
          siteMap={siteMap}
          agencyName={agencyName}
          contingentName={contingentName}
          describe={describe}
          formatDay={(d) => f.date(d)}
          formatDayShort={(d) => f.day(d)}
        />
      ) : null}
      <div className="plan-history">
        {runs.data && runs.data.items.length > 0 ? (
          <Versions runs={runs.data.items} selected={selectedId} onSelect={select} describe={describe} />
        ) : null}
        {doneRuns.length >= 2 ? (
          <Compare
            runs={doneRuns}
            scoped={scope !== null}
            selected={selectedId}
            siteName={siteName}
            agencyName={agencyName}
            contingentName={contingentName}
          />
        ) : null}
      </div>
    </div>
  );
}

/** Start a planning run and follow it to the end: progress bar, phase, and what the what-if changed. */
function RunPanel(props: {
  canPlan: boolean;
  agencies: AgencyRow[];
  sites: SiteRow[];
  defaultDate: string;
  describe: (c: WhatIf) => string;
  contingentName: (id: string) => string;
  base: number | null;
  onStarted: () => void;
  onFinished: (run: PlanRun) => void;
}) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const id = useId();
  const [changes, setChanges] = useState<WhatIf[]>([]);
  const [whatIfOpen, setWhatIfOpen] = useState(false);
  const [limit, setLimit] = useState('10');
  const [run, setRun] = useState<PlanRun | null>(null);
  const [base, setBase] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [diff, setDiff] = useState<PlanDiff | null>(null);
  const finished = useRef(new Set<number>());
  const { onFinished } = props;

  const follow = useCallback(
    async (runId: number) => {
      const r = await api.get<PlanRun>(`/api/plans/${runId}`);
      setRun(r);
      if (r.state === 'running' || finished.current.has(r.id)) return;
      finished.current.add(r.id);
      onFinished(r);
    },
    [onFinished],
  );

  // Poll while running (live 'progress' events make it quicker; polling covers a dropped stream).
  useEffect(() => {
    if (!run || run.state !== 'running') return;
    const timer = setInterval(() => void follow(run.id).catch(setError), POLL_MS);
    return () => clearInterval(timer);
  }, [run, follow]);
  useLive((c) => {
    if (c.entity === 'plan' && run && c.id === String(run.id)) void follow(run.id).catch(setError);
  });

  // A run with what-if changes is compared with the plan it was made against.
  useEffect(() => {
    if (!run || run.state !== 'done' || base === null || run.request.what_if.length === 0) return;
    let gone = false;
    api
      .get<PlanDiff>(`/api/plans/compare?a=${base}&b=${run.id}`)
      .then((d) => !gone && setDiff(d))
      .catch((e: unknown) => !gone && setError(e));
    return () => {
      gone = true;
    };
  }, [run, base]);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDiff(null);
    try {
      const seconds = Number(limit);
      const r = await api.post<PlanRun>('/api/plans', {
        time_limit_s: Number.isFinite(seconds) && seconds >= 0.5 ? Math.min(600, seconds) : 10,
        ...(changes.length ? { what_if: changes.map(describeWhatIf) } : {}),
      });
      setBase(props.base);
      setRun(r);
      props.onStarted();
    } catch (err) {
      setError(err);
    }
  };

  const running = run?.state === 'running';
  const percent = run ? Math.round(run.progress * 100) : 0;
  const elapsed =
    run?.finished_at && run.created_at
      ? (Date.parse(run.finished_at) - Date.parse(run.created_at)) / 1000
      : null;

  return (
    <section className="panel run-panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('run.title')}</h2>
      {props.canPlan ? (
        <>
          <form className="run-form" onSubmit={(e) => void start(e)}>
            <div className="field narrow">
              <label htmlFor={`${id}-limit`}>{t('run.timeLimit')}</label>
              <input
                id={`${id}-limit`}
                type="number"
                min={0.5}
                max={600}
                step={0.5}
                value={limit}
                onChange={(e) => setLimit(e.target.value)}
              />
            </div>
            <button type="submit" className="primary" disabled={running} data-testid="run-planner">
              {changes.length ? t('run.startWhatIf', { count: changes.length }) : t('run.start')}
            </button>
          </form>
          <details
            className="whatif-details"
            open={whatIfOpen}
            onToggle={(e) => setWhatIfOpen(e.currentTarget.open)}
          >
            <summary>
              {t('whatIf.title')}
              {changes.length ? ` (${changes.length})` : ''}
            </summary>
            <p className="muted">{t('whatIf.help')}</p>
            <WhatIfEditor
              agencies={props.agencies}
              sites={props.sites}
              defaultDate={props.defaultDate}
              changes={changes}
              onChange={setChanges}
              describe={props.describe}
              disabled={running}
            />
          </details>
        </>
      ) : (
        <p className="muted">{t('run.observer')}</p>
      )}
      {error ? <ErrorNote error={error} /> : null}
      {run ? (
        <div className="run-progress" data-testid="plan-progress" data-state={run.state}>
          <div className="progress-label" id={`${id}-p`}>
            {t('run.planN', { id: run.id })}:{' '}
            {run.state === 'running'
              ? t('run.phase', {
                  phase: t(`phase.${run.phase ?? 'queued'}`, { defaultValue: run.phase ?? '' }),
                })
              : run.state === 'done'
                ? t('run.done', {
                    status: t(`status.${run.status ?? 'feasible'}`, { defaultValue: run.status ?? '' }),
                    seconds: elapsed !== null ? f.number(elapsed, { maximumFractionDigits: 1 }) : '—',
                  })
                : t('run.failed', { error: run.error ?? '' })}
          </div>
          <div
            className={`progress ${run.state}`}
            role="progressbar"
            aria-labelledby={`${id}-p`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={f.percent(run.progress)}
          >
            <div className="progress-fill" style={{ width: `${percent}%` }} />
          </div>
          <span className="progress-percent" aria-hidden="true">
            {f.percent(run.progress)}
          </span>
          <p className="visually-hidden" role="status">
            {run.state === 'running' ? '' : t(`runState.${run.state}`)}
          </p>
        </div>
      ) : null}
      {diff && run ? (
        <div className="whatif-result">
          <h3>{t('whatIf.result', { base: base ?? '—', id: run.id })}</h3>
          <ul className="whatif-list plain">
            {(parseChanges(run.request.what_if) ?? []).map((c, i) => (
              <li key={i}>{props.describe(c)}</li>
            ))}
          </ul>
          <PlanDiffView
            diff={diff}
            a={base ?? 0}
            b={run.id}
            siteName={(s) => props.sites.find((x) => x.id === s)?.name ?? s}
            agencyName={(a) => props.agencies.find((x) => x.id === a)?.name ?? a}
            contingentName={props.contingentName}
          />
        </div>
      ) : null}
    </section>
  );
}

function Versions(props: {
  runs: PlanVersion[];
  selected: number | null;
  onSelect: (id: number) => void;
  describe: (c: WhatIf) => string;
}) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const id = useId();
  const shown = props.runs.slice(0, 20);
  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('versions.title')}</h2>
      <div className="table-scroll">
        <table className="data versions">
          <caption className="visually-hidden">{t('versions.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('versions.plan')}</th>
              <th scope="col">{t('versions.created')}</th>
              <th scope="col">{t('versions.state')}</th>
              <th scope="col">{t('versions.withdrawal')}</th>
              <th scope="col">{t('versions.whatIf')}</th>
              <th scope="col">{t('versions.moved')}</th>
              <th scope="col">{t('versions.adopted')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('versions.view')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} className={r.id === props.selected ? 'selected' : undefined}>
                <th scope="row">{t('run.planN', { id: r.id })}</th>
                <td>
                  {f.dateTime(r.created_at)}
                  <br />
                  <span className="muted">{r.created_by}</span>
                </td>
                <td>
                  {r.state === 'done'
                    ? t(`status.${r.status ?? 'feasible'}`, { defaultValue: r.status ?? '' })
                    : t(`runState.${r.state}`)}
                </td>
                <td>{r.withdrawal_date ? f.date(r.withdrawal_date) : '—'}</td>
                <td>
                  {r.request.what_if.length
                    ? (parseChanges(r.request.what_if) ?? []).map(props.describe).join('; ') ||
                      r.request.what_if.join('; ')
                    : t('versions.noWhatIf')}
                </td>
                <td>
                  {r.changes_count !== null && r.previous_plan !== null
                    ? t('versions.movedAgainst', { moved: r.changes_count, id: r.previous_plan })
                    : '—'}
                </td>
                <td>{r.adopted_at ? t('versions.adoptedOn', { date: f.dateTime(r.adopted_at) }) : '—'}</td>
                <td>
                  {r.state === 'done' ? (
                    <button
                      type="button"
                      aria-pressed={r.id === props.selected}
                      onClick={() => props.onSelect(r.id)}
                    >
                      {r.id === props.selected ? t('versions.shown') : t('versions.view')}
                      <span className="visually-hidden"> {t('run.planN', { id: r.id })}</span>
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.runs.length > shown.length ? (
        <p className="muted">{t('versions.more', { count: props.runs.length - shown.length })}</p>
      ) : null}
    </section>
  );
}

/** What a scoped reader's view of the plans holds: said once, above the plans. */
function ScopeNote({ scope, name }: { scope: Scope; name: string }) {
  const { t } = useTranslation('plan');
  return (
    <p className="note scope-note" data-testid="plan-scope">
      {t(`scope.${scope.kind}`, { name })} {t('scope.rest')}
    </p>
  );
}

/** A scoped reader's release dates: their units' and contingent's, as the plan has them. */
function Releases(props: {
  plan: NonNullable<PlanRun['plan']>;
  unitName: (id: string) => string;
  contingentName: (id: string) => string;
  formatDay: (d: string) => string;
}) {
  const { t } = useTranslation('plan');
  const id = useId();
  const { plan } = props;
  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="plan-releases">
      <h3 id={`${id}-h`}>{t('releases.title')}</h3>
      <div className="table-scroll">
        <table className="data">
          <caption className="visually-hidden">{t('releases.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('releases.who')}</th>
              <th scope="col">{t('releases.date')}</th>
            </tr>
          </thead>
          <tbody>
            {plan.contingents.map((c) => (
              <tr key={`c-${c.contingent}`}>
                <th scope="row">{t('releases.contingent', { name: props.contingentName(c.contingent) })}</th>
                <td>{t('releases.withdrawn', { date: props.formatDay(c.withdrawn) })}</td>
              </tr>
            ))}
            {plan.units.map((u) => (
              <tr key={`u-${u.unit}`}>
                <th scope="row">{props.unitName(u.unit)}</th>
                <td>{t('releases.released', { date: props.formatDay(u.released) })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function SelectedPlan(props: {
  run: PlanRun;
  scoped: boolean;
  canAdopt: boolean;
  onAdopted: () => void;
  units: UnitRow[];
  unitMap: ReadonlyMap<string, UnitRow>;
  agencies: AgencyRow[];
  siteMap: ReadonlyMap<string, SiteRow>;
  agencyName: (id: string) => string;
  contingentName: (id: string) => string;
  describe: (c: WhatIf) => string;
  formatDay: (d: string) => string;
  formatDayShort: (d: string) => string;
}) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const operation = useOperation();
  const id = useId();
  const [groupByChosen, setGroupBy] = useState<GroupBy>('contingent');
  const { run } = props;
  // Without the force's units (a liaison, an operator) a site's contingent is not known: by agency only.
  const byContingent = props.units.length > 0;
  const groupBy: GroupBy = byContingent ? groupByChosen : 'agency';
  const plan = run.plan ?? null;

  const days = useMemo(
    () =>
      plan
        ? planDays(
            plan,
            operation?.start ?? plan.handovers[0]?.start ?? '2000-01-01',
            operation?.deadline ?? null,
          )
        : [],
    [plan, operation],
  );
  const bars = useMemo(
    () => (plan ? ganttBars(plan, props.siteMap, props.unitMap) : []),
    [plan, props.siteMap, props.unitMap],
  );
  const groups = useMemo(() => groupBars(bars, groupBy), [bars, groupBy]);
  const capacity = useMemo(
    () => (plan ? capacitySeries(plan, props.agencies, props.siteMap, days) : []),
    [plan, props.agencies, props.siteMap, days],
  );
  const burndown = useMemo(
    () => (plan ? withdrawalBurndown(plan, props.units, days) : null),
    [plan, props.units, days],
  );
  if (!plan) return null;

  const today = todayIn(operation?.timezone ?? 'UTC');
  const gap =
    plan.objective && plan.bound
      ? {
          days: plan.objective.withdrawal_day - plan.bound.withdrawal_day,
          pd: plan.objective.force_person_days - plan.bound.force_person_days,
        }
      : null;

  return (
    <section className="selected-plan" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('selected.title', { id: run.id })}</h2>
      <div className="plan-overview">
        <div className="panel plan-summary">
          <dl className="figures">
            <div>
              <dt>{t('selected.status')}</dt>
              <dd>
                <span className={`plan-status ${plan.status}`}>{t(`status.${plan.status}`)}</span>
              </dd>
            </div>
            <div>
              <dt>{t('selected.withdrawal')}</dt>
              <dd data-testid="withdrawal-date">
                {plan.withdrawal_date ? f.date(plan.withdrawal_date) : '—'}
              </dd>
            </div>
            <div>
              <dt>{t('selected.personDays')}</dt>
              <dd>{plan.objective ? f.number(plan.objective.force_person_days) : '—'}</dd>
            </div>
            <div>
              <dt>{t('selected.bound')}</dt>
              <dd>
                {plan.bound
                  ? t('selected.boundValue', {
                      date: operation
                        ? f.date(addDays(operation.start, plan.bound.withdrawal_day))
                        : plan.bound.withdrawal_day,
                      pd: f.number(plan.bound.force_person_days),
                    })
                  : '—'}
              </dd>
            </div>
            <div>
              <dt>{t('selected.handovers')}</dt>
              <dd>{f.number(plan.handovers.length)}</dd>
            </div>
          </dl>
          <p className="muted">
            {plan.status === 'optimal'
              ? t('selected.optimalNote')
              : plan.status === 'feasible' && gap
                ? t('selected.gapNote', { days: gap.days, pd: f.number(gap.pd) })
                : plan.status === 'infeasible'
                  ? t('selected.infeasibleNote')
                  : null}
          </p>
          {run.request.what_if.length ? (
            <p>
              {t('selected.whatIf')}{' '}
              {(parseChanges(run.request.what_if) ?? []).map(props.describe).join('; ') ||
                run.request.what_if.join('; ')}
            </p>
          ) : null}
          <Adopt key={run.id} run={run} canAdopt={props.canAdopt} onAdopted={props.onAdopted} />
        </div>

        <section className="panel" aria-labelledby={`${id}-why`}>
          <h3 id={`${id}-why`}>{t('reasons.title')}</h3>
          {plan.reasons.length ? (
            <ReasonList reasons={plan.reasons} siteName={(s) => props.siteMap.get(s)?.name ?? s} />
          ) : (
            <p className="muted">{t(props.scoped ? 'scope.noReasons' : 'reasons.none')}</p>
          )}
        </section>
      </div>

      {run.previous_plan !== null && run.changes && run.fewest_moves_proven !== null ? (
        <section className="panel" aria-labelledby={`${id}-moves`} data-testid="plan-moves">
          <h3 id={`${id}-moves`}>{t('moves.title')}</h3>
          <p>
            {run.changes.length
              ? t('moves.count', { count: run.changes.length, id: run.previous_plan })
              : t('moves.none', { id: run.previous_plan })}{' '}
            <span className={run.fewest_moves_proven ? 'good' : 'muted'}>
              ({t(run.fewest_moves_proven ? 'moves.proven' : 'moves.notProven')})
            </span>
          </p>
          <p className="muted small">{t('moves.help')}</p>
          {run.changes.length ? (
            <MovedSites
              moved={run.changes}
              caption={t('moves.caption', { id: run.previous_plan, id2: run.id })}
              before={t('moves.before', { id: run.previous_plan })}
              after={t('moves.after', { id: run.id })}
              siteName={(s) => props.siteMap.get(s)?.name ?? s}
              agencyName={props.agencyName}
              {...(props.scoped ? { absent: t('scope.absent') } : {})}
            />
          ) : null}
        </section>
      ) : null}

      {plan.handovers.length ? (
        <section className="panel" aria-labelledby={`${id}-gantt`}>
          <div className="section-head">
            <h3 id={`${id}-gantt`}>{t('gantt.heading')}</h3>
            {byContingent ? (
              <fieldset className="segmented">
                <legend>{t('groupBy.label')}</legend>
                {(['contingent', 'agency'] as const).map((g) => (
                  <label key={g} className={groupBy === g ? 'on' : undefined}>
                    <input
                      type="radio"
                      name={`${id}-group`}
                      value={g}
                      checked={groupBy === g}
                      onChange={() => setGroupBy(g)}
                    />
                    {t(`groupBy.${g}`)}
                  </label>
                ))}
              </fieldset>
            ) : null}
          </div>
          <GanttChart
            groups={groups}
            groupBy={groupBy}
            days={days}
            deadline={operation?.deadline ?? null}
            withdrawal={plan.withdrawal_date}
            today={today}
            groupLabel={groupBy === 'contingent' ? props.contingentName : props.agencyName}
            agencyLabel={props.agencyName}
            contingentLabel={(c) => (c === UNKNOWN_CONTINGENT ? '' : props.contingentName(c))}
            formatDay={props.formatDay}
            formatDayShort={props.formatDayShort}
          />
        </section>
      ) : null}

      {props.scoped && (plan.units.length || plan.contingents.length) ? (
        <Releases
          plan={plan}
          unitName={(u) => props.unitMap.get(u)?.name ?? props.run.names?.units[u] ?? u}
          contingentName={props.contingentName}
          formatDay={props.formatDay}
        />
      ) : null}

      {plan.handovers.length && !props.scoped ? (
        <>
          <section className="panel" aria-labelledby={`${id}-cap`}>
            <h3 id={`${id}-cap`}>{t('capacity.title')}</h3>
            <div className="small-multiples">
              {capacity.map((c) => (
                <CapacityChart key={c.agency.id} agency={c.agency} points={c.points} short={c.short} />
              ))}
            </div>
          </section>
          {burndown ? (
            <section className="panel" aria-labelledby={`${id}-burn`}>
              <h3 id={`${id}-burn`}>{t('burndown.title')}</h3>
              <BurndownChart
                contingents={burndown.contingents}
                points={burndown.points}
                contingentLabel={props.contingentName}
              />
            </section>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function Adopt({ run, canAdopt, onAdopted }: { run: PlanRun; canAdopt: boolean; onAdopted: () => void }) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<{ planned: string[]; kept: string[] } | null>(null);
  const plan = run.plan;
  if (!plan) return null;
  // What adopting did stays in view after the plan reloads as adopted (it is said once, here).
  const done = outcome ? (
    <p className="note note-ok" role="status">
      {t('adopt.done', { planned: outcome.planned.length, kept: outcome.kept.length })}
    </p>
  ) : null;
  if (run.adopted_at)
    return (
      <div className="adopt">
        {done}
        <p className="note note-ok">
          {t('adopt.adopted', { date: f.dateTime(run.adopted_at), by: run.adopted_by ?? '' })}
        </p>
      </div>
    );
  if (!canAdopt) return null;
  if (plan.status === 'infeasible') return <p className="muted">{t('adopt.infeasible')}</p>;
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      setOutcome(await api.post<{ planned: string[]; kept: string[] }>(`/api/plans/${run.id}/adopt`));
      setOpen(false);
      onAdopted();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="adopt">
      <button type="button" className="primary" onClick={() => setOpen(true)} data-testid="adopt">
        {t('adopt.button', { id: run.id })}
      </button>
      {done}
      <ConfirmDialog
        open={open}
        title={t('adopt.confirmTitle', { id: run.id })}
        confirmLabel={t('adopt.confirm')}
        busy={busy}
        onCancel={() => setOpen(false)}
        onConfirm={() => void confirm()}
      >
        <p>{t('adopt.explain', { count: plan.handovers.length })}</p>
        <p>{t('adopt.kept')}</p>
        {error ? <ErrorNote error={error} /> : null}
      </ConfirmDialog>
      {error && !open ? <ErrorNote error={error} /> : null}
    </div>
  );
}

function Compare(props: {
  runs: PlanVersion[];
  scoped: boolean;
  selected: number | null;
  siteName: (id: string) => string;
  agencyName: (id: string) => string;
  contingentName: (id: string) => string;
}) {
  const { t } = useTranslation('plan');
  const id = useId();
  const f = useFormat();
  const ids = props.runs.map((r) => r.id);
  const [a, setA] = useState<number>(ids[1] ?? ids[0]!);
  const [b, setB] = useState<number>(props.selected ?? ids[0]!);
  const diff = useApi<PlanDiff>(a !== b ? `/api/plans/compare?a=${a}&b=${b}` : null);
  const option = (r: PlanVersion) => (
    <option key={r.id} value={r.id}>
      {t('run.planN', { id: r.id })} — {r.withdrawal_date ? f.date(r.withdrawal_date) : '—'}
      {r.request.what_if.length ? ` (${t('versions.whatIf')})` : ''}
    </option>
  );
  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('compare.title')}</h2>
      <div className="compare-pick">
        <div className="field">
          <label htmlFor={`${id}-a`}>{t('compare.from')}</label>
          <select id={`${id}-a`} value={a} onChange={(e) => setA(Number(e.target.value))}>
            {props.runs.map(option)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-b`}>{t('compare.to')}</label>
          <select id={`${id}-b`} value={b} onChange={(e) => setB(Number(e.target.value))}>
            {props.runs.map(option)}
          </select>
        </div>
      </div>
      {a === b ? <p className="muted">{t('compare.same')}</p> : null}
      {diff.error ? <ErrorNote error={diff.error} /> : null}
      {a !== b && diff.data ? (
        <PlanDiffView
          diff={diff.data}
          a={a}
          b={b}
          siteName={props.siteName}
          agencyName={props.agencyName}
          contingentName={props.contingentName}
          {...(props.scoped ? { absent: t('scope.absent') } : {})}
        />
      ) : null}
    </section>
  );
}
