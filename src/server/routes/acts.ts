import { Type } from '@sinclair/typebox';
import { ACT_LANGUAGES } from '../../core/report/act.ts';
import type { HandoverService } from '../../service/service.ts';
import { loadHandoverAct, renderHandoverActPdf } from '../act-pdf.ts';
import type { App } from '../app.ts';
import { ErrorBody, IdParams } from '../schemas.ts';

const ActQuery = Type.Object(
  {
    lang: Type.Optional(
      Type.Union(
        ACT_LANGUAGES.map((l) => Type.Literal(l)),
        {
          description:
            "Language of the act; default the operation's first language that has one (ru for the demo)",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The PDF's bytes: sent as they are (Fastify does not serialize a Buffer), documented as binary. */
const PdfBytes = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

export function registerActRoutes(app: App, svc: HandoverService) {
  app.get(
    '/api/sites/:id/handover-act.pdf',
    {
      config: { policy: 'handover.act' },
      schema: {
        tags: ['sites'],
        operationId: 'getHandoverAct',
        summary: 'The act of transfer of a transferred site, as a printable PDF (A4), in Russian or English',
        params: IdParams,
        querystring: ActQuery,
        response: {
          200: {
            description: 'The act as a PDF document',
            content: { 'application/pdf': { schema: PdfBytes } },
          },
          400: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const act = await loadHandoverAct(svc, req.params.id, req.actor, {
        ...(req.query.lang ? { lang: req.query.lang } : {}),
      });
      const pdf = await renderHandoverActPdf(act);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${act.fileName}"`)
        .send(pdf);
    },
  );
}
