'use client'
import { type ReactNode, useEffect, useId, useRef } from 'react'

/**
 * A modal confirmation on the native <dialog> (focus kept inside, Escape cancels). The error of
 * the action it confirms is shown inside it, so a refusal (409, 503) is read where it was asked.
 */
export function ConfirmDialog(props: {
  open: boolean
  title: string
  children: ReactNode
  confirmLabel: string
  pendingLabel: string
  danger?: boolean
  pending: boolean
  error: string | null
  onConfirm: () => void
  onClose: () => void
  testId?: string
}) {
  const { open, title, children, confirmLabel, pendingLabel, danger, pending, error, onConfirm, onClose, testId } = props
  const ref = useRef<HTMLDialogElement>(null)
  const id = useId()
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  return (
    <dialog ref={ref} className="gd-dialog" aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`} onClose={onClose} data-testid={testId}>
      <h2 id={`${id}-t`} className="gd-dialog-title">{title}</h2>
      <div id={`${id}-d`} className="gd-dialog-body">{children}</div>
      {error && (
        <p className="field-error gd-dialog-error" role="alert">
          {error}
        </p>
      )}
      <div className="gd-dialog-foot">
        <button type="button" className="btn" onClick={onClose} disabled={pending}>
          Cancel
        </button>
        <button type="button" className={danger ? 'btn btn-danger-solid' : 'btn btn-primary'} onClick={onConfirm} disabled={pending}>
          {pending ? pendingLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  )
}
