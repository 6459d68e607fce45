import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAccount, LARGE } from '../bench/generate-account.js';

const dir = await mkdtemp(join(tmpdir(), 'load-'));
const snapshot = join(dir, 'account.json');
const scale = Number(process.argv[2] ?? '1');
const shape = { ...LARGE, repositories: LARGE.repositories * scale, families: LARGE.families * scale, services: LARGE.services * scale, lambdaFunctions: LARGE.lambdaFunctions * scale };
await writeFile(snapshot, JSON.stringify(generateAccount(shape)));
const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/measure.ts', 'load-ledger', snapshot, join(dir, 'ledger')], { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
console.log(shape.repositories * shape.imagesPerRepository, 'images:', out.trim().split('\n').pop());
