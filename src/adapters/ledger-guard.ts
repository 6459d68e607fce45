import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EcrLedgerError, LedgerStoreError } from '../errors.js';

/**
 * Runs one ledger request: the project's own errors and a failed condition pass through as they are (callers decide
 * on them); anything else becomes a LedgerStoreError naming the table and what was being done.
 */
export async function guarded<T>(tableName: string, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof EcrLedgerError || error instanceof ConditionalCheckFailedException) throw error;
    throw new LedgerStoreError(`ledger table ${tableName}: ${what} failed: ${(error as Error).message}`, { cause: error });
  }
}
