// The join chain with the process driver: reference nodes as local processes, no Docker.
// Needs the compiled node (`npm run build`; `npm test` builds first).
import { ProcessCluster } from '../harness/cluster/process-driver';
import { describeJoinChain } from './join-chain.shared';

describeJoinChain('process', async () => new ProcessCluster({ firstHost: 20 }), 8);
