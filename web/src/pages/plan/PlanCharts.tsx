import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  AreaChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useFormat } from '../../i18n/format.ts';
import type { CapacityPoint } from './model.ts';
import type { AgencyRow } from './types.ts';

/** Series colours, from the theme (styles.css defines them for light and dark). */
export const SERIES = [
  'var(--chart-1)',
  'var(--chart-2)',
  'var(--chart-3)',
  'var(--chart-4)',
  'var(--chart-5)',
  'var(--chart-6)',
];
const axis = { stroke: 'var(--muted)', fontSize: 12 };
const tooltipStyle = {
  contentStyle: { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' },
  labelStyle: { color: 'var(--text)' },
};

/** A chart with its caption and, folded under it, the same figures as a table. */
export function ChartFigure(props: {
  caption: string;
  table?: ReactNode;
  children: ReactNode;
  note?: ReactNode;
}) {
  const { t } = useTranslation('plan');
  const [shown, setShown] = useState(false);
  return (
    <figure className="chart-figure">
      <figcaption>{props.caption}</figcaption>
      <div className="chart-box" aria-hidden="true">
        {props.children}
      </div>
      {props.note}
      {props.table ? (
        <details className="table-alt" onToggle={(e) => setShown(e.currentTarget.open)}>
          <summary>{t('chart.asTable')}</summary>
          {shown ? <div className="table-scroll">{props.table}</div> : null}
        </details>
      ) : null}
    </figure>
  );
}

export function CapacityChart({
  agency,
  points,
  short,
}: {
  agency: AgencyRow;
  points: CapacityPoint[];
  short: string[];
}) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const peak = points.reduce((m, p) => Math.max(m, p.committed), 0);
  const last = points.at(-1);
  return (
    <ChartFigure
      caption={t('capacity.caption', {
        agency: agency.name,
        peak: f.number(peak),
        capacity: f.number(last?.capacity ?? 0),
      })}
      note={
        short.length ? (
          <p className="warning" role="note">
            {t('capacity.short', { dates: short.map((d) => f.day(d)).join(', ') })}
          </p>
        ) : null
      }
      table={
        <table className="data">
          <caption>{agency.name}</caption>
          <thead>
            <tr>
              <th scope="col">{t('col.date')}</th>
              <th scope="col" className="num">
                {t('capacity.capacity')}
              </th>
              <th scope="col" className="num">
                {t('capacity.committed')}
              </th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.date}>
                <th scope="row">{f.date(p.date)}</th>
                <td className="num">{f.number(p.capacity)}</td>
                <td className="num">{f.number(p.committed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height={220}>
        <ComposedChart
          accessibilityLayer={false}
          data={points}
          margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
        >
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis
            dataKey="date"
            tickFormatter={(d: string) => f.day(d)}
            tick={axis}
            stroke="var(--border)"
            minTickGap={14}
          />
          <YAxis
            allowDecimals={false}
            tick={axis}
            stroke="var(--border)"
            width={56}
            tickFormatter={(v: number) => f.number(v)}
          />
          <Tooltip
            {...tooltipStyle}
            labelFormatter={(d: unknown) => (typeof d === 'string' ? f.date(d) : '')}
          />
          <Legend wrapperStyle={{ color: 'var(--text)', fontSize: 13 }} />
          <Area
            type="stepAfter"
            dataKey="committed"
            name={t('capacity.committed')}
            stroke="var(--chart-1)"
            fill="var(--chart-1)"
            fillOpacity={0.35}
            isAnimationActive={false}
          />
          <Line
            type="stepAfter"
            dataKey="capacity"
            name={t('capacity.capacity')}
            stroke="var(--chart-2)"
            strokeWidth={2}
            strokeDasharray="6 3"
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

export function BurndownChart(props: {
  contingents: string[];
  points: ({ date: string } & Record<string, number | string>)[];
  contingentLabel: (id: string) => string;
}) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const { contingents, points, contingentLabel } = props;
  const first = points[0];
  const total = first ? contingents.reduce((n, c) => n + Number(first[c] ?? 0), 0) : 0;
  return (
    <ChartFigure
      caption={t('burndown.caption', { count: total, contingents: contingents.length })}
      table={
        <table className="data">
          <caption>{t('burndown.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('col.date')}</th>
              {contingents.map((c) => (
                <th scope="col" className="num" key={c}>
                  {contingentLabel(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.date}>
                <th scope="row">{f.date(p.date)}</th>
                {contingents.map((c) => (
                  <td className="num" key={c}>
                    {f.number(Number(p[c] ?? 0))}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height={260}>
        <AreaChart
          accessibilityLayer={false}
          data={points}
          margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
        >
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis
            dataKey="date"
            tickFormatter={(d: string) => f.day(d)}
            tick={axis}
            stroke="var(--border)"
            minTickGap={14}
          />
          <YAxis
            allowDecimals={false}
            tick={axis}
            stroke="var(--border)"
            width={44}
            tickFormatter={(v: number) => f.number(v)}
          />
          <Tooltip
            {...tooltipStyle}
            labelFormatter={(d: unknown) => (typeof d === 'string' ? f.date(d) : '')}
          />
          <Legend wrapperStyle={{ color: 'var(--text)', fontSize: 13 }} />
          {contingents.map((c, i) => (
            <Area
              key={c}
              type="stepAfter"
              dataKey={c}
              stackId="units"
              name={contingentLabel(c)}
              stroke={SERIES[i % SERIES.length]}
              fill={SERIES[i % SERIES.length]}
              fillOpacity={0.55}
              strokeWidth={1.5}
              isAnimationActive={false}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
