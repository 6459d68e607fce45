import * as z from 'zod';
import type { LedgerChange } from './ledger-event.js';
import { eventDigest } from './envelope.js';

const taskState = z.looseObject({
  taskArn: z.string().min(1),
  clusterArn: z.string().min(1),
  taskDefinitionArn: z.string().min(1),
  lastStatus: z.string().min(1),
  version: z.number().int().nonnegative(),
  stoppedAt: z.string().optional(),
  group: z.string().optional(),
  containers: z.array(z.looseObject({ name: z.string(), image: z.string(), imageDigest: eventDigest.optional() })).default([]),
});

/** `arn:aws:ecs:R:A:service/CLUSTER/NAME` → the cluster's ARN and the service name. */
export function serviceRef(serviceArn: string): { cluster: string; service: string } | undefined {
  const match = /^(arn:[^:]+:ecs:[^:]+:\d+):service\/([^/]+)\/([^/]+)$/.exec(serviceArn);
  return match ? { cluster: `${match[1]}:cluster/${match[2]}`, service: serviceArn } : undefined;
}

/** ECS's own events. Returns a change, a reason to ignore the event, or the schema error. */
export function parseEcs(detailType: string, detail: unknown, resources: readonly string[]): LedgerChange | string | z.ZodError {
  if (detailType === 'ECS Task State Change') {
    const parsed = taskState.safeParse(detail);
    if (!parsed.success) return parsed.error;
    const t = parsed.data;
    return {
      kind: 'task-state', version: t.version,
      task: {
        taskArn: t.taskArn, clusterArn: t.clusterArn, taskDefinitionArn: t.taskDefinitionArn, lastStatus: t.lastStatus,
        ...(t.stoppedAt !== undefined && { stoppedAt: new Date(t.stoppedAt).toISOString() }), ...(t.group !== undefined && { group: t.group }),
        containers: t.containers.map((c) => ({ name: c.name, image: c.image, ...(c.imageDigest !== undefined && { imageDigest: c.imageDigest }) })),
      },
    };
  }
  if (detailType === 'ECS Deployment State Change' || detailType === 'ECS Service Action') {
    const ref = resources.map(serviceRef).find((r) => r !== undefined);
    if (!ref) return new z.ZodError([{ code: 'custom', path: ['resources'], message: 'expected the service ARN (arn:…:service/CLUSTER/NAME)', input: resources }]);
    return { kind: 'service-changed', ...ref };
  }
  return `ECS detail-type ${JSON.stringify(detailType)} is not one ecr-ledger follows`;
}
