export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface RoleGrants {
  default: Role;
  admin: readonly string[];
  operator: readonly string[];
  viewer: readonly string[];
}

/**
 * Maps a verified identity (`console`, `irc:account:NAME`, `slack:U123`) to a
 * role. Nicks and display names never reach this: an unverified user has no
 * identity and gets the default role.
 */
export class Permissions {
  private readonly byIdentity = new Map<string, Role>();

  constructor(private readonly grants: RoleGrants) {
    // Highest grant wins when an identity is listed twice.
    for (const role of ROLES) for (const id of grants[role]) this.byIdentity.set(id, role);
    // The console user is whoever has a shell on the bot's machine and can
    // open its database anyway: always an admin.
    this.byIdentity.set('console', 'admin');
  }

  roleOf(identity: string | undefined): Role {
    if (identity === undefined) return this.grants.default;
    return this.byIdentity.get(identity) ?? this.grants.default;
  }
}
