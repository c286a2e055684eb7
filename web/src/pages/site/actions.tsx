import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client.ts';
import type { Agency, Site, SiteAction } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';

/** A text field of a submitted form ('' when absent). */
function field(data: FormData, name: string): string {
  const v = data.get(name);
  return typeof v === 'string' ? v.trim() : '';
}

/** A field exactly as typed (a password keeps its spaces). */
function rawField(data: FormData, name: string): string {
  const v = data.get(name);
  return typeof v === 'string' ? v : '';
}

const path = (site: Site, action: string) => `/api/sites/${encodeURIComponent(site.id)}/${action}`;

interface ActionSpec {
  danger?: boolean;
  /** The inputs of the dialog, beside the explanation. */
  fields?: (site: Site, agencies: Agency[], today: string) => ReactNode;
  run: (site: Site, data: FormData) => Promise<unknown>;
}

const SPECS: Record<SiteAction, ActionSpec> = {
  plan_handover: {
    fields: (site, agencies, today) => <PlanFields site={site} agencies={agencies} today={today} />,
    run: (site, d) =>
      api.post<Site>(path(site, 'plan-handover'), {
        agency: field(d, 'agency'),
        start: field(d, 'start'),
        version: site.version,
      }),
  },
  start_joint_guard: {
    fields: (_site, _a, today) => <DateField name="on" today={today} />,
    run: (site, d) =>
      api.post<Site>(path(site, 'start-joint-guard'), {
        ...(field(d, 'on') ? { on: field(d, 'on') } : {}),
        version: site.version,
      }),
  },
  sign_outgoing: {
    fields: (_site, _a, today) => <SignFields today={today} />,
    run: (site, d) =>
      api.post<Site>(path(site, 'signatures'), {
        side: 'outgoing',
        version: site.version,
        password: rawField(d, 'password'),
        ...(field(d, 'on') ? { on: field(d, 'on') } : {}),
      }),
  },
  sign_receiving: {
    fields: (_site, _a, today) => <SignFields today={today} />,
    run: (site, d) =>
      api.post<Site>(path(site, 'signatures'), {
        side: 'receiving',
        version: site.version,
        password: rawField(d, 'password'),
        ...(field(d, 'on') ? { on: field(d, 'on') } : {}),
      }),
  },
  call_off: {
    danger: true,
    fields: () => <ReasonField />,
    run: (site, d) =>
      api.post<Site>(path(site, 'call-off-handover'), {
        version: site.version,
        ...(field(d, 'reason') ? { reason: field(d, 'reason') } : {}),
      }),
  },
  edit: {
    fields: (site) => <EditFields site={site} />,
    run: (site, d) =>
      api.patch<Site>(`/api/sites/${encodeURIComponent(site.id)}`, {
        version: site.version,
        guards: Number(field(d, 'guards')),
        post_orders: field(d, 'post_orders')
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      }),
  },
  record_output: {
    fields: (_site, _a, today) => <OutputFields today={today} />,
    run: (site, d) =>
      api.post(`/api/facility-output`, {
        site: site.id,
        date: field(d, 'date'),
        status: field(d, 'status'),
        ...(field(d, 'output') ? { output: Number(field(d, 'output')) } : {}),
        ...(field(d, 'note') ? { note: field(d, 'note') } : {}),
      }),
  },
};

/** The order actions are offered in: the lifecycle's order, then the rest. */
const ORDER: SiteAction[] = [
  'plan_handover',
  'start_joint_guard',
  'sign_outgoing',
  'sign_receiving',
  'call_off',
  'record_output',
  'edit',
];

/**
 * Exactly the actions the server says this user may take now (site.actions), each behind a confirmation.
 * A refusal is shown with the server's reason; a stale version offers to reload.
 */
export function SiteActions({
  site,
  agencies,
  today,
  onDone,
  onReload,
}: {
  site: Site;
  agencies: Agency[];
  today: string;
  onDone: (site: Site | null) => void;
  onReload: () => void;
}) {
  const { t } = useTranslation('site');
  const [open, setOpen] = useState<SiteAction | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [dialogError, setDialogError] = useState<unknown>(null);
  const [done, setDone] = useState<SiteAction | 'transferred' | null>(null);
  const actions = ORDER.filter((a) => site.actions?.includes(a));

  const confirm = async (action: SiteAction, data: FormData) => {
    setBusy(true);
    setDialogError(null);
    try {
      const result = await SPECS[action].run(site, data);
      setOpen(null);
      setError(null);
      const next = action === 'record_output' ? null : (result as Site);
      setDone(next?.state === 'transferred' && action.startsWith('sign_') ? 'transferred' : action);
      onDone(next);
    } catch (e) {
      // A wrong password is corrected in the dialog; anything else closes it and is explained on the page.
      if (e instanceof ApiError && (e.error === 'password_incorrect' || e.error === 'invalid_input'))
        setDialogError(e);
      else {
        setOpen(null);
        setError(e);
        setDone(null);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel site-actions" aria-labelledby="actions-title">
      <h2 id="actions-title">{t('actions.title')}</h2>
      {actions.length === 0 ? <p className="muted">{t('actions.none')}</p> : null}
      <div className="action-buttons">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={SPECS[a].danger ? 'danger' : 'primary'}
            data-action={a}
            onClick={() => {
              setDialogError(null);
              setDone(null);
              setOpen(a);
            }}
          >
            {t(`actions.${a}.button`)}
          </button>
        ))}
      </div>
      {done ? (
        <p className="note note-ok" role="status">
          {done === 'transferred' ? t('actions.transferred') : t(`actions.${done}.done`)}
        </p>
      ) : null}
      {error ? <ErrorNote error={error} onReload={onReload} /> : null}
      {open ? (
        <ConfirmDialog
          open
          title={t(`actions.${open}.title`, { site: site.name })}
          confirmLabel={t(`actions.${open}.confirm`)}
          danger={SPECS[open].danger ?? false}
          busy={busy}
          onCancel={() => setOpen(null)}
          onConfirm={(data) => void confirm(open, data)}
        >
          <p>{t(`actions.${open}.explain`, { site: site.name })}</p>
          {SPECS[open].fields?.(site, agencies, today)}
          {dialogError ? <ErrorNote error={dialogError} /> : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function DateField({ name, today, label }: { name: string; today: string; label?: string }) {
  const { t } = useTranslation('site');
  return (
    <label>
      {label ?? t('fields.on')}
      <input type="date" name={name} defaultValue={today} required />
    </label>
  );
}

function SignFields({ today }: { today: string }) {
  const { t } = useTranslation('site');
  return (
    <>
      <DateField name="on" today={today} label={t('fields.transferOn')} />
      <label>
        {t('fields.password')}
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          required
          data-testid="sign-password"
        />
      </label>
    </>
  );
}

function PlanFields({ site, agencies, today }: { site: Site; agencies: Agency[]; today: string }) {
  const { t } = useTranslation('site');
  const eligible = agencies.filter(
    (a) => a.max_criticality >= site.criticality && (!a.sectors?.length || a.sectors.includes(site.sector)),
  );
  return (
    <>
      <label>
        {t('fields.agency')}
        <select name="agency" required defaultValue={site.pinned?.agency ?? eligible[0]?.id ?? ''}>
          {eligible.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <DateField name="start" today={site.pinned?.start ?? today} label={t('fields.start')} />
    </>
  );
}

function ReasonField() {
  const { t } = useTranslation('site');
  return (
    <label>
      {t('fields.reason')}
      <textarea name="reason" rows={3} maxLength={2000} />
    </label>
  );
}

function EditFields({ site }: { site: Site }) {
  const { t } = useTranslation('site');
  return (
    <>
      <label>
        {t('fields.guards')}
        <input type="number" name="guards" min={1} max={100000} defaultValue={site.guards} required />
      </label>
      <label>
        {t('fields.postOrders')}
        <textarea name="post_orders" rows={5} defaultValue={(site.post_orders ?? []).join('\n')} />
      </label>
    </>
  );
}

function OutputFields({ today }: { today: string }) {
  const { t } = useTranslation('site');
  return (
    <>
      <DateField name="date" today={today} label={t('fields.date')} />
      <label>
        {t('fields.status')}
        <select name="status" defaultValue="operating">
          {(['operating', 'reduced', 'stopped'] as const).map((s) => (
            <option key={s} value={s}>
              {t(`facility.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('fields.output')}
        <input type="number" name="output" min={0} step="any" />
      </label>
      <label>
        {t('fields.note')}
        <textarea name="note" rows={2} maxLength={2000} />
      </label>
    </>
  );
}
