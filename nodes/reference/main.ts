// Entry point: `node dist/nodes/reference/main.js [--flags]`. Reads the env contract
// (config.ts), logs JSON lines with pino, and on SIGTERM/SIGINT leaves gracefully (SOS-MAINT-2).
import { Command } from 'commander';
import pino from 'pino';
import { configFromEnv, Env } from './config';
import { FAULTS } from './faults';
import { SosimpleNode } from './node';

function flagsToEnv(argv: string[], env: Env): Env {
  const program = new Command()
    .name('sosimple-reference')
    .description('Reference SOSIMPLE node (draft-bryan-sipping-p2p-01); flags override SOSIMPLE_* env vars')
    .option('--address <ip>', 'SOSIMPLE_ADDRESS')
    .option('--port <n>', 'SOSIMPLE_PORT')
    .option('--bootstrap <ip:port>', 'SOSIMPLE_BOOTSTRAP')
    .option('--overlay <name>', 'SOSIMPLE_OVERLAY')
    .option('--users <a,b>', 'SOSIMPLE_USERS')
    .option('--buddies <a,b>', 'SOSIMPLE_BUDDIES')
    .option('--faults <a,b>', 'SOSIMPLE_FAULTS')
    .option('--stabilize-ms <n>', 'SOSIMPLE_STABILIZE_MS')
    .option('--finger-ms <n>', 'SOSIMPLE_FINGER_MS')
    .option('--failure-timeout-ms <n>', 'SOSIMPLE_FAILURE_TIMEOUT_MS')
    .option('--list-faults', 'print the fault switches and the requirement each breaks')
    .parse(argv);
  const o = program.opts<Record<string, string | boolean | undefined>>();
  if (o.listFaults) {
    for (const [name, f] of Object.entries(FAULTS)) process.stdout.write(`${name}\t${f.requirement}\t${f.effect}\n`);
    process.exit(0);
  }
  const map: Record<string, string> = {
    address: 'SOSIMPLE_ADDRESS', port: 'SOSIMPLE_PORT', bootstrap: 'SOSIMPLE_BOOTSTRAP', overlay: 'SOSIMPLE_OVERLAY',
    users: 'SOSIMPLE_USERS', buddies: 'SOSIMPLE_BUDDIES', faults: 'SOSIMPLE_FAULTS', stabilizeMs: 'SOSIMPLE_STABILIZE_MS',
    fingerMs: 'SOSIMPLE_FINGER_MS', failureTimeoutMs: 'SOSIMPLE_FAILURE_TIMEOUT_MS',
  };
  const out: Env = { ...env };
  for (const [flag, name] of Object.entries(map)) if (typeof o[flag] === 'string') out[name] = o[flag] as string;
  return out;
}

async function main(): Promise<void> {
  const env = flagsToEnv(process.argv, process.env);
  const root = pino({ level: env.SOSIMPLE_LOG_LEVEL || 'info' });
  let cfg;
  try {
    cfg = configFromEnv(env);
  } catch (e) {
    root.fatal({ err: (e as Error).message }, 'bad configuration');
    process.exit(2);
  }
  const log = root.child({ node: `${cfg.address}:${cfg.port}` });
  const bound = (o: object, m: string) => [o, m] as const;
  const node = new SosimpleNode(cfg, undefined, {
    debug: (o, m) => log.debug(...bound(o, m)),
    info: (o, m) => log.info(...bound(o, m)),
    warn: (o, m) => log.warn(...bound(o, m)),
    error: (o, m) => log.error(...bound(o, m)),
  }, () => process.exit(70));
  process.on('uncaughtException', (e) => log.error({ err: e.message, stack: e.stack }, 'uncaught exception; still running'));
  let leaving = false;
  const shutdown = (signal: string): void => {
    if (leaving) return;
    leaving = true;
    log.info({ signal }, 'leaving');
    const hard = setTimeout(() => process.exit(0), Math.max(2000, cfg.failureTimeoutMs * 2));
    void node.leave().finally(() => {
      clearTimeout(hard);
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await node.start();
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'cannot start');
    process.exit(1);
  }
  log.info({ id: node.self.id, overlay: cfg.overlay, bootstrap: cfg.bootstrap ?? null, faults: cfg.faults.list() }, 'started');
}

void main();
