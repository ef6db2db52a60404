import { test } from "uvu";
import * as assert from "uvu/assert";
import { cidrContains, formatCidr, parseCidr, simplifyBlocks, subtractFromBlock } from "../../src/semantics/ip.js";
import { cidr } from "../support/cidr.js";

test("parses and formats IPv4 and IPv6 blocks canonically", () => {
  assert.is(formatCidr(cidr("10.0.0.0/8")), "10.0.0.0/8");
  assert.is(formatCidr(cidr("fd00:10:244::/56")), "fd00:10:244::/56");
  assert.is(formatCidr(cidr("::/0")), "::/0");
  assert.is(formatCidr(cidr("2001:db8:0:0:1:0:0:0/128")), "2001:db8:0:0:1::/128"); // the longest zero run
  assert.is(formatCidr(cidr("2001:db8:0:0:1:0:0:1/128")), "2001:db8::1:0:0:1/128"); // the first of equal runs
  assert.equal(parseCidr("10.0.0.1/8"), { problem: "host-bits" });
  assert.equal(parseCidr("10.0.0.0/33"), { problem: "prefix" });
  assert.equal(parseCidr("10.0.0/8"), { problem: "syntax" });
  assert.equal(parseCidr("1::2::3/64"), { problem: "syntax" });
});

test("containment respects families", () => {
  assert.ok(cidrContains(cidr("10.0.0.0/8"), cidr("10.1.0.0/16")));
  assert.not.ok(cidrContains(cidr("10.1.0.0/16"), cidr("10.0.0.0/8")));
  assert.not.ok(cidrContains(cidr("::/0"), cidr("10.0.0.0/8")));
});

test("subtracting blocks adds excepts inside, empties a covered block, ignores disjoint ones", () => {
  const world = { cidr: cidr("0.0.0.0/0"), except: [] };
  const [block] = subtractFromBlock(world, [cidr("10.244.0.0/16"), cidr("10.96.0.0/12"), cidr("fd00::/8")]);
  assert.equal(block.except.map(formatCidr), ["10.96.0.0/12", "10.244.0.0/16"]);
  assert.equal(subtractFromBlock({ cidr: cidr("10.244.1.0/24"), except: [] }, [cidr("10.244.0.0/16")]), []);
  assert.equal(subtractFromBlock({ cidr: cidr("172.17.0.0/16"), except: [] }, [cidr("10.244.0.0/16")])[0].except, []);
});

test("simplifyBlocks drops a block inside another unless an except of the other cuts it", () => {
  const big = { cidr: cidr("10.0.0.0/8"), except: [cidr("10.1.0.0/16")] };
  const inside = { cidr: cidr("10.2.0.0/16"), except: [] };
  const cut = { cidr: cidr("10.1.2.0/24"), except: [] };
  assert.equal(simplifyBlocks([inside, big]), [big]);
  assert.equal(simplifyBlocks([cut, big]).length, 2);
});

test("simplifyBlocks keeps one of two blocks that hold each other with other excepts (the first in its order)", () => {
  // the same addresses written two ways: an except inside another, or two halves for their whole
  const whole = { cidr: cidr("10.0.0.0/8"), except: [cidr("10.0.0.0/24")] };
  const nested = { cidr: cidr("10.0.0.0/8"), except: [cidr("10.0.0.0/24"), cidr("10.0.0.0/25")] };
  const halves = { cidr: cidr("10.0.0.0/8"), except: [cidr("10.0.0.0/25"), cidr("10.0.0.128/25")] };
  for (const blocks of [
    [whole, nested],
    [nested, whole],
    [whole, halves],
    [halves, whole, nested],
  ]) {
    const kept = simplifyBlocks(blocks);
    assert.is(kept.length, 1, blocks.map((b) => b.except.map(formatCidr).join(" ")).join(" / "));
    assert.equal(simplifyBlocks([...blocks].reverse()), kept);
  }
});

test.run();
