import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { APP_PATHS } from '../../web/src/paths.ts';

/** Where `npm run build:web` (vite build) puts the web app. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * Serves the web app from the API's own origin: the built files under web/dist (hashed assets cached for
 * good, index.html never), and index.html for each of the app's client-side routes, so a reload or a
 * shared link to /sites/x works. Other paths stay real 404s. Without a build, `/` keeps a small page
 * that points to the API and says how to build the app.
 */
export async function registerWeb(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  const indexFile = `${dist}index.html`;
  if (!existsSync(indexFile)) {
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(HOME_PAGE),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    // Files are looked up per request, so a rebuild (`npm run build:web`) is served without a restart.
    wildcard: true,
    index: false,
    setHeaders(reply: { header(name: string, value: string): unknown }, path: string) {
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  // index.html as a string (security.ts then allows its own inline <style> by hash), read again when rebuilt.
  let cached = { mtimeMs: -1, html: '' };
  const index = () => {
    const { mtimeMs } = statSync(indexFile);
    if (mtimeMs !== cached.mtimeMs) cached = { mtimeMs, html: readFileSync(indexFile, 'utf8') };
    return cached.html;
  };
  for (const path of Object.values(APP_PATHS))
    app.get(path, { schema: { hide: true } }, (_req, reply) =>
      reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index()),
    );
}

const HOME_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Handover</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}a{color:#0b57d0}</style>
</head><body>
<h1>Handover</h1>
<p>Plans and runs the phased transfer of guarded sites from one force to another, with no site ever left unguarded.</p>
<p>The web application is not built here: run <code>npm run build:web</code> (or <code>npm start</code>, which builds it).</p>
<ul>
<li><a href="/api/docs">API documentation</a> (OpenAPI: <a href="/api/openapi.json">/api/openapi.json</a>)</li>
<li><a href="/api/sites">Sites</a> · <a href="/api/status">Status</a> · <a href="/api/health">Health</a></li>
</ul>
</body></html>`;
