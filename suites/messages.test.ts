// Message fixtures (fixtures/messages/**): every fixture file is one test, played against the
// target ring by the scenario player and judged step by step (status, headers, URIs, DHT-Link,
// answering node, checker findings). Format: fixtures/README.md.

import { join } from 'node:path';
import { loadFixtures } from '../harness/fixtures';
import { describeFixtures } from './support/fixture-tests';

const fixtures = loadFixtures(join(__dirname, '..', 'fixtures', 'messages'));

describeFixtures('message fixtures', fixtures, 'suite-messages');
