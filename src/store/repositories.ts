import { sql, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Scope } from '../core/auth/roles.ts';
import {
  agencyId,
  contingentId,
  incidentId,
  restrictionId,
  siteId,
  unitId,
  type AgencyId,
  type ContingentId,
  type SiteId,
  type UnitId,
} from '../core/ids.ts';
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
} from '../core/model.ts';
import type {
  ContingentState,
  FacilityStatus,
  HandoverState,
  IncidentKind,
  Indicator,
  IndicatorLevel,
  RestrictionKind,
  Sector,
  SiteState,
  UnitState,
} from '../core/vocabulary.ts';
import { MAX_CRITICALITY } from '../core/vocabulary.ts';
import type { Database, IncidentTable, SiteTable } from './schema.ts';
import { heldSignatureOfRow, type SignatureTables } from './signatures.ts';
import type { HeldSignature } from '../core/handover/signatures.ts';

/** A Kysely handle: the database or an open transaction (use cases pass their transaction down). */
export type Db = Kysely<Database>;

/** A write that named a version somebody else has since changed. */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
  constructor(
    readonly entity: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number | null,
  ) {
    super(
      actual === null
        ? `${entity} "${id}" no longer exists.`
        : `${entity} "${id}" was changed by someone else (you had version ${expected}, it is now ${actual}); reload and try again.`,
    );
  }
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
function parse<T>(s: string | null): T | null {
  return s === null ? null : (JSON.parse(s) as T);
}
const now = () => new Date().toISOString();

// ── operation ──────────────────────────────────────────────────────────────────────────────────────────────

export async function findOperation(db: Db): Promise<Operation | null> {
  const r = await db.selectFrom('operation').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!r) return null;
  return {
    name: r.name,
    area: r.area,
    start: r.start_date,
    deadline: r.deadline,
    timezone: r.timezone,
    languages: parse<string[]>(r.languages) ?? [],
    center: r.center_lat !== null && r.center_lon !== null ? { lat: r.center_lat, lon: r.center_lon } : null,
    notes: r.notes,
    forceName: r.force_name,
    maxHandoversPerDay: r.max_handovers_per_day,
  };
}

export async function insertOperation(db: Db, op: Operation): Promise<void> {
  await db
    .insertInto('operation')
    .values({
      id: 1,
      name: op.name,
      area: op.area,
      start_date: op.start,
      deadline: op.deadline,
      timezone: op.timezone,
      languages: JSON.stringify(op.languages),
      center_lat: op.center?.lat ?? null,
      center_lon: op.center?.lon ?? null,
      notes: op.notes,
      force_name: op.forceName,
      max_handovers_per_day: op.maxHandoversPerDay,
      version: 0,
    })
    .execute();
}

/** Empties every table of the operation (not the audit log, which is append-only). */
export async function clearOperation(db: Db): Promise<void> {
  for (const t of [
    'facility_output',
    'incidents',
    'indicator_readings',
    'restrictions',
    'sites',
    'agency_capacity',
    'agencies',
    'units',
    'contingents',
    'operation',
  ] as const)
    await db.deleteFrom(t).execute();
}

// ── force ──────────────────────────────────────────────────────────────────────────────────────────────────

export async function listContingents(db: Db): Promise<Contingent[]> {
  const rows = await db.selectFrom('contingents').selectAll().orderBy('position').execute();
  return rows.map((r) => ({
    id: contingentId(r.id),
    nation: r.nation,
    state: r.state as ContingentState,
    withdrawn: r.withdrawn,
    version: r.version,
  }));
}

export async function findContingent(db: Db, id: ContingentId): Promise<Contingent | null> {
  const r = await db.selectFrom('contingents').selectAll().where('id', '=', id).executeTakeFirst();
  return r
    ? {
        id: contingentId(r.id),
        nation: r.nation,
        state: r.state as ContingentState,
        withdrawn: r.withdrawn,
        version: r.version,
      }
    : null;
}

export async function insertContingent(db: Db, c: Contingent, position: number): Promise<void> {
  await db
    .insertInto('contingents')
    .values({
      id: c.id,
      position,
      nation: c.nation,
      state: c.state,
      withdrawn: c.withdrawn,
      version: c.version,
    })
    .execute();
}

export async function updateContingent(db: Db, c: Contingent, expected: number): Promise<Contingent> {
  const r = await db
    .updateTable('contingents')
    .set({ state: c.state, withdrawn: c.withdrawn, version: expected + 1 })
    .where('id', '=', c.id)
    .where('version', '=', expected)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw await stale(db, 'contingents', 'Contingent', c.id, expected);
  return { ...c, version: expected + 1 };
}

function unitRowToUnit(r: Database['units']): Unit {
  return {
    id: unitId(r.id),
    contingentId: contingentId(r.contingent_id),
    name: r.name,
    strength: r.strength,
    state: r.state as UnitState,
    released: r.released,
    version: r.version,
  };
}

export async function listUnits(db: Db, filter: { contingent?: ContingentId } = {}): Promise<Unit[]> {
  let q = db.selectFrom('units').selectAll().orderBy('position');
  if (filter.contingent) q = q.where('contingent_id', '=', filter.contingent);
  return (await q.execute()).map(unitRowToUnit);
}

/** Every unit of the force with its contingent's nation, in one query (for describing many sites at once). */
export async function listUnitsWithNations(db: Db): Promise<{ unit: Unit; nation: string }[]> {
  // Written as SQL rather than built: every page of sites asks.
  const { rows } = await sql<Database['units'] & { contingent_nation: string }>`select units.*,
      contingents.nation as contingent_nation
    from units join contingents on contingents.id = units.contingent_id
    order by units.position`.execute(db);
  return rows.map((r) => ({ unit: unitRowToUnit(r), nation: r.contingent_nation }));
}

export async function findUnit(db: Db, id: UnitId): Promise<Unit | null> {
  const r = await db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? unitRowToUnit(r) : null;
}

export async function insertUnit(db: Db, u: Unit, position: number): Promise<void> {
  await db
    .insertInto('units')
    .values({
      id: u.id,
      position,
      contingent_id: u.contingentId,
      name: u.name,
      strength: u.strength,
      state: u.state,
      released: u.released,
      version: u.version,
    })
    .execute();
}

export async function updateUnit(db: Db, u: Unit, expected: number): Promise<Unit> {
  const r = await db
    .updateTable('units')
    .set({ state: u.state, released: u.released, name: u.name, strength: u.strength, version: expected + 1 })
    .where('id', '=', u.id)
    .where('version', '=', expected)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw await stale(db, 'units', 'Unit', u.id, expected);
  return { ...u, version: expected + 1 };
}

// ── agencies ───────────────────────────────────────────────────────────────────────────────────────────────

export async function listAgencies(db: Db): Promise<Agency[]> {
  const rows = await db.selectFrom('agencies').selectAll().orderBy('position').execute();
  const steps = await db.selectFrom('agency_capacity').selectAll().orderBy('from_date').execute();
  return rows.map((r) => ({
    id: agencyId(r.id),
    name: r.name,
    maxCriticality: r.max_criticality ?? MAX_CRITICALITY,
    sectors: parse<Sector[]>(r.sectors),
    capacity: steps.filter((s) => s.agency_id === r.id).map((s) => ({ from: s.from_date, guards: s.guards })),
    version: r.version,
  }));
}

/** Reads an agency; inside a PostgreSQL transaction, `lock` holds its row so capacity checks cannot race. */
export async function findAgency(db: Db, id: AgencyId, lock = false): Promise<Agency | null> {
  let q = db.selectFrom('agencies').selectAll().where('id', '=', id);
  if (lock && isPostgres(db)) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) return null;
  const steps = await db
    .selectFrom('agency_capacity')
    .selectAll()
    .where('agency_id', '=', id)
    .orderBy('from_date')
    .execute();
  return {
    id: agencyId(r.id),
    name: r.name,
    maxCriticality: r.max_criticality ?? MAX_CRITICALITY,
    sectors: parse<Sector[]>(r.sectors),
    capacity: steps.map((s) => ({ from: s.from_date, guards: s.guards })),
    version: r.version,
  };
}

/** Stores an agency; `maxCriticality` null means the default (every criticality), kept apart for export. */
export async function insertAgency(
  db: Db,
  a: Agency,
  position: number,
  maxCriticalityGiven: boolean,
): Promise<void> {
  await db
    .insertInto('agencies')
    .values({
      id: a.id,
      position,
      name: a.name,
      max_criticality: maxCriticalityGiven ? a.maxCriticality : null,
      sectors: json(a.sectors),
      version: a.version,
    })
    .execute();
  await replaceCapacity(db, a.id, a.capacity);
}

export async function replaceCapacity(db: Db, id: AgencyId, capacity: Agency['capacity']): Promise<void> {
  await db.deleteFrom('agency_capacity').where('agency_id', '=', id).execute();
  if (capacity.length)
    await db
      .insertInto('agency_capacity')
      .values(capacity.map((s) => ({ agency_id: id, from_date: s.from, guards: s.guards })))
      .execute();
}

export async function bumpAgency(db: Db, id: AgencyId, expected: number): Promise<number> {
  const r = await db
    .updateTable('agencies')
    .set({ version: expected + 1 })
    .where('id', '=', id)
    .where('version', '=', expected)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw await stale(db, 'agencies', 'Agency', id, expected);
  return expected + 1;
}

export async function agencyMaxCriticalityGiven(db: Db): Promise<Map<string, boolean>> {
  const rows = await db.selectFrom('agencies').select(['id', 'max_criticality']).execute();
  return new Map(rows.map((r) => [r.id, r.max_criticality !== null]));
}

/** Guards an agency has committed: sites in joint guard with it or transferred to it. */
export async function committedGuards(db: Db, agency: AgencyId): Promise<number> {
  const r = await db
    .selectFrom('sites')
    .select((eb) => eb.fn.sum<number | string | null>('guards').as('total'))
    .where('handover_agency', '=', agency)
    .where('state', 'in', ['joint_guard', 'transferred'])
    .executeTakeFirst();
  return Number(r?.total ?? 0);
}

// ── sites ──────────────────────────────────────────────────────────────────────────────────────────────────

export function siteRowToSite(r: SiteTable): Site {
  return {
    id: siteId(r.id),
    name: r.name,
    sector: r.sector as Sector,
    criticality: r.criticality,
    district: r.district,
    location: r.lat !== null && r.lon !== null ? { lat: r.lat, lon: r.lon } : null,
    guards: r.guards,
    guardedBy: unitId(r.guarded_by),
    protectedSince: r.protected_since,
    overlapDays: r.overlap_days ?? 1,
    notBefore: r.not_before,
    after: (parse<string[]>(r.after_ids) ?? []).map(siteId),
    pinned:
      r.pinned_agency !== null || r.pinned_start !== null
        ? {
            ...(r.pinned_agency !== null ? { agency: agencyId(r.pinned_agency) } : {}),
            ...(r.pinned_start !== null ? { start: r.pinned_start } : {}),
          }
        : null,
    operator: parse(r.operator),
    postOrders: parse<string[]>(r.post_orders) ?? [],
    essentialOutput: parse(r.essential_output),
    illustrative: parse<string[]>(r.illustrative) ?? [],
    state: r.state as SiteState,
    handover:
      r.handover_agency !== null && r.handover_state !== null && r.handover_start !== null
        ? {
            agencyId: agencyId(r.handover_agency),
            state: r.handover_state as HandoverState,
            start: r.handover_start,
            transfer: r.handover_transfer,
          }
        : null,
    version: r.version,
  };
}

/** Columns of a site; `overlapDaysGiven` keeps "not given" (default 1) apart from an explicit 1 for export. */
function siteToRow(s: Site, position: number, overlapDaysGiven: boolean): SiteTable {
  return {
    id: s.id,
    position,
    name: s.name,
    sector: s.sector,
    criticality: s.criticality,
    district: s.district,
    lat: s.location?.lat ?? null,
    lon: s.location?.lon ?? null,
    guards: s.guards,
    guarded_by: s.guardedBy,
    protected_since: s.protectedSince,
    overlap_days: overlapDaysGiven ? s.overlapDays : null,
    not_before: s.notBefore,
    after_ids: s.after.length ? json(s.after) : null,
    pinned_agency: s.pinned?.agency ?? null,
    pinned_start: s.pinned?.start ?? null,
    operator: json(s.operator),
    post_orders: s.postOrders.length ? json(s.postOrders) : null,
    essential_output: json(s.essentialOutput),
    illustrative: s.illustrative.length ? json(s.illustrative) : null,
    state: s.state,
    handover_agency: s.handover?.agencyId ?? null,
    handover_state: s.handover?.state ?? null,
    handover_start: s.handover?.start ?? null,
    handover_transfer: s.handover?.transfer ?? null,
    version: s.version,
    updated_at: now(),
  };
}

export async function insertSites(
  db: Db,
  sites: { site: Site; overlapDaysGiven: boolean }[],
  firstPosition: number,
) {
  const rows = sites.map((x, i) => siteToRow(x.site, firstPosition + i, x.overlapDaysGiven));
  // Chunked: SQLite allows at most 32,766 bound parameters per statement.
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('sites')
      .values(rows.slice(i, i + 500))
      .execute();
}

export async function nextSitePosition(db: Db): Promise<number> {
  const r = await db
    .selectFrom('sites')
    .select((eb) => eb.fn.max<number | null>('position').as('p'))
    .executeTakeFirst();
  return Number(r?.p ?? -1) + 1;
}

export async function findSite(db: Db, id: SiteId): Promise<Site | null> {
  // Written as SQL rather than built: every write to a site, and every incident at one, starts here.
  const { rows } = await sql<SiteTable>`select * from sites where id = ${id}`.execute(db);
  const r = rows[0];
  return r ? siteRowToSite(r) : null;
}

export async function findSites(db: Db, ids: readonly SiteId[]): Promise<Site[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('sites').selectAll().where('id', 'in', ids).execute()).map(siteRowToSite);
}

export async function overlapDaysGiven(db: Db, id: SiteId): Promise<boolean> {
  const r = await db.selectFrom('sites').select('overlap_days').where('id', '=', id).executeTakeFirst();
  return r?.overlap_days !== null && r?.overlap_days !== undefined;
}

/** Writes the lifecycle and register fields of a site if it still has the version the caller read. */
export async function updateSite(db: Db, s: Site, expected: number): Promise<Site> {
  const given = await overlapDaysGiven(db, s.id);
  const { id: _id, position: _p, ...row } = siteToRow(s, 0, given || s.overlapDays !== 1);
  const r = await db
    .updateTable('sites')
    .set({ ...row, version: expected + 1 })
    .where('id', '=', s.id)
    .where('version', '=', expected)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw await stale(db, 'sites', 'Site', s.id, expected);
  return { ...s, version: expected + 1 };
}

export interface SiteFilter {
  state?: SiteState;
  district?: string;
  sector?: Sector;
  contingent?: ContingentId;
  unit?: UnitId;
  agency?: AgencyId;
  /** Case-insensitive match on id or name. */
  q?: string;
  /** Only the sites this scope reaches (the reader's), on top of the other filters. */
  scope?: Scope | null;
  limit?: number;
  offset?: number;
}

/**
 * The sites a scope reaches, as a condition on the sites table — the SQL form of the policy's `visible`
 * (src/core/auth/policy.ts), so that lists and counts leave out-of-scope sites out.
 */
export function siteInScope(eb: ExpressionBuilder<Database, 'sites'>, scope: Scope) {
  switch (scope.kind) {
    case 'contingent':
      return eb(
        'sites.guarded_by',
        'in',
        eb.selectFrom('units').select('units.id').where('units.contingent_id', '=', scope.id),
      );
    case 'unit':
      return eb('sites.guarded_by', '=', scope.id);
    case 'agency':
      return eb('sites.handover_agency', '=', scope.id);
    case 'site':
      return eb('sites.id', '=', scope.id);
  }
}

/** The sites a filter selects, as a query to select from. */
function filteredSites(db: Db, f: SiteFilter) {
  let q = db.selectFrom('sites');
  if (f.state) q = q.where('sites.state', '=', f.state);
  if (f.district) q = q.where('sites.district', '=', f.district);
  if (f.sector) q = q.where('sites.sector', '=', f.sector);
  if (f.unit) q = q.where('sites.guarded_by', '=', f.unit);
  if (f.agency) q = q.where('sites.handover_agency', '=', f.agency);
  if (f.contingent) {
    const c = f.contingent;
    q = q.where('sites.guarded_by', 'in', (eb) =>
      eb.selectFrom('units').select('units.id').where('units.contingent_id', '=', c),
    );
  }
  if (f.scope) {
    const scope = f.scope;
    q = q.where((eb) => siteInScope(eb, scope));
  }
  if (f.q) {
    const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (m) => '\\' + m)}%`;
    // The escape character named: PostgreSQL defaults to the backslash, SQLite has none unless told.
    q = q.where((eb) =>
      eb.or([
        sql<SqlBool>`${sql.ref('sites.name_lower')} like ${pattern} escape '\\'`,
        sql<SqlBool>`${sql.ref('sites.id_lower')} like ${pattern} escape '\\'`,
      ]),
    );
  }
  return q;
}

/**
 * One page of the filtered sites, and the count of all of them. The count is a statement of its own, run
 * beside the page (at the same time on PostgreSQL, on another connection): carried in the page's statement
 * as a subquery it took longer on PostgreSQL than apart (measured: 1.3-2 ms more for 10,000 sites, against
 * 0.5 ms alone).
 */
function sitePage(db: Db, f: SiteFilter) {
  const q = filteredSites(db, f);
  return {
    page: q
      .selectAll('sites')
      .orderBy('sites.position')
      .limit(f.limit ?? 100)
      .offset(f.offset ?? 0),
    count: async () =>
      Number((await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n),
  };
}

export async function listSites(db: Db, f: SiteFilter): Promise<{ items: Site[]; total: number }> {
  const { page, count } = sitePage(db, f);
  const [rows, total] = await Promise.all([page.execute(), count()]);
  return { items: rows.map(siteRowToSite), total };
}

/** A site of a page with what is shown beside it. */
export interface SitePageEntry {
  site: Site;
  /** Its guarding unit's name, that unit's contingent and the contingent's nation; null if there is no unit. */
  guard: { unitName: string; contingentId: ContingentId; nation: string } | null;
  /** Its transfer signatures with their signers as they are now; none is read for a protected site. */
  held: HeldSignature[];
}

/**
 * A page of sites as the API lists it, in one statement beside its count: each site with its guarding unit
 * and contingent, and (but for protected sites) its signatures with their signers. On PostgreSQL every
 * statement is a round trip that wakes the server; a page took five of them one after the other, now two
 * at once.
 */
export async function listSitePage(
  db: Db,
  f: SiteFilter,
): Promise<{ items: SitePageEntry[]; total: number }> {
  const { page, count } = sitePage(db, f);
  const described = db
    .withTables<SignatureTables>()
    .selectFrom(page.as('p'))
    .leftJoin('units as u', 'u.id', 'p.guarded_by')
    .leftJoin('contingents as c', 'c.id', 'u.contingent_id')
    .leftJoin('transfer_signatures as s', (join) =>
      join.onRef('s.site_id', '=', 'p.id').on('p.state', '<>', 'protected'),
    )
    .leftJoin('users as su', 'su.id', 's.user_id')
    .selectAll('p')
    .select([
      'u.name as guard_unit_name',
      'u.contingent_id as guard_contingent',
      'c.nation as guard_nation',
      's.side as s_side',
      's.version as s_version',
      's.user_id as s_user_id',
      's.username as s_username',
      's.display_name as s_display_name',
      's.signed_at as s_signed_at',
      's.imported as s_imported',
      'su.id as s_account_id',
      'su.role as s_role',
      'su.scope_kind as s_scope_kind',
      'su.scope_id as s_scope_id',
      'su.disabled as s_disabled',
    ])
    .orderBy('p.position')
    .orderBy('s.side');
  const [rows, total] = await Promise.all([described.execute(), count()]);
  // A site with signatures comes once per signature, one after the other.
  const items: SitePageEntry[] = [];
  for (const r of rows) {
    let entry = items.at(-1);
    if (entry?.site.id !== r.id) {
      entry = {
        site: siteRowToSite(r),
        guard:
          r.guard_unit_name !== null && r.guard_contingent !== null
            ? {
                unitName: r.guard_unit_name,
                contingentId: contingentId(r.guard_contingent),
                nation: r.guard_nation ?? '',
              }
            : null,
        held: [],
      };
      items.push(entry);
    }
    if (
      r.s_side !== null &&
      r.s_version !== null &&
      r.s_username !== null &&
      r.s_display_name !== null &&
      r.s_signed_at !== null &&
      r.s_imported !== null
    )
      entry.held.push(
        heldSignatureOfRow({
          side: r.s_side,
          version: r.s_version,
          user_id: r.s_user_id,
          username: r.s_username,
          display_name: r.s_display_name,
          signed_at: r.s_signed_at,
          imported: r.s_imported,
          account_id: r.s_account_id,
          role: r.s_role,
          scope_kind: r.s_scope_kind,
          scope_id: r.s_scope_id,
          disabled: r.s_disabled,
        }),
      );
  }
  return { items, total };
}

export async function listAllSites(db: Db): Promise<{ site: Site; overlapDaysGiven: boolean }[]> {
  const rows = await db.selectFrom('sites').selectAll().orderBy('position').execute();
  return rows.map((r) => ({ site: siteRowToSite(r), overlapDaysGiven: r.overlap_days !== null }));
}

export async function sitesOfUnit(db: Db, unit: UnitId): Promise<Site[]> {
  return (await db.selectFrom('sites').selectAll().where('guarded_by', '=', unit).execute()).map(
    siteRowToSite,
  );
}

// ── incidents, indicators, restrictions, output ───────────────────────────────────────────────────────────

function incidentRowToIncident(r: IncidentTable): Incident {
  return {
    id: incidentId(r.id),
    at: r.at,
    kind: r.kind as IncidentKind,
    severity: r.severity,
    siteId: r.site_id === null ? null : siteId(r.site_id),
    district: r.district,
    location: r.lat !== null && r.lon !== null ? { lat: r.lat, lon: r.lon } : null,
    description: r.description,
    illustrative: r.illustrative === 1,
  };
}

async function nextPosition(
  db: Db,
  table: 'incidents' | 'indicator_readings' | 'restrictions' | 'facility_output',
) {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.max<number | null>('position').as('p'))
    .executeTakeFirst();
  return Number(r?.p ?? -1) + 1;
}

const incidentToRow = (i: Incident, position: number): IncidentTable => ({
  position,
  id: i.id,
  at: i.at,
  at_utc: new Date(i.at).toISOString(),
  kind: i.kind,
  severity: i.severity,
  site_id: i.siteId,
  district: i.district,
  lat: i.location?.lat ?? null,
  lon: i.location?.lon ?? null,
  description: i.description,
  illustrative: i.illustrative ? 1 : 0,
});

export async function insertIncidents(db: Db, incidents: readonly Incident[]): Promise<void> {
  const first = await nextPosition(db, 'incidents');
  const rows = incidents.map((i, k) => incidentToRow(i, first + k));
  for (let k = 0; k < rows.length; k += 500)
    await db
      .insertInto('incidents')
      .values(rows.slice(k, k + 500))
      .execute();
}

/**
 * Inserts one incident after the last, in one statement: the position is read by the insert itself (its
 * transaction holds the audit chain's turn, so no other writer takes the same position meanwhile). An id
 * already recorded fails the primary key (see isUniqueViolation). Written as SQL rather than built: it runs
 * in every incident report, and building an insert of twelve values cost more than running it.
 */
export async function insertIncident(db: Db, incident: Incident): Promise<void> {
  const r = incidentToRow(incident, 0);
  await sql`insert into incidents
      (position, id, at, at_utc, kind, severity, site_id, district, lat, lon, description, illustrative)
    values ((select coalesce(max(position), -1) + 1 from incidents), ${r.id}, ${r.at}, ${r.at_utc}, ${r.kind},
      ${r.severity}, ${r.site_id}, ${r.district}, ${r.lat}, ${r.lon}, ${r.description}, ${r.illustrative})`.execute(
    db,
  );
}

export async function findIncident(db: Db, id: string): Promise<Incident | null> {
  const r = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? incidentRowToIncident(r) : null;
}

export async function listIncidents(
  db: Db,
  f: {
    site?: SiteId;
    since?: string;
    limit?: number;
    offset?: number;
    inEntryOrder?: boolean;
    /** Only incidents not tied to a site, or at a site this scope reaches. */
    scope?: Scope | null;
  } = {},
): Promise<{ items: Incident[]; total: number }> {
  let q = db.selectFrom('incidents');
  if (f.site) q = q.where('site_id', '=', f.site);
  if (f.scope) {
    const scope = f.scope;
    q = q.where((eb) =>
      eb.or([
        eb('incidents.site_id', 'is', null),
        eb(
          'incidents.site_id',
          'in',
          eb
            .selectFrom('sites')
            .select('sites.id')
            .where((e) => siteInScope(e, scope)),
        ),
      ]),
    );
  }
  if (f.since) q = q.where('at_utc', '>=', new Date(f.since).toISOString());
  const [count, rows] = await Promise.all([
    q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    (f.inEntryOrder ? q.selectAll().orderBy('position') : q.selectAll().orderBy('at_utc').orderBy('id'))
      .limit(f.limit ?? 1000)
      .offset(f.offset ?? 0)
      .execute(),
  ]);
  return { items: rows.map(incidentRowToIncident), total: Number(count.n) };
}

/** Records a day's reading, replacing that day's earlier one; returns the one replaced, if any. */
export async function upsertIndicatorReading(db: Db, r: IndicatorReading): Promise<IndicatorReading | null> {
  const before = await db
    .selectFrom('indicator_readings')
    .selectAll()
    .where('date', '=', r.date)
    .where('indicator', '=', r.indicator)
    .executeTakeFirst();
  await db
    .insertInto('indicator_readings')
    .values({ ...r, position: await nextPosition(db, 'indicator_readings') })
    .onConflict((oc) => oc.columns(['date', 'indicator']).doUpdateSet({ level: r.level, note: r.note }))
    .execute();
  return before
    ? {
        date: before.date,
        indicator: before.indicator as Indicator,
        level: before.level as IndicatorLevel,
        note: before.note,
      }
    : null;
}

export async function listIndicatorReadings(db: Db): Promise<IndicatorReading[]> {
  const rows = await db.selectFrom('indicator_readings').selectAll().orderBy('position').execute();
  return rows.map((r) => ({
    date: r.date,
    indicator: r.indicator as Indicator,
    level: r.level as IndicatorLevel,
    note: r.note,
  }));
}

export async function insertRestriction(db: Db, r: Restriction): Promise<void> {
  await db
    .insertInto('restrictions')
    .values({
      id: r.id,
      position: await nextPosition(db, 'restrictions'),
      kind: r.kind,
      description: r.description,
      from_date: r.from,
      until_date: r.until,
    })
    .execute();
}

export async function listRestrictions(db: Db): Promise<Restriction[]> {
  const rows = await db.selectFrom('restrictions').selectAll().orderBy('position').execute();
  return rows.map((r) => ({
    id: restrictionId(r.id),
    kind: r.kind as RestrictionKind,
    description: r.description,
    from: r.from_date,
    until: r.until_date,
  }));
}

/** Records a facility's day, replacing that day's earlier report; returns the one replaced, if any. */
export async function upsertFacilityOutput(
  db: Db,
  r: FacilityOutputReport,
): Promise<FacilityOutputReport | null> {
  const before = await db
    .selectFrom('facility_output')
    .selectAll()
    .where('site_id', '=', r.siteId)
    .where('date', '=', r.date)
    .executeTakeFirst();
  const row = {
    status: r.status,
    output: r.output,
    products: r.products.length ? json(r.products) : null,
    note: r.note,
  };
  await db
    .insertInto('facility_output')
    .values({ site_id: r.siteId, date: r.date, position: await nextPosition(db, 'facility_output'), ...row })
    .onConflict((oc) => oc.columns(['site_id', 'date']).doUpdateSet(row))
    .execute();
  return before ? outputRowToReport(before) : null;
}

function outputRowToReport(r: Database['facility_output']): FacilityOutputReport {
  return {
    siteId: siteId(r.site_id),
    date: r.date,
    status: r.status as FacilityStatus,
    output: r.output,
    products: parse<string[]>(r.products) ?? [],
    note: r.note,
  };
}

export async function listFacilityOutput(db: Db, f: { site?: SiteId } = {}): Promise<FacilityOutputReport[]> {
  let q = db.selectFrom('facility_output').selectAll();
  if (f.site) q = q.where('site_id', '=', f.site);
  return (await q.orderBy('position').execute()).map(outputRowToReport);
}

// ── audit ──────────────────────────────────────────────────────────────────────────────────────────────────

// The hash-chained audit log lives in audit.ts; re-exported so callers keep one import for the store.
export { appendAudit, listAudit, type AuditEntry } from './audit.ts';

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────────

async function stale(
  db: Db,
  table: 'sites' | 'units' | 'contingents' | 'agencies',
  entity: string,
  id: string,
  expected: number,
): Promise<StaleVersionError> {
  const r = await db.selectFrom(table).select('version').where('id', '=', id).executeTakeFirst();
  return new StaleVersionError(entity, id, expected, r ? r.version : null);
}

function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter';
}

/** Bulk inserts for an import into an empty operation (positions follow the given order). */
export async function insertReadingsAndReports(
  db: Db,
  r: {
    indicators: readonly IndicatorReading[];
    restrictions: readonly Restriction[];
    facilityOutput: readonly FacilityOutputReport[];
  },
): Promise<void> {
  const chunks = <T>(rows: T[]) =>
    Array.from({ length: Math.ceil(rows.length / 500) }, (_, k) => rows.slice(k * 500, k * 500 + 500));
  for (const c of chunks(r.indicators.map((x, i) => ({ ...x, position: i }))))
    await db.insertInto('indicator_readings').values(c).execute();
  for (const c of chunks(
    r.restrictions.map((x, i) => ({
      id: x.id,
      position: i,
      kind: x.kind,
      description: x.description,
      from_date: x.from,
      until_date: x.until,
    })),
  ))
    await db.insertInto('restrictions').values(c).execute();
  for (const c of chunks(
    r.facilityOutput.map((x, i) => ({
      site_id: x.siteId,
      date: x.date,
      position: i,
      status: x.status,
      output: x.output,
      products: x.products.length ? json(x.products) : null,
      note: x.note,
    })),
  ))
    await db.insertInto('facility_output').values(c).execute();
}

/** Handovers whose joint guard started on a date (for the daily throughput rule). */
export async function countHandoversStartedOn(db: Db, date: string): Promise<number> {
  const r = await db
    .selectFrom('sites')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('handover_start', '=', date)
    .where('state', 'in', ['joint_guard', 'transferred'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
