import { readFile } from 'node:fs/promises';
import { FakeAccount } from '../../test/fakes/fake-account.js';
import { HttpCloud } from '../../test/fakes/http-cloud.js';

/**
 * `node --import tsx bench/scale/cloud.ts SNAPSHOT`: the account a snapshot describes, served over HTTP in a process of
 * its own (its memory is not the handlers'). Prints `{"endpoint": …}`; GET /__calls answers the calls served so far
 * (and forgets them with ?reset).
 */
const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(process.argv[2]!, 'utf8')) as Parameters<typeof FakeAccount.fromSnapshot>[0]);
const cloud = new HttpCloud(account);
const endpoint = await cloud.start();
process.stdout.write(`${JSON.stringify({ endpoint })}\n`);
