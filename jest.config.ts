import type { Config } from 'jest';

// Two projects: `unit` needs nothing but Node; `docker` needs a Docker engine.
// A test file belongs to `docker` when its name ends in `.docker.test.ts`.
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
} as const;

const config: Config = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/suites/', '\\.docker\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'conformance',
      testMatch: ['<rootDir>/suites/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/conformance-global-setup.ts',
      // Each test's time window, for the report's per-check message traces (harness/report).
      setupFilesAfterEnv: ['<rootDir>/test/support/conformance-evidence.ts'],
      globalTeardown: '<rootDir>/test/support/conformance-global-teardown.ts',
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
    {
      ...common,
      displayName: 'docker',
      testMatch: ['<rootDir>/**/*.docker.test.ts'],
      globalSetup: '<rootDir>/test/support/docker-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/docker-global-teardown.ts',
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
  ],
};

export default config;
