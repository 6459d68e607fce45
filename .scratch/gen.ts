import { writeFile } from 'node:fs/promises';
import { generateAccount, LARGE } from '../bench/generate-account.js';
const scale = Number(process.argv[2]);
const shape = { ...LARGE, repositories: LARGE.repositories * scale, families: LARGE.families * scale, services: LARGE.services * scale, lambdaFunctions: LARGE.lambdaFunctions * scale };
await writeFile(process.argv[3]!, JSON.stringify(generateAccount(shape)));
