import type { Command } from "commander";
import { balanceOf, mint } from "../../sdk";
import { parseAddress } from "../args";
import type { CliContext } from "../context";
import { CliError } from "../errors";
import { formatTokenAmount, parsePositiveTokenAmount } from "../units";

/** `kho token …`: the development token (KHO) used by local chains and the demo. */
export function registerTokenCommand(program: Command, ctx: CliContext): void {
  const group = program.command("token").description("the development token (KHO, 18 decimals)");

  group
    .command("mint")
    .description("mint dev tokens (the token owner only, i.e. the deployer on a local chain)")
    .argument("<to>", "recipient address")
    .argument("<amount>", "token amount, e.g. 1000")
    .action(async (to: string, amountText: string) => {
      const recipient = parseAddress(to, "recipient");
      const amount = parsePositiveTokenAmount(amountText);
      const client = await ctx.writeClient();
      const { hash } = await mint(client, { to: recipient, amount });
      ctx.print(() => `Minted ${formatTokenAmount(amount)} KHO to ${recipient} in ${hash}.`, {
        to: recipient,
        amount: formatTokenAmount(amount),
        hash,
      });
    });

  group
    .command("balance")
    .description("token balance of an address (default: the key's address)")
    .argument("[address]", "account address")
    .action(async (address: string | undefined) => {
      const given = address === undefined ? undefined : parseAddress(address, "account");
      const client = await ctx.readClient();
      const account = given ?? client.account?.address;
      if (account === undefined) throw new CliError("give an address, or a key with --private-key or KHO_PRIVATE_KEY");
      const balance = await balanceOf(client, { account });
      ctx.print(() => `${formatTokenAmount(balance)} KHO`, { address: account, balance: formatTokenAmount(balance) });
    });
}
