// Fixture files as conformance tests: one test per fixture, titled with its first requirement
// ID and its description, played by harness/fixtures/player.ts on the suite's ring with each
// node in turn as the target (it passes when it passes at every node). A fixture
// whose capabilities (or transport) the target does not claim is a skipped test whose title
// says "[not applicable: …]", never a pass. Fixtures that need a ring of their own size
// (`ringSize`) get a ring of that size in a describe of their own.

import { describeVerdict, notApplicableToTarget, playFixture } from '../../harness/fixtures/player';
import type { Fixture } from '../../harness/fixtures/types';
import { sharedRingSize, suiteSeed, suiteTarget, useRing, type SuiteRing } from './ring';

/** `SOS-LOOKUP-5 A node query … (§6.4.2).`: the title rule of every conformance test. */
export function fixtureTitle(f: Fixture): string {
  return `${f.requirements[0]} ${f.description.replace(/\s+/g, ' ').trim()}`;
}

const FIXTURE_TIMEOUT_MS = 300_000;

function fixtureTests(fixtures: readonly Fixture[], ring: () => SuiteRing): void {
  const target = suiteTarget();
  fixtures.forEach((f) => {
    // Capabilities and transport are known before any ring starts; the ring size is the describe's.
    const na = notApplicableToTarget(f, target);
    if (na) {
      it.skip(`${fixtureTitle(f)} [not applicable: ${na}]`, () => undefined);
      return;
    }
    it(fixtureTitle(f), async () => {
      const r = ring();
      // Played with each ring node as the target in turn: a fault on any one node is found
      // (the self-test may put it on one node only, SOSIMPLE_FAULT_NODES).
      const failed: string[] = [];
      for (const node of r.nodes) {
        const verdict = await playFixture(f, r, { target: node, seed: suiteSeed() });
        if (verdict.outcome !== 'passed') failed.push(describeVerdict(verdict));
      }
      if (failed.length) throw new Error(`${failed.length} of ${r.nodes.length} node(s) fail:\n${failed.join('\n')}`);
    }, FIXTURE_TIMEOUT_MS);
  });
}

/**
 * Registers the tests of `fixtures`: those without `ringSize` on the run's shared ring (a
 * fixture leaves the ring as it found it: joins it made are undone), the others on rings of
 * their own, grouped by the size they need.
 */
export function describeFixtures(title: string, fixtures: readonly Fixture[], artifactName: string): void {
  const common = fixtures.filter((f) => f.ringSize === undefined);
  const size = sharedRingSize();
  describe(`${title} on a ${size}-node ring`, () => {
    const ring = useRing(size, artifactName, { shared: true });
    fixtureTests(common, ring);
  });
  const sizes = [...new Set(fixtures.map((f) => f.ringSize).filter((s): s is number => s !== undefined))].sort((a, b) => a - b);
  for (const n of sizes) {
    describe(`${title} that need a ${n}-node ring`, () => {
      const ring = useRing(n, `${artifactName}-ring${n}`);
      fixtureTests(fixtures.filter((f) => f.ringSize === n), ring);
    });
  }
}
