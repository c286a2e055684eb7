import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { errorText } from '../components/ErrorNote.tsx';
import { LANGUAGE_NAMES, LANGUAGES, setLanguage, type Language } from '../i18n/index.ts';
import { APP_PATHS } from '../paths.ts';

/** A text field of a submitted form. */
export function field(data: FormData, name: string): string {
  const v = data.get(name);
  return typeof v === 'string' ? v : '';
}

/** Only same-app paths are followed after sign-in (no open redirect through ?next=). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith(APP_PATHS.signIn)
    ? next
    : APP_PATHS.board;
}

export function SignInPage() {
  const { t, i18n } = useTranslation('signin');
  const { session, mustChangePassword } = useSession();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));

  if (session === undefined) return null;
  if (session && !mustChangePassword) return <Navigate to={next} replace />;

  return (
    <main id="main" className="signin-page">
      <div className="signin-card">
        <div className="signin-top">
          <p className="brand-name">{t('common:app.name')}</p>
          <label className="lang-switch">
            <span className="visually-hidden">{t('common:header.language')}</span>
            <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
              {LANGUAGES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
        </div>
        {session && mustChangePassword ? <ChangePasswordForm /> : <SignInForm />}
      </div>
    </main>
  );
}

function SignInForm() {
  const { t } = useTranslation('signin');
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(field(data, 'username'), field(data, 'password'));
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 401 || err.error === 'invalid_credentials')
          ? t('wrong')
          : err instanceof ApiError && err.status === 429
            ? t('throttled', { message: err.message })
            : errorText(t, err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'signin-error' : undefined}>
      <h1>{t('title')}</h1>
      <label>
        {t('username')}
        <input name="username" autoComplete="username" required autoFocus />
      </label>
      <label>
        {t('password')}
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error ? (
        <p id="signin-error" className="note note-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {t('submit')}
      </button>
    </form>
  );
}

function ChangePasswordForm() {
  const { t } = useTranslation('signin');
  const { changePassword, signOut } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const next = field(data, 'new_password');
    if (next !== field(data, 'repeat')) {
      setError(t('mismatch'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await changePassword(field(data, 'current_password'), next);
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <h1>{t('changeTitle')}</h1>
      <p>{t('changeWhy')}</p>
      <label>
        {t('currentPassword')}
        <input name="current_password" type="password" autoComplete="current-password" required />
      </label>
      <label>
        {t('newPassword')}
        <input name="new_password" type="password" autoComplete="new-password" required />
      </label>
      <label>
        {t('repeatPassword')}
        <input name="repeat" type="password" autoComplete="new-password" required />
      </label>
      {error ? (
        <p className="note note-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="button" onClick={() => void signOut()}>
          {t('common:header.signOut')}
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {t('changeSubmit')}
        </button>
      </div>
    </form>
  );
}
