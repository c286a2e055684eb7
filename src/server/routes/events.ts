import type { ServerResponse } from 'node:http';
import type { HandoverService } from '../../service/service.ts';
import type { ChangeBus } from '../../store/change-bus.ts';
import type { App } from '../app.ts';

/**
 * GET /api/events: server-sent events, one `change` event per committed change on any instance
 * ({entity, id, action}) that concerns a record the signed-in user can see; a comment every 15 s keeps
 * proxies from closing an idle stream.
 */
export function registerEventRoutes(app: App, bus: ChangeBus, svc: HandoverService) {
  const open = new Set<ServerResponse>();
  app.addHook('onClose', (_instance, done) => {
    for (const res of open) res.end();
    done();
  });
  app.get(
    '/api/events',
    {
      config: { policy: 'events.read' },
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
      const actor = req.actor;
      const unsubscribe = bus.subscribe((c) => {
        void svc.canSeeChange(c, actor).then(
          (yes) => yes && !res.writableEnded && res.write(`event: change\ndata: ${JSON.stringify(c)}\n\n`),
          () => undefined,
        );
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    },
  );
}
