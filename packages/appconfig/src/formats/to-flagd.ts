import { splitLogic } from '../rules/to-json-logic.js';
import type { JsonObject, JsonValue, MetadataValue } from '@switchyard/core';

/** One AppConfig variant, whatever format it came from. A simple flag is one variant. */
export interface AppConfigVariant {
  readonly name: string;
  readonly enabled: boolean;
  readonly attributes: Readonly<Record<string, JsonValue>>;
  /** JSON Logic deciding whether this variant applies; absent on the last (default) variant. */
  readonly rule?: JsonValue;
}

/** One AppConfig flag: its variants in evaluation order (first match wins; the last is the default). */
export interface AppConfigFlag {
  readonly key: string;
  readonly variants: readonly AppConfigVariant[];
  /** True for `_variants` flags: their object value carries `_variant`, as the agent's does. */
  readonly multiVariant: boolean;
  readonly metadata: Readonly<Record<string, MetadataValue>>;
}

export interface SurfaceOptions {
  /**
   * Opt-in deterministic rollout for simple flags: an enabled flag whose attribute of this name is a
   * number from 0 to 100 is on for that percentage of targeting keys (sticky, per flag), off for the
   * rest — instead of the `Math.random() * 100 < pct` each service used to roll.
   */
  readonly rolloutAttribute?: string;
  /** Flag-set metadata for the translated document (e.g. `{ clientSide: true }` for `switchyard serve`). */
  readonly metadata?: Readonly<Record<string, MetadataValue>>;
}

/** The suffix of the object view: `ui_refresh.$value` is `{enabled, …attributes}` as AppConfig returns it. */
export const VALUE_SUFFIX = '.$value';

const MAX_ROLLOUT_DECIMALS = 4;

/** Applies the opt-in percentage rollout to a simple flag, if it qualifies. */
export function withRollout(flag: AppConfigFlag, attribute: string | undefined): AppConfigFlag {
  if (!attribute || flag.multiVariant || flag.variants.length !== 1) return flag;
  const [only] = flag.variants;
  const pct = only.attributes[attribute];
  if (!only.enabled || typeof pct !== 'number' || !(pct >= 0 && pct <= 100)) return flag;
  const scale = 10 ** MAX_ROLLOUT_DECIMALS;
  const inside = Math.round(pct * scale);
  const rule = splitLogic({ var: 'targetingKey' }, flag.key, inside, 100 * scale - inside);
  return {
    ...flag,
    variants: [
      { name: 'rollout', enabled: true, attributes: only.attributes, rule },
      { name: 'holdout', enabled: false, attributes: only.attributes },
    ],
  };
}

/**
 * AppConfig flags → one flagd document. Each AppConfig flag `k` becomes:
 * - `k`: boolean, the chosen variant's `enabled`; variant = the AppConfig variant name.
 * - `k.<attribute>`: that attribute's value while the chosen variant is enabled (AppConfig serves
 *   attributes only then); otherwise the caller's default. Arrays are only in the object view.
 * - `k.$value`: the object AppConfig itself returns (`enabled`, attributes, `_variant`).
 * Variant rules are `$evaluators` named `k/<variant>`, referenced by all three, so diffs and events
 * name every flag a rule change affects.
 */
export function toFlagdDocument(flags: readonly AppConfigFlag[], options: SurfaceOptions = {}): JsonObject {
  const out: Record<string, JsonValue> = {};
  const evaluators: Record<string, JsonValue> = {};
  for (const original of flags) {
    const flag = withRollout(original, options.rolloutAttribute);
    const { key, variants } = flag;
    const evaluatorName = (v: AppConfigVariant) => `${key}/${v.name}`;
    for (const v of variants) if (v.rule !== undefined) evaluators[evaluatorName(v)] = v.rule;
    const metadata = { ...flag.metadata, appconfigFlag: key };

    /** A flagd flag whose value for each AppConfig variant is `valueOf(v)`; undefined = caller's default. */
    const emit = (flagKey: string, valueOf: (v: AppConfigVariant) => JsonValue | undefined) => {
      const values: Record<string, JsonValue> = {};
      for (const v of variants) {
        const value = valueOf(v);
        if (value !== undefined) values[v.name] = value;
      }
      const names = Object.keys(values);
      if (names.length === 0) return;
      const last = variants[variants.length - 1];
      const everyVariantHasOne = names.length === variants.length;
      const definition: Record<string, JsonValue> = { state: 'ENABLED', variants: values, metadata };
      if (variants.length === 1) {
        definition.defaultVariant = last.name;
      } else {
        // First match wins. When a variant has no value here, the chain says so (null) and there is no
        // default variant to fall back on, so the caller's default is served.
        const chain: JsonValue[] = [];
        for (const v of variants.slice(0, -1)) chain.push({ $ref: evaluatorName(v) }, v.name in values ? v.name : null);
        chain.push(everyVariantHasOne ? null : last.name in values ? last.name : null);
        definition.targeting = { if: chain };
        definition.defaultVariant = everyVariantHasOne ? last.name : null;
      }
      out[flagKey] = definition;
    };

    emit(key, (v) => v.enabled);
    emit(`${key}${VALUE_SUFFIX}`, (v) => ({ enabled: v.enabled, ...(v.enabled ? v.attributes : {}), ...(flag.multiVariant ? { _variant: v.name } : {}) }));
    for (const attribute of attributeNames(variants)) {
      emit(`${key}.${attribute}`, (v) => {
        const value = v.enabled ? v.attributes[attribute] : undefined;
        return value === undefined || value === null || Array.isArray(value) ? undefined : value;
      });
    }
  }
  const document: JsonObject = { flags: out };
  if (Object.keys(evaluators).length > 0) document.$evaluators = evaluators;
  if (options.metadata) document.metadata = { ...options.metadata };
  return document;
}

/** Attribute names whose values share one flag type across variants (flagd needs one per flag). */
function attributeNames(variants: readonly AppConfigVariant[]): string[] {
  const types = new Map<string, string | null>();
  for (const v of variants) {
    for (const [name, value] of Object.entries(v.attributes)) {
      if (value === null || Array.isArray(value)) continue;
      const type = typeof value;
      const seen = types.get(name);
      types.set(name, seen === undefined || seen === type ? type : null);
    }
  }
  return [...types].filter(([, type]) => type !== null).map(([name]) => name);
}
