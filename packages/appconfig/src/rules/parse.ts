import { parseTimestamp } from '@switchyard/core';

/**
 * AppConfig's multi-variant rule language: Ion s-expressions such as
 * `(and (eq $state "Virginia") (split pct::10 by::$userId))`. This file turns rule text into a tree;
 * `to-json-logic.ts` gives it meaning. Errors carry the 1-based column they were found at.
 */

export class RuleSyntaxError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based column in the rule text. */
    readonly column: number,
  ) {
    super(`column ${column}: ${reason}`);
    this.name = 'RuleSyntaxError';
  }
}

export type Expr =
  | { readonly k: 'call'; readonly op: string; readonly args: readonly Arg[]; readonly at: number }
  | { readonly k: 'string'; readonly value: string; readonly at: number }
  | { readonly k: 'number'; readonly value: number; readonly text: string; readonly at: number }
  | { readonly k: 'timestamp'; readonly text: string; readonly at: number }
  | { readonly k: 'boolean'; readonly value: boolean; readonly at: number }
  | { readonly k: 'context'; readonly key: string; readonly at: number }
  | { readonly k: 'list'; readonly items: readonly Expr[]; readonly at: number };

/** An operand, possibly annotated (`pct::10`). `at` is a 0-based offset. */
export interface Arg {
  readonly name?: string;
  readonly value: Expr;
  readonly at: number;
}

type Token =
  | { readonly t: '(' | ')' | '[' | ']' | ','; readonly at: number }
  | { readonly t: 'string'; readonly value: string; readonly at: number }
  | { readonly t: 'annotation'; readonly name: string; readonly at: number }
  | { readonly t: 'atom'; readonly text: string; readonly at: number };

const PUNCTUATION = new Set(['(', ')', '[', ']', ',']);
const INT = /^-?\d+$/;
const FLOAT = /^-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$/;
const CONTEXT_KEY = /^[A-Za-z_][\w.-]*$/;
const SYMBOL = /^[A-Za-z_][\w]*$/;

/** Longest rule text accepted (AppConfig's own limit is far lower); keeps parsing bounded. */
export const MAX_RULE_LENGTH = 16_384;
const MAX_NESTING = 64;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ t: c as '(', at: i });
      i++;
    } else if (c === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new RuleSyntaxError('unterminated string', start + 1);
        const ch = text[i];
        if (ch === '"') break;
        if (ch === '\\') {
          const e = text[i + 1];
          const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r' };
          if (e !== undefined && simple[e] !== undefined) {
            value += simple[e];
            i += 2;
          } else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            throw new RuleSyntaxError(`invalid escape in string`, i + 1);
          }
        } else {
          value += ch;
          i++;
        }
      }
      i++;
      tokens.push({ t: 'string', value, at: start });
    } else {
      const start = i;
      while (i < text.length && !' \t\n\r"'.includes(text[i]) && !PUNCTUATION.has(text[i]) && !(text[i] === ':' && text[i + 1] === ':')) i++;
      const word = text.slice(start, i);
      if (text[i] === ':' && text[i + 1] === ':') {
        if (!SYMBOL.test(word)) throw new RuleSyntaxError(`invalid annotation ${JSON.stringify(word)}`, start + 1);
        tokens.push({ t: 'annotation', name: word, at: start });
        i += 2;
      } else {
        tokens.push({ t: 'atom', text: word, at: start });
      }
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly end: number,
  ) {}

  rule(): Expr {
    const first = this.tokens[0];
    if (!first) throw new RuleSyntaxError('empty rule', 1);
    if (first.t !== '(') throw new RuleSyntaxError('a rule is an expression in parentheses, e.g. (eq $country "US")', first.at + 1);
    const expr = this.call();
    const extra = this.tokens[this.i];
    if (extra) throw new RuleSyntaxError('unexpected text after the rule', extra.at + 1);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private call(): Expr {
    const open = this.tokens[this.i++];
    if (++this.depth > MAX_NESTING) throw new RuleSyntaxError(`nested deeper than ${MAX_NESTING}`, open.at + 1);
    const head = this.peek();
    if (!head || head.t !== 'atom' || !SYMBOL.test(head.text)) {
      throw new RuleSyntaxError('expected an operator after "("', head ? head.at + 1 : this.end + 1);
    }
    this.i++;
    const args: Arg[] = [];
    for (;;) {
      const token = this.peek();
      if (!token) throw new RuleSyntaxError('missing ")"', this.end + 1);
      if (token.t === ')') break;
      if (token.t === 'annotation') {
        this.i++;
        args.push({ name: token.name, value: this.value(), at: token.at });
      } else {
        args.push({ value: this.value(), at: token.at });
      }
    }
    this.i++;
    this.depth--;
    return { k: 'call', op: head.text, args, at: open.at };
  }

  private value(): Expr {
    const token = this.peek();
    if (!token) throw new RuleSyntaxError('missing ")"', this.end + 1);
    switch (token.t) {
      case '(':
        return this.call();
      case '[':
        return this.list();
      case 'string':
        this.i++;
        return { k: 'string', value: token.value, at: token.at };
      case 'atom':
        this.i++;
        return atom(token.text, token.at);
      case 'annotation':
        throw new RuleSyntaxError(`annotation ${token.name}:: needs a value`, token.at + 1);
      default:
        throw new RuleSyntaxError(`unexpected "${token.t}"`, token.at + 1);
    }
  }

  private list(): Expr {
    const open = this.tokens[this.i++];
    const items: Expr[] = [];
    for (;;) {
      const token = this.peek();
      if (!token) throw new RuleSyntaxError('missing "]"', this.end + 1);
      if (token.t === ']') break;
      if (items.length > 0) {
        if (token.t !== ',') throw new RuleSyntaxError('expected "," between list items', token.at + 1);
        this.i++;
        if (this.peek()?.t === ']') break;
      }
      const item = this.value();
      if (item.k === 'call' || item.k === 'list' || item.k === 'context') throw new RuleSyntaxError('list items must be literal values', item.at + 1);
      items.push(item);
    }
    this.i++;
    return { k: 'list', items, at: open.at };
  }
}

function atom(text: string, at: number): Expr {
  if (text === 'true' || text === 'false') return { k: 'boolean', value: text === 'true', at };
  if (text.startsWith('$')) {
    const key = text.slice(1);
    if (!CONTEXT_KEY.test(key)) throw new RuleSyntaxError(`invalid context key ${JSON.stringify(text)}`, at + 1);
    return { k: 'context', key, at };
  }
  if (INT.test(text)) {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new RuleSyntaxError(`integer ${text} is beyond ±2^53, where JavaScript numbers stop being exact`, at + 1);
    return { k: 'number', value, text, at };
  }
  if (FLOAT.test(text)) return { k: 'number', value: Number(text), text, at };
  if (/^\d{4}(-|T)/.test(text)) {
    if (Number.isNaN(parseTimestamp(text))) throw new RuleSyntaxError(`invalid timestamp ${text}`, at + 1);
    return { k: 'timestamp', text, at };
  }
  throw new RuleSyntaxError(`unknown value ${JSON.stringify(text)} (strings need double quotes, context keys a leading $)`, at + 1);
}

/** Parses rule text into a tree; throws RuleSyntaxError with a column. */
export function parseRule(text: string): Expr {
  if (text.length > MAX_RULE_LENGTH) throw new RuleSyntaxError(`rule is ${text.length} characters, over the limit of ${MAX_RULE_LENGTH}`, 1);
  return new Parser(tokenize(text), text.length).rule();
}
