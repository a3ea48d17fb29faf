import type { Role } from '../../contract/access'

/** Who is signed in (display name or short hash), their role, and the Sign out button (a same-origin POST). */
export function UserMenu({ label, role, local }: { label: string; role: Role; local: boolean }) {
  return (
    <div className="user-menu" data-testid="user-menu">
      <span className="user-name" data-testid="user-name">{label}</span>
      <span className="role-badge" data-testid="user-role">{role}</span>
      {!local && (
        <form method="post" action="/auth/logout">
          <button type="submit" className="link-btn">Sign out</button>
        </form>
      )}
    </div>
  )
}
