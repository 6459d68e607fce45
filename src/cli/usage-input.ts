import { readFile } from 'node:fs/promises';
import type { ReportedImage } from '../app/usage-reports.js';
import { parseImageReference } from '../domain/image-reference.js';
import { ImageReferenceError, UsageError } from '../errors.js';

/**
 * A usage report as a file gives it: one image reference per line (blank lines and `#` comments skipped), or JSON —
 * a list of references or of `{ "image", "workloads"? }`, or `{ "images": [...] }`. Each is an IMAGE as the other
 * commands take it (`repo:tag` names the ledger's registry). A malformed entry names its line or position; nothing is
 * reported then.
 */
export function parseUsageInput(text: string, where: string): ReportedImage[] {
  const trimmed = text.trim();
  const check = (image: unknown, at: string): string => {
    if (typeof image !== 'string' || image.trim() === '') throw new UsageError(`${where} ${at}: expected an image reference, got ${JSON.stringify(image)}`);
    try {
      parseImageReference(image.trim(), 'query');
    } catch (error) {
      if (error instanceof ImageReferenceError) throw new UsageError(`${where} ${at}: ${error.message}`, { cause: error });
      throw error;
    }
    return image.trim();
  };
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`${where}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
    const list = Array.isArray(json) ? json : (json as { images?: unknown }).images;
    if (!Array.isArray(list)) throw new UsageError(`${where}: expected a JSON list of images, or { "images": [...] }`);
    return list.map((entry, i) => {
      const at = `images[${i}]`;
      if (typeof entry === 'string') return { image: check(entry, at), workloads: [], at: `${where} ${at}`, spelled: 'image' as const };
      const { image, workloads } = (entry ?? {}) as { image?: unknown; workloads?: unknown };
      if (workloads !== undefined && (!Array.isArray(workloads) || workloads.some((w) => typeof w !== 'string'))) throw new UsageError(`${where} ${at}.workloads: expected a list of strings`);
      return { image: check(image, `${at}.image`), workloads: (workloads as string[] | undefined) ?? [], at: `${where} ${at}`, spelled: 'image' as const };
    });
  }
  return text.split('\n').flatMap((line, i) => {
    const content = line.replace(/#.*$/, '').trim();
    return content === '' ? [] : [{ image: check(content, `line ${i + 1}`), workloads: [], at: `${where} line ${i + 1}`, spelled: 'image' as const }];
  });
}

/** The report's input: a file, or `-` for stdin. */
export async function readUsageInput(file: string, stdin: () => Promise<string>): Promise<ReportedImage[]> {
  if (file === '-') return parseUsageInput(await stdin(), 'stdin');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the usage report (${(error as Error).message})`, { cause: error });
  }
  return parseUsageInput(text, file);
}
