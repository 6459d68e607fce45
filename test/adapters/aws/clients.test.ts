import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../src/adapters/aws/clients.js';
import { DynamoDbLedger } from '../../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../../src/adapters/embedded-dynamodb.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

/** A local HTTP endpoint that answers ECS ListClusters like an emulator would. */
async function fakeEndpoint(): Promise<{ url: string; requests: IncomingHttpHeaders[]; close(): void }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ clusterArns: ['arn:aws:ecs:us-east-1:000000000000:cluster/emulated'] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() };
}

describe('AWS clients and endpoint overrides', () => {
  it('honours AWS_ENDPOINT_URL_ECS, so the tool can be pointed at an emulator', async () => {
    const endpoint = await fakeEndpoint();
    Object.assign(process.env, { AWS_ENDPOINT_URL_ECS: endpoint.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
    const clients = createAwsClients({ region: 'us-east-1' });
    try {
      const result = await clients.ecs.send(new ListClustersCommand({}));
      expect(result.clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/emulated']);
      expect(endpoint.requests[0]!['x-amz-target']).toBe('AmazonEC2ContainerServiceV20141113.ListClusters');
    } finally {
      clients.destroy();
      endpoint.close();
    }
  });

  it('does not redirect the embedded ledger with AWS_ENDPOINT_URL', async () => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    const engine = await startEmbeddedDynamoDb();
    try {
      expect(await new DynamoDbLedger(engine.client, engine.tableName).scopes()).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
