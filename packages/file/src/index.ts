export { FileSource, type FileSourceOptions } from './file-source.js';
