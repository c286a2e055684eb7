import {
  Children,
  isValidElement,
  useCallback,
  useDeferredValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { useLiveRefetch } from '../api/live.ts';
import { useForce, useLiveSites } from '../api/sites.ts';
import { SECTORS, SITE_STATES, type Site, type SiteState } from '../api/types.ts';
import { useApi } from '../api/useApi.ts';
import { ErrorNote, Loading } from '../components/ErrorNote.tsx';
import { StateBadge, STATE_GLYPH } from '../components/StateBadge.tsx';
import { useFormat } from '../i18n/format.ts';
import { sitePath } from '../paths.ts';
import {
  applyFilters,
  CHANGE_KINDS,
  contingentOf,
  filtersFrom,
  paramsFrom,
  sortSites,
  type BoardFilters,
  type ChangeKind,
  type Context,
  type SortKey,
} from './board/filters.ts';
import './board/board.css';

interface Status {
  as_of: string;
  last_24h: Record<ChangeKind | 'incidents', string[]>;
}

/** The board: every visible site, its state and who guards and receives it, filtered from the URL, live. */
export function BoardPage() {
  const { t } = useTranslation('board');
  const fmt = useFormat();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const { sites, partial, error, reload } = useLiveSites();
  const force = useForce();
  // The last 24 hours' changes come second: GET /api/status is slow with thousands of sites and the
  // server answers one request at a time, so it must not hold up the rows.
  const status = useApi<Status>(sites ? '/api/status' : null);
  useLiveRefetch(status.refetch, (c) => c.entity === 'site' || c.entity === 'operation');

  const update = useCallback(
    (patch: Partial<BoardFilters>) => setParams(paramsFrom({ ...filters, ...patch }), { replace: true }),
    [filters, setParams],
  );

  const ctx = useMemo<Context>(() => {
    const changes = new Map<string, ChangeKind[]>();
    for (const kind of CHANGE_KINDS)
      for (const id of status.data?.last_24h[kind] ?? []) changes.set(id, [...(changes.get(id) ?? []), kind]);
    return {
      units: force.units,
      contingents: force.contingents,
      agencyName: (id) => (id ? (force.agencies.get(id)?.name ?? id) : ''),
      changes,
    };
  }, [force, status.data]);

  // Typing in the search box stays responsive with thousands of rows: filtering follows a step behind.
  const deferred = useDeferredValue(filters);
  const collator = useMemo(() => new Intl.Collator(fmt.locale, { numeric: true }), [fmt.locale]);
  const { rows, counts, total } = useMemo(() => {
    if (!sites) return { rows: [] as Site[], counts: null, total: 0 };
    const withoutState = applyFilters(sites, deferred, ctx, true);
    const counts = { protected: 0, joint_guard: 0, transferred: 0 } as Record<SiteState, number>;
    for (const s of withoutState) counts[s.state] += 1;
    const filtered = deferred.state ? withoutState.filter((s) => s.state === deferred.state) : withoutState;
    return { rows: sortSites(filtered, deferred, ctx, collator), counts, total: withoutState.length };
  }, [sites, deferred, ctx, collator]);

  const districts = useMemo(
    () => [...new Set((sites ?? []).map((s) => s.district))].sort(collator.compare),
    [sites, collator],
  );
  const contingents = useMemo(
    () => [...force.contingents.values()].sort((a, b) => collator.compare(a.nation, b.nation)),
    [force.contingents, collator],
  );
  const agencies = useMemo(
    () => [...force.agencies.values()].sort((a, b) => collator.compare(a.name, b.name)),
    [force.agencies, collator],
  );
  const filtering =
    filters.q || filters.state || filters.district || filters.sector || filters.contingent || filters.agency;

  if (error && !sites) return <ErrorNote error={error} onRetry={reload} />;

  return (
    <div className="board" data-testid="board">
      <div className="board-head">
        <h1>{t('title')}</h1>
        {status.data ? (
          <p className="board-asof">{t('asOf', { date: fmt.date(status.data.as_of) })}</p>
        ) : null}
      </div>

      <section aria-labelledby="counts-title" className="counts">
        <h2 id="counts-title" className="visually-hidden">
          {t('countsTitle')}
        </h2>
        <button
          type="button"
          className={`count-card count-all ${filters.state === '' ? 'selected' : ''}`}
          aria-pressed={filters.state === ''}
          onClick={() => update({ state: '' })}
        >
          <span className="count-value" data-testid="count-all">
            {counts ? fmt.number(total) : '…'}
          </span>
          <span className="count-label">{t('allSites')}</span>
        </button>
        {SITE_STATES.map((s) => (
          <button
            key={s}
            type="button"
            className={`count-card count-${s} ${filters.state === s ? 'selected' : ''}`}
            aria-pressed={filters.state === s}
            onClick={() => update({ state: filters.state === s ? '' : s })}
          >
            <span className="count-value" data-testid={`count-${s}`}>
              <span className="state-glyph" aria-hidden="true">
                {STATE_GLYPH[s]}
              </span>{' '}
              {counts ? fmt.number(counts[s]) : '…'}
            </span>
            <span className="count-label">{t(`common:state.${s}`)}</span>
          </button>
        ))}
        <button
          type="button"
          className={`count-card count-changed ${filters.changed ? 'selected' : ''}`}
          aria-pressed={filters.changed}
          onClick={() => update({ changed: !filters.changed })}
        >
          <span className="count-value" data-testid="count-changed">
            {status.data ? fmt.number(ctx.changes.size) : '…'}
          </span>
          <span className="count-label">{t('changed24h')}</span>
          {status.data ? (
            <span className="count-detail">
              {CHANGE_KINDS.map((k) =>
                t(`changeShort.${k}`, { count: status.data?.last_24h[k].length ?? 0 }),
              ).join(' · ')}
            </span>
          ) : null}
        </button>
      </section>

      <form
        className="filters"
        role="search"
        onSubmit={(e) => e.preventDefault()}
        aria-label={t('filtersTitle')}
      >
        <label className="filter-q">
          {t('search')}
          <input
            type="search"
            value={filters.q}
            placeholder={t('searchPlaceholder')}
            onChange={(e) => update({ q: e.target.value })}
            data-testid="search"
          />
        </label>
        <Select label={t('district')} value={filters.district} onChange={(district) => update({ district })}>
          {districts.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </Select>
        <Select label={t('sector')} value={filters.sector} onChange={(sector) => update({ sector })}>
          {SECTORS.map((s) => (
            <option key={s} value={s}>
              {t(`common:sector.${s}`)}
            </option>
          ))}
        </Select>
        <Select
          label={t('contingent')}
          value={filters.contingent}
          onChange={(contingent) => update({ contingent })}
        >
          {contingents.map((c) => (
            <option key={c.id} value={c.id}>
              {c.nation} ({c.id})
            </option>
          ))}
        </Select>
        <Select label={t('agency')} value={filters.agency} onChange={(agency) => update({ agency })}>
          {agencies.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </Select>
        <Select
          label={t('state')}
          value={filters.state}
          onChange={(v) => update({ state: v as SiteState | '' })}
        >
          {SITE_STATES.map((s) => (
            <option key={s} value={s}>
              {t(`common:state.${s}`)}
            </option>
          ))}
        </Select>
        {filtering || filters.changed ? (
          <button
            type="button"
            className="filters-clear"
            onClick={() =>
              setParams(
                paramsFrom({ ...filtersFrom(new URLSearchParams()), sort: filters.sort, desc: filters.desc }),
              )
            }
          >
            {t('clear')}
          </button>
        ) : null}
      </form>

      {error ? <ErrorNote error={error} onRetry={reload} /> : null}
      {!sites ? (
        <Loading />
      ) : (
        <>
          <p className="board-shown" role="status" data-testid="shown">
            {partial
              ? t('loadingMore', { loaded: fmt.number(partial.loaded), total: fmt.number(partial.total) })
              : t('shown', {
                  count: rows.length,
                  shown: fmt.number(rows.length),
                  total: fmt.number(sites.length),
                })}
          </p>
          <SiteTable
            rows={rows}
            ctx={ctx}
            filters={filters}
            onSort={(sort, desc) => update({ sort, desc })}
          />
        </>
      )}
    </div>
  );
}

function Select({
  label,
  value,
  onChange,
  children,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  // A value from the URL stays shown while its list is still loading (or names something the list
  // lacks), instead of the select silently showing "All" over a filtered table.
  const listed = Children.toArray(children).some(
    (c) => isValidElement<{ value?: string }>(c) && c.props.value === value,
  );
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('common.all')}</option>
        {value && !listed ? <option value={value}>{value}</option> : null}
        {children}
      </select>
    </label>
  );
}

const OVERSCAN = 12;

/**
 * The table renders only the rows in and near the window (rows have one fixed height), so 5,000 sites
 * scroll and filter as fast as 50; the rows above and below are stood in for by two spacer rows.
 */
function SiteTable({
  rows,
  ctx,
  filters,
  onSort,
}: {
  rows: Site[];
  ctx: Context;
  filters: BoardFilters;
  onSort: (sort: SortKey, desc: boolean) => void;
}) {
  const { t } = useTranslation('board');
  const body = useRef<HTMLTableSectionElement>(null);
  const [rowH, setRowH] = useState(44);
  const [range, setRange] = useState({ start: 0, end: 40 });

  const measure = useCallback(() => {
    const el = body.current;
    if (!el) return;
    const first = el.querySelector<HTMLTableRowElement>('tr.site-row');
    const h = first?.getBoundingClientRect().height;
    if (h && Math.abs(h - rowH) > 0.5) setRowH(h);
    const top = el.getBoundingClientRect().top;
    const start = Math.max(0, Math.floor(-top / rowH) - OVERSCAN);
    const end = Math.min(rows.length, Math.ceil((window.innerHeight - top) / rowH) + OVERSCAN);
    setRange((r) => (r.start === start && r.end === end ? r : { start, end }));
  }, [rows.length, rowH]);

  useLayoutEffect(measure, [measure]);
  useEffect(() => {
    window.addEventListener('scroll', measure, { passive: true });
    window.addEventListener('resize', measure);
    return () => {
      window.removeEventListener('scroll', measure);
      window.removeEventListener('resize', measure);
    };
  }, [measure]);

  // For the benchmark and the tests: how many rows the board holds once it has drawn them.
  useEffect(() => {
    document.body.dataset['boardRows'] = String(rows.length);
  }, [rows.length]);

  const start = Math.min(range.start, rows.length);
  const end = Math.min(range.end, rows.length);
  const visible = rows.slice(start, end);

  const header = (key: SortKey, label: string, className = '') => {
    const active = filters.sort === key;
    return (
      <th
        scope="col"
        className={className}
        aria-sort={active ? (filters.desc ? 'descending' : 'ascending') : undefined}
      >
        <button type="button" className="sort" onClick={() => onSort(key, active ? !filters.desc : false)}>
          {label}
          <span aria-hidden="true" className="sort-mark">
            {active ? (filters.desc ? '▼' : '▲') : '↕'}
          </span>
        </button>
      </th>
    );
  };

  return (
    <table className="data board-table" aria-rowcount={rows.length + 1}>
      <caption className="visually-hidden">{t('tableCaption')}</caption>
      <thead>
        <tr aria-rowindex={1}>
          {header('name', t('site'), 'col-site')}
          {header('state', t('state'), 'col-state')}
          {header('unit', t('guardedBy'), 'col-unit')}
          {header('agency', t('agency'), 'col-agency')}
          {header('criticality', t('criticalityShort'), 'col-crit')}
          {header('district', t('district'), 'col-district')}
          {header('sector', t('sector'), 'col-sector')}
        </tr>
      </thead>
      <tbody ref={body}>
        {start > 0 ? (
          <tr className="spacer" aria-hidden="true">
            <td colSpan={7} style={{ height: start * rowH }} />
          </tr>
        ) : null}
        {visible.map((s, i) => (
          <SiteRow key={s.id} site={s} ctx={ctx} index={start + i + 2} />
        ))}
        {end < rows.length ? (
          <tr className="spacer" aria-hidden="true">
            <td colSpan={7} style={{ height: (rows.length - end) * rowH }} />
          </tr>
        ) : null}
        {rows.length === 0 ? (
          <tr>
            <td colSpan={7} className="empty">
              {t('none')}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

function SiteRow({ site, ctx, index }: { site: Site; ctx: Context; index: number }) {
  const { t } = useTranslation('board');
  const unit = ctx.units.get(site.guarded_by);
  const contingent = ctx.contingents.get(contingentOf(site, ctx));
  const changes = ctx.changes.get(site.id);
  const agency = site.handover?.agency;
  return (
    <tr
      className={`site-row row-${site.state} ${changes ? 'changed' : ''}`}
      aria-rowindex={index}
      data-site={site.id}
    >
      <td className="col-site">
        <Link to={sitePath(site.id)}>{site.name}</Link>
        {changes ? (
          <span className="change-tag" title={changes.map((k) => t(`change.${k}`)).join(', ')}>
            <span aria-hidden="true">★ </span>
            {t('new24h')}
            <span className="visually-hidden">: {changes.map((k) => t(`change.${k}`)).join(', ')}</span>
          </span>
        ) : null}
      </td>
      <td className="col-state">
        <StateBadge state={site.state} />
      </td>
      <td className="col-unit">
        {site.guard?.unit_name ?? unit?.name ?? site.guarded_by}
        {site.guard?.nation || contingent?.nation ? (
          <span className="muted"> · {site.guard?.nation || contingent?.nation}</span>
        ) : null}
      </td>
      <td className="col-agency">
        {agency ? (
          <>
            {ctx.agencyName(agency)}
            {site.handover?.state === 'planned' ? (
              <span className="muted"> ({t('common:handoverState.planned')})</span>
            ) : null}
          </>
        ) : (
          <span className="muted">{t('common:common.none')}</span>
        )}
      </td>
      <td className="col-crit">
        <span
          className={`crit crit-${site.criticality}`}
          title={t('common:criticality', { value: site.criticality })}
        >
          {site.criticality}
          <span className="visually-hidden"> / 5</span>
        </span>
      </td>
      <td className="col-district">{site.district}</td>
      <td className="col-sector">{t(`common:sector.${site.sector}`)}</td>
    </tr>
  );
}
