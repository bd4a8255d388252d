/** A parsed semantic version (build metadata dropped: it never affects precedence). */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

const MAX_LENGTH = 256;
// Dot-separated identifiers: the separator is outside the repeated class, so matching is linear.
const FULL = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([\da-z-]+(?:\.[\da-z-]+)*))?(?:\+[\da-z-]+(?:\.[\da-z-]+)*)?$/i;
const PARTIAL = /^v?(\d+)(?:\.(\d+))?$/i;

/**
 * Parses like flagd: an optional leading `v`/`V`, then strict SemVer 2.0; partial versions `1` and
 * `1.2` are read as `1.0.0` and `1.2.0`; anything else (or a number past 2^53) is null.
 */
export function parseSemVer(raw: unknown): SemVer | null {
  const text = String(raw).trim();
  if (text.length > MAX_LENGTH) return null;
  const partial = PARTIAL.exec(text);
  const m = partial ?? FULL.exec(text);
  if (!m) return null;
  const [major, minor, patch] = [m[1], m[2], partial ? 0 : m[3]].map((n) => Number(n ?? 0));
  const prerelease: (string | number)[] = [];
  for (const id of m[4]?.split('.') ?? []) {
    if (!/^\d+$/.test(id)) prerelease.push(id);
    else if (id.length > 1 && id[0] === '0') return null; // numeric identifiers have no leading zeros
    else prerelease.push(Number(id));
  }
  const numbers = [major, minor, patch, ...prerelease.filter((id) => typeof id === 'number')];
  return numbers.every(Number.isSafeInteger) ? { major, minor, patch, prerelease } : null;
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
