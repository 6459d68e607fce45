/**
 * What really happened in a simulated world, kept apart from the product: which task ran which digest from when to
 * when, pins, pushes, pulls, the children of each index. The oracle asks it, never the ledger.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Promises {
  readonly graceDays: number;
  readonly minimumImageAgeHours: number;
  readonly keepPulledWithinDays: number;
  readonly stoppedTaskRetentionHours: number;
}

/**
 * Where a use is, and (`quiet`) that the product has not heard of it while it lasted: its news late or lost, and no
 * live read (a reconcile or a sweep of its account) while it was open. A use nobody could know of is no promise:
 * the oracle leaves it out (registrations, functions, and task starts whose RUNNING is late or lost).
 */
export interface Heard { readonly account: string; quiet?: true }

/** The use is heard now (its news applied, or a live read of its account): only while it is open does that count. */
export function hear(use: { to?: number; quiet?: true }): void {
  if (use.to === undefined) delete use.quiet;
}

export class Truth {
  readonly runs: Array<{ task: string; digest: string; from: number; to?: number; account: string; quiet?: true }> = [];
  readonly pins = new Map<string, Array<{ from: number; to?: number }>>();
  readonly pushedAt = new Map<string, number>();
  /** The latest push of a digest ECR already held (ECR keeps its first push time): grace counts from it, age does not. */
  readonly pushedAgainAt = new Map<string, number>();
  readonly pulledAt = new Map<string, number>();
  /**
   * The last pull of each digest a live read of the registry has seen (ECR's record of it then). ECR forgets a digest's
   * pulls when it is deleted and pushed again; a pull the product has read stays evidence of use.
   */
  readonly pullsSeen = new Map<string, number>();
  readonly children = new Map<string, readonly string[]>();
  /** What a delivered notice promised: not deleted before this time (the latest announcement of each image). */
  readonly promised = new Map<string, number>();
  /** Which digest each tag named, from when to when. */
  readonly tagged = new Map<string, Array<{ digest: string; from: number; to?: number }>>();
  /**
   * Uses by name over time: scheduled task families (each launch pulls what the revision names; a tag, whatever it
   * names at launch) and usage reports (a source reports the images it runs, by digest or by tag, until a report of
   * it leaves them out). `family` says who, in the oracle's words.
   */
  readonly schedules: Array<{ family: string; who?: string; tag?: string; digest?: string; from: number; to?: number } & Heard> = [];
  /** Lambda function versions (`$LATEST` included): each runs its resolved digest while it exists; grace after it goes. */
  readonly functionVersions: Array<{ fn: string; version: string; digest: string; tag: string; from: number; to?: number } & Heard> = [];
  /**
   * The revisions of a service's family while ACTIVE, by digest or by tag: the product's family window may keep their
   * images (the newest revision, rollback targets below the oldest in service). A liveness matter only.
   */
  readonly revisionHolds: Array<{ revision: number; digest?: string; tag?: string; from: number; to?: number }> = [];
  /** Tasks launched from a revision that names a tag: a replacement would pull whatever the tag names then. */
  readonly tagRuns: Array<{ task: string; tag: string; from: number; to?: number }> = [];

  /** The tag now names `digest` (it leaves whatever it named). */
  tag(tag: string, digest: string | undefined, at: number): void {
    const history = this.tagged.get(tag) ?? [];
    for (const h of history) if (h.to === undefined && h.digest !== digest) h.to = at;
    if (digest !== undefined && !history.some((h) => h.to === undefined && h.digest === digest)) history.push({ digest, from: at });
    this.tagged.set(tag, history);
  }

  /** The image and the indexes that name it: a pull of an index needs its children, so their uses are its uses. */
  private usedThrough(digest: string): string[] {
    return [digest, ...[...this.children].filter(([, kids]) => kids.includes(digest)).map(([index]) => index)];
  }

  /**
   * Something the product has heard of uses it now: a running task, a pin that has not ended, a schedule or a function
   * version (directly or through its index). A use whose news has not reached the product yet (its event late or
   * lost, no reconcile of its account since) does not count: nobody could tell of its image being deleted.
   */
  knownInUse(digest: string, at: number): boolean {
    return this.usedThrough(digest).some((d) => this.runs.some((r) => r.digest === d && r.to === undefined && !r.quiet)
      || (this.pins.get(d) ?? []).some((p) => p.to === undefined || p.to > at)
      || this.scheduledUses(d, { heard: true }).some((u) => u.to === undefined)
      || this.functionVersions.some((v) => v.digest === d && v.to === undefined && !v.quiet));
  }

  /** A live read of the registry saw ECR's record of every pull. */
  sawPulls(): void {
    for (const [d, at] of this.pulledAt) this.pullsSeen.set(d, Math.max(at, this.pullsSeen.get(d) ?? 0));
  }

  /** The last pull the promise of keepPulledWithinDays counts: ECR's record, or one a live read saw before ECR forgot it. */
  private lastPull(digest: string): number | undefined {
    const [ecr, seen] = [this.pulledAt.get(digest), this.pullsSeen.get(digest)];
    return ecr === undefined ? seen : seen === undefined ? ecr : Math.max(ecr, seen);
  }

  /** A live read of `account` (a reconcile, a sweep) saw everything there: every open use in it is heard of. */
  heardAll(account: string): void {
    for (const use of [...this.schedules, ...this.functionVersions, ...this.runs]) if (use.account === account) hear(use);
  }

  /**
   * When each schedule would have pulled `digest`: while its revision names the digest, or names a tag that names it
   * (a scheduled task resolves its tag at launch); `to` undefined while that lasts.
   */
  private scheduledUses(digest: string, o: { heard?: boolean } = {}): Array<{ who: string; from: number; to?: number }> {
    const uses: Array<{ who: string; from: number; to?: number }> = [];
    for (const s of this.schedules) {
      if (o.heard && s.quiet) continue;
      const held = s.digest !== undefined ? (s.digest === digest ? [{ from: s.from, to: undefined as number | undefined }] : [])
        : (this.tagged.get(s.tag!) ?? []).filter((h) => h.digest === digest);
      for (const h of held) {
        const from = Math.max(h.from, s.from);
        const to = h.to === undefined ? s.to : s.to === undefined ? h.to : Math.min(h.to, s.to);
        if (to !== undefined && to < from) continue;
        uses.push({ who: s.who ?? `scheduled task family ${s.family}`, from, ...(to !== undefined && { to }) });
      }
    }
    return uses;
  }

  /** Why deleting or archiving `digest` at `at` breaks a promise of the config, or undefined when none does. */
  /**
   * Why deleting `digest` at `at` breaks a promise, if it does. `usesOnly`: only what uses promise (runs and their
   * retention, pins, schedules, reports, functions, each with grace after it ends) — what purge-repository keeps; the
   * retention rules (recent pulls, the age and grace of a push) do not hold a repository that is being deleted.
   */
  broken(digest: string, at: number, o: Promises, options: { usesOnly?: boolean } = {}): string | undefined {
    const grace = o.graceDays * DAY;
    for (const d of this.usedThrough(digest)) {
      const via = d === digest ? '' : ` (through its index ${d.slice(0, 19)})`;
      for (const run of this.runs.filter((r) => r.digest === d && !r.quiet)) {
        if (run.to === undefined) return `task ${run.task} runs it${via}`;
        if (at < run.to + o.stoppedTaskRetentionHours * HOUR + grace) return `task ${run.task} stopped at ${iso(run.to)}: within stoppedTaskRetentionHours + graceDays${via}`;
      }
      for (const pin of this.pins.get(d) ?? []) {
        if (pin.to === undefined || at < pin.to) return `pinned${via}`;
        if (at < pin.to + grace) return `its pin ended at ${iso(pin.to)}: within graceDays${via}`;
      }
      for (const use of this.scheduledUses(d, { heard: true })) {
        if (use.to === undefined) return `${use.who} uses it${via}`;
        if (at < use.to + grace) return `${use.who} used it until ${iso(use.to)}: within graceDays${via}`;
      }
      for (const v of this.functionVersions.filter((x) => x.digest === d && !x.quiet)) {
        if (v.to === undefined) return `function ${v.fn}:${v.version} runs it${via}`;
        if (at < v.to + grace) return `function ${v.fn}:${v.version} was deleted at ${iso(v.to)}: within graceDays${via}`;
      }
      const pulled = this.lastPull(d);
      if (options.usesOnly) continue;
      if (o.keepPulledWithinDays > 0 && pulled !== undefined && at < pulled + o.keepPulledWithinDays * DAY) return `pulled at ${iso(pulled)}: within keepPulledWithinDays${via}`;
    }
    if (options.usesOnly) return undefined;
    const pushed = this.pushedAt.get(digest);
    if (pushed !== undefined && at < pushed + o.minimumImageAgeHours * HOUR) return `pushed at ${iso(pushed)}: younger than minimumImageAgeHours`;
    if (pushed !== undefined && at < pushed + grace) return `pushed at ${iso(pushed)}: within graceDays`;
    const again = this.pushedAgainAt.get(digest);
    if (again !== undefined && at < again + grace) return `pushed again at ${iso(again)}: within graceDays`;
    return undefined;
  }

  /** When every window that protects `digest` has passed (undefined while something uses it). */
  freeFrom(digest: string, o: Promises): number | undefined {
    let free = 0;
    const grace = o.graceDays * DAY;
    for (const d of this.usedThrough(digest)) {
      for (const run of this.runs.filter((r) => r.digest === d && !r.quiet)) {
        if (run.to === undefined) return undefined;
        free = Math.max(free, run.to + o.stoppedTaskRetentionHours * HOUR + grace);
      }
      for (const pin of this.pins.get(d) ?? []) {
        if (pin.to === undefined) return undefined;
        free = Math.max(free, pin.to + grace);
      }
      for (const use of this.scheduledUses(d, { heard: true })) {
        if (use.to === undefined) return undefined;
        free = Math.max(free, use.to + grace);
      }
      for (const v of this.functionVersions.filter((x) => x.digest === d && !x.quiet)) {
        if (v.to === undefined) return undefined;
        free = Math.max(free, v.to + grace);
      }
      const pulled = this.lastPull(d);
      if (o.keepPulledWithinDays > 0 && pulled !== undefined) free = Math.max(free, pulled + o.keepPulledWithinDays * DAY);
    }
    for (const d of this.usedThrough(digest)) {
      for (const hold of this.revisionHolds.filter((h) => h.digest === d)) {
        if (hold.to === undefined) return undefined;
        free = Math.max(free, hold.to + grace);
      }
    }
    // A running task's revision protects what its tag names (ECS resolves a tag when it starts a task), and so does a
    // function version's ImageUri: a liveness matter only (the safety promise above is the digest each one runs).
    for (const d of this.usedThrough(digest)) {
      for (const [tag, history] of this.tagged) {
        for (const held of history.filter((h) => h.digest === d)) {
          // A function version whose ImageUri names the tag holds it too (its next code update would deploy it).
          const holders = [
            ...this.tagRuns.filter((r) => r.tag === tag).map((r) => ({ from: r.from, to: r.to === undefined ? undefined : r.to + o.stoppedTaskRetentionHours * HOUR })),
            ...this.revisionHolds.filter((h) => h.tag === tag),
            ...this.functionVersions.filter((v) => v.tag === tag && !v.quiet),
          ];
          for (const run of holders) {
            const runEnd = run.to === undefined ? Number.POSITIVE_INFINITY : run.to;
            if (held.from > runEnd || (held.to !== undefined && held.to < run.from)) continue;
            const end = Math.min(held.to ?? Number.POSITIVE_INFINITY, runEnd);
            if (end === Number.POSITIVE_INFINITY) return undefined;
            free = Math.max(free, end + grace);
          }
        }
      }
    }
    const pushed = this.pushedAt.get(digest) ?? 0;
    return Math.max(free, pushed + Math.max(grace, o.minimumImageAgeHours * HOUR), (this.pushedAgainAt.get(digest) ?? 0) + grace);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
