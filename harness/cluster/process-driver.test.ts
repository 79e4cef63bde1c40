import { join } from 'node:path';
import { loadTarget } from '../targets/target';
import { inheritedEnv } from './process-driver';

describe('the process driver\'s environment for a node', () => {
  const target = loadTarget(join(__dirname, '..', '..', 'targets', 'reference.yaml'));

  it('drops the contract variables of the harness\'s own environment (a run\'s SOSIMPLE_FAULTS reaches no node by itself)', () => {
    const env = inheritedEnv(target, { PATH: '/usr/bin', SOSIMPLE_FAULTS: 'no-research', SOSIMPLE_FAULT_NODES: '1', SOSIMPLE_BOOTSTRAP: '127.0.0.2:5060', SOSIMPLE_LOG_LEVEL: 'debug' });
    expect(env).toEqual({ PATH: '/usr/bin', SOSIMPLE_FAULT_NODES: '1', SOSIMPLE_LOG_LEVEL: 'debug' });
  });

  it('drops them under the target\'s own names too', () => {
    const renamed = { ...target, envNames: { ...target.envNames, SOSIMPLE_FAULTS: 'MY_FAULTS' } };
    expect(inheritedEnv(renamed, { MY_FAULTS: 'x', OTHER: 'y' })).toEqual({ OTHER: 'y' });
  });
});
