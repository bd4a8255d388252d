// Scheduled rollouts written as plain flagd targeting, so any flagd-compatible evaluator agrees:
//
//   { "if": [ { ">=": [{ "var": "$flagd.timestamp" }, T3] }, { "fractional": [["on", 50], ["off", 50]] },
//             { ">=": [{ "var": "$flagd.timestamp" }, T2] }, { "fractional": [["on", 10], ["off", 90]] },
//             { ">=": [{ "var": "$flagd.timestamp" }, T1] }, { "fractional": [["on", 1], ["off", 99]] },
//             "off" ] }
//
// Every step keeps the treatment first and the total at 100, so a user's bucket never moves and a
// user in at 1% is in at 10%: with non-decreasing percentages, nobody drops out as the rollout grows.

export interface Step {
  /** Epoch seconds, as `$flagd.timestamp`. */
  readonly at: number;
  /** Share of users on the treatment from `at`, 0–100. */
  readonly percent: number;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TIMESTAMP = { var: '$flagd.timestamp' };

/** "2026-12-01T09:00Z=1,2026-12-02T09:00Z=10": steps in time order; throws a message on nonsense. */
export function parseSteps(text: string): Step[] {
  const steps = text.split(',').map((part) => {
    const [when, percent, extra] = part.trim().split('=');
    const ms = Date.parse(when ?? '');
    const p = Number(percent);
    if (extra !== undefined || !Number.isFinite(ms) || percent === undefined || !Number.isInteger(p) || p < 0 || p > 100) {
      throw new Error(`a step is ISO-TIME=PERCENT with an integer 0–100, not ${JSON.stringify(part.trim())}`);
    }
    return { at: Math.floor(ms / 1000), percent: p };
  });
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].at <= steps[i - 1].at) throw new Error('steps must be in strictly increasing time order');
    if (steps[i].percent < steps[i - 1].percent) throw new Error('percentages must not decrease: users already in would drop out (roll back by editing the flag instead)');
  }
  if (steps.length === 0) throw new Error('at least one step is needed');
  return steps;
}

/** The targeting for `steps`: `control` before the first step, then each step's split. */
export function scheduleTargeting(steps: readonly Step[], treatment: string, control: string): Json {
  const branches = [...steps].reverse().flatMap((s) => [{ '>=': [TIMESTAMP, s.at] }, { fractional: [[treatment, s.percent], [control, 100 - s.percent]] }]);
  return { if: [...branches, control] };
}

/** A split of users: a `fractional` without a custom bucketing expression. */
function isSplit(rule: Json): rule is { fractional: [string, number][] } {
  return isObject(rule) && Array.isArray(rule.fractional) && rule.fractional.every((b) => Array.isArray(b) && typeof b[0] === 'string' && (b[1] === undefined || typeof b[1] === 'number'));
}

/** The steps of a schedule written by `scheduleTargeting` (or undefined if `rule` is not one). */
export function readSchedule(rule: Json): { steps: Step[]; splits: [string, number][][]; control: string } | undefined {
  if (!isObject(rule) || !Array.isArray(rule.if) || rule.if.length < 3 || rule.if.length % 2 === 0) return undefined;
  const parts = rule.if;
  const control = parts[parts.length - 1];
  if (typeof control !== 'string') return undefined;
  const steps: Step[] = [];
  const splits: [string, number][][] = [];
  for (let i = 0; i < parts.length - 1; i += 2) {
    const cond = parts[i];
    const split = parts[i + 1];
    if (!isObject(cond) || !Array.isArray(cond['>=']) || JSON.stringify(cond['>='][0]) !== JSON.stringify(TIMESTAMP) || typeof cond['>='][1] !== 'number' || !isSplit(split)) return undefined;
    const first = split.fractional[0];
    const total = split.fractional.reduce((sum, b) => sum + (b[1] ?? 1), 0);
    steps.unshift({ at: cond['>='][1], percent: total > 0 ? ((first[1] ?? 1) / total) * 100 : 0 });
    splits.unshift(split.fractional);
  }
  return { steps, splits, control };
}

/** Where a rollout lives in a flag's targeting: all of it, or the last branch of a top-level `if`. */
function rolloutSlot(targeting: Json): 'whole' | 'else' | undefined {
  if (targeting === undefined || isSplit(targeting) || readSchedule(targeting)) return 'whole';
  if (isObject(targeting) && Array.isArray(targeting.if) && targeting.if.length >= 3 && targeting.if.length % 2 === 1) {
    const last = targeting.if[targeting.if.length - 1];
    if (typeof last === 'string' || last === null || isSplit(last) || readSchedule(last)) return 'else';
  }
  return undefined;
}

/**
 * The flag's targeting with the rollout in place: replaces an existing split or schedule, or the final
 * "everyone else" branch of a rule such as "internal users first" — rules before it keep precedence.
 */
export function placeRollout(targeting: Json, schedule: Json): Json {
  const slot = rolloutSlot(targeting);
  if (slot === 'whole') return schedule;
  if (slot === 'else') {
    const parts = (targeting as { if: Json[] }).if;
    return { ...(targeting as object), if: [...parts.slice(0, -1), schedule] };
  }
  throw new Error('the targeting has no place for a rollout: expected none, a fractional, or an "if" whose last branch is a variant or a fractional');
}

/**
 * The share of users on the first (treatment) variant at `now` (epoch seconds) — of the rollout in
 * `targeting` as `placeRollout` finds it; undefined when there is none.
 */
export function rolloutShare(targeting: Json, now: number): { percent: number; treatment: string; schedule?: Step[] } | undefined {
  const slot = rolloutSlot(targeting);
  if (slot === undefined || targeting === undefined) return undefined;
  const rule = slot === 'whole' ? targeting : (targeting as { if: Json[] }).if.at(-1);
  const schedule = readSchedule(rule);
  if (schedule) {
    const current = schedule.steps.filter((s) => s.at <= now).at(-1);
    return { percent: current?.percent ?? 0, treatment: schedule.splits[0][0][0], schedule: schedule.steps };
  }
  if (!isSplit(rule)) return undefined;
  const total = rule.fractional.reduce((sum, b) => sum + (b[1] ?? 1), 0);
  return { percent: total > 0 ? ((rule.fractional[0][1] ?? 1) / total) * 100 : 0, treatment: rule.fractional[0][0] };
}
