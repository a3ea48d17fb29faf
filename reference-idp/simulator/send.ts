import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Decision, decide } from './decide'
import { activeFor } from './faults'
import { send } from './http'
import { NOMINAL_LIMIT_RPS, type SimState } from './state'
import type { Dialect, RateInfo, Reply, ReplyContext, SendIntent } from './vendors/types'

/**
 * One send request to a simulated vendor: decide what happens (pure), then act it out —
 * hang, answer after the drawn latency, put the message on the device at its delivery time
 * and schedule the vendor's receipts.
 */

export interface SendCall {
  dialect: Dialect
  region: string
  params: string[]
  body: string
}

function outcomeLabel(d: Decision, accepted: boolean): string {
  if (d.httpOutcome.kind === 'accepted') return accepted ? 'accepted' : 'client_error'
  if (d.httpOutcome.kind === 'throttled') return 'throttled'
  return 'server_error'
}

export function handleSend(s: SimState, req: IncomingMessage, res: ServerResponse, call: SendCall): void {
  const { dialect, region } = call
  const vendor = dialect.vendor
  const profile = s.profiles[vendor]
  const now = s.now()
  const key = `${vendor}:${region}`
  const faults = activeFor(s.faults, vendor, region, now)
  const decision = decide(profile, faults, s.rand, now, { requestsLastSecond: s.rate.count(key, now) })

  if (decision.httpOutcome.kind === 'blackhole') {
    // Accept the connection and never answer; the client's timeout ends it, or close().
    s.metrics.requests.inc({ vendor, region, outcome: 'blackhole', code: 'none' })
    return
  }

  const limitFault = faults.filter((f) => f.kind === 'rate_limit').map((f) => f.value)
  const limit = limitFault.length ? Math.min(...limitFault) : NOMINAL_LIMIT_RPS
  const rate = (): RateInfo => ({
    limit,
    remaining: limit - s.rate.count(key, now),
    resetEpochSeconds: Math.ceil((now + 1000) / 1000),
  })
  const base = { now, region, creds: s.creds, params: call.params }

  let reply: Reply
  let accepted: { intent: SendIntent; ctx: ReplyContext } | undefined
  if (decision.httpOutcome.kind !== 'accepted') {
    reply = dialect.failure(decision.httpOutcome, { ...base, id: '', rate: rate() })
  } else {
    const parsed = dialect.parse({ method: req.method ?? 'POST', params: call.params, headers: req.headers, body: call.body, now }, s.creds)
    if (!parsed.ok) reply = parsed.reply
    else {
      s.rate.record(key, now)
      const ctx: ReplyContext = { ...base, id: dialect.newId(s.idRand, parsed.intent), rate: rate() }
      reply = dialect.accepted(parsed.intent, ctx)
      accepted = { intent: parsed.intent, ctx }
    }
  }

  const latencyMs = Math.round(decision.apiLatencyMs * s.timeScale)
  s.metrics.requests.inc({ vendor, region, outcome: outcomeLabel(decision, accepted !== undefined), code: String(reply.status) })
  s.metrics.apiLatency.observe({ vendor }, latencyMs / 1000)
  if (accepted) deliver(s, dialect, accepted.intent, accepted.ctx, decision, latencyMs)

  void s.clock.sleep(latencyMs, s.closing.signal).then(() => {
    if (!s.closing.signal.aborted) send(res, reply)
  })
}

function deliver(s: SimState, dialect: Dialect, intent: SendIntent, ctx: ReplyContext, decision: Decision, latencyMs: number): void {
  const vendor = dialect.vendor
  const d = decision.delivery
  if (d === 'never') {
    s.metrics.messages.inc({ vendor, fate: decision.reason })
    return
  }
  s.metrics.messages.inc({ vendor, fate: d.status })
  const profile = s.profiles[vendor]
  if (d.status === 'delivered')
    s.devices.add(
      intent.device,
      intent.to,
      {
        id: ctx.id,
        vendor,
        channel: profile.channel,
        from: intent.from,
        subject: intent.subject,
        text: intent.text,
        data: intent.data,
        deliverAt: ctx.now + latencyMs + Math.round(d.delayMs * s.timeScale),
      },
      ctx.now,
    )
  const webhookUrl = intent.callbackUrl ?? s.webhooks[vendor] ?? s.defaultWebhook
  if (!d.receipted || !dialect.receipts || !webhookUrl) return
  // Receipts are timed from the API answer; the final one trails delivery by the carrier lag.
  const events = dialect.receipts({
    id: ctx.id,
    intent,
    delivery: { ...d, delayMs: d.delayMs + profile.receiptLagMs },
    acceptedAt: ctx.now,
    webhookUrl,
    region: ctx.region,
    creds: s.creds,
    rand: s.idRand,
  })
  s.receipts.schedule(
    vendor,
    webhookUrl,
    ctx.id,
    events.map((e) => ({ ...e, offsetMs: e.offsetMs + decision.apiLatencyMs })),
  )
}
