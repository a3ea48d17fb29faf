import { parentPort } from 'node:worker_threads'
import { type ExportTask, prepareExport } from './prepare'
import { serializeError, type TaskReply } from './decode-pool'

/*
 * A decode worker: takes ExportTasks, answers each with its PreparedExport (the rows' buffer
 * transferred, not copied) or with the error it threw. One task at a time, in order.
 */
const port = parentPort
if (!port) throw new Error('decode-worker.ts runs as a worker thread (decode-pool.ts starts it)')

port.on('message', (m: { id: number; task: ExportTask }) => {
  let reply: TaskReply
  const transfer: ArrayBuffer[] = []
  try {
    const prepared = prepareExport(m.task)
    reply = { id: m.id, ok: true, prepared }
    if (prepared.signal !== 'metrics') transfer.push(prepared.rows.text.buffer as ArrayBuffer)
  } catch (err) {
    reply = { id: m.id, ok: false, error: serializeError(err) }
  }
  port.postMessage(reply, transfer)
})
// A task that cannot be deserialized names no id to answer: exit, and the pool fails what this worker held.
port.on('messageerror', () => process.exit(1))
port.postMessage({ ready: true })
