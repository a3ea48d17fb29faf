/**
 * Imported first by the collector's entry point: libuv's thread pool (4 threads by default) runs
 * chDB's statements, which block a thread each until done, and the spool's file writes and
 * fdatasync. Three query connections and the ingest connection would otherwise fill it, and an
 * acknowledgement's fdatasync would wait behind a panel query. Must run before anything uses
 * the pool (it is sized on first use); an explicit UV_THREADPOOL_SIZE wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '12'
