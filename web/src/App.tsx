import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { OperationProvider } from './api/operation.tsx';
import { SessionProvider, useSession } from './api/session.tsx';
import { Layout } from './components/Layout.tsx';
import { Loading } from './components/ErrorNote.tsx';
import { BoardPage } from './pages/BoardPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { APP_PATHS } from './paths.ts';

// The board and the sign-in page are in the first bundle; the rest load when first visited.
const SitePage = lazy(() => import('./pages/SitePage.tsx'));
const MapPage = lazy(() => import('./pages/MapPage.tsx'));
const PlanPage = lazy(() => import('./pages/PlanPage.tsx'));
const SituationPage = lazy(() => import('./pages/SituationPage.tsx'));

/** Signed-in pages only; anyone else goes to sign in and comes back to where they were going. */
function RequireSession({ children }: { children: ReactNode }) {
  const { session, mustChangePassword } = useSession();
  const location = useLocation();
  if (session === undefined) return <Loading />;
  if (session === null || mustChangePassword) {
    const next = location.pathname + location.search;
    return <Navigate to={`${APP_PATHS.signIn}?next=${encodeURIComponent(next)}`} replace />;
  }
  return <OperationProvider>{children}</OperationProvider>;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <Link to={APP_PATHS.board}>{t('notFound.back')}</Link>
    </section>
  );
}

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path={APP_PATHS.signIn} element={<SignInPage />} />
            <Route
              element={
                <RequireSession>
                  <Layout />
                </RequireSession>
              }
            >
              <Route path={APP_PATHS.board} element={<BoardPage />} />
              <Route path={APP_PATHS.site} element={<SitePage />} />
              <Route path={APP_PATHS.map} element={<MapPage />} />
              <Route path={APP_PATHS.plan} element={<PlanPage />} />
              <Route path={APP_PATHS.situation} element={<SituationPage />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </Suspense>
      </BrowserRouter>
    </SessionProvider>
  );
}
