import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DatabaseKind } from './db.ts';

/**
 * One set of migrations for both engines. Where their SQL differs (auto-increment), the migration
 * asks which engine it runs on; everything else is the same statement.
 */
export function migrationProvider(kind: DatabaseKind): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_register': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('operation')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('area', 'text', (c) => c.notNull())
          .addColumn('start_date', 'text', (c) => c.notNull())
          .addColumn('deadline', 'text')
          .addColumn('timezone', 'text', (c) => c.notNull())
          .addColumn('languages', 'text', (c) => c.notNull())
          .addColumn('center_lat', 'double precision')
          .addColumn('center_lon', 'double precision')
          .addColumn('notes', 'text')
          .addColumn('force_name', 'text', (c) => c.notNull())
          .addColumn('max_handovers_per_day', 'integer')
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('contingents')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('nation', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('deployed', 'withdrawn')`))
          .addColumn('withdrawn', 'text')
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('units')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('contingent_id', 'text', (c) => c.notNull().references('contingents.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('strength', 'integer', (c) => c.notNull().check(sql`strength > 0`))
          .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('deployed', 'released')`))
          .addColumn('released', 'text')
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('units_contingent').on('units').column('contingent_id').execute();
        await db.schema
          .createTable('agencies')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('max_criticality', 'integer')
          .addColumn('sectors', 'text')
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('agency_capacity')
          .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
          .addColumn('from_date', 'text', (c) => c.notNull())
          .addColumn('guards', 'integer', (c) => c.notNull().check(sql`guards >= 0`))
          .addPrimaryKeyConstraint('agency_capacity_pk', ['agency_id', 'from_date'])
          .execute();
        await db.schema
          .createTable('sites')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('sector', 'text', (c) => c.notNull())
          .addColumn('criticality', 'integer', (c) => c.notNull().check(sql`criticality between 1 and 5`))
          .addColumn('district', 'text', (c) => c.notNull())
          .addColumn('lat', 'double precision')
          .addColumn('lon', 'double precision')
          .addColumn('guards', 'integer', (c) => c.notNull().check(sql`guards > 0`))
          .addColumn('guarded_by', 'text', (c) => c.notNull().references('units.id'))
          .addColumn('protected_since', 'text')
          .addColumn('overlap_days', 'integer')
          .addColumn('not_before', 'text')
          .addColumn('after_ids', 'text')
          .addColumn('pinned_agency', 'text', (c) => c.references('agencies.id'))
          .addColumn('pinned_start', 'text')
          .addColumn('operator', 'text')
          .addColumn('post_orders', 'text')
          .addColumn('essential_output', 'text')
          .addColumn('illustrative', 'text')
          .addColumn('state', 'text', (c) =>
            c.notNull().check(sql`state in ('protected', 'joint_guard', 'transferred')`),
          )
          .addColumn('handover_agency', 'text', (c) => c.references('agencies.id'))
          .addColumn('handover_state', 'text')
          .addColumn('handover_start', 'text')
          .addColumn('handover_transfer', 'text')
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          // The guarding-party invariant, held by the database too: a site in joint guard or transferred
          // always names its agency, and the handover's state matches the site's.
          .addCheckConstraint(
            'sites_guarding_party',
            sql`(state = 'protected' and (handover_state is null or handover_state = 'planned'))
             or (state = 'joint_guard' and handover_state = 'joint_guard' and handover_agency is not null)
             or (state = 'transferred' and handover_state = 'transferred' and handover_agency is not null and handover_transfer is not null)`,
          )
          .execute();
        for (const col of [
          'state',
          'district',
          'sector',
          'guarded_by',
          'handover_agency',
          'position',
        ] as const)
          await db.schema.createIndex(`sites_${col}`).on('sites').column(col).execute();
        await db.schema
          .createTable('incidents')
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('at_utc', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('severity', 'integer', (c) => c.notNull().check(sql`severity between 1 and 5`))
          .addColumn('site_id', 'text', (c) => c.references('sites.id'))
          .addColumn('district', 'text')
          .addColumn('lat', 'double precision')
          .addColumn('lon', 'double precision')
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('illustrative', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('incidents_at').on('incidents').columns(['at_utc', 'id']).execute();
        await db.schema.createIndex('incidents_site').on('incidents').column('site_id').execute();
        await db.schema
          .createTable('indicator_readings')
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('date', 'text', (c) => c.notNull())
          .addColumn('indicator', 'text', (c) => c.notNull())
          .addColumn('level', 'text', (c) => c.notNull())
          .addColumn('note', 'text')
          .addPrimaryKeyConstraint('indicator_readings_pk', ['date', 'indicator'])
          .execute();
        await db.schema
          .createTable('restrictions')
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('from_date', 'text', (c) => c.notNull())
          .addColumn('until_date', 'text')
          .execute();
        await db.schema
          .createTable('facility_output')
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
          .addColumn('date', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('output', 'double precision')
          .addColumn('products', 'text')
          .addColumn('note', 'text')
          .addPrimaryKeyConstraint('facility_output_pk', ['site_id', 'date'])
          .execute();
        // New records take max(position) + 1: an index makes that a lookup, not a scan.
        for (const t of ['incidents', 'indicator_readings', 'restrictions', 'facility_output'] as const)
          await db.schema.createIndex(`${t}_position`).on(t).column('position').execute();
        await db.schema
          .createTable('audit_log')
          .addColumn('seq', kind === 'postgres' ? 'serial' : 'integer', (c) =>
            kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('entity_id', 'text', (c) => c.notNull())
          .addColumn('before', 'text')
          .addColumn('after', 'text')
          .execute();
        await db.schema
          .createIndex('audit_entity')
          .on('audit_log')
          .columns(['entity', 'entity_id'])
          .execute();
        await db.schema.createIndex('audit_at').on('audit_log').column('at').execute();
      },
    },
    '0002_plans': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('plans')
          .addColumn('id', kind === 'postgres' ? 'serial' : 'integer', (c) =>
            kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('running', 'done', 'failed')`))
          .addColumn('progress', 'double precision', (c) => c.notNull().defaultTo(0))
          .addColumn('phase', 'text')
          .addColumn('heartbeat_at', 'text', (c) => c.notNull())
          .addColumn('request', 'text', (c) => c.notNull())
          .addColumn('status', 'text')
          .addColumn('withdrawal_date', 'text')
          .addColumn('result', 'text')
          .addColumn('error', 'text')
          .addColumn('finished_at', 'text')
          .addColumn('adopted_at', 'text')
          .addColumn('adopted_by', 'text')
          .execute();
      },
    },
    '0003_audit_chain': {
      // The audit log becomes tamper-evident (docs/adr/0003-tamper-evident-audit.md): every entry carries the
      // hash of the one before and its own; entries already written are chained in their order; then the
      // database itself refuses to change or remove any entry.
      async up(db: Kysely<unknown>) {
        const chain = await import('../core/audit/chain.ts');
        for (const col of ['prev_hash', 'hash'])
          await db.schema
            .alterTable('audit_log')
            .addColumn(col, 'text', (c) => c.notNull().defaultTo(''))
            .execute();
        const { rows } = await sql<{
          seq: number | string;
          at: string;
          actor: string;
          action: string;
          entity: string;
          entity_id: string;
          before: string | null;
          after: string | null;
        }>`select seq, at, actor, action, entity, entity_id, before, after from audit_log order by seq`.execute(
          db,
        );
        let prev = chain.AUDIT_GENESIS_HASH;
        for (const r of rows) {
          const hash = chain.hashAuditEntry({ ...r, seq: Number(r.seq), entityId: r.entity_id }, prev);
          await sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where seq = ${r.seq}`.execute(
            db,
          );
          prev = hash;
        }
        // No two entries chain to the same predecessor: a fork is refused even if appends did not take turns.
        await db.schema
          .createIndex('audit_log_prev_hash')
          .on('audit_log')
          .column('prev_hash')
          .unique()
          .execute();
        if (kind === 'postgres') {
          await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
            begin raise exception 'audit_log is append-only'; end $$`.execute(db);
          await sql`create trigger audit_log_append_only before update or delete on audit_log
            for each row execute function audit_log_append_only()`.execute(db);
          // TRUNCATE fires no row triggers.
          await sql`create trigger audit_log_no_truncate before truncate on audit_log
            for each statement execute function audit_log_append_only()`.execute(db);
        } else {
          await sql`create trigger audit_log_no_update before update on audit_log
            begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
          await sql`create trigger audit_log_no_delete before delete on audit_log
            begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
        }
      },
    },
    '0004_accounts': {
      // Accounts and sign-in (docs/adr/0005-accounts.md). Scopes name register records without a foreign
      // key, so replacing the operation does not fail on them; the service checks them when they are set.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull())
          // Lower case: one account per name whatever its case.
          .addColumn('username_key', 'text', (c) => c.notNull().unique())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('scope_kind', 'text')
          .addColumn('scope_id', 'text')
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addCheckConstraint(
            'users_role',
            sql`role in ('administrator', 'force_command', 'contingent_command', 'unit_commander', 'agency_liaison', 'facility_operator', 'observer')`,
          )
          .addCheckConstraint(
            'users_scope',
            sql`(scope_kind is null and scope_id is null) or (scope_kind in ('contingent', 'unit', 'agency', 'site') and scope_id is not null)`,
          )
          .execute();
        await db.schema
          .createTable('sessions')
          // SHA-256 of the session id: the cookie's value is never stored.
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('address', 'text')
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          .execute();
        await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
        await db.schema
          .createTable('sign_in_failures')
          // 'pair:<account>|<address>' or 'address:<address>': throttled per pair and per address, never per
          // account alone, so nobody can lock an account out from elsewhere.
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('last_failure_at', 'text', (c) => c.notNull())
          .addColumn('blocked_until', 'text')
          .execute();
      },
    },
    '0005_transfer_signatures': {
      // Two-party transfer of authority (core/handover/signatures.ts). One signature per site and side; a
      // new one replaces the old. No foreign key to sites: an import writes the attestation of an already
      // transferred site before the site itself, in the same transaction, so that the rule below can see it.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('transfer_signatures')
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('side', 'text', (c) => c.notNull().check(sql`side in ('outgoing', 'receiving')`))
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.references('users.id'))
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('signed_at', 'text', (c) => c.notNull())
          .addColumn('imported', 'integer', (c) =>
            c
              .notNull()
              .defaultTo(0)
              .check(sql`imported in (0, 1)`),
          )
          .addPrimaryKeyConstraint('transfer_signatures_pk', ['site_id', 'side'])
          .addCheckConstraint('transfer_signatures_signer', sql`imported = 1 or user_id is not null`)
          .execute();
        // The rule, held by the database: a site becomes transferred only from joint guard, with the same unit
        // and agency, when signatures of both sides exist for the version being left, given by two different
        // enabled accounts that may sign those sides (the outgoing: force command, the unit's contingent
        // command or the unit's commander; the receiving: the agency's liaison). A site inserted as
        // transferred (a scenario import) needs the same, or the import's attestation of both sides for the
        // version inserted. A site's version never goes back, so a void signature cannot become current again.
        const signed = (site: string, version: string, unit: string, agency: string) => sql`exists (
            select 1
            from transfer_signatures o
            join users uo on uo.id = o.user_id
            join transfer_signatures r on r.site_id = o.site_id and r.side = 'receiving'
              and r.version = o.version and r.imported = 0
            join users ur on ur.id = r.user_id
            where o.site_id = ${sql.raw(site)} and o.side = 'outgoing' and o.version = ${sql.raw(version)}
              and o.imported = 0 and o.user_id <> r.user_id
              and uo.disabled = 0 and ur.disabled = 0
              and ur.role = 'agency_liaison' and ur.scope_kind = 'agency' and ur.scope_id = ${sql.raw(agency)}
              and (uo.role = 'force_command'
                or (uo.role = 'unit_commander' and uo.scope_kind = 'unit' and uo.scope_id = ${sql.raw(unit)})
                or (uo.role = 'contingent_command' and uo.scope_kind = 'contingent'
                  and uo.scope_id = (select u.contingent_id from units u where u.id = ${sql.raw(unit)}))))`;
        const attested = (site: string, version: string) => sql`(
            select count(*) from transfer_signatures a
            where a.site_id = ${sql.raw(site)} and a.version = ${sql.raw(version)} and a.imported = 1) = 2`;
        const frozen = (site: string) =>
          sql`exists (select 1 from sites s where s.id = ${sql.raw(site)} and s.state = 'transferred')`;
        if (kind === 'postgres') {
          // The search path is fixed at creation, so the rule reads this schema's tables whoever connects.
          await sql`create function sites_transfer_needs_signatures() returns trigger language plpgsql
            set search_path from current as $$
            begin
              if tg_op = 'UPDATE' then
                if new.version < old.version then
                  raise exception 'site %: its version never goes back (% to %)', old.id, old.version, new.version;
                end if;
                if new.state <> 'transferred' or old.state = 'transferred' then return new; end if;
                if old.state = 'joint_guard' and new.guarded_by = old.guarded_by
                  and new.handover_agency = old.handover_agency
                  and ${signed('old.id', 'old.version', 'old.guarded_by', 'old.handover_agency')} then
                  return new;
                end if;
              else
                if new.state <> 'transferred' then return new; end if;
                if ${attested('new.id', 'new.version')}
                  or ${signed('new.id', 'new.version', 'new.guarded_by', 'new.handover_agency')} then
                  return new;
                end if;
              end if;
              raise exception 'site %: a transfer of authority needs the signatures of both sides, by two different people, for the version left', new.id;
            end $$`.execute(db);
          await sql`create trigger sites_transfer_needs_signatures before insert or update on sites
            for each row execute function sites_transfer_needs_signatures()`.execute(db);
          await sql`create function transfer_signatures_frozen() returns trigger language plpgsql
            set search_path from current as $$
            begin
              if tg_op <> 'INSERT' then
                if ${frozen('old.site_id')} then
                  raise exception 'the signatures of transferred site % are final', old.site_id;
                end if;
              end if;
              if tg_op = 'DELETE' then return old; end if;
              if ${frozen('new.site_id')} then
                raise exception 'the signatures of transferred site % are final', new.site_id;
              end if;
              return new;
            end $$`.execute(db);
          await sql`create trigger transfer_signatures_frozen before insert or update or delete on transfer_signatures
            for each row execute function transfer_signatures_frozen()`.execute(db);
        } else {
          await sql`create trigger sites_version_forward before update on sites
            when new.version < old.version
            begin select raise(abort, 'a site''s version never goes back'); end`.execute(db);
          await sql`create trigger sites_transfer_needs_signatures_update before update on sites
            when new.state = 'transferred' and old.state <> 'transferred'
            begin
              select raise(abort, 'a transfer of authority needs the signatures of both sides, by two different people, for the version left')
              where not (old.state = 'joint_guard' and new.guarded_by = old.guarded_by
                and new.handover_agency is old.handover_agency
                and ${signed('old.id', 'old.version', 'old.guarded_by', 'old.handover_agency')});
            end`.execute(db);
          await sql`create trigger sites_transfer_needs_signatures_insert before insert on sites
            when new.state = 'transferred'
            begin
              select raise(abort, 'a site inserted as transferred needs the signatures of both sides, or an import''s attestation')
              where not (${attested('new.id', 'new.version')}
                or ${signed('new.id', 'new.version', 'new.guarded_by', 'new.handover_agency')});
            end`.execute(db);
          for (const [op, row] of [
            ['insert', 'new'],
            ['update', 'old'],
            ['update', 'new'],
            ['delete', 'old'],
          ] as const)
            await sql`create trigger ${sql.raw(`transfer_signatures_frozen_${op}_${row}`)} before ${sql.raw(op)} on transfer_signatures
              when ${frozen(`${row}.site_id`)}
              begin select raise(abort, 'the signatures of a transferred site are final'); end`.execute(db);
        }
      },
    },
    '0006_site_search': {
      // The register's search (`q`: a case-insensitive part of a site's id or name) compared lower(name)
      // and lower(id) for every site of every search; on PostgreSQL that was most of a search's time. The
      // lower-case forms are kept beside the row (generated by the database, so they cannot drift), and
      // compared as they are. SQLite may only add a virtual column to a table: computed when read, as before.
      async up(db: Kysely<unknown>) {
        for (const col of ['name', 'id'] as const)
          await db.schema
            .alterTable('sites')
            .addColumn(`${col}_lower`, 'text', (c) => {
              const generated = c.generatedAlwaysAs(sql`lower(${sql.ref(col)})`);
              return kind === 'postgres' ? generated.stored() : generated;
            })
            .execute();
      },
    },
    '0007_plan_moves': {
      // A run made while a plan was adopted re-plans against it: it keeps which plan that was, the handovers
      // that move from it (JSON), and whether no plan as good moves fewer (0/1; null when none was adopted).
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('plans').addColumn('previous_plan_id', 'integer').execute();
        await db.schema.alterTable('plans').addColumn('changes', 'text').execute();
        await db.schema
          .alterTable('plans')
          .addColumn('fewest_moves_proven', 'integer', (c) => c.check(sql`fewest_moves_proven in (0, 1)`))
          .execute();
      },
    },
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
