import { announceDeletions, type Delivery, type NoticeResult } from '../app/notice.js';
import { noticeText } from '../app/notice-message.js';
import { deliverToWebhook } from '../adapters/aws/notice-channels.js';

import { config, print, type Io } from './common.js';
import { UsageError } from '../errors.js';
import { parseTime, type Flags } from './args.js';
import { scopeFor, openLedger } from './sources.js';
import { openOrganization } from './organization-source.js';
import { Organization } from '../adapters/aws/organization-members.js';

/**
 * `ecr-ledger notice`: the nightly advance-notice step from the CLI. The notice printed here counts as delivered,
 * so its images are recorded as announced; `--webhook-url` also posts it (Slack format).
 */
export async function noticeCommand(flags: Flags, io: Io): Promise<number> {
  const cfg = await config(flags);
  // An announcement starts a clock people rely on: only a dry run may be computed at another time.
  if (flags.now !== undefined && !flags['dry-run']) throw new UsageError('notice records announcements on the real clock: --now only with --dry-run');
  const moved = flags.now === undefined ? undefined : parseTime(flags.now, '--now');
  const clock = () => (moved === undefined ? io.clock() : new Date(moved));
  const settings = { ...cfg, notice: cfg.notice ?? { daysAhead: 3, sns: false } };
  const open = await openLedger(flags);
  try {
    const scope = await scopeFor(open.ledger, flags, io);
    const ledgerFlag = flags.table !== undefined ? `--table ${flags.table}` : `--ledger ${flags.ledger}`;
    // Organisation-wide, the notice judges the reach as the sweep will: the members (discovered ones too) and the organisation's id.
    const org = cfg.organization ? openOrganization(flags, cfg, scope, io.organization) : undefined;
    const members = org && new Organization(cfg, scope, org.access, () => org.discover(), () => io.clock());
    try {
      const result: NoticeResult = await announceDeletions({
        store: open.sweep, announcements: open.announcements, config: settings, clock,
        index: open.index(), ...(members && { members }),
        deliver: async (notice) => {
          const deliveries: Delivery[] = [{ channel: 'stdout', ok: true }];
          if (flags['webhook-url'] !== undefined) {
            const posted = await deliverToWebhook(flags['webhook-url'], notice);
            if (posted.error !== undefined) io.err(`warning: ${posted.error}`);
            deliveries.push(posted);
          }
          return deliveries;
        },
      }, scope, { ledgerFlag, dryRun: flags['dry-run'] });
      const footer = flags['dry-run']
        ? '\n\nDRY RUN: nothing was sent or recorded (run without --dry-run to announce).'
        : result.recorded > 0 ? `\n\nRecorded ${result.recorded} announcement(s): the sweep deletes them from ${result.notice.deletableFrom}, not before.` : '';
      print(io, flags, { ...result, dryRun: flags['dry-run'] }, () => `${noticeText(result.notice)}${footer}`);
      return result.deliveries.some((d) => !d.ok) ? 5 : 0;
    } finally {
      org?.access.destroy();
    }
  } finally {
    await open.close();
  }
}
