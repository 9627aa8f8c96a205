// Mocha's spec reporter plus one line after its summary: how many tests ran on each database. A test counts
// for a database when a title on its path names it the way the suites do, "(sqlite)" or "(postgresql)";
// a PostgreSQL half skipped (no server reachable outside CI) shows as pending there, not as a smaller green.
// CommonJS because mocha loads reporters with require().
const Mocha = require('mocha');

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;
const DATABASES = ['sqlite', 'postgresql'];

class DatabaseSummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = Object.fromEntries([...DATABASES, 'none'].map((d) => [d, { passed: 0, failed: 0, pending: 0 }]));
    const databaseOf = (test) => DATABASES.find((d) => test.titlePath().some((t) => t.includes(`(${d})`))) ?? 'none';
    runner.on(EVENT_TEST_PASS, (test) => counts[databaseOf(test)].passed++);
    runner.on(EVENT_TEST_FAIL, (test) => {
      // A failing hook is reported as a "test" of the hook's title: counted where its suite belongs.
      counts[databaseOf(test)].failed++;
    });
    runner.on(EVENT_TEST_PENDING, (test) => counts[databaseOf(test)].pending++);
    // Registered after Spec's own: printed below its "N passing" lines.
    runner.once(EVENT_RUN_END, () => {
      const line = (name, c) => `${name} ${c.passed + c.failed} ran (${c.passed} passed, ${c.failed} failed)${c.pending ? `, ${c.pending} PENDING` : ''}`;
      const parts = DATABASES.map((d) => line(d, counts[d]));
      parts.push(line('on no named database', counts.none));
      process.stdout.write(`  tests by database: ${parts.join('; ')}\n\n`);
    });
  }
}

module.exports = DatabaseSummaryReporter;
