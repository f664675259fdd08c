// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {ICommunityRegistry} from "./interfaces/ICommunityRegistry.sol";
import {IDatasetStaking} from "./interfaces/IDatasetStaking.sol";
import {KhoStrings} from "./libraries/KhoStrings.sol";

/**
 * @title DatasetStaking
 * @author Kho
 * @notice See {IDatasetStaking}. The admin (DEFAULT_ADMIN_ROLE) can only change the unbonding period for future
 * requests; it cannot move staked or unbonding tokens.
 */
contract DatasetStaking is IDatasetStaking, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Upper bound of the unbonding period.
    uint64 public constant MAX_UNBONDING_PERIOD = 30 days;

    /// @notice Pending unbonding entries one staker may hold at once (bounds the gas of {withdraw}).
    uint256 public constant MAX_UNBONDING_ENTRIES = 32;

    /// @notice The staking token.
    IERC20 private immutable _TOKEN;
    /// @notice Where communities and their stewards are checked.
    ICommunityRegistry private immutable _COMMUNITIES;

    /// @notice Unbonding period applied to new unstake requests; written by the admin.
    uint64 private _unbondingPeriod;
    /// @notice Datasets ever registered (the highest id); written by registerDataset.
    uint256 private _datasetCount;
    /// @notice Stake on all datasets; written by stake and unstake.
    uint256 private _totalStaked;
    /// @notice Tokens waiting out their unbonding period; written by unstake and withdraw.
    uint256 private _totalUnbonding;

    /// @notice Each dataset (its id field included); written by stewards and the curator.
    mapping(uint256 datasetId => Dataset dataset) private _datasets;
    /// @notice Every published version of each dataset, from 1; written by registerDataset and publishDatasetVersion.
    mapping(uint256 datasetId => mapping(uint64 version => DatasetVersion data)) private _versions;
    /// @notice Stake history per dataset and staker, checkpointed by timestamp; written by stake and unstake.
    mapping(uint256 datasetId => mapping(address staker => Checkpoints.Trace208 history)) private _stakes;
    /// @notice Total stake history per dataset, checkpointed by timestamp; written by stake and unstake.
    mapping(uint256 datasetId => Checkpoints.Trace208 history) private _totals;
    /// @notice Each staker's pending unbonding entries (≤ MAX_UNBONDING_ENTRIES); written by unstake and withdraw.
    mapping(address staker => Unbonding[] entries) private _unbonding;

    /**
     * @param stakingToken The staking token (fee-on-transfer tokens are credited with what arrives).
     * @param communityRegistry The community registry that names stewards.
     * @param initialUnbondingPeriod Initial unbonding period in seconds, at most 30 days.
     * @param admin Holder of DEFAULT_ADMIN_ROLE.
     */
    constructor(
        IERC20 stakingToken,
        ICommunityRegistry communityRegistry,
        uint64 initialUnbondingPeriod,
        address admin
    ) AccessControlDefaultAdminRules(0, admin) {
        if (address(stakingToken) == address(0)) revert ZeroAddress("token");
        if (address(communityRegistry) == address(0)) revert ZeroAddress("communities");
        _checkPeriod(initialUnbondingPeriod);
        _TOKEN = stakingToken;
        _COMMUNITIES = communityRegistry;
        _unbondingPeriod = initialUnbondingPeriod;
        emit UnbondingPeriodChanged(0, initialUnbondingPeriod);
    }

    /// @inheritdoc IDatasetStaking
    function registerDataset(
        uint256 communityId,
        string calldata locale,
        string calldata metadataURI,
        bytes32 contentHash,
        address curator
    ) external returns (uint256 datasetId) {
        // Reverts with CommunityNotFound for an unknown community.
        if (!_COMMUNITIES.isSteward(communityId, msg.sender)) revert NotCommunitySteward(communityId, msg.sender);
        KhoStrings.checkLocale(locale);
        KhoStrings.checkURI("metadataURI", metadataURI);
        if (contentHash == bytes32(0)) revert ZeroHash("contentHash");
        if (curator == address(0)) revert ZeroAddress("curator");

        datasetId = ++_datasetCount;
        _datasets[datasetId] = Dataset({
            id: datasetId,
            communityId: communityId,
            curator: curator,
            locale: locale,
            metadataURI: metadataURI,
            contentHash: contentHash,
            registeredAt: uint64(block.timestamp),
            latestVersion: 1
        });
        emit DatasetRegistered(datasetId, communityId, curator, locale, metadataURI, contentHash);
        _recordVersion(datasetId, 1, metadataURI, contentHash);
    }

    /// @inheritdoc IDatasetStaking
    function publishDatasetVersion(
        uint256 datasetId,
        string calldata uri,
        bytes32 contentHash
    ) external returns (uint64 version) {
        Dataset storage dataset = _requireDataset(datasetId);
        if (msg.sender != dataset.curator && !_COMMUNITIES.isSteward(dataset.communityId, msg.sender)) {
            revert NotDatasetManager(datasetId, msg.sender);
        }
        KhoStrings.checkURI("uri", uri);
        if (contentHash == bytes32(0)) revert ZeroHash("contentHash");
        version = dataset.latestVersion + 1;
        dataset.latestVersion = version;
        dataset.metadataURI = uri;
        dataset.contentHash = contentHash;
        _recordVersion(datasetId, version, uri, contentHash);
    }

    /// @inheritdoc IDatasetStaking
    function setDatasetCurator(uint256 datasetId, address newCurator) external {
        Dataset storage dataset = _requireDataset(datasetId);
        if (!_COMMUNITIES.isSteward(dataset.communityId, msg.sender)) {
            revert NotCommunitySteward(dataset.communityId, msg.sender);
        }
        if (newCurator == address(0)) revert ZeroAddress("curator");
        address previous = dataset.curator;
        dataset.curator = newCurator;
        emit DatasetCuratorChanged(datasetId, previous, newCurator, msg.sender);
    }

    /// @inheritdoc IDatasetStaking
    function stake(uint256 datasetId, uint256 amount) external nonReentrant {
        _requireDataset(datasetId);
        if (amount == 0) revert ZeroAmount();

        // Balance-delta accounting: credit what actually arrived, so fee-on-transfer tokens cannot inflate stake.
        // The state is written after the transfer by necessity; nonReentrant guards the window.
        uint256 balanceBefore = _TOKEN.balanceOf(address(this));
        _TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _TOKEN.balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert NothingReceived(amount);

        uint48 now_ = Time.timestamp();
        Checkpoints.Trace208 storage history = _stakes[datasetId][msg.sender];
        (, uint208 newStake) = history.push(now_, (history.latest() + received).toUint208());
        Checkpoints.Trace208 storage total = _totals[datasetId];
        total.push(now_, (total.latest() + received).toUint208());
        _totalStaked += received;

        emit Staked(datasetId, msg.sender, received, newStake);
    }

    /// @inheritdoc IDatasetStaking
    function unstake(uint256 datasetId, uint256 amount) external nonReentrant {
        _requireDataset(datasetId);
        if (amount == 0) revert ZeroAmount();
        Checkpoints.Trace208 storage history = _stakes[datasetId][msg.sender];
        uint256 current = history.latest();
        if (amount > current) revert InsufficientStake(datasetId, msg.sender, current, amount);
        Unbonding[] storage queue = _unbonding[msg.sender];
        if (queue.length == MAX_UNBONDING_ENTRIES) revert UnbondingQueueFull(msg.sender, MAX_UNBONDING_ENTRIES);

        uint48 now_ = Time.timestamp();
        // amount <= current, and current fits in uint208 because it is a checkpoint value.
        uint208 newStake = uint208(current - amount);
        history.push(now_, newStake);
        Checkpoints.Trace208 storage total = _totals[datasetId];
        // The dataset total is at least this staker's stake, so it covers `amount` and still fits in uint208.
        total.push(now_, uint208(total.latest() - amount));
        _totalStaked -= amount;

        uint64 releaseTime = uint64(block.timestamp) + _unbondingPeriod;
        queue.push(Unbonding({datasetId: datasetId, amount: amount, releaseTime: releaseTime}));
        _totalUnbonding += amount;

        emit UnstakeRequested(datasetId, msg.sender, amount, newStake, releaseTime);
    }

    /// @inheritdoc IDatasetStaking
    function withdraw() external nonReentrant returns (uint256 amount) {
        Unbonding[] storage queue = _unbonding[msg.sender];
        uint64 nextRelease = 0;
        uint256 i = 0;
        // The queue holds at most MAX_UNBONDING_ENTRIES entries, so this loop is bounded. Release times are not
        // ordered (the period can change), so every entry is inspected; matured ones are swapped out and popped.
        while (i < queue.length) {
            Unbonding storage entry = queue[i];
            if (entry.releaseTime > block.timestamp) {
                if (nextRelease == 0 || entry.releaseTime < nextRelease) nextRelease = entry.releaseTime;
                ++i;
            } else {
                amount += entry.amount;
                queue[i] = queue[queue.length - 1];
                queue.pop();
            }
        }
        if (amount == 0) revert NothingMatured(msg.sender, nextRelease);
        _totalUnbonding -= amount;

        emit Withdrawn(msg.sender, amount);
        _TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IDatasetStaking
    function setUnbondingPeriod(uint64 period) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkPeriod(period);
        emit UnbondingPeriodChanged(_unbondingPeriod, period);
        _unbondingPeriod = period;
    }

    /**
     * @notice The staking token.
     * @return token_ The token.
     */
    function token() external view returns (IERC20 token_) {
        return _TOKEN;
    }

    /**
     * @notice The community registry.
     * @return communities_ The registry.
     */
    function communities() external view returns (ICommunityRegistry communities_) {
        return _COMMUNITIES;
    }

    /// @inheritdoc IDatasetStaking
    function getDataset(uint256 datasetId) external view returns (Dataset memory dataset) {
        return _requireDataset(datasetId);
    }

    /// @inheritdoc IDatasetStaking
    function getDatasetVersion(
        uint256 datasetId,
        uint64 version
    ) external view returns (DatasetVersion memory datasetVersion) {
        Dataset storage dataset = _requireDataset(datasetId);
        if (version == 0 || version > dataset.latestVersion) revert DatasetVersionNotFound(datasetId, version);
        return _versions[datasetId][version];
    }

    /// @inheritdoc IDatasetStaking
    function latestDatasetVersion(uint256 datasetId) external view returns (uint64 version) {
        return _datasets[datasetId].latestVersion;
    }

    /// @inheritdoc IDatasetStaking
    function datasetCount() external view returns (uint256 count) {
        return _datasetCount;
    }

    /// @inheritdoc IDatasetStaking
    function datasetExists(uint256 datasetId) external view returns (bool exists) {
        return _exists(datasetId);
    }

    /// @inheritdoc IDatasetStaking
    function stakeOf(uint256 datasetId, address staker) external view returns (uint256 amount) {
        return _stakes[datasetId][staker].latest();
    }

    /// @inheritdoc IDatasetStaking
    function totalStake(uint256 datasetId) external view returns (uint256 amount) {
        return _totals[datasetId].latest();
    }

    /// @inheritdoc IDatasetStaking
    function stakeAt(uint256 datasetId, address staker, uint48 timestamp) external view returns (uint256 amount) {
        _checkNotFuture(timestamp);
        return _stakes[datasetId][staker].upperLookupRecent(timestamp);
    }

    /// @inheritdoc IDatasetStaking
    function totalStakeAt(uint256 datasetId, uint48 timestamp) external view returns (uint256 amount) {
        _checkNotFuture(timestamp);
        return _totals[datasetId].upperLookupRecent(timestamp);
    }

    /// @inheritdoc IDatasetStaking
    function stakeTime(
        uint256 datasetId,
        address staker,
        uint48 from,
        uint48 to
    ) external view returns (uint256 stakeSeconds) {
        return _stakeTime(_stakes[datasetId][staker], from, to);
    }

    /// @inheritdoc IDatasetStaking
    function totalStakeTime(uint256 datasetId, uint48 from, uint48 to) external view returns (uint256 stakeSeconds) {
        return _stakeTime(_totals[datasetId], from, to);
    }

    /// @inheritdoc IDatasetStaking
    function pendingUnbonding(address staker) external view returns (Unbonding[] memory entries) {
        return _unbonding[staker];
    }

    /// @inheritdoc IDatasetStaking
    function totalStaked() external view returns (uint256 amount) {
        return _totalStaked;
    }

    /// @inheritdoc IDatasetStaking
    function totalUnbonding() external view returns (uint256 amount) {
        return _totalUnbonding;
    }

    /// @inheritdoc IDatasetStaking
    function unbondingPeriod() external view returns (uint64 period) {
        return _unbondingPeriod;
    }

    /**
     * @dev Σ value x seconds over [from, to). Checkpoint values hold from their key on, so the value at `from` is
     * the last checkpoint with key <= from, and every checkpoint with key in (from, to) starts a new segment.
     */
    function _stakeTime(
        Checkpoints.Trace208 storage history,
        uint48 from,
        uint48 to
    ) private view returns (uint256 stakeSeconds) {
        if (from > to) revert InvalidTimeRange(from, to);
        _checkNotFuture(to);
        uint256 length = history.length();
        uint256 index = _firstCheckpointAfter(history, from, length);
        uint256 value = index == 0 ? 0 : history.pos((index - 1).toUint32())._value;
        uint48 cursor = from;
        for (; index < length; ++index) {
            Checkpoints.Checkpoint208 memory checkpoint = history.pos(index.toUint32());
            if (checkpoint._key >= to) break;
            stakeSeconds += value * (checkpoint._key - cursor);
            cursor = checkpoint._key;
            value = checkpoint._value;
        }
        stakeSeconds += value * (to - cursor);
    }

    /// @dev Index of the first checkpoint whose key is strictly greater than `key` (`length` when none is).
    function _firstCheckpointAfter(
        Checkpoints.Trace208 storage history,
        uint48 key,
        uint256 length
    ) private view returns (uint256 low) {
        uint256 high = length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (history.pos(mid.toUint32())._key > key) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
    }

    function _recordVersion(uint256 datasetId, uint64 version, string calldata uri, bytes32 contentHash) private {
        _versions[datasetId][version] = DatasetVersion({
            contentHash: contentHash,
            uri: uri,
            publisher: msg.sender,
            publishedAt: uint64(block.timestamp)
        });
        emit DatasetVersionPublished(datasetId, version, contentHash, uri, msg.sender);
    }

    function _requireDataset(uint256 datasetId) private view returns (Dataset storage dataset) {
        if (!_exists(datasetId)) revert DatasetNotFound(datasetId);
        return _datasets[datasetId];
    }

    function _exists(uint256 datasetId) private view returns (bool) {
        return datasetId != 0 && datasetId <= _datasetCount;
    }

    function _checkNotFuture(uint48 timestamp) private view {
        uint48 now_ = Time.timestamp();
        if (timestamp > now_) revert FutureLookup(timestamp, now_);
    }

    function _checkPeriod(uint64 period) private pure {
        if (period > MAX_UNBONDING_PERIOD) revert UnbondingPeriodTooLong(period, MAX_UNBONDING_PERIOD);
    }
}
