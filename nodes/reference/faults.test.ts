import { FAULTS, parseFaults } from './faults';
import { configFromEnv } from './config';

describe('fault switches', () => {
  it('has at least 16 switches covering every area', () => {
    const entries = Object.values(FAULTS);
    expect(entries.length).toBeGreaterThanOrEqual(16);
    const areas = new Set(entries.map((f) => f.area));
    for (const a of ['wire', 'join', 'ring', 'maintenance', 'redirect', 'registration', 'lookup', 'presence', 'errors']) expect(areas).toContain(a);
    for (const f of entries) expect(f.requirement).toMatch(/^SOS-[A-Z]+-\d+$/);
  });

  it('parses a list and refuses unknown names', () => {
    expect(parseFaults('no-493, wrong-successor').list()).toEqual(['no-493', 'wrong-successor']);
    expect(() => parseFaults('no-493,not-a-fault')).toThrow(/not-a-fault/);
  });
});

describe('env contract', () => {
  it('reads the SOSIMPLE_* variables with defaults', () => {
    const c = configFromEnv({ SOSIMPLE_ADDRESS: '10.1.2.3', SOSIMPLE_BOOTSTRAP: '10.1.2.4', SOSIMPLE_USERS: 'alice, bob', SOSIMPLE_STABILIZE_MS: '500' });
    expect(c).toMatchObject({ address: '10.1.2.3', port: 5060, overlay: 'chat', bootstrap: { host: '10.1.2.4', port: 5060 }, users: ['alice', 'bob'], stabilizeMs: 500, fingerMs: 500, expires: 600 });
    expect(() => configFromEnv({ SOSIMPLE_ADDRESS: '10.1.2.3', SOSIMPLE_PORT: 'x' })).toThrow(/SOSIMPLE_PORT/);
    expect(() => configFromEnv({ SOSIMPLE_ADDRESS: '10.1.2.3', SOSIMPLE_FAULTS: 'bogus' })).toThrow(/bogus/);
    expect(() => configFromEnv({ SOSIMPLE_ADDRESS: '10.1.2.3', SOSIMPLE_BOOTSTRAP: 'host.example' })).toThrow(/SOSIMPLE_BOOTSTRAP/);
  });
});
