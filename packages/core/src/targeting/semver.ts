/** A parsed semantic version (build metadata dropped: it never affects precedence). */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

const MAX_LENGTH = 256;
const NUMERIC = /^(0|[1-9]\d*)$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;
const PARTIAL = /^\d+(\.\d+)?$/;

function numeric(part: string): number | null {
  if (!NUMERIC.test(part)) return null;
  const n = Number(part);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Parses like flagd: an optional leading `v`/`V`, then strict SemVer 2.0; partial versions `1` and
 * `1.2` are read as `1.0.0` and `1.2.0`; anything else is null. Written without backtracking regexes.
 */
export function parseSemVer(raw: unknown): SemVer | null {
  let text = String(raw).trim();
  if (text.length > MAX_LENGTH) return null;
  if (text[0] === 'v' || text[0] === 'V') text = text.slice(1);

  if (PARTIAL.test(text)) {
    const [major, minor = '0'] = text.split('.');
    const ma = Number(major);
    const mi = Number(minor);
    return Number.isSafeInteger(ma) && Number.isSafeInteger(mi) ? { major: ma, minor: mi, patch: 0, prerelease: [] } : null;
  }

  const plus = text.indexOf('+');
  if (plus !== -1) {
    const build = text.slice(plus + 1).split('.');
    if (!build.every((id) => IDENTIFIER.test(id))) return null;
    text = text.slice(0, plus);
  }
  const dash = text.indexOf('-');
  const core = (dash === -1 ? text : text.slice(0, dash)).split('.');
  if (core.length !== 3) return null;
  const [major, minor, patch] = core.map(numeric);
  if (major === null || minor === null || patch === null) return null;

  const prerelease: (string | number)[] = [];
  if (dash !== -1) {
    for (const id of text.slice(dash + 1).split('.')) {
      if (!IDENTIFIER.test(id)) return null;
      if (/^\d+$/.test(id)) {
        const n = numeric(id);
        if (n === null) return null; // leading zero or too large
        prerelease.push(n);
      } else {
        prerelease.push(id);
      }
    }
  }
  return { major, minor, patch, prerelease };
}

/** SemVer precedence: -1, 0 or 1. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa.length === 0 || pb.length === 0) return pb.length - pa.length === 0 ? 0 : pa.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (i >= pa.length) return -1;
    if (i >= pb.length) return 1;
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1; // numeric identifiers sort before alphanumeric ones
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
