import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const DAY = 24 * 60 * 60;

/** Defaults of every module parameter except `genesis`, which has none (see below). */
export const KHO_MODULE_DEFAULTS = {
  epochLength: 7 * DAY,
  batchGracePeriod: 60 * 60,
  unbondingPeriod: 7 * DAY,
  timelock: DAY,
  /** Tokens a community bonds before it can be recognized (1 000 KHO). */
  minBond: 1000n * 10n ** 18n,
  /** Seconds after a batch's epoch closes by which the relayer settles it in FeeEscrow. */
  settlementWindow: DAY,
  /** FeeEscrow thaw period: epochLength + batchGracePeriod + settlementWindow of the defaults above. */
  thawPeriod: 7 * DAY + 60 * 60 + DAY,
  /** Share of every operator credit that funds the RewardDistributor, in basis points (10%). */
  protocolFeeBps: 1000,
} as const;

/**
 * Deploys the whole protocol: KhoToken, CommunityRegistry, DatasetStaking, ModelRegistry, UsageLedger,
 * RewardDistributor and FeeEscrow, every one administered by `admin` (default: the deployer).
 *
 * `genesis` is required: Ignition builds modules before it talks to the chain, so it cannot read the
 * block time. scripts/deploy.ts (through scripts/lib/deploy-kho.ts) passes the latest block's timestamp
 * rounded down to the hour. Roles set here: the poster and guardian of RewardDistributor and the
 * governor of CommunityRegistry (default: the deployer). `thawPeriod` must be at least
 * epochLength + batchGracePeriod + settlementWindow (FeeEscrow's constructor checks it); deploy-kho.ts derives it. Use KhoWithRelayerModule to authorize a relayer key in the same deployment.
 */
const KhoModule = buildModule("Kho", (m) => {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const poster = m.getParameter("poster", deployer);
  const guardian = m.getParameter("guardian", deployer);
  const genesis = m.getParameter<bigint>("genesis");
  const epochLength = m.getParameter("epochLength", KHO_MODULE_DEFAULTS.epochLength);
  const batchGracePeriod = m.getParameter("batchGracePeriod", KHO_MODULE_DEFAULTS.batchGracePeriod);
  const unbondingPeriod = m.getParameter("unbondingPeriod", KHO_MODULE_DEFAULTS.unbondingPeriod);
  const timelock = m.getParameter("timelock", KHO_MODULE_DEFAULTS.timelock);
  const governor = m.getParameter("governor", deployer);
  const minBond = m.getParameter("minBond", KHO_MODULE_DEFAULTS.minBond);
  const settlementWindow = m.getParameter("settlementWindow", KHO_MODULE_DEFAULTS.settlementWindow);
  const thawPeriod = m.getParameter("thawPeriod", KHO_MODULE_DEFAULTS.thawPeriod);
  const protocolFeeBps = m.getParameter("protocolFeeBps", KHO_MODULE_DEFAULTS.protocolFeeBps);

  const token = m.contract("KhoToken", [admin]);
  const communities = m.contract("CommunityRegistry", [admin, governor, token, minBond]);
  const staking = m.contract("DatasetStaking", [token, communities, unbondingPeriod, admin]);
  const models = m.contract("ModelRegistry", [communities, staking, admin]);
  const ledger = m.contract("UsageLedger", [admin, genesis, epochLength, batchGracePeriod]);
  const distributor = m.contract("RewardDistributor", [token, admin, poster, guardian, timelock]);
  const escrow = m.contract("FeeEscrow", [
    token,
    ledger,
    distributor,
    admin,
    thawPeriod,
    settlementWindow,
    protocolFeeBps,
  ]);

  return { token, communities, staking, models, ledger, distributor, escrow };
});

/**
 * KhoModule plus `addRelayer(relayer)` on the UsageLedger. The call is sent by the deployer, so the
 * deployer must be the admin (the default); with another admin, that admin adds the relayer itself.
 */
export const KhoWithRelayerModule = buildModule("KhoWithRelayer", (m) => {
  const kho = m.useModule(KhoModule);
  const relayer = m.getParameter<string>("relayer");
  m.call(kho.ledger, "addRelayer", [relayer], { id: "UsageLedger_addRelayer" });
  return kho;
});

export default KhoModule;
