import { childPath, type Issue, type JsonValue } from '@switchyard/core';
import type { AppConfigFlag } from './to-flagd.js';
import { checkEnabled, isObject } from './json.js';

/**
 * The retrieval format, what GetLatestConfiguration and the agent return:
 * `{"ui_refresh": {"enabled": true, "max_items": 25}, "kill": {"enabled": false}}` — attributes only
 * when enabled, plus `_variant` when the agent evaluated a multi-variant flag.
 */
export function readRetrieval(json: Record<string, JsonValue>, issues: Issue[]): AppConfigFlag[] {
  const flags: AppConfigFlag[] = [];
  for (const [key, entry] of Object.entries(json)) {
    const path = childPath('$', key);
    if (!isObject(entry)) {
      issues.push({ path, message: 'a flag must be an object with "enabled"' });
      continue;
    }
    if (!checkEnabled(entry.enabled, childPath(path, 'enabled'), issues)) continue;
    const variant = entry._variant;
    if (variant !== undefined && (typeof variant !== 'string' || variant === '')) {
      issues.push({ path: childPath(path, '_variant'), message: 'must be a non-empty string' });
      continue;
    }
    const attributes: Record<string, JsonValue> = {};
    for (const [name, value] of Object.entries(entry)) if (name !== 'enabled' && name !== '_variant') attributes[name] = value;
    flags.push({
      key,
      variants: [{ name: variant ?? (entry.enabled ? 'enabled' : 'disabled'), enabled: entry.enabled, attributes }],
      multiVariant: variant !== undefined,
      metadata: {},
    });
  }
  return flags;
}
