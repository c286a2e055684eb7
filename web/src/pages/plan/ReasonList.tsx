import { useTranslation } from 'react-i18next';
import { SITE_PARAMS } from '../../../../src/core/plan/reason-params.ts';
import { useFormat, type Formatters } from '../../i18n/format.ts';
import type { PlanDoc } from './types.ts';

type Reason = PlanDoc['reasons'][number];
type Param = NonNullable<Reason['params']>[string];

const WHOLE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A param as the sentence shows it: sites by name, ISO dates in the language's format, agencies as a list
 * ("A and B"), a cycle of sites with arrows, other lists with commas. Numbers stay numbers: the sentences
 * choose plural forms by them and format them.
 */
function shownParam(
  name: string,
  v: Param,
  f: Formatters,
  siteName: (id: string) => string,
): string | number {
  if (typeof v === 'number') return v;
  // Site names may hold commas and brackets: quoted, they read apart in a list.
  const site = (id: string) => (f.locale.startsWith('ru') ? `«${siteName(id)}»` : `“${siteName(id)}”`);
  if (typeof v === 'string') {
    if (SITE_PARAMS.has(name)) return site(v);
    return WHOLE_DATE.test(v) ? f.date(v) : v;
  }
  if (name === 'cycle') return v.map(site).join(' → ');
  if (name === 'agencies') return new Intl.ListFormat(f.locale, { type: 'conjunction' }).format(v);
  return (SITE_PARAMS.has(name) ? v.map(site) : v).join(', ');
}

/**
 * Why a plan is infeasible, or what binds it, in the user's language: each reason is said from its
 * `code` and `params`. A reason stored before reasons had codes, or with a code this app does not know,
 * is shown as the planner's English sentence, marked as English.
 */
export function ReasonList({
  reasons,
  siteName = (id) => id,
}: {
  reasons: readonly Reason[];
  siteName?: (id: string) => string;
}) {
  const { t, i18n } = useTranslation('plan');
  const f = useFormat();
  const said = reasons.map((r) => {
    if (!r.code || !r.params || !i18n.exists(`plan:reason.${r.code}`)) return null;
    const replace: Record<string, string | number> = {};
    for (const [name, v] of Object.entries(r.params)) replace[name] = shownParam(name, v, f, siteName);
    return t(`reason.${r.code}`, { replace });
  });
  return (
    <>
      <ul className="reasons" data-testid="plan-reasons">
        {reasons.map((r, i) => {
          const text = said[i];
          return (
            <li key={i} data-code={r.code}>
              <span className={`constraint c-${r.constraint}`}>
                {t(`constraint.${r.constraint}`, { defaultValue: r.constraint })}
              </span>{' '}
              {text ? <span>{text}</span> : <span lang="en">{r.message}</span>}
            </li>
          );
        })}
      </ul>
      {said.some((s) => s === null) ? <p className="muted small">{t('reasons.languageNote')}</p> : null}
    </>
  );
}
