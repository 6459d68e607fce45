import type { Scope } from '../../src/domain/facts.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';
import type { FakeAccount } from '../fakes/fake-account.js';
import { inScope, unheard } from './ecs-steps.js';
import type { Sim } from './sim.js';
import type { Op } from './timeline.js';
import { hear } from './truth.js';
import { HOST, REPO, SCOPE } from './world.js';

type LambdaOp = Extract<Op, { op: 'deployFunction' | 'deleteFunction' }>;

export const isLambdaOp = (o: Op): o is LambdaOp => o.op === 'deployFunction' || o.op === 'deleteFunction';

const scopeOf = (account: FakeAccount): Scope => ({ accountId: account.accountId, region: account.region });

/**
 * Lambda functions that run the registry's images: new code resolves the tag to a digest (the function runs that
 * digest whatever the tag names later), each publish freezes a version; versions and whole functions are deleted.
 * A member's function pulls through the grant only from its own region (Lambda reads images in its region only).
 */
export async function lambdaStep(sim: Sim, o: LambdaOp): Promise<void> {
  const { truth } = sim;
  const where = o.member ? sim.member?.account : sim.registry;
  if (!where || where.region !== SCOPE.region) return;
  const name = `fn${o.fn}`;
  const key = `${where.accountId}/${name}`;
  const now = sim.nowMs();
  const end = (version?: string) => {
    for (const v of truth.functionVersions) if (v.fn === key && v.to === undefined && (version === undefined || v.version === version)) v.to = now;
  };
  const lambda = where.lambda;
  const send = (eventName: string, requestParameters: object, responseElements: object | null, delivery: Parameters<Sim['emit']>[1], heard?: () => Promise<void>) =>
    sim.emit(inScope(cloudTrailEvent('lambda', eventName, { time: sim.iso(), requestParameters, responseElements }), scopeOf(where)), delivery, heard);
  const quiet = unheard(o.op === 'deployFunction' ? o.delivery : undefined) ? { quiet: true as const } : {};
  if (o.op === 'deployFunction') {
    const d = sim.tagged(o.tag);
    if (!d) return;
    const code = { imageUri: `${HOST}/${REPO}:${o.tag}`, resolvedImageUri: `${HOST}/${REPO}@${d}` };
    const created = !lambda.functions.has(name);
    lambda.addVersion(name, '$LATEST', code);
    end('$LATEST');
    const latest: (typeof truth.functionVersions)[number] = { fn: key, version: '$LATEST', digest: d, tag: o.tag, from: now, account: where.accountId, ...quiet };
    truth.functionVersions.push(latest);
    // Its events may come late or never: the live reads (sweep, reconcile) find the function.
    await send(created ? 'CreateFunction' : 'UpdateFunctionCode', { functionName: name, ...(created && { packageType: 'Image', code: { imageUri: code.imageUri } }) }, { functionName: name, functionArn: lambda.functionArn(name), version: '$LATEST', packageType: 'Image' }, o.delivery, async () => { hear(latest); });
    const version = String((sim.published.get(key) ?? 0) + 1);
    sim.published.set(key, Number(version));
    lambda.addVersion(name, version, code);
    const published: (typeof truth.functionVersions)[number] = { fn: key, version, digest: d, tag: o.tag, from: now, account: where.accountId, ...quiet };
    truth.functionVersions.push(published);
    await send('PublishVersion', { functionName: name }, { functionName: name, functionArn: lambda.functionArn(name, version), version, packageType: 'Image' }, o.delivery, async () => { hear(published); });
    return;
  }
  const fn = lambda.functions.get(name);
  if (!fn) return;
  if (o.all) {
    lambda.functions.delete(name);
    end();
    await send('DeleteFunction', { functionName: name }, null, o.delivery);
    return;
  }
  const oldest = [...fn.versions.keys()].filter((v) => v !== '$LATEST').sort((a, b) => Number(a) - Number(b))[0];
  if (oldest === undefined) return;
  fn.versions.delete(oldest);
  end(oldest);
  await send('DeleteFunction', { functionName: name, qualifier: oldest }, null, o.delivery);
}
