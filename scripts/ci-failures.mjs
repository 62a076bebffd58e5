// Prints each failed test of a vitest JSON report (file, name, the first lines of its error) for the end of a CI
// log. Usage: node scripts/ci-failures.mjs <suite name> <report path>
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [suite, reportPath] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const firstLines = (text, n) => text.split('\n').slice(0, n).join('\n    ');

for (const file of report.testResults ?? []) {
  const name = relative(process.cwd(), file.name);
  const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
  // A file that fails outside any test (import error, hook timeout) has no failed assertion to name.
  if (failed.length === 0 && file.status === 'failed') {
    console.log(`[${suite}] ${name}\n    ${firstLines(file.message ?? 'failed outside a test', 12)}`);
  }
  for (const test of failed) {
    console.log(`[${suite}] ${name} > ${test.fullName}`);
    console.log(`    ${firstLines((test.failureMessages ?? []).join('\n'), 12)}`);
  }
}
