/**
 * @module durable-objects/model-coordinator/publisher
 * Publishing a model's routing snapshots to the edge (KV): every epoch under its own key, and the
 * current one paced to KV's one write per second per key (core/routing/publish-pacer). A publish
 * that fails or takes too long arms the alarm, which retries it (`reconcile`).
 */
import { withDeadline } from '../../core/deadline'
import { DomainError } from '../../core/errors'
import { toSnapshot, type ModelState } from '../../core/registry/model-state'
import { PublishPacer } from '../../core/routing/publish-pacer'
import type { RoutingSnapshot } from '../../schemas/routing'
import type { RoutingPublication } from '../../services/publication'

const RETRY_DELAY_MS = 2_000
const PUBLISH_WAIT_MS = 10_000

export class Publisher {
  private readonly pacer: PublishPacer<RoutingSnapshot>

  constructor(
    private readonly kv: RoutingPublication,
    minIntervalMs: number,
    private readonly armAlarm: (at: number) => Promise<void>,
  ) {
    this.pacer = new PublishPacer<RoutingSnapshot>({
      minIntervalMs,
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      write: (snapshot) => kv.writeCurrent(snapshot),
    })
  }

  /** Newest epoch confirmed written to KV by this instance (-1 if unknown since restart). */
  get published(): number {
    return this.pacer.published
  }

  /** Publishes a committed snapshot; throws `publish_pending` (and arms a retry) when it fails. */
  async publish(snapshot: RoutingSnapshot): Promise<void> {
    try {
      await withDeadline(this.write(snapshot), PUBLISH_WAIT_MS, 'the KV publish')
    } catch (err) {
      await this.armAlarm(Date.now() + RETRY_DELAY_MS)
      throw new DomainError(
        'publish_pending',
        `change recorded at epoch ${snapshot.epoch} but not yet published to the edge (${(err as Error).message}); it will be retried`,
        { extra: { epoch: snapshot.epoch } },
      )
    }
  }

  private async write(snapshot: RoutingSnapshot): Promise<void> {
    await this.kv.writeEpoch(snapshot)
    await this.pacer.publish(snapshot)
  }

  /** Republishes the current state if KV may not have it (after a failure or a restart). */
  reconcile(state: ModelState): Promise<void> {
    return withDeadline(this.republish(state), PUBLISH_WAIT_MS, 'the KV republish')
  }

  private async republish(state: ModelState): Promise<void> {
    if (this.pacer.published >= state.epoch) return
    // After a restart the pacer knows nothing; ask KV before writing again.
    if ((await this.kv.liveEpoch(state.model)) === state.epoch) {
      this.pacer.markPublished(state.epoch)
      return
    }
    const snapshot = toSnapshot(state, {
      actor: 'system',
      reason: 'republish after failure',
      now: new Date().toISOString(),
    })
    await this.write(snapshot)
  }
}
