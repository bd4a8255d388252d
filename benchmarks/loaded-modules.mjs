// Preload (`node --import ./loaded-modules.mjs`) that appends the path of every module file the process
// loads to the file named by $LOADED_MODULES_LOG: ES modules through a resolve hook (which runs on the
// loader thread, hence a data: URL that needs no file of its own), CommonJS through Module._resolveFilename.
// Used by install.mjs to tell which packages an import or a CLI command really loads (e.g. no @aws-sdk).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const log = process.env.LOADED_MODULES_LOG;
if (!log) throw new Error('loaded-modules.mjs needs LOADED_MODULES_LOG');

const hook = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith('file:')) appendFileSync(log, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url, { data: { log } });

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  if (file.startsWith('/')) appendFileSync(log, `${file}\n`);
  return file;
};

