import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluate } from './commands/evaluate.js';
import { lint } from './commands/lint.js';
import { report } from './commands/report.js';
import { rollout } from './commands/rollout.js';
import { serve } from './commands/serve.js';
import { validate } from './commands/validate.js';
import { IoError, UsageError, type Output } from './io.js';

const HELP = `switchyard — flag definitions, checked and evaluated exactly as flagd does

Usage:
  switchyard validate FILE [--format F]
  switchyard evaluate FILE --flag KEY [--type boolean|string|number|object] [--default V] [--context JSON] [--now ISO|MS] [--format F]
  switchyard evaluate FILE --batch CASES.jsonl|-   (one {"flag","type","default","context"} per line)
  switchyard serve SOURCE | NAME=SOURCE... [--port 8013] [--host 127.0.0.1] [--keys KEYS.json] [--cors ORIGIN]...
        [--store postgres://USER@HOST:PORT/DB | memory] [--data DIR] [--replica NAME]
  switchyard rollout FILE --flag KEY --steps ISO=PCT,ISO=PCT... [--variant V] [--control V] [--dry-run]
  switchyard report --url URL [--key KEY] [--env NAME] [--days 30] [--json]
  switchyard report --trail CHANGES.json [--now ISO] [--days 30] [--json]
  switchyard lint FILE [--code DIR] [--now ISO] [--strict] [--json] [--rollout-max-days 90] [--settled-days 7] [--migration-stuck-days 14]
  switchyard version | --version | -v

Files may be flagd or AWS AppConfig JSON (hosted or retrieval format), detected from the content;
--format flagd|appconfig-hosted|appconfig-retrieval forces one. --rollout-attribute NAME turns on the
sticky percentage rollout for AppConfig flags carrying that numeric attribute.
A serve SOURCE is a FILE, appconfig:APP/ENV/PROFILE (AppConfigData API; AWS credentials and region
from the environment, --region, --appconfig-endpoint URL) or appconfig-agent:APP/ENV/PROFILE
(--agent-url, default http://localhost:2772; token from APPCONFIG_AGENT_TOKEN). --appconfig-client-side
marks flags from AppConfig sources visible to client keys. Rollbacks (POST /v1/rollbacks) and the
audit trail (/v1/changes) are kept in an embedded PostgreSQL in --data DIR (default .switchyard), or
with --store postgres://… in a PostgreSQL server shared by replicas (--data then keeps this replica's
journal of writes waiting for it); --store memory keeps them in the process only. With several
environments a key answers for its own; without --keys a request names one with ?env=NAME.
Limits (docs/operations.md): --headers-timeout MS (10000: a client's headers must arrive in time),
--max-connections N (20000), --max-streams N (SSE streams per environment, 10000; then 503).

report prints delivery metrics from the audit trail: change failure rate (flag changes rolled back
within a day; target < 5%), time to rollback (mean, p90; target < 5 min), blast radius of guard
rollbacks, and flags older than 90 days.
rollout writes a time-stepped fractional rule ($flagd.timestamp) that keeps users in as it grows.
lint reports expired flags (metadata.expiry), rollouts older than 90 days, release/experiment flags at
100%/0% for a week (ages from the file's git history), flags no code references and code evaluating
undefined flags.

Exit codes: 0 ok, 1 invalid flags, an evaluate answer (--flag or a --batch case) with reason ERROR
(FLAG_NOT_FOUND, PARSE_ERROR, TYPE_MISMATCH, GENERAL) or an unreadable case (lint: errors, or warnings
with --strict), 2 usage or I/O error.`;

const FORMAT_OPTIONS = { format: { type: 'string' }, 'rollout-attribute': { type: 'string' } } as const;

const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function main(argv: string[], io: Output = stdio): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: FORMAT_OPTIONS });
        return await validate(onePositional(positionals), { format: values.format, rolloutAttribute: values['rollout-attribute'] }, io);
      }
      case 'evaluate': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: {
            flag: { type: 'string' },
            type: { type: 'string' },
            default: { type: 'string' },
            context: { type: 'string' },
            batch: { type: 'string' },
            now: { type: 'string' },
            ...FORMAT_OPTIONS,
          },
        });
        return await evaluate(onePositional(positionals), { ...values, rolloutAttribute: values['rollout-attribute'] }, io);
      }
      case 'serve': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: {
            port: { type: 'string' },
            host: { type: 'string' },
            keys: { type: 'string' },
            cors: { type: 'string', multiple: true },
            store: { type: 'string' },
            data: { type: 'string' },
            replica: { type: 'string' },
            region: { type: 'string' },
            'appconfig-endpoint': { type: 'string' },
            'agent-url': { type: 'string' },
            'appconfig-client-side': { type: 'boolean' },
            'headers-timeout': { type: 'string' },
            'max-connections': { type: 'string' },
            'max-streams': { type: 'string' },
            ...FORMAT_OPTIONS,
          },
        });
        return await serve(
          positionals,
          {
            ...values,
            rolloutAttribute: values['rollout-attribute'],
            appconfigEndpoint: values['appconfig-endpoint'],
            agentUrl: values['agent-url'],
            appconfigClientSide: values['appconfig-client-side'],
            headersTimeout: values['headers-timeout'],
            maxConnections: values['max-connections'],
            maxStreams: values['max-streams'],
          },
          io,
        );
      }
      case 'rollout': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: { flag: { type: 'string' }, steps: { type: 'string' }, variant: { type: 'string' }, control: { type: 'string' }, 'dry-run': { type: 'boolean' } },
        });
        return await rollout(onePositional(positionals), { ...values, dryRun: values['dry-run'] }, io);
      }
      case 'lint': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: { code: { type: 'string' }, now: { type: 'string' }, strict: { type: 'boolean' }, json: { type: 'boolean' }, 'rollout-max-days': { type: 'string' }, 'settled-days': { type: 'string' }, 'migration-stuck-days': { type: 'string' } },
        });
        return await lint(onePositional(positionals), { ...values, rolloutMaxDays: values['rollout-max-days'], settledDays: values['settled-days'], migrationStuckDays: values['migration-stuck-days'] }, io);
      }
      case 'report': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: { url: { type: 'string' }, key: { type: 'string' }, env: { type: 'string' }, trail: { type: 'string' }, days: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean' } },
        });
        if (positionals.length > 0) throw new UsageError(`report takes no file argument (use --trail FILE), got ${positionals[0]}`);
        return await report(values, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return command === undefined ? 2 : 0;
      case 'version':
      case '--version':
      case '-v':
        io.out(version());
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    const usage = e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    if (!usage) throw e;
    io.err(`switchyard: ${messageOf(e as Error)}`);
    if (!(e instanceof IoError)) io.err('run "switchyard help" for usage'); // a port or a file, not the command line
    return 2;
  }
}

/** This package's version, read when asked: package.json is one level up from dist/ (built) and src/ (tests). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function onePositional(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`expected one FILE, got ${positionals.length}`);
  return positionals[0];
}

/** Node's parseArgs explains unknown options at length (with an unbalanced quote): say it plainly. */
function messageOf(e: Error): string {
  const unknown = (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && /Unknown option '([^']+)'/.exec(e.message);
  return unknown ? `unknown option ${unknown[1]}` : e.message;
}
