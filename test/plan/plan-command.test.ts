import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_INFEASIBLE, planCommandAction } from '../../src/cli/commands/plan.ts';

const scenario = (name: string) =>
  fileURLToPath(new URL(`../../../shared/scenarios/${name}.yaml`, import.meta.url));

describe('handover plan FILE', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('prints the contract JSON with --json', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    await planCommandAction(scenario('p01-gates-and-precedence'), { json: true, timeLimit: 5 });
    const plan = JSON.parse(out.join('\n')) as { status: string; objective: unknown; handovers: unknown[] };
    expect(plan.status).toBe('optimal');
    expect(plan.objective).toEqual({ withdrawal_day: 5, force_person_days: 4412 });
    expect(plan.handovers).toHaveLength(18);
    expect(process.exitCode).toBeUndefined();
  });

  it('explains an infeasible scenario and exits 2', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    await planCommandAction(scenario('p03-infeasible-capacity'), {});
    expect(out.join('\n')).toMatch(/no plan is possible[\s\S]*final capacity \(244 guards\)/);
    expect(process.exitCode).toBe(EXIT_INFEASIBLE);
  });
});
