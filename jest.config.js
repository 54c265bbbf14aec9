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
  modulePathIgnorePatterns: ['<rootDir>/.cache/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/test-env.ts'],
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Late in a whole run on two cores an app has taken over 30 s to boot (see the issue-15 note);
  // a hang still fails, after a minute.
  testTimeout: 60000,
};
