import type { ServerResponse } from 'node:http';
import type { ChangeBus } from '../../store/change-bus.ts';
import type { App } from '../app.ts';

/**
 * GET /api/events: server-sent events, one `change` event per committed change on any instance
 * ({entity, id, action}); a comment every 15 s keeps proxies from closing an idle stream.
 */
export function registerEventRoutes(app: App, bus: ChangeBus) {
  const open = new Set<ServerResponse>();
  app.addHook('onClose', (_instance, done) => {
    for (const res of open) res.end();
    done();
  });
  app.get(
    '/api/events',
    {
      schema: {
        tags: ['live'],
        operationId: 'streamChanges',
        summary: 'Live updates: a text/event-stream of committed changes ({entity, id, action})',
        produces: ['text/event-stream'],
      },
    },
    (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      open.add(res);
      const unsubscribe = bus.subscribe((c) => res.write(`event: change\ndata: ${JSON.stringify(c)}\n\n`));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    },
  );
}
