import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeWhatIf, parseWhatIf, WhatIfError, type WhatIf } from '../../../../src/core/plan/what-if.ts';
import { useFormat } from '../../i18n/format.ts';
import type { AgencyRow, SiteRow } from './types.ts';

const KINDS = [
  'capacity',
  'deadline',
  'gate',
  'overlap',
  'throughput',
] as const satisfies readonly WhatIf['kind'][];
type Kind = (typeof KINDS)[number];

/**
 * The what-if changes the planner takes (POST /api/plans `what_if`), written with the server's own
 * grammar (src/core/plan/what-if.ts is shared, so what the form builds is what the server parses).
 */
export function parseChanges(texts: readonly string[]): WhatIf[] | null {
  try {
    return parseWhatIf(texts);
  } catch (e) {
    if (e instanceof WhatIfError) return null;
    throw e;
  }
}

/** A change in the user's language: "Police: +100 guards from 13 Jan 2022". */
export function useDescribeWhatIf(agencyName: (id: string) => string, siteName: (id: string) => string) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  return (c: WhatIf): string => {
    switch (c.kind) {
      case 'capacity':
        return t(c.mode === 'add' ? 'whatIf.describe.capacityAdd' : 'whatIf.describe.capacitySet', {
          agency: agencyName(c.agency),
          guards: c.mode === 'add' && c.guards >= 0 ? `+${f.number(c.guards)}` : f.number(c.guards),
          date: f.date(c.from),
        });
      case 'deadline':
        return c.date
          ? t('whatIf.describe.deadline', { date: f.date(c.date) })
          : t('whatIf.describe.noDeadline');
      case 'gate':
        return c.date
          ? t('whatIf.describe.gate', { site: siteName(c.site), date: f.date(c.date) })
          : t('whatIf.describe.noGate', { site: siteName(c.site) });
      case 'overlap':
        return c.site === 'all'
          ? t('whatIf.describe.overlapAll', { count: c.days })
          : t('whatIf.describe.overlap', { site: siteName(c.site), count: c.days });
      case 'throughput':
        return c.perDay === null
          ? t('whatIf.describe.noThroughput')
          : t('whatIf.describe.throughput', { count: c.perDay });
    }
  };
}

interface Props {
  agencies: AgencyRow[];
  sites: SiteRow[];
  defaultDate: string;
  changes: WhatIf[];
  onChange: (changes: WhatIf[]) => void;
  describe: (c: WhatIf) => string;
  disabled?: boolean;
}

export function WhatIfEditor({ agencies, sites, defaultDate, changes, onChange, describe, disabled }: Props) {
  const { t } = useTranslation('plan');
  const id = useId();
  const [kind, setKind] = useState<Kind>('capacity');
  const [agency, setAgency] = useState(agencies[0]?.id ?? '');
  const [mode, setMode] = useState<'add' | 'set'>('add');
  const [guards, setGuards] = useState('100');
  const [date, setDate] = useState(defaultDate);
  const [none, setNone] = useState(false);
  const [site, setSite] = useState(sites[0]?.id ?? '');
  const [days, setDays] = useState('1');
  const [perDay, setPerDay] = useState('6');
  const [error, setError] = useState<string | null>(null);

  const text = (): string => {
    switch (kind) {
      case 'capacity': {
        const n = guards.trim().replace(/^\+/, '');
        return `capacity ${agency} ${mode === 'add' && !n.startsWith('-') ? '+' : ''}${n} from ${date}`;
      }
      case 'deadline':
        return `deadline ${none ? 'none' : date}`;
      case 'gate':
        return `gate ${site} ${none ? 'none' : date}`;
      case 'overlap':
        return `overlap ${site} ${days.trim()}`;
      case 'throughput':
        return `throughput ${none ? 'none' : perDay.trim()}`;
    }
  };

  const add = (e: FormEvent) => {
    e.preventDefault();
    try {
      const parsed = parseWhatIf([text()]);
      setError(null);
      onChange([...changes, ...parsed]);
    } catch (err) {
      if (err instanceof WhatIfError) setError(t('whatIf.invalid'));
      else throw err;
    }
  };

  const field = (name: string) => `${id}-${name}`;
  return (
    <div className="whatif">
      <form className="whatif-form" onSubmit={add} aria-label={t('whatIf.formLabel')}>
        <div className="field">
          <label htmlFor={field('kind')}>{t('whatIf.kind')}</label>
          <select id={field('kind')} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`whatIf.kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        {kind === 'capacity' ? (
          <>
            <div className="field">
              <label htmlFor={field('agency')}>{t('col.agency')}</label>
              <select id={field('agency')} value={agency} onChange={(e) => setAgency(e.target.value)}>
                {agencies.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={field('mode')}>{t('whatIf.mode')}</label>
              <select
                id={field('mode')}
                value={mode}
                onChange={(e) => setMode(e.target.value as 'add' | 'set')}
              >
                <option value="add">{t('whatIf.modes.add')}</option>
                <option value="set">{t('whatIf.modes.set')}</option>
              </select>
            </div>
            <div className="field narrow">
              <label htmlFor={field('guards')}>{t('col.guards')}</label>
              <input
                id={field('guards')}
                inputMode="numeric"
                value={guards}
                onChange={(e) => setGuards(e.target.value)}
                required
              />
            </div>
          </>
        ) : null}
        {kind === 'gate' || kind === 'overlap' ? (
          <div className="field">
            <label htmlFor={field('site')}>{t('col.site')}</label>
            <select id={field('site')} value={site} onChange={(e) => setSite(e.target.value)}>
              {kind === 'overlap' ? <option value="all">{t('whatIf.allSites')}</option> : null}
              {sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {kind === 'overlap' ? (
          <div className="field narrow">
            <label htmlFor={field('days')}>{t('whatIf.overlapDays')}</label>
            <input
              id={field('days')}
              type="number"
              min={0}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          </div>
        ) : null}
        {kind === 'throughput' && !none ? (
          <div className="field narrow">
            <label htmlFor={field('perday')}>{t('whatIf.perDay')}</label>
            <input
              id={field('perday')}
              type="number"
              min={1}
              value={perDay}
              onChange={(e) => setPerDay(e.target.value)}
            />
          </div>
        ) : null}
        {kind === 'capacity' || ((kind === 'deadline' || kind === 'gate') && !none) ? (
          <div className="field">
            <label htmlFor={field('date')}>{kind === 'capacity' ? t('whatIf.from') : t('col.date')}</label>
            <input
              id={field('date')}
              type="date"
              value={date}
              onChange={(e) => setDate(e.target.value)}
              required
            />
          </div>
        ) : null}
        {kind === 'deadline' || kind === 'gate' || kind === 'throughput' ? (
          <div className="field check">
            <input
              id={field('none')}
              type="checkbox"
              checked={none}
              onChange={(e) => setNone(e.target.checked)}
            />
            <label htmlFor={field('none')}>{t(`whatIf.none.${kind}`)}</label>
          </div>
        ) : null}
        <button type="submit" className="button" disabled={disabled}>
          {t('whatIf.add')}
        </button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {changes.length ? (
        <ul className="whatif-list" aria-label={t('whatIf.listLabel')}>
          {changes.map((c, i) => (
            <li key={`${describeWhatIf(c)}-${i}`}>
              <span>{describe(c)}</span>
              <button
                type="button"
                className="button small"
                aria-label={t('whatIf.remove', { change: describe(c) })}
                disabled={disabled}
                onClick={() => onChange(changes.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('whatIf.empty')}</p>
      )}
    </div>
  );
}
