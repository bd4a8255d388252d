import type { FlagDefinition, FlagDocument } from '../model/document.js';
import type { FlagMetadata } from '../model/types.js';
import { compileFlag, type Flag } from './flag.js';
import { Snapshot } from './snapshot.js';

/**
 * A flag pinned to one variant for everyone: a guard's or an operator's rollback. It holds while the
 * flag's definition at its source is the one it was made against (`baseline`); a different one means
 * someone acted on the flag, and that decision wins.
 */
export interface Pin {
  readonly flag: string;
  readonly variant: string;
  readonly reason: string;
  /** Who pinned it (a guard, an operator), when known. */
  readonly by?: string;
  /** When, as an ISO 8601 time. */
  readonly at: string;
  /** `flagFingerprint` of the flag at its source when it was pinned. */
  readonly baseline: string;
  /**
   * Fingerprints of definitions of the flag served before the pin (most recent last): a source still
   * serving one of those — a replica not yet updated in a rolling deploy — has not acted on the flag.
   */
  readonly known?: readonly string[];
}

/** Why a pin stopped applying. */
export interface LiftedPin {
  readonly pin: Pin;
  readonly why: 'changed' | 'removed' | 'no-variant';
}

/** Key-order-independent JSON: two definitions that are `deepEqual` have the same canonical text. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * What a flag is: its state, variants, default variant, targeting, its own metadata and the
 * `$evaluators` its targeting references. Two snapshots' fingerprints of a flag differ exactly when
 * `diffSnapshots` reports the flag changed — except for flag-set metadata, which the diff counts for
 * every flag (flagd does) but which says nothing about one flag: a deploy that bumps a top-level
 * version must not lift a rollback. Undefined when the flag is absent.
 */
export function flagFingerprint(snapshot: Snapshot, key: string): string | undefined {
  const flag = snapshot.flags.get(key);
  if (flag === undefined) return undefined;
  const { state, variants, defaultVariant, targeting, metadata } = flag.definition;
  const evaluators = snapshot.document.$evaluators ?? {};
  const refs = [...flag.refs].sort().map((name) => [name, Object.hasOwn(evaluators, name) ? evaluators[name] : null]);
  return canonical({ state, variants, defaultVariant: defaultVariant || null, targeting: targeting ?? null, metadata: metadata ?? null, refs });
}

/**
 * A pin of `flag` to `variant` against the snapshot's current definition (and, in `known`, earlier
 * definitions that must not lift it); RangeError if there is no such flag or variant.
 */
export function pinOf(snapshot: Snapshot, flag: string, variant: string, why: { reason: string; by?: string; at?: string; known?: readonly string[] }): Pin {
  const definition = snapshot.flags.get(flag);
  if (!definition) throw new RangeError(`no flag "${flag}"`);
  if (!definition.variants.has(variant)) throw new RangeError(`flag "${flag}" has no variant "${variant}"`);
  const baseline = flagFingerprint(snapshot, flag)!;
  const known = why.known?.filter((k) => k !== baseline);
  return { flag, variant, reason: why.reason, ...(why.by ? { by: why.by } : {}), at: why.at ?? new Date().toISOString(), baseline, ...(known?.length ? { known } : {}) };
}

/** Whether the flag's definition at the source is the one the pin was made against, or one served before it. */
export function definitionHolds(source: Snapshot, pin: Pin): boolean {
  const fingerprint = flagFingerprint(source, pin.flag);
  return fingerprint !== undefined && (fingerprint === pin.baseline || (pin.known?.includes(fingerprint) ?? false));
}

/** What `flagMetadata.rolledBack` says about a pin. */
export const pinNote = (pin: Pin): string => (pin.by ? `${pin.at} by ${pin.by}: ${pin.reason}` : pin.reason);

/**
 * The source snapshot with its pins applied: a pinned flag serves its variant to everyone (reason
 * STATIC, no targeting runs, `flagMetadata.rolledBack` says why), in evaluation and in the document a
 * server re-serves. A pin is lifted — returned, never applied — when its flag is gone, lacks the
 * variant, or has a definition that is neither its baseline nor one it `known`s from before (`holds`
 * decides that last part; a caller whose lifting happens elsewhere passes one that always holds).
 * Only pinned flags are rebuilt; the rest are shared with the source.
 */
export function applyPins(source: Snapshot, pins: Iterable<Pin>, holds: (source: Snapshot, pin: Pin) => boolean = definitionHolds): { snapshot: Snapshot; lifted: LiftedPin[] } {
  const lifted: LiftedPin[] = [];
  let flags: Map<string, Flag> | undefined;
  let definitions: Record<string, FlagDefinition> | undefined;
  for (const pin of pins) {
    const flag = source.flags.get(pin.flag);
    if (!flag) lifted.push({ pin, why: 'removed' });
    else if (!flag.variants.has(pin.variant)) lifted.push({ pin, why: 'no-variant' });
    else if (!holds(source, pin)) lifted.push({ pin, why: 'changed' });
    else {
      const { targeting: _, ...rest } = flag.definition;
      const definition: FlagDefinition = Object.freeze({ ...rest, defaultVariant: pin.variant, metadata: Object.freeze({ ...rest.metadata, rolledBack: pinNote(pin) }) });
      (definitions ??= { ...source.document.flags })[pin.flag] = definition;
      (flags ??= new Map(source.flags)).set(pin.flag, compileFlag(pin.flag, definition, source.metadata as FlagMetadata, new Map(), { now: Date.now, seconds: -1 }));
    }
  }
  if (!flags) return { snapshot: source, lifted };
  const document: FlagDocument = Object.freeze({ ...source.document, flags: Object.freeze(definitions!) });
  return { snapshot: new Snapshot(flags, source.metadata, document, source.flagIssues), lifted };
}
