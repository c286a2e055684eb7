import type { OperationStatus } from '../../service/service.ts';
import { actorFromEnv, count, withService } from '../context.ts';

export async function statusCommand(opts: { json?: boolean; asOf?: string }): Promise<void> {
  const s = await withService((svc) => svc.status(opts.asOf, actorFromEnv()));
  if (opts.json) console.log(JSON.stringify(s, null, 2));
  else console.log(formatStatus(s));
}

export function formatStatus(s: OperationStatus): string {
  const b = s.sites.byState;
  const withdrawn = s.contingents.filter((c) => c.state === 'withdrawn');
  const lines = [
    `${s.operation.name} — ${s.operation.area}, from ${s.operation.start}${s.operation.deadline ? `, deadline ${s.operation.deadline}` : ''}`,
    `As of ${s.asOf}`,
    '',
    `Sites: ${s.sites.total}  protected ${b.protected} · joint guard ${b.joint_guard} · transferred ${b.transferred}`,
    `Units still deployed: ${s.units.deployed.length} of ${s.units.total} (${s.units.strengthDeployed} troops)`,
    ...s.units.deployed.slice(0, 12).map((u) => `  ${u.id.padEnd(16)} ${u.name} (${u.strength})`),
    ...(s.units.deployed.length > 12 ? [`  … and ${s.units.deployed.length - 12} more`] : []),
    `Contingents withdrawn: ${withdrawn.length} of ${s.contingents.length}${withdrawn.length ? ': ' + withdrawn.map((c) => `${c.nation} (${c.withdrawn ?? ''})`).join(', ') : ''}`,
    '',
    `On ${s.asOf}: ${count(s.last24h.takenUnderProtection.length, 'site')} taken under protection, ${count(s.last24h.jointGuardsStarted.length, 'joint guard')} started, ${count(s.last24h.transfersCompleted.length, 'transfer')} completed, ${count(s.last24h.incidents.length, 'incident')}.`,
  ];
  return lines.join('\n');
}
