// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IFeeEscrow} from "./interfaces/IFeeEscrow.sol";
import {IRewardDistributor} from "./interfaces/IRewardDistributor.sol";
import {IUsageLedger} from "./interfaces/IUsageLedger.sol";

/**
 * @title FeeEscrow
 * @author Kho
 * @notice See {IFeeEscrow}. DEFAULT_ADMIN_ROLE sets the protocol fee and nothing else: it cannot move payer funds.
 *
 * Limitations:
 * - The committing relayer is trusted on the settlement amounts, bounded by each payer's balance. A relayer that
 *   overcharges is caught off-chain (the batch file's settlement must equal the sums of its receipts) and its key
 *   revoked; a revoked key can no longer settle, so settle every batch before rotating the relayer.
 * - The settlement window is the relayer's deadline, not enforced here: a batch settled after it may find that a
 *   payer withdrew and then reverts with {InsufficientBalance}.
 * - Operators are paid by push: an operator the token refuses to pay blocks its batch's settlement.
 * - With a fee-on-transfer token, deposits credit what arrived and operators receive less than their payout.
 */
contract FeeEscrow is IFeeEscrow, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Basis points in 100%.
    uint256 public constant MAX_BPS = 10_000;

    /// @notice The fee token (the token the RewardDistributor pays out).
    IERC20 private immutable _TOKEN;
    /// @notice The ledger whose committed batches are settled.
    IUsageLedger private immutable _LEDGER;
    /// @notice The reward treasury the protocol share funds.
    IRewardDistributor private immutable _DISTRIBUTOR;
    /// @notice Seconds between startThaw and the earliest withdraw.
    uint64 private immutable _THAW_PERIOD;
    /// @notice Seconds after a batch's epoch closes by which its relayer settles it.
    uint64 private immutable _SETTLEMENT_WINDOW;

    /// @notice Basis points of every operator credit that go to the distributor; written by the admin.
    uint256 private _protocolFeeBps;
    /// @notice Sum of every account's balance; written by deposits, settlements and withdrawals.
    uint256 private _totalBalance;
    /// @notice Each payer's account; written by the payer (deposit, thaw, withdraw), depositors and settlements.
    mapping(address payer => Account account) private _accounts;
    /// @notice Which batches were settled; written once per batch by its relayer.
    mapping(address relayer => mapping(uint64 batchId => bool settled)) private _settled;

    /**
     * @param token_ The fee token; must be the distributor's token.
     * @param ledger_ The UsageLedger whose batches are settled (and whose epoch clock bounds the thaw period).
     * @param distributor_ The RewardDistributor the protocol share funds.
     * @param admin Holder of DEFAULT_ADMIN_ROLE (sets the protocol fee).
     * @param thawPeriod_ At least `ledger.epochLength() + ledger.batchGracePeriod() + settlementWindow_`.
     * @param settlementWindow_ Seconds after a batch's epoch closes by which the relayer settles it.
     * @param protocolFeeBps_ Initial protocol fee, at most 10 000.
     */
    constructor(
        IERC20 token_,
        IUsageLedger ledger_,
        IRewardDistributor distributor_,
        address admin,
        uint64 thawPeriod_,
        uint64 settlementWindow_,
        uint256 protocolFeeBps_
    ) AccessControlDefaultAdminRules(0, admin) {
        if (address(token_) == address(0)) revert ZeroAddress("token");
        if (address(ledger_) == address(0)) revert ZeroAddress("ledger");
        if (address(distributor_) == address(0)) revert ZeroAddress("distributor");
        address distributorToken = distributor_.token();
        if (distributorToken != address(token_)) revert TokenMismatch(address(token_), distributorToken);
        uint256 minimum = uint256(ledger_.epochLength()) + ledger_.batchGracePeriod() + settlementWindow_;
        if (thawPeriod_ < minimum) revert ThawPeriodTooShort(thawPeriod_, minimum);
        _TOKEN = token_;
        _LEDGER = ledger_;
        _DISTRIBUTOR = distributor_;
        _THAW_PERIOD = thawPeriod_;
        _SETTLEMENT_WINDOW = settlementWindow_;
        _setProtocolFeeBps(protocolFeeBps_);
    }

    /// @inheritdoc IFeeEscrow
    function deposit(uint256 amount) external nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IFeeEscrow
    function depositFor(address payer, uint256 amount) external nonReentrant {
        if (payer == address(0)) revert ZeroAddress("payer");
        _deposit(payer, amount);
    }

    /// @inheritdoc IFeeEscrow
    function startThaw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Account storage account = _accounts[msg.sender];
        uint256 available = account.balance - account.thawing;
        if (amount > available) revert InsufficientAvailable(msg.sender, available, amount);
        account.thawing += amount;
        account.thawEndsAt = uint64(block.timestamp) + _THAW_PERIOD;
        emit ThawStarted(msg.sender, account.thawing, account.thawEndsAt);
    }

    /// @inheritdoc IFeeEscrow
    function cancelThaw() external {
        Account storage account = _accounts[msg.sender];
        if (account.thawing == 0) revert NothingThawing(msg.sender);
        account.thawing = 0;
        account.thawEndsAt = 0;
        emit ThawCancelled(msg.sender);
    }

    /// @inheritdoc IFeeEscrow
    function withdraw() external nonReentrant returns (uint256 amount) {
        Account storage account = _accounts[msg.sender];
        // Settlements keep thawing <= balance, so this is min(thawing, balance).
        amount = account.thawing;
        if (amount == 0) revert NothingThawing(msg.sender);
        if (block.timestamp < account.thawEndsAt) revert ThawNotOver(msg.sender, account.thawEndsAt, block.timestamp);
        account.balance -= amount;
        account.thawing = 0;
        account.thawEndsAt = 0;
        _totalBalance -= amount;
        emit Withdrawn(msg.sender, amount);
        _TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IFeeEscrow
    function settleBatch(
        uint64 batchId,
        IUsageLedger.BatchHeader calldata batch,
        PayerCharge[] calldata charges,
        OperatorCredit[] calldata credits
    ) external nonReentrant {
        if (!_LEDGER.isRelayer(msg.sender)) revert NotRelayer(msg.sender);
        if (!_LEDGER.isBatchCommitted(msg.sender, batchId, batch)) revert BatchNotCommitted(msg.sender, batchId);
        if (_settled[msg.sender][batchId]) revert BatchAlreadySettled(msg.sender, batchId);
        if (charges.length == 0 || credits.length == 0) revert EmptySettlement();
        _settled[msg.sender][batchId] = true;

        uint256 charged = 0;
        for (uint256 i = 0; i < charges.length; ++i) {
            PayerCharge calldata charge = charges[i];
            Account storage account = _accounts[charge.payer];
            uint256 balance = account.balance;
            if (charge.amount > balance) revert InsufficientBalance(charge.payer, balance, charge.amount);
            // charge.amount <= balance, checked above.
            unchecked {
                balance -= charge.amount;
            }
            account.balance = balance;
            // The charge pays for calls served before any thaw began, so it may consume thawing funds.
            if (account.thawing > balance) account.thawing = balance;
            charged += charge.amount;
            emit PayerCharged(msg.sender, batchId, charge.payer, charge.amount);
        }

        uint256 credited = 0;
        uint256 protocolShare = 0;
        uint256 feeBps = _protocolFeeBps;
        for (uint256 i = 0; i < credits.length; ++i) {
            if (credits[i].operator == address(0)) revert ZeroAddress("operator");
            credited += credits[i].amount;
            protocolShare += (credits[i].amount * feeBps) / MAX_BPS;
        }
        if (charged != credited) revert SettlementUnbalanced(charged, credited);
        // Every charge was covered by a balance, so their sum is at most the total.
        unchecked {
            _totalBalance -= charged;
        }
        emit BatchSettled(msg.sender, batchId, charged, protocolShare);

        for (uint256 i = 0; i < credits.length; ++i) {
            OperatorCredit calldata credit = credits[i];
            // share <= amount because feeBps <= MAX_BPS.
            uint256 paid = credit.amount - (credit.amount * feeBps) / MAX_BPS;
            emit OperatorPaid(msg.sender, batchId, credit.operator, paid);
            if (paid != 0) _TOKEN.safeTransfer(credit.operator, paid);
        }
        if (protocolShare != 0) {
            _TOKEN.forceApprove(address(_DISTRIBUTOR), protocolShare);
            _DISTRIBUTOR.fund(batch.epoch, protocolShare);
        }
    }

    /// @inheritdoc IFeeEscrow
    function setProtocolFeeBps(uint256 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setProtocolFeeBps(bps);
    }

    /// @inheritdoc IFeeEscrow
    function accountOf(address payer) external view returns (uint256 balance, uint256 thawing, uint64 thawEndsAt) {
        Account storage account = _accounts[payer];
        return (account.balance, account.thawing, account.thawEndsAt);
    }

    /// @inheritdoc IFeeEscrow
    function availableOf(address payer) external view returns (uint256 available) {
        Account storage account = _accounts[payer];
        return account.balance - account.thawing;
    }

    /// @inheritdoc IFeeEscrow
    function isSettled(address relayer, uint64 batchId) external view returns (bool settled) {
        return _settled[relayer][batchId];
    }

    /// @inheritdoc IFeeEscrow
    function thawPeriod() external view returns (uint64 period) {
        return _THAW_PERIOD;
    }

    /// @inheritdoc IFeeEscrow
    function settlementWindow() external view returns (uint64 window) {
        return _SETTLEMENT_WINDOW;
    }

    /// @inheritdoc IFeeEscrow
    function protocolFeeBps() external view returns (uint256 bps) {
        return _protocolFeeBps;
    }

    /// @inheritdoc IFeeEscrow
    function totalBalance() external view returns (uint256 total) {
        return _totalBalance;
    }

    /// @inheritdoc IFeeEscrow
    function token() external view returns (address token_) {
        return address(_TOKEN);
    }

    /// @inheritdoc IFeeEscrow
    function ledger() external view returns (address ledger_) {
        return address(_LEDGER);
    }

    /// @inheritdoc IFeeEscrow
    function distributor() external view returns (address distributor_) {
        return address(_DISTRIBUTOR);
    }

    function _deposit(address payer, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        uint256 before = _TOKEN.balanceOf(address(this));
        _TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        // Credit what arrived, so a fee-on-transfer token cannot credit more than the escrow holds.
        uint256 received = _TOKEN.balanceOf(address(this)) - before;
        if (received == 0) revert NothingReceived(amount);
        _accounts[payer].balance += received;
        _totalBalance += received;
        emit Deposited(payer, msg.sender, received);
    }

    function _setProtocolFeeBps(uint256 bps) private {
        if (bps > MAX_BPS) revert ProtocolFeeTooHigh(bps);
        emit ProtocolFeeSet(_protocolFeeBps, bps);
        _protocolFeeBps = bps;
    }
}
