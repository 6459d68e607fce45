import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { A, B, C, REGION } from '../fixtures/organisation/sidecar-accounts.js';
import { at, cli, D, organisation, registry, world } from '../fixtures/organisation/central-registry.js';

/** explain says once, not once per scope, that several account/regions a deletion reaches cannot be judged (issue 34, point 4). */
describe('explain over an organisation the ledger holds in part', () => {
  it('groups the account/regions it cannot judge for the same reason into one line, and the keep reason too', async () => {
    const org = organisation();
    const w = await world(org);
    const config = join(w.dir, 'org.yaml');
    await writeFile(config, [
      'repositories:', '  - pattern: "*"', '    keepLatest: 1', '    olderThanDays: 7', '    graceDays: 0', '    keepTags: []', '    keepPulledWithinDays: 0',
      'sweep:', '  minimumImageAgeHours: 0',
      'organization:', '  accounts:', `    - id: "${B}"`, `      regions: [${REGION}, us-east-1, ap-southeast-2]`, `    - id: "${C}"`, `      regions: [${REGION}, us-east-1]`, `    - id: "${D}"`, `      regions: [${REGION}]`, '      profile: team-d',
    ].join('\n'));
    const all = join(w.dir, 'snapshots');
    expect((await cli(org, at(1), 'snapshot', '--organization', '--config', config, '--out', all)).code).toBe(0);
    // Only the home region's snapshots are loaded: three member regions stay unheld.
    const some = join(w.dir, 'some');
    await mkdir(some);
    for (const f of (await readdir(all)).filter((f) => f.endsWith(`-${REGION}.json`))) await writeFile(join(some, f), await readFile(join(all, f)));
    expect((await cli(org, at(1), 'reconcile', '--snapshot', some, '--ledger', w.ledger, '--config', config, '--quiet')).code).toBe(0);
    const explained = await cli(org, at(1), 'explain', `${registry}/fluentd:ffff`, '--ledger', w.ledger, '--config', config, '--scope', `${A}/${REGION}`);
    expect(explained.code, explained.err).toBe(0);
    const unheld = explained.out.split('\n').filter((l) => l.includes('the ledger does not hold it'));
    expect(unheld.length).toBeLessThanOrEqual(2); // the reach list's line, and the keep reason's
    expect(explained.out).toMatch(/3 account\/regions cannot be judged: the ledger does not hold it \(\d{12}\/(us-east-1|ap-southeast-2), /);
  });
});
