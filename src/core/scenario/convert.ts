import { agencyId, contingentId, incidentId, restrictionId, siteId, unitId } from '../ids.ts';
import type {
  Agency,
  Contingent,
  FacilityOutputReport,
  Incident,
  IndicatorReading,
  Operation,
  Restriction,
  Site,
  Unit,
} from '../model.ts';
import { MAX_CRITICALITY } from '../vocabulary.ts';
import type { Scenario, ScenarioAgency, ScenarioSite } from './schema.ts';

/**
 * The operation as records, ready to store; the `…Given` flags keep "left to the default" apart from
 * "given as the default value", so that exporting what was imported gives back the same file.
 */
export interface OperationRecords {
  operation: Operation;
  contingents: Contingent[];
  units: Unit[];
  agencies: { agency: Agency; maxCriticalityGiven: boolean }[];
  sites: { site: Site; overlapDaysGiven: boolean }[];
  incidents: Incident[];
  indicators: IndicatorReading[];
  restrictions: Restriction[];
  facilityOutput: FacilityOutputReport[];
}

/** A validated scenario as records. */
export function scenarioToRecords(s: Scenario): OperationRecords {
  const operation: Operation = {
    name: s.operation.name,
    area: s.operation.area,
    start: s.operation.start,
    deadline: s.operation.deadline ?? null,
    timezone: s.operation.timezone,
    languages: s.operation.languages,
    center: s.operation.center ?? null,
    notes: s.operation.notes ?? null,
    forceName: s.force.name,
    maxHandoversPerDay: s.rules?.max_handovers_per_day ?? null,
  };
  const contingents: Contingent[] = s.force.contingents.map((c) => ({
    id: contingentId(c.id),
    nation: c.nation,
    state: c.withdrawn ? 'withdrawn' : 'deployed',
    withdrawn: c.withdrawn ?? null,
    version: 0,
  }));
  const units: Unit[] = s.force.contingents.flatMap((c) =>
    c.units.map((u) => ({
      id: unitId(u.id),
      contingentId: contingentId(c.id),
      name: u.name,
      strength: u.strength,
      state: u.released ? ('released' as const) : ('deployed' as const),
      released: u.released ?? null,
      version: 0,
    })),
  );
  return {
    operation,
    contingents,
    units,
    agencies: s.agencies.map((a) => ({
      agency: agencyFromScenario(a),
      maxCriticalityGiven: a.max_criticality !== undefined,
    })),
    sites: s.sites.map((x) => ({
      site: siteFromScenario(x),
      overlapDaysGiven: x.overlap_days !== undefined,
    })),
    incidents: (s.incidents ?? []).map((i) => ({
      id: incidentId(i.id),
      at: i.at,
      kind: i.kind,
      severity: i.severity,
      siteId: i.site !== undefined ? siteId(i.site) : null,
      district: i.district ?? null,
      location: i.location ?? null,
      description: i.description,
      illustrative: i.illustrative ?? false,
    })),
    indicators: (s.indicators ?? []).map((r) => ({
      date: r.date,
      indicator: r.indicator,
      level: r.level,
      note: r.note ?? null,
    })),
    restrictions: (s.restrictions ?? []).map((r) => ({
      id: restrictionId(r.id),
      kind: r.kind,
      description: r.description,
      from: r.from,
      until: r.until ?? null,
    })),
    facilityOutput: (s.facility_output ?? []).map((r) => ({
      siteId: siteId(r.site),
      date: r.date,
      status: r.status,
      output: r.output ?? null,
      products: r.products ?? [],
      note: r.note ?? null,
    })),
  };
}

export function agencyFromScenario(a: ScenarioAgency): Agency {
  return {
    id: agencyId(a.id),
    name: a.name,
    capacity: a.capacity.map((c) => ({ from: c.from, guards: c.guards })),
    maxCriticality: a.max_criticality ?? MAX_CRITICALITY,
    sectors: a.sectors ?? null,
    version: 0,
  };
}

export function siteFromScenario(x: ScenarioSite): Site {
  const h = x.handover;
  return {
    id: siteId(x.id),
    name: x.name,
    sector: x.sector,
    criticality: x.criticality,
    district: x.district,
    location: x.location ?? null,
    guards: x.guards,
    guardedBy: unitId(x.guarded_by),
    protectedSince: x.protected_since ?? null,
    overlapDays: x.overlap_days ?? 1,
    notBefore: x.not_before ?? null,
    after: (x.after ?? []).map(siteId),
    pinned: x.pinned
      ? {
          ...(x.pinned.agency !== undefined ? { agency: agencyId(x.pinned.agency) } : {}),
          ...(x.pinned.start !== undefined ? { start: x.pinned.start } : {}),
        }
      : null,
    operator: x.operator ?? null,
    postOrders: x.post_orders ?? [],
    essentialOutput: x.essential_output ?? null,
    illustrative: x.illustrative ?? [],
    state:
      h?.state === 'joint_guard' ? 'joint_guard' : h?.state === 'transferred' ? 'transferred' : 'protected',
    handover: h
      ? { agencyId: agencyId(h.agency), state: h.state, start: h.start, transfer: h.transfer ?? null }
      : null,
    version: 0,
  };
}

/** Drops keys whose value is undefined, so optional fields absent in the records are absent in the file. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function siteToScenario(site: Site, overlapDaysGiven: boolean): ScenarioSite {
  const h = site.handover;
  return compact({
    id: site.id,
    name: site.name,
    sector: site.sector,
    criticality: site.criticality,
    district: site.district,
    location: site.location ?? undefined,
    guards: site.guards,
    guarded_by: site.guardedBy,
    overlap_days: overlapDaysGiven ? site.overlapDays : undefined,
    not_before: site.notBefore ?? undefined,
    after: site.after.length ? [...site.after] : undefined,
    pinned: site.pinned ? compact({ agency: site.pinned.agency, start: site.pinned.start }) : undefined,
    protected_since: site.protectedSince ?? undefined,
    operator: site.operator ?? undefined,
    post_orders: site.postOrders.length ? site.postOrders : undefined,
    essential_output: site.essentialOutput ?? undefined,
    handover: h
      ? compact({ agency: h.agencyId, state: h.state, start: h.start, transfer: h.transfer ?? undefined })
      : undefined,
    illustrative: site.illustrative.length ? site.illustrative : undefined,
  });
}

/** Records back to a scenario file, in the order the file format lists its fields. */
export function recordsToScenario(r: OperationRecords): Scenario {
  const op = r.operation;
  const scenario: Scenario = compact({
    version: 1 as const,
    operation: compact({
      name: op.name,
      area: op.area,
      start: op.start,
      deadline: op.deadline ?? undefined,
      timezone: op.timezone,
      languages: op.languages,
      center: op.center ?? undefined,
      notes: op.notes ?? undefined,
    }),
    rules: op.maxHandoversPerDay !== null ? { max_handovers_per_day: op.maxHandoversPerDay } : undefined,
    force: {
      name: op.forceName,
      contingents: r.contingents.map((c) =>
        compact({
          id: c.id,
          nation: c.nation,
          units: r.units
            .filter((u) => u.contingentId === c.id)
            .map((u) =>
              compact({ id: u.id, name: u.name, strength: u.strength, released: u.released ?? undefined }),
            ),
          withdrawn: c.withdrawn ?? undefined,
        }),
      ),
    },
    agencies: r.agencies.map(({ agency: a, maxCriticalityGiven }) =>
      compact({
        id: a.id,
        name: a.name,
        capacity: a.capacity.map((c) => ({ from: c.from, guards: c.guards })),
        max_criticality: maxCriticalityGiven ? a.maxCriticality : undefined,
        sectors: a.sectors ?? undefined,
      }),
    ),
    sites: r.sites.map(({ site, overlapDaysGiven }) => siteToScenario(site, overlapDaysGiven)),
    incidents: r.incidents.length
      ? r.incidents.map((i) =>
          compact({
            id: i.id,
            at: i.at,
            kind: i.kind,
            severity: i.severity,
            site: i.siteId ?? undefined,
            district: i.district ?? undefined,
            location: i.location ?? undefined,
            description: i.description,
            illustrative: i.illustrative ? true : undefined,
          }),
        )
      : undefined,
    indicators: r.indicators.length
      ? r.indicators.map((x) =>
          compact({ date: x.date, indicator: x.indicator, level: x.level, note: x.note ?? undefined }),
        )
      : undefined,
    restrictions: r.restrictions.length
      ? r.restrictions.map((x) =>
          compact({
            id: x.id,
            kind: x.kind,
            description: x.description,
            from: x.from,
            until: x.until ?? undefined,
          }),
        )
      : undefined,
    facility_output: r.facilityOutput.length
      ? r.facilityOutput.map((x) =>
          compact({
            site: x.siteId,
            date: x.date,
            status: x.status,
            output: x.output ?? undefined,
            products: x.products.length ? x.products : undefined,
            note: x.note ?? undefined,
          }),
        )
      : undefined,
  });
  return scenario;
}
