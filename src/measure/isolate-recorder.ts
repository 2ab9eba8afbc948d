/**
 * @module measure/isolate-recorder
 * The per-isolate measurement recorder (module scope is isolate scope on Workers).
 */
import type { Settings } from '../env'
import { MeasurementRecorder } from './recorder'

let recorder: MeasurementRecorder | null = null

export function recorderFor(settings: Settings): MeasurementRecorder {
  recorder ??= new MeasurementRecorder({ flushMs: settings.measureFlushMs, maxBatch: settings.measureBatch })
  return recorder
}
