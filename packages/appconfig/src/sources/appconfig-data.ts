import {
  AppConfigDataClient,
  BadRequestException,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
  type AppConfigDataClientConfig,
} from '@aws-sdk/client-appconfigdata';
import { backoffDelay, type BackoffOptions, type SyncSink, type SyncSource, type Translator } from '@switchyard/core';
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
  /** Clock for session age (tests). */
  readonly now?: () => number;
}

/** Why the last poll did what it did: for logs and tests. */
export type PollOutcome = 'configuration' | 'unchanged' | 'new-session' | 'too-early' | 'failed';

const DEFAULT_INTERVAL_S = 60;
const MIN_INTERVAL_MS = 100;
const SESSION_MAX_AGE_MS = 23 * 60 * 60 * 1000;
const decoder = new TextDecoder();

/**
 * Reads a configuration through the AppConfigData API, as AWS intends it: one session per
 * (application, environment, profile); every poll uses the token the previous one returned (tokens
 * are single-use); the next poll waits the interval AppConfig asked for; an empty body means
 * "unchanged". A session is renewed before its 24-hour limit and when AppConfig says a token is
 * Expired or Corrupted. Throttling, 5xx, timeouts and network errors back off with full jitter;
 * through all of it the last good snapshot keeps serving (the source only ever adds payloads).
 */
export class AppConfigDataSource implements SyncSource {
  readonly description: string;
  readonly translate: Translator;
  /** The outcome of each poll, oldest first (bounded): what happened and why. */
  readonly outcomes: PollOutcome[] = [];
  private readonly client: AppConfigDataClient;
  private token?: string;
  private sessionStartedAt = 0;
  private intervalMs = DEFAULT_INTERVAL_S * 1000;
  private failures = 0;
  private running = false;
  private timer?: ReturnType<typeof setTimeout>;
  private inflight?: AbortController;

  constructor(private readonly options: AppConfigDataSourceOptions) {
    this.description = `appconfig:${options.application}/${options.environment}/${options.profile}`;
    this.translate = formatTranslator(options.format ?? 'auto', options.surface, 'appconfig-retrieval');
    this.client = options.client ?? new AppConfigDataClient({ maxAttempts: 1, ...options.clientConfig });
  }

  /** Starts polling; the promise settles when the first attempt is done. */
  start(sink: SyncSink): Promise<void> {
    this.running = true;
    return this.poll(sink);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.inflight?.abort();
    if (!this.options.client) this.client.destroy();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async poll(sink: SyncSink): Promise<void> {
    if (!this.running) return;
    const controller = new AbortController();
    this.inflight = controller;
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 10_000);
    let delay: number;
    try {
      if (this.token === undefined || this.now() - this.sessionStartedAt >= (this.options.sessionMaxAgeMs ?? SESSION_MAX_AGE_MS)) {
        await this.startSession(controller.signal);
      }
      const res = await this.client.send(new GetLatestConfigurationCommand({ ConfigurationToken: this.token }), { abortSignal: controller.signal });
      // The token is spent: always continue with the next one (none → a new session next time).
      this.token = res.NextPollConfigurationToken || undefined;
      // AppConfig never asks for less than 15 s; the floor only guards against a hot loop.
      this.intervalMs = Math.max(MIN_INTERVAL_MS, (res.NextPollIntervalInSeconds ?? DEFAULT_INTERVAL_S) * 1000);
      this.failures = 0;
      delay = this.intervalMs;
      const bytes = res.Configuration;
      if (bytes && bytes.length > 0) {
        this.record('configuration');
        sink.payload(decoder.decode(bytes));
      } else {
        this.record('unchanged');
        sink.reachable();
      }
    } catch (e) {
      if (!this.running) return;
      delay = this.failed(e as Error, controller.signal.aborted, sink);
    } finally {
      clearTimeout(timeout);
    }
    if (this.running) this.timer = setTimeout(() => void this.poll(sink), delay);
  }

  private async startSession(signal: AbortSignal): Promise<void> {
    const { application, environment, profile, requiredMinimumPollIntervalInSeconds } = this.options;
    const res = await this.client.send(
      new StartConfigurationSessionCommand({
        ApplicationIdentifier: application,
        EnvironmentIdentifier: environment,
        ConfigurationProfileIdentifier: profile,
        RequiredMinimumPollIntervalInSeconds: requiredMinimumPollIntervalInSeconds,
      }),
      { abortSignal: signal },
    );
    if (!res.InitialConfigurationToken) throw new Error('StartConfigurationSession returned no InitialConfigurationToken');
    this.token = res.InitialConfigurationToken;
    this.sessionStartedAt = this.now();
  }

  /** Decides what a failure means and how long to wait; returns the delay. */
  private failed(error: Error, timedOut: boolean, sink: SyncSink): number {
    const problem = error instanceof BadRequestException ? tokenProblem(error) : undefined;
    if (problem === 'PollIntervalNotSatisfied') {
      // Our clock and AppConfig's disagree: wait the interval again, same token (it was not spent).
      this.record('too-early');
      return this.intervalMs;
    }
    if (problem === 'Expired' || problem === 'Corrupted') {
      // The token is unusable: a new session now (backing off only if that keeps happening).
      this.token = undefined;
      this.record('new-session');
      return this.failures++ === 0 ? 0 : backoffDelay(this.failures, this.options.backoff);
    }
    this.record('failed');
    const reason = timedOut ? `timed out after ${this.options.timeoutMs ?? 10_000} ms` : `${error.name}: ${error.message}`;
    sink.unreachable(new Error(`${this.description}: ${reason}`));
    return backoffDelay(this.failures++, this.options.backoff);
  }

  private record(outcome: PollOutcome): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length > 100) this.outcomes.shift();
  }
}

/** The token problem a BadRequestException names, e.g. Expired, Corrupted, PollIntervalNotSatisfied. */
function tokenProblem(error: BadRequestException): string | undefined {
  const details = error.Details?.InvalidParameters;
  if (details) for (const detail of Object.values(details)) if (detail?.Problem) return detail.Problem;
  return /too early/i.test(error.message) ? 'PollIntervalNotSatisfied' : undefined;
}
