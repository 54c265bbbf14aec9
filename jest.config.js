// The whole suite in one Jest project: unit tests beside the code (src/**/*.spec.ts) and
// end-to-end tests against the real servers started by scripts/stack.sh (test/**/*.e2e-spec.ts).
// One project on purpose: with several projects and a globalSetup, Jest 29 never exits.
// `npm run test:unit` uses jest.unit.config.js, which needs no servers.
const { transform, transformIgnorePatterns } = require('./jest.shared');

module.exports = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  // The OpenAPI fuzzer's virtualenv (scripts/schemathesis.sh) holds a Python tree Jest need not crawl.
  // Likewise the stack folder, which holds chDB's (scripts/chdb.sh).
  modulePathIgnorePatterns: ['<rootDir>/.cache/', '<rootDir>/.stack/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/test-env.ts'],
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Late in a whole run on two cores an app has taken over 30 s to boot (see the issue-15 note);
  // a hang still fails, after a minute.
  testTimeout: 60000,
  // Each test file boots the whole app in its own module registry, and some of every registry
  // stays reachable (the runner's heap grew from 190 MB to 870 MB over 17 files). In one process
  // for the whole suite that ends in garbage-collection thrash: files ran 2-5x slower late in a
  // run. scripts/test.sh runs Jest with --maxWorkers=1 (still one file at a time, in order) so
  // this limit can recycle the worker once its heap passes it.
  workerIdleMemoryLimit: '700MB',
};
