// The harness's own SIP/SOSIMPLE codec: parse, serialize, typed headers, checker, builder.
export * from './types';
export * from './parse';
export * from './stream';
export * from './uri';
export * from './headers';
export * from './check';
export * from './builder';
export { headerKey } from './names';
export * from './craft';
