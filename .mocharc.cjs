// Mocha's configuration. On CI (CI set to anything but "false" or "0") a stray `.only` or a pending test
// (it.skip, this.skip(), an it without a body) fails the run instead of passing it green with less tested.
const ci = process.env.CI !== undefined && !['', 'false', '0'].includes(process.env.CI);

module.exports = {
  'node-option': ['import=tsx', 'no-experimental-require-module'],
  extension: ['ts'],
  spec: ['test/**/*.test.ts'],
  timeout: 30000,
  // The spec reporter, and after its summary how many tests ran on each database.
  reporter: './test/helpers/database-summary-reporter.cjs',
  'forbid-only': ci,
  'forbid-pending': ci,
};
