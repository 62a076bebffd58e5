// `npm start` must work right after `npm install` on a fresh clone: compile when dist/ is missing or older than src/.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const newestMtime = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }, 0);

const built = 'dist/main.js';
const isStale = !existsSync(built) || newestMtime('src') > statSync('dist/.tsbuildinfo', { throwIfNoEntry: false })?.mtimeMs;
if (isStale) {
  process.stderr.write('switchboard: compiling TypeScript (first start or sources changed)...\n');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
