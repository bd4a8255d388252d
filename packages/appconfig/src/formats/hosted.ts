import { childPath, compileRegex, RegexSyntaxError, type Issue, type JsonValue, type LinearRegex, type MetadataValue } from '@switchyard/core';
import { RuleSyntaxError } from '../rules/parse.js';
import { ruleToJsonLogic } from '../rules/to-json-logic.js';
import { checkEnabled, describe, isObject } from './json.js';
import type { AppConfigFlag, AppConfigVariant } from './to-flagd.js';

/**
 * The hosted format teams keep in source control and deploy:
 * `{"version": "1", "flags": {key: {name, description?, attributes?: {attr: {constraints}}}},
 *   "values": {key: {enabled, attr: value…, _variants?: [{name, enabled, rule?, attributeValues?}]}}}`.
 * Everything is checked (keys, constraints, rules) and every problem reported with its path.
 */

export const KEY_PATTERN = /^[a-z][a-zA-Z\d_-]{0,63}$/;
export const MAX_ATTRIBUTES = 25;
export const MAX_VARIANTS = 32;
const TYPES = ['number', 'string', 'boolean', 'array'] as const;
const ELEMENT_TYPES = ['number', 'string'] as const;

interface Constraint {
  readonly type: string;
  readonly required: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: LinearRegex;
  readonly enum?: readonly JsonValue[];
  readonly elements?: Constraint;
}

export function readHosted(json: Record<string, JsonValue>, issues: Issue[]): AppConfigFlag[] {
  const at = (...keys: (string | number)[]) => keys.reduce<string>((p, k) => childPath(p, k), '$');
  if (json.version !== '1') issues.push({ path: at('version'), message: `must be "1", not ${describe(json.version)}` });
  for (const key of Object.keys(json)) {
    if (key !== 'version' && key !== 'flags' && key !== 'values' && !key.startsWith('_')) issues.push({ path: at(key), message: 'unknown property' });
  }
  if (!isObject(json.flags)) {
    issues.push({ path: at('flags'), message: 'must be an object of flag key → definition' });
    return [];
  }
  const values = json.values === undefined ? {} : json.values;
  if (!isObject(values)) {
    issues.push({ path: at('values'), message: 'must be an object of flag key → value' });
    return [];
  }
  for (const key of Object.keys(values)) if (!Object.hasOwn(json.flags, key)) issues.push({ path: at('values', key), message: `no flag "${key}" is defined in flags` });

  const flags: AppConfigFlag[] = [];
  for (const [key, definition] of Object.entries(json.flags)) {
    if (!KEY_PATTERN.test(key)) issues.push({ path: at('flags', key), message: `flag keys must match ${KEY_PATTERN.source}` });
    if (!isObject(definition)) {
      issues.push({ path: at('flags', key), message: 'a flag definition must be an object' });
      continue;
    }
    const metadata = readDefinition(definition, (k) => at('flags', key, k), issues);
    const constraints = readAttributes(definition.attributes, (...k) => at('flags', key, 'attributes', ...k), issues);
    const value = values[key] ?? { enabled: false };
    const variants = readValue(key, value, constraints, (...k) => at('values', key, ...k), issues);
    if (variants) flags.push({ key, variants, multiVariant: isObject(value) && value._variants !== undefined, metadata });
  }
  return flags;
}

function readDefinition(definition: Record<string, JsonValue>, at: (key: string) => string, issues: Issue[]): Record<string, MetadataValue> {
  const metadata: Record<string, MetadataValue> = {};
  for (const [name, value] of Object.entries(definition)) {
    if (name === 'name' || name === 'description') {
      if (typeof value === 'string') metadata[name] = value;
      else issues.push({ path: at(name), message: `must be a string, not ${describe(value)}` });
    } else if (name === '_deprecation') {
      if (isObject(value) && typeof value.status === 'string') metadata.deprecation = value.status;
      else issues.push({ path: at(name), message: 'must be {"status": "planned"}' });
    } else if (name !== 'attributes' && !name.startsWith('_')) {
      issues.push({ path: at(name), message: 'unknown property (a flag has name, description, attributes, _deprecation)' });
    }
  }
  if (metadata.name === undefined) issues.push({ path: at('name'), message: 'missing required property "name"' });
  return metadata;
}

function readAttributes(raw: JsonValue | undefined, at: (...keys: (string | number)[]) => string, issues: Issue[]): Map<string, Constraint | null> {
  const out = new Map<string, Constraint | null>();
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    issues.push({ path: at(), message: 'must be an object of attribute name → {constraints}' });
    return out;
  }
  const names = Object.keys(raw);
  if (names.length > MAX_ATTRIBUTES) issues.push({ path: at(), message: `${names.length} attributes, over AppConfig's limit of ${MAX_ATTRIBUTES}` });
  for (const name of names) {
    if (!KEY_PATTERN.test(name)) issues.push({ path: at(name), message: `attribute names must match ${KEY_PATTERN.source}` });
    const attribute = raw[name];
    if (!isObject(attribute)) {
      issues.push({ path: at(name), message: 'must be an object, e.g. {"constraints": {"type": "number"}}' });
      continue;
    }
    out.set(name, attribute.constraints === undefined ? null : readConstraint(attribute.constraints, (...k) => at(name, 'constraints', ...k), issues, false));
  }
  return out;
}

function readConstraint(raw: JsonValue, at: (...keys: string[]) => string, issues: Issue[], element: boolean): Constraint | null {
  if (!isObject(raw)) {
    issues.push({ path: at(), message: 'must be an object with a "type"' });
    return null;
  }
  const allowed: readonly string[] = element ? ELEMENT_TYPES : TYPES;
  const type = raw.type;
  if (typeof type !== 'string' || !allowed.includes(type)) {
    issues.push({ path: at('type'), message: `must be one of ${allowed.join(', ')}` });
    return null;
  }
  const before = issues.length;
  const number = (name: string) => {
    const v = raw[name];
    if (v === undefined) return undefined;
    if (type !== 'number') issues.push({ path: at(name), message: `applies to numbers only, not to type ${type}` });
    else if (typeof v !== 'number') issues.push({ path: at(name), message: 'must be a number' });
    return typeof v === 'number' ? v : undefined;
  };
  const minimum = number('minimum');
  const maximum = number('maximum');
  if (minimum !== undefined && maximum !== undefined && minimum > maximum) issues.push({ path: at('maximum'), message: `is below minimum ${minimum}` });
  let pattern: LinearRegex | undefined;
  if (raw.pattern !== undefined) {
    if (type !== 'string' || typeof raw.pattern !== 'string') issues.push({ path: at('pattern'), message: 'must be a string, on a string attribute' });
    else {
      try {
        pattern = compileRegex(raw.pattern);
      } catch (e) {
        if (!(e instanceof RegexSyntaxError)) throw e;
        issues.push({ path: at('pattern'), message: `invalid pattern: ${e.message}` });
      }
    }
  }
  let enumValues: JsonValue[] | undefined;
  if (raw.enum !== undefined) {
    if (!Array.isArray(raw.enum) || raw.enum.length === 0 || raw.enum.some((v) => typeof v !== type)) issues.push({ path: at('enum'), message: `must be a non-empty list of ${type}s` });
    else enumValues = raw.enum;
    if (pattern) issues.push({ path: at('enum'), message: 'a string attribute takes pattern or enum, not both' });
  }
  let elements: Constraint | undefined;
  if (raw.elements !== undefined) {
    if (type !== 'array') issues.push({ path: at('elements'), message: 'applies to arrays only' });
    else elements = readConstraint(raw.elements, (...k) => at('elements', ...k), issues, true) ?? undefined;
  }
  if (raw.required !== undefined && typeof raw.required !== 'boolean') issues.push({ path: at('required'), message: 'must be true or false' });
  for (const name of Object.keys(raw)) {
    if (!['type', 'required', 'minimum', 'maximum', 'pattern', 'enum', 'elements'].includes(name)) issues.push({ path: at(name), message: 'unknown constraint' });
  }
  if (issues.length > before) return null;
  return { type, required: raw.required === true, minimum, maximum, pattern, enum: enumValues, elements };
}

/** Checks one attribute value against its constraint; returns the problem, if any. */
function violation(value: JsonValue, c: Constraint): string | undefined {
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (actual !== c.type) return `must be a ${c.type}, not ${describe(value)}`;
  if (typeof value === 'number') {
    if (c.minimum !== undefined && value < c.minimum) return `${value} is below the minimum ${c.minimum}`;
    if (c.maximum !== undefined && value > c.maximum) return `${value} is above the maximum ${c.maximum}`;
  }
  if (typeof value === 'string' && c.pattern && !c.pattern.test(value)) return `${JSON.stringify(value)} does not match pattern ${JSON.stringify(c.pattern.source)}`;
  if (c.enum && !c.enum.includes(value)) return `${JSON.stringify(value)} is not one of ${c.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (Array.isArray(value) && c.elements) {
    for (let i = 0; i < value.length; i++) {
      const problem = violation(value[i], c.elements);
      if (problem) return `element [${i}]: ${problem}`;
    }
  }
  return undefined;
}

function checkAttributes(
  attributes: Record<string, JsonValue>,
  enabled: boolean,
  constraints: Map<string, Constraint | null>,
  at: (name: string) => string,
  issues: Issue[],
): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (!constraints.has(name)) {
      issues.push({ path: at(name), message: `attribute "${name}" is not declared in the flag's attributes` });
      continue;
    }
    const c = constraints.get(name);
    const problem = c && violation(value, c);
    if (problem) issues.push({ path: at(name), message: problem });
  }
  if (!enabled) return; // a disabled flag serves no attributes, so none is required of it
  for (const [name, c] of constraints) if (c?.required && attributes[name] === undefined) issues.push({ path: at(name), message: 'required attribute is missing' });
}

function readValue(
  key: string,
  value: JsonValue,
  constraints: Map<string, Constraint | null>,
  at: (...keys: (string | number)[]) => string,
  issues: Issue[],
): AppConfigVariant[] | undefined {
  if (!isObject(value)) {
    issues.push({ path: at(), message: 'must be an object with "enabled"' });
    return undefined;
  }
  if (value._variants === undefined) {
    if (!checkEnabled(value.enabled, at('enabled'), issues)) return undefined;
    const attributes: Record<string, JsonValue> = {};
    for (const [name, v] of Object.entries(value)) if (name !== 'enabled' && !name.startsWith('_')) attributes[name] = v;
    checkAttributes(attributes, value.enabled, constraints, (name) => at(name), issues);
    return [{ name: value.enabled ? 'enabled' : 'disabled', enabled: value.enabled, attributes }];
  }
  return readVariants(key, value._variants, constraints, (...k) => at('_variants', ...k), issues);
}

function readVariants(
  key: string,
  raw: JsonValue,
  constraints: Map<string, Constraint | null>,
  at: (...keys: (string | number)[]) => string,
  issues: Issue[],
): AppConfigVariant[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.push({ path: at(), message: 'must be a non-empty list of variants' });
    return undefined;
  }
  if (raw.length > MAX_VARIANTS) issues.push({ path: at(), message: `${raw.length} variants, over AppConfig's limit of ${MAX_VARIANTS}` });
  const variants: AppConfigVariant[] = [];
  const names = new Set<string>();
  raw.forEach((entry, i) => {
    const last = i === raw.length - 1;
    if (!isObject(entry)) {
      issues.push({ path: at(i), message: 'a variant must be an object with name and enabled' });
      return;
    }
    const { name, enabled, rule, attributeValues } = entry;
    if (typeof name !== 'string' || name === '') issues.push({ path: at(i, 'name'), message: 'must be a non-empty string' });
    else if (names.has(name)) issues.push({ path: at(i, 'name'), message: `variant "${name}" is defined twice` });
    checkEnabled(enabled, at(i, 'enabled'), issues);
    let logic: JsonValue | undefined;
    if (last) {
      if (rule !== undefined && rule !== '') issues.push({ path: at(i, 'rule'), message: 'the last variant is the default and has no rule' });
    } else if (typeof rule !== 'string' || rule.trim() === '') {
      issues.push({ path: at(i, 'rule'), message: 'every variant but the last (the default) needs a rule' });
    } else {
      try {
        logic = ruleToJsonLogic(rule, { flagKey: key });
      } catch (e) {
        if (!(e instanceof RuleSyntaxError)) throw e;
        issues.push({ path: at(i, 'rule'), message: e.message });
      }
    }
    const attributes = attributeValues === undefined ? {} : attributeValues;
    if (!isObject(attributes)) issues.push({ path: at(i, 'attributeValues'), message: 'must be an object of attribute name → value' });
    else if (typeof enabled === 'boolean') checkAttributes(attributes, enabled, constraints, (n) => at(i, 'attributeValues', n), issues);
    for (const field of Object.keys(entry)) {
      if (!['name', 'enabled', 'rule', 'attributeValues'].includes(field) && !field.startsWith('_')) issues.push({ path: at(i, field), message: 'unknown property' });
    }
    if (typeof name === 'string') names.add(name);
    if (typeof name === 'string' && typeof enabled === 'boolean' && isObject(attributes)) {
      variants.push(logic === undefined ? { name, enabled, attributes } : { name, enabled, attributes, rule: logic });
    }
  });
  return variants.length === raw.length ? variants : undefined;
}
