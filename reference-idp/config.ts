import { parseEnv } from '../contract/env'
import { z } from 'zod'
import { parseServiceKeys } from './service-auth/assertion'
import { parseOidcClients, parseSigningKeys } from './oidc/settings'
import { parseVendorCredentials, parseVendorUrls } from './subprocessors/adapters/credentials'

const onOff = z.enum(['on', 'off'])

/** Reference IdP environment, read and validated once at start-up. */
export const IdpConfig = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** PGlite directory, or `memory://` for a throwaway store; ignored when databaseUrl is set. */
  dataDir: z.string().default('./.data/idp'),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL').optional(),
  /** OTLP/HTTP base URL; /v1/logs and /v1/traces are appended. */
  otlpEndpoint: z.string().url().default('http://127.0.0.1:4318'),
  telemetry: onOff.default('on'),
  /** 32 bytes (64 hex or base64) for factor secrets and e-mail addresses at rest; required unless IDP_KEY_FILE or IDP_DEV_KEYS=on. */
  secretKey: z.string().optional(),
  /** Key of the HMAC that turns user ids into `mfa.user_hash` (and, through HKDF, the e-mail blind index). */
  userHashKey: z.string().optional(),
  /** A JSON key file ({"secretKey","userHashKey"}) outside the data directory, instead of the two variables. */
  keyFile: z.string().optional(),
  /** Development only: generate missing keys into a key file beside (never inside) the data directory. */
  devKeys: onOff.default('off'),
  /** scrypt cost of new password hashes as log2 N (OWASP: 17); 14 keeps tests and the demo fast. */
  passwordCost: z.coerce.number().int().min(14).max(20).default(17),
  region: z.string().regex(/^[a-z0-9-]{1,32}$/, 'expected a region id such as eu-west').default('eu-west'),
  /** Public origin of the IdP (cookie scope and origin checks); defaults to http://host:port. */
  publicUrl: z.string().url().optional(),
  /**
   * One base URL for every vendor's API, each under its own path (the provider simulator, e.g.
   * http://127.0.0.1:8090). Unset with IDP_VENDOR_URLS unset too: codes go to an in-process outbox.
   */
  providerUrl: z.string().url().optional(),
  /** Each vendor's API root by registry vendor id, JSON (`{"twilio":"https://api.twilio.com",…}`); over IDP_PROVIDER_URL. */
  vendorUrls: z.string().superRefine((s, ctx) => {
    try {
      parseVendorUrls(s)
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message })
    }
  }).optional(),
  /** A file holding the IDP_VENDOR_CREDENTIALS document (a mounted secret); read at start. */
  vendorCredentialsFile: z.string().min(1).optional(),
  /** Base URL the vendors post receipts to (`/webhooks/{vendor}` is appended); default the public URL. */
  webhookUrl: z.string().url().optional(),
  /** The sub-processor registry: vendors, fallback chains, breaker thresholds, costs. */
  registryPath: z.string().optional(),
  /** WebAuthn RP ID: the public URL's host or a parent domain of it. Default: that host (`localhost` for a loopback address). */
  rpId: z.string().regex(/^[a-z0-9.-]+$/, 'expected a host name such as example.com').optional(),
  /**
   * Honour X-Demo-IP / X-Demo-Country / X-Demo-Client from the traffic generator (a trusted
   * proxy's headers in production), and then only from a loopback peer. Off unless `npm start` or a test turns it on.
   */
  demoHeaders: onOff.default('off'),
  /** Secure `__Host-` cookies on plain http to localhost / 127.0.0.1 too (Chromium and Firefox accept them there; turn off for Safari). */
  loopbackSecureCookies: onOff.default('on'),
  /** Sign-ups per client address per hour, enforced as a sixth of it per 10 minutes (SMS pumping, ASVS 2.2.1). */
  rateSignupPerHour: z.coerce.number().int().min(6).max(1_000_000).default(30),
  /** Wrong second-factor codes from unknown devices per account in 24 h before codes from unknown devices stop (NIST SP 800-63B 5.2.2). */
  maxDailyCodeFailures: z.coerce.number().int().min(1).max(1_000).default(20),
  /** A login flow not finished this long after its challenge is abandoned. */
  flowTtlSeconds: z.coerce.number().int().min(5).max(86_400).default(300),
  /** Wrong second-factor codes allowed on one flow before it locks. */
  maxAttempts: z.coerce.number().int().min(1).max(20).default(5),
  /** Password attempts (login, recovery requests, passkey options) per client address per minute. */
  rateLoginPerMinute: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Second-factor code attempts and sends per client address per minute. */
  rateCodePerMinute: z.coerce.number().int().min(1).max(100_000).default(120),
  /** Delay before answering a wrong code, doubling with each failure on the flow (0 = off). */
  progressiveDelayMs: z.coerce.number().int().min(0).max(10_000).default(250),
  /** Sensitive actions need a second factor passed at most this long ago. */
  stepUpMaxAgeSeconds: z.coerce.number().int().min(30).max(86_400).default(600),
  sessionTtlSeconds: z.coerce.number().int().min(60).max(30 * 86_400).default(12 * 3600),
  /** A session nobody used for this long is over (0 = no idle limit). */
  sessionIdleSeconds: z.coerce.number().int().min(0).max(30 * 86_400).default(30 * 60),
  /** "Remember this device" lifetime in days. */
  trustedDeviceDays: z.coerce.number().int().min(1).max(365).default(30),
  /** Risk policy YAML (signals, levels, what each level allows); default reference-idp/policy/risk-policy.yaml. */
  riskPolicyPath: z.string().optional(),
  /** How often `mfa.enrollment.snapshot` is emitted (0 = only on demand). */
  snapshotSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
  // Vendor secrets have no defaults (ASVS 2.10.2, 2.10.4): a receipt webhook whose secret is unset
  // refuses every receipt; only npm start and tests hand over the simulator's (simulator/idp-settings.ts).
  /** Twilio auth token: Twilio sends (with the account SID) and X-Twilio-Signature of its receipts. */
  twilioAuthToken: z.string().min(8, 'expected the auth token from the Twilio console').optional(),
  /** Vonage signature secret for signed delivery receipts and voice events. */
  vonageSignatureSecret: z.string().min(8, 'expected the signature secret from the Vonage dashboard').optional(),
  /** SendGrid signed event webhook verification key (base64 DER as SendGrid shows it). */
  sendgridWebhookPublicKey: z.string().min(20, 'expected the base64 verification key SendGrid shows').optional(),
  /** Credentials and webhook keys of the vendor accounts, JSON (subprocessors/adapters/credentials.ts); needed to send through vendors. */
  vendorCredentials: z.string().superRefine((s, ctx) => {
    try {
      parseVendorCredentials(s)
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message })
    }
  }).optional(),
  /** Allowed SNS SigningCertURL prefixes, comma-separated (https://sns.<region>.amazonaws.com/); unset: SES receipts are refused. */
  snsCertUrlPrefixes: z.string().regex(/^https?:\/\/[^,\s]+(,\s*https?:\/\/[^,\s]+)*$/, 'expected comma-separated URL prefixes such as https://sns.eu-west-1.amazonaws.com/').optional(),
  /**
   * Public keys (a JWK, array or JWK set; EC P-256, each with a kid) of the services allowed to
   * provision account types. They sign a short-lived single-use assertion per call; the IdP
   * holds no secret for them (ASVS 2.10.1). Unset: no provisioning calls.
   */
  serviceKeys: z.string().superRefine((s, c) => {
    try {
      parseServiceKeys(s)
    } catch (e) {
      c.addIssue({ code: 'custom', message: (e as Error).message })
    }
  }).optional(),
  /** Addresses that become admins when they sign up, comma-separated: the first admins of a new IdP. */
  adminEmails: z.string().regex(/^\s*[^@\s,]+@[^@\s,]+(\s*,\s*[^@\s,]+@[^@\s,]+)*\s*$/, 'expected comma-separated e-mail addresses').optional(),
  /** What admin actions need: any second factor passed recently, or a passkey (phishing-resistant). */
  adminFactor: z.enum(['any', 'phishing_resistant'], 'expected any or phishing_resistant').default('any'),
  /**
   * Which accounts are synthetic (traffic generator, probes), by e-mail address, as a
   * case-insensitive regular expression; game-day faults scoped synthetic_only touch only them.
   * Default: ^(traffic|probe)-[^@]*@example\.test$ (the traffic generator's addresses).
   */
  syntheticEmailPattern: z.string().max(200).superRefine((s, c) => {
    try {
      new RegExp(s)
    } catch (e) {
      c.addIssue({ code: 'custom', message: `not a regular expression: ${(e as Error).message}` })
    }
  }).optional(),
  /**
   * OpenID Connect relying parties, a JSON array: `[{"client_id", "client_secret" (absent: a public
   * client), "redirect_uris": [...], "post_logout_redirect_uris": [...]}]` (reference-idp/oidc/settings.ts).
   */
  oidcClients: z.string().superRefine((s, c) => {
    try {
      parseOidcClients(s)
    } catch (e) {
      c.addIssue({ code: 'custom', message: (e as Error).message })
    }
  }).optional(),
  /** A file holding the IDP_OIDC_CLIENTS array (a mounted secret); read at start. */
  oidcClientsFile: z.string().min(1).optional(),
  /** The provider's signing keys, a private JWK set: the first key signs, the others still verify (rotation). */
  oidcSigningKeys: z.string().superRefine((s, c) => {
    try {
      parseSigningKeys(s)
    } catch (e) {
      c.addIssue({ code: 'custom', message: (e as Error).message })
    }
  }).optional(),
  /** A file holding the IDP_OIDC_SIGNING_KEYS JWK set; read at start. */
  oidcSigningKeysFile: z.string().min(1).optional(),
  /** Requests processed at once before new ones are refused with 503 + Retry-After. */
  maxInFlight: z.coerce.number().int().min(1).max(10_000).default(256),
})
export type IdpConfig = z.infer<typeof IdpConfig>

const ENV_KEYS: Record<keyof IdpConfig, string> = {
  host: 'IDP_HOST',
  port: 'IDP_PORT',
  dataDir: 'IDP_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  telemetry: 'IDP_TELEMETRY',
  secretKey: 'IDP_SECRET_KEY',
  userHashKey: 'IDP_USER_HASH_KEY',
  keyFile: 'IDP_KEY_FILE',
  devKeys: 'IDP_DEV_KEYS',
  passwordCost: 'IDP_PASSWORD_COST',
  region: 'IDP_REGION',
  publicUrl: 'IDP_PUBLIC_URL',
  rpId: 'IDP_RP_ID',
  providerUrl: 'IDP_PROVIDER_URL',
  vendorUrls: 'IDP_VENDOR_URLS',
  vendorCredentialsFile: 'IDP_VENDOR_CREDENTIALS_FILE',
  registryPath: 'IDP_REGISTRY',
  webhookUrl: 'IDP_WEBHOOK_URL',
  demoHeaders: 'IDP_DEMO_HEADERS',
  loopbackSecureCookies: 'IDP_LOOPBACK_SECURE_COOKIES',
  rateSignupPerHour: 'IDP_RATE_SIGNUP_PER_HOUR',
  maxDailyCodeFailures: 'IDP_MAX_DAILY_CODE_FAILURES',
  flowTtlSeconds: 'IDP_FLOW_TTL_SECONDS',
  maxAttempts: 'IDP_MAX_ATTEMPTS',
  sessionTtlSeconds: 'IDP_SESSION_TTL_SECONDS',
  sessionIdleSeconds: 'IDP_SESSION_IDLE_SECONDS',
  stepUpMaxAgeSeconds: 'IDP_STEPUP_MAX_AGE_SECONDS',
  rateLoginPerMinute: 'IDP_RATE_LOGIN_PER_MINUTE',
  rateCodePerMinute: 'IDP_RATE_CODE_PER_MINUTE',
  progressiveDelayMs: 'IDP_PROGRESSIVE_DELAY_MS',
  maxInFlight: 'IDP_MAX_IN_FLIGHT',
  serviceKeys: 'IDP_SERVICE_KEYS',
  adminEmails: 'IDP_ADMIN_EMAILS',
  adminFactor: 'IDP_ADMIN_FACTOR',
  snapshotSeconds: 'IDP_SNAPSHOT_SECONDS',
  trustedDeviceDays: 'IDP_TRUSTED_DEVICE_DAYS',
  riskPolicyPath: 'IDP_RISK_POLICY',
  twilioAuthToken: 'IDP_TWILIO_AUTH_TOKEN',
  vendorCredentials: 'IDP_VENDOR_CREDENTIALS',
  vonageSignatureSecret: 'IDP_VONAGE_SIGNATURE_SECRET',
  sendgridWebhookPublicKey: 'IDP_SENDGRID_WEBHOOK_PUBLIC_KEY',
  snsCertUrlPrefixes: 'IDP_SNS_CERT_URL_PREFIXES',
  syntheticEmailPattern: 'IDP_SYNTHETIC_EMAIL_PATTERN',
  oidcClients: 'IDP_OIDC_CLIENTS',
  oidcClientsFile: 'IDP_OIDC_CLIENTS_FILE',
  oidcSigningKeys: 'IDP_OIDC_SIGNING_KEYS',
  oidcSigningKeysFile: 'IDP_OIDC_SIGNING_KEYS_FILE',
}

/** Parse the environment; a bad value throws an error naming the variable. Empty values count as unset. */
export function loadIdpConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<IdpConfig> = {}): IdpConfig {
  return parseEnv(IdpConfig, ENV_KEYS, env, overrides)
}
