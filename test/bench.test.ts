import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runToExit } from './support/processes'

/**
 * The benchmark harness in --quick mode: every collector bench runs end to end against a real
 * collector child process and prints each of its figures and the summary table. Only that the
 * figures are printed is checked, never their values (performance is for `npm run bench`).
 * About a minute on an idle two-core machine (six collector starts); the timeouts allow for a busy one.
 */
describe('npm run bench --quick', () => {
  const cache = mkdtempSync(join(tmpdir(), 'fw-bench-cache-'))
  afterAll(() => rmSync(cache, { recursive: true, force: true }))

  it('prints every figure of ingest, ack, panels and freshness, and a summary', async () => {
    const { code, output } = await runToExit('scripts/bench.ts', ['--quick', 'ingest', 'ack', 'panels', 'freshness'], { BENCH_CACHE_DIR: cache }, 540_000)
    expect(output, output).not.toMatch(/ failed: /)
    expect(code, output).toBe(0)
    // ∞: a latency figure with an export that was never acknowledged (overload), still a figure.
    const number = String.raw`(?:[\d,.]+|∞)`
    const figures = [
      new RegExp(`OTLP/protobuf end to end\\s+${number} events/s\\s+\\(${number}x of the target ≥ 100,000 events/s: (pass|miss)\\)`),
      new RegExp(`OTLP/JSON end to end\\s+${number} events/s\\s+\\(${number}x of the target ≥ 50,000 events/s: (pass|miss)\\)`),
      new RegExp(`ceiling: raw INSERT … SELECT\\s+${number} rows/s`),
      /protobuf is [\d.]+x of the ceiling/,
      new RegExp(`ack latency\\s+p50 ${number} ms, p99 ${number} ms, max ${number} ms\\s+\\(${number}x of the target < 50 ms: (pass|miss)\\)`),
      // From the collector's own histograms: every stage of the exports observed.
      new RegExp(`where an export's time went \\(p50 / p99 ms, from the collector's histograms\\): read ${number} / ${number}, decode ${number} / ${number}, write ${number} / ${number}, spool commit ${number} / ${number}`),
      new RegExp(`collector RSS\\s+idle ${number} MB; under load mean ${number} MB, max ${number} MB\\s+\\(${number}x of the target < 300 MB: (pass|miss)\\)`),
      new RegExp(`dataset generation\\s+${number} s for ${number} events`),
      new RegExp(`ack → visible in M1\\s+p50 ${number} ms, p95 ${number} ms, max ${number} ms\\s+\\(${number}x of the target < 5,000 ms: (pass|miss)\\)`),
    ]
    for (const f of figures) expect(output).toMatch(f)
    for (const range of ['1 h', '24 h', '30 d']) {
      for (const panel of ['M1 success rate', 'M2 latency', 'M3 fallback rate', 'sub-processors']) {
        expect(output).toMatch(new RegExp(`${panel}, ${range}\\s+p50\\s+${number} ms, p95\\s+${number} ms\\s+\\(${number}x of the target < 200 ms: (pass|miss)\\)`))
      }
    }
    // The table: one row per figure with a target, and the count of targets met out of 2 + 2 + 12 + 1.
    const table = output.slice(output.lastIndexOf('\nsummary\n'))
    for (const row of ['ingest: OTLP/protobuf end to end', 'ingest: OTLP/JSON end to end', 'ack: ack latency p99', 'ack: collector RSS under load', 'panels: sub-processors, 30 d p95', 'freshness: ack → visible p95']) {
      expect(table).toMatch(new RegExp(`${row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${number} \\S+\\s+[<≥] ${number}\\s+${number}x\\s+(pass|miss)`))
    }
    expect(table).toMatch(/^summary: \d+ of 17 targets met$/m)
  }, 600_000)
})
