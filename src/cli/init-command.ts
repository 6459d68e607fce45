import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { lifecycleCheck } from '../app/lifecycle-check.js';
import { starterConfig, type StarterOrganization } from '../app/starter-config.js';
import type { FactView } from '../app/plan.js';
import { repositoryGrants } from '../domain/repository-grants.js';
import { awsOrganization } from './organization-source.js';
import { defaultConfig, parseConfig } from '../config.js';
import { convertEcrm, EcrmConfigError } from '../domain/from-ecrm.js';
import { ConfigError, RefusedError } from '../errors.js';
import type { Flags } from './args.js';
import { describeSource, nowOf, print, type Io } from './common.js';
import { reportWarnings } from './live-source.js';
import { readFactView } from './sources.js';

/** `init [SOURCE] [--out FILE]`: a commented starter config from the account; never overwrites a file. */
export async function initCommand(flags: Flags, io: Io): Promise<number> {
  if (flags['from-ecrm'] !== undefined) return fromEcrmCommand(flags, flags['from-ecrm'], io);
  const cfg = defaultConfig();
  const source = await readFactView(flags, undefined, { io, config: cfg });
  try {
    const now = nowOf(flags, io, source.defaultNow);
    const from = describeSource(flags);
    const organization = flags.organization ? await starterOrganization(flags, io, source.view) : undefined;
    const starter = starterConfig(source.view, lifecycleCheck(source.view, cfg, now), from, organization);
    if (flags.out !== undefined && flags.out !== '-') {
      await writeNew(flags.out, starter.text);
      reportWarnings(io, starter.warnings);
      print(io, flags, { out: flags.out, rules: starter.rules, repositories: starter.repositories, warnings: starter.warnings }, () =>
        `Wrote ${flags.out}: ${starter.rules} rule(s) for ${starter.repositories} repositories${starter.warnings.length ? `, ${starter.warnings.length} warning(s) (also in the file)` : ''}. Next: ecr-ledger plan --config ${flags.out} …`);
      return 0;
    }
    if (flags.output === 'json') print(io, flags, { config: starter.text, rules: starter.rules, repositories: starter.repositories, warnings: starter.warnings }, () => '');
    else io.out(starter.text);
    return 0;
  } finally {
    await source.close();
  }
}

/** The accounts of the organisation: from Organizations when the caller may list them, else from the repository policies. */
async function starterOrganization(flags: Flags, io: Io, view: FactView): Promise<StarterOrganization> {
  const home = view.facts.scope;
  try {
    const found = await (io.organization ?? awsOrganization)({ home, roleName: 'ecr-ledger-reader', ...(flags.region !== undefined && { region: flags.region }), ...(flags.profile !== undefined && { profile: flags.profile }) }).discover();
    return { accounts: found.accounts, ...(found.organizationId && { organizationId: found.organizationId }), from: 'organizations' };
  } catch (error) {
    io.err(`warning: the organisation's accounts could not be listed (${(error as Error).message}): the section lists the accounts the repository policies name, commented out to check`);
    const grants = view.facts.repositories.map((r) => repositoryGrants(r.policyText, home.accountId));
    const named = grants.flatMap((g) => g.accounts.map((a) => a.account)).filter((a) => /^\d{12}$/.test(a));
    const organizations = [...new Set(grants.flatMap((g) => g.organizations))];
    return { accounts: [...new Set(named)], ...(organizations.length === 1 && { organizationId: organizations[0]! }), from: 'policies' };
  }
}

/** `init --from-ecrm FILE`: ecrm's config converted, checked by ecr-ledger's own validator before it is written. */
async function fromEcrmCommand(flags: Flags, file: string, io: Io): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read ecrm's config: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  let converted;
  try {
    converted = convertEcrm(text, file);
  } catch (error) {
    if (error instanceof EcrmConfigError) throw new ConfigError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
  parseConfig(parse(converted.text) ?? {}); // what is written is a valid ecr-ledger config
  reportWarnings(io, converted.warnings);
  if (flags.out !== undefined && flags.out !== '-') {
    await writeNew(flags.out, converted.text);
    print(io, flags, { out: flags.out, rules: converted.rules, warnings: converted.warnings }, () => `Wrote ${flags.out}: ${converted.rules} rule(s) converted from ${file}${converted.warnings.length ? `, ${converted.warnings.length} warning(s) (also in the file)` : ''}. Next: ecr-ledger plan --config ${flags.out} …`);
    return 0;
  }
  if (flags.output === 'json') print(io, flags, { config: converted.text, rules: converted.rules, warnings: converted.warnings }, () => '');
  else io.out(converted.text);
  return 0;
}

/** Writes `text` to a new file: init never overwrites one (exit 4). */
async function writeNew(out: string, text: string): Promise<void> {
  try {
    await writeFile(out, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new RefusedError(`${out} exists: init never overwrites a file; move it away or give another --out`, { cause: error });
    throw error;
  }
}
