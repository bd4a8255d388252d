import type { AppConfigDataClient, AppConfigDataClientConfig, BadRequestException, GetLatestConfigurationCommandOutput } from '@aws-sdk/client-appconfigdata';
import { Poller, PollError, systemTimers, type BackoffOptions, type SyncSink, type SyncSource, type Timers, type Translator } from '@switchyard/core';
import { formatTranslator, type FlagFormat } from '../formats/translate.js';
import type { SurfaceOptions } from '../formats/to-flagd.js';

export interface AppConfigDataSourceOptions {
  /** Application, environment and configuration profile: IDs or names. */
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
  /** A client of your own (credentials, region, endpoint, retries). Otherwise one is made from `clientConfig`. */
  readonly client?: AppConfigDataClient;
  /** For the client made here; `maxAttempts` defaults to 1 so this source's backoff is the only one. */
  readonly clientConfig?: AppConfigDataClientConfig;
  /** Asks AppConfig to let this session poll no more often than this (15–86,400 s). */
  readonly requiredMinimumPollIntervalInSeconds?: number;
  /** A session is replaced after this long, before its tokens' 24-hour limit; default 23 hours. */
  readonly sessionMaxAgeMs?: number;
  /** Per-request timeout (a slow answer is abandoned and retried with backoff); default 10,000 ms. */
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** The configuration's format; default `auto` (feature-flag profiles return the retrieval format). */
  readonly format?: FlagFormat | 'auto';
  readonly surface?: SurfaceOptions;
  /** Clock and timers for polling, timeouts and session age (tests drive them). */
  readonly timers?: Timers;
}

/** Why the last poll did what it did: for logs and tests. */
export type PollOutcome = 'configuration' | 'unchanged' | 'new-session' | 'too-early' | 'failed';

type Sdk = typeof import('@aws-sdk/client-appconfigdata');

const DEFAULT_INTERVAL_S = 60;
const MIN_INTERVAL_MS = 100;
const SESSION_MAX_AGE_MS = 23 * 60 * 60 * 1000;
const decoder = new TextDecoder();

let sdk: Promise<Sdk> | undefined;
/** The AWS SDK is loaded on first use, so importing this package (e.g. for its formats) stays light. */
function loadSdk(): Promise<Sdk> {
  return (sdk ??= import('@aws-sdk/client-appconfigdata').catch((e: unknown) => {
    sdk = undefined;
    throw e;
  }));
}

/** A token AppConfig rejected again right after a new session: backed off, but not a transport failure. */
class TokenRejected extends PollError {}

/**
 * Reads a configuration through the AppConfigData API, as AWS intends it: one session per
 * (application, environment, profile); every poll uses the token the previous one returned (tokens
 * are single-use); the next poll waits the interval AppConfig asked for; an empty body means
 * "unchanged". A session is renewed before its 24-hour limit and at once when AppConfig says a token is
 * unusable (Expired, Corrupted, or a message saying so). A token whose poll's outcome is unknown
 * (timed out, aborted, cut after the request left) is never reused: the next attempt starts a session
 * (see `tokenFate`). Throttling, 5xx, timeouts and network errors back off with full jitter (the
 * core's `Poller`); through all of it the last good snapshot keeps serving.
 */
export class AppConfigDataSource implements SyncSource {
  readonly description: string;
  readonly translate: Translator;
  /** The outcome of each poll, oldest first (bounded): what happened and why. */
  readonly outcomes: PollOutcome[] = [];
  private readonly poller: Poller;
  private readonly timers: Timers;
  private sink?: SyncSink;
  private client?: AppConfigDataClient;
  private token?: string;
  private sessionStartedAt = 0;
  private intervalMs = DEFAULT_INTERVAL_S * 1000;
  /** Sessions started in a row because a token was rejected, without a good poll since. */
  private renewals = 0;

  constructor(private readonly options: AppConfigDataSourceOptions) {
    this.description = `appconfig:${options.application}/${options.environment}/${options.profile}`;
    this.translate = formatTranslator(options.format ?? 'auto', options.surface, 'appconfig-retrieval');
    this.timers = options.timers ?? systemTimers;
    this.client = options.client;
    this.poller = new Poller((signal) => this.attempt(signal), {
      pollIntervalMs: this.intervalMs, // unused: every attempt returns the delay AppConfig asked for
      timeoutMs: options.timeoutMs,
      backoff: options.backoff,
      timers: this.timers,
      label: this.description,
      onFailure: (error) => this.failed(error),
    });
  }

  /** Starts polling; the promise settles when the first attempt is done. */
  start(sink: SyncSink): Promise<void> {
    this.sink = sink;
    return this.poller.start();
  }

  stop(): void {
    this.poller.stop();
    if (this.options.client || !this.client) return;
    this.client.destroy();
    this.client = undefined;
  }

  /** One poll: a session when needed, then GetLatestConfiguration; resolves with the delay AppConfig asked for. */
  private async attempt(signal: AbortSignal): Promise<number> {
    try {
      const aws = await loadSdk();
      signal.throwIfAborted(); // stopped while loading: make no client
      const client = (this.client ??= new aws.AppConfigDataClient({ maxAttempts: 1, ...this.options.clientConfig }));
      for (;;) {
        const maxAge = this.options.sessionMaxAgeMs ?? SESSION_MAX_AGE_MS;
        if (this.token === undefined || this.timers.now() - this.sessionStartedAt >= maxAge) await this.startSession(aws, client, signal);
        // Tokens are single-use: taken out before the call, given back only when the answer proves it
        // was not spent. An attempt cancelled by stop() may still be settling when a restarted loop
        // begins; it finds no token and starts a session instead of reusing one.
        const token = this.token;
        this.token = undefined;
        try {
          const res = await client.send(new aws.GetLatestConfigurationCommand({ ConfigurationToken: token }), { abortSignal: signal });
          return this.received(res);
        } catch (e) {
          const fate = tokenFate(e, signal);
          if (fate.kind === 'too-early' || fate.kind === 'refused') this.token ??= token;
          if (fate.kind === 'too-early') {
            // Our clock and AppConfig's disagree: wait the interval again, same token (it was not spent).
            this.record('too-early');
            return this.intervalMs;
          }
          if (fate.kind !== 'rejected') throw e; // backed off; a `lost` token is not reused, so the next attempt starts a session
          // The token is unusable: a new session at once, backing off only if that keeps happening.
          this.record('new-session');
          if (this.renewals++ > 0) throw new TokenRejected(`${this.description}: token ${fate.problem} again after a new session (${(e as Error).message})`);
        }
      }
    } catch (e) {
      if (e instanceof PollError) throw e;
      const error = e as Error;
      throw new PollError(`${this.description}: ${error.name}: ${error.message}`);
    }
  }

  private async startSession(aws: Sdk, client: AppConfigDataClient, signal: AbortSignal): Promise<void> {
    const { application, environment, profile, requiredMinimumPollIntervalInSeconds } = this.options;
    const res = await client.send(
      new aws.StartConfigurationSessionCommand({
        ApplicationIdentifier: application,
        EnvironmentIdentifier: environment,
        ConfigurationProfileIdentifier: profile,
        RequiredMinimumPollIntervalInSeconds: requiredMinimumPollIntervalInSeconds,
      }),
      { abortSignal: signal },
    );
    if (!res.InitialConfigurationToken) throw new PollError(`${this.description}: StartConfigurationSession returned no InitialConfigurationToken`);
    this.token = res.InitialConfigurationToken;
    this.sessionStartedAt = this.timers.now();
  }

  private received(res: GetLatestConfigurationCommandOutput): number {
    // The token is spent: always continue with the next one (none → a new session next time).
    this.token = res.NextPollConfigurationToken || undefined;
    // AppConfig never asks for less than 15 s; the floor only guards against a hot loop.
    this.intervalMs = Math.max(MIN_INTERVAL_MS, (res.NextPollIntervalInSeconds ?? DEFAULT_INTERVAL_S) * 1000);
    this.renewals = 0;
    const bytes = res.Configuration;
    if (bytes && bytes.length > 0) {
      this.record('configuration');
      this.sink?.payload(decoder.decode(bytes));
    } else {
      this.record('unchanged');
      this.sink?.reachable();
    }
    return this.intervalMs;
  }

  /**
   * The Poller has backed off. Tokens rejected again right after a new session are recorded as new
   * sessions, and reported like any failure: a source that never answers goes stale.
   */
  private failed(error: Error): void {
    if (!(error instanceof TokenRejected)) this.record('failed');
    this.sink?.unreachable(error);
  }

  private record(outcome: PollOutcome): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length > 100) this.outcomes.shift();
  }
}

/**
 * What a failed GetLatestConfiguration means for the token it carried.
 * - `too-early`: PollIntervalNotSatisfied; the token was not spent: wait the interval, same token.
 * - `rejected`: AppConfig says the token is unusable (Expired, Corrupted, or a message saying the token
 *   is expired, invalid, not valid, malformed, corrupt or already used): a new session at once.
 * - `refused`: refused before the token was looked at; keep it and back off.
 * - `lost`: the poll's outcome is unknown (or its session is gone); never reuse the token: back off,
 *   then a new session.
 */
type TokenFate = { readonly kind: 'too-early' | 'refused' | 'lost' } | { readonly kind: 'rejected'; readonly problem: string };

/** Connection-phase failures: the request never reached anyone, so the token cannot have been spent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** Signing failed before anything was sent. */
const NOT_SENT_NAMES = new Set(['CredentialsProviderError']);

/**
 * Why these rules (AppConfig: "each configuration token is only valid for one call"; AWS documents no
 * replay of a token whose answer was lost, so reusing one is at best rejected and at worst answered as
 * if we had received what the lost answer carried — an empty "unchanged" body while we never saw that
 * version. A new session always begins with the full configuration):
 * - Aborted (our timeout, or stop()), a network failure once connected (reset, socket hang up), a
 *   failure after a 2xx, or a 502/504 (a gateway that lost track of a request the service may have
 *   answered): most slow or cut answers are successes we did not read → `lost`.
 * - 429 ThrottlingException, 503, 401/403 (credentials, signature) and other 4xx but 400/404: refused at
 *   the front door before the operation ran; nothing was spent → `refused`, retried with the same token.
 * - 500 InternalServerException: the service itself answered that it failed, so there is no delivered
 *   answer we missed; the SDK's own standard retry repeats the same request after a 500. If the token
 *   was spent after all, the retry gets a token-invalid 400, which now starts a session at once (no
 *   backoff) — at most one wasted call, where dropping it would start a billed session per 500 during
 *   an AWS incident → `refused`.
 * - 404 ResourceNotFoundException: the session points at something that no longer exists (e.g. an
 *   environment deleted and recreated); only a new session can find it again → `lost`; if it is really
 *   gone, StartConfigurationSession then says so.
 * - A BadRequestException that is neither too early nor recognisably about the token: the token is the
 *   only parameter of GetLatestConfiguration, so it is most likely the cause; reported and backed off
 *   (no hot loop on an unknown answer) but not reused → `lost`.
 */
function tokenFate(e: unknown, signal: AbortSignal): TokenFate {
  if (signal.aborted) return { kind: 'lost' };
  if (!(e instanceof Error)) return { kind: 'lost' };
  const { name } = e;
  if (name === 'BadRequestException') {
    const problem = tokenProblem(e as BadRequestException);
    if (problem === 'PollIntervalNotSatisfied') return { kind: 'too-early' };
    if (problem) return { kind: 'rejected', problem };
    return { kind: 'lost' };
  }
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 400 && status !== 404 && status !== 502 && status !== 504 ? { kind: 'refused' } : { kind: 'lost' };
  const code = (e as { code?: unknown }).code;
  if ((typeof code === 'string' && NOT_SENT_CODES.has(code)) || NOT_SENT_NAMES.has(name)) return { kind: 'refused' };
  return { kind: 'lost' };
}

/** A message about the poll interval ("Request too early" is AWS's wording). */
const TOO_EARLY = /too early|poll(ing)?[ _-]?interval/i;
/** A message about the token ("ConfigurationToken", "configuration token", "token") … */
const MENTIONS_TOKEN = /token/i;
/** … saying it cannot be used. Whole words only: "InvalidParameters" alone says nothing about which. */
const TOKEN_UNUSABLE = /\b(expired|invalid|not valid|no longer valid|malformed|corrupt(ed)?|already (been )?used|been used)\b/i;

/**
 * The token problem a BadRequestException names: the structured `Details.InvalidParameters` problem
 * (Expired, Corrupted, PollIntervalNotSatisfied) when present, otherwise read from the message (the
 * structured field is optional in the service model, so an answer with only a `Message` must work too):
 * "too early" or the poll interval → PollIntervalNotSatisfied; a token said to be expired → Expired;
 * invalid, not valid, malformed, corrupt or already used → Corrupted. Case-insensitive, and the message
 * must speak of the token. By name, not `instanceof`: a client of the caller's own may come from
 * another copy of the SDK.
 */
function tokenProblem(e: BadRequestException): string | undefined {
  const details = e.Details?.InvalidParameters;
  if (details) {
    for (const detail of Object.values(details)) {
      const problem = detail?.Problem;
      if (problem === 'PollIntervalNotSatisfied' || problem === 'Expired' || problem === 'Corrupted') return problem;
    }
  }
  const message = e.message ?? '';
  if (TOO_EARLY.test(message)) return 'PollIntervalNotSatisfied';
  if (!MENTIONS_TOKEN.test(message)) return undefined;
  if (/\bexpired\b/i.test(message)) return 'Expired';
  return TOKEN_UNUSABLE.test(message) ? 'Corrupted' : undefined;
}
