// The target contract: target files (schema.ts, target.ts) and each node's env (env.ts).
export * from './schema';
export { TargetError, parseTarget, loadTarget, imageTagOf } from './target';
export { nodeEnv, describeEnvNames, type ContractValues } from './env';
