import { formatBytes } from '../domain/bytes.js';
import type { Notice, NoticeImage } from './notice.js';

const short = (digest: string) => digest.slice(0, 19);
const tags = (image: NoticeImage) => (image.imageTags.length > 0 ? image.imageTags.join(', ') : 'untagged');

function lastUseWords(image: NoticeImage): string {
  const by = image.lastUsedBy ? `last used by ${image.lastUsedBy.kind} ${image.lastUsedBy.id}` : 'no referrer the ledger saw';
  return image.lastUseEndedAt ? `${by}, unused since ${image.lastUseEndedAt}` : by;
}

export function noticeHeadline(notice: Notice): string {
  return `${notice.totals.images} image(s) (${formatBytes(notice.totals.bytes)}) in ${notice.scope.accountId}/${notice.scope.region} will be deleted from ${notice.deletableFrom}`;
}

/** The notice as plain text (SNS e-mail, the CLI): grouped by repository, each image with the command that keeps it. */
export function noticeText(notice: Notice, maxImages = Infinity): string {
  if (notice.totals.images === 0) return `Nothing newly scheduled for deletion in ${notice.scope.accountId}/${notice.scope.region} within ${notice.daysAhead} day(s)${notice.alreadyAnnounced ? ` (${notice.alreadyAnnounced} announced earlier)` : ''}.`;
  const lines = [noticeHeadline(notice), '', `To keep one, pin it (the command is under each image). Nothing is deleted before ${notice.deletableFrom}.`];
  let shown = 0;
  for (const repo of notice.repositories) {
    lines.push('', `${repo.repositoryName}: ${repo.images.length} image(s), ${formatBytes(repo.bytes)}`);
    for (const image of repo.images) {
      if (shown++ >= maxImages) break;
      lines.push(`  ${short(image.imageDigest)} [${tags(image)}] ${formatBytes(image.imageSizeInBytes)}, pushed ${image.imagePushedAt.slice(0, 10)}; ${lastUseWords(image)}`, `    keep it: ${image.pinCommand}`);
    }
  }
  if (shown > maxImages) lines.push('', `… and ${notice.totals.images - maxImages} more: run \`ecr-ledger notice\` or open the report for the full list.`);
  return lines.join('\n');
}

/** A Slack-compatible incoming-webhook message (`text` for notifications and clients without blocks, `blocks` per repository). */
export function slackMessage(notice: Notice, maxImagesPerRepository = 20): { text: string; blocks: object[] } {
  const blocks: object[] = [{ type: 'header', text: { type: 'plain_text', text: `ECR images scheduled for deletion (${notice.scope.accountId}/${notice.scope.region})`.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: `*${notice.totals.images}* image(s), ${formatBytes(notice.totals.bytes)}, deleted from *${notice.deletableFrom}* unless pinned.` } }];
  for (const repo of notice.repositories.slice(0, 40)) {
    const rows = repo.images.slice(0, maxImagesPerRepository).map((i) => `• \`${short(i.imageDigest)}\` ${tags(i)} (${formatBytes(i.imageSizeInBytes)}) — ${lastUseWords(i)}\n   keep: \`${i.pinCommand}\``);
    if (repo.images.length > maxImagesPerRepository) rows.push(`… and ${repo.images.length - maxImagesPerRepository} more`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${repo.repositoryName}* — ${repo.images.length} image(s), ${formatBytes(repo.bytes)}\n${rows.join('\n')}`.slice(0, 3000) } });
  }
  return { text: `ecr-ledger: ${noticeHeadline(notice)}`, blocks };
}
