import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { useLiveRefetch } from '../../api/live.ts';
import { useOperation } from '../../api/operation.tsx';
import { SITE_STATES, type Agency, type Site, type SiteState } from '../../api/types.ts';
import { useApi } from '../../api/useApi.ts';
import { ErrorNote, Loading } from '../../components/ErrorNote.tsx';
import { STATE_GLYPH } from '../../components/StateBadge.tsx';
import { useFormat } from '../../i18n/format.ts';
import { sitePath } from '../../paths.ts';
import { boundingBox, withMargin } from './geometry.ts';
import type { MapArea, MapSite, MapTexts, OperationMap, TileConfig } from './operationMap.ts';
import { prefetchAllSites, useAllSites } from './useAllSites.ts';
import './map.css';

interface UnitRow {
  id: string;
  name: string;
  contingent: string;
}

declare global {
  interface Window {
    /** Set by a deployment before the app loads (e.g. a small config script): a tile server for the map. */
    HANDOVER_CONFIG?: { mapTiles?: TileConfig };
  }
}

/**
 * Where map tiles come from, if anywhere: a deployment's `window.HANDOVER_CONFIG.mapTiles`, else the build
 * variables VITE_MAP_TILES_URL / VITE_MAP_TILES_ATTRIBUTION. None by default: the map works offline.
 */
function tileConfig(operation: unknown): TileConfig | null {
  const fromApi = (operation as { map_tiles?: TileConfig | null } | null)?.map_tiles;
  if (fromApi?.url) return fromApi;
  const fromWindow = window.HANDOVER_CONFIG?.mapTiles;
  if (fromWindow?.url) return fromWindow;
  const env = import.meta.env as Record<string, string | undefined>;
  const url = env['VITE_MAP_TILES_URL'];
  if (!url) return null;
  const attribution = env['VITE_MAP_TILES_ATTRIBUTION'];
  return { url, ...(attribution ? { attribution } : {}) };
}

// Both start as soon as this page's code arrives, in parallel, rather than after its first render.
prefetchAllSites();
const operationMapModule = import('./operationMap.ts');

/** The Map page: every site in its true position, coloured by state and clustered; works with no internet. */
export default function MapView() {
  const { t, i18n } = useTranslation('map');
  const { t: tc } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const operation = useOperation();
  const { sites, error, refetch } = useAllSites();
  const units = useApi<{ items: UnitRow[] }>('/api/units');
  const agencies = useApi<{ items: Agency[] }>('/api/agencies');
  useLiveRefetch(units.refetch, (c) => c.entity === 'unit');
  useLiveRefetch(agencies.refetch, (c) => c.entity === 'agency');
  const [hidden, setHidden] = useState<ReadonlySet<SiteState>>(new Set());
  const [tileError, setTileError] = useState(false);
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<OperationMap | null>(null);
  const [ready, setReady] = useState(false);
  const [drawn, setDrawn] = useState<number | null>(null);
  const id = useId();
  const tiles = useMemo(() => tileConfig(operation), [operation]);
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;

  const texts = useMemo<MapTexts>(
    () => ({
      state: (s) => tc(`state.${s}`),
      openSite: t('openSite'),
      cluster: (counts, total) =>
        t('cluster', {
          count: total,
          states: SITE_STATES.filter((s) => counts[s] > 0)
            .map((s) => `${tc(`state.${s}`)}: ${counts[s]}`)
            .join(', '),
        }),
      district: (name) => name,
      area: operation ? t('areaLabel', { area: operation.area }) : t('areaLabelPlain'),
      hemispheres: { N: t('hemi.N'), S: t('hemi.S'), E: t('hemi.E'), W: t('hemi.W') },
    }),
    // i18n.language: the strings change with it
    [t, tc, operation, i18n.language],
  );

  // Leaflet is loaded with the map, not with the page's first paint.
  useEffect(() => {
    let gone = false;
    let created: OperationMap | null = null;
    void operationMapModule.then(({ OperationMap }) => {
      if (gone || !el.current) return;
      created = new OperationMap(el.current, {
        tiles,
        centre: operation?.center ?? null,
        texts,
        onOpenSite: (siteId) => void navigateRef.current(sitePath(siteId)),
        onTileError: () => setTileError(true),
      });
      map.current = created;
      setReady(true);
    });
    return () => {
      gone = true;
      created?.destroy();
      map.current = null;
      setReady(false);
      delete document.body.dataset['mapMarkers'];
    };
    // The map is made once per tile configuration; texts are passed on every draw.
  }, [tiles]);

  const unitName = useMemo(() => new Map((units.data?.items ?? []).map((u) => [u.id, u])), [units.data]);
  const agencyName = useMemo(
    () => new Map((agencies.data?.items ?? []).map((a) => [a.id, a.name])),
    [agencies.data],
  );
  const located = useMemo(
    () => (sites ?? []).filter((s): s is Site & { location: { lat: number; lon: number } } => !!s.location),
    [sites],
  );
  const unlocated = useMemo(() => (sites ?? []).filter((s) => !s.location), [sites]);
  const counts = useMemo(() => {
    const c: Record<SiteState, number> = { protected: 0, joint_guard: 0, transferred: 0 };
    for (const s of located) c[s.state] += 1;
    return c;
  }, [located]);
  const area = useMemo<MapArea | null>(() => {
    const box = boundingBox(located.map((s) => s.location));
    return box ? { box: withMargin(box, 0.1), derived: true } : null;
  }, [located]);

  useEffect(() => {
    if (!ready || !map.current || !sites) return;
    const shown: MapSite[] = located
      .filter((s) => !hidden.has(s.state))
      .map((s) => {
        // Written when the popup opens: translating five lines for each of 5,000 sites up front costs a second.
        const details = () => {
          const unit = unitName.get(s.guarded_by);
          const lines = [
            `${tc(`sector.${s.sector}`)} · ${t('criticality', { value: s.criticality })}`,
            t('districtLine', { district: s.district }),
            t('guards', { count: s.guards }),
            t('guardedBy', { unit: unit ? `${unit.name} (${unit.contingent})` : s.guarded_by }),
          ];
          if (s.handover)
            lines.push(
              t('handover', {
                agency: agencyName.get(s.handover.agency) ?? s.handover.agency,
                state: tc(`handoverState.${s.handover.state}`),
                date: f.date(s.handover.start),
              }),
            );
          return lines;
        };
        return {
          id: s.id,
          name: s.name,
          state: s.state,
          district: s.district,
          lat: s.location.lat,
          lon: s.location.lon,
          details,
        };
      });
    const count = map.current.setSites(shown, area, texts);
    // Drawn once the browser has painted the frame with the markers in it.
    const frame = requestAnimationFrame(() => {
      document.body.dataset['mapMarkers'] = String(count);
      setDrawn(count);
    });
    return () => cancelAnimationFrame(frame);
  }, [ready, sites, located, hidden, area, texts, unitName, agencyName, t, tc, f]);

  const toggle = (s: SiteState) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (next.has(s)) next.delete(s);
      else next.add(s);
      return next;
    });

  return (
    <div className="map-page">
      <div className="map-head">
        <h1>{t('title')}</h1>
        <fieldset className="map-legend">
          <legend className="visually-hidden">{t('legend')}</legend>
          {SITE_STATES.map((s) => (
            <label key={s} className={`map-legend-item state-${s}`}>
              <input type="checkbox" checked={!hidden.has(s)} onChange={() => toggle(s)} />
              <span className={`map-legend-dot state-marker-${s}`} aria-hidden="true">
                {STATE_GLYPH[s]}
              </span>
              {tc(`state.${s}`)} <span className="map-legend-count">{f.number(counts[s])}</span>
            </label>
          ))}
        </fieldset>
        <p className="map-status" role="status" aria-live="polite">
          {drawn !== null ? t('drawn', { count: drawn }) : ''}
        </p>
      </div>
      {error ? <ErrorNote error={error} onRetry={refetch} /> : null}
      {!sites && !error ? <Loading /> : null}
      <div
        ref={el}
        className="map-frame"
        role="region"
        aria-label={t('mapLabel')}
        aria-describedby={`${id}-base`}
        data-testid="map"
        data-tiles={tiles ? 'configured' : 'none'}
      />
      <div className="map-notes" id={`${id}-base`}>
        <p>
          {tiles ? t('base.tiles', { url: tiles.url.replace(/\{[a-z]\}/g, '…') }) : t('base.offline')}{' '}
          {tileError ? <strong className="warning">{t('base.tileError')}</strong> : null}
        </p>
        {area ? <p>{t('base.areaDerived', { area: operation?.area ?? '' })}</p> : <p>{t('base.noSites')}</p>}
        <p className="muted">{t('base.howTo')}</p>
      </div>
      {unlocated.length ? (
        <section className="panel" aria-labelledby={`${id}-unlocated`}>
          <h2 id={`${id}-unlocated`}>{t('unlocated', { count: unlocated.length })}</h2>
          <ul className="map-unlocated">
            {unlocated.slice(0, 200).map((s) => (
              <li key={s.id}>
                <Link to={sitePath(s.id)}>{s.name}</Link> — {tc(`state.${s.state}`)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
