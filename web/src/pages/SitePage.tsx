import { lazy, Suspense, useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { query } from '../api/client.ts';
import { useLiveRefetch } from '../api/live.ts';
import { useForce } from '../api/sites.ts';
import type { Site } from '../api/types.ts';
import { useApi } from '../api/useApi.ts';
import { ErrorNote, Loading } from '../components/ErrorNote.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { useFormat } from '../i18n/format.ts';
import { useOperation } from '../api/operation.tsx';
import { APP_PATHS } from '../paths.ts';
import { SiteActions } from './site/actions.tsx';
import type { OutputPoint } from './site/OutputChart.tsx';
import { Timeline } from './site/Timeline.tsx';
import './site/site.css';

const OutputChart = lazy(() => import('./site/OutputChart.tsx'));

interface Incident {
  id: string;
  at: string;
  kind: string;
  severity: number;
  description: string;
  illustrative?: boolean;
}

/** Today in the operation's time zone, as YYYY-MM-DD (the default day of an action). */
function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

/** One site: what is guarded and how, its output and incidents, the handover so far, and what the user may do. */
export default function SitePage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation('site');
  const fmt = useFormat();
  const operation = useOperation();
  const sitePathApi = `/api/sites/${encodeURIComponent(id)}`;
  const site = useApi<Site>(sitePathApi);
  const incidents = useApi<{ items: Incident[] }>(`/api/incidents${query({ site: id })}`);
  const output = useApi<{ items: OutputPoint[] }>(`/api/facility-output${query({ site: id })}`);
  const force = useForce();
  const refetchAll = useCallback(() => {
    site.refetch();
    incidents.refetch();
    output.refetch();
  }, [site, incidents, output]);
  useLiveRefetch(refetchAll, (c) => c.id === id || c.entity === 'incident' || c.entity === 'facility_output');

  const agencies = useMemo(() => [...force.agencies.values()], [force.agencies]);
  const today = todayIn(operation?.timezone ?? 'Asia/Almaty');

  if (site.error && !site.data) return <ErrorNote error={site.error} onRetry={site.refetch} />;
  if (!site.data) return <Loading />;
  const s = site.data;
  const unit = force.units.get(s.guarded_by);
  const contingent = unit ? force.contingents.get(unit.contingent) : undefined;
  const agency = s.handover ? force.agencies.get(s.handover.agency) : undefined;
  const points = [...(output.data?.items ?? [])].sort((a, b) => a.date.localeCompare(b.date));
  const actLang = i18n.language === 'ru' ? 'ru' : 'en';

  return (
    <article className="site-page" data-testid="site" data-version={s.version} data-state={s.state}>
      <p className="breadcrumb">
        <Link to={APP_PATHS.board}>{t('common:nav.board')}</Link> <span aria-hidden="true">›</span> {s.id}
      </p>
      <header className="site-title">
        <h1>{s.name}</h1>
        <StateBadge state={s.state} />
      </header>

      <div className="site-grid">
        <div className="site-main">
          <section className="panel" aria-labelledby="facts-title">
            <h2 id="facts-title">{t('facts.title')}</h2>
            <dl className="facts">
              <dt>{t('facts.guardedBy')}</dt>
              <dd>
                {s.guard?.unit_name ?? unit?.name ?? s.guarded_by}
                {s.guard?.nation || contingent?.nation ? ` · ${s.guard?.nation || contingent?.nation}` : ''}
              </dd>
              <dt>{t('facts.guards')}</dt>
              <dd>{fmt.number(s.guards)}</dd>
              <dt>{t('facts.agency')}</dt>
              <dd>
                {s.handover ? (
                  <>
                    {agency?.name ?? s.handover.agency} ({t(`common:handoverState.${s.handover.state}`)})
                  </>
                ) : (
                  t('common:common.none')
                )}
              </dd>
              <dt>{t('facts.criticality')}</dt>
              <dd>{t('common:criticality', { value: s.criticality })}</dd>
              <dt>{t('facts.sector')}</dt>
              <dd>{t(`common:sector.${s.sector}`)}</dd>
              <dt>{t('facts.district')}</dt>
              <dd>{s.district}</dd>
              {s.protected_since ? (
                <>
                  <dt>{t('facts.protectedSince')}</dt>
                  <dd>{fmt.date(s.protected_since)}</dd>
                </>
              ) : null}
              {s.not_before ? (
                <>
                  <dt>{t('facts.notBefore')}</dt>
                  <dd>{fmt.date(s.not_before)}</dd>
                </>
              ) : null}
              <dt>{t('facts.operator')}</dt>
              <dd>
                {s.operator ? (
                  <>
                    {s.operator.name}
                    {s.operator.position ? `, ${s.operator.position}` : ''}
                    {s.operator.contact ? (
                      <>
                        <br />
                        <span className="muted">{s.operator.contact}</span>
                      </>
                    ) : null}
                  </>
                ) : (
                  t('common:common.none')
                )}
              </dd>
            </dl>
          </section>

          <section className="panel" aria-labelledby="orders-title">
            <h2 id="orders-title">{t('orders.title')}</h2>
            {s.post_orders?.length ? (
              <ol className="post-orders">
                {s.post_orders.map((o, i) => (
                  <li key={i}>{o}</li>
                ))}
              </ol>
            ) : (
              <p className="muted">{t('orders.none')}</p>
            )}
          </section>

          <section className="panel" aria-labelledby="output-title">
            <h2 id="output-title">{t('output.title')}</h2>
            {s.essential_output ? (
              <p>
                {t('output.normal', {
                  product: s.essential_output.product,
                  amount: fmt.number(s.essential_output.amount),
                  unit: s.essential_output.unit,
                })}
                {s.essential_output.city_need_share !== undefined
                  ? ` ${t('output.share', { share: fmt.percent(s.essential_output.city_need_share) })}`
                  : ''}
              </p>
            ) : null}
            {points.length ? (
              <>
                <Suspense fallback={<Loading />}>
                  <OutputChart points={points} unit={s.essential_output?.unit ?? ''} />
                </Suspense>
                <table className="data output-table">
                  <caption className="visually-hidden">{t('output.tableCaption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('output.date')}</th>
                      <th scope="col">{t('output.status')}</th>
                      <th scope="col" className="num">
                        {t('output.amount')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {points.map((p) => (
                      <tr key={p.date}>
                        <td>{fmt.date(p.date)}</td>
                        <td>{t(`facility.${p.status}`)}</td>
                        <td className="num">
                          {p.output !== undefined
                            ? `${fmt.number(p.output)} ${s.essential_output?.unit ?? ''}`
                            : '—'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            ) : (
              <p className="muted">{t('output.none')}</p>
            )}
          </section>

          <section className="panel" aria-labelledby="incidents-title">
            <h2 id="incidents-title">{t('incidents.title')}</h2>
            {incidents.data?.items.length ? (
              <ul className="incidents">
                {[...incidents.data.items]
                  .sort((a, b) => b.at.localeCompare(a.at))
                  .map((i) => (
                    <li key={i.id} className={i.severity >= 4 ? 'serious' : ''}>
                      <span className="incident-when">{fmt.dateTime(i.at)}</span>{' '}
                      <strong>{t(`incidents.kind.${i.kind}`, { defaultValue: i.kind })}</strong>{' '}
                      <span className="severity">{t('incidents.severity', { value: i.severity })}</span>
                      <p>{i.description}</p>
                    </li>
                  ))}
              </ul>
            ) : (
              <p className="muted">{t('incidents.none')}</p>
            )}
          </section>
        </div>

        <div className="site-side">
          <SiteActions
            site={s}
            agencies={agencies}
            today={today}
            onDone={(next) => (next ? site.setData(next) : refetchAll())}
            onReload={refetchAll}
          />
          <Timeline site={s} units={force.units} agencies={force.agencies} />
          {s.state === 'transferred' ? (
            <section className="panel" aria-labelledby="act-title">
              <h2 id="act-title">{t('act.title')}</h2>
              <p>
                <a
                  className="button primary"
                  href={`${sitePathApi}/handover-act.pdf${query({ lang: actLang })}`}
                  data-testid="act-link"
                >
                  {t('act.download')}
                </a>{' '}
                <a href={`${sitePathApi}/handover-act.pdf${query({ lang: actLang === 'ru' ? 'en' : 'ru' })}`}>
                  {t('act.other')}
                </a>
              </p>
            </section>
          ) : null}
        </div>
      </div>
    </article>
  );
}
