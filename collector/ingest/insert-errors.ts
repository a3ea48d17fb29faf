/*
 * Why an INSERT failed, and so what the write path does about it (batcher.ts): retry the same
 * batch (transient), isolate and refuse the rows at fault (data), let ClickHouse split a record
 * spanning too many partitions (partitions), or retry a few times before treating it as data
 * (unknown).
 */

export type ErrorKind = 'transient' | 'data' | 'partitions' | 'unknown'

/* ClickHouse error codes (src/Common/ErrorCodes.cpp). */
const TRANSIENT_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS (merges behind; the partition limit is told apart by its message)
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  74, // CANNOT_READ_FROM_FILE_DESCRIPTOR (FROM INFILE: the file is ours, its rows are fine)
  76, // CANNOT_OPEN_FILE
  107, // FILE_DOESNT_EXIST
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION
])
const DATA_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  377, // ILLEGAL_SYNTAX_FOR_DATA_TYPE
  407, // DECIMAL_OVERFLOW
  426, // CANNOT_PARSE_UUID
  441, // CANNOT_PARSE_ESCAPE_SEQUENCE
])
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET'])

/**
 * Why an INSERT failed: worth retrying as is (server down, slow, overloaded), the rows
 * themselves (retrying cannot help), too many partitions in one block, or unknown. Pure.
 */
export function classifyInsertError(err: unknown): ErrorKind {
  const e = err as { code?: string | number; name?: string; message?: string; cause?: { code?: string } }
  const message = String(e?.message ?? '')
  if (e?.name === 'InsertFileError') return 'transient'
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError' || /timeout|timed out|aborted|socket hang up/i.test(message)) return 'transient'
  if (typeof e?.code === 'string' && NETWORK_ERRNOS.has(e.code)) return 'transient'
  if (e?.cause?.code && NETWORK_ERRNOS.has(e.cause.code)) return 'transient'
  const code = Number(e?.code)
  if (/partitions for single INSERT block/i.test(message)) return 'partitions'
  if (Number.isInteger(code) && TRANSIENT_CODES.has(code)) return 'transient'
  if (Number.isInteger(code) && DATA_CODES.has(code)) return 'data'
  if (/Cannot parse|Cannot read|ParsingException|while reading the value of key/i.test(message)) return 'data'
  return 'unknown'
}

/** Writing an INSERT's rows to its file failed (disk full, I/O error): worth retrying, never the rows' fault. */
export class InsertFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InsertFileError'
  }
}
