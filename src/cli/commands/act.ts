import { writeFileSync } from 'node:fs';
import type { ActLanguage } from '../../core/report/act.ts';
import { loadHandoverAct, renderHandoverActPdf } from '../../server/act-pdf.ts';
import { actorFromEnv, withService } from '../context.ts';

/** Writes the handover act of a transferred site: to `out`, `-` for standard output, or its own file name here. */
export async function actCommand(site: string, opts: { lang?: ActLanguage; out?: string }): Promise<void> {
  const act = await withService((svc) =>
    loadHandoverAct(svc, site, actorFromEnv(), opts.lang ? { lang: opts.lang } : {}),
  );
  const pdf = await renderHandoverActPdf(act);
  if (opts.out === '-') {
    process.stdout.write(pdf);
    return;
  }
  const file = opts.out ?? act.fileName;
  writeFileSync(file, pdf);
  console.error(`Wrote ${file}: ${act.title}, ${act.documentId} (${act.lang}).`);
}
