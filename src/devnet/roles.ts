import { type Hex, keccak256, stringToHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import type { LocalAccount } from "./local-chain";

/**
 * Who is who on a local Kho network. Funded roles are Hardhat's well-known development accounts
 * (never use them on a real chain); community members and visitors only sign requests, so they
 * are derived from fixed seeds and hold no ether.
 */
export type DevRoles = {
  deployer: LocalAccount;
  relayer: LocalAccount;
  steward: LocalAccount;
  localBuilder: LocalAccount;
  genericBuilder: LocalAccount;
  localOperator: LocalAccount;
  genericOperators: LocalAccount[];
  earlyStaker: LocalAccount;
  lateStaker: LocalAccount;
  appDeveloper: LocalAccount;
};

export const GENERIC_DEPLOYMENTS = 5;
export const DEV_ACCOUNTS_NEEDED = 14;

export function devRoles(accounts: readonly LocalAccount[]): DevRoles {
  if (accounts.length < DEV_ACCOUNTS_NEEDED) {
    throw new Error(`a local Kho network needs ${DEV_ACCOUNTS_NEEDED} funded accounts, got ${accounts.length}`);
  }
  const at = (i: number): LocalAccount => accounts[i]!;
  return {
    deployer: at(0),
    relayer: at(1),
    steward: at(2),
    localBuilder: at(3),
    genericBuilder: at(4),
    localOperator: at(5),
    genericOperators: [at(6), at(7), at(8), at(9), at(10)],
    earlyStaker: at(11),
    lateStaker: at(12),
    appDeveloper: at(13),
  };
}

/** A community member's wallet: deterministic, so demo output is the same on every run. */
export function memberWallet(index: number): PrivateKeyAccount & { privateKey: Hex } {
  const privateKey = keccak256(stringToHex(`kho-demo-member-${index}`));
  return Object.assign(privateKeyToAccount(privateKey), { privateKey });
}
