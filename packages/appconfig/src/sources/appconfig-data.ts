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
 * "unchanged". A session is renewed before its 24-hour limit and when AppConfig says a token is
 * Expired or Corrupted. Throttling, 5xx, timeouts and network errors back off with full jitter (the
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
        try {
          const res = await client.send(new aws.GetLatestConfigurationCommand({ ConfigurationToken: this.token }), { abortSignal: signal });
          return this.received(res);
        } catch (e) {
          const problem = tokenProblem(e);
          if (problem === 'PollIntervalNotSatisfied') {
            // Our clock and AppConfig's disagree: wait the interval again, same token (it was not spent).
            this.record('too-early');
            return this.intervalMs;
          }
          if (problem !== 'Expired' && problem !== 'Corrupted') throw e;
          // The token is unusable: a new session at once, backing off only if that keeps happening.
          this.token = undefined;
          this.record('new-session');
          if (this.renewals++ > 0) throw new TokenRejected(`${this.description}: token ${problem} again after a new session`);
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
 * The token problem a BadRequestException names (Expired, Corrupted, PollIntervalNotSatisfied). By
 * name, not `instanceof`: a client of the caller's own may come from another copy of the SDK.
 */
function tokenProblem(e: unknown): string | undefined {
  if (!(e instanceof Error) || e.name !== 'BadRequestException') return undefined;
  const details = (e as BadRequestException).Details?.InvalidParameters;
  if (details) for (const detail of Object.values(details)) if (detail?.Problem) return detail.Problem;
  return /too early/i.test(e.message) ? 'PollIntervalNotSatisfied' : undefined;
}
