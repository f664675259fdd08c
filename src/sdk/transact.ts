import {
  type Abi,
  type Address,
  type ContractEventName,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type GetEventArgs,
  type Hash,
  type Log,
  type TransactionReceipt,
  BaseError,
  ContractFunctionRevertedError,
  isAddressEqual,
  parseEventLogs,
} from "viem";
import {
  communityRegistryAbi,
  datasetStakingAbi,
  feeEscrowAbi,
  khoTokenAbi,
  modelRegistryAbi,
  rewardDistributorAbi,
  usageLedgerAbi,
} from "../protocol/abis";
import { type KhoClient, requireWallet } from "./client";
import { type KhoRecordKind, KhoNotFoundError } from "./errors";
import { KhoError } from "../protocol/errors";
import { formatKho } from "../protocol/token-units";
import type { BaseError as ViemBaseError } from "viem";

export type TransactParameters<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
> = {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>;
};

export type TransactReturnType = { hash: Hash; receipt: TransactionReceipt; logs: Log[] };
export type TransactErrorType = KhoRevertError | KhoNotFoundError | ViemBaseError;

/** A transaction (or call) that reverted, with the contract's custom error decoded. */
export class KhoRevertError extends KhoError {
  override name = "KhoRevertError";
  readonly code = "contract_reverted";
  constructor(
    readonly functionName: string,
    readonly errorName: string | undefined,
    readonly errorArgs: readonly unknown[],
    options?: { cause?: unknown; argNames?: readonly (string | undefined)[] },
  ) {
    super(
      errorName
        ? `${functionName} reverted with ${errorName}(${errorArgs.map((arg, i) => formatArg(arg, options?.argNames?.[i])).join(", ")})`
        : `${functionName} reverted`,
      options,
    );
  }
}

/**
 * Parameter names of the contracts' custom errors (and OpenZeppelin's ERC-20 errors) that hold
 * token amounts. Every amount in Kho is in the Kho token, so these are shown as `12.5 KHO`.
 */
const TOKEN_AMOUNT_ARGS = new Set([
  "amount",
  "balance",
  "available",
  "requested",
  "stake",
  "bond",
  "minBond",
  "totalCumulative",
  "currentTotalCumulative",
  "totalFunded",
  "cumulativeAmount",
  "charged",
  "credited",
  "allowance",
  "needed",
]);

function formatArg(value: unknown, name?: string): string {
  if (typeof value === "bigint")
    return name !== undefined && TOKEN_AMOUNT_ARGS.has(name) ? formatKho(value) : value.toString();
  // Strings (slugs, names, fields) are quoted so their bounds are visible; hex values are not.
  if (typeof value === "string") return /^0x[0-9a-fA-F]*$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * Custom errors of every Kho contract and of the token. A call can revert inside another contract
 * (DatasetStaking pulling tokens fails with the token's ERC20InsufficientAllowance), and viem only
 * decodes errors present in the ABI it was given, so every call is simulated with these appended.
 */
const KNOWN_ERRORS: Abi = [
  ...khoTokenAbi,
  ...communityRegistryAbi,
  ...datasetStakingAbi,
  ...modelRegistryAbi,
  ...usageLedgerAbi,
  ...rewardDistributorAbi,
  ...feeEscrowAbi,
].filter((item, index, all) => {
  if (item.type !== "error") return false;
  const signature = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
  return (
    all.findIndex(
      (other) => other.type === "error" && `${other.name}(${other.inputs.map((i) => i.type).join(",")})` === signature,
    ) === index
  );
});

function withKnownErrors(abi: Abi): Abi {
  return [...abi, ...KNOWN_ERRORS];
}

/** `XNotFound(uint256 id)` errors of the registries, reported as "model 42 does not exist". */
const notFoundErrors: Record<string, KhoRecordKind> = {
  CommunityNotFound: "community",
  ModelNotFound: "model",
  DatasetNotFound: "dataset",
  DeploymentNotFound: "deployment",
};

/** Decodes a viem error into the contract's custom error when there is one. */
export function decodeRevert(error: unknown, functionName: string): Error {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName ?? undefined;
      const args = reverted.data?.args ?? [];
      const abiItem = reverted.data?.abiItem;
      const argNames = abiItem && "inputs" in abiItem ? abiItem.inputs.map((input) => input.name) : undefined;
      const revert = new KhoRevertError(functionName, name, args, { cause: error, argNames });
      const kind = name === undefined ? undefined : notFoundErrors[name];
      if (kind && typeof args[0] === "bigint") return new KhoNotFoundError(kind, args[0], { cause: revert });
      return revert;
    }
    return new Error(`${functionName} failed: ${error.shortMessage}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Simulates first (so a revert comes back decoded, without spending gas), then sends, waits for
 * the configured confirmations and returns the receipt with its logs.
 */
export async function transact<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
>(client: KhoClient, parameters: TransactParameters<abi, functionName>): Promise<TransactReturnType> {
  const wallet = requireWallet(client, parameters.functionName);
  let hash: Hash;
  try {
    const { request } = await client.public.simulateContract({
      ...(parameters as never as Parameters<typeof client.public.simulateContract>[0]),
      abi: withKnownErrors(parameters.abi),
      account: wallet.account,
    });
    hash = await wallet.writeContract(request as Parameters<typeof wallet.writeContract>[0]);
  } catch (error) {
    throw decodeRevert(error, parameters.functionName);
  }
  client.onTransaction?.({ stage: "sent", functionName: parameters.functionName, hash });
  const receipt = await client.public.waitForTransactionReceipt({ hash, confirmations: client.confirmations });
  if (receipt.status !== "success") throw new KhoRevertError(parameters.functionName, undefined, []);
  client.onTransaction?.({
    stage: "confirmed",
    functionName: parameters.functionName,
    hash,
    blockNumber: receipt.blockNumber,
  });
  return { hash, receipt, logs: receipt.logs };
}

export type ReadParameters<abi extends Abi, functionName extends ContractFunctionName<abi, "view" | "pure">> = {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, "view" | "pure", functionName>;
};

/** `readContract` with the revert decoded like {@link transact} does (unknown ids become KhoNotFoundError). */
export async function read<const abi extends Abi, functionName extends ContractFunctionName<abi, "view" | "pure">>(
  client: KhoClient,
  parameters: ReadParameters<abi, functionName>,
): Promise<ContractFunctionReturnType<abi, "view" | "pure", functionName>> {
  try {
    const result: unknown = await client.public.readContract({
      ...(parameters as never as Parameters<typeof client.public.readContract>[0]),
      abi: withKnownErrors(parameters.abi),
    });
    return result as ContractFunctionReturnType<abi, "view" | "pure", functionName>;
  } catch (error) {
    throw decodeRevert(error, parameters.functionName);
  }
}

/**
 * Args of the first `eventName` event in a transaction's logs, optionally only from `address`
 * (another contract may emit an event with the same signature in the same transaction).
 */
export function eventArgs<const abi extends Abi, eventName extends ContractEventName<abi>>(
  abi: abi,
  logs: Log[],
  eventName: eventName,
  address?: Address,
): EventArgs<abi, eventName> {
  const from = address === undefined ? logs : logs.filter((l) => isAddressEqual(l.address, address));
  const parsed = parseEventLogs({ abi, logs: from, eventName, strict: true });
  const first = parsed[0];
  if (!first) throw new Error(`transaction emitted no ${eventName} event`);
  return first.args as EventArgs<abi, eventName>;
}

/** Every argument of an event, as decoded from a log. */
export type EventArgs<abi extends Abi, eventName extends string> = GetEventArgs<
  abi,
  eventName,
  { EnableUnion: false; IndexedOnly: false; Required: true }
>;
