import { useTranslation } from 'react-i18next';
import { query } from '../../api/client.ts';
import { useLiveRefetch } from '../../api/live.ts';
import { roleMay } from '../../api/policy.ts';
import { useSession } from '../../api/session.tsx';
import type { Unit } from '../../api/sites.ts';
import type { Agency, Site } from '../../api/types.ts';
import { useApi } from '../../api/useApi.ts';
import { useFormat } from '../../i18n/format.ts';

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
}

interface Event {
  key: string;
  /** A whole date or an instant. */
  when: string;
  /** Where it sorts, when not at `when` (the transfer follows the signatures that made it). */
  order?: string;
  text: string;
  who?: string;
}

const KNOWN = new Set([
  'site.take_under_protection',
  'site.plan_handover',
  'site.start_joint_guard',
  'site.sign_transfer',
  'site.transfer',
  'site.call_off',
  'site.update',
]);

/**
 * The site's handover so far. Roles that may read the audit log see every recorded step with who took it
 * and when; others see the steps the site itself records (dates and the current signatures).
 */
export function Timeline({
  site,
  units,
  agencies,
}: {
  site: Site;
  units: Map<string, Unit>;
  agencies: Map<string, Agency>;
}) {
  const { t } = useTranslation('site');
  const fmt = useFormat();
  const { role } = useSession();
  const audit = useApi<{ items: AuditEntry[] }>(
    roleMay(role, 'audit.read')
      ? `/api/audit${query({ entity: 'site', entity_id: site.id, limit: 200 })}`
      : null,
  );
  useLiveRefetch(audit.refetch, (c) => c.entity === 'site' && c.id === site.id);
  const agencyName = (id: string) => agencies.get(id)?.name ?? id;

  // The site's own dates (also what an import recorded), then, for roles that read the log, each recorded
  // step with who took it and when.
  const events: Event[] = [];
  if (site.protected_since)
    events.push({
      key: 'protected',
      when: site.protected_since,
      text: t('timeline.protected', {
        unit: site.guard?.unit_name ?? units.get(site.guarded_by)?.name ?? site.guarded_by,
      }),
    });
  const h = site.handover;
  if (h) {
    events.push({
      key: 'start',
      when: h.start,
      text:
        h.state === 'planned'
          ? t('timeline.planned', { agency: agencyName(h.agency) })
          : t('timeline.jointGuard', { agency: agencyName(h.agency) }),
    });
    if (h.transfer) {
      const lastSignature =
        (h.signatures ?? [])
          .map((x) => x.signed_at)
          .sort()
          .pop() ?? '';
      events.push({
        key: 'transfer',
        when: h.transfer,
        order: lastSignature > h.transfer ? `${lastSignature}~` : h.transfer,
        text: t('timeline.transferred'),
      });
    }
  }
  for (const e of audit.data?.items ?? [])
    if (e.action !== 'site.sign_transfer' && e.action !== 'site.transfer')
      // Signatures are listed from the site itself, with the signer's name.
      events.push({
        key: `a${e.seq}`,
        when: e.at,
        text: KNOWN.has(e.action) ? t(`timeline.audit.${e.action.slice(5)}`) : e.action,
        who: e.actor,
      });
  for (const s of site.handover?.signatures ?? [])
    events.push({
      key: `sig-${s.side}`,
      when: s.signed_at,
      text: t(`timeline.signed.${s.side}`),
      who: s.display_name,
    });
  events.sort((a, b) => (a.order ?? a.when).localeCompare(b.order ?? b.when));

  const signatures = site.handover?.signatures ?? [];
  const awaiting = site.state === 'joint_guard';

  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('timeline.title')}</h2>
      {awaiting ? (
        <ul className="signature-status" data-testid="signatures">
          {(['outgoing', 'receiving'] as const).map((side) => {
            const sig = signatures.find((s) => s.side === side);
            return (
              <li key={side} className={sig ? 'signed' : 'unsigned'}>
                <span aria-hidden="true">{sig ? '✓' : '○'}</span> {t(`timeline.side.${side}`)}:{' '}
                {sig ? t('timeline.signedBy', { name: sig.display_name }) : t('timeline.notSigned')}
              </li>
            );
          })}
        </ul>
      ) : null}
      {events.length ? (
        <ol className="timeline">
          {events.map((e) => (
            <li key={e.key}>
              <span className="timeline-when">
                {/^\d{4}-\d{2}-\d{2}$/.test(e.when) ? fmt.date(e.when) : fmt.dateTime(e.when)}
              </span>
              <span className="timeline-what">
                {e.text}
                {e.who ? <span className="muted"> — {e.who}</span> : null}
              </span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">{t('timeline.none')}</p>
      )}
    </section>
  );
}
