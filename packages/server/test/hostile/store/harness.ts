import { join } from 'node:path';
import { tempDir } from '@switchyard/test-utils/node';
import { EmbeddedClient, StateStore, type Query, type SqlClient } from '../../../src/index.js';

/** An embedded client whose transactions can be held (in flight) or failed (database away). */
export class Gated implements SqlClient {
  readonly description = 'gated';
  held?: Promise<void>;
  release?: () => void;
  down = false;
  inFlight = 0;
  constructor(readonly inner: SqlClient) {}
  get query(): Query {
    return this.inner.query;
  }
  hold(): void {
    this.held = new Promise((r) => (this.release = () => { this.held = undefined; r(); }));
  }
  async transaction<T>(work: (q: Query) => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      if (this.held) await this.held;
      if (this.down) throw Object.assign(new Error('connect ECONNREFUSED'), {});
      return await this.inner.transaction(work);
    } finally {
      this.inFlight--;
    }
  }
  listen(c: string, m: (p: string) => void, l: (e: Error) => void) {
    return this.inner.listen(c, m, l);
  }
  close() {
    return this.inner.close();
  }
}

export async function gatedStore(maxPending: number) {
  const inner = await EmbeddedClient.open(join(tempDir(), 'embedded'));
  const client = new Gated(inner);
  const logs: string[] = [];
  const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const store = new StateStore(client, { replica: 'r', logger, maxPending, pollIntervalMs: 60_000 });
  await store.open();
  return { store, client, logs };
}

export const entry = (outcome: string, time = new Date().toISOString()) => ({ time, outcome, source: 'probe' }) as never;
export const rollbackPin = (flag: string, at: string, baseline: string) =>
  ({ flag, variant: 'off', reason: 'probe', by: 'probe', at, baseline, known: [] }) as never;
