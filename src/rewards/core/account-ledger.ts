import type { Address } from "viem";
import { byString } from "./prepare-inputs";
import type {
  AccountReward,
  BuilderExplanation,
  ContributorExplanation,
  OperatorExplanation,
  RewardRole,
  StakerExplanation,
} from "./types";

/** Merges every role's payouts per address, so one account that is builder, operator and staker gets one total. */
export class AccountLedger {
  readonly #accounts = new Map<string, AccountReward>();

  #get(account: Address): AccountReward {
    const key = account.toLowerCase();
    let entry = this.#accounts.get(key);
    if (!entry) {
      entry = {
        account,
        amount: 0n,
        byRole: { builder: 0n, operator: 0n, staker: 0n, contributor: 0n },
        builder: [],
        operator: [],
        staker: [],
        contributor: [],
      };
      this.#accounts.set(key, entry);
    }
    return entry;
  }

  #credit(entry: AccountReward, role: RewardRole, amount: bigint): void {
    entry.amount += amount;
    entry.byRole[role] += amount;
  }

  builder(account: Address, explanation: BuilderExplanation): void {
    const entry = this.#get(account);
    entry.builder.push(explanation);
    this.#credit(entry, "builder", explanation.amount);
  }

  operator(account: Address, explanation: OperatorExplanation): void {
    const entry = this.#get(account);
    entry.operator.push(explanation);
    this.#credit(entry, "operator", explanation.amount);
  }

  staker(account: Address, explanation: StakerExplanation): void {
    const entry = this.#get(account);
    entry.staker.push(explanation);
    this.#credit(entry, "staker", explanation.amount);
  }

  contributor(account: Address, explanation: ContributorExplanation): void {
    const entry = this.#get(account);
    entry.contributor.push(explanation);
    this.#credit(entry, "contributor", explanation.amount);
  }

  total(): bigint {
    let sum = 0n;
    for (const entry of this.#accounts.values()) sum += entry.amount;
    return sum;
  }

  /** Accounts in ascending lower-case address order. Explanations were pushed in id order already. */
  sorted(): AccountReward[] {
    return [...this.#accounts.keys()].sort(byString).map((key) => this.#accounts.get(key)!);
  }
}
