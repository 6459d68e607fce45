import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Tests that run `bin/ecr-ledger` need the bundled CLI: build it when a bare `vitest` runs before any build. */
export default function setup(): void {
  if (!existsSync('dist/ecr-ledger.mjs')) execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
