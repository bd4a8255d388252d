import type { Operator } from '../operator.js';
import { compareSemVer, parseSemVer, type SemVer } from '../semver.js';

type Test = (a: SemVer, b: SemVer) => boolean;

const TESTS: ReadonlyMap<string, Test> = /* @__PURE__ */ new Map<string, Test>([
  ['=', (a, b) => compareSemVer(a, b) === 0],
  ['!=', (a, b) => compareSemVer(a, b) !== 0],
  ['<', (a, b) => compareSemVer(a, b) < 0],
  ['<=', (a, b) => compareSemVer(a, b) <= 0],
  ['>', (a, b) => compareSemVer(a, b) > 0],
  ['>=', (a, b) => compareSemVer(a, b) >= 0],
  ['^', (a, b) => a.major === b.major],
  ['~', (a, b) => a.major === b.major && a.minor === b.minor],
]);

/** `{"sem_ver": [version, op, version]}`; null (not false) when a version or the operator is invalid. */
export const semVerOperator: Operator = {
  pure: true,
  compile(input) {
    if (input.raw.length !== 3) return () => null;
    const [left, op, right] = input.args();
    const fixedRight = right.constant ? parseSemVer(right.value) : undefined;
    const fixedTest = op.constant ? (TESTS.get(String(op.value)) ?? null) : undefined;
    const [leftRun, opRun, rightRun] = [left.run, op.run, right.run];
    return (d, x) => {
      const test = fixedTest !== undefined ? fixedTest : (TESTS.get(String(opRun(d, x))) ?? null);
      const a = parseSemVer(leftRun(d, x));
      const b = fixedRight !== undefined ? fixedRight : parseSemVer(rightRun(d, x));
      return a === null || b === null || test === null ? null : test(a, b);
    };
  },
};
