// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRewardDistributor} from "./interfaces/IRewardDistributor.sol";

/**
 * @title RewardDistributor
 * @author Kho
 * @notice Cumulative Merkle reward distribution in the style of Morpho's Universal Rewards
 * Distributor: a poster proposes a root naming each account's cumulative payout, the root waits
 * out a timelock during which a guardian can revoke it, then anyone accepts it and accounts claim
 * the difference between their cumulative amount and what they already received.
 *
 * Roles: DEFAULT_ADMIN_ROLE manages every role and is the only one that can unpause;
 * POSTER_ROLE proposes roots; GUARDIAN_ROLE revokes pending roots; PAUSER_ROLE stops claims
 * (granted to both admin and guardian at deployment, so the guardian can freeze payouts at once
 * while resuming them needs the admin). Because unpausing and re-granting a lost guardian need the
 * admin, DEFAULT_ADMIN_ROLE follows AccessControlDefaultAdminRules: one admin, handed over in two steps.
 *
 * Claims cost what a minimal cumulative distributor's do (docs/benchmarks.md "gas"): every check
 * that does not depend on the claimant happens where roots are proposed or accepted, and pausing
 * clears the root claims are checked against (`_claimRoot`) instead of adding a flag every claim
 * would read.
 *
 * Limitations:
 * - The poster is trusted to compute the tree honestly (the reward pipeline is reproducible from
 *   public data, so anyone can check a pending root and the sum of its tree file). That trust is
 *   bounded by the timelock, during which the guardian can revoke, and by the funding bound below.
 * - `totalCumulative` is the poster's statement of the tree's sum; the contract cannot see the
 *   tree. It must not exceed `totalFunded` when proposed. Claims are not counted against it one by
 *   one (that would cost every claim a shared storage write): a root whose leaves add up to more
 *   than it declared can pay out at most what this contract holds, i.e. what was funded and not yet
 *   claimed. Such a root must be caught during the timelock (the guardian revokes it) or, once
 *   accepted, by pausing claims.
 * - Roots replace each other; claims are only checked against the current root. An account whose
 *   cumulative amount is lowered by a later root cannot claim until it exceeds what it received.
 * - Tokens sent to this contract without `fund` are not credited and stay locked. There is no
 *   withdrawal path, so funds not claimed stay here.
 * - With a fee-on-transfer token, `fund` credits only what arrives, but a claim's recipient also
 *   receives less than `amount`. Rebasing tokens that shrink balances are not supported.
 * - A pending root cannot be replaced by the poster: the guardian revokes it first. This stops a
 *   poster from restarting the timelock of a root the guardian is reviewing with a different one.
 */
contract RewardDistributor is IRewardDistributor, AccessControlDefaultAdminRules, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role of the keys that propose reward roots.
    bytes32 public constant POSTER_ROLE = keccak256("POSTER_ROLE");
    /// @notice Role of the keys that revoke pending roots.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice Role of the keys that pause claims.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Longest allowed timelock, so a misconfiguration cannot freeze new roots for years.
    uint64 public constant MAX_TIMELOCK = 30 days;
    /// @notice Longest allowed reward tree data URI, in bytes.
    uint256 public constant MAX_DATA_URI_LENGTH = 512;

    /// @notice The reward token.
    IERC20 private immutable _TOKEN;
    /// @notice Seconds a proposed root waits before it can be accepted.
    uint64 private immutable _TIMELOCK;

    /// @notice The accepted root and its record; written by acceptRoot.
    AcceptedRoot private _current;
    /// @notice The root claims are checked against: `_current.root`, or zero while paused (no proof reaches
    /// zero); written by acceptRoot, pause and unpause. One slot, so a claim reads nothing else to know it may pay.
    bytes32 private _claimRoot;
    /// @notice The root waiting out the timelock (zero root: none); written by the poster, cleared on accept/revoke.
    PendingRoot private _pending;
    /// @notice Tokens received through fund; only grows.
    uint256 private _totalFunded;
    /// @notice Cumulative amount each account has received; written by claim.
    mapping(address account => uint256 cumulativeAmount) private _claimed;
    /// @notice Funding received per epoch tag (informational); written by fund.
    mapping(uint64 epoch => uint256 amount) private _fundedForEpoch;

    /**
     * @notice Sets the token, the roles and the timelock.
     * @param token_ The reward token.
     * @param admin Holder of DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
     * @param poster Holder of POSTER_ROLE.
     * @param guardian Holder of GUARDIAN_ROLE and PAUSER_ROLE.
     * @param timelock_ Seconds a proposed root waits before it can be accepted, at most MAX_TIMELOCK.
     */
    constructor(
        IERC20 token_,
        address admin,
        address poster,
        address guardian,
        uint64 timelock_
    ) AccessControlDefaultAdminRules(0, admin) {
        if (address(token_) == address(0)) revert ZeroAddress("token");
        if (poster == address(0)) revert ZeroAddress("poster");
        if (guardian == address(0)) revert ZeroAddress("guardian");
        if (timelock_ > MAX_TIMELOCK) revert TimelockTooLong(timelock_, MAX_TIMELOCK);
        _TOKEN = token_;
        _TIMELOCK = timelock_;
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(POSTER_ROLE, poster);
        _grantRole(GUARDIAN_ROLE, guardian);
        _grantRole(PAUSER_ROLE, guardian);
    }

    /// @inheritdoc IRewardDistributor
    function fund(uint64 epoch, uint256 amount) external nonReentrant returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        uint256 balanceBefore = _TOKEN.balanceOf(address(this));
        _TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        // Credit what arrived, not what was asked for, so fee-on-transfer tokens cannot over-credit.
        received = _TOKEN.balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert ZeroAmount();
        _totalFunded += received;
        _fundedForEpoch[epoch] += received;
        emit Funded(epoch, msg.sender, received);
    }

    /// @inheritdoc IRewardDistributor
    function proposeRoot(
        bytes32 newRoot,
        uint64 epoch,
        uint256 totalCumulative,
        string calldata dataURI
    ) external onlyRole(POSTER_ROLE) {
        if (newRoot == bytes32(0)) revert ZeroRoot();
        uint256 uriLength = bytes(dataURI).length;
        if (uriLength == 0 || uriLength > MAX_DATA_URI_LENGTH) {
            revert InvalidDataURILength(uriLength, MAX_DATA_URI_LENGTH);
        }
        if (_pending.root != bytes32(0)) revert PendingRootExists(_pending.root);
        // Before the first acceptance any epoch (0 included) may be named.
        if (_current.root != bytes32(0) && epoch <= _current.epoch) revert EpochNotAfterRoot(epoch, _current.epoch);
        if (totalCumulative < _current.totalCumulative) {
            revert TotalCumulativeDecreased(totalCumulative, _current.totalCumulative);
        }
        if (totalCumulative > _totalFunded) revert InsufficientFunding(totalCumulative, _totalFunded);

        uint64 validAt = uint64(block.timestamp) + _TIMELOCK;
        _pending = PendingRoot({
            root: newRoot,
            epoch: epoch,
            validAt: validAt,
            totalCumulative: totalCumulative,
            dataURI: dataURI
        });
        emit RootProposed(newRoot, epoch, totalCumulative, dataURI, validAt);
    }

    /**
     * @inheritdoc IRewardDistributor
     * @dev Funding was checked at proposal; `totalFunded` only grows (nothing leaves except claims,
     * which are bounded separately), so the bound still holds here.
     */
    function acceptRoot() external {
        PendingRoot memory pending = _pending;
        if (pending.root == bytes32(0)) revert NoPendingRoot();
        if (block.timestamp < pending.validAt) revert TimelockNotExpired(pending.validAt, block.timestamp);

        _current = AcceptedRoot({
            root: pending.root,
            epoch: pending.epoch,
            acceptedAt: uint64(block.timestamp),
            totalCumulative: pending.totalCumulative,
            dataURI: pending.dataURI
        });
        delete _pending;
        if (!paused()) _claimRoot = pending.root;
        emit RootAccepted(pending.root, pending.epoch, pending.totalCumulative, msg.sender);
    }

    /// @inheritdoc IRewardDistributor
    function revokePendingRoot() external onlyRole(GUARDIAN_ROLE) {
        bytes32 pendingRoot_ = _pending.root;
        if (pendingRoot_ == bytes32(0)) revert NoPendingRoot();
        uint64 epoch = _pending.epoch;
        delete _pending;
        emit RootRevoked(pendingRoot_, epoch, msg.sender);
    }

    /**
     * @inheritdoc IRewardDistributor
     * @dev Reads two slots (the claim root and the account's claimed total) and writes one: the
     * funding bound was checked when the root was proposed, and a pause clears the claim root.
     * The one entry point that moves tokens without the reentrancy lock (it would cost ~350 gas, a third
     * of what separates this claim from a minimal distributor's): it follows CEI and writes only the
     * account's own total before the transfer, so a re-entrant claim finds nothing left to pay, and
     * no other state a callback could reach depends on it.
     */
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount) {
        if (account == address(0)) revert ZeroAddress("account");
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        // Before the first acceptance and while paused the claim root is zero, which no proof can reach.
        if (!MerkleProof.verifyCalldata(proof, _claimRoot, leaf)) {
            if (paused()) revert EnforcedPause();
            revert InvalidProof(account, cumulativeAmount);
        }
        uint256 alreadyClaimed = _claimed[account];
        if (cumulativeAmount <= alreadyClaimed) revert AlreadyClaimed(account, cumulativeAmount);
        // Safe: cumulativeAmount > alreadyClaimed was just checked.
        unchecked {
            amount = cumulativeAmount - alreadyClaimed;
        }

        _claimed[account] = cumulativeAmount;
        emit Claimed(account, amount, cumulativeAmount);
        _TOKEN.safeTransfer(account, amount);
    }

    /// @inheritdoc IRewardDistributor
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
        _claimRoot = bytes32(0);
    }

    /// @inheritdoc IRewardDistributor
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
        _claimRoot = _current.root;
    }

    /// @inheritdoc IRewardDistributor
    function token() external view returns (address) {
        return address(_TOKEN);
    }

    /// @inheritdoc IRewardDistributor
    function timelock() external view returns (uint64) {
        return _TIMELOCK;
    }

    /// @inheritdoc IRewardDistributor
    function root() external view returns (bytes32) {
        return _current.root;
    }

    /// @inheritdoc IRewardDistributor
    function rootEpoch() external view returns (uint64) {
        return _current.epoch;
    }

    /// @inheritdoc IRewardDistributor
    function currentRoot() external view returns (AcceptedRoot memory) {
        return _current;
    }

    /// @inheritdoc IRewardDistributor
    function pendingRoot() external view returns (PendingRoot memory) {
        return _pending;
    }

    /// @inheritdoc IRewardDistributor
    function claimed(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @inheritdoc IRewardDistributor
    function totalFunded() external view returns (uint256) {
        return _totalFunded;
    }

    /// @inheritdoc IRewardDistributor
    function fundedForEpoch(uint64 epoch) external view returns (uint256) {
        return _fundedForEpoch[epoch];
    }
}
