/**
 * libuv's thread pool runs chDB's statements (each holds a thread until the engine is done) and
 * the spool's file writes and fdatasync. Its size is fixed before the collector's own code runs
 * (the ES module loader reads files through it), so the launchers set UV_THREADPOOL_SIZE: npm
 * start, `npm run collector`, the compose services and the tests' process helper.
 */
export const COLLECTOR_UV_THREADPOOL_SIZE = '12'

/** A start-up warning when the pool is smaller than the query connections, the ingest one and two for files. */
export function threadPoolWarning(env: NodeJS.ProcessEnv, chdbConnections: number): string | undefined {
  const size = Number(env.UV_THREADPOOL_SIZE) || 4
  if (size >= chdbConnections + 3) return undefined
  return `warning: UV_THREADPOOL_SIZE is ${env.UV_THREADPOOL_SIZE ?? 'unset (libuv: 4)'}: ${chdbConnections} query connections and the ingest one can hold every thread and delay the spool's fdatasync behind panel queries; start the collector with UV_THREADPOOL_SIZE=${COLLECTOR_UV_THREADPOOL_SIZE} (npm start and npm run collector do)`
}
