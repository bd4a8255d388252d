export { main } from './main.js';
export type { Output } from './io.js';
export { evaluateOne, detailsJson } from './commands/evaluate.js';
