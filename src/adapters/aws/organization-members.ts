import { isConfiguredScope, organizationScopes, type Discovery } from '../../app/organization.js';
import type { AwsLookups } from '../../app/ports.js';
import type { MemberUsage } from '../../app/sweep/member-usage.js';
import type { Config } from '../../config.js';
import type { Scope } from '../../domain/facts.js';
import type { Clock } from '../../domain/clock.js';
import { wallTimeMs } from '../../system-clock.js';
import type { KnownFacts } from '../../snapshot/from-facts.js';
import { AwsCaller } from './caller.js';
import { LiveLookups } from './lookups.js';
import type { AccountAccess } from './member-access.js';
import { LiveSweepAws } from './sweep-aws.js';

const DISCOVERY_TTL_MS = 3_600_000;

/**
 * The organisation a config describes, reached from its home scope: which scopes it covers (listed, or discovered
 * and cached for an hour), whether an event's account belongs, member usage for the sweep, lookups for events.
 */
export class Organization implements MemberUsage {
  private discovered?: { found: Discovery; at: number };

  constructor(
    private readonly config: Config,
    readonly home: Scope,
    private readonly access: AccountAccess,
    private readonly discover: () => Promise<Discovery>,
    private readonly clock: Clock,
    private readonly now: () => number = wallTimeMs,
  ) {}

  private async discovery(): Promise<Discovery | undefined> {
    if (!this.config.organization || !('discover' in this.config.organization)) return undefined;
    if (!this.discovered || this.now() - this.discovered.at > DISCOVERY_TTL_MS) this.discovered = { found: await this.discover(), at: this.now() };
    return this.discovered.found;
  }

  private async accounts(): Promise<readonly string[]> {
    return (await this.discovery())?.accounts ?? [];
  }

  /** The organisation's id: the config's, else the one discovery read. */
  async organizationId(): Promise<string | undefined> {
    return this.config.organization?.id ?? (await this.discovery())?.organizationId;
  }

  async allScopes(): Promise<Scope[]> {
    return organizationScopes(this.config, this.home, await this.accounts());
  }

  async scopes(): Promise<readonly Scope[]> {
    return (await this.allScopes()).filter((s) => s.accountId !== this.home.accountId);
  }

  readonly admits = async (scope: Scope): Promise<boolean> => isConfiguredScope(this.config, this.home, scope, await this.accounts()) || scope.accountId === this.home.accountId;

  /** Clients of one of the organisation's scopes (the home account's own, a member's reader role). */
  clients(scope: Scope) {
    return this.access.clients(scope);
  }

  async readUsage(scope: Scope, known: KnownFacts) {
    const clients = await this.access.clients(scope);
    return new LiveSweepAws(clients, new AwsCaller(), scope, this.config, this.clock).readUsage(known);
  }

  /** Lookups in the event's own account: the member's role is assumed on first use, not when the event arrives. */
  lookups(scope: Scope, warn: (message: string) => void): AwsLookups {
    let made: Promise<AwsLookups> | undefined;
    const live = () => (made ??= this.access.clients(scope).then((clients) => new LiveLookups(clients, new AwsCaller(), scope, warn)));
    return {
      describeImage: async (...args) => (await live()).describeImage(...args),
      taggedDigest: async (...args) => (await live()).taggedDigest(...args),
      describeService: async (...args) => (await live()).describeService(...args),
      functionVersions: async (...args) => (await live()).functionVersions(...args),
      familyRevisions: async (...args) => (await live()).familyRevisions(...args),
    };
  }
}
