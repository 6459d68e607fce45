import { digest } from '../fixtures/account-builder.js';
import { FakeAccount } from './fake-account.js';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
export const pushed = new Date('2026-10-01T00:00:00Z');

/**
 * An account with more than one page of every kind: 2,500 images in one repository, 250 services in one
 * cluster, 250 running tasks, 150 task-definition revisions, 30 service revisions, 120 Lambda versions, 60 aliases.
 */
export function busyAccount(images = 2_500): FakeAccount {
  const account = new FakeAccount();
  account.ecr.addRepository('big');
  for (let i = 0; i < images; i += 1) account.ecr.addImage('big', { imageDigest: digest(`big-${i}`), imageTags: [`b${i}`], imagePushedAt: pushed });
  for (let rev = 1; rev <= 150; rev += 1) account.ecs.addTaskDefinition('web', rev, { web: `${HOST}/big:b${rev}` });
  for (let s = 0; s < 250; s += 1) {
    const rev = 100 + (s % 50) + 1;
    const revisionArn = s < 30 ? `arn:aws:ecs:us-east-1:123456789012:service-revision/prod/svc-${s}/${s}` : undefined;
    const serviceArn = account.ecs.addService('prod', {
      serviceName: `svc-${s}`,
      deployments: [{ id: `ecs-svc/${s}`, status: 'PRIMARY', taskDefinition: account.ecs.taskDefinitions.get(`web:${rev}`)!.taskDefinitionArn, rolloutState: 'COMPLETED' }],
      ...(revisionArn && { currentServiceRevisions: [{ arn: revisionArn }] }),
    });
    if (revisionArn) {
      account.ecs.serviceRevisions.set(revisionArn, {
        serviceRevisionArn: revisionArn, serviceArn, taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${rev}`,
        containerImages: [{ containerName: 'web', image: `${HOST}/big:b${rev}`, imageDigest: digest(`big-${rev}`) }],
      });
      account.ecs.serviceDeployments.push({ serviceDeploymentArn: `${serviceArn}/deployment-${s}`, serviceArn, status: 'SUCCESSFUL', targetServiceRevisionArn: revisionArn, finishedAt: pushed });
    }
    account.ecs.addTask('prod', {
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/t${s}`, taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${rev}`,
      lastStatus: 'RUNNING', group: `service:svc-${s}`, containers: [{ name: 'web', image: `${HOST}/big:b${rev}`, imageDigest: digest(`big-${rev}`) }],
    });
  }
  for (let v = 1; v <= 119; v += 1) account.lambda.addVersion('fn', String(v), { imageUri: `${HOST}/big:b${v}`, resolvedImageUri: `${HOST}/big@${digest(`big-${v}`)}` });
  account.lambda.addVersion('fn', '$LATEST', { imageUri: `${HOST}/big:b120`, resolvedImageUri: `${HOST}/big@${digest('big-120')}` });
  account.lambda.addVersion('zip-fn', '$LATEST', {}, 'Zip');
  for (let a = 0; a < 60; a += 1) account.lambda.addAlias('fn', `alias-${a}`, String(a + 1));
  return account;
}
