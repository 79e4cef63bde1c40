import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { closure, prune } from './prune-modules';

describe('image dependency pruning', () => {
  it('keeps the closure of sip, pino and commander and removes the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prune-'));
    try {
      const pkg = (name: string, deps: string[] = []): void => {
        mkdirSync(join(dir, name), { recursive: true });
        writeFileSync(join(dir, name, 'package.json'), JSON.stringify({ name, dependencies: Object.fromEntries(deps.map((d) => [d, '*'])) }));
      };
      pkg('sip', ['ws']);
      pkg('ws');
      pkg('pino', ['@pinojs/redact']);
      pkg('@pinojs/redact');
      pkg('commander');
      pkg('jest', ['chalk']);
      pkg('chalk');
      pkg('@types/node');
      mkdirSync(join(dir, '.bin'));
      expect([...closure(dir)].sort()).toEqual(['@pinojs/redact', 'commander', 'pino', 'sip', 'ws']);
      prune(dir);
      expect(readdirSync(dir).sort()).toEqual(['@pinojs', 'commander', 'pino', 'sip', 'ws']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
