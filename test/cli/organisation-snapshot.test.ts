import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { runCli } from '../../src/cli/main.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { A, B, C, fluentdDigest, REGION } from '../fixtures/organisation/sidecar-accounts.js';
import { cli, D, organisation, at, registry, world } from '../fixtures/organisation/central-registry.js';

describe('an organisation dry run before anything central is deployed', () => {
  it('snapshot --organization writes one snapshot per scope (reader role, or a profile); reconcile --snapshot DIR loads them; who-uses and plan answer organisation-wide', async () => {
    const org = organisation();
    const w = await world(org);
    // D is read with its own profile, not through its reader role.
    const config = join(w.dir, 'org.yaml');
    await writeFile(config, [
      'repositories:', '  - pattern: "*"', '    keepLatest: 1', '    olderThanDays: 7', '    graceDays: 0', '    keepTags: []', '    keepPulledWithinDays: 0',
      'sweep:', '  minimumImageAgeHours: 0',
      'organization:', '  accounts:', `    - id: "${B}"`, `      regions: [${REGION}]`, `    - id: "${C}"`, `      regions: [${REGION}]`, `    - id: "${D}"`, `      regions: [${REGION}]`, '      profile: team-d',
    ].join('\n'));
    const out = join(w.dir, 'snapshots');
    const snap = await cli(org, at(1), 'snapshot', '--organization', '--config', config, '--out', out, '-o', 'json');
    expect(snap.code, snap.err).toBe(0);
    expect((await readdir(out)).sort()).toEqual([A, B, C, D].map((id) => `${id}-${REGION}.json`));
    expect(org.assumed.sort()).toEqual([B, C].map((id) => `arn:aws:iam::${id}:role/ecr-ledger-reader`));
    expect(org.profilesUsed).toEqual([`team-d ${D}`]);
    expect(snap.err).toMatch(new RegExp(`^${C}/${REGION}: \\d+ images written to `, 'm'));

    const loaded = await cli(org, at(1), 'reconcile', '--snapshot', out, '--ledger', w.ledger, '--config', config, '-o', 'json');
    expect(loaded.code).toBe(0);
    expect(loaded.json().scopes.map((s: { scope: { accountId: string } }) => s.scope.accountId)).toEqual([A, B, C, D]);
    expect(loaded.json().missingScopes).toEqual([]);
    // A config that names more scopes than the directory holds says so, once, with the pairs it lacks (issue 34, point 4).
    const wider = join(w.dir, 'wider.yaml');
    await writeFile(wider, `${await readFile(config, 'utf8')}\n    - id: "444455556666"\n      regions: [${REGION}, ap-southeast-2]\n`);
    const fresh = join(w.dir, 'ledger-wider');
    const partial = await cli(org, at(1), 'reconcile', '--snapshot', out, '--ledger', fresh, '--config', wider, '-o', 'json');
    expect(partial.code, partial.err).toBe(0);
    expect(partial.json().missingScopes).toEqual([{ accountId: '444455556666', region: REGION }, { accountId: '444455556666', region: 'ap-southeast-2' }]);
    expect(partial.err).toContain(`warning: the config names 2 account/region pair(s) that ${out} has no snapshot of and the ledger does not hold: 444455556666/${REGION}, 444455556666/ap-southeast-2.`);
    // Without C's snapshot, the plan says once why it keeps repositories whole (stderr, JSON keptWhole), not per image only.
    const withoutC = join(w.dir, 'without-c');
    await mkdir(withoutC);
    for (const f of (await readdir(out)).filter((f) => !f.startsWith(C))) await writeFile(join(withoutC, f), await readFile(join(out, f)));
    const lacking = join(w.dir, 'ledger-without-c');
    expect((await cli(org, at(1), 'reconcile', '--snapshot', withoutC, '--ledger', lacking, '--config', config, '-o', 'json')).json().missingScopes).toEqual([{ accountId: C, region: REGION }]);
    const held = await cli(org, at(1), 'plan', '--ledger', lacking, '--config', config, '--scope', `${A}/${REGION}`, '-o', 'json');
    expect(held.json().keptWhole.repositories).toBeGreaterThan(0);
    expect(held.json().keptWhole.scopes).toEqual([expect.objectContaining({ account: C, region: REGION })]);
    expect(held.err.match(/kept whole: /g)).toHaveLength(1);
    expect(held.err).toMatch(new RegExp(`repositor(y|ies) kept whole: 1 account/region\\(s\\) a deletion reaches cannot be judged now \\(${C}/${REGION}: `));
    const who = (await cli(org, at(1), 'who-uses', `${registry}/fluentd:ffff`, '--ledger', w.ledger, '-o', 'json')).json();
    expect(who.images[0].referrers).toContainEqual(expect.objectContaining({ kind: 'ecs-task', account: C, protecting: true }));
    const plan = (await cli(org, at(1), 'plan', '--ledger', w.ledger, '--config', config, '--scope', `${A}/${REGION}`, '-o', 'json')).json();
    expect(plan.images.find((i: { imageDigest: string }) => i.imageDigest === fluentdDigest('ffff')).action).toBe('keep');
  });

  it('names a member it cannot read (exit 5) and writes the others; asks for an organisation and a directory', async () => {
    const org = organisation();
    org.denied.add(D);
    const w = await world(org);
    const out = join(w.dir, 'snapshots');
    const snap = await cli(org, at(1), 'snapshot', '--organization', '--config', w.config, '--out', out);
    expect(snap.code).toBe(5);
    expect(snap.err).toContain(`${D}/${REGION}: FAILED: account ${D} cannot be read`);
    expect((await readdir(out)).length).toBe(3);
    expect((await cli(org, at(1), 'snapshot', '--organization', '--out', out)).err).toContain('snapshot --organization needs `organization` in the config');
    expect((await cli(org, at(1), 'snapshot', '--organization', '--config', w.config, '--out', '-')).code).toBe(2);
  });
});

describe('init --organization', () => {
  it('writes the organisation section from Organizations (a valid config), or from the repository policies as a comment to check', async () => {
    const org = organisation();
    org.organizationId = 'o-abcdefghij';
    const w = await world(org);
    const out = join(w.dir, 'starter.yaml');
    const init = await cli(org, at(1), 'init', '--organization', '--out', out);
    expect(init.code, init.err).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text).toContain(['organization:', '  id: o-abcdefghij', '  accounts:', `    - id: "${B}"`, `      regions: [${REGION}]`].join('\n'));
    expect(text).not.toContain(`- id: "${A}"`);
    expect((await cli(org, at(1), 'config', 'check', out)).code).toBe(0);

    const lines: string[] = [];
    const errors: string[] = [];
    const denied = { ...org, factory: (o: Parameters<typeof org.factory>[0]) => ({ ...org.factory(o), discover: async () => { throw new Error('AccessDeniedException: not the management account'); } }) };
    const fromPolicies = await runCli(['init', '--organization'], { out: (t) => lines.push(t), err: (t) => errors.push(t), clock: () => at(1), aws: (o) => org.accounts.get(A)!.clientsIn(o.region), organization: denied.factory });
    expect(fromPolicies).toBe(0);
    expect(errors.join('\n')).toContain('the organisation\'s accounts could not be listed (AccessDeniedException: not the management account)');
    expect(lines.join('\n')).toContain('CHECK the list');
    expect(lines.join('\n')).toContain(`#     - id: "${D}"`);
  });
});
