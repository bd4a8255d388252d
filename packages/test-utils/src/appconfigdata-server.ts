import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback.js';

/**
 * A local server that speaks the AppConfigData protocol (restJson1) the way the service does:
 * sessions, single-use tokens with a lifetime, the poll interval enforced ("Request too early"),
 * empty bodies when nothing changed, and the service's error shapes. Faults can be queued; each applies
 * to the next GetLatestConfiguration:
 * - `throttle` 429, `internal` 500, `not-found` 404 ResourceNotFoundException: the token is not spent;
 * - `{ slowMs }`: answers after that long (wall clock), unless the client gave up first;
 * - `expire-token`: the token is reported Expired;
 * - `{ badRequest: message }`: a 400 BadRequestException whose body is only `{"Message": message}` (no
 *   Reason, no Details), the token not spent;
 * - `hang`: the poll is processed (token spent, the session advanced to the current version) but the
 *   answer never comes: the connection is held until the client gives up. `hang-before-use` holds it
 *   without processing. `untilHung(n)` resolves once n requests are being held;
 * - `reset`: processed, then the connection is destroyed without an answer (socket hang up);
 * - `gateway-timeout`: processed, then a 504 with a non-AWS text body, as from a proxy that gave up.
 * A token presented again after it was spent is answered 400 Corrupted and recorded in `reused`.
 */
export type Fault =
  | 'throttle'
  | 'internal'
  | 'not-found'
  | { slowMs: number }
  | 'expire-token'
  | { badRequest: string }
  | 'hang'
  | 'hang-before-use'
  | 'reset'
  | 'gateway-timeout';

interface Token {
  readonly session: string;
  readonly issuedAt: number;
  used: boolean;
}

interface Session {
  readonly profileKey: string;
  /** The version this session last received (empty bodies while it is current). */
  lastVersion?: number;
}

export interface ProtocolServerOptions {
  /** Seconds returned in Next-Poll-Interval-In-Seconds. */
  intervalSeconds?: number;
  /** Polls sooner than this after the token was issued get "Request too early"; default = the interval. */
  enforcedIntervalMs?: number;
  /** Token lifetime (AppConfig: 24 hours). */
  tokenTtlMs?: number;
  /**
   * Whether BadRequestException bodies carry `Reason` and `Details.InvalidParameters` (default true).
   * False answers with only `Message`, as some real answers do; the log still records the problem.
   */
  problemDetails?: boolean;
}

export class AppConfigDataServer {
  private server!: Server;
  url = '';
  readonly configurations = new Map<string, { version: number; body: string; contentType: string }>();
  readonly tokens = new Map<string, Token>();
  readonly sessions = new Map<string, Session>();
  readonly faults: Fault[] = [];
  /** Everything the client did, for assertions. Status 0: no answer was sent (`hang`, `reset`). */
  readonly log: { op: 'start' | 'get'; status: number; problem?: string }[] = [];
  /** Tokens presented again after they were spent (each answered 400 Corrupted). */
  readonly reused: string[] = [];
  private hung = 0;
  private hangWaiters: { count: number; resolve: () => void }[] = [];

  constructor(readonly options: ProtocolServerOptions = {}) {}

  /** Deploys a configuration (a new version) for app/env/profile. */
  deploy(app: string, env: string, profile: string, body: string, contentType = 'application/json'): void {
    const key = `${app}/${env}/${profile}`;
    const version = (this.configurations.get(key)?.version ?? 0) + 1;
    this.configurations.set(key, { version, body, contentType });
  }

  count(op: 'start' | 'get', status?: number, problem?: string): number {
    return this.log.filter((e) => e.op === op && (status === undefined || e.status === status) && (problem === undefined || e.problem === problem)).length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  /** Resolves once `count` requests (in all) have been held by `hang` or `hang-before-use`. */
  untilHung(count = 1): Promise<void> {
    if (this.hung >= count) return Promise.resolve();
    return new Promise((resolve) => this.hangWaiters.push({ count, resolve }));
  }

  /** Holds a request without answering until the client (or `stop()`) closes the connection. */
  private async hold(res: ServerResponse): Promise<void> {
    const closed = new Promise((resolve) => res.once('close', resolve));
    this.hung++;
    this.hangWaiters = this.hangWaiters.filter((w) => (w.count <= this.hung ? (w.resolve(), false) : true));
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'POST' && url.pathname === '/configurationsessions') return this.startSession(Buffer.concat(chunks).toString('utf8'), res);
    if (req.method === 'GET' && url.pathname === '/configuration') return this.getLatest(url.searchParams.get('configuration_token'), res);
    this.error(res, 404, 'UnknownOperationException', { Message: `no route ${req.method} ${url.pathname}` });
  }

  private startSession(text: string, res: ServerResponse): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch {
      return this.error(res, 400, 'BadRequestException', { Message: 'invalid JSON' }, 'start');
    }
    const { ApplicationIdentifier: app, EnvironmentIdentifier: env, ConfigurationProfileIdentifier: profile, RequiredMinimumPollIntervalInSeconds: min } = body;
    if (min !== undefined && (typeof min !== 'number' || min < 15 || min > 86400)) {
      return this.error(res, 400, 'BadRequestException', { Message: 'RequiredMinimumPollIntervalInSeconds must be 15-86400' }, 'start');
    }
    const profileKey = `${app}/${env}/${profile}`;
    if (!this.configurations.has(profileKey)) {
      return this.error(res, 404, 'ResourceNotFoundException', { Message: `Profile ${profile} not found`, ResourceType: 'ConfigurationProfile', ReferencedBy: {} }, 'start');
    }
    const session = randomUUID();
    this.sessions.set(session, { profileKey });
    this.log.push({ op: 'start', status: 201 });
    this.json(res, 201, { InitialConfigurationToken: this.issue(session) }, {});
  }

  private issue(session: string): string {
    const token = `tok-${randomUUID()}`;
    this.tokens.set(token, { session, issuedAt: Date.now(), used: false });
    return token;
  }

  private badToken(res: ServerResponse, problem: string, message: string): void {
    const details = this.options.problemDetails === false ? {} : { Reason: 'InvalidParameters', Details: { InvalidParameters: { ConfigurationToken: { Problem: problem } } } };
    this.error(res, 400, 'BadRequestException', { Message: message, ...details }, 'get', problem);
  }

  private async getLatest(tokenText: string | null, res: ServerResponse): Promise<void> {
    const fault = this.faults.shift();
    if (fault === 'throttle') return this.error(res, 429, 'ThrottlingException', { Message: 'Rate exceeded' }, 'get');
    if (fault === 'internal') return this.error(res, 500, 'InternalServerException', { Message: 'We encountered an internal error' }, 'get');
    if (fault === 'not-found') {
      return this.error(res, 404, 'ResourceNotFoundException', { Message: 'Deployment not found', ResourceType: 'Deployment', ReferencedBy: {} }, 'get');
    }
    if (typeof fault === 'object' && 'badRequest' in fault) return this.error(res, 400, 'BadRequestException', { Message: fault.badRequest }, 'get', 'Message');
    if (fault === 'hang-before-use') {
      this.log.push({ op: 'get', status: 0, problem: 'hang-before-use' });
      return this.hold(res);
    }
    if (typeof fault === 'object' && 'slowMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.slowMs));
    if (res.destroyed) return;

    const token = tokenText ? this.tokens.get(tokenText) : undefined;
    if (!token) return this.badToken(res, 'Corrupted', 'Token is corrupted');
    if (token.used) {
      this.reused.push(tokenText!);
      return this.badToken(res, 'Corrupted', 'Token has already been used');
    }
    if (fault === 'expire-token' || Date.now() - token.issuedAt > (this.options.tokenTtlMs ?? 86_400_000)) return this.badToken(res, 'Expired', 'Token has expired');
    const enforced = this.options.enforcedIntervalMs ?? (this.options.intervalSeconds ?? 0) * 1000;
    if (Date.now() - token.issuedAt < enforced && token !== undefined && this.sessionHasPolled(token.session)) {
      return this.badToken(res, 'PollIntervalNotSatisfied', 'Request too early');
    }
    token.used = true;
    const session = this.sessions.get(token.session)!;
    const configuration = this.configurations.get(session.profileKey)!;
    const changed = session.lastVersion !== configuration.version;
    session.lastVersion = configuration.version;
    // Processed (token spent, session advanced), but the answer is lost on the way back.
    if (fault === 'hang' || fault === 'reset') {
      this.issue(token.session); // the next token exists; the client never sees it
      this.log.push({ op: 'get', status: 0, problem: fault });
      if (fault === 'reset') return void res.socket?.destroy();
      return this.hold(res);
    }
    if (fault === 'gateway-timeout') {
      this.issue(token.session);
      this.log.push({ op: 'get', status: 504 });
      res.writeHead(504, { 'Content-Type': 'text/plain' });
      return void res.end('Gateway Timeout');
    }
    this.log.push({ op: 'get', status: 200 });
    const headers: Record<string, string> = {
      'Next-Poll-Configuration-Token': this.issue(token.session),
      'Next-Poll-Interval-In-Seconds': String(this.options.intervalSeconds ?? 0),
      'Content-Type': configuration.contentType,
    };
    if (changed) headers['Version-Label'] = `v${configuration.version}`;
    res.writeHead(200, headers);
    res.end(changed ? configuration.body : '');
  }

  /** The initial token may be used at once; later ones only after the interval. */
  private sessionHasPolled(session: string): boolean {
    return this.sessions.get(session)?.lastVersion !== undefined;
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, type: string, body: Record<string, unknown>, op?: 'start' | 'get', problem?: string): void {
    if (op) this.log.push({ op, status, problem });
    if (!res.destroyed) this.json(res, status, body, { 'x-amzn-ErrorType': type });
  }
}
