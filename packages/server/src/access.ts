import { createHash } from 'node:crypto';
import type { Scope } from './audience.js';
import { HttpError } from './http/respond.js';

/** An API key as configured: the key itself or its SHA-256 (hex), so files need not hold secrets. */
export interface KeySpec {
  readonly key?: string;
  readonly sha256?: string;
  readonly environment: string;
  readonly scope: Scope;
  /** Shown in metrics and logs instead of the key. */
  readonly name?: string;
}

export interface AccessConfig {
  readonly keys: readonly KeySpec[];
  /** Browser origins allowed to call the API (`*` for any). */
  readonly corsOrigins?: readonly string[] | '*';
}

export interface Principal {
  readonly environment: string;
  readonly scope: Scope;
  readonly name: string;
}

export class ConfigError extends Error {}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Reads the `--keys` file; every problem is reported with where it is. */
export function parseAccessConfig(text: string, environments: readonly string[]): AccessConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`keys file is not valid JSON: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  const obj = raw as { keys?: unknown; cors?: { origins?: unknown } };
  if (typeof raw !== 'object' || raw === null || !Array.isArray(obj.keys)) throw new ConfigError('keys file must be an object with a "keys" array');
  const keys: KeySpec[] = [];
  obj.keys.forEach((k: Record<string, unknown>, i: number) => {
    const at = `keys[${i}]`;
    if (typeof k !== 'object' || k === null) return problems.push(`${at}: must be an object`);
    if ((typeof k.key === 'string') === (typeof k.sha256 === 'string')) problems.push(`${at}: give exactly one of "key" or "sha256"`);
    if (typeof k.key === 'string' && k.key.length < 16) problems.push(`${at}.key: use at least 16 characters`);
    if (typeof k.sha256 === 'string' && !/^[0-9a-f]{64}$/.test(k.sha256)) problems.push(`${at}.sha256: must be 64 lowercase hex digits`);
    if (k.scope !== 'server' && k.scope !== 'client') problems.push(`${at}.scope: must be "server" or "client"`);
    if (typeof k.environment !== 'string' || !environments.includes(k.environment)) {
      problems.push(`${at}.environment: must be one of ${environments.join(', ')}, not ${JSON.stringify(k.environment)}`);
    }
    keys.push(k as unknown as KeySpec);
  });
  const origins = obj.cors?.origins;
  if (origins !== undefined && origins !== '*' && !(Array.isArray(origins) && origins.every((o) => typeof o === 'string'))) {
    problems.push('cors.origins: must be "*" or an array of origins');
  }
  if (problems.length > 0) throw new ConfigError(`invalid keys file:\n  ${problems.join('\n  ')}`);
  return { keys, corsOrigins: origins as AccessConfig['corsOrigins'] };
}

/**
 * Looks keys up by their SHA-256, so the lookup time does not depend on how much of a guessed key
 * matches a real one, and keys can be configured as hashes.
 */
export class KeyRing {
  private readonly byHash = new Map<string, Principal>();

  constructor(keys: readonly KeySpec[]) {
    keys.forEach((k, i) => {
      const hash = k.sha256 ?? sha256(k.key!);
      this.byHash.set(hash, { environment: k.environment, scope: k.scope, name: k.name ?? `${k.environment}-${k.scope}-${i}` });
    });
  }

  lookup(presented: string): Principal | undefined {
    return this.byHash.get(sha256(presented));
  }
}

/** A name from the request, echoed in an error: quoted and cut short. */
const quoted = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/**
 * The environment that answers a request, given the one it names (`X-Switchyard-Environment` or
 * `?env=`, if any). A key answers for its own: naming another is refused (403) — never answered
 * quietly from the key's, which would be the wrong flags. An open server answers for the one named
 * (404 if none is called that) or its only one; with several and none named it refuses (400) rather
 * than guess.
 */
export function chooseEnvironment(asked: string | undefined, served: readonly string[], keyEnvironment?: string): string {
  if (keyEnvironment !== undefined) {
    if (asked !== undefined && asked !== keyEnvironment) throw new HttpError(403, { error: `this key is for environment ${quoted(keyEnvironment)}, not ${quoted(asked)}` });
    return keyEnvironment;
  }
  if (asked !== undefined) {
    if (!served.includes(asked)) throw new HttpError(404, { error: `no environment ${quoted(asked)}` });
    return asked;
  }
  if (served.length === 1) return served[0];
  throw new HttpError(400, { error: `this server serves several environments (${served.join(', ')}): name one with ?env= (or X-Switchyard-Environment)` });
}
