// Generated from stdlib/*.secpol by scripts/gen-stdlib.js. Do not edit.
export const stdlibModules: Readonly<Record<string, string>> = {
  "std/dns": "# std/dns: the cluster DNS service (CoreDNS or kube-dns), as pods: NetworkPolicy sees pods, not the\n# Service address. Rules that name `dns` without ports get both DNS ports.\ngroup dns = pods(k8s-app=kube-dns) in ns kube-system: 53/tcp, 53/udp\n",
  "std/prelude": "# std/prelude: always in scope, in every program.\nimport \"std/dns\"\nimport \"std/pss\"\n",
  "std/pss": "# std/pss: the Pod Security Standards levels as profiles, for `apply baseline to ...` and\n# `apply restricted to ...`.\n\nprofile baseline {\n  deny hostIPC, hostNetwork, hostPID, hostPath, hostPort, privileged\n  deny customSELinux, procMount, unconfinedAppArmor, unconfinedSeccomp\n}\n\nprofile restricted {\n  deny hostIPC, hostNetwork, hostPID, hostPath, hostPort, privileged\n  deny customSELinux, procMount, unconfinedAppArmor, unconfinedSeccomp\n  deny privilegeEscalation, rootUser\n  require drop ALL, noPrivilegeEscalation, runAsNonRoot, seccomp RuntimeDefault\n}\n",
};
