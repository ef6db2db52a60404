/**
 * `cluster { version 1.30; podCIDR ...; serviceCIDR ... }`: the cluster the program is for (one
 * block at most; `--cluster-version` overrides its version).
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { names as m } from "../diagnostics/messages/names.js";
import type * as ast from "../syntax/ast.js";
import type { Cidr } from "../semantics/ip.js";
import { OLDEST_VERSION, olderThan } from "../semantics/model.js";
import type { CheckContext } from "./context.js";

export function checkCluster(ctx: CheckContext, blocks: ast.ClusterBlock[]): void {
  for (const extra of blocks.slice(1)) {
    ctx.d.report(m.duplicateDeclaration, extra.span, ["the cluster block", "cluster"], {
      related: [{ span: blocks[0].span, message: "first declared here" }],
    });
  }
  const seen = new Map<string, Span>();
  for (const setting of blocks[0]?.settings ?? []) {
    const name = setting.name.text;
    const first = seen.get(name);
    if (first) {
      ctx.d.report(m.duplicateSetting, setting.name.span, [name], {
        related: [{ span: first, message: "first set here" }],
      });
      continue;
    }
    seen.set(name, setting.name.span);
    if (name === "version") {
      const value = setting.values[0];
      const version = value && setting.values.length === 1 ? parseClusterVersion(valueText(value)) : undefined;
      if (!version) ctx.d.report(m.invalidVersion, setting.span, [setting.values.map(valueText).join(" ")]);
      else if (olderThan(version, OLDEST_VERSION)) {
        const oldest = `${OLDEST_VERSION.major}.${OLDEST_VERSION.minor}`;
        ctx.d.report(m.clusterTooOld, setting.span, [`${version.major}.${version.minor}`, oldest], {
          help: `the output needs PodSecurityPolicy as \`policy/v1beta1\` (from ${oldest}) and NetworkPolicy egress and \`ipBlock\` (from 1.8): declare \`version ${oldest}\` or newer`,
        });
      } else ctx.cluster.version = version;
    } else if (name === "podCIDR" || name === "serviceCIDR") {
      const cidrs: Cidr[] = [];
      for (const value of setting.values) {
        const cidr = ctx.cidr(valueText(value), value.span);
        if (!cidr) continue;
        if (cidrs.some((c) => c.family === cidr.family))
          ctx.d.report(m.oneCidrPerFamily, value.span, [name, String(cidr.family)]);
        else cidrs.push(cidr);
      }
      if (name === "podCIDR") ctx.cluster.podCIDRs = cidrs;
      else ctx.cluster.serviceCIDRs = cidrs;
    } else {
      ctx.d.report(
        m.unknownClusterSetting,
        setting.name.span,
        [name],
        didYouMean(
          name,
          ["version", "podCIDR", "serviceCIDR"],
          "the cluster block takes `version`, `podCIDR` and `serviceCIDR`",
        ),
      );
    }
  }
  if (ctx.options.clusterVersion !== undefined) {
    const version = parseClusterVersion(ctx.options.clusterVersion);
    if (version) ctx.cluster.version = version;
  }
}

/** A cluster version, MAJOR.MINOR (at most three digits each: `1.99999999999999999999` is no version, and no number either). */
export function parseClusterVersion(text: string): { major: number; minor: number } | undefined {
  const match = /^v?(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

const valueText = (v: ast.Value): string => ("from" in v ? `${v.from.text}..${v.to.text}` : v.text);
