import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useFormat } from '../../i18n/format.ts';
import { sitePath } from '../../paths.ts';
import type { PlanDiff } from './types.ts';

interface Props {
  diff: PlanDiff;
  a: number;
  b: number;
  siteName: (id: string) => string;
  agencyName: (id: string) => string;
  contingentName: (id: string) => string;
  /** What a side absent from the reader's view reads as (a scoped reader: not in their scope); default "not planned". */
  absent?: string;
}

/** What changes from plan a to plan b: the withdrawal, person-days, status, contingents and sites that move. */
export function PlanDiffView({ diff, a, b, siteName, agencyName, contingentName, absent }: Props) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const date = (d: string | null) => (d ? f.date(d) : '—');
  const signed = (n: number) => (n > 0 ? `+${f.number(n)}` : f.number(n));
  const days = diff.withdrawal.days;
  const pd = diff.person_days.change;
  const verdict =
    days === null
      ? t('diff.withdrawalUnknown')
      : days < 0
        ? t('diff.earlier', { count: -days })
        : days > 0
          ? t('diff.later', { count: days })
          : t('diff.sameDay');
  return (
    <div className="plan-diff" aria-live="polite">
      <dl className="figures">
        <div>
          <dt>{t('diff.withdrawal')}</dt>
          <dd>
            {date(diff.withdrawal.before)} → {date(diff.withdrawal.after)}{' '}
            <span className={days !== null && days < 0 ? 'good' : days ? 'bad' : 'muted'}>({verdict})</span>
          </dd>
        </div>
        <div>
          <dt>{t('diff.personDays')}</dt>
          <dd>
            {diff.person_days.before !== null ? f.number(diff.person_days.before) : '—'} →{' '}
            {diff.person_days.after !== null ? f.number(diff.person_days.after) : '—'}{' '}
            {pd !== null ? (
              <span className={pd < 0 ? 'good' : pd > 0 ? 'bad' : 'muted'}>({signed(pd)})</span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>{t('diff.status')}</dt>
          <dd>
            {t(`status.${diff.status.before}`, { defaultValue: diff.status.before })} →{' '}
            {t(`status.${diff.status.after}`, { defaultValue: diff.status.after })}
          </dd>
        </div>
        <div>
          <dt>{t('diff.moved')}</dt>
          <dd>{f.number(diff.moved.length)}</dd>
        </div>
      </dl>
      {diff.contingents.length ? (
        <div className="table-scroll">
          <table className="data">
            <caption>{t('diff.contingentsCaption', { a, b })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('col.contingent')}</th>
                <th scope="col">{t('diff.planN', { id: a })}</th>
                <th scope="col">{t('diff.planN', { id: b })}</th>
              </tr>
            </thead>
            <tbody>
              {diff.contingents.map((c) => (
                <tr key={c.contingent}>
                  <th scope="row">{contingentName(c.contingent)}</th>
                  <td>{date(c.before)}</td>
                  <td>{date(c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {diff.moved.length ? (
        <MovedSites
          moved={diff.moved}
          caption={t('diff.movedCaption', { a, b })}
          before={t('diff.planN', { id: a })}
          after={t('diff.planN', { id: b })}
          siteName={siteName}
          agencyName={agencyName}
          {...(absent !== undefined ? { absent } : {})}
        />
      ) : (
        <p className="muted">{t('diff.noneMoved')}</p>
      )}
    </div>
  );
}

const SHOWN = 500;

/** The sites whose agency or start differ between two plans, as a table: site, before, after. */
export function MovedSites(props: {
  moved: PlanDiff['moved'];
  caption: string;
  before: string;
  after: string;
  siteName: (id: string) => string;
  agencyName: (id: string) => string;
  absent?: string;
}) {
  const { t } = useTranslation('plan');
  const f = useFormat();
  const assignment = (x: PlanDiff['moved'][number]['before']) =>
    x ? `${props.agencyName(x.agency)}, ${f.date(x.start)}` : (props.absent ?? t('diff.notPlanned'));
  return (
    <div className="table-scroll">
      <table className="data">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('col.site')}</th>
            <th scope="col">{props.before}</th>
            <th scope="col">{props.after}</th>
          </tr>
        </thead>
        <tbody>
          {props.moved.slice(0, SHOWN).map((m) => (
            <tr key={m.site}>
              <th scope="row">
                <Link to={sitePath(m.site)}>{props.siteName(m.site)}</Link>
              </th>
              <td>{assignment(m.before)}</td>
              <td>{assignment(m.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.moved.length > SHOWN ? (
        <p className="muted">{t('diff.more', { count: props.moved.length - SHOWN })}</p>
      ) : null}
    </div>
  );
}
