/**
 * A regular-expression matcher that runs in time linear in the input (a Thompson NFA simulated as a
 * Pike VM, no backtracking), so an untrusted pattern such as `(a+)+$` can never stall evaluation.
 * It covers the everyday JavaScript syntax: literals, `.`, classes and `\d \w \s` (and negations),
 * `^ $ \b \B`, groups `( ) (?: ) (?<name> )`, `|`, and `* + ? {n} {n,} {n,m}` (lazy forms accepted;
 * a yes/no match does not depend on laziness). Backreferences and lookaround need backtracking and
 * are rejected with a clear error. Matching is a search with exactly the meaning of
 * `RegExp.prototype.test` without flags: it reads UTF-16 code units (an astral symbol is two of them,
 * for `.`, classes and quantifiers alike), `$` is the end of input, `\w \b` are ASCII.
 *
 * Untrusted patterns and inputs reach it (flag documents, public client contexts), so every cost is
 * bounded: compiling (program size, nesting) and each evaluation (input length, steps). Past an
 * evaluation limit the answer is "no match"; the limits are documented in docs/core.md.
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

/**
 * Program size cap, counted before anything is expanded: each repetition multiplies its body's size
 * (an empty group counts as 1), so `(a{1000}){1000}` or `((?:){999999}){999999}` is refused at once.
 */
export const MAX_REGEX_PROGRAM = 20_000;
/**
 * Group nesting cap. The parser and the compiler recurse about 4 frames per level; V8's default stack
 * holds over 2,000 levels, so 200 leaves a tenfold margin for callers already deep in the stack.
 */
export const MAX_REGEX_DEPTH = 200;
/**
 * Longer inputs never match (documented as the semantics). 4,096 UTF-16 units holds any email, URL,
 * user agent or id a rule reads, and bounds one evaluation's work by program size × 4,096.
 */
export const MAX_REGEX_INPUT = 4_096;
/**
 * Steps (instructions visited, plus binary-search rounds of character tests) one evaluation may take;
 * past it the answer is "no match". Without it the work grows as program size × input length, to
 * hundreds of millions of steps for the largest program on the longest input. A step costs 2–6 ns in
 * V8 on a slow shared VM, so 1,000,000 steps bound an evaluation to ~5 ms there, while an everyday
 * pattern still reads the whole input: `[a-z]{2,64}\d{4}` on 4,096 letters takes 780,000 steps.
 */
export const MAX_REGEX_STEPS = 1_000_000;

/** Sorted, disjoint, inclusive [low, high, low, high, …] ranges of UTF-16 code units. */
type Ranges = readonly number[];
type What = '^' | '$' | 'b' | 'B';
// `size` bounds the instructions a node emits and the emitter's work on it.
type Node =
  | { readonly k: 'char'; readonly set: Ranges; readonly size: number }
  | { readonly k: 'seq'; readonly items: readonly Node[]; readonly size: number }
  | { readonly k: 'alt'; readonly options: readonly Node[]; readonly size: number }
  | { readonly k: 'repeat'; readonly node: Node; readonly min: number; readonly max: number; readonly size: number }
  | { readonly k: 'assert'; readonly what: What; readonly size: number };

const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Sorts and merges [low, high] pairs into Ranges. */
function normalize(pairs: number[]): number[] {
  const sorted: [number, number][] = [];
  for (let i = 0; i < pairs.length; i += 2) sorted.push([pairs[i], pairs[i + 1]]);
  sorted.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of sorted) {
    if (out.length > 0 && lo <= out[out.length - 1] + 1) out[out.length - 1] = Math.max(out[out.length - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

/** The complement over all code units. */
const negate = /* @__NO_SIDE_EFFECTS__ */ (set: Ranges): number[] => {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i] > next) out.push(next, set[i] - 1);
    next = set[i + 1] + 1;
  }
  if (next <= 0xffff) out.push(next, 0xffff);
  return out;
};

/** Binary search: at most 16 rounds, as there are at most 32,768 disjoint ranges. */
function contains(set: Ranges, c: number): boolean {
  let lo = 0;
  let hi = set.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c < set[2 * mid]) hi = mid;
    else if (c > set[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

const DIGIT = [48, 57];
const WORD = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE = [9, 13, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff];
// Pure annotations (here and on the operator factories): bundles of the flat dist/ keep only what they use.
const CLASS_ESCAPES: Record<string, Ranges> = { d: DIGIT, D: /* @__PURE__ */ negate(DIGIT), w: WORD, W: /* @__PURE__ */ negate(WORD), s: SPACE, S: /* @__PURE__ */ negate(SPACE) };
const DOT: Ranges = /* @__PURE__ */ negate([10, 10, 13, 13, 0x2028, 0x2029]); // all but line terminators
const CONTROL_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, '0': 0 };

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.src.length) throw this.error(this.src[this.i] === ')' ? 'unmatched ")"' : 'unexpected character');
    return node;
  }

  private error(message: string, at = this.i): RegexSyntaxError {
    return new RegexSyntaxError(message, at);
  }

  /** Refuses a program that would be too large, before anything is expanded. */
  private checked(size: number, at = this.i): number {
    if (size > MAX_REGEX_PROGRAM) throw this.error(`pattern compiles to more than ${MAX_REGEX_PROGRAM} instructions (repetitions multiply)`, at);
    return size;
  }

  private alternation(): Node {
    const options = [this.sequence()];
    let size = options[0].size;
    while (this.src[this.i] === '|') {
      this.i++;
      const option = this.sequence();
      options.push(option);
      size = this.checked(size + option.size + 2); // + SPLIT and JMP
    }
    return options.length === 1 ? options[0] : { k: 'alt', options, size };
  }

  private sequence(): Node {
    const items: Node[] = [];
    let size = 0;
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const item = this.quantified(this.atom());
      items.push(item);
      size = this.checked(size + item.size);
    }
    // An empty sequence emits nothing but still costs its emitter a call: it counts as 1.
    return items.length === 1 ? items[0] : { k: 'seq', items, size: Math.max(size, 1) };
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
    // min copies, then (max - min) optional ones (each + SPLIT) or one loop (+ SPLIT and JMP).
    const size = min * node.size + (max === Infinity ? node.size + 2 : (max - min) * (node.size + 1));
    return { k: 'repeat', node, min, max, size: Math.max(this.checked(size, start), 1) };
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
    const m = /\{(\d+)(,(\d*))?\}/y;
    m.lastIndex = at;
    const found = m.exec(this.src);
    if (!found) return null;
    // A count above the program cap is refused with it anyway; capping keeps the arithmetic exact.
    const count = (digits: string) => Math.min(Number(digits), MAX_REGEX_PROGRAM + 1);
    const min = count(found[1]);
    const max = found[2] === undefined ? min : found[3] === '' ? Infinity : count(found[3]);
    if (max < min) throw this.error('numbers out of order in {} quantifier');
    this.i = at + found[0].length;
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
        return char(DOT);
      case '^':
      case '$':
        this.i++;
        return { k: 'assert', what: c, size: 1 };
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
    this.i++;
    return single(this.src.charCodeAt(at));
  }

  private group(): Node {
    const open = this.i;
    if (++this.depth > MAX_REGEX_DEPTH) throw this.error(`groups nested deeper than ${MAX_REGEX_DEPTH}`, open);
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
    this.depth--;
    // A group around an assertion may be quantified, as in JavaScript: `(?:^)?`.
    return inner.k === 'assert' ? { k: 'seq', items: [inner], size: 1 } : inner;
  }

  /** After a backslash, outside a class. */
  private escape(): Node {
    const at = this.i;
    const c = this.src[this.i + 1];
    if (c === undefined) throw this.error('\\ at end of pattern');
    if (c === 'b' || c === 'B') {
      this.i += 2;
      return { k: 'assert', what: c, size: 1 };
    }
    if (c >= '1' && c <= '9') throw this.error('backreferences are not supported (they need backtracking)', at);
    if (c === 'k') throw this.error('named backreferences are not supported (they need backtracking)', at);
    const set = CLASS_ESCAPES[c];
    if (set) {
      this.i += 2;
      return char(set);
    }
    return single(this.escapedUnit());
  }

  /** A single-character escape at `this.i` (the backslash); advances past it. */
  private escapedUnit(): number {
    const at = this.i;
    const c = this.src[this.i + 1];
    if (c === undefined) throw this.error('\\ at end of pattern');
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined && !(c === '0' && /\d/.test(this.src[this.i + 2] ?? ''))) {
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
    this.i += 2;
    return this.src.charCodeAt(at + 1);
  }

  private charClass(): Node {
    const open = this.i;
    this.i++;
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const pairs: number[] = [];
    while (this.src[this.i] !== ']') {
      if (this.i >= this.src.length) throw this.error('unterminated character class', open);
      const low = this.classAtom();
      if (typeof low !== 'number') {
        pairs.push(...low);
        // As RegExp (Annex B): `\w-x` is \w, '-' and x, and x never starts a range of its own.
        if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
          this.i++;
          const next = this.classAtom();
          pairs.push(45, 45, ...(typeof next === 'number' ? [next, next] : next));
        }
        continue;
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        const dash = this.i;
        this.i++;
        const high = this.classAtom();
        if (typeof high !== 'number') throw this.error('a class escape cannot end a range', dash);
        if (high < low) throw this.error('range out of order in character class', dash);
        pairs.push(low, high);
      } else {
        pairs.push(low, low);
      }
    }
    this.i++;
    const set = normalize(pairs);
    return char(negated ? negate(set) : set);
  }

  /** One member of a class: a code unit, or a class escape's ranges. */
  private classAtom(): number | Ranges {
    if (this.src[this.i] === '\\') {
      const c = this.src[this.i + 1];
      const set = c === undefined ? undefined : CLASS_ESCAPES[c];
      if (set) {
        this.i += 2;
        return set;
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
      return this.escapedUnit();
    }
    return this.src.charCodeAt(this.i++);
  }
}

const char = (set: Ranges): Node => ({ k: 'char', set, size: 1 });
const single = (c: number): Node => char([c, c]);

// Program instructions, in flat arrays (op, x, y) so the matcher's loop reads no objects. CHAR
// consumes one code unit: its ranges are sets[pc] and y the steps a test costs (binary search rounds).
// The rest are free moves.
const CHAR = 0;
const SPLIT = 1; // to x, then y
const JMP = 2; // to x
const ASSERT = 3; // x: the index in ASSERTS
const MATCH = 4;
const ASSERTS: readonly What[] = ['^', '$', 'b', 'B'];

class Emitter {
  readonly op: number[] = [];
  readonly x: number[] = [];
  readonly y: number[] = [];
  readonly sets: Ranges[] = [];

  add(op: number, x = 0, set: Ranges = []): number {
    this.op.push(op);
    this.x.push(x);
    this.y.push(32 - Math.clz32(set.length >> 1 || 1));
    this.sets.push(set);
    return this.op.length - 1;
  }

  emit(node: Node): void {
    switch (node.k) {
      case 'char':
        this.add(CHAR, 0, node.set);
        return;
      case 'assert':
        this.add(ASSERT, ASSERTS.indexOf(node.what));
        return;
      case 'seq':
        for (const item of node.items) this.emit(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let i = 0; i < node.options.length - 1; i++) {
          const split = this.add(SPLIT, this.op.length + 1);
          this.emit(node.options[i]);
          jumps.push(this.add(JMP));
          this.y[split] = this.op.length;
        }
        this.emit(node.options[node.options.length - 1]);
        for (const jump of jumps) this.x[jump] = this.op.length;
        return;
      }
      case 'repeat': {
        for (let i = 0; i < node.min; i++) this.emit(node.node);
        if (node.max === Infinity) {
          const split = this.add(SPLIT, this.op.length + 1);
          this.emit(node.node);
          this.add(JMP, split);
          this.y[split] = this.op.length;
          return;
        }
        // Optional copies, each skipping to the end: x{2,4} = xx(x(x)?)?
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          splits.push(this.add(SPLIT, this.op.length + 1));
          this.emit(node.node);
        }
        for (const split of splits) this.y[split] = this.op.length;
      }
    }
  }
}

/** A compiled pattern: `test` answers whether it matches anywhere in the input. */
export interface LinearRegex {
  readonly source: string;
  /** Instructions in the compiled program (at most MAX_REGEX_PROGRAM + 1). */
  readonly size: number;
  /** As `RegExp.prototype.test` without flags; false when the input or the steps exceed their limits. */
  test(input: string): boolean;
  /** What `test` does, with the steps it took; `matched` is undefined when a limit stopped it. */
  measure(input: string): { matched: boolean | undefined; steps: number };
}

/** Compiles `pattern`; throws RegexSyntaxError (with the position) for syntax this matcher refuses. */
export function compileRegex(pattern: string): LinearRegex {
  const e = new Emitter();
  e.emit(new Parser(pattern).parse());
  e.add(MATCH);
  const prog: Program = { op: Int32Array.from(e.op), x: Int32Array.from(e.x), y: Int32Array.from(e.y), sets: e.sets };
  return {
    source: pattern,
    size: prog.op.length,
    test: (input) => run(prog, input).matched === true,
    measure: (input) => run(prog, input),
  };
}

interface Program {
  readonly op: Int32Array;
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly sets: readonly Ranges[];
}

/**
 * Simulates every thread in lock step: each instruction is visited at most once per input position,
 * so the work is O(input length × program size), and the step budget cuts it off (checked once per
 * position, so it can overshoot by one position's work: ≤ 3 pops per instruction + 16 rounds per CHAR).
 */
function run({ op, x, y, sets }: Program, input: string): { matched: boolean | undefined; steps: number } {
  if (input.length > MAX_REGEX_INPUT) return { matched: undefined, steps: 0 };
  const n = op.length;
  const waiting = new Int32Array(n); // CHAR instructions ready to read the code unit at `i`
  const advanced = new Int32Array(n); // where threads go after reading it
  let advancedCount = 0;
  const seen = new Int32Array(n); // i + 1 once a state joined at `i`: it joins at most once per position
  const stack = new Int32Array(n); // each SPLIT adds at most one entry: never more than n
  let steps = 0;
  let prev = -1; // the code unit before `i`; -1 at the start
  const anchored = op[0] === ASSERT && x[0] === 0;

  for (let i = 0; ; i++) {
    const c = i < input.length ? input.charCodeAt(i) : -1;
    let waitingCount = 0;
    let matched = false;
    // Follow free moves from every live thread, then from a fresh start here (an unanchored search).
    for (let t = 0; t <= advancedCount; t++) {
      let top = 0;
      stack[top++] = t < advancedCount ? advanced[t] : 0;
      while (top > 0) {
        const pc = stack[--top];
        steps++;
        if (seen[pc] === i + 1) continue;
        seen[pc] = i + 1;
        const o = op[pc];
        if (o === CHAR) waiting[waitingCount++] = pc;
        else if (o === SPLIT) {
          if (seen[y[pc]] !== i + 1) stack[top++] = y[pc]; // repetitions' exits often meet: skip early
          stack[top++] = x[pc];
        } else if (o === JMP) stack[top++] = x[pc];
        else if (o === MATCH) matched = true;
        else if (assertion(x[pc], prev, c)) stack[top++] = pc + 1;
      }
    }
    if (matched || c === -1) return { matched, steps };
    advancedCount = 0;
    for (let t = 0; t < waitingCount; t++) {
      const pc = waiting[t];
      steps += y[pc];
      if (contains(sets[pc], c)) advanced[advancedCount++] = pc + 1;
    }
    if (anchored && advancedCount === 0) return { matched: false, steps };
    if (steps > MAX_REGEX_STEPS) return { matched: undefined, steps };
    prev = c;
  }
}

/** ASSERTS[what] between the code units `prev` and `c` (-1: the start or the end). */
function assertion(what: number, prev: number, c: number): boolean {
  if (what === 0) return prev === -1;
  if (what === 1) return c === -1;
  const boundary = (prev !== -1 && isWord(prev)) !== (c !== -1 && isWord(c));
  return what === 2 ? boundary : !boundary;
}
