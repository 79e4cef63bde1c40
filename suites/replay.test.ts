// Replays (fixtures/pcap/): scenario fixtures derived from captures with pcap2fixture, each
// with a note of where it came from (<name>.note.md beside it). Every scenario runs against
// the target ring and checks the node's answers against what the catalogue requires, not
// against what the captured node answered.

import { join } from 'node:path';
import { loadFixtures } from '../harness/fixtures';
import { describeFixtures } from './support/fixture-tests';

const fixtures = loadFixtures(join(__dirname, '..', 'fixtures', 'pcap'));

describeFixtures('replayed captures', fixtures, 'suite-replay');
