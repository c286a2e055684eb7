import L from 'leaflet';
import 'leaflet.markercluster';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import type { SiteState } from '../../api/types.ts';
import { STATE_GLYPH } from '../../components/StateBadge.tsx';
import {
  districtCentres,
  formatDegrees,
  gridStep,
  gridValues,
  type Box,
  type Hemispheres,
} from './geometry.ts';

/**
 * The operation map, drawn with Leaflet outside React (Leaflet owns its DOM). It needs no internet: with
 * no tile server it draws a plain base — a lat/lon grid, the scale, district labels and the operation's
 * area — under the sites in their true positions; a configured tile server goes under the same layers.
 * Markers are clustered (leaflet.markercluster), so 5,000 sites stay fast.
 */

export interface MapSite {
  id: string;
  name: string;
  state: SiteState;
  district: string;
  lat: number;
  lon: number;
  /** Lines for the popup under the name (sector, guards, unit, agency …) in the user's language. */
  details: () => string[];
}

export interface MapTexts {
  state: (s: SiteState) => string;
  openSite: string;
  cluster: (counts: Record<SiteState, number>, total: number) => string;
  district: (name: string, sites: number) => string;
  area: string;
  hemispheres: Hemispheres;
}

export interface TileConfig {
  url: string;
  attribution?: string;
  maxZoom?: number;
}

export interface MapArea {
  box: Box;
  /** True when the box is the sites' extent with a margin (the scenario gives no area). */
  derived: boolean;
}

const STATES: readonly SiteState[] = ['protected', 'joint_guard', 'transferred'];

export class OperationMap {
  private readonly map: L.Map;
  private readonly svg = L.svg({ padding: 0.2 });
  private readonly grid = L.layerGroup();
  private readonly labels = L.layerGroup();
  private cluster: L.MarkerClusterGroup | null = null;
  private readonly siteOf = new WeakMap<L.Marker, MapSite>();
  /** One popup for every marker (5,000 bound popups would cost more than the markers themselves). */
  private readonly popupLayer = L.popup({ maxWidth: 320, minWidth: 200, offset: [0, -6] });
  private area: L.Rectangle | null = null;
  private areaLabel: L.Marker | null = null;
  private texts: MapTexts;
  private fitted = false;

  constructor(
    el: HTMLElement,
    private readonly opts: {
      tiles: TileConfig | null;
      centre: { lat: number; lon: number } | null;
      texts: MapTexts;
      onOpenSite: (id: string) => void;
      onTileError?: () => void;
    },
  ) {
    this.texts = opts.texts;
    this.map = L.map(el, {
      zoomControl: true,
      attributionControl: opts.tiles !== null,
      minZoom: 2,
      maxZoom: opts.tiles?.maxZoom ?? 18,
      worldCopyJump: false,
      zoomSnap: 0.25,
    });
    // A view from the start: layers added before the map has one are set up in an order that breaks
    // shared renderers (Leaflet defers them all to its 'load' event).
    this.map.setView(opts.centre ? [opts.centre.lat, opts.centre.lon] : [20, 0], opts.centre ? 11 : 2);
    this.map.createPane('areaPane').style.zIndex = '350';
    this.map.createPane('labelPane').style.zIndex = '450';
    this.map.getPane('labelPane')!.style.pointerEvents = 'none';
    if (opts.tiles) {
      const layer = L.tileLayer(opts.tiles.url, {
        ...(opts.tiles.attribution ? { attribution: opts.tiles.attribution } : {}),
        maxZoom: opts.tiles.maxZoom ?? 18,
      });
      let reported = false;
      layer.on('tileerror', () => {
        if (!reported) opts.onTileError?.();
        reported = true;
      });
      layer.addTo(this.map);
    } else {
      el.classList.add('map-offline');
    }
    L.control
      .scale({ imperial: false, metric: true, position: 'bottomright', maxWidth: 160 })
      .addTo(this.map);
    this.grid.addTo(this.map);
    this.labels.addTo(this.map);
    this.map.on('moveend', () => this.drawGrid());
    this.map.on('popupopen', (e) => {
      const link = e.popup.getElement()?.querySelector<HTMLAnchorElement>('a.map-site-link');
      link?.focus({ preventScroll: true });
    });
  }

  /** Draws the sites (replacing any drawn before) and returns how many markers are on the map. */
  setSites(sites: readonly MapSite[], area: MapArea | null, texts: MapTexts): number {
    this.texts = texts;
    performance.mark('map:draw-start');
    const stateName = Object.fromEntries(STATES.map((s) => [s, texts.state(s)])) as Record<SiteState, string>;
    const markers = sites.map((s) => {
      const m = L.marker([s.lat, s.lon], {
        icon: stateIcons[s.state],
        title: `${s.name} — ${stateName[s.state]}`,
        keyboard: true,
        riseOnHover: true,
      });
      this.siteOf.set(m, s);
      return m;
    });
    if (area && !this.fitted) {
      this.map.fitBounds(toBounds(area.box), { padding: [12, 12] });
      this.fitted = true;
      // The cluster index is built for every zoom level the map allows: not for zooming out to the globe.
      this.map.setMinZoom(Math.max(2, Math.floor(this.map.getZoom()) - 2));
    }
    this.map.closePopup(this.popupLayer);
    if (!this.cluster) {
      this.cluster = this.makeClusterGroup();
      this.cluster.addLayers(markers);
      this.cluster.addTo(this.map);
    } else {
      this.cluster.clearLayers();
      this.cluster.addLayers(markers);
    }
    performance.measure('map:markers', 'map:draw-start');

    this.labels.clearLayers();
    for (const d of districtCentres(
      sites.map((s) => ({ district: s.district, location: { lat: s.lat, lon: s.lon } })),
    ))
      L.marker([d.lat, d.lon], {
        pane: 'labelPane',
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: 'map-district-label',
          html: textElement('span', texts.district(d.district, d.sites)),
          iconSize: undefined,
          iconAnchor: [0, 0],
        }),
      }).addTo(this.labels);

    this.area?.remove();
    this.areaLabel?.remove();
    if (area) {
      this.area = L.rectangle(toBounds(area.box), {
        renderer: this.svg,
        pane: 'areaPane',
        interactive: false,
        fill: false,
        weight: 2,
        dashArray: area.derived ? '8 6' : undefined,
        className: 'map-area',
      }).addTo(this.map);
      this.areaLabel = L.marker([area.box.north, area.box.west], {
        pane: 'labelPane',
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: 'map-area-label',
          html: textElement('span', texts.area),
          iconSize: undefined,
          iconAnchor: [-4, -4],
        }),
      }).addTo(this.map);
    }
    this.drawGrid();
    return markers.length;
  }

  private makeClusterGroup(): L.MarkerClusterGroup {
    const group = L.markerClusterGroup({
      maxClusterRadius: 32,
      disableClusteringAtZoom: 16,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: false,
      removeOutsideVisibleBounds: true,
      animate: false,
      iconCreateFunction: (c) => this.clusterIcon(c),
    });
    // A marker's click, or Enter on a focused marker, reaches the group: open the one popup there.
    const open = (e: L.LeafletEvent) => {
      const layer = (e as { layer?: unknown }).layer;
      const site = layer instanceof L.Marker ? this.siteOf.get(layer) : undefined;
      if (!(layer instanceof L.Marker) || !site) return;
      this.popupLayer.setLatLng(layer.getLatLng()).setContent(this.popup(site)).openOn(this.map);
    };
    group.on('click', open);
    group.on('keypress', (e) => {
      const key = e.originalEvent;
      if (key.key === 'Enter' || key.keyCode === 13) open(e);
    });
    return group;
  }

  /** Leaflet measures its container; call when the container's size changes. */
  resize() {
    this.map.invalidateSize();
  }

  destroy() {
    this.map.remove();
  }

  private popup(s: MapSite): HTMLElement {
    const box = document.createElement('div');
    box.className = 'map-popup';
    const name = box.appendChild(document.createElement('strong'));
    name.textContent = s.name;
    const state = box.appendChild(document.createElement('span'));
    state.className = `state-badge state-${s.state}`;
    const glyph = state.appendChild(document.createElement('span'));
    glyph.className = 'state-glyph';
    glyph.setAttribute('aria-hidden', 'true');
    glyph.textContent = STATE_GLYPH[s.state];
    state.append(` ${this.texts.state(s.state)}`);
    const list = box.appendChild(document.createElement('ul'));
    for (const line of s.details()) list.appendChild(document.createElement('li')).textContent = line;
    const link = box.appendChild(document.createElement('a'));
    link.className = 'map-site-link';
    link.href = `/sites/${encodeURIComponent(s.id)}`;
    link.textContent = this.texts.openSite;
    link.addEventListener('click', (e) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      this.opts.onOpenSite(s.id);
    });
    return box;
  }

  /** A cluster: its count in a ring split by state (colour), and a text name for assistive technology. */
  private clusterIcon(c: L.MarkerCluster): L.DivIcon {
    const counts: Record<SiteState, number> = { protected: 0, joint_guard: 0, transferred: 0 };
    for (const m of c.getAllChildMarkers()) counts[this.siteOf.get(m)?.state ?? 'protected'] += 1;
    const total = c.getChildCount();
    const el = document.createElement('div');
    el.className = 'map-cluster-ring';
    let acc = 0;
    const stops = STATES.map((s) => {
      const from = (acc / total) * 100;
      acc += counts[s];
      return `var(--state-${s}) ${from}% ${(acc / total) * 100}%`;
    });
    // Set through the CSSOM: the app's CSP forbids inline style attributes in markup.
    el.style.background = `conic-gradient(${stops.join(', ')})`;
    const inner = el.appendChild(document.createElement('span'));
    inner.className = 'map-cluster-count';
    inner.setAttribute('aria-hidden', 'true');
    inner.textContent = String(total);
    const name = el.appendChild(document.createElement('span'));
    name.className = 'visually-hidden';
    name.textContent = this.texts.cluster(counts, total);
    const size = total < 10 ? 34 : total < 100 ? 40 : total < 1000 ? 46 : 52;
    return L.divIcon({ html: el, className: 'map-cluster', iconSize: [size, size] });
  }

  private drawGrid() {
    this.grid.clearLayers();
    const b = this.map.getBounds();
    const south = Math.max(-85, b.getSouth());
    const north = Math.min(85, b.getNorth());
    const west = Math.max(-180, b.getWest());
    const east = Math.min(180, b.getEast());
    const step = gridStep(Math.min(north - south, east - west), 4);
    const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
    const line = (pts: [number, number][]) =>
      L.polyline(pts, {
        renderer: this.svg,
        interactive: false,
        weight: 1,
        className: 'map-grid-line',
      }).addTo(this.grid);
    const label = (at: [number, number], text: string, anchor: [number, number]) =>
      L.marker(at, {
        pane: 'labelPane',
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: 'map-grid-label',
          html: textElement('span', text),
          iconSize: undefined,
          iconAnchor: anchor,
        }),
      }).addTo(this.grid);
    // Labels along the left and top edges, clear of the zoom buttons (top left) and the scale (bottom right).
    const size = this.map.getSize();
    const top = this.map.containerPointToLatLng([0, 4]).lat;
    for (const lat of gridValues(south, north, step)) {
      line([
        [lat, west],
        [lat, east],
      ]);
      const y = this.map.latLngToContainerPoint([lat, west]).y;
      if (y > 84 && y < size.y - 16)
        label([lat, west], formatDegrees(lat, 'lat', decimals, this.texts.hemispheres), [-4, 16]);
    }
    for (const lon of gridValues(west, east, step)) {
      line([
        [south, lon],
        [north, lon],
      ]);
      const x = this.map.latLngToContainerPoint([north, lon]).x;
      if (x > 56 && x < size.x - 70)
        label([top, lon], formatDegrees(lon, 'lon', decimals, this.texts.hemispheres), [-4, 0]);
    }
  }
}

const toBounds = (b: Box) => L.latLngBounds([b.south, b.west], [b.north, b.east]);

function textElement(tag: string, text: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

const stateIcon = (state: SiteState) =>
  L.divIcon({
    className: `map-site state-marker-${state}`,
    html: `<span aria-hidden="true">${STATE_GLYPH[state]}</span>`,
    iconSize: [24, 24],
    iconAnchor: [12, 12],
    popupAnchor: [0, -10],
  });
const stateIcons: Record<SiteState, L.DivIcon> = {
  protected: stateIcon('protected'),
  joint_guard: stateIcon('joint_guard'),
  transferred: stateIcon('transferred'),
};
