import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { ACT_LANGUAGES, isActLanguage, type ActLanguage } from '../core/report/act.ts';
import { EXIT, reportError } from './context.ts';

// Commands are loaded when run, so that `--help` and short commands do not pay for the HTTP server.
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const scenario = () => import('./commands/scenario.ts');

const program = new Command();
program
  .name('handover')
  .description(
    'Plans and runs the phased transfer of guarded sites from one force to another.\n' +
      'The database is chosen by DATABASE_URL: sqlite:PATH (default sqlite:./data/handover.db) or postgres://…\n' +
      'Exit codes: 0 done, 1 failure, 2 invalid input, 3 refused by a rule or conflict, 4 not found.',
  )
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.invalid));

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number 0–65535');
  return n;
};
const run =
  <A extends unknown[]>(fn: (...a: A) => Promise<void>) =>
  async (...a: A) => {
    try {
      await fn(...a);
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };

program
  .command('serve')
  .description('Serve the API and web app (PORT, default 8080); an empty database gets the Almaty demo')
  .option('-p, --port <port>', 'port to listen on', port, Number(process.env['PORT'] ?? 8080))
  .option('--host <host>', 'address to listen on', process.env['HOST'] ?? '0.0.0.0')
  .option('--no-demo', 'leave an empty database empty')
  .action(
    run(async (o: { port: number; host: string; demo: boolean }) =>
      (await import('./commands/serve.ts')).serve(o),
    ),
  );

program
  .command('import')
  .description('Import a scenario file (YAML or JSON, version 1); all of it or nothing')
  .argument('<file>', 'scenario file (.yaml, .yml or .json; - for standard input)')
  .option('--replace', 'replace the operation already in the database')
  .option('--json', 'print the result as JSON')
  .action(
    run(async (file: string, o: { replace?: boolean; json?: boolean }) =>
      (await scenario()).importCommand(file, o),
    ),
  );

program
  .command('export')
  .description('Export the operation as a scenario file')
  .option('-o, --out <file>', 'write to a file (format from its extension) instead of standard output')
  .option('--format <format>', 'yaml or json (default yaml, or from --out)')
  .action(run(async (o: { out?: string; format?: string }) => (await scenario()).exportCommand(o)));

program
  .command('demo')
  .description('Load the Almaty demo operation into an empty database')
  .option('--reset', 'replace whatever operation the database holds with the demo')
  .action(run(async (o: { reset?: boolean }) => (await scenario()).demoCommand(o)));

program
  .command('status')
  .description(
    'One-screen summary: sites by state, units still deployed, contingents withdrawn, the day’s changes',
  )
  .option('--as-of <date>', "the day to report (YYYY-MM-DD; default today in the operation's time zone)")
  .option('--json', 'print the summary as JSON')
  .action(
    run(async (o: { json?: boolean; asOf?: string }) =>
      (await import('./commands/status.ts')).statusCommand(o),
    ),
  );

program
  .command('plan')
  .description(
    'Plan the phased handover: of a scenario FILE, or of the operation in the database (stored as a plan version).\n' +
      'Exit code 3 when no plan meets every constraint (the reasons say why).',
  )
  .argument('[file]', 'scenario file (.yaml, .yml or .json); none: the operation in the database')
  .option('--json', 'print the plan as JSON (the contract format)')
  .option('--time-limit <seconds>', 'time the planner may use (default 10)', (v: string) => {
    const n = Number(v);
    if (!(n > 0 && n <= 3600)) throw new InvalidArgumentError('a number of seconds, 0 < s ≤ 3600');
    return n;
  })
  .option(
    '--what-if <change...>',
    "plan with changes and print what they change (on the database with a plan adopted: against that plan): 'capacity AGENCY +N from DATE', 'deadline DATE|none', 'gate SITE DATE|none', 'overlap SITE|all DAYS', 'throughput N|none'",
  )
  .option(
    '--previous <plan.json>',
    're-plan: keep handovers under way and move as few others as possible from this plan',
  )
  .action(
    run(
      async (
        file: string | undefined,
        o: { json?: boolean; timeLimit?: number; whatIf?: string[]; previous?: string },
      ) => (await import('./commands/planning.ts')).planCommand(file, o),
    ),
  );

program
  .command('act')
  .description('Write the handover act of a transferred site as a PDF; exit 3 when it is not transferred yet')
  .argument('<site>', 'site id')
  .option(
    '--lang <lang>',
    `${ACT_LANGUAGES.join(' or ')} (default: the operation's first language)`,
    (v: string) => {
      if (!isActLanguage(v)) throw new InvalidArgumentError(ACT_LANGUAGES.join(' or '));
      return v;
    },
  )
  .option(
    '-o, --out <file>',
    'where to write it (default handover-act-SITE-DATE-LANG.pdf here; - for standard output)',
  )
  .action(
    run(async (site: string, o: { lang?: ActLanguage; out?: string }) =>
      (await import('./commands/act.ts')).actCommand(site, o),
    ),
  );

// ── audit: tamper-evident log (docs/adr/0003-tamper-evident-audit.md) ──
const auditCommands = () => import('./commands/audit.ts');
const audit = program
  .command('audit')
  .description('Check the hash-chained audit log; sign and check checkpoints of it');
audit
  .command('verify')
  .description('Recompute the chain and hold it against checkpoints; exit 3 at the first bad entry')
  .option('--checkpoint <files...>', 'signed checkpoints to hold the log against')
  .option('--json', 'print the result as JSON')
  .action(
    run(async (o: { json?: boolean; checkpoint?: string[] }) =>
      (await auditCommands()).auditVerifyCommand(o),
    ),
  );
audit
  .command('checkpoint')
  .description("Sign the log's last entry with the side's key (HANDOVER_AUDIT_KEY_<SIDE>)")
  .requiredOption('--side <name>', 'the side signing, e.g. kfor or mvd')
  .option('-o, --out <file>', 'write to a file instead of standard output')
  .action(
    run(async (o: { side: string; out?: string }) => (await auditCommands()).auditCheckpointCommand(o)),
  );
audit
  .command('keygen')
  .description('Print a new Ed25519 key pair for signing checkpoints')
  .option('--side <name>', 'name the environment variables for this side')
  .option('--json', 'print the keys as JSON')
  .action(run(async (o: { side?: string; json?: boolean }) => (await auditCommands()).auditKeygenCommand(o)));

// ── users: accounts and sign-in (docs/adr/0005-accounts.md) ──
const usersCommands = () => import('./commands/users.ts');
const users = program
  .command('users')
  .description('Accounts: list, create, disable, change role, reset password');
users
  .command('list')
  .description('List the accounts')
  .option('--json', 'print the accounts as JSON')
  .action(run(async (o: { json?: boolean }) => (await usersCommands()).usersListCommand(o)));
users
  .command('create')
  .description('Create an account with a one-time password (printed once, changed at first sign-in)')
  .argument('<username>', 'sign-in name (letters, digits, . _ @ -)')
  .requiredOption(
    '--role <role>',
    'administrator, force_command, contingent_command, unit_commander, agency_liaison, facility_operator or observer',
  )
  .option('--scope <id>', "the contingent, unit, agency or site the role is bound to (by the role's kind)")
  .option('--display-name <name>', 'the name shown for the account')
  .option('--json', 'print the account and password as JSON')
  .action(
    run(async (username: string, o: { role: string; scope?: string; displayName?: string; json?: boolean }) =>
      (await usersCommands()).usersCreateCommand(username, o),
    ),
  );
users
  .command('disable')
  .description('Disable an account; its sessions and API tokens end at once')
  .argument('<username>')
  .option('--json', 'print the account as JSON')
  .action(
    run(async (username: string, o: { json?: boolean }) =>
      (await usersCommands()).usersDisableCommand(username, o),
    ),
  );
users
  .command('enable')
  .description('Enable a disabled account')
  .argument('<username>')
  .option('--json', 'print the account as JSON')
  .action(
    run(async (username: string, o: { json?: boolean }) =>
      (await usersCommands()).usersEnableCommand(username, o),
    ),
  );
users
  .command('set-role')
  .description("Change an account's role and scope; its sessions and API tokens end at once")
  .argument('<username>')
  .argument('<role>')
  .option('--scope <id>', 'the contingent, unit, agency or site the role is bound to')
  .option('--json', 'print the account as JSON')
  .action(
    run(async (username: string, role: string, o: { scope?: string; json?: boolean }) =>
      (await usersCommands()).usersSetRoleCommand(username, role, o),
    ),
  );
users
  .command('reset-password')
  .description('Give an account a new one-time password (printed once); its sessions and tokens end')
  .argument('<username>')
  .option('--json', 'print the account and password as JSON')
  .action(
    run(async (username: string, o: { json?: boolean }) =>
      (await usersCommands()).usersResetPasswordCommand(username, o),
    ),
  );

await program.parseAsync(process.argv);
