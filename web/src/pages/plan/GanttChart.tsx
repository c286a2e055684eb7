import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { sitePath } from '../../paths.ts';
import { dayNumber } from './days.ts';
import type { GanttBar, GanttGroup, GroupBy } from './model.ts';
import { useWidth } from './useWidth.ts';

/** Above this many bars, groups start folded to one summary row each (a 5,000-site plan stays drawable). */
const FOLD_ABOVE = 250;
const ROW = 22;
const GROUP_ROW = 26;
const HEADER = 40;

interface Props {
  groups: GanttGroup[];
  groupBy: GroupBy;
  days: string[];
  deadline: string | null;
  withdrawal: string | null;
  today: string | null;
  groupLabel: (key: string) => string;
  agencyLabel: (id: string) => string;
  /** Empty for a contingent the reader does not know (a liaison or an operator reads no units): no label. */
  contingentLabel: (id: string) => string;
  formatDay: (date: string) => string;
  formatDayShort: (date: string) => string;
}

type Row =
  | { kind: 'group'; group: GanttGroup; y: number }
  | { kind: 'bar'; bar: GanttGroup['bars'][number]; y: number }
  | { kind: 'summary'; group: GanttGroup; y: number };

/**
 * The plan by day as an SVG Gantt chart: each site's joint guard (from its start to the transfer of
 * authority) and the agency guarding alone after it, grouped by contingent or agency. The SVG is one
 * image with a title and a summary for assistive technology; the table below it carries the same data.
 */
export function GanttChart(props: Props) {
  const { groups, days, deadline, withdrawal, today, groupLabel, formatDay, formatDayShort } = props;
  const { t } = useTranslation('plan');
  const [ref, width] = useWidth<HTMLDivElement>();
  const titleId = useId();
  const descId = useId();
  const barLabel = (b: GanttBar) =>
    props.groupBy === 'contingent' ? props.agencyLabel(b.agency) : props.contingentLabel(b.contingent);
  const total = groups.reduce((n, g) => n + g.bars.length, 0);
  const [open, setOpen] = useState<ReadonlySet<string> | null>(null);
  const isOpen = (key: string) => (open ? open.has(key) : total <= FOLD_ABOVE);
  const toggle = (key: string) =>
    setOpen((prev) => {
      const next = new Set(prev ?? (total <= FOLD_ABOVE ? groups.map((g) => g.key) : []));
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const labelW = Math.min(280, Math.max(150, Math.round(width * 0.24)));
  const plotW = Math.max(100, width - labelW - 12);
  const dayW = plotW / Math.max(1, days.length);
  const first = days.length ? dayNumber(days[0]!) : 0;
  const xOf = (date: string) => labelW + (dayNumber(date) - first) * dayW;
  const end = labelW + days.length * dayW;

  const rows = (() => {
    const out: Row[] = [];
    let y = HEADER;
    for (const group of groups) {
      out.push({ kind: 'group', group, y });
      y += GROUP_ROW;
      if (isOpen(group.key))
        for (const bar of group.bars) {
          out.push({ kind: 'bar', bar, y });
          y += ROW;
        }
      else {
        out.push({ kind: 'summary', group, y });
        y += ROW;
      }
    }
    return { out, height: y + 8 };
  })();

  const labelEvery = Math.max(1, Math.ceil(64 / dayW));
  const firstStart = groups.flatMap((g) => g.bars.map((b) => b.start)).sort()[0];
  const summary = t('gantt.summary', {
    count: total,
    groups: groups.length,
    by: t(`groupBy.${props.groupBy}`),
    first: firstStart ? formatDay(firstStart) : '—',
    withdrawal: withdrawal ? formatDay(withdrawal) : '—',
    deadline: deadline ? formatDay(deadline) : t('gantt.noDeadline'),
  });
  const truncate = (s: string, px: number) => {
    const max = Math.max(4, Math.floor(px / 6.6));
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  };

  return (
    <div className="gantt" ref={ref}>
      {total > FOLD_ABOVE || groups.length > 1 ? (
        <div className="gantt-folds" role="group" aria-label={t('gantt.groups')}>
          {groups.map((g) => (
            <button
              key={g.key}
              type="button"
              className="chip"
              aria-pressed={isOpen(g.key)}
              onClick={() => toggle(g.key)}
            >
              {groupLabel(g.key)} ({g.bars.length})
            </button>
          ))}
        </div>
      ) : null}
      <svg
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        width={width}
        height={rows.height}
        viewBox={`0 0 ${width} ${rows.height}`}
        className="gantt-svg"
        data-testid="gantt"
      >
        <title id={titleId}>{t('gantt.title')}</title>
        <desc id={descId}>{summary}</desc>
        {days.map((d, i) => (
          <g key={d}>
            <rect
              className={i % 2 ? 'gantt-day odd' : 'gantt-day'}
              x={xOf(d)}
              y={HEADER - 4}
              width={dayW}
              height={rows.height - HEADER}
            />
            {i % labelEvery === 0 ? (
              <text className="gantt-axis" x={xOf(d) + dayW / 2} y={HEADER - 12} textAnchor="middle">
                {formatDayShort(d)}
              </text>
            ) : null}
          </g>
        ))}
        {rows.out.map((r) => {
          if (r.kind === 'group')
            return (
              <text key={`g-${r.group.key}`} className="gantt-group" x={6} y={r.y + GROUP_ROW - 8}>
                {truncate(`${groupLabel(r.group.key)} · ${r.group.bars.length}`, labelW + plotW)}
              </text>
            );
          if (r.kind === 'summary') {
            const s = r.group.bars.map((b) => b.start).sort()[0]!;
            const e = r.group.bars
              .map((b) => b.transfer)
              .sort()
              .at(-1)!;
            return (
              <g key={`s-${r.group.key}`}>
                <text className="gantt-label" x={14} y={r.y + ROW - 7}>
                  {t('gantt.folded', { count: r.group.bars.length })}
                </text>
                <rect
                  className="gantt-joint folded"
                  x={xOf(s)}
                  y={r.y + 4}
                  width={Math.max(2, xOf(e) - xOf(s))}
                  height={ROW - 8}
                  rx={3}
                />
              </g>
            );
          }
          const b = r.bar;
          const xs = xOf(b.start);
          const xt = xOf(b.transfer);
          const mid = r.y + ROW / 2;
          return (
            <g key={b.site}>
              <text className="gantt-label" x={14} y={r.y + ROW - 7}>
                {truncate(b.name, labelW - 20)}
              </text>
              <rect
                className="gantt-after"
                x={xt}
                y={mid - 3}
                width={Math.max(0, end - xt)}
                height={6}
                rx={2}
              />
              {xt > xs ? (
                <rect className="gantt-joint" x={xs} y={r.y + 3} width={xt - xs} height={ROW - 6} rx={3} />
              ) : null}
              <path
                className="gantt-transfer"
                d={`M ${xt} ${mid - 7} L ${xt + 7} ${mid} L ${xt} ${mid + 7} L ${xt - 7} ${mid} Z`}
              />
              {xt - xs > 70 && barLabel(b) ? (
                <text className="gantt-bar-text" x={xs + 6} y={r.y + ROW - 7}>
                  {truncate(barLabel(b), xt - xs - 14)}
                </text>
              ) : null}
            </g>
          );
        })}
        {deadline && dayNumber(deadline) >= first ? (
          <g>
            <line
              className="gantt-deadline"
              x1={xOf(deadline)}
              x2={xOf(deadline)}
              y1={HEADER - 6}
              y2={rows.height}
            />
            <text className="gantt-marker-text deadline" x={xOf(deadline) + 4} y={HEADER - 1}>
              {t('gantt.deadline')}
            </text>
          </g>
        ) : null}
        {withdrawal ? (
          <line
            className="gantt-withdrawal"
            x1={xOf(withdrawal)}
            x2={xOf(withdrawal)}
            y1={HEADER - 6}
            y2={rows.height}
          />
        ) : null}
        {today && dayNumber(today) >= first && dayNumber(today) <= first + days.length ? (
          <line className="gantt-today" x1={xOf(today)} x2={xOf(today)} y1={HEADER - 6} y2={rows.height} />
        ) : null}
      </svg>
      <ul className="gantt-legend" aria-label={t('gantt.legend')}>
        <li>
          <span className="swatch joint" aria-hidden="true" /> {t('gantt.jointGuard')}
        </li>
        <li>
          <span className="swatch transfer" aria-hidden="true" /> {t('gantt.transfer')}
        </li>
        <li>
          <span className="swatch after" aria-hidden="true" /> {t('gantt.agencyAlone')}
        </li>
        {deadline ? (
          <li>
            <span className="swatch deadline" aria-hidden="true" />{' '}
            {t('gantt.deadlineOn', { date: formatDay(deadline) })}
          </li>
        ) : null}
        {withdrawal ? (
          <li>
            <span className="swatch withdrawal" aria-hidden="true" />{' '}
            {t('gantt.withdrawalOn', { date: formatDay(withdrawal) })}
          </li>
        ) : null}
      </ul>
      <GanttTable {...props} />
    </div>
  );
}

function GanttTable({ groups, groupBy, groupLabel, agencyLabel, contingentLabel, formatDay }: Props) {
  const { t } = useTranslation('plan');
  const [shown, setShown] = useState(false);
  return (
    <details className="table-alt" onToggle={(e) => setShown(e.currentTarget.open)}>
      <summary>{t('gantt.asTable')}</summary>
      {shown ? (
        <div className="table-scroll">
          <table className="data">
            <caption>{t('gantt.tableCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{groupBy === 'contingent' ? t('col.contingent') : t('col.agency')}</th>
                <th scope="col">{t('col.site')}</th>
                <th scope="col">{groupBy === 'contingent' ? t('col.agency') : t('col.contingent')}</th>
                <th scope="col">{t('col.start')}</th>
                <th scope="col">{t('col.transfer')}</th>
                <th scope="col" className="num">
                  {t('col.guards')}
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.flatMap((g) =>
                g.bars.map((b) => (
                  <tr key={b.site}>
                    <td>{groupLabel(g.key)}</td>
                    <td>
                      <Link to={sitePath(b.site)}>{b.name}</Link>
                    </td>
                    <td>
                      {(groupBy === 'contingent' ? agencyLabel(b.agency) : contingentLabel(b.contingent)) ||
                        '—'}
                    </td>
                    <td className="date">{formatDay(b.start)}</td>
                    <td className="date">{formatDay(b.transfer)}</td>
                    <td className="num">{b.guards}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      ) : null}
    </details>
  );
}
