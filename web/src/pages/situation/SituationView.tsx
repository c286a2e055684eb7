import { useId, useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import {
  Bar,
  CartesianGrid,
  Cell,
  ComposedChart,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import type { Static } from '@sinclair/typebox';
import type {
  FacilityOutputSchema,
  IncidentSchema,
  IndicatorReadingSchema,
  RestrictionSchema,
} from '../../../../src/server/schemas.ts';
import { INDICATOR_LEVELS, INDICATORS } from '../../../../src/core/vocabulary.ts';
import { useLiveRefetch } from '../../api/live.ts';
import { useOperation } from '../../api/operation.tsx';
import { useApi } from '../../api/useApi.ts';
import { ErrorNote, Loading } from '../../components/ErrorNote.tsx';
import { useFormat } from '../../i18n/format.ts';
import { sitePath } from '../../paths.ts';
import { useAllSites } from '../map/useAllSites.ts';
import { datesBetween, dayNumber, maxDate, minDate, todayIn } from '../plan/days.ts';
import { ChartFigure } from '../plan/PlanCharts.tsx';
import { useWidth } from '../plan/useWidth.ts';
import '../plan/plan.css';
import './situation.css';

type Incident = Static<typeof IncidentSchema>;
type Reading = Static<typeof IndicatorReadingSchema>;
type Restriction = Static<typeof RestrictionSchema>;
type Output = Static<typeof FacilityOutputSchema>;

const axis = { stroke: 'var(--muted)', fontSize: 12 };
const tooltipStyle = {
  contentStyle: { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' },
  labelStyle: { color: 'var(--text)' },
  itemStyle: { color: 'var(--text)' },
};
const SEVERITY_COLOUR = ['', 'var(--sev-1)', 'var(--sev-2)', 'var(--sev-3)', 'var(--sev-4)', 'var(--sev-5)'];
const STATUS_COLOUR: Record<Output['status'], string> = {
  operating: 'var(--state-transferred)',
  reduced: 'var(--state-joint_guard)',
  stopped: 'var(--danger)',
};

/** The Situation page: incidents, the city's normal-life indicators, restrictions and facility output. */
export default function SituationView() {
  const { t } = useTranslation('situation');
  const incidents = useApi<{ items: Incident[]; total: number }>('/api/incidents?limit=10000');
  const indicators = useApi<{ items: Reading[] }>('/api/indicators');
  const restrictions = useApi<{ items: Restriction[] }>('/api/restrictions');
  const output = useApi<{ items: Output[] }>('/api/facility-output');
  const { sites } = useAllSites();
  useLiveRefetch(incidents.refetch, (c) => c.entity === 'incident');
  useLiveRefetch(indicators.refetch, (c) => c.entity === 'indicator');
  useLiveRefetch(restrictions.refetch, (c) => c.entity === 'restriction');
  useLiveRefetch(output.refetch, (c) => c.entity === 'facility_output');
  const siteName = useMemo(() => {
    const m = new Map((sites ?? []).map((s) => [s.id, s]));
    return (id: string) => m.get(id)?.name ?? id;
  }, [sites]);
  const essential = useMemo(() => {
    const m = new Map((sites ?? []).map((s) => [s.id, s.essential_output]));
    return (id: string) => m.get(id);
  }, [sites]);

  return (
    <div className="situation-page">
      <h1>{t('title')}</h1>
      <p className="lead">{t('lead')}</p>
      <Block title={t('incidents.title')} loaded={incidents}>
        {incidents.data ? <Incidents items={incidents.data.items} siteName={siteName} /> : null}
      </Block>
      <Block title={t('indicators.title')} loaded={indicators}>
        {indicators.data ? <Indicators items={indicators.data.items} /> : null}
      </Block>
      <Block title={t('restrictions.title')} loaded={restrictions}>
        {restrictions.data ? <Restrictions items={restrictions.data.items} /> : null}
      </Block>
      <Block title={t('output.title')} loaded={output}>
        {output.data ? (
          <FacilityOutput items={output.data.items} siteName={siteName} essential={essential} />
        ) : null}
      </Block>
    </div>
  );
}

function Block(props: {
  title: string;
  loaded: { error: unknown; loading: boolean; refetch: () => void };
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.loaded.error ? <ErrorNote error={props.loaded.error} onRetry={props.loaded.refetch} /> : null}
      {props.loaded.loading ? <Loading /> : null}
      {props.children}
    </section>
  );
}

function Incidents({ items, siteName }: { items: Incident[]; siteName: (id: string) => string }) {
  const { t } = useTranslation('situation');
  const f = useFormat();
  const sorted = useMemo(() => [...items].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)), [items]);
  const points = useMemo(
    () =>
      items.map((i) => ({
        x: Date.parse(i.at),
        y: i.severity,
        id: i.id,
        kind: i.kind,
        severity: i.severity,
      })),
    [items],
  );
  if (!items.length) return <p className="muted">{t('incidents.none')}</p>;
  const xs = points.map((p) => p.x);
  const pad = 12 * 3600_000;
  const domain: [number, number] = [Math.min(...xs) - pad, Math.max(...xs) + pad];
  const ticks = datesBetween(
    new Date(domain[0]).toISOString().slice(0, 10),
    new Date(domain[1]).toISOString().slice(0, 10),
  ).map((d) => Date.parse(`${d}T00:00:00Z`));
  const serious = items.filter((i) => i.severity >= 4).length;
  return (
    <>
      <ChartFigure
        caption={t('incidents.caption', {
          count: items.length,
          serious,
          first: f.date(new Date(Math.min(...xs))),
          last: f.date(new Date(Math.max(...xs))),
        })}
      >
        <ResponsiveContainer width="100%" height={200}>
          <ScatterChart accessibilityLayer={false} margin={{ top: 10, right: 20, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="x"
              domain={domain}
              ticks={ticks}
              tickFormatter={(v: number) => f.day(new Date(v))}
              tick={axis}
              stroke="var(--border)"
            />
            <YAxis
              type="number"
              dataKey="y"
              domain={[0.5, 5.5]}
              ticks={[1, 2, 3, 4, 5]}
              tick={axis}
              stroke="var(--border)"
              width={40}
              label={{
                value: t('incidents.severity'),
                angle: -90,
                position: 'insideLeft',
                fill: 'var(--muted)',
                fontSize: 12,
              }}
            />
            <ZAxis range={[90, 90]} />
            <ReferenceLine y={3.5} stroke="var(--danger)" strokeDasharray="4 4" />
            <Tooltip
              {...tooltipStyle}
              cursor={false}
              formatter={() => ''}
              labelFormatter={() => ''}
              content={({ payload }) => {
                const p = payload?.[0]?.payload as (typeof points)[number] | undefined;
                if (!p) return null;
                const i = items.find((x) => x.id === p.id);
                return i ? (
                  <div className="chart-tip">
                    <strong>{f.dateTime(i.at)}</strong>
                    <div>
                      {t(`kind.${i.kind}`)} · {t('incidents.severityN', { n: i.severity })}
                    </div>
                    <div>{i.description}</div>
                  </div>
                ) : null;
              }}
            />
            <Scatter data={points} isAnimationActive={false}>
              {points.map((p) => (
                <Cell key={p.id} fill={SEVERITY_COLOUR[p.severity]} stroke="var(--surface)" />
              ))}
            </Scatter>
          </ScatterChart>
        </ResponsiveContainer>
      </ChartFigure>
      <ol className="incident-list" aria-label={t('incidents.listLabel')}>
        {sorted.slice(0, 300).map((i) => (
          <li key={i.id} className={i.severity >= 4 ? 'serious' : undefined}>
            <time dateTime={i.at}>{f.dateTime(i.at)}</time>
            <span className={`severity sev-${i.severity}`}>
              {t('incidents.severityN', { n: i.severity })}
            </span>
            <span className="incident-kind">{t(`kind.${i.kind}`)}</span>
            <span className="incident-where">
              {i.site ? <Link to={sitePath(i.site)}>{siteName(i.site)}</Link> : null}
              {i.site && i.district ? ' · ' : null}
              {i.district ?? null}
            </span>
            <p>
              {i.description}
              {i.illustrative ? <span className="muted"> {t('illustrative')}</span> : null}
            </p>
          </li>
        ))}
      </ol>
      {sorted.length > 300 ? (
        <p className="muted">{t('incidents.more', { count: sorted.length - 300 })}</p>
      ) : null}
    </>
  );
}

function Indicators({ items }: { items: Reading[] }) {
  const { t } = useTranslation('situation');
  const f = useFormat();
  const operation = useOperation();
  const byIndicator = useMemo(() => {
    if (!items.length) return [];
    let first = items[0]!.date;
    let last = first;
    for (const r of items) {
      first = minDate(first, r.date);
      last = maxDate(last, r.date);
    }
    const days = datesBetween(first, last);
    return INDICATORS.map((ind) => {
      const readings = new Map(items.filter((r) => r.indicator === ind).map((r) => [r.date, r]));
      const points = days.map((date) => {
        const r = readings.get(date);
        return { date, level: r ? INDICATOR_LEVELS.indexOf(r.level) : null, note: r?.note ?? null };
      });
      const known = points.filter((p) => p.level !== null);
      const latest = known.at(-1);
      let since = latest?.date;
      for (let i = known.length - 2; i >= 0 && latest; i--)
        if (known[i]!.level === latest.level) since = known[i]!.date;
        else break;
      return { indicator: ind, points, latest, since, notes: known.filter((p) => p.note) };
    }).filter((x) => x.latest);
  }, [items]);
  if (!byIndicator.length) return <p className="muted">{t('indicators.none')}</p>;
  const levelName = (n: number) => t(`level.${INDICATOR_LEVELS[n] ?? 'none'}`);
  const startLine = operation?.start;
  return (
    <div className="indicator-grid">
      {byIndicator.map((x) => (
        <ChartFigure
          key={x.indicator}
          caption={t('indicators.caption', {
            indicator: t(`indicator.${x.indicator}`),
            level: levelName(x.latest!.level!),
            since: f.date(x.since!),
          })}
          note={
            x.notes.length ? (
              <ul className="indicator-notes">
                {x.notes.map((p) => (
                  <li key={p.date}>
                    <time dateTime={p.date}>{f.day(p.date)}</time>: {p.note}
                  </li>
                ))}
              </ul>
            ) : null
          }
          table={
            <table className="data">
              <caption>{t(`indicator.${x.indicator}`)}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('col.date')}</th>
                  <th scope="col">{t('col.level')}</th>
                </tr>
              </thead>
              <tbody>
                {x.points.map((p) => (
                  <tr key={p.date}>
                    <th scope="row">{f.date(p.date)}</th>
                    <td>{p.level === null ? '—' : levelName(p.level)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          }
        >
          <ResponsiveContainer width="100%" height={150}>
            <LineChart
              accessibilityLayer={false}
              data={x.points}
              margin={{ top: 8, right: 12, bottom: 0, left: 0 }}
            >
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="date"
                tickFormatter={(d: string) => f.day(d)}
                tick={axis}
                stroke="var(--border)"
                minTickGap={16}
              />
              <YAxis
                domain={[0, 2]}
                ticks={[0, 1, 2]}
                tickFormatter={(v: number) => levelName(v)}
                tick={axis}
                stroke="var(--border)"
                width={86}
              />
              {startLine && dayNumber(startLine) >= dayNumber(x.points[0]!.date) ? (
                <ReferenceLine x={startLine} stroke="var(--accent)" strokeDasharray="4 3" />
              ) : null}
              <Tooltip
                {...tooltipStyle}
                labelFormatter={(d: unknown) => (typeof d === 'string' ? f.date(d) : '')}
                formatter={(v) => [typeof v === 'number' ? levelName(v) : '—', t(`indicator.${x.indicator}`)]}
              />
              <Line
                type="stepAfter"
                dataKey="level"
                stroke="var(--chart-1)"
                strokeWidth={2.5}
                dot={{ r: 2.5, fill: 'var(--chart-1)' }}
                connectNulls
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </ChartFigure>
      ))}
    </div>
  );
}

function Restrictions({ items }: { items: Restriction[] }) {
  const { t } = useTranslation('situation');
  const f = useFormat();
  const operation = useOperation();
  const today = todayIn(operation?.timezone ?? 'UTC');
  if (!items.length) return <p className="muted">{t('restrictions.none')}</p>;
  const sorted = [...items].sort((a, b) => (a.until ?? '9999').localeCompare(b.until ?? '9999'));
  const status = (r: Restriction) => {
    if (r.from > today)
      return { cls: 'upcoming', text: t('restrictions.upcoming', { date: f.date(r.from) }) };
    if (!r.until) return { cls: 'active', text: t('restrictions.openEnded') };
    // `until` is the last day the restriction applies.
    if (r.until < today) return { cls: 'ended', text: t('restrictions.ended', { date: f.date(r.until) }) };
    const left = dayNumber(r.until) - dayNumber(today);
    return { cls: 'active', text: t('restrictions.endsIn', { count: left }) };
  };
  return (
    <>
      <RestrictionBars items={sorted} />
      <div className="table-scroll">
        <table className="data">
          <caption className="visually-hidden">{t('restrictions.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('col.restriction')}</th>
              <th scope="col">{t('col.description')}</th>
              <th scope="col">{t('col.from')}</th>
              <th scope="col">{t('col.until')}</th>
              <th scope="col">{t('col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => {
              const s = status(r);
              return (
                <tr key={r.id}>
                  <th scope="row">{t(`restriction.${r.kind}`)}</th>
                  <td>{r.description}</td>
                  <td className="date">{f.date(r.from)}</td>
                  <td className="until">{r.until ? f.date(r.until) : t('restrictions.noEnd')}</td>
                  <td>
                    <span className={`restriction-status ${s.cls}`}>{s.text}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * Each restriction as a bar from its first to its last day, on one date axis: when they end, at a glance.
 * An image for assistive technology (the table below carries the same dates).
 */
function RestrictionBars({ items }: { items: Restriction[] }) {
  const { t } = useTranslation('situation');
  const f = useFormat();
  const operation = useOperation();
  const [ref, width] = useWidth<HTMLDivElement>();
  const titleId = useId();
  let first = items[0]!.from;
  let last = items[0]!.until ?? items[0]!.from;
  for (const r of items) {
    first = minDate(first, r.from);
    last = maxDate(last, r.until ?? r.from);
  }
  const today = todayIn(operation?.timezone ?? 'UTC');
  const openEnded = items.some((r) => !r.until);
  if (openEnded) last = maxDate(last, today);
  const days = datesBetween(first, last);
  const labelW = Math.min(240, Math.round(width * 0.22));
  const dayW = (width - labelW - 16) / Math.max(1, days.length);
  const x = (d: string) => labelW + (dayNumber(d) - dayNumber(first)) * dayW;
  const ROW = 26;
  const height = 24 + items.length * ROW + 4;
  const every = Math.max(1, Math.ceil(56 / dayW));
  return (
    <div ref={ref} className="restriction-bars">
      <svg
        role="img"
        aria-labelledby={titleId}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
      >
        <title id={titleId}>
          {t('restrictions.barsTitle', {
            list: items
              .map(
                (r) =>
                  `${t(`restriction.${r.kind}`)}: ${f.date(r.from)} – ${r.until ? f.date(r.until) : t('restrictions.noEnd')}`,
              )
              .join('; '),
          })}
        </title>
        {days.map((d, i) =>
          i % every === 0 ? (
            <text key={d} className="gantt-axis" x={x(d) + dayW / 2} y={14} textAnchor="middle">
              {f.day(d)}
            </text>
          ) : null,
        )}
        {items.map((r, i) => {
          const y = 22 + i * ROW;
          const end = r.until ? x(r.until) + dayW : x(last) + dayW;
          return (
            <g key={r.id}>
              <text className="gantt-label" x={4} y={y + ROW / 2 + 4}>
                {t(`restriction.${r.kind}`)}
              </text>
              <rect
                className="restriction-bar"
                x={x(r.from)}
                y={y + 4}
                width={Math.max(2, end - x(r.from))}
                height={ROW - 8}
                rx={3}
              />
              {r.until ? (
                <text className="restriction-until" x={end - 4} y={y + ROW / 2 + 4} textAnchor="end">
                  {f.day(r.until)}
                </text>
              ) : null}
            </g>
          );
        })}
        {today >= first && today <= last ? (
          <line className="gantt-today" x1={x(today)} x2={x(today)} y1={18} y2={height} />
        ) : null}
      </svg>
    </div>
  );
}

function FacilityOutput({
  items,
  siteName,
  essential,
}: {
  items: Output[];
  siteName: (id: string) => string;
  essential: (id: string) => { product: string; amount: number; unit: string } | undefined;
}) {
  const { t } = useTranslation('situation');
  const f = useFormat();
  const bySite = useMemo(() => {
    const m = new Map<string, Output[]>();
    for (const o of items) {
      let list = m.get(o.site);
      if (!list) m.set(o.site, (list = []));
      list.push(o);
    }
    return [...m.entries()].map(([site, list]) => ({
      site,
      list: list.sort((a, b) => a.date.localeCompare(b.date)),
    }));
  }, [items]);
  if (!bySite.length) return <p className="muted">{t('output.none')}</p>;
  return (
    <div className="output-grid">
      {bySite.map(({ site, list }) => {
        const nominal = essential(site);
        const latest = list.at(-1)!;
        const unit = nominal?.unit ?? '';
        return (
          <ChartFigure
            key={site}
            caption={t('output.caption', {
              site: siteName(site),
              status: t(`status.${latest.status}`),
              date: f.date(latest.date),
              output: latest.output !== undefined ? `${f.number(latest.output)} ${unit}`.trim() : '—',
            })}
            note={
              <>
                <ul className="output-legend" aria-label={t('output.legend')}>
                  {(['operating', 'reduced', 'stopped'] as const).map((s) => (
                    <li key={s}>
                      <span className={`swatch status-${s}`} aria-hidden="true" /> {t(`status.${s}`)}
                    </li>
                  ))}
                  {nominal ? (
                    <li>
                      <span className="swatch nominal" aria-hidden="true" />{' '}
                      {t('output.nominal', {
                        amount: f.number(nominal.amount),
                        unit: nominal.unit,
                        product: nominal.product,
                      })}
                    </li>
                  ) : null}
                </ul>
                {latest.products?.length ? (
                  <p className="small">{t('output.products', { products: latest.products.join(', ') })}</p>
                ) : null}
              </>
            }
            table={
              <table className="data">
                <caption>{siteName(site)}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('col.date')}</th>
                    <th scope="col">{t('col.status')}</th>
                    <th scope="col" className="num">
                      {t('col.output')}
                    </th>
                    <th scope="col">{t('col.products')}</th>
                    <th scope="col">{t('col.note')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((o) => (
                    <tr key={o.date}>
                      <th scope="row">{f.date(o.date)}</th>
                      <td>{t(`status.${o.status}`)}</td>
                      <td className="num">{o.output !== undefined ? f.number(o.output) : '—'}</td>
                      <td>{o.products?.join(', ') ?? ''}</td>
                      <td>{o.note ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            }
          >
            <ResponsiveContainer width="100%" height={220}>
              <ComposedChart
                accessibilityLayer={false}
                data={list}
                margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
              >
                <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
                <XAxis
                  dataKey="date"
                  tickFormatter={(d: string) => f.day(d)}
                  tick={axis}
                  stroke="var(--border)"
                  minTickGap={12}
                />
                <YAxis
                  tick={axis}
                  stroke="var(--border)"
                  width={48}
                  tickFormatter={(v: number) => f.number(v)}
                />
                <Tooltip
                  {...tooltipStyle}
                  labelFormatter={(d: unknown) => (typeof d === 'string' ? f.date(d) : '')}
                  formatter={(v, _n, item) => [
                    `${f.number(Number(v))} ${unit}`.trim(),
                    t(`status.${(item.payload as Output).status}`),
                  ]}
                />
                <Bar dataKey="output" isAnimationActive={false}>
                  {list.map((o) => (
                    <Cell key={o.date} fill={STATUS_COLOUR[o.status]} />
                  ))}
                </Bar>
                {nominal ? (
                  <Line
                    type="monotone"
                    dataKey={() => nominal.amount}
                    stroke="var(--text)"
                    strokeDasharray="6 4"
                    dot={false}
                    isAnimationActive={false}
                  />
                ) : null}
              </ComposedChart>
            </ResponsiveContainer>
          </ChartFigure>
        );
      })}
    </div>
  );
}
