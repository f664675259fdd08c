// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "./IKhoErrors.sol";

/**
 * @title IDatasetStaking
 * @author Kho
 * @notice Community datasets and the stake placed on them.
 *
 * Datasets are registered by a steward of their community; ids start at 1 and are never reused. A dataset grows by
 * versions: registration publishes version 1, and the curator named at registration (or any steward of the
 * community) publishes the next ones. Every version keeps its content hash and URI forever, so a model can pin one
 * and a verifier can fetch and check any version an answer cited. Only a steward can replace the curator, so a
 * steward who is removed loses control of the datasets it curated.
 *
 * Stake history is checkpointed by `block.timestamp` per (dataset, staker) and per dataset, so stake x time over
 * any window `[from, to)` can be recomputed from chain state (or from the {Staked} / {UnstakeRequested} events):
 * a checkpoint written at second `t` holds the stake from `t` on. Several changes within one block collapse into
 * one checkpoint holding the block's final value, so stake placed and removed in the same block earns zero
 * stake-time.
 *
 * Unstaking removes stake at once (it stops earning) and queues the tokens for release after the unbonding period
 * in force at request time. At all times `token.balanceOf(this) == totalStaked() + totalUnbonding()` for a token
 * without transfer fees (tokens sent to the contract directly are not accounted and stay locked).
 */
interface IDatasetStaking is IKhoErrors {
    /// @notice A dataset as stored, plus its id. `metadataURI` and `contentHash` are those of `latestVersion`.
    struct Dataset {
        uint256 id;
        uint256 communityId;
        address curator;
        string locale;
        string metadataURI;
        bytes32 contentHash;
        uint64 registeredAt;
        uint64 latestVersion;
    }

    /// @notice One published version of a dataset: what its content hashes to, where it is, who published it when.
    struct DatasetVersion {
        bytes32 contentHash;
        string uri;
        address publisher;
        uint64 publishedAt;
    }

    /// @notice Tokens unstaked from `datasetId`, withdrawable from `releaseTime` on.
    struct Unbonding {
        uint256 datasetId;
        uint256 amount;
        uint64 releaseTime;
    }

    /// @notice `caller` is neither the curator of `datasetId` nor a steward of its community.
    error NotDatasetManager(uint256 datasetId, address caller);

    /// @notice `staker` has `stake` on `datasetId` but asked to unstake `requested`.
    error InsufficientStake(uint256 datasetId, address staker, uint256 stake, uint256 requested);

    /// @notice `staker` already has `max` pending unbonding entries; withdraw matured ones first.
    error UnbondingQueueFull(address staker, uint256 max);

    /// @notice None of `staker`'s entries has matured; the earliest releases at `nextRelease` (0: none pending).
    error NothingMatured(address staker, uint64 nextRelease);

    /// @notice `period` exceeds the `max` unbonding period.
    error UnbondingPeriodTooLong(uint64 period, uint64 max);

    /// @notice A history lookup asked about `timestamp`, which is after the current block's `current`.
    error FutureLookup(uint48 timestamp, uint48 current);

    /// @notice A stake-time window must satisfy `from <= to`.
    error InvalidTimeRange(uint48 from, uint48 to);

    /// @notice A steward of `communityId` registered a dataset curated by `curator`.
    event DatasetRegistered(
        uint256 indexed datasetId,
        uint256 indexed communityId,
        address indexed curator,
        string locale,
        string metadataURI,
        bytes32 contentHash
    );

    /// @notice `publisher` (the curator or a steward) published `version` of `datasetId`: content hash and URI.
    /// Registration emits version 1.
    event DatasetVersionPublished(
        uint256 indexed datasetId,
        uint64 indexed version,
        bytes32 contentHash,
        string uri,
        address indexed publisher
    );

    /// @notice A steward (`by`) of the dataset's community replaced the curator of `datasetId`.
    event DatasetCuratorChanged(
        uint256 indexed datasetId,
        address indexed previousCurator,
        address indexed newCurator,
        address by
    );

    /// @notice `staker` added `amount` (as received) to `datasetId`; their stake is now `newStake`.
    event Staked(uint256 indexed datasetId, address indexed staker, uint256 amount, uint256 newStake);

    /// @notice `staker` removed `amount` from `datasetId` (now `newStake`); it is withdrawable from `releaseTime`.
    event UnstakeRequested(
        uint256 indexed datasetId,
        address indexed staker,
        uint256 amount,
        uint256 newStake,
        uint64 releaseTime
    );

    /// @notice `staker` received `amount` of matured unbonding tokens.
    event Withdrawn(address indexed staker, uint256 amount);

    /// @notice The unbonding period for new requests changed from `oldPeriod` to `newPeriod` seconds.
    event UnbondingPeriodChanged(uint64 oldPeriod, uint64 newPeriod);

    /**
     * @notice Registers a dataset of `communityId` and publishes its version 1. Only a steward of that community.
     * Emits {DatasetRegistered} and {DatasetVersionPublished}.
     * @param communityId The community (must exist).
     * @param locale BCP-47 locale tag, 2..35 bytes.
     * @param metadataURI URI of version 1's content, 1..512 bytes.
     * @param contentHash Non-zero hash of version 1's content.
     * @param curator Non-zero address that may update the metadata.
     * @return datasetId The new id.
     */
    function registerDataset(
        uint256 communityId,
        string calldata locale,
        string calldata metadataURI,
        bytes32 contentHash,
        address curator
    ) external returns (uint256 datasetId);

    /**
     * @notice Publishes the next version of `datasetId`; earlier versions stay readable. Curator or community
     * steward. Emits {DatasetVersionPublished}.
     * @param datasetId The dataset.
     * @param uri Where the version's content is, 1..512 bytes.
     * @param contentHash Non-zero hash of the version's content.
     * @return version The new version number (the previous latest + 1).
     */
    function publishDatasetVersion(
        uint256 datasetId,
        string calldata uri,
        bytes32 contentHash
    ) external returns (uint64 version);

    /**
     * @notice Replaces the curator of `datasetId`, e.g. to take the dataset back from a steward who was removed.
     * Steward of the dataset's community only.
     * @param datasetId The dataset.
     * @param newCurator Non-zero address that may update the metadata.
     */
    function setDatasetCurator(uint256 datasetId, address newCurator) external;

    /**
     * @notice Stakes `amount` tokens on `datasetId`; the amount that actually arrives is credited.
     * @param datasetId The dataset.
     * @param amount Tokens to pull (approved beforehand).
     */
    function stake(uint256 datasetId, uint256 amount) external;

    /**
     * @notice Removes `amount` of the caller's stake on `datasetId` now and queues it for withdrawal.
     * @param datasetId The dataset.
     * @param amount Tokens to unstake.
     */
    function unstake(uint256 datasetId, uint256 amount) external;

    /**
     * @notice Pays the caller every matured unbonding entry.
     * @return amount The tokens paid.
     */
    function withdraw() external returns (uint256 amount);

    /**
     * @notice Sets the unbonding period for future unstake requests. Admin only.
     * @param period Seconds, at most `MAX_UNBONDING_PERIOD`.
     */
    function setUnbondingPeriod(uint64 period) external;

    /**
     * @notice The dataset with id `datasetId`.
     * @param datasetId The id (must exist).
     * @return dataset Its data.
     */
    function getDataset(uint256 datasetId) external view returns (Dataset memory dataset);

    /**
     * @notice Version `version` of `datasetId`.
     * @param datasetId The dataset (must exist).
     * @param version 1 to the dataset's latest version.
     * @return datasetVersion Its content hash, URI, publisher and time.
     */
    function getDatasetVersion(
        uint256 datasetId,
        uint64 version
    ) external view returns (DatasetVersion memory datasetVersion);

    /**
     * @notice The latest version of `datasetId` (never reverts).
     * @param datasetId The id.
     * @return version 0 for an unknown dataset.
     */
    function latestDatasetVersion(uint256 datasetId) external view returns (uint64 version);

    /**
     * @notice Number of datasets ever registered (the highest id).
     * @return count The count.
     */
    function datasetCount() external view returns (uint256 count);

    /**
     * @notice Whether `datasetId` exists (never reverts).
     * @param datasetId The id.
     * @return exists True when registered.
     */
    function datasetExists(uint256 datasetId) external view returns (bool exists);

    /**
     * @notice Current active stake of `staker` on `datasetId`.
     * @param datasetId The dataset.
     * @param staker The staker.
     * @return amount The stake.
     */
    function stakeOf(uint256 datasetId, address staker) external view returns (uint256 amount);

    /**
     * @notice Current active stake on `datasetId`, all stakers.
     * @param datasetId The dataset.
     * @return amount The total.
     */
    function totalStake(uint256 datasetId) external view returns (uint256 amount);

    /**
     * @notice Stake of `staker` on `datasetId` at the end of second `timestamp` (not after the current block).
     * @param datasetId The dataset.
     * @param staker The staker.
     * @param timestamp Unix seconds.
     * @return amount The stake then.
     */
    function stakeAt(uint256 datasetId, address staker, uint48 timestamp) external view returns (uint256 amount);

    /**
     * @notice Total stake on `datasetId` at the end of second `timestamp` (not after the current block).
     * @param datasetId The dataset.
     * @param timestamp Unix seconds.
     * @return amount The total then.
     */
    function totalStakeAt(uint256 datasetId, uint48 timestamp) external view returns (uint256 amount);

    /**
     * @notice Sum of stake x seconds of `staker` on `datasetId` over `[from, to)`, `to` not after the current
     * block. Gas grows with the number of checkpoints inside the window (one per block that changed the stake):
     * meant for `eth_call`.
     * @param datasetId The dataset.
     * @param staker The staker.
     * @param from Window start (inclusive).
     * @param to Window end (exclusive).
     * @return stakeSeconds Token-units x seconds.
     */
    function stakeTime(
        uint256 datasetId,
        address staker,
        uint48 from,
        uint48 to
    ) external view returns (uint256 stakeSeconds);

    /**
     * @notice Like {stakeTime} for the dataset's total stake.
     * @param datasetId The dataset.
     * @param from Window start (inclusive).
     * @param to Window end (exclusive).
     * @return stakeSeconds Token-units x seconds.
     */
    function totalStakeTime(uint256 datasetId, uint48 from, uint48 to) external view returns (uint256 stakeSeconds);

    /**
     * @notice The list of `staker`'s pending (not yet withdrawn) unbonding entries, unordered.
     * @param staker The staker.
     * @return entries At most `MAX_UNBONDING_ENTRIES` entries.
     */
    function pendingUnbonding(address staker) external view returns (Unbonding[] memory entries);

    /**
     * @notice Sum of active stake over all datasets and stakers.
     * @return amount The total.
     */
    function totalStaked() external view returns (uint256 amount);

    /**
     * @notice Sum of all pending unbonding entries (matured or not, not yet withdrawn).
     * @return amount The total.
     */
    function totalUnbonding() external view returns (uint256 amount);

    /**
     * @notice Unbonding period applied to new unstake requests, in seconds.
     * @return period The period.
     */
    function unbondingPeriod() external view returns (uint64 period);
}
