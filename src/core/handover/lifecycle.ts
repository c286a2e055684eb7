import type { IsoDate } from '../dates.ts';
import type { SiteId } from '../ids.ts';
import {
  capacityFrom,
  guardingParties,
  type Agency,
  type Contingent,
  type Incident,
  type Site,
  type Unit,
} from '../model.ts';
import { refuse } from '../rules.ts';
import { INCIDENT_GATE_HOURS, SERIOUS_SEVERITY } from '../vocabulary.ts';

/**
 * The handover lifecycle of a site, and the release of units and withdrawal of contingents.
 * Each function takes the records it needs, checks the rules, and returns the changed records;
 * it refuses with a RuleViolation naming the rule. Versions are bumped by the store, not here.
 *
 *   protected ──startJointGuard──▶ joint_guard ──transfer──▶ transferred
 *       ▲                              │
 *       └───────────callOff────────────┘
 */

export function takeUnderProtection(
  site: Omit<Site, 'state' | 'handover' | 'version' | 'guardedBy' | 'protectedSince'>,
  unit: Unit,
  on: IsoDate,
): Site {
  if (unit.state !== 'deployed')
    refuse(
      'unit-deployed',
      `Unit "${unit.id}" was released on ${unit.released ?? '?'} and cannot take sites under protection.`,
    );
  return { ...site, guardedBy: unit.id, protectedSince: on, state: 'protected', handover: null, version: 0 };
}

/** Why an agency may not take a site, or null when it may. */
export function ineligibility(site: Pick<Site, 'criticality' | 'sector'>, agency: Agency): string | null {
  if (site.criticality > agency.maxCriticality)
    return `${agency.name} takes sites up to criticality ${agency.maxCriticality}; this site is ${site.criticality}.`;
  if (agency.sectors && !agency.sectors.includes(site.sector))
    return `${agency.name} does not take the ${site.sector} sector (it takes ${agency.sectors.join(', ')}).`;
  return null;
}

export function planHandover(site: Site, agency: Agency, start: IsoDate): Site {
  if (site.state !== 'protected')
    refuse(
      'site-state',
      `Site "${site.id}" is ${describeState(site)}; only a protected site can have a handover planned.`,
    );
  const why = ineligibility(site, agency);
  if (why) refuse('agency-eligibility', why);
  return { ...site, handover: { agencyId: agency.id, state: 'planned', start, transfer: null } };
}

export interface JointGuardContext {
  /** Guards the agency has already committed (sites in joint guard or transferred to it). */
  committedGuards: number;
  /** The sites this site must come after, as they stand now. */
  predecessors: readonly Pick<Site, 'id' | 'name' | 'state' | 'handover'>[];
  /** Incidents recorded at this site. */
  incidents: readonly Pick<Incident, 'id' | 'at' | 'severity' | 'kind'>[];
  /** The instant the action is taken, for the incident gate. */
  now: Date;
  /** Handovers already started on the same day, and the operation's daily limit (null: none). */
  startedThatDay: number;
  maxHandoversPerDay: number | null;
}

/** Relief in place begins: the agency's guards join the unit on site from `on`. */
export function startJointGuard(site: Site, agency: Agency, on: IsoDate, ctx: JointGuardContext): Site {
  if (site.state !== 'protected')
    refuse(
      'site-state',
      `Site "${site.id}" is ${describeState(site)}; joint guard can start only on a protected site.`,
    );
  if (site.handover && site.handover.agencyId !== agency.id)
    refuse(
      'site-state',
      `Site "${site.id}" has a handover planned to "${site.handover.agencyId}"; call it off before starting one with "${agency.id}".`,
    );
  const why = ineligibility(site, agency);
  if (why) refuse('agency-eligibility', why);
  if (site.notBefore && on < site.notBefore)
    refuse('handover-gate', `Site "${site.id}" may not be handed over before ${site.notBefore}.`);
  const pending = ctx.predecessors.filter(
    (p) => p.state !== 'transferred' || (p.handover?.transfer ?? on) > on,
  );
  if (pending.length)
    refuse(
      'handover-precedence',
      `Site "${site.id}" is handed over only after ${pending.map((p) => `"${p.id}"`).join(', ')} ${pending.length > 1 ? 'are' : 'is'} transferred.`,
    );
  const cutoff = ctx.now.getTime() - INCIDENT_GATE_HOURS * 3_600_000;
  const serious = ctx.incidents.find((i) => i.severity >= SERIOUS_SEVERITY && Date.parse(i.at) >= cutoff);
  if (serious)
    refuse(
      'incident-gate',
      `A serious incident (${serious.kind}, severity ${serious.severity}) at site "${site.id}" on ${serious.at} holds its handover for ${INCIDENT_GATE_HOURS} hours.`,
    );
  if (ctx.maxHandoversPerDay !== null && ctx.startedThatDay >= ctx.maxHandoversPerDay)
    refuse(
      'throughput',
      `${ctx.startedThatDay} handovers already started on ${on}; the operation allows at most ${ctx.maxHandoversPerDay} a day.`,
    );
  const capacity = capacityFrom(agency, on);
  if (ctx.committedGuards + site.guards > capacity)
    refuse(
      'agency-capacity',
      `${agency.name} can keep ${capacity} guards from ${on} on and has ${ctx.committedGuards} already committed; site "${site.id}" needs ${site.guards} more.`,
    );
  return {
    ...site,
    state: 'joint_guard',
    handover: { agencyId: agency.id, state: 'joint_guard', start: on, transfer: null },
  };
}

/** Transfer of authority: from `on` the agency guards alone and the unit leaves the site. */
export function transferAuthority(site: Site, on: IsoDate): Site {
  if (site.state !== 'joint_guard' || !site.handover)
    refuse(
      'site-state',
      `Site "${site.id}" is ${describeState(site)}; only a site in joint guard can be transferred.`,
    );
  if (on < site.handover.start)
    refuse(
      'transfer-date',
      `The transfer (${on}) cannot precede the start of joint guard (${site.handover.start}).`,
    );
  return {
    ...site,
    state: 'transferred',
    handover: { ...site.handover, state: 'transferred', transfer: on },
  };
}

/** The handover is called off: the agency leaves, the unit stays and guards alone. */
export function callOffHandover(site: Site): Site {
  if (site.state === 'transferred')
    refuse(
      'site-state',
      `Site "${site.id}" was transferred on ${site.handover?.transfer ?? '?'}; a completed transfer cannot be called off.`,
    );
  if (!site.handover) refuse('site-state', `Site "${site.id}" has no handover to call off.`);
  return { ...site, state: 'protected', handover: null };
}

/** A unit may go once none of its sites still needs it (all transferred). */
export function releaseUnit(
  unit: Unit,
  sites: readonly Pick<Site, 'id' | 'state' | 'guardedBy'>[],
  on: IsoDate,
): Unit {
  if (unit.state === 'released')
    refuse('unit-deployed', `Unit "${unit.id}" was already released on ${unit.released ?? '?'}.`);
  const needing = sites.filter((s) => s.guardedBy === unit.id && s.state !== 'transferred').map((s) => s.id);
  if (needing.length)
    refuse(
      'unit-still-guarding',
      `Unit "${unit.id}" still guards ${needing.length} site(s) not yet transferred: ${listIds(needing)}.`,
    );
  return { ...unit, state: 'released', released: on };
}

/** A contingent withdraws only when all its units are released. */
export function withdrawContingent(contingent: Contingent, units: readonly Unit[], on: IsoDate): Contingent {
  if (contingent.state === 'withdrawn')
    refuse(
      'contingent-deployed',
      `Contingent "${contingent.id}" already withdrew on ${contingent.withdrawn ?? '?'}.`,
    );
  const deployed = units
    .filter((u) => u.contingentId === contingent.id && u.state !== 'released')
    .map((u) => u.id);
  if (deployed.length)
    refuse(
      'contingent-units-deployed',
      `Contingent "${contingent.id}" still has deployed units: ${listIds(deployed)}.`,
    );
  return { ...contingent, state: 'withdrawn', withdrawn: on };
}

export function describeState(site: Pick<Site, 'state' | 'handover'>): string {
  switch (site.state) {
    case 'protected':
      return site.handover ? `protected (handover to "${site.handover.agencyId}" planned)` : 'protected';
    case 'joint_guard':
      return 'in joint guard';
    case 'transferred':
      return 'transferred';
  }
}

function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).map((i) => `"${i}"`);
  return shown.join(', ') + (ids.length > 5 ? ` and ${ids.length - 5} more` : '');
}

export interface InvariantBreach {
  rule: 'guarding-party' | 'released-unit-guards' | 'withdrawn-contingent-units';
  message: string;
  siteId?: SiteId;
}

/** The operation's invariants, checked over whole state: used by tests and by `handover status --check`. */
export function invariantBreaches(state: {
  sites: readonly Site[];
  units: readonly Unit[];
  contingents: readonly Contingent[];
}): InvariantBreach[] {
  const breaches: InvariantBreach[] = [];
  const units = new Map(state.units.map((u) => [u.id, u]));
  for (const site of state.sites) {
    const parties = guardingParties(site);
    if (!parties.unit && !parties.agency)
      breaches.push({
        rule: 'guarding-party',
        message: `Site "${site.id}" has no guarding party.`,
        siteId: site.id,
      });
    if (parties.unit && units.get(parties.unit)?.state === 'released')
      breaches.push({
        rule: 'released-unit-guards',
        message: `Released unit "${parties.unit}" still guards site "${site.id}".`,
        siteId: site.id,
      });
  }
  for (const c of state.contingents)
    if (c.state === 'withdrawn' && state.units.some((u) => u.contingentId === c.id && u.state !== 'released'))
      breaches.push({
        rule: 'withdrawn-contingent-units',
        message: `Contingent "${c.id}" withdrew with units deployed.`,
      });
  return breaches;
}
