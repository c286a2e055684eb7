import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router-dom';
import { useLiveStatus } from '../api/live.ts';
import { useOperation } from '../api/operation.tsx';
import { useSession } from '../api/session.tsx';
import { LANGUAGE_NAMES, LANGUAGES, setLanguage, type Language } from '../i18n/index.ts';
import { APP_PATHS } from '../paths.ts';
import { useTheme } from '../theme.ts';
import { Loading } from './ErrorNote.tsx';

const NAV = [
  ['board', APP_PATHS.board],
  ['map', APP_PATHS.map],
  ['plan', APP_PATHS.plan],
  ['situation', APP_PATHS.situation],
] as const;

/** The frame of every signed-in page: skip link, header with navigation and settings, the page. */
export function Layout() {
  const { t, i18n } = useTranslation();
  const { user, signOut } = useSession();
  const operation = useOperation();
  const [theme, setTheme] = useTheme();
  const live = useLiveStatus();
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">{t('app.name')}</span>
          {operation ? (
            <span className="brand-operation" title={operation.name}>
              {operation.name}
            </span>
          ) : null}
        </div>
        <nav aria-label={t('nav.label')} className="main-nav">
          <ul>
            {NAV.map(([key, to]) => (
              <li key={key}>
                <NavLink to={to} end={to === '/'}>
                  {t(`nav.${key}`)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="header-tools">
          <span
            className={`live-light ${live ? 'on' : 'off'}`}
            role="status"
            title={live ? t('header.liveOn') : t('header.liveOff')}
          >
            <span aria-hidden="true">{live ? '●' : '○'}</span> {t('header.live')}
            <span className="visually-hidden">{live ? t('header.liveOn') : t('header.liveOff')}</span>
          </span>
          <label className="lang-switch">
            <span className="visually-hidden">{t('header.language')}</span>
            <select
              value={i18n.language}
              onChange={(e) => setLanguage(e.target.value as Language)}
              data-testid="language"
            >
              {LANGUAGES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="theme-switch"
            aria-pressed={theme === 'dark'}
            title={theme === 'dark' ? t('header.switchToLight') : t('header.switchToDark')}
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            <span aria-hidden="true">{theme === 'dark' ? '☾' : '☀'}</span>{' '}
            {theme === 'dark' ? t('header.themeDark') : t('header.themeLight')}
          </button>
          {user ? (
            <span className="user">
              <span className="user-name" data-testid="user" title={user.display_name}>
                {user.display_name}
              </span>
              <span className="user-role">{t(`roles.${user.role}`)}</span>
            </span>
          ) : null}
          <button type="button" onClick={() => void signOut()}>
            {t('header.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </>
  );
}
