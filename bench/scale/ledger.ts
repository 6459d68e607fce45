import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';

/**
 * `node --import tsx bench/scale/ledger.ts`: the ledger table in the embedded engine, in a process of its own, behind
 * a proxy that counts what the handlers ask of it: requests per operation and items read (Query, Scan, GetItem,
 * BatchGetItem). Prints `{"endpoint": …}`; GET /__counts answers the counts and the table's size (?reset forgets them).
 */
const engine = await startEmbeddedDynamoDb();
const target = await engine.client.config.endpoint!();
let counts = { requests: {} as Record<string, number>, itemsRead: 0 };
const proxy = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url?.startsWith('/__counts')) {
      void (async () => {
        let items = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const page = await engine.client.send(new ScanCommand({ TableName: engine.tableName, Select: 'COUNT', ...(start && { ExclusiveStartKey: start as never }) }));
          items += page.Count ?? 0;
          start = page.LastEvaluatedKey;
        } while (start);
        res.end(JSON.stringify({ ...counts, tableItems: items }));
        if (req.url?.includes('reset')) counts = { requests: {}, itemsRead: 0 };
      })();
      return;
    }
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '?';
    counts.requests[operation] = (counts.requests[operation] ?? 0) + 1;
    const out = forward({ host: '127.0.0.1', port: Number(target.port), path: req.url, method: req.method, headers: req.headers }, (answer) => {
      const body: Buffer[] = [];
      answer.on('data', (c: Buffer) => body.push(c));
      answer.on('end', () => {
        const text = Buffer.concat(body).toString('utf8');
        try {
          const parsed = JSON.parse(text) as { Items?: unknown[]; Item?: unknown; Responses?: Record<string, unknown[]>; Count?: number };
          counts.itemsRead += parsed.Items?.length ?? (parsed.Item ? 1 : 0) + Object.values(parsed.Responses ?? {}).reduce((n, list) => n + list.length, 0);
        } catch { /* not JSON: nothing read */ }
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        res.end(text);
      });
    });
    out.end(Buffer.concat(chunks));
  });
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, tableName: engine.tableName })}\n`);
