import type { EvaluationContext, ResolutionDetails, Snapshot } from '@switchyard/core';
import { isServerOnly, type Scope } from '../audience.js';
import { HttpError } from './respond.js';

/** The OFREP request body: `{"context": {...}}`. */
export function contextOf(body: unknown): EvaluationContext {
  const context = (body as { context?: unknown } | null)?.context;
  if (context === undefined || context === null) return {};
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new HttpError(400, { errorCode: 'INVALID_CONTEXT', errorDetails: '"context" must be a JSON object' });
  }
  return context as EvaluationContext;
}

/** Flags a scope may have evaluated over OFREP: client keys never see `serverOnly` flags. */
export function evaluable(snapshot: Snapshot, scope: Scope, key: string): boolean {
  return snapshot.flags.has(key) && !(scope === 'client' && isServerOnly(snapshot, key));
}

/**
 * One OFREP evaluation result. A resolution without a variant (DISABLED, DEFAULT without a default
 * variant) carries no `value`: the provider then uses the code default (OFREP ADR 0006).
 */
export function ofrepResult(key: string, details: ResolutionDetails<unknown>, scope: Scope = 'server') {
  if (details.errorCode) {
    // An error message can quote the rule (a regex, a list of emails): client keys get the code only.
    const errorDetails = scope === 'client' ? `flag '${key}' could not be evaluated (${details.errorCode})` : (details.errorMessage ?? details.errorCode);
    return { key, errorCode: details.errorCode, errorDetails };
  }
  const out: Record<string, unknown> = { key, reason: details.reason };
  if (details.variant !== undefined) {
    out.value = details.value;
    out.variant = details.variant;
  }
  out.metadata = details.flagMetadata;
  return out;
}

export function evaluateOne(snapshot: Snapshot, scope: Scope, key: string, context: EvaluationContext): { status: number; body: object } {
  if (!evaluable(snapshot, scope, key)) return { status: 404, body: { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag '${key}' not found` } };
  const result = ofrepResult(key, snapshot.resolve(key, undefined, undefined, context), scope);
  return { status: 'errorCode' in result ? 400 : 200, body: result };
}

export function evaluateAll(snapshot: Snapshot, scope: Scope, context: EvaluationContext): { flags: object[] } {
  const flags: object[] = [];
  for (const key of snapshot.flags.keys()) {
    if (evaluable(snapshot, scope, key)) flags.push(ofrepResult(key, snapshot.resolve(key, undefined, undefined, context), scope));
  }
  return { flags };
}
