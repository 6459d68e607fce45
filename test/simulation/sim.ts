import { AwsCaller } from '../../src/adapters/aws/caller.js';
import { LiveAccountReader } from '../../src/adapters/aws/account-reader.js';
import { LiveLookups } from '../../src/adapters/aws/lookups.js';
import type { AccountAccess } from '../../src/adapters/aws/member-access.js';
import { Organization } from '../../src/adapters/aws/organization-members.js';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import type { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { applyEvent } from '../../src/app/events/apply-event.js';
import { outsideDeletions } from '../../src/app/undo/outside-deletion.js';
import type { Config } from '../../src/config.js';
import type { AccountFacts, Scope } from '../../src/domain/facts.js';
import type { SimService } from './service-steps.js';
import { AwsReadError, MemberAccessError } from '../../src/errors.js';
import { parseEvent } from '../../src/events/parse-event.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { SimulatedBus } from './bus.js';
import { ecrState, setManifest } from './registry.js';
import type { Delivery, Timeline } from './timeline.js';
import { Truth, type Promises } from './truth.js';
import { configOf, HOUR, MEMBER, OCI_IMAGE, REPO, repositoryPolicy, SCOPE, SECOND, START, type Played } from './world.js';

type Engine = Awaited<ReturnType<typeof startEmbeddedDynamoDb>>;

/** A member account of the world's organisation, in its region, and whether its reader role can be assumed now. */
export interface SimMember { readonly account: FakeAccount; readonly scope: Scope; down: boolean }

/** A task the world started: where it runs, what it runs. */
export interface SimTask { readonly id: string; readonly family: string; readonly digest: string; running: boolean; readonly where: FakeAccount }

/**
 * One simulated world while it is played: the fake accounts (the registry, and in some worlds a member account that
 * pulls through a grant), the ledger, the simulated bus, the clock, and the truth the oracle asks. The steps
 * (ecr-steps, ecs-steps, play) change it; nothing here decides anything the product decides.
 */
export class Sim {
  readonly config: Config;
  readonly promises: Promises;
  readonly ledger: DynamoDbLedger;
  readonly registry = new FakeAccount(SCOPE.accountId, SCOPE.region);
  /** The member account (in its region) and whether its reader role can be assumed now. */
  readonly member?: SimMember;
  /** A second member account (some worlds with a member), read like the first. */
  readonly second?: SimMember;
  readonly organization?: Organization;
  readonly truth = new Truth();
  readonly violations: string[] = [];
  readonly stats: { -readonly [K in keyof Played['stats']]: number } = { deleted: 0, archived: 0, refused: 0, sweeps: 0, purges: 0 };
  /** In-use images deleted elsewhere that the product told of (the oracle's (5)). */
  readonly told = new Set<string>();
  readonly tasks: SimTask[] = [];
  readonly bus: SimulatedBus;
  readonly deletions: ReturnType<typeof outsideDeletions>;
  hour = 0;
  builds = 0;
  schedules = 0;
  /** The last version published of each function (`ACCOUNT/NAME`): Lambda never reuses a version number. */
  readonly published = new Map<string, number>();
  lastCapped = Number.NEGATIVE_INFINITY;
  /** The registry account's ECS service, once deployed. */
  service?: SimService;
  /** The last snapshot captured of the registry's account (loaded later by `loadSnapshot`). */
  captured?: AccountFacts;
  /** What ECR did in sweeps whose invocation died before recording it: the next run that holds the lock must record it. */
  readonly unsettled: Array<{ readonly runId: string; readonly changes: ReadonlyMap<string, 'deleted' | 'archived'> }> = [];

  constructor(readonly timeline: Timeline, readonly engine: Engine) {
    this.config = configOf(timeline);
    this.promises = { ...timeline.setting, stoppedTaskRetentionHours: this.config.ecs.stoppedTaskRetentionHours };
    this.ledger = new DynamoDbLedger(engine.client, engine.tableName);
    const { member, second } = timeline.setting;
    const members = [MEMBER, ...(second ? [SECOND] : [])];
    this.registry.ecr.addRepository(REPO, member && repositoryPolicy(member.grant, timeline.setting.lambda === true && member.region === SCOPE.region, members));
    this.registry.ecr.clock = this.now;
    if (member) {
      const scope = { accountId: MEMBER, region: member.region };
      this.member = { account: new FakeAccount(MEMBER, member.region), scope, down: false };
      if (second) this.second = { account: new FakeAccount(SECOND, second.region), scope: { accountId: SECOND, region: second.region }, down: false };
      this.organization = new Organization(this.config, SCOPE, this.access, async () => ({ accounts: [] }), this.now, this.nowMs);
    }
    this.deletions = outsideDeletions({ index: () => this.ledger.usageIndex(), store: this.ledger.sweep, config: this.config, tell: async (d) => { this.told.add(d.image.imageDigest); } });
    this.bus = new SimulatedBus(this.apply);
  }

  readonly nowMs = (): number => START + this.hour * HOUR;
  readonly now = (): Date => new Date(this.nowMs());
  readonly iso = (): string => this.now().toISOString();
  readonly caller = (): AwsCaller => new AwsCaller({ sleep: async () => undefined });

  /** Clients of a scope: the registry's own; the member's while its role can be assumed (else as AssumeRole fails). */
  private readonly access: AccountAccess = {
    clients: async (scope) => {
      if (scope.accountId === SCOPE.accountId) return this.registry.clientsIn(scope.region);
      const role = `arn:aws:iam::${scope.accountId}:role/ecr-ledger-reader`;
      const member = this.members().find((m) => m.scope.accountId === scope.accountId);
      if (!member) throw new MemberAccessError(scope.accountId, `account ${scope.accountId} cannot be read: assuming ${role} failed: AccessDenied: no such account in this world`);
      if (member.down) throw new MemberAccessError(scope.accountId, `account ${scope.accountId} cannot be read: assuming ${role} failed: AccessDenied: User is not authorized to perform: sts:AssumeRole on resource: ${role}`);
      return member.account.clientsIn(scope.region);
    },
    destroy: () => undefined,
  };

  /** Every scope of the world, the registry first. */
  scopes(): Scope[] {
    return [SCOPE, ...this.members().map((m) => m.scope)];
  }

  /** The member accounts, the first first. */
  members(): SimMember[] {
    return [this.member, this.second].filter((m): m is SimMember => m !== undefined);
  }

  /** A live reader of a scope, as the deployed reconcile builds it (the member's through its reader role). */
  async readerOf(scope: Scope): Promise<LiveAccountReader> {
    if (scope.accountId === SCOPE.accountId) return this.registry.reader({ config: this.config, clock: this.now });
    return new LiveAccountReader(await this.access.clients(scope), { scope: this.config.scope, clock: this.now, caller: this.caller() });
  }

  /** The product's event path, as the deployed events function runs it: false when the event failed (redelivered later). */
  private readonly apply = async (event: object): Promise<boolean> => {
    const parsed = parseEvent(event);
    if (!('apply' in parsed)) return true;
    const scope = { accountId: parsed.apply.accountId, region: parsed.apply.region };
    const lookups = this.organization ? this.organization.lookups(scope, () => undefined) : new LiveLookups(this.registry.clients(), this.caller(), SCOPE, () => undefined);
    try {
      await applyEvent({
        ledger: this.ledger.events, lookups, config: this.config, warn: () => undefined, deletions: this.deletions,
        ...(this.organization && { admits: this.organization.admits }),
      }, parsed.apply);
      return true;
    } catch (error) {
      if (error instanceof AwsReadError) return false; // the member's role cannot be assumed now: the queue retries it
      throw error;
    }
  };

  /** Sends an event as EventBridge would: its check runs when (if ever) it is applied. */
  emit(event: object, delivery: Delivery, check?: () => Promise<void>): Promise<void> {
    return this.bus.send(event, delivery, check);
  }

  /** An EventBridge envelope now, from `scope` (forwarded to the central bus when it is the member's). */
  envelope(detailType: string, source: string, detail: object, resources: string[] = [], scope: Scope = SCOPE) {
    return this.bus.envelope(this.iso(), detailType, source, detail, resources, scope);
  }

  ecrAction(detail: object) {
    return this.envelope('ECR Image Action', 'aws.ecr', { result: 'SUCCESS', 'repository-name': REPO, ...detail });
  }

  tagged(tag: string): string | undefined {
    return this.registry.ecr.digestOf(REPO, tag);
  }

  present(d: string): boolean {
    return this.registry.ecr.hasImage(REPO, d);
  }

  /** The image is gone from ECR: every tag that named it ends (in the truth as in ECR). */
  untagAll(d: string, at = this.nowMs()): void {
    for (const [tag, history] of this.truth.tagged) if (history.some((h) => h.to === undefined && h.digest === d)) this.truth.tag(tag, undefined, at);
  }

  /** The repository as ECR holds it now, digest by digest. */
  snapshot(): Map<string, string> {
    return ecrState(this.registry.ecr, REPO);
  }

  async push(tag: string, imageDigest: string, media = OCI_IMAGE, manifest?: object): Promise<void> {
    this.registry.ecr.retag(REPO, tag, imageDigest, { imagePushedAt: this.now(), imageSizeInBytes: 1_000_000, imageManifestMediaType: media });
    this.truth.tag(tag, imageDigest, this.nowMs());
    if (manifest) setManifest(this.registry.ecr, REPO, imageDigest, manifest);
    this.truth.pushedAt.set(imageDigest, this.nowMs());
    await this.emit(this.ecrAction({ 'image-digest': imageDigest, 'action-type': 'PUSH', 'image-tag': tag, 'manifest-media-type': media }), 'now');
  }

  /** A finding of the oracle, stamped with the world's time. */
  violation(text: string): void {
    this.violations.push(`${this.iso()}: ${text}`);
  }
}

export const short = (d: string): string => d.slice(0, 19);
