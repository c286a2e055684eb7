/** Plain geometry for the offline base map: no Leaflet here, so it is easy to reason about and test. */

export interface LatLon {
  lat: number;
  lon: number;
}
export interface Box {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** The smallest box around the points, or null when there are none. */
export function boundingBox(points: readonly LatLon[]): Box | null {
  if (!points.length) return null;
  let south = Infinity;
  let west = Infinity;
  let north = -Infinity;
  let east = -Infinity;
  for (const p of points) {
    south = Math.min(south, p.lat);
    north = Math.max(north, p.lat);
    west = Math.min(west, p.lon);
    east = Math.max(east, p.lon);
  }
  return { south, west, north, east };
}

/** The box grown by `share` of its size on every side (at least `min` degrees), clamped to the globe. */
export function withMargin(b: Box, share = 0.1, min = 0.01): Box {
  const dy = Math.max((b.north - b.south) * share, min);
  const dx = Math.max((b.east - b.west) * share, min);
  return {
    south: Math.max(-85, b.south - dy),
    north: Math.min(85, b.north + dy),
    west: Math.max(-180, b.west - dx),
    east: Math.min(180, b.east + dx),
  };
}

/** Each district's label position: the centroid of its sites' coordinates. */
export function districtCentres(sites: readonly { district: string; location?: LatLon | undefined }[]) {
  const acc = new Map<string, { lat: number; lon: number; n: number }>();
  for (const s of sites) {
    if (!s.location) continue;
    const a = acc.get(s.district) ?? { lat: 0, lon: 0, n: 0 };
    a.lat += s.location.lat;
    a.lon += s.location.lon;
    a.n += 1;
    acc.set(s.district, a);
  }
  return [...acc.entries()].map(([district, a]) => ({
    district,
    lat: a.lat / a.n,
    lon: a.lon / a.n,
    sites: a.n,
  }));
}

const STEPS = [20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005];

/** A round grid spacing (degrees) giving about `lines` lines across `span` degrees. */
export function gridStep(span: number, lines = 6): number {
  for (const s of STEPS) if (span / s >= lines) return s;
  return STEPS.at(-1)!;
}

/** The grid values within [from, to] on multiples of `step`. */
export function gridValues(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(from / step);
  const last = Math.floor(to / step);
  for (let i = first; i <= last && out.length < 200; i++) out.push(Number((i * step).toFixed(6)));
  return out;
}

export interface Hemispheres {
  N: string;
  S: string;
  E: string;
  W: string;
}

/** 43.25° N, 76.9° E — a grid label (hemisphere letters in the user's language). */
export function formatDegrees(v: number, axis: 'lat' | 'lon', decimals: number, h: Hemispheres): string {
  const hemi = axis === 'lat' ? (v >= 0 ? h.N : h.S) : v >= 0 ? h.E : h.W;
  return `${Math.abs(v).toFixed(decimals)}° ${hemi}`;
}
