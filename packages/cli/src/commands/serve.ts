import { readFile } from 'node:fs/promises';
import { ConfigError, parseAccessConfig, SwitchyardServer, type AccessConfig } from '@switchyard/server';
import { UsageError, type Output } from '../io.js';
import { sourceFor, type SourceFlags } from '../sources.js';

export interface ServeOptions extends SourceFlags {
  port?: string;
  host?: string;
  keys?: string;
  cors?: string[];
  /** Directory for rollbacks, so they survive restarts and reach replicas sharing it. */
  state?: string;
  headersTimeout?: string;
  maxConnections?: string;
  maxStreams?: string;
}

/** A positive whole number from a flag, or undefined when the flag is absent. */
function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, not ${value}`);
  return n;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** `SOURCE` serves one environment, "default"; `NAME=SOURCE …` serves several side by side. */
export function parseEnvironments(args: string[]): { name: string; file: string }[] {
  if (args.length === 0) throw new UsageError('serve needs a flag FILE or AppConfig source (or NAME=SOURCE for each environment)');
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq === -1) {
      if (args.length > 1) throw new UsageError(`with several sources, name each environment: NAME=SOURCE (got "${arg}")`);
      return { name: 'default', file: arg };
    }
    const name = arg.slice(0, eq);
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) throw new UsageError(`invalid environment name "${name}"`);
    return { name, file: arg.slice(eq + 1) };
  });
}

/**
 * `switchyard serve`: runs the backend until SIGINT/SIGTERM. Prints one banner line, then the server
 * logs one line per reload (flags changed, by key) and every rejected edit with its paths.
 */
export async function serve(args: string[], options: ServeOptions, io: Output, signal?: AbortSignal): Promise<number> {
  const environments = parseEnvironments(args);
  const host = options.host ?? '127.0.0.1';
  const port = options.port === undefined ? 8013 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, not ${options.port}`);

  let access: AccessConfig | undefined;
  if (options.keys) {
    try {
      access = parseAccessConfig(await readFile(options.keys, 'utf8'), environments.map((e) => e.name));
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw new UsageError(`cannot read ${options.keys}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (options.cors?.length) access = { keys: access?.keys ?? [], corsOrigins: options.cors.includes('*') ? '*' : options.cors };
  if (!access?.keys.length && !LOOPBACK.has(host)) {
    throw new UsageError(`refusing to serve on ${host} without --keys: without keys every request gets every flag`);
  }

  const limits = {
    headersTimeoutMs: positiveInt(options.headersTimeout, '--headers-timeout'),
    maxConnections: positiveInt(options.maxConnections, '--max-connections'),
    maxStreamsPerEnvironment: positiveInt(options.maxStreams, '--max-streams'),
  };
  const sources = environments.map(({ name, file }) => ({ name, source: sourceFor(file, options) }));
  let server: SwitchyardServer;
  try {
    // Only the state directory does file-system work here: an error with a code is about it.
    server = new SwitchyardServer({
      environments: sources,
      access,
      logger: { info: io.out, warn: io.err, error: io.err },
      state: options.state,
      limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
    });
  } catch (e) {
    // Only a file-system error (ENOENT, EACCES, ENOTDIR…) while a --state is given is about it.
    const code = (e as NodeJS.ErrnoException).code;
    if (options.state === undefined || code === undefined || !/^E[A-Z]+$/.test(code)) throw e;
    throw new UsageError(`cannot use --state ${options.state}: ${code}`);
  }
  let url: string;
  try {
    url = await server.listen(port, host);
  } catch (e) {
    await server.close();
    throw new UsageError(`cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const served = [...server.environments.values()]
    .map((env) => `${env.name} (${env.current ? `${env.current.snapshot.flags.size} flags` : 'no valid document yet'})`)
    .join(', ');
  io.out(`switchyard listening on ${url} serving ${served}${server.open ? ' — open access, no --keys' : ''}`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await server.close();
  io.out('switchyard stopped');
  return 0;
}

