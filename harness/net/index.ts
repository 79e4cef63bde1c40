// Virtual nodes: the harness's own network endpoints, their transactions, and the trace.
export * from './trace';
export * from './correlate';
export * from './mining';
export * from './client-transaction';
export * from './server-transaction';
export * from './stream-connection';
export * from './virtual-node';
