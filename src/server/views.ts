import type { SiteAction } from '../core/auth/policy.ts';
import type { TransferSignature } from '../core/handover/signatures.ts';
import type { Agency, Contingent, Incident, Site, Unit } from '../core/model.ts';
import { siteToScenario } from '../core/scenario/convert.ts';
import type { ScenarioIncident } from '../core/scenario/schema.ts';
import type { SiteViewT } from './schemas.ts';

/** A site in the API: its fields as in the scenario file, plus state, version and the reader's actions. */
export function siteView(
  site: Site,
  actions: readonly SiteAction[],
  signatures: readonly TransferSignature[] | undefined,
  guard: SiteViewT['guard'],
): SiteViewT {
  const scenario = siteToScenario(site, true);
  return {
    ...scenario,
    ...(scenario.handover && signatures
      ? { handover: { ...scenario.handover, signatures: signatures.map(signatureView) } }
      : {}),
    overlap_days: site.overlapDays,
    state: site.state,
    version: site.version,
    guard,
    actions: [...actions],
  };
}

export const signatureView = (s: TransferSignature) => ({
  side: s.side,
  username: s.username,
  display_name: s.displayName,
  signed_at: s.signedAt,
  version: s.version,
  ...(s.imported ? { imported: true } : {}),
});

export const unitView = (u: Unit) => ({
  id: u.id,
  contingent: u.contingentId,
  name: u.name,
  strength: u.strength,
  state: u.state,
  released: u.released,
  version: u.version,
});

export const contingentView = (c: Contingent) => ({
  id: c.id,
  nation: c.nation,
  state: c.state,
  withdrawn: c.withdrawn,
  version: c.version,
});

export const agencyView = (a: Agency) => ({
  id: a.id,
  name: a.name,
  capacity: a.capacity,
  max_criticality: a.maxCriticality,
  sectors: a.sectors,
  version: a.version,
});

export function incidentView(i: Incident): ScenarioIncident {
  return {
    id: i.id,
    at: i.at,
    kind: i.kind,
    severity: i.severity,
    ...(i.siteId ? { site: i.siteId } : {}),
    ...(i.district ? { district: i.district } : {}),
    ...(i.location ? { location: i.location } : {}),
    description: i.description,
    ...(i.illustrative ? { illustrative: true } : {}),
  };
}
