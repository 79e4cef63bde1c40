// The same join chain with the docker driver: reference nodes in containers.
// Needs the reference image (nodes/reference/build-image.sh --tag-latest; the docker
// project's global set-up builds it).
import { DockerCluster } from '../harness/cluster/docker-driver';
import { describeJoinChain } from './join-chain.shared';

describeJoinChain('docker', () => DockerCluster.create(), 8);
