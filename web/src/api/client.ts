/**
 * The one way the app talks to the server: same-origin fetch with the session cookie, the CSRF header on
 * every write, and errors as ApiError (the server's {error, message, problems?, rule?} body).
 */

export interface Problem {
  path: string;
  message: string;
  in?: string;
}

export class ApiError extends Error {
  readonly status: number;
  /** The server's machine-readable code: not_signed_in, forbidden, rule_violation, stale_version, … */
  readonly error: string;
  readonly problems: Problem[] | undefined;
  readonly rule: string | undefined;

  constructor(status: number, error: string, message: string, problems?: Problem[], rule?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.error = error;
    this.problems = problems;
    this.rule = rule;
  }
}

let csrfToken: string | null = null;
/** Set from the session (sign-in or GET /api/session); sent as X-CSRF-Token with every write. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();
/** The session provider listens: a 401 anywhere means the session is gone, so the user signs in again. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => void unauthorizedListeners.delete(listener);
}

interface ErrorBody {
  error?: unknown;
  message?: unknown;
  problems?: unknown;
  rule?: unknown;
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server cannot be reached.');
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) {
    const b = (parsed ?? {}) as ErrorBody;
    const err = new ApiError(
      res.status,
      typeof b.error === 'string' ? b.error : `http_${res.status}`,
      typeof b.message === 'string' ? b.message : res.statusText,
      Array.isArray(b.problems) ? (b.problems as Problem[]) : undefined,
      typeof b.rule === 'string' ? b.rule : undefined,
    );
    // A wrong password on sign-in or signing is not a lost session.
    if (res.status === 401 && !path.startsWith('/api/session')) for (const l of unauthorizedListeners) l();
    throw err;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
