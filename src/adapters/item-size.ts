import { LedgerStoreError } from '../errors.js';

/** DynamoDB's limits, which the embedded engine does not enforce: a check here keeps both engines alike. */
const MAX_ITEM_BYTES = 400 * 1024;
const MAX_KEY_BYTES: Readonly<Record<string, number>> = { pk: 2048, g1pk: 2048, g2pk: 2048, g3pk: 2048, g4pk: 2048, sk: 1024, g1sk: 1024, g2sk: 1024, g3sk: 1024, g4sk: 1024 };

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** The size DynamoDB counts for a value: UTF-8 strings, numbers by their digits, 3 bytes of overhead per map and list. */
function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/^0\.|\./, '').length / 2) + 1;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [name, v]) => sum + 1 + utf8(name) + valueSize(v), 0);
}

/** An item's size as DynamoDB counts it (attribute names and values). */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, v]) => sum + (v === undefined ? 0 : utf8(name) + valueSize(v)), 0);
}

/** Throws, naming `what`, when the item would be refused by DynamoDB: too large, or a key empty or too long. */
export function requireFits(item: Record<string, unknown>, what: string): void {
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) {
    throw new LedgerStoreError(`${what} does not fit one ledger item (${Math.ceil(size / 1024)} KB, DynamoDB's limit is 400 KB)`);
  }
  for (const [key, max] of Object.entries(MAX_KEY_BYTES)) {
    const value = item[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '' || utf8(value) > max) throw new LedgerStoreError(`${what}: its key ${key} is empty or longer than DynamoDB's ${max} bytes`);
  }
}
