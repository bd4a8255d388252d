import { parseArgs } from 'node:util';
import { evaluate } from './commands/evaluate.js';
import { serve } from './commands/serve.js';
import { validate } from './commands/validate.js';
import { UsageError, type Output } from './io.js';

const HELP = `switchyard — flag definitions, checked and evaluated exactly as flagd does

Usage:
  switchyard validate FILE
  switchyard evaluate FILE --flag KEY [--type boolean|string|number|object] [--default V] [--context JSON] [--now ISO|MS]
  switchyard evaluate FILE --batch CASES.jsonl|-   (one {"flag","type","default","context"} per line)
  switchyard serve FILE | NAME=FILE... [--port 8013] [--host 127.0.0.1] [--keys KEYS.json] [--cors ORIGIN]...

Exit codes: 0 ok, 1 invalid flags or cases, 2 usage or I/O error.`;

const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function main(argv: string[], io: Output = stdio): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true });
        return await validate(onePositional(positionals), io);
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
          },
        });
        return await evaluate(onePositional(positionals), values, io);
      }
      case 'serve': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: { port: { type: 'string' }, host: { type: 'string' }, keys: { type: 'string' }, cors: { type: 'string', multiple: true } },
        });
        return await serve(positionals, values, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    const usage = e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    if (!usage) throw e;
    io.err(`switchyard: ${(e as Error).message}`);
    io.err('run "switchyard help" for usage');
    return 2;
  }
}

function onePositional(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`expected one FILE, got ${positionals.length}`);
  return positionals[0];
}
