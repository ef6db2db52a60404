/**
 * Generated universes for the property tests: the program's owned namespaces with exactly their
 * labels, other namespaces with random labels (including names the program never mentions), and
 * pods everywhere with random labels, named container ports and addresses from the pod ranges.
 */
import fc from "fast-check";
import type { ContainerPort, Namespace, Pod, Universe } from "./netpol-eval.js";

export interface Vocabulary {
  ownedNamespaces: { name: string; labels: Record<string, string> }[];
  /** Names of other namespaces that may exist (unowned); random ones are added too. */
  otherNamespaces: string[];
  labelKeys: string[];
  labelValues: string[];
  namedPorts: { name: string; port: number; protocol: "TCP" | "UDP" | "SCTP" }[];
  podCIDRs: string[];
  /** Pod addresses to draw from, rather than random ones in `podCIDRs` (to land in and out of small blocks). */
  podAddresses?: string[];
}

const NAME_LABEL = "kubernetes.io/metadata.name";

/** A random address inside a CIDR block (IPv4 or IPv6), as text. */
export function addressIn(cidr: string, random: number): string {
  const [base, bitsText] = cidr.split("/");
  const v6 = base.includes(":");
  const width = v6 ? 128 : 32;
  const hostBits = BigInt(width - Number(bitsText));
  const size = 1n << hostBits;
  const offset = (BigInt(Math.floor(random * 2 ** 31)) % (size - 2n > 0n ? size - 2n : 1n)) + 1n;
  const value = parse(base, v6) + offset;
  return v6 ? formatV6(value) : [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
}

function parse(text: string, v6: boolean): bigint {
  if (!v6) return text.split(".").reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
  const [head, tail] = text.split("::");
  const groups = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

const formatV6 = (value: bigint) =>
  Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(":");

const labelsArbitrary = (v: Vocabulary): fc.Arbitrary<Record<string, string>> =>
  fc
    .record({
      known: fc.uniqueArray(fc.tuple(fc.constantFrom(...v.labelKeys), fc.constantFrom(...v.labelValues)), {
        selector: ([k]) => k,
        maxLength: 3,
      }),
      unrelated: fc.boolean(),
    })
    .map(({ known, unrelated }) => ({ ...Object.fromEntries(known), ...(unrelated ? { unrelated: "zzz" } : {}) }));

const portsArbitrary = (v: Vocabulary): fc.Arbitrary<ContainerPort[]> =>
  fc
    .uniqueArray(fc.constantFrom(...v.namedPorts), { selector: (p) => p.name, maxLength: 2 })
    .map((ports) => ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })));

export function arbitraryUniverse(v: Vocabulary): fc.Arbitrary<Universe> {
  const owned: Namespace[] = v.ownedNamespaces.map((n) => ({
    name: n.name,
    labels: { ...n.labels, [NAME_LABEL]: n.name },
  }));
  const ownedNames = new Set(owned.map((n) => n.name));
  const others = fc
    .tuple(fc.subarray(v.otherNamespaces.filter((n) => !ownedNames.has(n))), fc.integer({ min: 0, max: 1 }))
    .chain(([names, extra]) => {
      const all = [...names, ...Array.from({ length: extra }, (_, i) => `random-${i}`)];
      return fc.tuple(
        ...all.map((name) =>
          labelsArbitrary(v).map((labels): Namespace => ({ name, labels: { ...labels, [NAME_LABEL]: name } })),
        ),
      );
    });
  return others.chain((otherNamespaces) => {
    const namespaces = [...owned, ...otherNamespaces];
    const pods = namespaces.map((n) =>
      fc
        .array(
          fc.record({
            labels: labelsArbitrary(v),
            ports: portsArbitrary(v),
            random: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { minLength: 1, maxLength: 4 },
        )
        .map((list) =>
          list.map((p, i): Pod => ({
            name: `${n.name}-pod-${i}`,
            namespace: n.name,
            labels: p.labels,
            ports: p.ports,
            ips: v.podAddresses
              ? [v.podAddresses[Math.floor(p.random * v.podAddresses.length) % v.podAddresses.length]]
              : v.podCIDRs.map((cidr) => addressIn(cidr, p.random)),
          })),
        ),
    );
    return fc.tuple(...pods).map((lists) => ({ namespaces, pods: lists.flat() }));
  });
}
