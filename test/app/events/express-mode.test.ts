import { describe, expect, it } from 'vitest';
import { planReport } from '../../../src/app/plan.js';
import { parseConfig } from '../../../src/config.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { cloudTrailEvent } from '../../fixtures/events/cloudtrail.js';
import { HOST, World } from '../../fixtures/events/world.js';

/**
 * ECS Express Mode (issue 35): App Runner takes no new customers since 2026-04-30 and points to it. An Express
 * service is an ECS service (its primary container becomes a task definition the service deploys); its API calls are
 * followed like CreateService's, so the image it runs is kept from the moment the call is heard.
 */
const embedded = embeddedLedger('each');
const config = parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 } });

describe('an ECS Express Mode service', () => {
  it('protects the image its primary container names once CreateExpressGatewayService is heard, and names the service', async () => {
    const world = new World(embedded.ledger);
    const image = await world.push('shop', '1.0');
    await world.push('shop', '0.9');
    const td = world.account.ecs.addTaskDefinition('default-shop', 1, { Main: `${HOST}/shop:1.0` });
    const serviceArn = world.account.ecs.addService('default', { serviceName: 'shop', deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: td, rolloutState: 'COMPLETED' }] });
    // The call as CloudTrail records it (ECSExpressGatewayService in the response), not a CreateService.
    await world.deliver(cloudTrailEvent('ecs', 'CreateExpressGatewayService', {
      time: world.now, requestParameters: { serviceName: 'shop', primaryContainer: { image: `${HOST}/shop:1.0` } },
      responseElements: { service: { cluster: 'default', serviceName: 'shop', serviceArn, activeConfigurations: [{ primaryContainer: { image: `${HOST}/shop:1.0` } }] } },
    }));
    world.tick(24);
    const view = await embedded.ledger.load({ accountId: '123456789012', region: 'us-east-1' });
    const plan = planReport({ facts: view.facts, history: view.history, historySource: 'ledger' }, config, world.now);
    const kept = plan.images.find((i) => i.imageDigest === image)!;
    expect(kept.action).toBe('keep');
    expect(JSON.stringify(kept.referrers)).toContain(serviceArn);
    expect(plan.images.find((i) => i.imageTags.includes('0.9'))!.action).toBe('delete'); // nothing runs the other build
  });
});
