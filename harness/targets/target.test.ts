import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { nodeEnv } from './env';
import { KNOWN_CAPABILITIES } from './schema';
import { imageTagOf, loadTarget, parseTarget, TargetError } from './target';

const ROOT = nodePath.join(__dirname, '..', '..');
const P = '/t/targets/node.yaml';

/** The error parseTarget throws for `text`, or a failure if it does not throw. */
function errorOf(text: string, path = P): TargetError {
  try {
    parseTarget(text, path);
  } catch (e) {
    expect(e).toBeInstanceOf(TargetError);
    return e as TargetError;
  }
  throw new Error('expected a TargetError, but the target loaded');
}

const MINIMAL = 'name: n\nimage: n:dev\n';

describe('committed target files', () => {
  it('loads targets/reference.yaml with the reference node contract', () => {
    const t = loadTarget(nodePath.join(ROOT, 'targets', 'reference.yaml'));
    expect(t.name).toBe('reference');
    expect(t.build?.dockerfile).toBe(nodePath.join(ROOT, 'nodes', 'reference', 'Dockerfile'));
    expect(t.build?.context).toBe(ROOT);
    expect(t.command).toEqual(['node', 'dist/nodes/reference/main.js']);
    expect(t.workdir).toBe(ROOT);
    expect(t.capabilities).toEqual(['tcp', 'leave', 'presence', 'replication', 'probe', 'buddies']);
    expect(t.transports).toEqual(['udp', 'tcp']);
    expect(t.knobs).toEqual({ stabilizeMs: 1000, fingerRefreshMs: 1000, failureTimeoutMs: 500 });
    expect(t.faults).toContain('no-420');
  });

  it('loads targets/example-third-party.yaml, renamed variables included', () => {
    const t = loadTarget(nodePath.join(ROOT, 'targets', 'example-third-party.yaml'));
    expect(t.image).toBe('example-node:dev');
    expect(t.envNames.SOSIMPLE_BOOTSTRAP).toBe('EXAMPLE_JOIN_VIA');
    expect(t.envNames.SOSIMPLE_USERS).toBeNull();
    expect(t.envNames.SOSIMPLE_OVERLAY).toBe('SOSIMPLE_OVERLAY');
  });
});

describe('parseTarget defaults and forms', () => {
  it('fills defaults for a minimal file', () => {
    const t = parseTarget(MINIMAL, P);
    expect(t).toMatchObject({ name: 'n', image: 'n:dev', port: 5060, transports: ['udp'], capabilities: [], faults: [], env: {}, knobs: {} });
    expect(t.profile).toEqual({ nodeIds: 'draft-01', resourceIdInput: 'user' });
    expect(t.workdir).toBe('/t/targets');
    expect(t.timing.stabilizeMs).toBe(360_000);
  });

  it('splits a string command at spaces and keeps list items whole', () => {
    expect(parseTarget(MINIMAL + 'command: "  node  main.js --x "\n', P).command).toEqual(['node', 'main.js', '--x']);
    expect(parseTarget(MINIMAL + 'command: [node, "my file.js", 3]\n', P).command).toEqual(['node', 'my file.js', '3']);
  });

  it('resolves build paths from the file folder and defaults the Dockerfile', () => {
    const t = parseTarget('name: n\nbuild: { context: ../src, args: { V: 1, DEBUG: true } }\n', P);
    expect(t.build).toEqual({ context: '/t/src', dockerfile: '/t/src/Dockerfile', args: { V: '1', DEBUG: 'true' } });
  });

  it('derives an image tag for a build-only target', () => {
    expect(imageTagOf(parseTarget('name: n\nbuild: { context: . }\n', P))).toBe('sosimple-target-n:local');
    expect(imageTagOf(parseTarget(MINIMAL, P))).toBe('n:dev');
  });

  it('reads a profile mapping', () => {
    const t = parseTarget(MINIMAL + 'profile: { resourceIdInput: user@host }\n', P);
    expect(t.profile).toEqual({ nodeIds: 'draft-01', resourceIdInput: 'user@host' });
    expect(parseTarget(MINIMAL + 'profile: draft-00-ids\n', P).profile.nodeIds).toBe('draft-00-ids');
  });
});

describe('parseTarget errors name path, field and line', () => {
  const cases: [string, string, string][] = [
    ['unknown top-level key', MINIMAL + 'capabilites: [leave]\n', `${P}:3: capabilites: unknown key 'capabilites'`],
    ['missing name', 'image: n:dev\n', `${P}:1: name: missing`],
    ['bad name', 'name: My Node\nimage: n:dev\n', `${P}:1: name: 'My Node' must be lower case`],
    ['neither image nor build', 'name: n\n', `${P}:1: image: missing: give an image tag, a build section, or both`],
    ['bad image', 'name: n\nimage: "Bad Image"\n', `${P}:2: image: 'Bad Image' is not an image reference`],
    ['build without context', 'name: n\nbuild:\n  dockerfile: D\n', `${P}:3: build.context: missing`],
    ['unknown build key', 'name: n\nbuild:\n  context: .\n  file: D\n', `${P}:4: build.file: unknown key 'file' (known: context, dockerfile, args)`],
    ['unknown capability', MINIMAL + 'capabilities:\n  - leave\n  - telepathy\n', `${P}:5: capabilities[1]: unknown capability 'telepathy' (known: ${KNOWN_CAPABILITIES.join(', ')})`],
    ['duplicate capability', MINIMAL + 'capabilities: [leave, leave]\n', `${P}:3: capabilities[1]: 'leave' is listed twice`],
    ['tcp capability without the transport', MINIMAL + 'capabilities: [tcp]\n', `${P}:3: capabilities: claim tcp in both`],
    ['unknown transport', MINIMAL + 'transports: [udp, sctp]\n', `${P}:3: transports[1]: unknown transport 'sctp'`],
    ['no udp', MINIMAL + 'transports: [tcp]\ncapabilities: [tcp]\n', `${P}:3: transports: must include udp`],
    ['port out of range', MINIMAL + 'port: 70000\n', `${P}:3: port: expected a whole number from 1 to 65535, found number 70000`],
    ['port as text', MINIMAL + 'port: "5060"\n', `${P}:3: port: expected a whole number`],
    ['unknown contract variable', MINIMAL + 'envNames:\n  SOSIMPLE_BOOT: X\n', `${P}:4: envNames.SOSIMPLE_BOOT: unknown key 'SOSIMPLE_BOOT'`],
    ['bootstrap dropped', MINIMAL + 'envNames:\n  SOSIMPLE_BOOTSTRAP: null\n', `${P}:4: envNames.SOSIMPLE_BOOTSTRAP: cannot be null`],
    ['bad variable name', MINIMAL + 'envNames:\n  SOSIMPLE_PORT: "MY-PORT"\n', `${P}:4: envNames.SOSIMPLE_PORT: 'MY-PORT' is not an environment variable name`],
    ['two variables, one name', MINIMAL + 'envNames:\n  SOSIMPLE_PORT: P\n  SOSIMPLE_ADDRESS: P\n', `${P}:5: envNames: SOSIMPLE_ADDRESS and SOSIMPLE_PORT both map to P`],
    ['env sets a contract variable', MINIMAL + 'env:\n  SOSIMPLE_PORT: 5070\n', `${P}:3: env.SOSIMPLE_PORT: is set by the harness`],
    ['env value is a list', MINIMAL + 'env:\n  A: [1]\n', `${P}:4: env.A: expected a string, number or boolean, found a list`],
    ['presence without users', MINIMAL + 'capabilities: [presence]\nenvNames: { SOSIMPLE_USERS: null }\n', `${P}:3: capabilities: presence needs SOSIMPLE_USERS`],
    ['faults without the variable', MINIMAL + 'faults: [no-420]\nenvNames: { SOSIMPLE_FAULTS: null }\n', `${P}:3: faults: listed, but envNames sets SOSIMPLE_FAULTS to null`],
    ['bad fault name', MINIMAL + 'faults: [No_420]\n', `${P}:3: faults[0]: 'No_420' is not a fault switch name`],
    ['unknown knob', MINIMAL + 'knobs:\n  stabilise: 5\n', `${P}:4: knobs.stabilise: unknown key 'stabilise' (known: stabilizeMs, fingerRefreshMs, failureTimeoutMs)`],
    ['knob for a dropped variable', MINIMAL + 'envNames: { SOSIMPLE_FINGER_MS: null }\nknobs:\n  fingerRefreshMs: 5\n', `${P}:5: knobs.fingerRefreshMs: set, but envNames sets SOSIMPLE_FINGER_MS to null`],
    ['unknown timing bound', MINIMAL + 'timing:\n  settleMs: 5\n', `${P}:4: timing.settleMs: unknown key`],
    ['negative timing', MINIMAL + 'timing:\n  repairMs: -1\n', `${P}:4: timing.repairMs: expected a whole number from 1`],
    ['bound below the knob', MINIMAL + 'knobs: { stabilizeMs: 5000 }\ntiming:\n  stabilizeMs: 1000\n', `${P}:4: timing.stabilizeMs: 1000 ms is shorter than knobs.stabilizeMs (5000 ms)`],
    ['unknown profile', MINIMAL + 'profile: draft-02\n', `${P}:3: profile: unknown value 'draft-02' (known: draft-01, draft-00-ids)`],
    ['unknown resource-ID input', MINIMAL + 'profile:\n  resourceIdInput: email\n', `${P}:4: profile.resourceIdInput: unknown value 'email'`],
    ['empty command', MINIMAL + 'command: "  "\n', `${P}:3: command: empty`],
    ['command as a mapping', MINIMAL + 'command: { run: x }\n', `${P}:3: command: expected a list or a string, found a mapping`],
    ['YAML syntax error', 'name: n\nimage: [a, b\nport: 1\n', `${P}:3: YAML syntax: `],
    ['duplicate key', 'name: n\nname: m\nimage: x\n', `${P}:2: YAML syntax: Map keys must be unique`],
    ['not a mapping', '- name\n', `${P}:1: (top level): expected a mapping`],
    ['empty file', '', `${P}:1: the file is empty`],
  ];
  it.each(cases)('%s', (_label, text, start) => {
    const e = errorOf(text);
    expect(e.message.slice(0, start.length)).toBe(start);
    expect(e.message).not.toContain('\n');
    if (!start.includes('YAML syntax') && !start.includes('(top level)') && !start.includes('empty')) {
      expect(e.field).not.toBe('');
    }
    expect(e.line).toBeDefined();
  });
});

describe('loadTarget', () => {
  it('gives one clear line for a missing file', () => {
    expect(() => loadTarget('/nonexistent/none.yaml')).toThrow(new TargetError('/nonexistent/none.yaml', '', 'no such target file'));
    try {
      loadTarget('/nonexistent/none.yaml');
    } catch (e) {
      expect((e as Error).message).toBe('/nonexistent/none.yaml: no such target file');
    }
  });
});

describe('loadTarget checks the build context on disk', () => {
  it('names build.context when the folder does not exist', () => {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'target-'));
    const file = nodePath.join(dir, 't.yaml');
    fs.writeFileSync(file, 'name: n\nbuild: { context: ./missing }\n');
    expect(() => loadTarget(file)).toThrow(`${file}: build.context: ${nodePath.join(dir, 'missing')} is not a folder`);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('nodeEnv', () => {
  const t = parseTarget(
    MINIMAL + 'envNames: { SOSIMPLE_BOOTSTRAP: BOOT, SOSIMPLE_USERS: null }\nenv: { EXTRA: 1 }\nknobs: { stabilizeMs: 700 }\nfaults: [no-420]\n',
    P,
  );

  it('maps the contract to the target names and adds knobs and fixed env', () => {
    expect(nodeEnv(t, { address: '10.0.0.2', port: 5070, bootstrap: '10.0.0.1:5060', buddies: ['a', 'b'], faults: ['no-420'] })).toEqual({
      EXTRA: '1',
      SOSIMPLE_ADDRESS: '10.0.0.2',
      SOSIMPLE_PORT: '5070',
      BOOT: '10.0.0.1:5060',
      SOSIMPLE_BUDDIES: 'a,b',
      SOSIMPLE_FAULTS: 'no-420',
      SOSIMPLE_STABILIZE_MS: '700',
    });
  });

  it('refuses a value for a variable the target dropped, and an unlisted fault', () => {
    expect(() => nodeEnv(t, { users: ['alice'] })).toThrow(/has no SOSIMPLE_USERS/);
    expect(() => nodeEnv(t, { faults: ['no-488'] })).toThrow(/does not list fault switch\(es\) no-488/);
  });
});
