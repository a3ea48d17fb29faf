/**
 * Runs once when the console server starts: sign-in settings that are wrong (or local mode on a
 * non-loopback bind) stop it here with a clear message, instead of at the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return
  const { authConfig } = await import('./app/_lib/env')
  const { loadRoleMap } = await import('./app/_lib/auth/oidc')
  try {
    const cfg = authConfig()
    if (cfg.mode === 'local') {
      console.warn(`console: LOCAL MODE, no sign-in: everyone reaching ${cfg.bindHost} acts as admin`)
    } else {
      const map = loadRoleMap(cfg.roleMapFile)
      console.log(`console: sign-in through ${cfg.issuer} as client ${cfg.clientId}; roles from claim ${cfg.rolesClaim}${cfg.roleMapFile ? ` and ${cfg.roleMapFile} (${Object.keys(map.values).length} values, ${Object.keys(map.subjects).length} subjects)` : ''}`)
    }
  } catch (err) {
    console.error(`console refused to start: ${(err as Error).message}`)
    process.exit(1)
  }
}
