// Jest's order, except that the security suite (test/security/) runs first: it measures the app's
// event-loop delay, which a runner heap grown by eighty earlier test files (and their major
// collections) would blur. In scripts/test.sh's side lane (TEST_LANE=side) the two-minute
// rate-limit test, which mostly waits, runs first instead, so anything added to that lane starts
// after the main lane's security suite is over.
const Sequencer = require('@jest/test-sequencer').default;

class SecurityFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const first =
      process.env.TEST_LANE === 'side'
        ? (test) => /rate-limit-two-instances/.test(test.path)
        : (test) => /[\\/]test[\\/]security[\\/]/.test(test.path);
    return [...sorted.filter(first), ...sorted.filter((test) => !first(test))];
  }
}

module.exports = SecurityFirstSequencer;
