import { readFile } from 'node:fs/promises';
import type { RawEvent } from '../app/ingest.js';

/** Reads one JSON event, a JSON array of events, or JSON Lines; a line that is not JSON becomes an unreadable entry. */
export async function readEventFile(file: string): Promise<RawEvent[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return [{ where: file, unreadable: `cannot read the file (${(error as Error).message})` }];
  }
  try {
    const whole: unknown = JSON.parse(text);
    return Array.isArray(whole) ? whole.map((raw, i) => ({ where: `${file}[${i}]`, raw })) : [{ where: file, raw: whole }];
  } catch {
    // not one JSON document: JSON Lines
  }
  const events: RawEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push({ where: `${file}:${i + 1}`, raw: JSON.parse(line) });
    } catch (error) {
      events.push({ where: `${file}:${i + 1}`, unreadable: `not JSON (${(error as Error).message})` });
    }
  });
  return events;
}
