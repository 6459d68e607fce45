import type { Config } from '../config.js';
import type { AccountFacts } from './facts.js';
import type { ReachWorld } from './reach.js';

/** A plan of one registry on its own (a snapshot, a test): the registry is readable, nothing else is held. */
export function isolatedWorld(facts: AccountFacts, options: { readonly config: Config; readonly historySource: 'snapshot' | 'ledger' }): ReachWorld {
  const organization = options.config.organization;
  const members = new Set(organization && 'accounts' in organization ? organization.accounts.map((a) => a.id) : []);
  return {
    registry: facts.scope, workloadRegions: [], regionsOf: () => [], members,
    standing: (scope) => (scope.accountId === facts.scope.accountId && scope.region === facts.scope.region
      ? { readable: true, how: options.historySource === 'snapshot' ? 'snapshot' : 'ledger' }
      : { readable: false, problem: 'unheld', why: 'the ledger does not hold it' }),
  };
}

