import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';

/** A refusal or failure explained in the user's language, with the server's own message. */
export function errorText(t: (key: string, opts?: Record<string, unknown>) => string, e: unknown): string {
  if (!(e instanceof ApiError))
    return t('errors.generic', { message: e instanceof Error ? e.message : String(e) });
  switch (e.error) {
    case 'network':
    case 'not_found':
    case 'stale_version':
    case 'password_incorrect':
      return t(`errors.${e.error}`);
    case 'forbidden':
    case 'rule_violation':
      return t(`errors.${e.error}`, { message: e.message });
    case 'invalid_input': {
      const detail = e.problems?.length
        ? e.problems.map((p) => `${p.path}: ${p.message}`).join('; ')
        : e.message;
      return t('errors.invalid_input', { message: detail });
    }
    default:
      return t('errors.generic', { message: e.message });
  }
}

export function ErrorNote({
  error,
  onRetry,
  onReload,
}: {
  error: unknown;
  onRetry?: () => void;
  onReload?: () => void;
}) {
  const { t } = useTranslation();
  const stale = error instanceof ApiError && error.error === 'stale_version';
  return (
    <div className="note note-error" role="alert">
      <p>{errorText(t, error)}</p>
      {stale && onReload ? (
        <button type="button" onClick={onReload}>
          {t('errors.reload')}
        </button>
      ) : null}
      {!stale && onRetry ? (
        <button type="button" onClick={onRetry}>
          {t('errors.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}
