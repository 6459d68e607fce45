import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planReport } from '../app/plan.js';
import { UsageError } from '../errors.js';
import { reportData } from '../report/report-data.js';
import { renderReportHtml } from '../report/report-html.js';
import type { Flags } from './args.js';
import { config, describeSource, nowOf, print, type Io } from './common.js';
import { reportWarnings } from './live-source.js';
import { readFactView } from './sources.js';

/** `report --out DIR [SOURCE]`: the static HTML report (index.html, self-contained) and its data (report.json). */
export async function reportCommand(flags: Flags, io: Io): Promise<number> {
  if (flags.out === undefined || flags.out === '-') throw new UsageError('report needs --out DIR: the directory to write index.html and report.json into');
  const cfg = await config(flags);
  const source = await readFactView(flags, undefined, { io, config: cfg });
  try {
    const now = nowOf(flags, io, source.defaultNow);
    const plan = planReport(source.view, cfg, now);
    const from = describeSource(flags);
    const data = reportData({ plan, audit: (await source.audit?.(now)) ?? [], scope: source.view.facts.scope, source: from, pricing: cfg.pricing });
    await mkdir(flags.out, { recursive: true });
    const page = join(flags.out, 'index.html');
    await writeFile(page, renderReportHtml(data));
    await writeFile(join(flags.out, 'report.json'), `${JSON.stringify(data, null, 2)}\n`);
    reportWarnings(io, plan.warnings);
    print(io, flags, { out: page, repositories: data.repositories.length, images: data.totals.images, scheduled: data.scheduled.length }, () =>
      `Wrote ${page} (and report.json): ${data.repositories.length} repositories, ${data.totals.images} images, ${data.scheduled.length} scheduled for deletion. Open it in a browser; it needs no network.`);
    return 0;
  } finally {
    await source.close();
  }
}
