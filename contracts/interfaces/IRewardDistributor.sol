// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "./IKhoErrors.sol";

/**
 * @title IRewardDistributor
 * @author Kho
 * @notice Pays Kho rewards against a cumulative Merkle root that waits out a timelock before use.
 * @dev Leaves are `keccak256(bytes.concat(keccak256(abi.encode(address account, uint256 cumulativeAmount))))`
 * (OpenZeppelin StandardMerkleTree format; `src/protocol/merkle.ts` rewardLeaf). A claim pays
 * `cumulativeAmount - claimed(account)`, so one claim covers any number of epochs.
 */
interface IRewardDistributor is IKhoErrors {
    /// @notice A reward root waiting for its timelock; `root == 0` means none is pending.
    struct PendingRoot {
        bytes32 root;
        uint64 epoch;
        uint64 validAt;
        uint256 totalCumulative;
        string dataURI;
    }

    /// @notice The accepted root (claims are checked against it unless paused); `root == 0`: none accepted yet.
    struct AcceptedRoot {
        bytes32 root;
        uint64 epoch;
        uint64 acceptedAt;
        uint256 totalCumulative;
        string dataURI;
    }

    /// @notice The timelock may not exceed `maxTimelock` seconds.
    error TimelockTooLong(uint64 timelock, uint64 maxTimelock);

    /// @notice A new root must close a later epoch than the current root's `rootEpoch`.
    error EpochNotAfterRoot(uint64 epoch, uint64 rootEpoch);

    /// @notice Cumulative totals never decrease: `totalCumulative` is below the current root's.
    error TotalCumulativeDecreased(uint256 totalCumulative, uint256 currentTotalCumulative);

    /// @notice A root may not promise more than has been funded.
    error InsufficientFunding(uint256 totalCumulative, uint256 totalFunded);

    /// @notice `pendingRoot` still waits; the guardian must revoke it before another is proposed.
    error PendingRootExists(bytes32 pendingRoot);

    /// @notice There is no pending root to accept or revoke.
    error NoPendingRoot();

    /// @notice The pending root becomes acceptable at `validAt`; it is `now`.
    error TimelockNotExpired(uint64 validAt, uint256 now);

    /// @notice The proof does not place (`account`, `cumulativeAmount`) in the current root.
    error InvalidProof(address account, uint256 cumulativeAmount);

    /// @notice `account` has already claimed `cumulativeAmount` or more.
    error AlreadyClaimed(address account, uint256 cumulativeAmount);

    /**
     * @notice Reward tokens were added.
     * @param epoch The epoch the funder meant them for.
     * @param funder The account they came from.
     * @param amount The amount received (after any transfer fee).
     */
    event Funded(uint64 indexed epoch, address indexed funder, uint256 amount);

    /**
     * @notice A root was proposed; it can be accepted from `validAt` unless the guardian revokes it.
     * @param root Root of the cumulative reward tree.
     * @param epoch The epoch it closes.
     * @param totalCumulative Sum of its leaves' cumulative amounts.
     * @param dataURI Where the reward tree file can be fetched.
     * @param validAt When it can be accepted.
     */
    event RootProposed(
        bytes32 indexed root,
        uint64 indexed epoch,
        uint256 totalCumulative,
        string dataURI,
        uint64 validAt
    );

    /**
     * @notice The pending root became the root claims are checked against.
     * @param root The accepted root.
     * @param epoch The epoch it closes.
     * @param totalCumulative Sum of its leaves' cumulative amounts.
     * @param by The account that accepted it.
     */
    event RootAccepted(bytes32 indexed root, uint64 indexed epoch, uint256 totalCumulative, address indexed by);

    /**
     * @notice The pending root was discarded.
     * @param root The revoked root.
     * @param epoch The epoch it would have closed.
     * @param guardian The guardian that revoked it.
     */
    event RootRevoked(bytes32 indexed root, uint64 indexed epoch, address indexed guardian);

    /**
     * @notice Rewards were paid.
     * @param account The account paid.
     * @param amount The amount paid now.
     * @param cumulativeAmount The account's claimed total after this payment.
     */
    event Claimed(address indexed account, uint256 amount, uint256 cumulativeAmount);

    /**
     * @notice Adds reward tokens. Anyone may fund; only what the contract actually receives counts.
     * @param epoch The epoch the funds are meant for (bookkeeping only; claims are cumulative).
     * @param amount Tokens to pull from the caller (needs an allowance).
     * @return received The amount credited.
     */
    function fund(uint64 epoch, uint256 amount) external returns (uint256 received);

    /**
     * @notice Proposes the next cumulative root. Only a poster.
     * @param newRoot Root of the cumulative reward tree.
     * @param epoch The epoch this root closes.
     * @param totalCumulative Sum of every leaf's cumulative amount.
     * @param dataURI Where the reward tree file can be fetched (1 to 512 bytes).
     */
    function proposeRoot(bytes32 newRoot, uint64 epoch, uint256 totalCumulative, string calldata dataURI) external;

    /// @notice Makes the pending root current once its timelock has passed. Anyone may call.
    function acceptRoot() external;

    /// @notice Discards the pending root. Only a guardian.
    function revokePendingRoot() external;

    /**
     * @notice Pays `account` what the current root owes it beyond what it already claimed. Anyone may
     * call for any account; tokens always go to `account`. Requirements: not paused (`EnforcedPause`);
     * the proof places the leaf in the current root (`InvalidProof`); `cumulativeAmount > claimed(account)`
     * (`AlreadyClaimed`); this contract holds `amount`. Emits {Claimed}.
     * @param account The leaf's account.
     * @param cumulativeAmount The leaf's cumulative amount.
     * @param proof Merkle proof of the leaf in the current root.
     * @return amount The amount paid.
     */
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount);

    /// @notice Stops claims (the root claims are checked against becomes zero). Only a pauser.
    function pause() external;

    /// @notice Resumes claims against the current root. Only the admin.
    function unpause() external;

    /**
     * @notice The reward token.
     * @return The token address.
     */
    function token() external view returns (address);

    /**
     * @notice Seconds a proposed root waits before it can be accepted.
     * @return The timelock.
     */
    function timelock() external view returns (uint64);

    /**
     * @notice The accepted root (zero before the first acceptance); claims are checked against it
     * unless paused.
     * @return The current root.
     */
    function root() external view returns (bytes32);

    /**
     * @notice The epoch the current root closes (zero before the first acceptance). Not the ledger's clock:
     * see `UsageLedger.currentEpoch()` for the epoch of the current block.
     * @return The current root's epoch.
     */
    function rootEpoch() external view returns (uint64);

    /**
     * @notice The current root with its epoch, total, data URI and acceptance time.
     * @return The accepted root.
     */
    function currentRoot() external view returns (AcceptedRoot memory);

    /**
     * @notice The root waiting for its timelock (all zero when none).
     * @return The pending root.
     */
    function pendingRoot() external view returns (PendingRoot memory);

    /**
     * @notice Cumulative amount already paid to `account`.
     * @param account The account.
     * @return The claimed total.
     */
    function claimed(address account) external view returns (uint256);

    /**
     * @notice Sum of every amount received through `fund`.
     * @return The funded total.
     */
    function totalFunded() external view returns (uint256);

    /**
     * @notice Amount received through `fund` for `epoch`.
     * @param epoch The epoch.
     * @return The funded amount.
     */
    function fundedForEpoch(uint64 epoch) external view returns (uint256);
}
