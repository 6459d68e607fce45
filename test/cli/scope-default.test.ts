import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../fakes/fake-account.js';
import { runAt } from '../support/cli.js';

const NOW = '2026-11-20T00:00:00Z';

/** A ledger holding the example account in two regions. */
async function twoScopes(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-scopes-'));
  const ledger = join(dir, 'ledger');
  const example = JSON.parse(await readFile('examples/account.json', 'utf8'));
  const other = join(dir, 'eu.json');
  await writeFile(other, JSON.stringify({ ...example, region: 'eu-west-1' }));
  for (const file of ['examples/account.json', other]) expect((await runAt(NOW, ['reconcile', '--snapshot', file, '--ledger', ledger, '--now', NOW])).code).toBe(0);
  return ledger;
}

describe('the scope of the credentials by default', () => {
  it('acts on the account and region the credentials act in when the ledger holds it, and says so', async () => {
    const ledger = await twoScopes();
    const result = await runAt(NOW, ['plan', '--ledger', ledger, '--now', NOW, '-o', 'json'], { account: new FakeAccount('123456789012', 'eu-west-1') });
    expect(result.code).toBe(0);
    expect(result.err).toContain('using 123456789012/eu-west-1, the account and region of your credentials (the ledger holds 2 scopes; --scope ACCOUNT/REGION picks another)');
    const us = await runAt(NOW, ['who-uses', 'checkout:r7', '--ledger', ledger, '-o', 'json'], { account: new FakeAccount('123456789012', 'us-east-1') });
    expect(us.err).toContain('using 123456789012/us-east-1');
  });

  it('asks for --scope when the ledger does not hold the credentials\' scope, or there are no credentials', async () => {
    const ledger = await twoScopes();
    const elsewhere = await runAt(NOW, ['plan', '--ledger', ledger, '--now', NOW], { account: new FakeAccount('123456789012', 'ap-south-1') });
    expect([elsewhere.code, elsewhere.err]).toEqual([2, expect.stringContaining('the ledger holds several accounts or regions (123456789012/eu-west-1, 123456789012/us-east-1): give --scope ACCOUNT/REGION')]);
    const none = await runAt(NOW, ['plan', '--ledger', ledger, '--now', NOW]);
    expect(none.code).toBe(2);
    expect((await runAt(NOW, ['plan', '--ledger', ledger, '--now', NOW, '--scope', '123456789012/us-east-1'])).code).toBe(0);
  });
});
