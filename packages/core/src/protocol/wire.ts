import type { Arm } from '../rollout/stats.js';
import type { JsonObject } from '../model/types.js';

/** Every path the Switchyard server answers, in one place for the server and every client. */
export const PATHS = /* @__PURE__ */ Object.freeze({
  flags: '/v1/flags',
  stream: '/v1/stream',
  changes: '/v1/changes',
  evidence: '/v1/evidence',
  report: '/v1/report',
  rollbacks: '/v1/rollbacks',
  ofrepFlags: '/ofrep/v1/evaluate/flags',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
});

/** Request headers the server reads besides the standard ones (lower case, as Node presents them). */
export const HEADERS = /* @__PURE__ */ Object.freeze({
  apiKey: 'x-api-key',
  environment: 'x-switchyard-environment',
  lastEventId: 'last-event-id',
});

/**
 * Query parameters: `key` and `lastEventId` for browsers' EventSource, which cannot send headers;
 * `env` for open servers with several environments; `scope=client` to try client filtering.
 */
export const QUERY = /* @__PURE__ */ Object.freeze({ key: 'key', env: 'env', scope: 'scope', lastEventId: 'lastEventId', limit: 'limit', before: 'before' });

/**
 * SSE event names on `/v1/stream`: the whole document first, then the whole document on every change,
 * and a heartbeat announcing its own interval (`{"intervalMs": N}`), so a client can tell a silent
 * server from a quiet one (EventSource hides comments).
 */
export const SSE_EVENTS = /* @__PURE__ */ Object.freeze({ snapshot: 'snapshot', change: 'change', heartbeat: 'heartbeat' } as const);

/** The `data:` of a `heartbeat` event. */
export interface HeartbeatPayload {
  readonly intervalMs: number;
}
export type SseEventName = (typeof SSE_EVENTS)[keyof typeof SSE_EVENTS];

/** The `data:` of a `snapshot` or `change` event. */
export interface StreamPayload {
  readonly version: number;
  readonly etag: string;
  /** Keys changed since the version the client last saw (`change` events only). */
  readonly changed?: readonly string[];
  readonly document: unknown;
}

/** `POST /v1/rollbacks`: pin a flag to a variant for every client (who made it is the key's name). */
/**
 * `POST /v1/evidence`: one guard instance's counts since its previous batch, per flag and variant
 * (evaluations, errors, and the sufficient statistics of latency). `seq` grows by one per batch; a
 * batch resent after a lost reply carries the same `seq` and is counted once.
 */
export interface EvidenceBatch {
  readonly instance: string;
  readonly seq: number;
  readonly flags: Readonly<Record<string, Readonly<Record<string, Arm>>>>;
  /**
   * Per flag, the SHA-256 (hex) of the `flagFingerprint` of the definition the counts were made under:
   * the server drops counts for a definition it no longer serves (a batch that arrives after a change).
   */
  readonly definitions?: Readonly<Record<string, string>>;
}

export interface RollbackRequest {
  readonly flag: string;
  readonly variant: string;
  readonly reason: string;
}

/** The OFREP bulk request body. */
export interface OfrepRequest {
  readonly context?: JsonObject;
}

/** One entry of an OFREP bulk response (`{"flags": [...]}`). */
export interface OfrepResult {
  readonly key: string;
  readonly value?: unknown;
  readonly variant?: string;
  readonly reason?: string;
  readonly errorCode?: string;
  readonly errorDetails?: string;
  readonly metadata?: Record<string, string | number | boolean>;
}
