// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "./IKhoErrors.sol";
import {IUsageLedger} from "./IUsageLedger.sol";

/**
 * @title IFeeEscrow
 * @author Kho
 * @notice Prepaid balances that pay per-call fees. Payers (API-key owners, wallet users) deposit tokens; the relayer
 * serves calls against a payer's available balance and, once it has committed a batch of receipts in the
 * UsageLedger, settles that batch here: each payer is charged the sum of its receipts' fees and each serving
 * operator is credited the sum of the fees of the calls it served, minus the protocol share, which funds the
 * RewardDistributor (the reward treasury `kho rewards publish` spends).
 *
 * Withdrawal is two-step. {startThaw} marks part of the balance as thawing: it is no longer available for new calls
 * but still pays for calls already served. Only after `thawPeriod` can {withdraw} take it. The thaw period is at
 * least an epoch plus the ledger's batch grace period plus the settlement window, so every call served before a
 * thaw started is committed and settled before the money can leave.
 */
interface IFeeEscrow is IKhoErrors {
    /// @notice A payer's escrow account.
    struct Account {
        uint256 balance;
        uint256 thawing;
        uint64 thawEndsAt;
    }

    /// @notice What one payer owes for one batch (Σ fee of its receipts in the batch).
    struct PayerCharge {
        address payer;
        uint256 amount;
    }

    /// @notice What one operator earned in one batch before the protocol share (Σ fee of the calls it served).
    struct OperatorCredit {
        address operator;
        uint256 amount;
    }

    /// @notice `thawPeriod` is shorter than `minimum` = epoch length + batch grace period + settlement window.
    error ThawPeriodTooShort(uint256 thawPeriod, uint256 minimum);

    /// @notice The escrow's `token` differs from the token `distributorToken` of the RewardDistributor it funds.
    error TokenMismatch(address token, address distributorToken);

    /// @notice A protocol fee of `bps` basis points exceeds 10 000 (100%).
    error ProtocolFeeTooHigh(uint256 bps);

    /// @notice `payer` has `available` tokens not thawing but asked to thaw `requested`.
    error InsufficientAvailable(address payer, uint256 available, uint256 requested);

    /// @notice `payer` has nothing thawing.
    error NothingThawing(address payer);

    /// @notice `payer`'s thaw ends at `thawEndsAt`; it is `now`.
    error ThawNotOver(address payer, uint64 thawEndsAt, uint256 now);

    /// @notice `relayer` committed no batch `batchId` with the given header in the UsageLedger.
    error BatchNotCommitted(address relayer, uint64 batchId);

    /// @notice Batch `batchId` of `relayer` was already settled.
    error BatchAlreadySettled(address relayer, uint64 batchId);

    /// @notice A settlement must name at least one charge and one credit.
    error EmptySettlement();

    /// @notice The charges of a settlement add up to `charged` but its credits to `credited`.
    error SettlementUnbalanced(uint256 charged, uint256 credited);

    /// @notice `payer`'s balance of `balance` cannot cover a charge of `amount`.
    error InsufficientBalance(address payer, uint256 balance, uint256 amount);

    /// @notice `from` deposited `amount` tokens (what arrived) into `payer`'s account.
    event Deposited(address indexed payer, address indexed from, uint256 amount);

    /// @notice `payer` started thawing `amount` (its whole thawing amount), withdrawable from `thawEndsAt`.
    event ThawStarted(address indexed payer, uint256 amount, uint64 thawEndsAt);

    /// @notice `payer` cancelled its thaw; the thawing amount is available again.
    event ThawCancelled(address indexed payer);

    /// @notice `payer` withdrew `amount` tokens.
    event Withdrawn(address indexed payer, uint256 amount);

    /// @notice `payer` was charged `amount` in batch `batchId` of `relayer`.
    event PayerCharged(address indexed relayer, uint64 indexed batchId, address indexed payer, uint256 amount);

    /// @notice `operator` was paid `paid` (its credit minus the protocol share) in batch `batchId` of `relayer`.
    event OperatorPaid(address indexed relayer, uint64 indexed batchId, address indexed operator, uint256 paid);

    /**
     * @notice Batch `batchId` of `relayer` settled: `total` was charged, of which `protocolShare` funded the
     * RewardDistributor for the batch's epoch.
     */
    event BatchSettled(address indexed relayer, uint64 indexed batchId, uint256 total, uint256 protocolShare);

    /// @notice The admin changed the protocol share of every later settlement.
    event ProtocolFeeSet(uint256 oldBps, uint256 newBps);

    /**
     * @notice Deposits `amount` tokens into the caller's account (approve the escrow first).
     * @dev Credits what arrived, so a fee-on-transfer token credits less than `amount`.
     * Requirements: `amount > 0`; something arrives. Emits {Deposited}.
     * @param amount Token units to pull from the caller.
     */
    function deposit(uint256 amount) external;

    /**
     * @notice Deposits `amount` tokens from the caller into `payer`'s account (e.g. a company funding its API key).
     * Requirements: `payer != 0`; `amount > 0`; something arrives. Emits {Deposited}.
     * @param payer The account credited.
     * @param amount Token units to pull from the caller.
     */
    function depositFor(address payer, uint256 amount) external;

    /**
     * @notice Marks `amount` of the caller's balance as thawing, restarting the clock: the whole thawing amount
     * (earlier thaws included) becomes withdrawable at `now + thawPeriod`. Thawing funds no longer pay for new calls.
     * Requirements: `amount > 0`; `amount <= availableOf(caller)`. Emits {ThawStarted}.
     * @param amount Token units to add to the thawing amount.
     */
    function startThaw(uint256 amount) external;

    /**
     * @notice Makes the caller's thawing amount available again.
     * Requirements: something is thawing. Emits {ThawCancelled}.
     */
    function cancelThaw() external;

    /**
     * @notice After the thaw ended, pays the caller `min(thawing, balance)` (charges may have consumed thawing funds).
     * Requirements: something is thawing; `block.timestamp >= thawEndsAt`. Emits {Withdrawn}.
     * @return amount Token units sent.
     */
    function withdraw() external returns (uint256 amount);

    /**
     * @notice Settles batch `batchId` that the caller committed in the UsageLedger: charges each payer, pays each
     * operator its credit minus `credit × protocolFeeBps / 10 000` and funds the RewardDistributor with the rest for
     * the batch's epoch. The contract trusts the committing relayer on the amounts, bounded by payer balances;
     * anyone can recompute them from the batch file (whose hash the ledger holds) and its receipts.
     * Requirements: caller is a relayer in the UsageLedger and committed `batchId` with header `batch`; the batch is
     * not settled yet;
     * at least one charge and one credit; Σ charges == Σ credits; each payer's balance covers its charge (thawing
     * funds included). Emits {PayerCharged} per charge, {OperatorPaid} per credit and {BatchSettled}.
     * @param batchId The caller's batch id in the UsageLedger.
     * @param batch The batch's committed header (the ledger stores only its hash); its epoch tags the funding.
     * @param charges What each payer owes (a payer may appear more than once; the amounts add up).
     * @param credits What each serving operator earned before the protocol share.
     */
    function settleBatch(
        uint64 batchId,
        IUsageLedger.BatchHeader calldata batch,
        PayerCharge[] calldata charges,
        OperatorCredit[] calldata credits
    ) external;

    /**
     * @notice Sets the protocol share of later settlements. Only DEFAULT_ADMIN_ROLE.
     * Requirements: `bps <= 10 000`. Emits {ProtocolFeeSet}.
     * @param bps Basis points of every operator credit that fund the RewardDistributor.
     */
    function setProtocolFeeBps(uint256 bps) external;

    /**
     * @notice `payer`'s account.
     * @param payer The payer.
     * @return balance Tokens held for the payer (thawing included).
     * @return thawing Part of `balance` being withdrawn (no longer available for new calls).
     * @return thawEndsAt When the thawing amount becomes withdrawable (0 when nothing thaws).
     */
    function accountOf(address payer) external view returns (uint256 balance, uint256 thawing, uint64 thawEndsAt);

    /**
     * @notice What new calls may still spend: `balance − thawing`.
     * @param payer The payer.
     * @return available Token units.
     */
    function availableOf(address payer) external view returns (uint256 available);

    /**
     * @notice Whether batch `batchId` of `relayer` has been settled.
     * @param relayer The relayer that committed the batch.
     * @param batchId The batch id.
     * @return settled True once settled.
     */
    function isSettled(address relayer, uint64 batchId) external view returns (bool settled);

    /**
     * @notice Seconds between {startThaw} and the earliest {withdraw}.
     * @return period The thaw period.
     */
    function thawPeriod() external view returns (uint64 period);

    /**
     * @notice Seconds the relayer has after a batch's epoch closes (end + batch grace period) to settle it; part of
     * the thaw period's lower bound.
     * @return window The settlement window.
     */
    function settlementWindow() external view returns (uint64 window);

    /**
     * @notice Basis points of every operator credit that fund the RewardDistributor.
     * @return bps The protocol fee.
     */
    function protocolFeeBps() external view returns (uint256 bps);

    /**
     * @notice Sum of all payer balances (what the escrow owes payers).
     * @return total Token units.
     */
    function totalBalance() external view returns (uint256 total);

    /**
     * @notice The fee token.
     * @return token_ Its address.
     */
    function token() external view returns (address token_);

    /**
     * @notice The UsageLedger whose batches are settled here.
     * @return ledger_ Its address.
     */
    function ledger() external view returns (address ledger_);

    /**
     * @notice The RewardDistributor the protocol share funds.
     * @return distributor_ Its address.
     */
    function distributor() external view returns (address distributor_);
}
