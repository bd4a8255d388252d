import { bearer, isFinalStatus, PATHS, Poller, PollError, reasonOf, retry, retryAfterMs, serverUrl, serverUrlProblem, type RollbackRequest } from '@switchyard/core';

/** A Switchyard server to report rollbacks to (a server key). */
export interface ReportTarget {
  readonly url: string;
  readonly key?: string;
  readonly timeoutMs?: number;
  /** Retries of a failed report (unreachable, 5xx, 429); default 4. */
  readonly retries?: number;
  /** First backoff, jittered and doubled each time; default 500 ms. */
  readonly retryMs?: number;
}

/** What is wrong with a report target (each with its fix), checked at construction: a typo there would otherwise only show as failed reports, later. */
export function reportTargetProblems(target: ReportTarget): string[] {
  if (typeof target !== 'object' || target === null) return ['report must be { url, key? }'];
  const problems = [serverUrlProblem(target.url, 'report.url')];
  if (target.key !== undefined && typeof target.key !== 'string') problems.push('report.key must be a string');
  for (const name of ['timeoutMs', 'retryMs'] as const) {
    const value = target[name];
    if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) problems.push(`report.${name} must be a positive number of milliseconds`);
  }
  if (target.retries !== undefined && !(Number.isInteger(target.retries) && target.retries >= 0)) problems.push('report.retries must be a whole number, 0 or more');
  return problems.filter((p): p is string => p !== undefined);
}

export type ReportOutcome = 'reported' | 'not reported' | `failed: ${string}`;

/**
 * `POST /v1/rollbacks`: the server pins the flag for every instance. Unreachable, 5xx, 408 and 429
 * are asked again with jittered backoff; any other 4xx (a wrong key or flag) is final. Never rejects.
 */
export async function reportRollback(target: ReportTarget, body: RollbackRequest, logger: { error(message: string): void }): Promise<ReportOutcome> {
  const poller = new Poller(
    async (signal) => {
      let res: Response;
      try {
        res = await fetch(serverUrl(target, PATHS.rollbacks), { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(target) }, body: JSON.stringify(body), signal });
      } catch (e) {
        throw new PollError(((e as Error).cause as Error)?.message ?? (e as Error).message);
      }
      if (res.ok) return;
      throw new PollError(`HTTP ${res.status} ${await reasonOf(res)}`, retryAfterMs(res.headers.get('retry-after')), isFinalStatus(res.status));
    },
    { pollIntervalMs: 0, timeoutMs: target.timeoutMs ?? 5_000, backoff: { initialMs: target.retryMs ?? 500 }, label: target.url },
  );
  const failure = await retry(poller, (target.retries ?? 4) + 1);
  if (!failure) return 'reported';
  logger.error(`switchyard: could not report the rollback of ${body.flag} to ${target.url}: ${failure.message} (rolled back in this process only)`);
  return `failed: ${failure.message}`;
}
