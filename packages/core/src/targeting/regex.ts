/**
 * A regular-expression matcher that runs in time linear in the input (a Thompson NFA simulated as a
 * Pike VM, no backtracking), so an untrusted pattern such as `(a+)+$` can never stall evaluation.
 * It covers the everyday JavaScript syntax: literals, `.`, classes and `\d \w \s` (and negations),
 * `^ $ \b \B`, groups `( ) (?: ) (?<name> )`, `|`, and `* + ? {n} {n,} {n,m}` (lazy forms accepted;
 * a yes/no match does not depend on laziness). Backreferences and lookaround need backtracking and
 * are rejected with a clear error. Matching is a search, as `RegExp.prototype.test` without flags.
 */

/** A pattern this matcher cannot compile; `position` is the 0-based offset in the pattern. */
export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'RegexSyntaxError';
  }
}

/** Compiled programs are capped so `(a{1000}){1000}` cannot blow up memory or time either. */
export const MAX_REGEX_PROGRAM = 20_000;

type Test = (cp: number) => boolean;
type Node =
  | { readonly k: 'char'; readonly test: Test }
  | { readonly k: 'seq'; readonly items: readonly Node[] }
  | { readonly k: 'alt'; readonly options: readonly Node[] }
  | { readonly k: 'repeat'; readonly node: Node; readonly min: number; readonly max: number }
  | { readonly k: 'assert'; readonly what: '^' | '$' | 'b' | 'B' };

const isDigit: Test = (c) => c >= 48 && c <= 57;
const isWord: Test = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: Test = (c) =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
const isLineEnd: Test = (c) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
const not = /* @__NO_SIDE_EFFECTS__ */ (t: Test): Test => (c) => !t(c);
// Pure annotations (here and on the operator factories): bundles of the flat dist/ keep only what they use.
const CLASS_ESCAPES: Record<string, Test> = { d: isDigit, D: /* @__PURE__ */ not(isDigit), w: isWord, W: /* @__PURE__ */ not(isWord), s: isSpace, S: /* @__PURE__ */ not(isSpace) };
const CONTROL_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, '0': 0 };

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.src.length) throw this.error(this.src[this.i] === ')' ? 'unmatched ")"' : 'unexpected character');
    return node;
  }

  private error(message: string, at = this.i): RegexSyntaxError {
    return new RegexSyntaxError(message, at);
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { k: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0] : { k: 'seq', items };
  }

  private quantified(node: Node): Node {
    const start = this.i;
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const bounds = this.bounds();
      if (!bounds) return node; // a "{" that is not a quantifier is a literal, as in JavaScript
      [min, max] = bounds;
    } else {
      return node;
    }
    if (node.k === 'assert') throw this.error('nothing to repeat', start);
    if (this.src[this.i] === '?') this.i++; // lazy: same yes/no answer
    const next = this.src[this.i];
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.peekBounds())) throw this.error('nothing to repeat');
    return { k: 'repeat', node, min, max };
  }

  private peekBounds(): boolean {
    const at = this.i;
    const ok = this.bounds() !== null;
    this.i = at;
    return ok;
  }

  /** `{n}`, `{n,}`, `{n,m}`; null (position unchanged) when the text is not one. */
  private bounds(): [number, number] | null {
    const at = this.i;
    const m = /^\{(\d{1,6})(,(\d{0,6}))?\}/.exec(this.src.slice(at, at + 16));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (max < min) throw this.error('numbers out of order in {} quantifier');
    this.i = at + m[0].length;
    return [min, max];
  }

  private atom(): Node {
    const at = this.i;
    const c = this.src[this.i];
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.i++;
        return { k: 'char', test: not(isLineEnd) };
      case '^':
      case '$':
        this.i++;
        return { k: 'assert', what: c };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw this.error('nothing to repeat');
      case '{':
        if (this.peekBounds()) throw this.error('nothing to repeat');
        break;
      case ']':
      case '}':
        break; // literal, as in JavaScript without the u flag
    }
    const cp = this.src.codePointAt(at)!;
    this.i += cp > 0xffff ? 2 : 1;
    return { k: 'char', test: (x) => x === cp };
  }

  private group(): Node {
    const open = this.i;
    this.i++;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i, this.i + 3);
      if (rest.startsWith('?:')) this.i += 2;
      else if (rest.startsWith('?=') || rest.startsWith('?!') || rest === '?<=' || rest === '?<!') {
        throw this.error('lookahead and lookbehind are not supported (they need backtracking)', open);
      } else if (rest.startsWith('?<')) {
        const close = this.src.indexOf('>', this.i);
        if (close < 0 || !/^[A-Za-z_$][\w$]*$/.test(this.src.slice(this.i + 2, close))) throw this.error('invalid group name', open);
        this.i = close + 1;
      } else throw this.error('invalid group', open);
    }
    const inner = this.alternation();
    if (this.src[this.i] !== ')') throw this.error('unterminated group', open);
    this.i++;
    return inner;
  }

  /** After a backslash, outside a class. */
  private escape(): Node {
    const at = this.i;
    const c = this.src[this.i + 1];
    if (c === undefined) throw this.error('\\ at end of pattern');
    if (c === 'b' || c === 'B') {
      this.i += 2;
      return { k: 'assert', what: c };
    }
    if (c >= '1' && c <= '9') throw this.error('backreferences are not supported (they need backtracking)', at);
    if (c === 'k') throw this.error('named backreferences are not supported (they need backtracking)', at);
    const classTest = CLASS_ESCAPES[c];
    if (classTest) {
      this.i += 2;
      return { k: 'char', test: classTest };
    }
    const cp = this.escapedCodePoint();
    return { k: 'char', test: (x) => x === cp };
  }

  /** A single-character escape at `this.i` (the backslash); advances past it. */
  private escapedCodePoint(): number {
    const at = this.i;
    const c = this.src[this.i + 1];
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined && !(c === '0' && isDigit(this.src.charCodeAt(this.i + 2)))) {
      this.i += 2;
      return control;
    }
    if (c === 'x' || c === 'u') {
      const digits = c === 'x' ? 2 : 4;
      const hex = this.src.slice(this.i + 2, this.i + 2 + digits);
      if (hex.length !== digits || !/^[0-9A-Fa-f]+$/.test(hex)) throw this.error(`invalid \\${c} escape`, at);
      this.i += 2 + digits;
      return parseInt(hex, 16);
    }
    if (/[A-Za-z0-9]/.test(c)) throw this.error(`unknown escape \\${c}`, at);
    const cp = this.src.codePointAt(this.i + 1)!;
    this.i += cp > 0xffff ? 3 : 2;
    return cp;
  }

  private charClass(): Node {
    const open = this.i;
    this.i++;
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const tests: Test[] = [];
    const ranges: [number, number][] = [];
    while (this.src[this.i] !== ']') {
      if (this.i >= this.src.length) throw this.error('unterminated character class', open);
      const low = this.classAtom();
      if (typeof low === 'function') {
        tests.push(low);
        continue;
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        const dash = this.i;
        this.i++;
        const high = this.classAtom();
        if (typeof high === 'function') throw this.error('a class escape cannot end a range', dash);
        if (high < low) throw this.error('range out of order in character class', dash);
        ranges.push([low, high]);
      } else {
        ranges.push([low, low]);
      }
    }
    this.i++;
    const test: Test = (c) => {
      for (const [lo, hi] of ranges) if (c >= lo && c <= hi) return true;
      for (const t of tests) if (t(c)) return true;
      return false;
    };
    return { k: 'char', test: negated ? not(test) : test };
  }

  /** One member of a class: a code point, or a class escape's test. */
  private classAtom(): number | Test {
    if (this.src[this.i] === '\\') {
      const c = this.src[this.i + 1];
      const classTest = c === undefined ? undefined : CLASS_ESCAPES[c];
      if (classTest) {
        this.i += 2;
        return classTest;
      }
      if (c === 'b') {
        this.i += 2;
        return 8; // backspace inside a class
      }
      if (c === '-') {
        this.i += 2;
        return 45;
      }
      if (c !== undefined && c >= '1' && c <= '9') throw this.error('backreferences are not supported');
      return this.escapedCodePoint();
    }
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

// Program instructions. CHAR consumes one code point; the rest are free moves.
const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const ASSERT = 3;
const MATCH = 4;
type Inst =
  | { op: typeof CHAR; test: Test }
  | { op: typeof SPLIT; x: number; y: number }
  | { op: typeof JMP; x: number }
  | { op: typeof ASSERT; what: '^' | '$' | 'b' | 'B' }
  | { op: typeof MATCH };

class Emitter {
  readonly prog: Inst[] = [];

  emit(node: Node): void {
    if (this.prog.length > MAX_REGEX_PROGRAM) throw new RegexSyntaxError(`pattern compiles to more than ${MAX_REGEX_PROGRAM} steps`, 0);
    switch (node.k) {
      case 'char':
        this.prog.push({ op: CHAR, test: node.test });
        return;
      case 'assert':
        this.prog.push({ op: ASSERT, what: node.what });
        return;
      case 'seq':
        for (const item of node.items) this.emit(item);
        return;
      case 'alt': {
        const jumps: { op: typeof JMP; x: number }[] = [];
        node.options.forEach((option, i) => {
          if (i < node.options.length - 1) {
            const split = { op: SPLIT, x: this.prog.length + 1, y: 0 } as { op: typeof SPLIT; x: number; y: number };
            this.prog.push(split);
            this.emit(option);
            const jump = { op: JMP, x: 0 } as { op: typeof JMP; x: number };
            this.prog.push(jump);
            jumps.push(jump);
            split.y = this.prog.length;
          } else {
            this.emit(option);
          }
        });
        for (const jump of jumps) jump.x = this.prog.length;
        return;
      }
      case 'repeat': {
        for (let i = 0; i < node.min; i++) this.emit(node.node);
        if (node.max === Infinity) {
          const split = { op: SPLIT, x: this.prog.length + 1, y: 0 } as { op: typeof SPLIT; x: number; y: number };
          const loop = this.prog.length;
          this.prog.push(split);
          this.emit(node.node);
          this.prog.push({ op: JMP, x: loop });
          split.y = this.prog.length;
          return;
        }
        // Optional copies, each skipping to the end: x{2,4} = xx(x(x)?)?
        const splits: { op: typeof SPLIT; x: number; y: number }[] = [];
        for (let i = node.min; i < node.max; i++) {
          const split = { op: SPLIT, x: this.prog.length + 1, y: 0 } as { op: typeof SPLIT; x: number; y: number };
          this.prog.push(split);
          splits.push(split);
          this.emit(node.node);
        }
        for (const split of splits) split.y = this.prog.length;
      }
    }
  }
}

/** A compiled pattern: `test` answers whether it matches anywhere in the input. */
export interface LinearRegex {
  readonly source: string;
  test(input: string): boolean;
}

/** Compiles `pattern`; throws RegexSyntaxError (with the position) for syntax this matcher refuses. */
export function compileRegex(pattern: string): LinearRegex {
  const emitter = new Emitter();
  emitter.emit(new Parser(pattern).parse());
  emitter.prog.push({ op: MATCH });
  if (emitter.prog.length > MAX_REGEX_PROGRAM) throw new RegexSyntaxError(`pattern compiles to more than ${MAX_REGEX_PROGRAM} steps`, 0);
  const prog = emitter.prog;
  return { source: pattern, test: (input) => run(prog, input) };
}

/** Simulates every thread in lock step: O(input length × program size), whatever the pattern. */
function run(prog: readonly Inst[], input: string): boolean {
  const n = prog.length;
  const waiting = new Int32Array(n); // CHAR instructions ready to read the code point at `i`
  const advanced = new Int32Array(n); // where threads go after reading it
  let advancedCount = 0;
  const seen = new Int32Array(n); // generation marks: a state joins at most once per position
  const stack = new Int32Array(n);
  let generation = 0;
  let prev = -1; // the code point before `i`; -1 at the start
  const anchored = prog[0].op === ASSERT && prog[0].what === '^';

  for (let i = 0; ; ) {
    const cp = i < input.length ? input.codePointAt(i)! : -1;
    generation++;
    let waitingCount = 0;
    let matched = false;
    // Follow free moves from every live thread, then from a fresh start here (an unanchored search).
    for (let t = 0; t <= advancedCount; t++) {
      let top = 0;
      stack[top++] = t < advancedCount ? advanced[t] : 0;
      while (top > 0) {
        const pc = stack[--top];
        if (seen[pc] === generation) continue;
        seen[pc] = generation;
        const inst = prog[pc];
        if (inst.op === CHAR) waiting[waitingCount++] = pc;
        else if (inst.op === MATCH) matched = true;
        else if (inst.op === JMP) stack[top++] = inst.x;
        else if (inst.op === SPLIT) {
          stack[top++] = inst.y;
          stack[top++] = inst.x;
        } else if (assertion(inst.what, prev, cp)) stack[top++] = pc + 1;
      }
    }
    if (matched) return true;
    if (cp === -1) return false;
    advancedCount = 0;
    for (let t = 0; t < waitingCount; t++) {
      const pc = waiting[t];
      if ((prog[pc] as { test: Test }).test(cp)) advanced[advancedCount++] = pc + 1;
    }
    if (anchored && advancedCount === 0) return false;
    prev = cp;
    i += cp > 0xffff ? 2 : 1;
  }
}

function assertion(what: '^' | '$' | 'b' | 'B', prev: number, cp: number): boolean {
  if (what === '^') return prev === -1;
  if (what === '$') return cp === -1;
  const boundary = (prev !== -1 && isWord(prev)) !== (cp !== -1 && isWord(cp));
  return what === 'b' ? boundary : !boundary;
}
