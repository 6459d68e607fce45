import { existsSync, readFileSync } from 'node:fs';

/** The package's version: the nearest package.json named ecr-ledger above this file (the sources, or the bundle in dist/). */
function readVersion(): string {
  for (let url = new URL('./package.json', import.meta.url), i = 0; i < 5; i += 1, url = new URL('../package.json', url)) {
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'ecr-ledger' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

export const VERSION = readVersion();
