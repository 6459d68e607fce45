import { compileGlob } from './glob.js';

/** A test for names against the `scope` globs of the config (`*` also matches `/`). */
export function scopeMatcher(globs: readonly string[]): (name: string) => boolean {
  const tests = globs.map(compileGlob);
  return (name) => tests.some((test) => test(name));
}

/** `arn:aws:ecs:REGION:ACCOUNT:cluster/NAME` → `NAME`. */
export function clusterName(clusterArn: string): string {
  return clusterArn.slice(clusterArn.indexOf('cluster/') >= 0 ? clusterArn.indexOf('cluster/') + 'cluster/'.length : 0);
}
