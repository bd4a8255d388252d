// The demo's controls edit the flag file exactly as an operator would: read it, change one flag, write it
// back atomically (temp file + rename), and let `switchyard serve` notice, validate and stream it.
import { readFile, rename, writeFile } from 'node:fs/promises';

/** The changes the page's buttons ask for; anything else is refused. */
const ACTIONS = {
  'checkout-enabled': (flag, { on }) => (flag.defaultVariant = on ? 'on' : 'off'),
  'new-checkout': (flag, { percent }) => {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error('percent must be an integer 0–100');
    // "on" first: a user's bucket is fixed, so growing its share only ever adds users.
    flag.targeting = { fractional: [['on', percent], ['off', 100 - percent]] };
  },
  'banner-text': (flag, { variant }) => {
    if (!(variant in flag.variants)) throw new Error(`unknown variant ${variant}`);
    flag.defaultVariant = variant;
  },
};

export async function changeFlag(file, key, change) {
  const action = ACTIONS[key];
  if (!action) throw new Error(`the demo cannot change ${key}`);
  const document = JSON.parse(await readFile(file, 'utf8'));
  const flag = document.flags?.[key];
  if (!flag) throw new Error(`${file} has no flag ${key}`);
  action(flag, change);
  await writeFile(`${file}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
