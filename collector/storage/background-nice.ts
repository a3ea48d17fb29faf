import { readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'

/*
 * Embedded chDB runs ClickHouse's background work — merges, its schedule pools, the helper
 * threads of parallel input parsing — in the collector's own process, at the same OS priority
 * as the threads that acknowledge exports (the event loop, the decode workers, the spool's file
 * writes). On a small machine they took turns: decoding an export waited behind a merge. These
 * threads are lowered to a nice value (CHDB_BACKGROUND_NICE, default 10) so the receiver's work
 * goes first and ClickHouse's background work takes what is left, and all of it when the
 * receiver is idle. Measured (`npm run bench -- ack`, three alternated pairs): acknowledgement
 * p99 74, 99, 82 ms against 124, 145, 123; decode p99 36–49 against 72–76 ms; ingest throughput
 * unchanged within noise (docs/ingest.md).
 *
 * ClickHouse starts and renames pool threads as it goes, so the check repeats every second. A
 * pooled thread keeps its nice value when it later runs other work under another name: over
 * time more of ClickHouse's pooled threads run lowered, which is the intent (queries already run
 * at QUERY_THREAD_NICE through os_thread_priority). Linux only (threads read from
 * /proc/self/task; raising a nice value needs no privilege); elsewhere nothing happens.
 */

/** ClickHouse's background threads, by the names it gives them. */
export const BACKGROUND_THREAD = /^(MergeMutate|BgSchPool|BgMBSchPool|BgDistSchPool|ChunkParser|Segmentator)/

export interface ThreadInfo { tid: number; name: string; nice: number }

/** Background threads that run at a higher priority (a lower nice value) than `nice`. Pure. */
export function threadsToLower(threads: readonly ThreadInfo[], nice: number): number[] {
  return threads.filter((t) => BACKGROUND_THREAD.test(t.name) && t.nice < nice).map((t) => t.tid)
}

/** This process's threads from /proc/self/task (name, and nice: field 19 of stat); [] without /proc. */
export function ownThreads(): ThreadInfo[] {
  let tids: string[]
  try {
    tids = readdirSync('/proc/self/task')
  } catch {
    return []
  }
  const out: ThreadInfo[] = []
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // "tid (name) state ppid …": the name may hold spaces and parentheses; fields follow the last ')'.
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ')
      out.push({ tid: Number(tid), name: stat.slice(stat.indexOf('(') + 1, close), nice: Number(fields[16]) })
    } catch {
      // The thread ended while we looked.
    }
  }
  return out
}

/**
 * Keep ClickHouse's background threads at `nice` (1–19; 0 turns it off), looking again every
 * `everyMs`. Returns what stops it.
 */
export function keepBackgroundNice(nice: number, everyMs = 1000): () => void {
  if (nice <= 0) return () => {}
  const pass = () => {
    for (const tid of threadsToLower(ownThreads(), nice)) {
      try {
        setPriority(tid, nice)
      } catch {
        // Ended meanwhile (ESRCH), or not allowed: leave it.
      }
    }
  }
  pass()
  const timer = setInterval(pass, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
