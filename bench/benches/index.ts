import type { Bench } from "../lib/types";
import { gasBench } from "./gas";
import { merkleTreeBench } from "./merkle-tree";
import { protocolHashingBench } from "./protocol-hashing";
import { relayerThroughputBench } from "./relayer-throughput";
import { rewardsEpochBench } from "./rewards-epoch";
import { signingBench } from "./signing";

/** Every bench, in the order `npm run bench` runs them. */
export const BENCHES: readonly Bench[] = [
  protocolHashingBench,
  merkleTreeBench,
  signingBench,
  relayerThroughputBench,
  rewardsEpochBench,
  gasBench,
];
