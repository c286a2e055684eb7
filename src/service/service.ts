import { dateInZone, isIsoDate, isIsoInstant, type IsoDate } from '../core/dates.ts';
import {
  callOffHandover,
  planHandover,
  releaseUnit,
  startJointGuard,
  takeUnderProtection,
  withdrawContingent,
} from '../core/handover/lifecycle.ts';
import {
  currentSignatures,
  SIGNATURE_SIDES,
  type HeldSignature,
  signTransfer,
  type SignatureSide,
  type TransferSignature,
} from '../core/handover/signatures.ts';
import {
  agencyId,
  contingentId,
  incidentId,
  restrictionId,
  siteId,
  unitId,
  type ContingentId,
  type SiteId,
  type UnitId,
} from '../core/ids.ts';
import type {
  Agency,
  CapacityStep,
  Contingent,
  FacilityOutputReport,
  Incident,
  IndicatorReading,
  Operation,
  Restriction,
  Site,
  Unit,
} from '../core/model.ts';
import type { FieldProblem } from '../core/problems.ts';
import { recordsToScenario, scenarioToRecords, siteFromScenario } from '../core/scenario/convert.ts';
import type {
  Scenario,
  ScenarioFacilityOutput,
  ScenarioIncident,
  ScenarioIndicatorReading,
  ScenarioRestriction,
  ScenarioSite,
} from '../core/scenario/schema.ts';
import { validateScenario } from '../core/scenario/validate.ts';
import type { SiteState } from '../core/vocabulary.ts';
import type { Change } from '../store/change-bus.ts';
import { isUniqueViolation, refreshStatistics, type Store } from '../store/db.ts';
import * as repo from '../store/repositories.ts';
import { findUserById } from '../store/accounts.ts';
import * as signatures from '../store/signatures.ts';
import { ConflictError, ForbiddenError, InputError, NotFoundError, OutOfScopeError } from './errors.ts';
import { auditedTransaction } from './transaction.ts';
import {
  canSee,
  decide,
  forbiddenFields,
  siteActions,
  type Action,
  type Facts,
  type SiteAction,
  type SiteFacts,
} from '../core/auth/policy.ts';
import type { Role, Scope } from '../core/auth/roles.ts';

/**
 * Who acts: a signed-in user (the API, the web app) or the console (the CLI, the demo loader). Every read
 * and write is decided by the policy table for this role and scope, and every change is attributed to it.
 */
export interface Actor {
  name: string;
  /** The account, or null for the server console (which holds no password and cannot sign). */
  userId: string | null;
  role: Role;
  scope: Scope | null;
}
/** The server console: the CLI and the demo loader act as an administrator under this name. */
export const DEMO_ACTOR: Actor = { name: 'demo-officer', userId: null, role: 'administrator', scope: null };
const OPERATION: Facts = { kind: 'operation' };

export type SiteInput = Omit<ScenarioSite, 'handover'>;
export interface SitePatch {
  name?: string;
  criticality?: number;
  district?: string;
  location?: { lat: number; lon: number };
  guards?: number;
  overlap_days?: number;
  not_before?: string;
  post_orders?: string[];
  operator?: ScenarioSite['operator'];
  essential_output?: ScenarioSite['essential_output'];
}

/**
 * The force as sites show it: each unit (by id) as a guard, with its contingent and nation. Read with the
 * sites that need it, for one request, and dropped with it: never kept across requests.
 */
export interface ForceDirectory {
  guards: ReadonlyMap<string, SiteGuard>;
}

/** What a site shows beside its own fields: the actor's actions, its signatures, its guarding unit. */
export interface SiteDescriptions {
  actions: Map<string, SiteAction[]>;
  signatures: Map<string, TransferSignature[]>;
  guards: Map<string, SiteGuard>;
}
export interface SiteGuard {
  unit_name: string;
  contingent: string;
  nation: string;
}

/** A committed change, as live updates carry it. */
export type ChangeEvent = Change;

/**
 * The use cases of the register and the handover lifecycle. Each opens one transaction, loads what the
 * rules need, lets the core decide, writes the result and its audit entry, and commits — or changes nothing.
 */
export class HandoverService {
  private readonly listeners = new Set<(e: ChangeEvent) => void>();

  constructor(
    readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Subscribe to committed changes (for live updates); returns the unsubscribe function. */
  onChange(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells listeners of a change made outside this class (planning runs). */
  notify(e: ChangeEvent) {
    this.emit(e);
  }

  private emit(e: ChangeEvent) {
    for (const l of this.listeners) l(e);
  }

  /** One transaction; a key written at the same moment by someone else becomes a 409, not a 500. */
  private async tx<T>(fn: (trx: repo.Db) => Promise<T>): Promise<T> {
    return auditedTransaction(
      this.store,
      fn,
      'A record with the same id was just written by someone else; reload and check.',
    );
  }

  /**
   * Refuses unless the actor may take `action` on the record: out of scope → not found (the record does not
   * exist for them), in scope but not their role's → forbidden with the reason.
   */
  private allow(actor: Actor, action: Action, facts: Facts, record?: { entity: string; id: string }): void {
    const d = decide(actor, action, facts);
    if (d.outcome === 'hidden')
      throw record
        ? new OutOfScopeError(record.entity, record.id, action)
        : new ForbiddenError(action, 'This is outside what your role can see.');
    if (d.outcome === 'forbidden') throw new ForbiddenError(action, d.reason);
  }

  /**
   * Writes a refused access to the audit log: a forbidden action, or a record asked for outside the
   * caller's scope (which the caller was told does not exist). Its own transaction: the refused request
   * changed nothing else.
   */
  async recordRefusal(actor: Actor, e: ForbiddenError | OutOfScopeError, request: string): Promise<void> {
    await this.tx(async (trx) => {
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'access.refused',
        entity: e instanceof OutOfScopeError ? e.entity.toLowerCase() : 'operation',
        entityId: e instanceof OutOfScopeError ? e.id : '',
        before: null,
        after: {
          request,
          action: e.action,
          role: actor.role,
          scope: actor.scope,
          outcome: e instanceof OutOfScopeError ? 'out_of_scope' : 'forbidden',
        },
      });
    });
  }

  /** Refuses an action on the operation as a whole (plans, imports, the audit log) unless the role may. */
  requireAllowed(actor: Actor, action: Action): void {
    this.allow(actor, action, OPERATION);
  }

  /**
   * The scope facts of a site: its unit, that unit's contingent, its handover's agency. Asked only to decide
   * for `reader`, and the reader sees the whole force, the contingent is not needed and not looked up.
   */
  private async siteFacts(db: repo.Db, site: Site, reader?: Actor): Promise<SiteFacts> {
    const unit = reader?.scope === null ? null : await repo.findUnit(db, site.guardedBy);
    return {
      kind: 'site',
      id: site.id,
      unit: site.guardedBy,
      contingent: unit?.contingentId ?? '',
      agency: site.handover?.agencyId ?? null,
    };
  }

  /** Loads a site the actor may take `action` on, or fails as the policy says. */
  private async siteFor(db: repo.Db, id: string, actor: Actor, action: Action): Promise<Site> {
    const site = await repo.findSite(db, siteId(id));
    if (!site) throw new NotFoundError('Site', id);
    this.allow(actor, action, await this.siteFacts(db, site, actor), { entity: 'Site', id: id });
    return site;
  }

  /**
   * The actions each site offers the actor now (for the API's `actions` field). `maySign` is the
   * signature rule for one site and side.
   */
  async actionsFor(
    sites: readonly Site[],
    actor: Actor,
    maySign: (site: Site, facts: SiteFacts, side: 'outgoing' | 'receiving') => boolean = () => false,
    force?: ForceDirectory,
  ): Promise<Map<string, SiteAction[]>> {
    const { guards } = force ?? (await this.forceDirectory());
    const out = new Map<string, SiteAction[]>();
    for (const site of sites) {
      const facts: SiteFacts = {
        kind: 'site',
        id: site.id,
        unit: site.guardedBy,
        contingent: guards.get(site.guardedBy)?.contingent ?? '',
        agency: site.handover?.agencyId ?? null,
      };
      out.set(
        site.id,
        siteActions(actor, { state: site.state, hasHandover: site.handover !== null }, facts, (side) =>
          maySign(site, facts, side),
        ),
      );
    }
    return out;
  }

  /**
   * Everything the API shows beside the sites' own fields, for `actor` (who has been checked to see them):
   * one query for the force, unless the caller read it already, and one for the signatures if any site has
   * some.
   */
  async describeSites(
    sites: readonly Site[],
    actor: Actor,
    maySign: (site: Site, facts: SiteFacts, side: 'outgoing' | 'receiving') => boolean,
    known: { force?: ForceDirectory; held?: ReadonlyMap<string, readonly HeldSignature[]> } = {},
  ): Promise<SiteDescriptions> {
    const force = known.force ?? (await this.forceDirectory());
    const [actions, signatures, guards] = await Promise.all([
      this.actionsFor(sites, actor, maySign, force),
      this.signaturesOf(sites, force, known.held),
      this.guardsOf(sites, force),
    ]);
    return { actions, signatures, guards };
  }

  /**
   * A page of the sites the actor sees, with what the API shows beside each (actions, signatures, guarding
   * unit), from the page's one statement and its count, run at the same time (see repo.listSitePage).
   */
  async listSitesDescribed(
    filter: Omit<repo.SiteFilter, 'scope'>,
    actor: Actor,
    maySign: (site: Site, facts: SiteFacts, side: 'outgoing' | 'receiving') => boolean,
  ): Promise<{ items: Site[]; total: number; descriptions: SiteDescriptions }> {
    const { items, total } = await repo.listSitePage(this.store.db, { ...filter, scope: actor.scope });
    const guards = new Map<string, SiteGuard>();
    for (const { site, guard } of items)
      if (guard)
        guards.set(site.guardedBy, {
          unit_name: guard.unitName,
          contingent: guard.contingentId,
          nation: guard.nation,
        });
    const sites = items.map((e) => e.site);
    const descriptions = await this.describeSites(sites, actor, maySign, {
      force: { guards },
      held: new Map(items.map((e) => [e.site.id, e.held])),
    });
    return { items: sites, total, descriptions };
  }

  // ── operation and scenario ──────────────────────────────────────────────────────────────────────────────

  async getOperation(): Promise<Operation> {
    const op = await repo.findOperation(this.store.db);
    if (!op)
      throw new NotFoundError(
        'Operation',
        'current',
        'The database holds no operation yet: load one with `handover demo` or `handover import FILE`.',
      );
    return op;
  }

  async hasOperation(): Promise<boolean> {
    return (await repo.findOperation(this.store.db)) !== null;
  }

  /**
   * Imports a scenario. All of it or none: it is validated completely first, and written in one transaction.
   * An existing operation is refused unless `replace` is set.
   */
  async importScenario(
    input: unknown,
    actor: Actor,
    opts: { replace?: boolean } = {},
  ): Promise<{ sites: number }> {
    this.allow(actor, 'scenario.import', OPERATION);
    const check = validateScenario(input);
    if (!check.ok) throw new InputError(check.problems);
    const records = scenarioToRecords(check.scenario);
    await this.tx(async (trx) => {
      const existing = await repo.findOperation(trx);
      if (existing && !opts.replace)
        throw new ConflictError(
          'operation-exists',
          `The database already holds the operation "${existing.name}"; import with replace to overwrite it.`,
        );
      if (existing) await repo.clearOperation(trx);
      await signatures.deleteSignaturesOfMissingSites(trx);
      await repo.insertOperation(trx, records.operation);
      let i = 0;
      for (const c of records.contingents) await repo.insertContingent(trx, c, i++);
      i = 0;
      for (const u of records.units) await repo.insertUnit(trx, u, i++);
      i = 0;
      for (const a of records.agencies) await repo.insertAgency(trx, a.agency, i++, a.maxCriticalityGiven);
      const attested = await this.attestImportedTransfers(trx, records.sites, actor);
      await repo.insertSites(trx, records.sites, 0);
      await repo.insertIncidents(trx, records.incidents);
      await repo.insertReadingsAndReports(trx, records);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: existing ? 'operation.replace' : 'operation.import',
        entity: 'operation',
        entityId: records.operation.name,
        before: existing ? { name: existing.name } : null,
        after: {
          name: records.operation.name,
          sites: records.sites.length,
          units: records.units.length,
          agencies: records.agencies.length,
          ...(attested ? { transfers_attested: attested } : {}),
        },
      });
    });
    await refreshStatistics(this.store);
    this.emit({ entity: 'operation', id: 'current', action: 'import' });
    return { sites: records.sites.length };
  }

  /**
   * A scenario may hold sites transferred before it was loaded: nobody signed them here. The importing
   * administrator attests both sides of each, marked as imported, and the database accepts such a site only
   * with that attestation. An attestation never counts toward a transfer made here (core/handover/signatures.ts).
   */
  private async attestImportedTransfers(
    trx: repo.Db,
    sites: readonly { site: Site }[],
    actor: Actor,
  ): Promise<number> {
    const transferred = sites.filter((x) => x.site.state === 'transferred');
    if (!transferred.length) return 0;
    const account = actor.userId === null ? null : await findUserById(trx, actor.userId);
    const signedAt = this.clock().toISOString();
    await signatures.insertSignatures(
      trx,
      transferred.flatMap(({ site }) =>
        SIGNATURE_SIDES.map((side) => ({
          siteId: site.id,
          signature: {
            side,
            version: site.version,
            userId: account?.id ?? null,
            username: account?.username ?? actor.name,
            displayName: account?.displayName ?? actor.name,
            signedAt,
            imported: true,
          },
        })),
      ),
    );
    return transferred.length;
  }

  async exportScenario(actor: Actor): Promise<Scenario> {
    this.allow(actor, 'scenario.export', OPERATION);
    const db = this.store.db;
    const operation = await this.getOperation();
    const [contingents, units, agencies, given, sites, incidents, indicators, restrictions, facilityOutput] =
      await Promise.all([
        repo.listContingents(db),
        repo.listUnits(db),
        repo.listAgencies(db),
        repo.agencyMaxCriticalityGiven(db),
        repo.listAllSites(db),
        repo.listIncidents(db, { limit: 1_000_000, inEntryOrder: true }),
        repo.listIndicatorReadings(db),
        repo.listRestrictions(db),
        repo.listFacilityOutput(db),
      ]);
    return recordsToScenario({
      operation,
      contingents,
      units,
      agencies: agencies.map((a) => ({ agency: a, maxCriticalityGiven: given.get(a.id) ?? false })),
      sites,
      incidents: incidents.items,
      indicators,
      restrictions,
      facilityOutput,
    });
  }

  /** Today in the operation's time zone, or the date given. */
  private async dayOf(on: string | undefined, field = 'on'): Promise<IsoDate> {
    if (on !== undefined) {
      if (!isIsoDate(on))
        throw new InputError([{ path: field, message: `"${on}" is not a calendar date (YYYY-MM-DD)` }]);
      return on;
    }
    const op = await this.getOperation();
    return dateInZone(this.clock(), op.timezone);
  }

  // ── register ────────────────────────────────────────────────────────────────────────────────────────────

  /** Sites the actor can see, filtered; out-of-scope sites are left out of the items and the total. */
  listSites(filter: Omit<repo.SiteFilter, 'scope'>, actor: Actor) {
    return repo.listSites(this.store.db, { ...filter, scope: actor.scope });
  }

  async getSite(id: string, actor: Actor): Promise<Site> {
    return this.siteFor(this.store.db, id, actor, 'site.read');
  }

  async listContingents(actor: Actor) {
    this.allow(actor, 'force.read', OPERATION);
    return (await repo.listContingents(this.store.db)).filter((c) =>
      canSee(actor, { kind: 'contingent', id: c.id }),
    );
  }
  async getContingent(id: string, actor: Actor): Promise<Contingent> {
    const c = await repo.findContingent(this.store.db, contingentId(id));
    if (!c) throw new NotFoundError('Contingent', id);
    this.allow(actor, 'force.read', { kind: 'contingent', id: c.id }, { entity: 'Contingent', id });
    return c;
  }
  async listUnits(filter: { contingent?: string }, actor: Actor) {
    this.allow(actor, 'force.read', OPERATION);
    const units = await repo.listUnits(
      this.store.db,
      filter.contingent ? { contingent: contingentId(filter.contingent) } : {},
    );
    return units.filter((u) => canSee(actor, { kind: 'unit', id: u.id, contingent: u.contingentId }));
  }
  async getUnit(id: string, actor: Actor): Promise<Unit> {
    const u = await repo.findUnit(this.store.db, unitId(id));
    if (!u) throw new NotFoundError('Unit', id);
    this.allow(
      actor,
      'force.read',
      { kind: 'unit', id: u.id, contingent: u.contingentId },
      { entity: 'Unit', id },
    );
    return u;
  }
  async listAgencies(actor: Actor) {
    this.allow(actor, 'agency.read', OPERATION);
    return (await repo.listAgencies(this.store.db)).filter((a) =>
      canSee(actor, { kind: 'agency', id: a.id }),
    );
  }
  async getAgency(id: string, actor: Actor): Promise<Agency> {
    const a = await repo.findAgency(this.store.db, agencyId(id));
    if (!a) throw new NotFoundError('Agency', id);
    this.allow(actor, 'agency.read', { kind: 'agency', id: a.id }, { entity: 'Agency', id });
    return a;
  }

  /** A new site enters the register as the force takes it under protection with one of its units. */
  async takeUnderProtection(input: SiteInput, actor: Actor): Promise<Site> {
    const problems: FieldProblem[] = [];
    for (const [path, v] of [
      ['protected_since', input.protected_since],
      ['not_before', input.not_before],
      ['pinned.start', input.pinned?.start],
    ] as const)
      if (v !== undefined && !isIsoDate(v))
        problems.push({ path, message: `"${v}" is not a calendar date (YYYY-MM-DD)` });
    if (problems.length) throw new InputError(problems);
    const on = await this.dayOf(input.protected_since, 'protected_since');
    const site = await this.tx(async (trx) => {
      if (await repo.findSite(trx, siteId(input.id)))
        throw new ConflictError('duplicate-id', `Site "${input.id}" is already in the register.`);
      const unit = await repo.findUnit(trx, unitId(input.guarded_by));
      const unitFacts = unit && { kind: 'unit' as const, id: unit.id, contingent: unit.contingentId };
      if (!unit || !unitFacts || !canSee(actor, unitFacts))
        throw new InputError([{ path: 'guarded_by', message: `unknown unit "${input.guarded_by}"` }]);
      this.allow(actor, 'site.create', {
        kind: 'site',
        id: input.id,
        unit: unit.id,
        contingent: unit.contingentId,
        agency: null,
      });
      const missing: FieldProblem[] = [];
      const known = await repo.findSites(trx, (input.after ?? []).map(siteId));
      (input.after ?? []).forEach((a, i) => {
        if (!known.some((s) => s.id === a))
          missing.push({ path: `after[${i}]`, message: `unknown site "${a}"` });
      });
      if (input.pinned?.agency && !(await repo.findAgency(trx, agencyId(input.pinned.agency))))
        missing.push({ path: 'pinned.agency', message: `unknown agency "${input.pinned.agency}"` });
      if (missing.length) throw new InputError(missing);
      const draft = siteFromScenario({ ...input, protected_since: on });
      const site = takeUnderProtection(draft, unit, on);
      await repo.insertSites(
        trx,
        [{ site, overlapDaysGiven: input.overlap_days !== undefined }],
        await repo.nextSitePosition(trx),
      );
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'site.take_under_protection',
        entity: 'site',
        entityId: site.id,
        before: null,
        after: site,
      });
      return site;
    });
    this.emit({ entity: 'site', id: site.id, action: 'take_under_protection' });
    return site;
  }

  /** Changes register fields of a site (not its lifecycle), if the caller read its current version. */
  async updateSite(id: string, patch: SitePatch, version: number, actor: Actor): Promise<Site> {
    if (patch.not_before !== undefined && !isIsoDate(patch.not_before))
      throw new InputError([
        { path: 'not_before', message: `"${patch.not_before}" is not a calendar date (YYYY-MM-DD)` },
      ]);
    const refused = forbiddenFields(actor, Object.keys(patch));
    if (refused.length)
      throw new ForbiddenError(
        'site.update',
        `Your role may not change ${refused.join(', ')} of a site; leave ${refused.length === 1 ? 'it' : 'them'} out of the change.`,
      );
    return this.changeSite(id, version, actor, 'site.update', 'update', (before) => ({
      ...before,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.criticality !== undefined ? { criticality: patch.criticality } : {}),
      ...(patch.district !== undefined ? { district: patch.district } : {}),
      ...(patch.location !== undefined ? { location: patch.location } : {}),
      ...(patch.guards !== undefined ? { guards: patch.guards } : {}),
      ...(patch.overlap_days !== undefined ? { overlapDays: patch.overlap_days } : {}),
      ...(patch.not_before !== undefined ? { notBefore: patch.not_before } : {}),
      ...(patch.post_orders !== undefined ? { postOrders: patch.post_orders } : {}),
      ...(patch.operator !== undefined ? { operator: patch.operator } : {}),
      ...(patch.essential_output !== undefined ? { essentialOutput: patch.essential_output } : {}),
    }));
  }

  async planHandover(
    id: string,
    input: { agency: string; start: string; version?: number },
    actor: Actor,
  ): Promise<Site> {
    const start = await this.dayOf(input.start, 'start');
    return this.changeSite(
      id,
      input.version,
      actor,
      'handover.plan',
      'plan_handover',
      async (before, trx) => {
        const agency = await this.requireAgency(trx, input.agency);
        return planHandover(before, agency, start);
      },
    );
  }

  async startJointGuard(
    id: string,
    input: { agency?: string; on?: string; version?: number },
    actor: Actor,
  ): Promise<Site> {
    const on = await this.dayOf(input.on);
    const op = await this.getOperation();
    return this.changeSite(
      id,
      input.version,
      actor,
      'handover.start_joint_guard',
      'start_joint_guard',
      async (before, trx) => {
        const chosen = input.agency ?? before.handover?.agencyId;
        if (!chosen)
          throw new InputError([
            { path: 'agency', message: 'no handover is planned for this site: name the receiving agency' },
          ]);
        const agency = await this.requireAgency(trx, chosen, true);
        const [committed, predecessors, incidents, startedThatDay] = await Promise.all([
          repo.committedGuards(trx, agency.id),
          repo.findSites(trx, before.after),
          repo.listIncidents(trx, { site: before.id, limit: 10_000 }),
          repo.countHandoversStartedOn(trx, on),
        ]);
        return startJointGuard(before, agency, on, {
          committedGuards: committed,
          predecessors,
          incidents: incidents.items,
          now: this.clock(),
          startedThatDay,
          maxHandoversPerDay: op.maxHandoversPerDay,
        });
      },
    );
  }

  /**
   * One side signs the transfer of authority of a site, for the version it read; the caller has had the
   * signer's password re-entered just before. When the other side has signed the same version, the transfer
   * takes effect in the same transaction. A signature changes no field of the site, so its version stays and
   * the other side signs the same record; any change to the site afterwards voids it.
   */
  async signTransfer(
    id: string,
    input: { side: SignatureSide; version: number; on?: string },
    actor: Actor,
  ): Promise<Site> {
    const on = await this.dayOf(input.on);
    const { site, transferred } = await this.tx(async (trx) => {
      const before = await this.siteFor(trx, id, actor, 'handover.sign');
      if (input.version !== before.version)
        throw new repo.StaleVersionError('Site', id, input.version, before.version);
      const account = actor.userId === null ? null : await findUserById(trx, actor.userId);
      if (!account)
        throw new ForbiddenError(
          'handover.sign',
          'A transfer is signed by a person with an account; the server console cannot sign.',
        );
      const parties = await this.siteFacts(trx, before);
      const signed = signTransfer(
        before,
        parties,
        await signatures.findSignaturesOfSite(trx, before.id),
        {
          userId: account.id,
          username: account.username,
          displayName: account.displayName,
          role: account.role,
          scope: account.scope,
          disabled: account.disabled,
        },
        { side: input.side, version: input.version, on },
        this.clock().toISOString(),
      );
      await signatures.saveSignature(trx, before.id, signed.signature);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'site.sign_transfer',
        entity: 'site',
        entityId: before.id,
        before: null,
        after: signatureAudit(signed.signature),
      });
      if (signed.site === before) return { site: before, transferred: false };
      const after = await repo.updateSite(trx, signed.site, before.version);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'site.transfer',
        entity: 'site',
        entityId: before.id,
        before,
        after: { ...after, signatures: signed.held.map((h) => signatureAudit(h.signature)) },
      });
      return { site: after, transferred: true };
    });
    this.emit({ entity: 'site', id: site.id, action: 'sign_transfer' });
    if (transferred) this.emit({ entity: 'site', id: site.id, action: 'transfer' });
    return site;
  }

  /**
   * The guarding unit of each site by name, with its contingent and nation: what a site shows of the force
   * to every reader of the site, including roles that do not read units and contingents themselves.
   */
  async guardsOf(sites: readonly Site[], force?: ForceDirectory): Promise<Map<string, SiteGuard>> {
    const { guards } = force ?? (await this.forceDirectory());
    const out = new Map<string, SiteGuard>();
    for (const site of sites) {
      const guard = guards.get(site.guardedBy);
      if (guard) out.set(site.id, guard);
    }
    return out;
  }

  /** The units of the force as guards, for callers that describe sites (one query). */
  async forceDirectory(): Promise<ForceDirectory> {
    const rows = await repo.listUnitsWithNations(this.store.db);
    return {
      guards: new Map(
        rows.map(({ unit, nation }) => [
          unit.id as string,
          { unit_name: unit.name, contingent: unit.contingentId, nation },
        ]),
      ),
    };
  }

  /**
   * The signatures shown with each site (the caller has checked the actor sees the sites): for a site in joint
   * guard, those that count now; for a transferred one, those that made its transfer. `held`, when the
   * caller read them already, spares the query.
   */
  async signaturesOf(
    sites: readonly Site[],
    force?: ForceDirectory,
    held?: ReadonlyMap<string, readonly HeldSignature[]>,
  ): Promise<Map<string, TransferSignature[]>> {
    const out = new Map<string, TransferSignature[]>();
    const signing = sites.filter((s) => s.state !== 'protected');
    if (!signing.length) return out;
    const db = this.store.db;
    const [signed, { guards }] = await Promise.all([
      held ??
        signatures.findSignaturesOfSites(
          db,
          signing.map((s) => s.id),
        ),
      force ?? this.forceDirectory(),
    ]);
    for (const site of signing) {
      const parties = {
        unit: site.guardedBy,
        contingent: guards.get(site.guardedBy)?.contingent ?? '',
        agency: site.handover?.agencyId ?? null,
      };
      out.set(site.id, currentSignatures(site, parties, signed.get(site.id) ?? []));
    }
    return out;
  }

  async callOffHandover(
    id: string,
    input: { version?: number; reason?: string },
    actor: Actor,
  ): Promise<Site> {
    return this.changeSite(
      id,
      input.version,
      actor,
      'handover.call_off',
      'call_off',
      (before) => callOffHandover(before),
      input.reason,
    );
  }

  private async changeSite(
    id: string,
    version: number | undefined,
    actor: Actor,
    policyAction: Action,
    action: string,
    change: (before: Site, trx: repo.Db) => Site | Promise<Site>,
    note?: string,
  ): Promise<Site> {
    const site = await this.tx(async (trx) => {
      const before = await this.siteFor(trx, id, actor, policyAction);
      const expected = version ?? before.version;
      if (expected !== before.version) throw new repo.StaleVersionError('Site', id, expected, before.version);
      const next = await change(before, trx);
      const after = await repo.updateSite(trx, next, expected);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: `site.${action}`,
        entity: 'site',
        entityId: id,
        before,
        after: note ? { ...after, note } : after,
      });
      return after;
    });
    this.emit({ entity: 'site', id: site.id, action });
    return site;
  }

  private async requireAgency(trx: repo.Db, id: string, lock = false): Promise<Agency> {
    const agency = await repo.findAgency(trx, agencyId(id), lock);
    if (!agency) throw new InputError([{ path: 'agency', message: `unknown agency "${id}"` }]);
    return agency;
  }

  // ── force ───────────────────────────────────────────────────────────────────────────────────────────────

  async releaseUnit(id: string, input: { on?: string; version?: number }, actor: Actor): Promise<Unit> {
    const on = await this.dayOf(input.on);
    const unit = await this.tx(async (trx) => {
      const before = await repo.findUnit(trx, unitId(id));
      if (!before) throw new NotFoundError('Unit', id);
      this.allow(
        actor,
        'unit.release',
        { kind: 'unit', id: before.id, contingent: before.contingentId },
        { entity: 'Unit', id: id },
      );
      const expected = input.version ?? before.version;
      const next = releaseUnit(before, await repo.sitesOfUnit(trx, before.id), on);
      const after = await repo.updateUnit(trx, next, expected);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'unit.release',
        entity: 'unit',
        entityId: id,
        before,
        after,
      });
      return after;
    });
    this.emit({ entity: 'unit', id, action: 'release' });
    return unit;
  }

  async withdrawContingent(
    id: string,
    input: { on?: string; version?: number },
    actor: Actor,
  ): Promise<Contingent> {
    const on = await this.dayOf(input.on);
    const contingent = await this.tx(async (trx) => {
      const before = await repo.findContingent(trx, contingentId(id));
      if (!before) throw new NotFoundError('Contingent', id);
      this.allow(
        actor,
        'contingent.withdraw',
        { kind: 'contingent', id: before.id },
        { entity: 'Contingent', id: id },
      );
      const expected = input.version ?? before.version;
      const next = withdrawContingent(before, await repo.listUnits(trx, { contingent: before.id }), on);
      const after = await repo.updateContingent(trx, next, expected);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'contingent.withdraw',
        entity: 'contingent',
        entityId: id,
        before,
        after,
      });
      return after;
    });
    this.emit({ entity: 'contingent', id, action: 'withdraw' });
    return contingent;
  }

  async setAgencyCapacity(
    id: string,
    input: { capacity: CapacityStep[]; version: number },
    actor: Actor,
  ): Promise<Agency> {
    const problems: FieldProblem[] = [];
    let previous: string | undefined;
    input.capacity.forEach((s, i) => {
      if (!isIsoDate(s.from))
        problems.push({
          path: `capacity[${i}].from`,
          message: `"${s.from}" is not a calendar date (YYYY-MM-DD)`,
        });
      else if (previous !== undefined && s.from <= previous)
        problems.push({
          path: `capacity[${i}].from`,
          message: `steps must be in date order without repeats (${s.from} follows ${previous})`,
        });
      previous = s.from;
    });
    if (problems.length) throw new InputError(problems);
    const agency = await this.tx(async (trx) => {
      const before = await repo.findAgency(trx, agencyId(id), true);
      if (!before) throw new NotFoundError('Agency', id);
      this.allow(
        actor,
        'agency.set_capacity',
        { kind: 'agency', id: before.id },
        { entity: 'Agency', id: id },
      );
      const version = await repo.bumpAgency(trx, before.id, input.version);
      await repo.replaceCapacity(trx, before.id, input.capacity);
      const after: Agency = { ...before, capacity: input.capacity, version };
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'agency.set_capacity',
        entity: 'agency',
        entityId: id,
        before,
        after,
      });
      return after;
    });
    this.emit({ entity: 'agency', id, action: 'set_capacity' });
    return agency;
  }

  // ── incidents, indicators, restrictions, output ───────────────────────────────────────────────────────

  /** Incidents not tied to a site, and those at sites the actor can see. */
  listIncidents(f: { site?: string; since?: string; limit?: number; offset?: number }, actor: Actor) {
    return repo.listIncidents(this.store.db, {
      ...f,
      site: f.site !== undefined ? siteId(f.site) : undefined,
      scope: actor.scope,
    });
  }

  async recordIncident(
    input: Omit<ScenarioIncident, 'id'> & { id?: string },
    actor: Actor,
  ): Promise<Incident> {
    if (!isIsoInstant(input.at))
      throw new InputError([
        {
          path: 'at',
          message: `"${input.at}" is not a date and time with an offset (2022-01-11T08:30:00+06:00)`,
        },
      ]);
    const incident: Incident = {
      id: incidentId(input.id ?? `inc-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`),
      at: input.at,
      kind: input.kind,
      severity: input.severity,
      siteId: input.site !== undefined ? siteId(input.site) : null,
      district: input.district ?? null,
      location: input.location ?? null,
      description: input.description,
      illustrative: input.illustrative ?? false,
    };
    await this.tx(async (trx) => {
      if (incident.siteId) {
        const site = await repo.findSite(trx, incident.siteId);
        const facts = site && (await this.siteFacts(trx, site, actor));
        if (!site || !facts || !canSee(actor, facts))
          throw new InputError([{ path: 'site', message: `unknown site "${incident.siteId}"` }]);
        this.allow(actor, 'incident.record', facts);
      } else if (actor.role === 'facility_operator')
        throw new InputError([
          { path: 'site', message: 'name your site: an operator reports at its own site' },
        ]);
      else this.allow(actor, 'incident.record', OPERATION);
      try {
        await repo.insertIncident(trx, incident);
      } catch (e) {
        // The primary key is the check: no look-up before the insert.
        if (isUniqueViolation(e))
          throw new ConflictError('duplicate-id', `Incident "${incident.id}" is already recorded.`);
        throw e;
      }
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'incident.record',
        entity: 'incident',
        entityId: incident.id,
        before: null,
        after: incident,
      });
    });
    this.emit({ entity: 'incident', id: incident.id, action: 'record' });
    return incident;
  }

  listIndicatorReadings() {
    return repo.listIndicatorReadings(this.store.db);
  }

  async recordIndicator(input: ScenarioIndicatorReading, actor: Actor): Promise<IndicatorReading> {
    if (!isIsoDate(input.date))
      throw new InputError([
        { path: 'date', message: `"${input.date}" is not a calendar date (YYYY-MM-DD)` },
      ]);
    const reading: IndicatorReading = {
      date: input.date,
      indicator: input.indicator,
      level: input.level,
      note: input.note ?? null,
    };
    this.allow(actor, 'situation.record', OPERATION);
    await this.tx(async (trx) => {
      const before = await repo.upsertIndicatorReading(trx, reading);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'indicator.record',
        entity: 'indicator',
        entityId: `${reading.date}/${reading.indicator}`,
        before,
        after: reading,
      });
    });
    this.emit({ entity: 'indicator', id: `${reading.date}/${reading.indicator}`, action: 'record' });
    return reading;
  }

  listRestrictions() {
    return repo.listRestrictions(this.store.db);
  }

  async recordRestriction(input: ScenarioRestriction, actor: Actor): Promise<Restriction> {
    const problems: FieldProblem[] = [];
    if (!isIsoDate(input.from))
      problems.push({ path: 'from', message: `"${input.from}" is not a calendar date (YYYY-MM-DD)` });
    if (input.until !== undefined && !isIsoDate(input.until))
      problems.push({ path: 'until', message: `"${input.until}" is not a calendar date (YYYY-MM-DD)` });
    else if (input.until !== undefined && input.until < input.from)
      problems.push({ path: 'until', message: `${input.until} is before ${input.from}` });
    if (problems.length) throw new InputError(problems);
    const r: Restriction = {
      id: restrictionId(input.id),
      kind: input.kind,
      description: input.description,
      from: input.from,
      until: input.until ?? null,
    };
    this.allow(actor, 'situation.record', OPERATION);
    await this.tx(async (trx) => {
      if ((await repo.listRestrictions(trx)).some((x) => x.id === r.id))
        throw new ConflictError('duplicate-id', `Restriction "${r.id}" is already recorded.`);
      await repo.insertRestriction(trx, r);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'restriction.record',
        entity: 'restriction',
        entityId: r.id,
        before: null,
        after: r,
      });
    });
    this.emit({ entity: 'restriction', id: r.id, action: 'record' });
    return r;
  }

  /** Output reports of the sites the actor can see. */
  async listFacilityOutput(f: { site?: string }, actor: Actor) {
    const reports = await repo.listFacilityOutput(
      this.store.db,
      f.site !== undefined ? { site: siteId(f.site) } : {},
    );
    if (actor.scope === null) return reports;
    const { items } = await repo.listSites(this.store.db, { scope: actor.scope, limit: 1_000_000 });
    const seen = new Set<string>(items.map((x) => x.id));
    return reports.filter((r) => seen.has(r.siteId));
  }

  async recordFacilityOutput(input: ScenarioFacilityOutput, actor: Actor): Promise<FacilityOutputReport> {
    if (!isIsoDate(input.date))
      throw new InputError([
        { path: 'date', message: `"${input.date}" is not a calendar date (YYYY-MM-DD)` },
      ]);
    const report: FacilityOutputReport = {
      siteId: siteId(input.site),
      date: input.date,
      status: input.status,
      output: input.output ?? null,
      products: input.products ?? [],
      note: input.note ?? null,
    };
    await this.tx(async (trx) => {
      await this.siteFor(trx, report.siteId, actor, 'facility_output.record');
      const before = await repo.upsertFacilityOutput(trx, report);
      await repo.appendAudit(trx, {
        actor: actor.name,
        action: 'facility_output.record',
        entity: 'facility_output',
        entityId: `${report.siteId}/${report.date}`,
        before,
        after: report,
      });
    });
    this.emit({ entity: 'facility_output', id: `${report.siteId}/${report.date}`, action: 'record' });
    return report;
  }

  listAudit(f: { entity?: string; entityId?: string; limit?: number; afterSeq?: number }, actor: Actor) {
    this.allow(actor, 'audit.read', OPERATION);
    return repo.listAudit(this.store.db, f);
  }

  /** Whether a change event concerns a record the actor can see (live updates are filtered by it). */
  async canSeeChange(e: ChangeEvent, actor: Actor): Promise<boolean> {
    if (actor.scope === null) return true;
    const db = this.store.db;
    switch (e.entity) {
      case 'site': {
        const site = await repo.findSite(db, siteId(e.id));
        return site !== null && canSee(actor, await this.siteFacts(db, site));
      }
      case 'unit': {
        const u = await repo.findUnit(db, unitId(e.id));
        return u !== null && canSee(actor, { kind: 'unit', id: u.id, contingent: u.contingentId });
      }
      case 'contingent':
        return canSee(actor, { kind: 'contingent', id: e.id });
      case 'agency':
        return canSee(actor, { kind: 'agency', id: e.id });
      case 'facility_output': {
        const site = await repo.findSite(db, siteId(e.id.split('/')[0] ?? ''));
        return site !== null && canSee(actor, await this.siteFacts(db, site));
      }
      case 'incident': {
        const i = await repo.findIncident(db, incidentId(e.id));
        if (!i?.siteId) return true;
        const site = await repo.findSite(db, i.siteId);
        return site !== null && canSee(actor, await this.siteFacts(db, site));
      }
      default:
        return true;
    }
  }

  // ── summary ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A one-screen summary: sites by state, units still deployed, contingents withdrawn, and what happened in
   * the 24 hours up to `asOf` (a date in the operation's time zone; default today there).
   */
  async status(asOf: string | undefined, actor: Actor): Promise<OperationStatus> {
    const db = this.store.db;
    const day = await this.dayOf(asOf, 'as_of');
    const [operation, units, contingents, all, incidents] = await Promise.all([
      this.getOperation(),
      repo
        .listUnits(db)
        .then((all) =>
          all.filter((u) => canSee(actor, { kind: 'unit', id: u.id, contingent: u.contingentId })),
        ),
      repo
        .listContingents(db)
        .then((all) => all.filter((c) => canSee(actor, { kind: 'contingent', id: c.id }))),
      repo.listAllSites(db),
      repo.listIncidents(db, { limit: 1_000_000, scope: actor.scope }),
    ]);
    let sites = all;
    if (actor.scope !== null) {
      const contingentOf = new Map((await repo.listUnits(db)).map((u) => [u.id, u.contingentId]));
      sites = all.filter(({ site }) =>
        canSee(actor, {
          kind: 'site',
          id: site.id,
          unit: site.guardedBy,
          contingent: contingentOf.get(site.guardedBy) ?? '',
          agency: site.handover?.agencyId ?? null,
        }),
      );
    }
    const byState = { protected: 0, joint_guard: 0, transferred: 0 } as Record<SiteState, number>;
    for (const { site } of sites) byState[site.state] += 1;
    const inDay = (d: string | null | undefined) => d === day;
    return {
      operation: {
        name: operation.name,
        area: operation.area,
        start: operation.start,
        deadline: operation.deadline,
      },
      asOf: day,
      sites: { total: sites.length, byState },
      units: {
        total: units.length,
        deployed: units
          .filter((u) => u.state === 'deployed')
          .map((u) => ({ id: u.id, name: u.name, strength: u.strength })),
        strengthDeployed: units.filter((u) => u.state === 'deployed').reduce((s, u) => s + u.strength, 0),
      },
      contingents: contingents.map((c) => ({
        id: c.id,
        nation: c.nation,
        state: c.state,
        withdrawn: c.withdrawn,
      })),
      last24h: {
        takenUnderProtection: sites.filter((x) => inDay(x.site.protectedSince)).map((x) => x.site.id),
        jointGuardsStarted: sites
          .filter((x) => x.site.state !== 'protected' && inDay(x.site.handover?.start))
          .map((x) => x.site.id),
        transfersCompleted: sites.filter((x) => inDay(x.site.handover?.transfer)).map((x) => x.site.id),
        incidents: incidents.items
          .filter((i) => dateInZone(new Date(i.at), operation.timezone) === day)
          .map((i) => i.id),
      },
    };
  }
}

export interface OperationStatus {
  operation: { name: string; area: string; start: string; deadline: string | null };
  sites: { total: number; byState: Record<SiteState, number> };
  units: {
    total: number;
    deployed: { id: UnitId; name: string; strength: number }[];
    strengthDeployed: number;
  };
  contingents: { id: ContingentId; nation: string; state: string; withdrawn: string | null }[];
  asOf: string;
  /** Ids of what happened on the `asOf` day. */
  last24h: {
    takenUnderProtection: SiteId[];
    jointGuardsStarted: SiteId[];
    transfersCompleted: SiteId[];
    incidents: string[];
  };
}

/** What the audit log keeps of a signature. */
function signatureAudit(s: TransferSignature) {
  return {
    side: s.side,
    version: s.version,
    user: s.username,
    display_name: s.displayName,
    signed_at: s.signedAt,
    ...(s.imported ? { imported: true } : {}),
  };
}
