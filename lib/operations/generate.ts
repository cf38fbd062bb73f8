/** Synthetic data files of a given size, for benchmarks and scale tests. Same shape as access.yaml. */

export interface GeneratedSize {
  readonly accounts: number;
  readonly roles: number;
}

export function generateData({ accounts, roles }: GeneratedSize): object {
  const gitlab = "https://gitlab.example.org";
  return {
    stack: `bench-${accounts}x${roles}`,
    gitlab: { url: gitlab, groupId: 9 },
    vault: { url: "https://vault.example.org", jwtMount: "jwt", kvMount: "secret" },
    roles: Array.from({ length: roles }, (_, r) => ({
      name: `bench-ci-${r}`,
      audiences: [gitlab],
      boundClaims: { namespace_id: String(r + 1) },
      reads: [{ path: `team-${r}/ci-token`, keys: ["token"] }],
      // One use per path the role reads (its own, and every account i with i % roles == r): JWT-010's minimum.
      tokenNumUses: 1 + (r < accounts ? Math.floor((accounts - 1 - r) / roles) + 1 : 0),
    })),
    workloads: [],
    accounts: Array.from({ length: accounts }, (_, i) => ({
      name: `svc-bench-${i}`,
      permissions: ["docker:read"],
      usedBy: `benchmark account ${i}`,
      readers: [`bench-ci-${i % roles}`],
      // All share one scope: ACC-004 then needs (and checks) a justification on every account after the first.
      justification: "synthetic benchmark account, one per generated service",
    })),
  };
}
