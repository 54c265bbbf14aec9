// Jest's order, except that the security suite (test/security/) runs first: it measures the app's
// event-loop delay, which a runner heap grown by eighty earlier test files (and their major
// collections) would blur.
const Sequencer = require('@jest/test-sequencer').default;

class SecurityFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const security = (test) => /[\\/]test[\\/]security[\\/]/.test(test.path);
    return [...sorted.filter(security), ...sorted.filter((test) => !security(test))];
  }
}

module.exports = SecurityFirstSequencer;
