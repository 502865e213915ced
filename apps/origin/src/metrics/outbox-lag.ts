/**
 * The outbox publisher's bookkeeping of what is committed and what is on the bus, per
 * environment: the lag is the sum of the differences. Committed seqs are learned from the
 * publisher's sweeps and from the changes read to publish them; published seqs from the bus and
 * from each publication.
 */
export class OutboxLag {
  private readonly committed = new Map<string, number>();
  private readonly published = new Map<string, number>();

  /**
   * Environments with their committed seq; when `complete` (every environment), those not
   * listed are gone and forgotten.
   */
  environments(list: readonly { id: string; seq: number }[], complete: boolean): void {
    if (complete) {
      const known = new Set(list.map((env) => env.id));
      for (const id of this.committed.keys()) if (!known.has(id)) this.committed.delete(id);
      for (const id of this.published.keys()) if (!known.has(id)) this.published.delete(id);
    }
    for (const env of list) this.raise(this.committed, env.id, env.seq);
  }

  commit(environmentId: string, seq: number): void {
    this.raise(this.committed, environmentId, seq);
  }

  publish(environmentId: string, seq: number): void {
    this.raise(this.published, environmentId, seq);
    this.raise(this.committed, environmentId, seq);
  }

  total(): number {
    let sum = 0;
    for (const [id, seq] of this.committed) sum += Math.max(0, seq - (this.published.get(id) ?? 0));
    return sum;
  }

  private raise(map: Map<string, number>, id: string, seq: number): void {
    if (seq > (map.get(id) ?? -1)) map.set(id, seq);
  }
}
