import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chooseEnvironment, KeyRing, type AccessConfig, type Principal } from './access.js';
import type { Scope } from './audience.js';
import { Environment } from './environment.js';
import { matchesIfNoneMatch, etagOf } from './http/etag.js';
import { contextOf, evaluateAll, evaluateOne } from './http/ofrep.js';
import { HttpError, readJsonBody, segmentAfter, sendJson } from './http/respond.js';
import { StreamHub, type StreamOptions } from './http/sse.js';
import { consoleLogger, type Logger } from './logger.js';
import { Metrics, type Sample } from './metrics.js';
import { MAX_PAGE, type AuditRecord } from './audit.js';
import { deliveryReport, type DeliveryReport } from './fleet/report.js';
import { batchOf } from './fleet/batch.js';
import { MemoryEvidence } from './fleet/evidence.js';
import { FleetGuard } from './fleet/fleet-guard.js';
import type { StateStore } from './store/state-store.js';
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
   * Where rollbacks and the audit trail live: shared by replicas and kept across restarts (PostgreSQL,
   * or embedded). The server opens it in `listen` and closes it in `close`. Without one they live in
   * this process only.
   */
  readonly store?: StateStore;
  /** This server's name in the audit trail; default the store's (host name and process id). */
  readonly replica?: string;
  /** How long a source may be unreachable before it is reported (log, `/readyz` `unreachable`); default 10,000 ms. */
  readonly staleAfterMs?: number;
  /** Bounds on what clients can hold (see docs/operations.md). */
  readonly limits?: Partial<HttpLimits>;
}

/** What one client — or many — can make the server hold. */
export interface HttpLimits {
  /** A request's headers must arrive within this; slow-loris connections are closed after it. Default 10,000 ms. */
  readonly headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this. Default 30,000 ms. */
  readonly requestTimeoutMs: number;
  /** Open connections at most (streams included); beyond it new ones are refused. Default 20,000. */
  readonly maxConnections: number;
  /** SSE streams per environment at most; beyond it `503` with `Retry-After`. Default 10,000. */
  readonly maxStreamsPerEnvironment: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 20_000, maxStreamsPerEnvironment: 10_000 };

/**
 * Connections never take the last file descriptors: the server must still open its flag file and the
 * state directory when clients hold everything else (EMFILE). Linux tells the soft limit in
 * /proc/self/limits; elsewhere the configured number stands.
 */
export function connectionsWithinFileLimit(wanted: number, limits = readProcLimits()): number {
  const soft = /^Max open files\s+(\d+)/m.exec(limits ?? '')?.[1];
  return soft === undefined ? wanted : Math.max(1, Math.min(wanted, Number(soft) - 128));
}

function readProcLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
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
  /** Per environment, the judge of the fleet's pooled guard evidence (`POST /v1/evidence`). */
  readonly fleet = new Map<string, FleetGuard>();
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
    const evidence = new MemoryEvidence();
    for (const { name, source } of options.environments) {
      if (this.environments.has(name)) throw new Error(`environment "${name}" is defined twice`);
      const env = new Environment(name, source, {
        logger: this.logger,
        historySize: options.historySize,
        auditSize: options.auditSize,
        store: options.store,
        replica: options.replica ?? options.store?.replica,
        staleAfterMs: options.staleAfterMs,
      });
      env.onPublish((published) => this.streams.publish(env, published));
      this.environments.set(name, env);
      this.fleet.set(name, new FleetGuard(env, options.store ?? evidence));
    }
    this.describeMetrics();
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
    const { headersTimeoutMs, requestTimeoutMs, maxConnections } = this.limits;
    this.http = createServer(
      // Timeouts are checked every second, so a connection that never finishes its request is gone in seconds.
      // Node requires the whole request's time to cover the headers' time.
      { keepAliveTimeout: 65_000, headersTimeout: headersTimeoutMs, requestTimeout: Math.max(requestTimeoutMs, headersTimeoutMs), connectionsCheckingInterval: 1000 },
      (req, res) => {
        // The one error boundary: whatever a request does, the process stays up.
        this.handle(req, res).catch((e: unknown) => this.failed(req, res, e));
      },
    );
    this.http.maxConnections = connectionsWithinFileLimit(maxConnections);
    this.http.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  readonly limits: HttpLimits;

  get open(): boolean {
    return this.keys === undefined;
  }

  /** Loads every environment once, then listens. Resolves with the base URL. */
  async listen(port = 8013, host = '127.0.0.1'): Promise<string> {
    await this.options.store?.open();
    await Promise.all([...this.environments.values()].map((env) => env.start()));
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      // A reconnect storm (thousands of streams at once) must queue, not lose SYNs to Node's default 511.
      this.http.listen({ port, host, backlog: 4096 }, () => resolve());
    });
    const refresh = () => {
      for (const env of this.environments.values()) this.report(env, 30).catch(() => undefined); // a store away: the last figures stand
    };
    refresh();
    this.reportTimer = setInterval(refresh, 60_000).unref();
    const address = this.http.address() as AddressInfo;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    clearInterval(this.reportTimer);
    this.streams.close();
    await Promise.all([...this.environments.values()].map((env) => env.stop()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    await this.options.store?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // e.g. `GET http://[::1/v1/flags`: an absolute request-target no URL parser accepts.
      return sendJson(res, 400, { error: 'malformed request target' }, { Connection: 'close' });
    }
    const route = routeOf(req.method ?? 'GET', url.pathname);
    res.on('finish', () => this.metrics.inc('switchyard_http_requests_total', { route: route.name, status: String(res.statusCode) }));
    const cors = this.corsHeaders(req);
    try {
      switch (route.name) {
        case 'not-found':
          throw new HttpError(404, { error: `no route for ${req.method} ${url.pathname}` });
        case 'method':
          throw new HttpError(405, { error: `${req.method} is not allowed on ${url.pathname}` }, { Allow: route.allow! });
      }
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': `${route.allow}, OPTIONS`, 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' });
        res.end();
        return;
      }
      switch (route.name) {
        case 'healthz':
          return sendJson(res, 200, { status: 'ok' }, cors);
        case 'readyz':
          return this.readyz(req, url, res, cors);
        case 'metrics':
          res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(this.metrics.render());
          return;
      }
      if (this.open && (route.name === 'rollbacks' || route.name === 'rollback-one' || route.name === 'evidence') && req.method !== 'GET' && req.method !== 'HEAD') this.refuseForgery(req);

      const principal = this.authenticate(req, url, route.name === 'flags' || route.name === 'stream');
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
          if (this.streams.count(env.name) >= this.limits.maxStreamsPerEnvironment) {
            throw new HttpError(503, { error: `too many streams for environment "${env.name}"; poll ${PATHS.flags} or retry later` }, { 'Retry-After': '30' });
          }
          const lastEventId = (req.headers[HEADERS.lastEventId] as string | undefined) ?? url.searchParams.get(QUERY.lastEventId) ?? undefined;
          this.streams.open(req, res, env, scope, lastEventId, cors);
          return;
        }
        case 'changes': {
          if (scope !== 'server') throw new HttpError(403, { error: 'the change log is for server keys' });
          const limit = Math.max(1, Math.min(MAX_PAGE, Math.trunc(Number(url.searchParams.get(QUERY.limit) ?? 100)) || 100));
          const beforeText = url.searchParams.get(QUERY.before);
          const before = beforeText === null ? undefined : Number(beforeText);
          if (before !== undefined && !(Number.isSafeInteger(before) && before > 0)) throw new HttpError(400, { error: `${QUERY.before} must be an entry id (a positive whole number)` });
          const page = await this.fromStore(() => env.changes(before, limit));
          const next = page.before === undefined ? {} : { before: page.before, next: `${PATHS.changes}?${QUERY.before}=${page.before}&${QUERY.limit}=${limit}` };
          return sendJson(res, 200, { environment: env.name, changes: page.changes, ...next }, cors);
        }
        case 'rollbacks': {
          if (scope !== 'server') throw new HttpError(403, { error: 'rollbacks are for server keys' });
          if (req.method === 'GET' || req.method === 'HEAD') {
            // The history comes from the audit trail; without the store, the rollbacks in force here still answer.
            const history = await env.changes(undefined, 50, ['rollback', 'lifted']).then((page) => page.changes, () => null);
            return sendJson(res, 200, { environment: env.name, rollbacks: env.activeRollbacks(), history }, cors);
          }
          const body = (await readJsonBody(req, false)) as Partial<Record<keyof RollbackRequest, unknown>> | null;
          const { flag, variant, reason } = body ?? {};
          if (typeof flag !== 'string' || typeof variant !== 'string') throw new HttpError(400, { error: 'body must be {"flag": string, "variant": string, "reason"?: string}' });
          try {
            const rollback = await env.rollback(flag, variant, typeof reason === 'string' ? reason.slice(0, 2000) : 'no reason given', principal.name);
            return sendJson(res, 201, { environment: env.name, version: env.current!.version, rollback }, cors);
          } catch (e) {
            if (e instanceof RangeError) throw new HttpError(404, { error: e.message });
            throw e;
          }
        }
        case 'evidence': {
          if (scope !== 'server') throw new HttpError(403, { error: 'guard evidence is for server keys' });
          const batch = batchOf(await readJsonBody(req, false));
          if (typeof batch === 'string') throw new HttpError(400, { error: batch });
          const { counted, rolledBack } = await this.fromStore(() => this.fleet.get(env.name)!.receive(batch));
          return sendJson(res, 202, { environment: env.name, counted, rolledBack }, cors);
        }
        case 'report': {
          if (scope !== 'server') throw new HttpError(403, { error: 'the delivery report is for server keys' });
          const days = Number(url.searchParams.get('days') ?? 30);
          if (!(days > 0 && days <= 3650)) throw new HttpError(400, { error: 'days must be a number of days, 1–3650' });
          const report = await this.fromStore(() => this.report(env, days));
          return sendJson(res, 200, { environment: env.name, ...report }, cors);
        }
        case 'rollback-one': {
          if (scope !== 'server') throw new HttpError(403, { error: 'rollbacks are for server keys' });
          const flag = segmentAfter(url.pathname, `${PATHS.rollbacks}/`, false);
          if (!env.lift(flag, `lifted by ${principal.name}`)) throw new HttpError(404, { error: `no rollback on "${flag}"` });
          return sendJson(res, 200, { environment: env.name, version: env.current!.version, lifted: flag }, cors);
        }
        case 'ofrep-one': {
          const key = segmentAfter(url.pathname, `${PATHS.ofrepFlags}/`, true);
          const { status, body } = evaluateOne(published.snapshot, scope, key, contextOf(await readJsonBody(req, true)));
          return sendJson(res, status, body, cors);
        }
        case 'ofrep-all': {
          const body = JSON.stringify(evaluateAll(published.snapshot, scope, contextOf(await readJsonBody(req, true))));
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
      if (e instanceof HttpError && !res.headersSent) return sendJson(res, e.status, e.body, { ...cors, ...e.headers });
      this.failed(req, res, e, url.pathname);
    }
  }

  /**
   * The delivery report of an environment from its audit trail (read back to `days` ago and, for
   * flag ages, beyond: at most 100,000 entries). Kept for the metrics' gauges.
   */
  private async report(env: Environment, days: number): Promise<DeliveryReport> {
    const trail: AuditRecord[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await env.changes(before, MAX_PAGE);
      trail.unshift(...page.changes);
      if (page.before === undefined || trail.length >= 100_000) break;
      before = page.before;
    }
    const report = deliveryReport(trail, { days, current: env.current ? new Set(env.current.snapshot.flags.keys()) : undefined });
    if (days === 30) this.reports.set(env.name, report);
    return report;
  }

  /** The last 30-day report of each environment, for the gauges (refreshed every minute). */
  private readonly reports = new Map<string, DeliveryReport>();
  private reportTimer?: NodeJS.Timeout;

  /** A read from the store that cannot be done now: 503 with a retry hint, and the reason (the store says which). */
  private async fromStore<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(503, { error: `the store cannot be read: ${(e as Error).message}` }, { 'Retry-After': '5' });
    }
  }

  /**
   * The last resort: a client that went away (an aborted upload) is not an error worth a log line;
   * anything else is ours, logged with its stack, answered 500 without details.
   */
  private failed(req: IncomingMessage, res: ServerResponse, e: unknown, path = '?'): void {
    if (req.destroyed || req.aborted || (e as NodeJS.ErrnoException)?.code === 'ECONNRESET') return void res.destroy();
    this.logger.error(`internal error on ${req.method} ${path}: ${(e as Error)?.stack ?? e}`);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.destroy();
  }

  /**
   * An open server has no key to check, so a web page on any site could roll back a developer's
   * flags with a "simple" request: refuse a foreign `Origin`, and a POST that is not JSON.
   */
  private refuseForgery(req: IncomingMessage): void {
    const origin = req.headers.origin;
    const allowed = this.options.access?.corsOrigins;
    if (origin && allowed !== '*' && !(allowed ?? []).includes(origin)) throw new HttpError(403, { error: `state-changing requests from origin ${origin} are not allowed` });
    const type = req.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (req.method === 'POST' && type !== 'application/json') throw new HttpError(415, { error: 'send the body as Content-Type: application/json' });
  }

  /**
   * The key comes from `Authorization: Bearer`, `X-API-Key`, or `?key=` (browsers' EventSource cannot
   * send headers). The environment named by `X-Switchyard-Environment` or `?env=` must agree with the
   * key's, and picks one on an open server (see `chooseEnvironment`), where `?scope=client` previews
   * client filtering locally.
   */
  private authenticate(req: IncomingMessage, url: URL, keyInQueryAllowed: boolean): Principal {
    const asked = ((req.headers[HEADERS.environment] as string | undefined) ?? url.searchParams.get(QUERY.env)) || undefined;
    if (!this.keys) {
      const scope: Scope = url.searchParams.get(QUERY.scope) === 'client' ? 'client' : 'server';
      return { environment: chooseEnvironment(asked, [...this.environments.keys()]), scope, name: 'open' };
    }
    const auth = req.headers.authorization;
    const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
    // `?key=` only where EventSource needs it (reading the stream and flags): keys in URLs end up in access logs.
    const inQuery = keyInQueryAllowed && req.method === 'GET' ? url.searchParams.get(QUERY.key) : null;
    const presented = bearer ?? (req.headers[HEADERS.apiKey] as string | undefined) ?? inQuery ?? undefined;
    if (!presented) throw new HttpError(401, { error: 'missing API key (Authorization: Bearer KEY, X-API-Key, or ?key=)' }, { 'WWW-Authenticate': 'Bearer' });
    const principal = this.keys.lookup(presented);
    if (!principal) throw new HttpError(401, { error: 'invalid API key' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    chooseEnvironment(asked, [], principal.environment); // throws when the request names another environment
    return principal;
  }

  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    const allowed = this.options.access?.corsOrigins;
    if (!origin || !allowed) return {};
    if (allowed !== '*' && !allowed.includes(origin)) return { Vary: 'Origin' };
    return { 'Access-Control-Allow-Origin': allowed === '*' ? '*' : origin, 'Access-Control-Expose-Headers': 'ETag', Vary: 'Origin' };
  }

  /**
   * Ready or not per environment, for anyone (load balancers carry no keys). The details — versions,
   * sources, rejected documents with their paths — only for a server key of that environment (or an
   * open server): they name flags, and server-only flags never leave the server without one.
   */
  private readyz(req: IncomingMessage, url: URL, res: ServerResponse, cors: Record<string, string>): void {
    let viewer: Principal | undefined;
    try {
      viewer = req.headers.authorization || req.headers[HEADERS.apiKey] ? this.authenticate(req, url, false) : undefined;
    } catch {
      viewer = undefined; // a wrong key still gets the public answer
    }
    const environments: Record<string, unknown> = {};
    let ready = true;
    for (const env of this.environments.values()) {
      ready &&= env.current !== undefined;
      const details = this.open || (viewer?.scope === 'server' && viewer.environment === env.name);
      environments[env.name] = details
        ? {
            ready: env.current !== undefined,
            version: env.current?.version,
            etag: env.current?.server.etag,
            flags: env.current?.snapshot.flags.size,
            loadedAt: env.current?.at.toISOString(),
            source: env.source.description,
            ...(env.lastError ? { lastError: env.lastError } : {}),
            ...(env.unreachable ? { unreachable: env.unreachable } : {}),
          }
        : { ready: env.current !== undefined };
    }
    const health = this.options.store?.health();
    const store = health && (this.open || viewer?.scope === 'server' ? { description: this.options.store!.description, ...health } : { state: health.state });
    sendJson(res, ready ? 200 : 503, { ready, environments, ...(store ? { store } : {}) }, cors);
  }

  private describeMetrics(): void {
    const m = this.metrics;
    m.describe('switchyard_http_requests_total', 'counter', 'HTTP requests by route and status.');
    m.describe('switchyard_sse_connections', 'gauge', 'Open SSE streams.');
    m.describe('switchyard_reloads_total', 'counter', 'Source outcomes: applied, rejected, unchanged documents, and unreachable (each failed read or request).');
    m.describe('switchyard_flags', 'gauge', 'Flags in the published document.');
    m.describe('switchyard_rollbacks_unpersisted', 'gauge', 'Rollbacks made or lifted here that the store does not have yet (retried).');
    m.describe('switchyard_store_up', 'gauge', '1 when the store answers, 0 while it is degraded (writes wait, rollbacks known here hold).');
    m.describe('switchyard_store_pending_writes', 'gauge', 'Writes waiting for the store.');
    m.describe('switchyard_store_dropped_total', 'counter', 'Audit entries of reloads dropped because more than the bound of writes waited for the store.');
    m.describe('switchyard_store_refused_total', 'counter', 'Writes the store refused as invalid (logged, not retried).');
    m.describe('switchyard_change_failure_rate', 'gauge', 'Share of flag changes in the last 30 days rolled back within a day (target < 0.05).');
    m.describe('switchyard_time_to_rollback_seconds', 'gauge', 'Time from a fault (or the flag change) to its rollback over the last 30 days: mean and p90 (target mean < 300).');
    m.describe('switchyard_flags_over_lifespan', 'gauge', 'Flags first served more than 90 days ago: candidates for removal.');
    m.gauge(() =>
      [...this.reports].flatMap(([environment, r]): Sample[] => [
        ...(r.changeFailureRate === null ? [] : [['switchyard_change_failure_rate', { environment }, r.changeFailureRate] as Sample]),
        ...(r.timeToRollback
          ? [
              ['switchyard_time_to_rollback_seconds', { environment, stat: 'mean' }, r.timeToRollback.meanSeconds] as Sample,
              ['switchyard_time_to_rollback_seconds', { environment, stat: 'p90' }, r.timeToRollback.p90Seconds] as Sample,
            ]
          : []),
        ['switchyard_flags_over_lifespan', { environment }, r.flags.filter((f) => f.overLifespan).length],
      ]),
    );
    const store = this.options.store;
    if (store) {
      m.gauge(() => {
        const health = store.health();
        return [
          ['switchyard_store_up', {}, health.state === 'ok' ? 1 : 0],
          ['switchyard_store_pending_writes', {}, health.pending],
          ['switchyard_store_dropped_total', {}, store.dropped],
          ['switchyard_store_refused_total', {}, store.refused],
        ];
      });
    }
    m.describe('switchyard_document_version', 'gauge', 'Version number of the published document.');
    m.gauge(() =>
      [...this.environments.values()].flatMap((env) => [
        ['switchyard_sse_connections', { environment: env.name, scope: 'server' }, this.streams.count(env.name, 'server')],
        ['switchyard_sse_connections', { environment: env.name, scope: 'client' }, this.streams.count(env.name, 'client')],
        ['switchyard_flags', { environment: env.name }, env.current?.snapshot.flags.size ?? 0],
        ['switchyard_rollbacks_unpersisted', { environment: env.name }, env.unpersistedCount],
        ['switchyard_document_version', { environment: env.name }, env.current?.version ?? 0],
        ...Object.entries(env.counts).map(([outcome, n]): Sample => ['switchyard_reloads_total', { environment: env.name, outcome }, n]),
      ]),
    );
  }
}

interface Route {
  readonly name: 'healthz' | 'readyz' | 'metrics' | 'flags' | 'stream' | 'changes' | 'rollbacks' | 'rollback-one' | 'evidence' | 'report' | 'ofrep-one' | 'ofrep-all' | 'not-found' | 'method';
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
    [PATHS.stream, 'stream', method === 'GET' || method === 'OPTIONS', 'GET'],
    [PATHS.changes, 'changes', get, 'GET, HEAD'],
    [PATHS.rollbacks, 'rollbacks', get || post, 'GET, HEAD, POST'],
    [childOf(PATHS.rollbacks), 'rollback-one', method === 'DELETE' || method === 'OPTIONS', 'DELETE'],
    [PATHS.evidence, 'evidence', post, 'POST'],
    [PATHS.report, 'report', get, 'GET, HEAD'],
    [PATHS.ofrepFlags, 'ofrep-all', post, 'POST'],
    [childOf(PATHS.ofrepFlags), 'ofrep-one', post, 'POST'],
  ];
  for (const [pattern, name, ok, allow] of table) {
    if (typeof pattern === 'string' ? path === pattern : pattern(path)) return ok ? { name, allow } : { name: 'method', allow };
  }
  return { name: 'not-found' };
}
