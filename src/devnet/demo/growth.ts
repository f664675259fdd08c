import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Address, Hex } from "viem";
import { loadDataset } from "../../model-server";
import { acceptContributions, createContribution } from "../../model-server/dataset/contributions";
import { datasetContentHash } from "../../protocol/dataset-content-hash";
import { type KhoClient, pinDatasetVersion, publishDatasetVersion } from "../../sdk";
import type { DevNetwork } from "../dev-network";
import { LOCAL_DATASET_FILE } from "../seed";

/** The member (index into the network's members) who writes the new entry. */
export const CONTRIBUTOR_INDEX = 4;

/** The entry that member contributes mid-epoch: the Mekong-delta way of cá kho tộ, which the dataset lacked. */
export const CONTRIBUTED_ENTRY = {
  id: "ca-kho-to-mien-tay",
  title: { vi: "Cá kho tộ kiểu miền Tây", en: "Mekong-delta cá kho tộ" },
  tags: ["miền Tây", "mien Tay", "nước dừa", "tiêu xanh", "Mekong delta"],
  question: { vi: "Cá kho tộ kiểu miền Tây nấu sao?", en: "How is cá kho tộ cooked in the Mekong delta?" },
  answer: {
    vi: "Ở miền Tây, cá kho tộ dùng cá lóc đồng, ướp nước mắm, đường thốt nốt và nước màu, kho trong tộ đất với nước dừa xiêm thay cho nước lã. Kho lửa liu riu cho tới khi nước sánh lại, cuối cùng thả một nhánh tiêu xanh và vài lát ớt. Ăn với cơm nóng và dưa leo hoặc rau luộc chấm nước kho.",
    en: "In the Mekong delta, cá kho tộ uses wild snakehead marinated in fish sauce, palm sugar and caramel sauce, braised in a clay pot with young coconut water instead of plain water. Simmer until the sauce thickens, then add a sprig of green peppercorns and a few slices of chili. Eat with hot rice and cucumber or boiled greens dipped in the braising sauce.",
  },
};

export type GrowLocalDatasetParameters = {
  /** The dataset's steward (who reviews and publishes) and the local model's builder (who pins). */
  steward: KhoClient;
  localBuilder: KhoClient;
  /** Where the new version's file is written; its file:// URL is the version's URI on chain. */
  dir: string;
};

export type GrowLocalDatasetReturnType = {
  contributor: Address;
  entryId: string;
  version: bigint;
  contentHash: Hex;
  uri: string;
};

/**
 * The dataset grows as issue 16 describes it: a member contributes an entry, the steward accepts it
 * into the next version's file and publishes that version on chain, the local model's builder pins
 * it, and the model server serves (and cites) it from then on.
 */
export async function growLocalDataset(
  net: DevNetwork,
  parameters: GrowLocalDatasetParameters,
): Promise<GrowLocalDatasetReturnType> {
  const base = loadDataset(LOCAL_DATASET_FILE);
  const contributor = net.members[CONTRIBUTOR_INDEX]!.address;
  const next = acceptContributions(base, [createContribution(base, CONTRIBUTED_ENTRY, contributor)]);
  await mkdir(parameters.dir, { recursive: true });
  const file = path.join(parameters.dir, `vi-VN-home-cooking.v${next.version}.json`);
  await writeFile(file, `${JSON.stringify(next, null, 2)}\n`);
  const contentHash = datasetContentHash(next);
  const uri = pathToFileURL(file).href;
  const { datasetId, localModelId } = net.seed;
  const { version } = await publishDatasetVersion(parameters.steward, { datasetId, uri, contentHash });
  await pinDatasetVersion(parameters.localBuilder, { modelId: localModelId, datasetId, version });
  await net.serveLocalDataset(file, contentHash);
  return { contributor, entryId: CONTRIBUTED_ENTRY.id, version, contentHash, uri };
}
