#!/usr/bin/env node
// npm's `prepare`: compiles dist/ (in a checkout's `npm ci` or `npm install`, and when npm installs the package from
// git). `npx pcount-tui` in a checkout finds no pcount-tui among the dependencies, so npm installs the checkout itself
// into its npx cache, which runs `prepare` here again (npm_command "exec"). dist/ is there by then, and the build
// empties it first: it would take the files from under anything running from them, and make that first npx wait.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const built = existsSync(new URL('../dist/src/cli.js', import.meta.url));
if (!(process.env.npm_command === 'exec' && built)) {
  const npm = process.env.npm_execpath;
  const build = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
