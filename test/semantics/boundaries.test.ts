/**
 * The address regions that ipBlocks make of the pod ranges (src/semantics/boundaries.ts), shared by
 * translation validation and the import's check: an address per region (addresses held by the same
 * blocks), checked against a brute force over every address of a small range.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { blockRanges, cidrRange, combinations, rangeAddresses, type Address } from "../../src/semantics/boundaries.js";
import { addressInBlock, formatAddress, type Family, type IpBlock } from "../../src/semantics/ip.js";
import { cidr } from "../support/cidr.js";

const block = (text: string, ...except: string[]): IpBlock => ({ cidr: cidr(text), except: except.map(cidr) });
const regionOf = (blocks: readonly IpBlock[], value: bigint): string =>
  blocks.map((b) => (addressInBlock(4, value, b) ? "1" : "0")).join("");

test("an address per region of the pod range that the blocks tell apart, and none held when no block holds a pod", () => {
  const pods = [cidrRange(cidr("10.244.0.0/16"))];
  const outside = rangeAddresses(pods, [blockRanges(block("0.0.0.0/0", "10.244.0.0/16"))]);
  assert.is(outside.held, false);
  assert.equal(
    outside.byFamily.get(4)!.map((a) => formatAddress(a.family, a.value)),
    ["10.244.0.1"],
  );
  // the /0 excepting half the pods: the half it holds, and the other; the network's own address is skipped
  const half = rangeAddresses(pods, [blockRanges(block("0.0.0.0/0", "10.244.0.0/17"))]);
  assert.is(half.held, true);
  assert.equal(
    half.byFamily.get(4)!.map((a) => formatAddress(a.family, a.value)),
    ["10.244.0.1", "10.244.128.0"],
  );
  // a hole in the middle: the two sides are one region
  const hole = rangeAddresses(pods, [blockRanges(block("10.244.0.0/16", "10.244.7.0/24"))]);
  assert.equal(
    hole.byFamily.get(4)!.map((a) => formatAddress(a.family, a.value)),
    ["10.244.0.1", "10.244.7.0"],
  );
});

test("every region of a small range, and only one address each, whatever the blocks (brute force)", () => {
  let seed = 7;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const range = cidr("10.0.0.0/26");
  const random = () => {
    const prefix = 26 + next(7);
    const base = (10n << 24n) + BigInt(next(64) & ~((1 << (32 - prefix)) - 1));
    return cidr(`${formatAddress(4, base)}/${prefix}`);
  };
  for (let round = 0; round < 200; round++) {
    const blocks: IpBlock[] = Array.from({ length: 1 + next(4) }, () => ({
      cidr: random(),
      except: Array.from({ length: next(4) }, random),
    }));
    const { byFamily, held } = rangeAddresses([cidrRange(range)], blocks.map(blockRanges));
    const found = byFamily.get(4)!.map((a) => regionOf(blocks, a.value));
    const every = new Set<string>();
    for (let v = range.base; v < range.base + 64n; v++) every.add(regionOf(blocks, v));
    assert.equal(new Set(found).size, found.length, "one address per region");
    assert.equal(new Set(found), every, "every region");
    assert.is(
      held,
      [...every].some((r) => r.includes("1")),
    );
  }
});

test("combinations: one address of each family", () => {
  const v4: Address = { family: 4, value: 1n };
  const v6: Address[] = [
    { family: 6, value: 1n },
    { family: 6, value: 2n },
  ];
  assert.equal(
    combinations(
      new Map<Family, Address[]>([
        [4, [v4]],
        [6, v6],
      ]),
    ),
    [
      [v4, v6[0]],
      [v4, v6[1]],
    ],
  );
});

test.run();
