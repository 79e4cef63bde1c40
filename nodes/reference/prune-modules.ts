// Used while building the image: keeps in a node_modules folder only the runtime dependency
// closure of the node (sip, pino, commander) and deletes the rest, so the image does not carry
// the harness's and the tests' packages. `node prune-modules.js <node_modules>`.
import { existsSync, readFileSync, readdirSync, rmSync } from 'fs';
import { join } from 'path';

export const RUNTIME_ROOTS = ['sip', 'pino', 'commander'];

/** Package names reachable from the roots through dependencies (flat node_modules layout). */
export function closure(modules: string, roots: readonly string[] = RUNTIME_ROOTS): Set<string> {
  const seen = new Set<string>();
  const walk = (name: string): void => {
    const pj = join(modules, name, 'package.json');
    if (seen.has(name) || !existsSync(pj)) return;
    seen.add(name);
    const p = JSON.parse(readFileSync(pj, 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) walk(d);
  };
  roots.forEach(walk);
  return seen;
}

export function prune(modules: string): string[] {
  const keep = closure(modules);
  const removed: string[] = [];
  for (const entry of readdirSync(modules)) {
    const scoped = entry.startsWith('@');
    const names = scoped ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of names) {
      if (keep.has(name)) continue;
      rmSync(join(modules, name), { recursive: true, force: true }); // `.bin` and the lock go too
      removed.push(name);
    }
    if (scoped && readdirSync(join(modules, entry)).length === 0) rmSync(join(modules, entry), { recursive: true });
  }
  return removed;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node prune-modules.js <node_modules>');
  const removed = prune(dir);
  process.stdout.write(`kept ${closure(dir).size} packages, removed ${removed.length}\n`);
}
