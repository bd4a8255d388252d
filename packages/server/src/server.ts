import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyRing, type AccessConfig, type Principal } from './access.js';
import type { Scope } from './audience.js';
import { Environment } from './environment.js';
import { matchesIfNoneMatch, etagOf } from './http/etag.js';
import { contextOf, evaluateAll, evaluateOne } from './http/ofrep.js';
import { HttpError, readJsonBody, sendJson } from './http/respond.js';
import { StreamHub, type StreamOptions } from './http/sse.js';
import { consoleLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { RollbackState } from './rollback-state.js';
import { HEADERS, PATHS, QUERY, type RollbackRequest, type SyncSource } from '@switchyard/core';

export interface SwitchyardServerOptions {
  /** Environments served side by side, each from its own source. */
  readonly environments: readonly { readonly name: string; readonly source: SyncSource }[];
  /** Keys and CORS. Without keys the server is open: every request has server scope (local use only). */
  readonly access?: AccessConfig;
  readonly logger?: Logger;
  readonly streams?: StreamOptions;
  readonly historySize?: number;
  readonly auditSize?: number;
  /**
   * A directory for rollbacks (`DIR/ENVIRONMENT/FLAG.json`): they survive restarts, and replicas sharing
   * it apply each other's. Without it rollbacks live in this process only.
   */
  readonly state?: string;
  /** How long a source may be unreachable before it is reported (log, `/readyz` `unreachable`); default 10,000 ms. */
  readonly staleAfterMs?: number;
}

const CLIENT_CACHE = 'public, max-age=0, s-maxage=1, stale-while-revalidate=30, stale-if-error=86400';
const SERVER_CACHE = 'private, no-cache';
const ALLOWED_HEADERS = ['authorization', HEADERS.apiKey, 'content-type', 'if-none-match', HEADERS.lastEventId, HEADERS.environment].join(', ');

/**
 * The Switchyard backend: flag documents with strong ETags (`/v1/flags`), SSE (`/v1/stream`), OFREP
 * evaluation, an audit trail (`/v1/changes`), health, readiness and Prometheus metrics.
 */
export class SwitchyardServer {
  readonly environments = new Map<string, Environment>();
  readonly metrics = new Metrics();
  private readonly http: Server;
  private readonly streams: StreamHub;
  private readonly keys?: KeyRing;
  private readonly logger: Logger;

  constructor(private readonly options: SwitchyardServerOptions) {
    if (options.environments.length === 0) throw new Error('at least one environment is needed');
    this.logger = options.logger ?? consoleLogger;
    this.keys = options.access && options.access.keys.length > 0 ? new KeyRing(options.access.keys) : undefined;
    this.streams = new StreamHub(options.streams);
    for (const { name, source } of options.environments) {
      if (this.environments.has(name)) throw new Error(`environment "${name}" is defined twice`);
      const state = options.state === undefined ? undefined : new RollbackState(options.state, name, this.logger);
      const env = new Environment(name, source, { logger: this.logger, historySize: options.historySize, auditSize: options.auditSize, state, staleAfterMs: options.staleAfterMs });
      env.onPublish((published) => this.streams.publish(env, published));
      this.environments.set(name, env);
    }
    this.describeMetrics();
    this.http = createServer({ keepAliveTimeout: 65_000 }, (req, res) => void this.handle(req, res));
  }

  get open(): boolean {
    return this.keys === undefined;
  }

  /** Loads every environment once, then listens. Resolves with the base URL. */
  async listen(port = 8013, host = '127.0.0.1'): Promise<string> {
    await Promise.all([...this.environments.values()].map((env) => env.start()));
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => resolve());
    });
    const address = this.http.address() as AddressInfo;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    this.streams.close();
    await Promise.all([...this.environments.values()].map((env) => env.stop()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routeOf(req.method ?? 'GET', url.pathname);
    res.on('finish', () => this.metrics.inc('switchyard_http_requests_total', { route: route.name, status: String(res.statusCode) }));
    const cors = this.corsHeaders(req);
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, HEAD, POST, DELETE, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' });
        res.end();
        return;
      }
      switch (route.name) {
        case 'healthz':
          return sendJson(res, 200, { status: 'ok' }, cors);
        case 'readyz':
          return this.readyz(res, cors);
        case 'metrics':
          res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(this.metrics.render());
          return;
        case 'not-found':
          throw new HttpError(404, { error: `no route for ${req.method} ${url.pathname}` });
        case 'method':
          throw new HttpError(405, { error: `${req.method} is not allowed on ${url.pathname}` }, { Allow: route.allow! });
      }

      const principal = this.authenticate(req, url);
      const env = this.environments.get(principal.environment)!;
      const published = env.current;
      if (!published) throw new HttpError(503, { error: `environment "${env.name}" has no valid flag document yet` }, { 'Retry-After': '1' });
      const scope = principal.scope;

      switch (route.name) {
        case 'flags': {
          const rep = published[scope];
          const headers = { ...cors, ETag: rep.etag, 'Cache-Control': scope === 'client' ? CLIENT_CACHE : SERVER_CACHE, Vary: 'Authorization, X-API-Key, Origin' };
          if (matchesIfNoneMatch(req.headers['if-none-match'], rep.etag)) {
            res.writeHead(304, headers);
            res.end();
            return;
          }
          return sendJson(res, 200, rep.body, headers);
        }
        case 'stream': {
          const lastEventId = (req.headers[HEADERS.lastEventId] as string | undefined) ?? url.searchParams.get(QUERY.lastEventId) ?? undefined;
          this.streams.open(req, res, env, scope, lastEventId, cors);
          return;
        }
        case 'changes': {
          if (scope !== 'server') throw new HttpError(403, { error: 'the change log is for server keys' });
          const limit = Math.max(1, Math.min(1000, Number(url.searchParams.get(QUERY.limit) ?? 100) || 100));
          return sendJson(res, 200, { environment: env.name, changes: env.changes().slice(-limit) }, cors);
        }
        case 'rollbacks': {
          if (scope !== 'server') throw new HttpError(403, { error: 'rollbacks are for server keys' });
          if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, { environment: env.name, rollbacks: env.activeRollbacks() }, cors);
          const body = (await readJsonBody(req)) as Partial<Record<keyof RollbackRequest, unknown>> | null;
          const { flag, variant, reason } = body ?? {};
          if (typeof flag !== 'string' || typeof variant !== 'string') throw new HttpError(400, { error: 'body must be {"flag": string, "variant": string, "reason"?: string}' });
          try {
            const rollback = env.rollback(flag, variant, typeof reason === 'string' ? reason.slice(0, 2000) : 'no reason given', principal.name);
            return sendJson(res, 201, { environment: env.name, version: env.current!.version, rollback }, cors);
          } catch (e) {
            if (e instanceof RangeError) throw new HttpError(404, { error: e.message });
            throw e;
          }
        }
        case 'rollback-one': {
          if (scope !== 'server') throw new HttpError(403, { error: 'rollbacks are for server keys' });
          const flag = decodeURIComponent(url.pathname.slice(`${PATHS.rollbacks}/`.length));
          if (!env.lift(flag, `lifted by ${principal.name}`)) throw new HttpError(404, { error: `no rollback on "${flag}"` });
          return sendJson(res, 200, { environment: env.name, version: env.current!.version, lifted: flag }, cors);
        }
        case 'ofrep-one': {
          const key = decodeURIComponent(url.pathname.slice(`${PATHS.ofrepFlags}/`.length));
          const { status, body } = evaluateOne(published.snapshot, scope, key, contextOf(await readJsonBody(req)));
          return sendJson(res, status, body, cors);
        }
        case 'ofrep-all': {
          const body = JSON.stringify(evaluateAll(published.snapshot, scope, contextOf(await readJsonBody(req))));
          const etag = etagOf(body);
          const headers = { ...cors, ETag: etag, 'Cache-Control': 'private, no-cache' };
          if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) {
            res.writeHead(304, headers);
            res.end();
            return;
          }
          return sendJson(res, 200, body, headers);
        }
      }
    } catch (e) {
      if (e instanceof HttpError) return sendJson(res, e.status, e.body, { ...cors, ...e.headers });
      this.logger.error(`internal error on ${req.method} ${url.pathname}: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) sendJson(res, 500, { errorDetails: 'internal error' }, cors);
      else res.destroy();
    }
  }

  /**
   * The key comes from `Authorization: Bearer`, `X-API-Key`, or `?key=` (browsers' EventSource cannot
   * send headers). Open servers take the environment from `X-Switchyard-Environment` or `?env=`
   * (default: the first) and the scope from `?scope=client` (to try client filtering locally).
   */
  private authenticate(req: IncomingMessage, url: URL): Principal {
    if (!this.keys) {
      const name = (req.headers[HEADERS.environment] as string | undefined) ?? url.searchParams.get(QUERY.env) ?? this.environments.keys().next().value!;
      if (!this.environments.has(name)) throw new HttpError(404, { error: `no environment "${name}"` });
      const scope: Scope = url.searchParams.get(QUERY.scope) === 'client' ? 'client' : 'server';
      return { environment: name, scope, name: 'open' };
    }
    const auth = req.headers.authorization;
    const presented = (auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined) ?? (req.headers[HEADERS.apiKey] as string | undefined) ?? url.searchParams.get(QUERY.key) ?? undefined;
    if (!presented) throw new HttpError(401, { error: 'missing API key (Authorization: Bearer KEY, X-API-Key, or ?key=)' }, { 'WWW-Authenticate': 'Bearer' });
    const principal = this.keys.lookup(presented);
    if (!principal) throw new HttpError(401, { error: 'invalid API key' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    return principal;
  }

  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    const allowed = this.options.access?.corsOrigins;
    if (!origin || !allowed) return {};
    if (allowed !== '*' && !allowed.includes(origin)) return { Vary: 'Origin' };
    return { 'Access-Control-Allow-Origin': allowed === '*' ? '*' : origin, 'Access-Control-Expose-Headers': 'ETag', Vary: 'Origin' };
  }

  private readyz(res: ServerResponse, cors: Record<string, string>): void {
    const environments: Record<string, unknown> = {};
    let ready = true;
    for (const env of this.environments.values()) {
      ready &&= env.current !== undefined;
      environments[env.name] = {
        ready: env.current !== undefined,
        version: env.current?.version,
        etag: env.current?.server.etag,
        flags: env.current?.snapshot.flags.size,
        loadedAt: env.current?.at.toISOString(),
        source: env.source.description,
        ...(env.lastError ? { lastError: env.lastError } : {}),
        ...(env.unreachable ? { unreachable: env.unreachable } : {}),
      };
    }
    sendJson(res, ready ? 200 : 503, { ready, environments }, cors);
  }

  private describeMetrics(): void {
    const m = this.metrics;
    m.describe('switchyard_http_requests_total', 'counter', 'HTTP requests by route and status.');
    m.describe('switchyard_sse_connections', 'gauge', 'Open SSE streams.');
    m.describe('switchyard_reloads_total', 'counter', 'Source updates by outcome (applied, rejected, unchanged).');
    m.describe('switchyard_flags', 'gauge', 'Flags in the published document.');
    m.describe('switchyard_document_version', 'gauge', 'Version number of the published document.');
    m.gauge(() =>
      [...this.environments.values()].flatMap((env) => [
        ['switchyard_sse_connections', { environment: env.name, scope: 'server' }, this.streams.count(env.name, 'server')],
        ['switchyard_sse_connections', { environment: env.name, scope: 'client' }, this.streams.count(env.name, 'client')],
        ['switchyard_flags', { environment: env.name }, env.current?.snapshot.flags.size ?? 0],
        ['switchyard_document_version', { environment: env.name }, env.current?.version ?? 0],
        ...Object.entries(env.counts).map(([outcome, n]) => ['switchyard_reloads_total', { environment: env.name, outcome }, n] as [string, Record<string, string>, number]),
      ]),
    );
  }
}

interface Route {
  readonly name: 'healthz' | 'readyz' | 'metrics' | 'flags' | 'stream' | 'changes' | 'rollbacks' | 'rollback-one' | 'ofrep-one' | 'ofrep-all' | 'not-found' | 'method';
  readonly allow?: string;
}

/** `PATH/one-segment`, e.g. `/v1/rollbacks/{flag}`. */
const childOf = (path: string) => (candidate: string) => candidate.startsWith(`${path}/`) && candidate.length > path.length + 1 && !candidate.slice(path.length + 1).includes('/');

function routeOf(method: string, path: string): Route {
  const get = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  const post = method === 'POST' || method === 'OPTIONS';
  const table: [string | ((path: string) => boolean), Route['name'], boolean, string][] = [
    [PATHS.healthz, 'healthz', get, 'GET, HEAD'],
    [PATHS.readyz, 'readyz', get, 'GET, HEAD'],
    [PATHS.metrics, 'metrics', get, 'GET, HEAD'],
    [PATHS.flags, 'flags', get, 'GET, HEAD'],
    [PATHS.stream, 'stream', get, 'GET'],
    [PATHS.changes, 'changes', get, 'GET, HEAD'],
    [PATHS.rollbacks, 'rollbacks', get || post, 'GET, HEAD, POST'],
    [childOf(PATHS.rollbacks), 'rollback-one', method === 'DELETE' || method === 'OPTIONS', 'DELETE'],
    [PATHS.ofrepFlags, 'ofrep-all', post, 'POST'],
    [childOf(PATHS.ofrepFlags), 'ofrep-one', post, 'POST'],
  ];
  for (const [pattern, name, ok, allow] of table) {
    if (typeof pattern === 'string' ? path === pattern : pattern(path)) return ok ? { name } : { name: 'method', allow };
  }
  return { name: 'not-found' };
}
