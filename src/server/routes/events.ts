import type { ServerResponse } from 'node:http';
import type { AccountService } from '../../service/accounts.ts';
import type { HandoverService } from '../../service/service.ts';
import type { ChangeBus } from '../../store/change-bus.ts';
import type { App } from '../app.ts';
import { resolvePrincipal } from './session.ts';

/**
 * GET /api/events: server-sent events, one `change` event per committed change on any instance
 * ({entity, id, action}) that concerns a record the signed-in user can see; a comment every 15 s keeps
 * proxies from closing an idle stream. The stream ends as soon as its session or token does (sign-out,
 * a disabled account, a changed role): the credential is checked again before each event and heartbeat.
 */
export function registerEventRoutes(
  app: App,
  bus: ChangeBus,
  svc: HandoverService,
  accounts: AccountService,
) {
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
      /** Writes `text` if the credential still holds; ends the stream when it does not. */
      const send = async (text: string): Promise<void> => {
        if ((await resolvePrincipal(req, accounts)) === null) res.end();
        else if (!res.writableEnded) res.write(text);
      };
      const unsubscribe = bus.subscribe((c) => {
        void svc
          .canSeeChange(c, actor)
          .then((yes) => (yes ? send(`event: change\ndata: ${JSON.stringify(c)}\n\n`) : undefined))
          .catch((e: unknown) => req.log.error(e));
      });
      const heartbeat = setInterval(
        () => void send(': keep-alive\n\n').catch((e: unknown) => req.log.error(e)),
        15_000,
      );
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    },
  );
}
