import { readCapped, reasonOf } from '@switchyard/core';
import { deliveryReport, formatReport, type AuditRecord, type DeliveryReport } from '@switchyard/server';
import { checkUrl, IoError, parseJson, parseNow, readText, UsageError, type Output } from '../io.js';

/** A report is a few figures and one line per flag: far below this, whatever a server sends. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024;

export interface ReportCommandOptions {
  url?: string;
  key?: string;
  env?: string;
  trail?: string;
  days?: string;
  now?: string;
  json?: boolean;
}

/**
 * `switchyard report`: delivery metrics (change failure rate, time to rollback, blast radius, flag
 * age) from a server (`--url`, `GET /v1/report`, a server key) or from a recorded audit trail
 * (`--trail FILE`: what `/v1/changes` returned, `{"changes": [...]}` or the array). Exit 0, or 2.
 */
export async function report(options: ReportCommandOptions, io: Output): Promise<number> {
  const days = options.days === undefined ? 30 : Number(options.days);
  if (!(days > 0 && days <= 3650)) throw new UsageError(`--days must be a number of days, 1–3650, not ${options.days}`);
  let environment: string;
  let result: DeliveryReport;
  if (options.trail !== undefined) {
    if (options.url !== undefined) throw new UsageError('report takes --url or --trail, not both');
    const parsed = parseJson(await readText(options.trail), options.trail) as { changes?: unknown; environment?: unknown } | unknown[];
    const trail = Array.isArray(parsed) ? parsed : parsed?.changes;
    if (!Array.isArray(trail)) throw new UsageError(`${options.trail} is not an audit trail (an array of entries, or {"changes": [...]})`);
    environment = (!Array.isArray(parsed) && typeof parsed?.environment === 'string' ? parsed.environment : undefined) ?? options.trail;
    result = deliveryReport(trail as AuditRecord[], { days, now: (parseNow(options.now) ?? Date.now)() });
  } else if (options.url !== undefined) {
    checkUrl(options.url, '--url');
    const url = new URL(`${options.url.replace(/\/+$/, '')}/v1/report`);
    url.searchParams.set('days', String(days));
    if (options.env) url.searchParams.set('env', options.env);
    let res: Response;
    try {
      res = await fetch(url, { headers: options.key ? { Authorization: `Bearer ${options.key}` } : {}, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new IoError(`cannot reach ${options.url}: ${((e as Error).cause as Error)?.message ?? (e as Error).message}`);
    }
    // The server's reason (`{"error"}`), on one line, cut short: it is printed to a terminal.
    if (!res.ok) throw new IoError(`${url.origin}/v1/report answered ${res.status}: ${await reasonOf(res)}`);
    // A body cut off (the connection dropped, the timeout) is the server's failure, said like the others.
    const [text, whole] = await readCapped(res, MAX_REPORT_BYTES).catch((e: Error) => {
      throw new IoError(`${url.origin}/v1/report: the answer broke off: ${(e.cause as Error)?.message ?? e.message}`);
    });
    if (!whole) throw new IoError(`${url.origin}/v1/report sent more than ${MAX_REPORT_BYTES} bytes: not a report`);
    try {
      ({ environment, ...result } = JSON.parse(text) as DeliveryReport & { environment: string });
    } catch {
      throw new IoError(`${url.origin}/v1/report answered with no JSON: not a Switchyard server?`);
    }
  } else {
    throw new UsageError('report needs --url URL (a server key with --key) or --trail FILE');
  }
  io.out(options.json ? JSON.stringify({ environment, ...result }, null, 2) : formatReport(environment, result));
  return 0;
}
