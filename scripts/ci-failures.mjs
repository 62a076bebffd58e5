// Prints each failed test of a vitest JSON report (file, name, the first lines of its error), and each test that
// passed only on its retry, for the end of a CI log. Usage: node scripts/ci-failures.mjs <suite name> <report path>
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [suite, reportPath] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
// Stack frames inside node_modules (vitest's runner) say nothing about the failure.
const firstLines = (text, n) => text.split('\n').filter((line) => !line.includes('node_modules') && !line.includes('<anonymous>')).slice(0, n).join('\n    ');

for (const file of report.testResults ?? []) {
  const name = relative(process.cwd(), file.name);
  const tests = file.assertionResults ?? [];
  // A file that fails outside any test (import error, hook timeout) has no failed test to name.
  if (file.status === 'failed' && !tests.some((test) => test.status === 'failed')) {
    console.log(`[${suite}] FAILED ${name}\n    ${firstLines(file.message || 'failed outside a test', 12)}`);
  }
  for (const test of tests) {
    // vitest keeps the errors of earlier attempts on a test that passed on its retry.
    const label = test.status === 'failed' ? 'FAILED' : test.status === 'passed' && test.failureMessages?.length ? 'PASSED ON RETRY' : undefined;
    if (!label) continue;
    console.log(`[${suite}] ${label} ${name} > ${test.fullName}`);
    console.log(`    ${firstLines((test.failureMessages ?? []).join('\n'), 12)}`);
  }
}
