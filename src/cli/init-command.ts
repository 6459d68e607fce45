import { writeFile } from 'node:fs/promises';
import { lifecycleCheck } from '../app/lifecycle-check.js';
import { starterConfig } from '../app/starter-config.js';
import { defaultConfig } from '../config.js';
import { RefusedError } from '../errors.js';
import type { Flags } from './args.js';
import { describeSource, nowOf, print, type Io } from './common.js';
import { reportWarnings } from './live-source.js';
import { readFactView } from './sources.js';

/** `init [SOURCE] [--out FILE]`: a commented starter config from the account; never overwrites a file. */
export async function initCommand(flags: Flags, io: Io): Promise<number> {
  const cfg = defaultConfig();
  const source = await readFactView(flags, undefined, { io, config: cfg });
  try {
    const now = nowOf(flags, io, source.defaultNow);
    const from = describeSource(flags);
    const starter = starterConfig(source.view, lifecycleCheck(source.view, cfg, now), from);
    if (flags.out !== undefined && flags.out !== '-') {
      try {
        await writeFile(flags.out, starter.text, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new RefusedError(`${flags.out} exists: init never overwrites a file; move it away or give another --out`, { cause: error });
        throw error;
      }
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
