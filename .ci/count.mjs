// Adds up what vitest and Playwright wrote in test-results/ into the line CI
// reads: "N passed, N failed". A step that failed before any test ran (build,
// size budget, type-check) counts as one failure, so a red run never reads green.
import { existsSync, readFileSync } from 'node:fs';

const status = Number(process.argv[2] ?? 1);
let passed = 0;
let failed = 0;

const unit = 'test-results/unit.json';
if (existsSync(unit)) {
  const report = JSON.parse(readFileSync(unit, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  console.log(`unit: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}

const e2e = 'test-results/e2e.json';
if (existsSync(e2e)) {
  const { stats } = JSON.parse(readFileSync(e2e, 'utf8'));
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected;
  console.log(`browser: ${stats.expected + stats.flaky} passed, ${stats.unexpected} failed, ${stats.skipped} skipped`);
}

if (status !== 0 && failed === 0) {
  failed = 1;
  console.log('a step before or between the test runs failed (see above)');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
