'use client'
import { createContext, type ReactNode, useContext } from 'react'
import type { Permission } from '../../contract/access'

/**
 * The signed-in role's permissions, for client components that hide actions the role may not
 * take. Hiding is a courtesy: every route handler refuses them anyway (auth/guard.ts).
 */
const Ctx = createContext<ReadonlySet<Permission>>(new Set())

export function PermissionsProvider({ permissions, children }: { permissions: Permission[]; children: ReactNode }) {
  return <Ctx.Provider value={new Set(permissions)}>{children}</Ctx.Provider>
}

export const useCan = (permission: Permission): boolean => useContext(Ctx).has(permission)
