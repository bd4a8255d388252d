import { extensionOperators, parseFlags, type Snapshot } from '@switchyard/core';
import { formatTranslator, type SurfaceOptions } from '../src/index.js';

/** Loads any supported format through the core, as providers and the CLI do; throws on rejection. */
export function load(json: unknown, options: SurfaceOptions = {}): Snapshot {
  const result = parseFlags(json, { translate: formatTranslator('auto', options), operators: extensionOperators });
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  if (result.issues.length > 0) throw new Error(`flag issues: ${JSON.stringify(result.issues)}`);
  return result.snapshot;
}

/** The issues a rejected document produced, as "path: message" lines. */
export function rejection(json: unknown, options: SurfaceOptions = {}): string[] {
  const result = parseFlags(json, { translate: formatTranslator('auto', options), operators: extensionOperators });
  if (result.ok) throw new Error('accepted');
  return result.issues.map((i) => `${i.path}: ${i.message}`);
}

/** A hosted document with one multi-variant flag `f` whose variants have these rules. */
export function variantsDoc(rules: (string | undefined)[], attributes: Record<string, unknown>[] = []): unknown {
  return {
    version: '1',
    flags: { f: { name: 'F', attributes: { level: { constraints: { type: 'number' } } } } },
    values: {
      f: {
        _variants: rules.map((rule, i) => ({
          name: `v${i}`,
          enabled: true,
          ...(rule === undefined ? {} : { rule }),
          ...(attributes[i] ? { attributeValues: attributes[i] } : {}),
        })),
      },
    },
  };
}
