'use client'
import { usePathname, useRouter } from 'next/navigation'
import { type FormEvent, type ReactNode, startTransition, useId, useOptimistic, useState } from 'react'
import { humanize } from '../_lib/format'
import { FACTOR_OPTIONS, USER_GROUP_OPTIONS } from '../_lib/filters'
import { PRESET_IDS, type Preset } from '../_lib/time-range'
import { activeOption, type FilterUrlKey, toQuery, type UrlState, withCustom, withFilter, withPreset } from '../_lib/url-state'

const pad = (n: number) => String(n).padStart(2, '0')
/** Date → value of an <input type="datetime-local"> (local time, minutes). */
function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A filter drop-down: its URL key, label, the "everything" choice and the values offered. */
export interface FilterSpec {
  key: FilterUrlKey
  label: string
  all: string
  options: readonly string[]
  /** How a value reads; humanized by default ("rate_limited" → "Rate limited"). */
  display?: (value: string) => string
}

/** The Overview's filters (the default). */
export const OVERVIEW_FILTERS: readonly FilterSpec[] = [
  { key: 'factor', label: 'Factor', all: 'All factors', options: FACTOR_OPTIONS },
  { key: 'user_group', label: 'User group', all: 'All groups', options: USER_GROUP_OPTIONS },
]

/** Time-range picker and filters; every change is a navigation so the URL is the state. */
export function Toolbar({ state: urlState, status, filters = OVERVIEW_FILTERS }: { state: UrlState; status: ReactNode; filters?: readonly FilterSpec[] }) {
  const router = useRouter()
  const pathname = usePathname()
  // Show the choice at once; the URL (and so the data) follows when the navigation lands.
  const [state, setOptimistic] = useOptimistic(urlState)
  const go = (next: UrlState) => {
    const q = toQuery(next)
    startTransition(() => {
      setOptimistic(next)
      router.push(q ? `${pathname}?${q}` : pathname, { scroll: false })
    })
  }
  const active = activeOption(state)
  const [customPicked, setCustomOpen] = useState(false)
  const customOpen = customPicked || active === 'custom'
  const ids = useId()

  const initialTo = state.to ? new Date(state.to) : new Date()
  const initialFrom = state.from ? new Date(state.from) : new Date(initialTo.getTime() - 3600_000)
  const [customError, setCustomError] = useState<string | null>(null)

  const applyCustom = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    const from = new Date(String(form.get('from')))
    const to = new Date(String(form.get('to')))
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return setCustomError('Enter both a start and an end.')
    if (to <= from) return setCustomError('The end must be after the start.')
    setCustomError(null)
    go(withCustom(state, from, to))
  }

  return (
    <div className="toolbar">
      <fieldset className="segmented">
        <legend className="sr-only">Time range</legend>
        {PRESET_IDS.map((p: Preset) => (
          <label key={p} className={active === p && !customOpen ? 'seg seg-on' : 'seg'}>
            <input
              type="radio"
              name={`${ids}-range`}
              value={p}
              checked={active === p && !customOpen}
              onChange={() => {
                setCustomOpen(false)
                go(withPreset(state, p))
              }}
            />
            {p}
          </label>
        ))}
        <label className={customOpen ? 'seg seg-on' : 'seg'}>
          <input type="radio" name={`${ids}-range`} value="custom" checked={customOpen} onChange={() => setCustomOpen(true)} />
          Custom
        </label>
      </fieldset>

      {customOpen && (
        <form key={toQuery(state)} className="custom-range" onSubmit={applyCustom} aria-label="Custom time range">
          <label htmlFor={`${ids}-from`}>From</label>
          <input id={`${ids}-from`} type="datetime-local" name="from" defaultValue={toLocalInput(initialFrom)} required />
          <label htmlFor={`${ids}-to`}>To</label>
          <input id={`${ids}-to`} type="datetime-local" name="to" defaultValue={toLocalInput(initialTo)} required />
          <button type="submit" className="btn btn-primary">
            Apply
          </button>
          {customError && (
            <span className="field-error" role="alert">
              {customError}
            </span>
          )}
        </form>
      )}

      <div className="filters">
        {filters.map((f) => (
          <span key={f.key} className="select">
            <label htmlFor={`${ids}-${f.key}`}>{f.label}</label>
            <select id={`${ids}-${f.key}`} value={state[f.key] ?? ''} onChange={(e) => go(withFilter(state, f.key, e.target.value))}>
              <option value="">{f.all}</option>
              {/* A value from the URL that is not offered still shows, so the select never lies. */}
              {[...f.options, ...(state[f.key] && !f.options.includes(state[f.key]!) ? [state[f.key]!] : [])].map((v) => (
                <option key={v} value={v}>
                  {(f.display ?? humanize)(v)}
                </option>
              ))}
            </select>
          </span>
        ))}
      </div>
      <div className="toolbar-status">{status}</div>
    </div>
  )
}
