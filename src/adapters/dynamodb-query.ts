import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';

/**
 * Every item of one partition (of the table or of an index), following `LastEvaluatedKey` to the end;
 * `from` bounds the sort key (`>=`).
 */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: { tableName: string; index?: string; key: string; value: string; sortKey?: string; from?: string; beginsWith?: string },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await doc.send(new QueryCommand({
      TableName: input.tableName, ...(input.index && { IndexName: input.index }), ExclusiveStartKey: start,
      KeyConditionExpression: `${input.key} = :k${input.from !== undefined ? ` AND ${input.sortKey ?? 'sk'} >= :from` : ''}${input.beginsWith !== undefined ? ` AND begins_with(${input.sortKey ?? 'sk'}, :prefix)` : ''}`,
      ExpressionAttributeValues: { ':k': input.value, ...(input.from !== undefined && { ':from': input.from }), ...(input.beginsWith !== undefined && { ':prefix': input.beginsWith }) },
    }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
