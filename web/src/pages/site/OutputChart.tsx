import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useFormat } from '../../i18n/format.ts';

export interface OutputPoint {
  date: string;
  status: 'operating' | 'reduced' | 'stopped';
  output?: number;
}

/** Essential output by day (loaded lazily with recharts). Bars carry the status in the tooltip and table. */
export default function OutputChart({ points, unit }: { points: OutputPoint[]; unit: string }) {
  const { t } = useTranslation('site');
  const fmt = useFormat();
  const data = points.map((p) => ({ ...p, label: fmt.day(p.date), value: p.output ?? 0 }));
  return (
    <div className="output-chart" role="img" aria-label={t('output.chartLabel', { unit })}>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="label" stroke="var(--muted)" tick={{ fill: 'var(--text)' }} />
          <YAxis stroke="var(--muted)" tick={{ fill: 'var(--text)' }} />
          <Tooltip
            formatter={(v) => [`${fmt.number(Number(v))} ${unit}`, t('output.amount')]}
            contentStyle={{
              background: 'var(--surface)',
              border: '1px solid var(--border)',
              color: 'var(--text)',
            }}
          />
          <Bar dataKey="value" fill="var(--state-protected)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
