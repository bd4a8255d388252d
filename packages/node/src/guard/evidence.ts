import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { bearer, emptyArm, isFinalStatus, PATHS, reasonOf, serverUrl, systemTimers, type Arm, type EvidenceBatch, type Timers } from '@switchyard/core';

export interface EvidenceOptions {
  /** How often the counts go to the server; default 1,000 ms. One request per interval, every flag in it. */
  readonly intervalMs?: number;
  /** This process's name in the fleet's evidence (e.g. the pod's); default host name and process id. A random suffix is always added: a restarted process is a new instance, whose first batches are not mistaken for resends. */
  readonly instance?: string;
  readonly timers?: Timers;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Sends a guard's counts since the last batch to `POST /v1/evidence`. A batch that fails is sent again
 * as it was (same `seq`: the server counts it once) after a backoff; meanwhile new counts add up in
 * place, one Arm per flag and variant, so memory stays bounded however long the server is away.
 */
export class EvidenceReporter {
  private readonly instance: string;
  private readonly timers: Timers;
  private readonly intervalMs: number;
  /** Counts not yet in a batch: flag → variant → counts. */
  private counts = new Map<string, Map<string, Arm>>();
  private pending?: EvidenceBatch;
  private seq = 0;
  private failures = 0;
  /** Refusals of the pending batch in a row: a proxy's passing 404 must not lose it. */
  private refusals = 0;
  private timer?: unknown;
  private sending?: Promise<void>;
  private closed = false;
  /** Batches the server has taken, and the last failure (for tests and logs). */
  sent = 0;
  lastError?: string;

  constructor(
    private readonly target: { readonly url: string; readonly key?: string; readonly timeoutMs?: number },
    options: EvidenceOptions & {
      readonly logger: { warn(message: string): void; error(message: string): void };
      /** The fingerprint hash of a flag's definition now (counts are only ever for the current one). */
      readonly definitionOf?: (flag: string) => string | undefined;
    },
    private readonly logger = options.logger,
    private readonly definitionOf = options.definitionOf,
  ) {
    this.instance = `${options.instance ?? `${hostname()}:${process.pid}`}:${randomUUID().slice(0, 8)}`;
    this.timers = options.timers ?? systemTimers;
    this.intervalMs = options.intervalMs ?? 1000;
    this.schedule(this.intervalMs);
  }

  count(flag: string, variant: string, add: (arm: Arm) => void): void {
    let variants = this.counts.get(flag);
    if (!variants) this.counts.set(flag, (variants = new Map()));
    let arm = variants.get(variant);
    if (!arm) variants.set(variant, (arm = emptyArm()));
    add(arm);
  }

  /** A flag's new definition starts afresh: its counts for the old one are not sent, batched or not. */
  forget(flag: string): void {
    this.counts.delete(flag);
    if (this.pending && Object.hasOwn(this.pending.flags, flag)) {
      const { [flag]: _, ...rest } = this.pending.flags;
      const { [flag]: __, ...definitions } = this.pending.definitions ?? {};
      this.pending = { ...this.pending, flags: rest, definitions };
    }
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    const handle = this.timers.setTimeout(() => void this.flush().finally(() => this.schedule(this.delay())), ms);
    (handle as { unref?: () => void }).unref?.(); // reporting never keeps a process alive
    this.timer = handle;
  }

  /** After failures, jittered exponential backoff up to 30 s; otherwise the interval. */
  private delay(): number {
    if (this.failures === 0) return this.intervalMs;
    return Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** this.failures) * (0.5 + Math.random() / 2);
  }

  /** Sends the pending batch, or a new one of the counts so far; resolves when that attempt is over. */
  flush(): Promise<void> {
    this.sending ??= this.send().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async send(): Promise<void> {
    if (!this.pending && this.counts.size > 0) {
      const flags = Object.fromEntries([...this.counts].map(([flag, variants]) => [flag, Object.fromEntries(variants)]));
      const definitions: Record<string, string> = {};
      for (const flag of this.counts.keys()) {
        const definition = this.definitionOf?.(flag);
        if (definition) definitions[flag] = definition;
      }
      this.pending = { instance: this.instance, seq: ++this.seq, flags, definitions };
      this.counts = new Map();
    }
    const batch = this.pending;
    if (!batch) return;
    try {
      const res = await fetch(serverUrl(this.target, PATHS.evidence), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(this.target) },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(this.target.timeoutMs ?? 5000),
      });
      // Taken — or refused three times in a row (a wrong key, a malformed batch): sending it again would not help.
      if (res.ok || (isFinalStatus(res.status) && ++this.refusals >= 3)) {
        if (!res.ok) this.logger.error(`switchyard guard: the server refused evidence (HTTP ${res.status}): ${await reasonOf(res)}`);
        this.pending = undefined;
        if (res.ok) this.sent++;
        this.failures = this.refusals = 0;
        return;
      }
      throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      const message = ((e as Error).cause as Error)?.message ?? (e as Error).message;
      if (this.failures++ === 0) this.logger.warn(`switchyard guard: cannot send evidence to ${this.target.url} (${message}); counts keep adding up and are sent when it answers`);
      this.lastError = message;
    }
  }

  close(): void {
    this.closed = true;
    this.timers.clearTimeout(this.timer);
  }
}
