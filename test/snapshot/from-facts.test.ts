import { describe, expect, it } from 'vitest';
import { knownFacts } from '../../src/snapshot/from-facts.js';
import { parseSnapshot } from '../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../src/snapshot/to-facts.js';
import { AccountBuilder, digest, uri } from '../fixtures/account-builder.js';

describe('knownFacts: snapshot fragments of immutable facts', () => {
  const facts = (() => {
    const b = new AccountBuilder();
    b.image('app', 'index', { tags: ['v1'], childDigests: [digest('amd64'), digest('arm64')], imageManifestMediaType: 'application/vnd.oci.image.index.v1+json' });
    b.image('app', 'sig', { tags: [], subjectDigest: digest('index'), artifactMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json' });
    b.taskDefinition('app:3', { app: uri('app:v1'), proxy: 'nginx:1.27' });
    b.lambda('fn', '4', uri('app:v1'), uri(`app@${digest('index')}`));
    return b.build();
  })();

  it('gives back the same facts when read as a snapshot', () => {
    const known = knownFacts(facts);
    const td = facts.taskDefinitions[0]!;
    const fn = facts.lambdaFunctions[0]!;
    const snapshot = parseSnapshot({
      schemaVersion: 1, accountId: facts.scope.accountId, region: facts.scope.region, capturedAt: facts.capturedAt,
      ecs: { taskDefinitions: [known.taskDefinition(`${td.family}:${td.revision}`)] },
      lambda: { functions: [known.lambdaVersion(fn.functionArn)] },
    });
    const back = snapshotToFacts(snapshot);
    expect(back.taskDefinitions).toEqual(facts.taskDefinitions);
    expect(back.lambdaFunctions).toEqual(facts.lambdaFunctions);
  });

  it('knows the manifest links of indexes and referrers, and nothing it was not given', () => {
    const known = knownFacts(facts);
    expect(known.manifest('app', digest('index'))).toMatchObject({ childDigests: [digest('amd64'), digest('arm64')] });
    expect(known.manifest('app', digest('sig'))).toMatchObject({ subjectDigest: digest('index') });
    expect(known.manifest('app', digest('other'))).toBeUndefined();
    expect(known.lambdaVersion('arn:aws:lambda:us-east-1:123456789012:function:fn:5')).toBeUndefined();
    expect(knownFacts(undefined).taskDefinition('app:3')).toBeUndefined();
  });
});
