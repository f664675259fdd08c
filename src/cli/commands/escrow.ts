import type { Command } from "commander";
import { KhoRevertError, cancelThaw, deposit, getEscrowAccount, startThaw, withdrawFromEscrow } from "../../sdk";
import { parseAddress } from "../args";
import type { CliContext } from "../context";
import { CliError } from "../errors";
import { formatTime } from "../../render/output";
import { formatTokenAmount, parsePositiveTokenAmount } from "../units";

/** `kho escrow …`: the prepaid balance that pays per-call fees, and its two-step withdrawal. */
export function registerEscrowCommand(program: Command, ctx: CliContext): void {
  const group = program.command("escrow").description("prepaid balance that pays per-call fees");

  group
    .command("deposit")
    .description("deposit tokens into the fee escrow (approves it first when needed)")
    .argument("<amount>", "token amount, e.g. 12.5")
    .option("--for <address>", "credit another payer (default: the key's address)")
    .action(async (amountText: string, opts: { for?: string }) => {
      const amount = parsePositiveTokenAmount(amountText);
      const payer = opts.for === undefined ? undefined : parseAddress(opts.for, "payer");
      const client = await ctx.writeClient();
      const result = await deposit(client, { amount, payer });
      ctx.print(() => `Deposited ${formatTokenAmount(result.deposited)} KHO for ${result.payer} (${result.hash}).`, {
        payer: result.payer,
        deposited: formatTokenAmount(result.deposited),
        hash: result.hash,
        approveHash: result.approveHash ?? null,
      });
    });

  group
    .command("balance")
    .description("a payer's escrow balance, thawing amount and when it can be withdrawn")
    .argument("[address]", "payer address (default: the key's address)")
    .action(async (address: string | undefined) => {
      const given = address === undefined ? undefined : parseAddress(address, "payer");
      const client = await ctx.readClient();
      const payer = given ?? client.account?.address;
      if (payer === undefined) throw new CliError("give an address, or a key with --private-key or KHO_PRIVATE_KEY");
      const account = await getEscrowAccount(client, { payer });
      const json = {
        payer,
        balance: formatTokenAmount(account.balance),
        available: formatTokenAmount(account.available),
        thawing: formatTokenAmount(account.thawing),
        thawEndsAt: account.thawing > 0n ? Number(account.thawEndsAt) : null,
      };
      ctx.print(
        () =>
          `${formatTokenAmount(account.available)} KHO available of ${formatTokenAmount(account.balance)} KHO` +
          (account.thawing > 0n
            ? `; ${formatTokenAmount(account.thawing)} KHO thawing until ${formatTime(account.thawEndsAt)}`
            : ""),
        json,
      );
    });

  group
    .command("thaw")
    .description("start withdrawing part of your balance; it stops paying for new calls at once")
    .argument("<amount>", "token amount to add to the thawing amount")
    .action(async (amountText: string) => {
      const amount = parsePositiveTokenAmount(amountText);
      const client = await ctx.writeClient();
      let result;
      try {
        result = await startThaw(client, { amount });
      } catch (error) {
        if (error instanceof KhoRevertError && error.errorName === "InsufficientAvailable") {
          const available = error.errorArgs[1];
          throw new CliError(
            `cannot thaw ${formatTokenAmount(amount)} KHO: only ${typeof available === "bigint" ? formatTokenAmount(available) : "?"} KHO is available`,
            { cause: error },
          );
        }
        throw error;
      }
      ctx.print(
        () =>
          `${formatTokenAmount(result.thawing)} KHO thawing; withdraw it from ${formatTime(result.thawEndsAt)} (${result.hash}).`,
        { thawing: formatTokenAmount(result.thawing), thawEndsAt: Number(result.thawEndsAt), hash: result.hash },
      );
    });

  group
    .command("cancel-thaw")
    .description("make your thawing amount available for calls again")
    .action(async () => {
      const client = await ctx.writeClient();
      const { hash } = await cancelThaw(client);
      ctx.print(() => `Thaw cancelled (${hash}).`, { hash });
    });

  group
    .command("withdraw")
    .description("withdraw your thawed funds once the thaw period has passed")
    .action(async () => {
      const client = await ctx.writeClient();
      let result;
      try {
        result = await withdrawFromEscrow(client);
      } catch (error) {
        if (error instanceof KhoRevertError && error.errorName === "ThawNotOver") {
          const endsAt = error.errorArgs[1];
          throw new CliError(
            `nothing to withdraw yet: your thawing funds unlock at ${typeof endsAt === "bigint" ? formatTime(endsAt) : "?"}`,
            { cause: error },
          );
        }
        if (error instanceof KhoRevertError && error.errorName === "NothingThawing") {
          throw new CliError("nothing to withdraw: start a thaw with `kho escrow thaw <amount>` first", {
            cause: error,
          });
        }
        throw error;
      }
      ctx.print(() => `Withdrew ${formatTokenAmount(result.amount)} KHO (${result.hash}).`, {
        withdrawn: formatTokenAmount(result.amount),
        hash: result.hash,
      });
    });
}
