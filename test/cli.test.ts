import { main, EXIT_USAGE } from '../harness/cli';

describe('command line', () => {
  let err: jest.SpyInstance;
  let out: jest.SpyInstance;
  beforeEach(() => {
    err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('names a missing target file in one line and exits 2', () => {
    expect(main(['run', '--target', 'no/such/target.yaml'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith('sosimple-conformance: target file not found: no/such/target.yaml');
  });

  it('never pretends: a run that cannot happen yet says what it would do and exits non-zero', () => {
    expect(main(['run'])).toBe(EXIT_USAGE);
    expect(out.mock.calls.flat().join('\n')).toMatch(/run the suites/);
    expect(err.mock.calls.flat().join('\n')).toMatch(/nothing was run and nothing passed/);
  });

  it('rejects an unknown command with exit 2', () => {
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(main(['frobnicate'])).toBe(EXIT_USAGE);
  });
});
