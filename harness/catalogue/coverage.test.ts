import { readFileSync } from 'node:fs';
import { COVERAGE_FILE, renderCoverage } from '../coverage';

describe('suites/COVERAGE.md', () => {
  it('is what `npm run coverage` writes from the catalogue and the suites (run it after adding a test)', () => {
    expect(readFileSync(COVERAGE_FILE, 'utf8')).toBe(renderCoverage());
  });
});
