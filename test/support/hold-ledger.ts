/** A second process for the lock tests: opens the embedded ledger in argv[2] (or, with `--raw`, LevelDB alone), says so, and holds it until stdin closes. */
import { ClassicLevel } from 'classic-level';
import { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';

const [dir, mode] = process.argv.slice(2);
const held = mode === '--raw' ? new ClassicLevel(dir!) : await startEmbeddedDynamoDb(dir!);
if (held instanceof ClassicLevel) await held.open();
process.stdout.write('open\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await held.close();
  process.exit(0);
});
