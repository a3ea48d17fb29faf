// Entry of a decode worker (decode-pool.ts): worker threads load plain JavaScript, so this
// registers tsx for the worker and loads the TypeScript that does the work.
import { tsImport } from 'tsx/esm/api'

await tsImport('./decode-worker.ts', import.meta.url)
