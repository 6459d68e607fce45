import { runCli } from '../../src/cli/main.js';
import type { OrganizationFactory } from '../../src/cli/organization-source.js';
import type { FakeAccount } from '../fakes/fake-account.js';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  json(): any;
}

/** Runs one command line in-process at a fixed time, against a fake AWS account (never real AWS), capturing its output. */
export async function runAt(at: string | Date, argv: readonly string[], options: { account?: FakeAccount; organization?: OrganizationFactory; stdin?: () => Promise<string> } = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date(at),
    ...(options.account && { aws: (o) => options.account!.clientsIn(o.region) }), ...(options.organization && { organization: options.organization }), ...(options.stdin && { stdin: options.stdin }),
  });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}
