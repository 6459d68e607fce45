/**
 * A seeded random source with named streams: one seed at the top gives the workload, the delivery and the clock each
 * their own generator (as in FoundationDB's and TigerBeetle's simulators), so that a change in how often one draws
 * never shifts another, and a seed replays its world exactly. No Math.random, no wall clock.
 */
export class Rng {
  private state: number;

  constructor(seed: number | string) {
    this.state = hash(String(seed)) || 0x9e3779b9;
  }

  /** An independent generator for `name`, derived from this seed. */
  stream(name: string): Rng {
    return new Rng(`${this.state}/${name}`);
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One of `weights`' keys, with probability proportional to its weight (keys in insertion order). */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    let r = this.next() * entries.reduce((n, [, w]) => n + w, 0);
    for (const [key, w] of entries) if ((r -= w) < 0) return key;
    return entries.at(-1)![0];
  }
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
