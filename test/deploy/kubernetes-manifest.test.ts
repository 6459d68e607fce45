import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseCommandLine } from '../../src/cli/args.js';

const documents = parseAllDocuments(readFileSync('deploy/kubernetes/usage-report-cronjob.yaml', 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>; spec?: any });

describe('the usage-report CronJob example (deploy/kubernetes)', () => {
  it('grants list and get of exactly the workload kinds report-usage reads, nothing else', () => {
    const role = documents.find((d) => d.kind === 'ClusterRole')!;
    const granted = role.rules!.flatMap((r) => r.resources.map((res) => `${r.apiGroups.join('') || 'core'}/${res}:${[...r.verbs].sort().join(',')}`)).sort();
    expect(granted).toEqual(['apps/daemonsets:get,list', 'apps/deployments:get,list', 'apps/replicasets:get,list', 'apps/statefulsets:get,list', 'batch/cronjobs:get,list', 'batch/jobs:get,list', 'core/pods:get,list']);
    const binding = documents.find((d) => d.kind === 'ClusterRoleBinding') as any;
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'usage-reporter', namespace: 'ecr-ledger' }]);
  });

  it('runs a report-usage command line the CLI accepts', () => {
    const job = documents.find((d) => d.kind === 'CronJob')!;
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('usage-reporter');
    const { command, flags } = parseCommandLine(pod.containers[0].args);
    expect(command).toBe('report-usage');
    expect(flags).toMatchObject({ source: 'prod-eks', 'from-kubernetes': true, url: expect.stringMatching(/^https:\/\/[a-z0-9]+\.lambda-url\.[a-z0-9-]+\.on\.aws\/$/) });
  });
});
