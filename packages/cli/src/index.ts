export { main } from './main.js';
export { evaluateOne, detailsJson } from './commands/evaluate.js';
