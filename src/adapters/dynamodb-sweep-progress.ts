import { guarded } from './ledger-guard.js';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { SweepProgress, SweepProgressStore } from '../app/sweep/batched.js';
import type { Scope } from '../domain/facts.js';
import { scopeId } from './index-keys.js';

const PROGRESS_PK = 'SWEEPRUN';
const key = (scope: Scope, runId: string) => ({ pk: PROGRESS_PK, sk: `${scopeId(scope)}#${runId}` });

/** Where a sweep spread over several invocations stands (one small item per run in progress). */
export class DynamoDbSweepProgress implements SweepProgressStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  private guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    return guarded(this.tableName, what, run);
  }

  async loadProgress(scope: Scope, runId: string): Promise<SweepProgress | undefined> {
    return this.guard('reading the sweep progress', async () => (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(scope, runId), ConsistentRead: true }))).Item?.progress as SweepProgress | undefined);
  }

  async saveProgress(scope: Scope, progress: SweepProgress): Promise<void> {
    await this.guard('writing the sweep progress', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(scope, progress.runId), progress } })));
  }

  async claimProgress(scope: Scope, progress: SweepProgress, expectedInvocations: number): Promise<boolean> {
    return this.guard('claiming the sweep progress', async () => {
      try {
        await this.doc.send(new PutCommand({
          TableName: this.tableName, Item: { ...key(scope, progress.runId), progress },
          ConditionExpression: '#p.invocations = :n', ExpressionAttributeNames: { '#p': 'progress' }, ExpressionAttributeValues: { ':n': expectedInvocations },
        }));
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
  }

  async clearProgress(scope: Scope, runId: string): Promise<void> {
    await this.guard('clearing the sweep progress', () => this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(scope, runId) })));
  }
}
