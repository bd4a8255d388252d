import { readFile } from 'node:fs/promises';
import { ConfigError, openStore, parseAccessConfig, SchemaError, SwitchyardServer, type AccessConfig, type StateStore } from '@switchyard/server';
import { checkUrl, IoError, UsageError, type Output } from '../io.js';
import { sourceFor, type SourceFlags } from '../sources.js';

export interface ServeOptions extends SourceFlags {
  port?: string;
  host?: string;
  keys?: string;
  cors?: string[];
  /** `postgres://…` for a PostgreSQL server shared by replicas, `memory` for none; default embedded in `data`. */
  store?: string;
  /** This server's directory: the embedded store, or the journal of writes waiting for PostgreSQL. Default `.switchyard`. */
  data?: string;
  /** This server's name in the audit trail; default host name and process id. */
  replica?: string;
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
  checkUrl(options.agentUrl, '--agent-url');
  checkUrl(options.appconfigEndpoint, '--appconfig-endpoint');

  let access: AccessConfig | undefined;
  if (options.keys) {
    try {
      access = parseAccessConfig(await readFile(options.keys, 'utf8'), environments.map((e) => e.name));
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw new IoError(`cannot read ${options.keys}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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
  if (options.replica !== undefined && !/^[\w.:@-]{1,100}$/.test(options.replica)) throw new UsageError(`--replica must be 1–100 letters, digits and . : @ _ -, not ${JSON.stringify(options.replica)}`);
  const logger = { info: io.out, warn: io.err, error: io.err };
  let store: StateStore | undefined;
  try {
    store = await openStore({ url: options.store, data: options.data ?? '.switchyard', replica: options.replica, logger });
  } catch (e) {
    throw new IoError(`cannot use the store: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const server = new SwitchyardServer({
    environments: sources,
    access,
    logger,
    store,
    limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
  });
  let url: string;
  try {
    url = await server.listen(port, host);
  } catch (e) {
    await server.close();
    if (e instanceof SchemaError) throw new IoError(`cannot use the store: ${e.message}`);
    throw new IoError(`cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const served = [...server.environments.values()]
    .map((env) => `${env.name} (${env.current ? `${env.current.snapshot.flags.size} flags` : 'no valid document yet'})`)
    .join(', ');
  io.out(`switchyard listening on ${url} serving ${served}${server.open ? ' — open access, no --keys' : ''}; state in ${store?.description ?? 'memory only'}`);

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

