// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {ICommunityRegistry} from "./interfaces/ICommunityRegistry.sol";
import {IDatasetStaking} from "./interfaces/IDatasetStaking.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {KhoStrings} from "./libraries/KhoStrings.sol";

/**
 * @title ModelRegistry
 * @author Kho
 * @notice See {IModelRegistry}. The admin (DEFAULT_ADMIN_ROLE) has a single emergency power: retiring a model
 * (for example one that serves harmful content). It cannot edit or take over models.
 */
contract ModelRegistry is IModelRegistry, AccessControlDefaultAdminRules {
    using EnumerableSet for EnumerableSet.UintSet;

    /// @notice Most datasets one model may link.
    uint256 public constant MAX_LINKED_DATASETS = 32;

    /// @notice Most live (Active or Paused) deployments one model may have.
    uint256 public constant MAX_LIVE_DEPLOYMENTS = 64;

    /// @notice Where home communities and their stewards are checked.
    ICommunityRegistry private immutable _COMMUNITIES;
    /// @notice Where linked datasets are checked.
    IDatasetStaking private immutable _DATASETS;

    /// @notice Models ever registered (the highest id); written by registerModel.
    uint256 private _modelCount;
    /// @notice Deployments ever added (the highest id); written by addDeployment.
    uint256 private _deploymentCount;
    /// @notice Each model's current state; written by its builder (and the admin's retireModel).
    mapping(uint256 modelId => Model model) private _models;
    /// @notice Model id by the hash of its ASCII-lower-cased name; written once by registerModel.
    mapping(bytes32 foldedNameHash => uint256 modelId) private _idByName;
    /// @notice Every published version of each model; written by registerModel and publishVersion.
    mapping(uint256 modelId => mapping(uint256 version => Version info)) private _versions;
    /// @notice Datasets linked to each model; written by its builder.
    mapping(uint256 modelId => EnumerableSet.UintSet datasetIds) private _linked;
    /// @notice The dataset version each link is pinned to; written by linkDataset and pinDatasetVersion.
    mapping(uint256 modelId => mapping(uint256 datasetId => uint64 version)) private _pinned;
    /// @notice Every deployment id ever added to each model; appended by addDeployment.
    mapping(uint256 modelId => uint256[] deploymentIds) private _modelDeployments;
    /// @notice Each model's Active or Paused deployments; written by addDeployment and removals.
    mapping(uint256 modelId => EnumerableSet.UintSet deploymentIds) private _liveDeployments;
    /// @notice Each deployment; written by the builder and the operator.
    mapping(uint256 deploymentId => Deployment deployment) private _deployments;
    /// @notice Price per call of each model in token units; written by its builder.
    mapping(uint256 modelId => uint256 pricePerCall) private _prices;
    /// @notice Whether each model is admitted by its home community; written by that community's stewards.
    mapping(uint256 modelId => bool admitted) private _admitted;

    modifier onlyBuilder(uint256 modelId) {
        if (_requireModel(modelId).builder != msg.sender) revert NotModelBuilder(modelId, msg.sender);
        _;
    }

    /**
     * @param communityRegistry Where home communities are checked.
     * @param datasetRegistry Where linked datasets are checked (`datasetExists`).
     * @param admin Holder of DEFAULT_ADMIN_ROLE (emergency retirement only).
     */
    constructor(
        ICommunityRegistry communityRegistry,
        IDatasetStaking datasetRegistry,
        address admin
    ) AccessControlDefaultAdminRules(0, admin) {
        if (address(communityRegistry) == address(0)) revert ZeroAddress("communities");
        if (address(datasetRegistry) == address(0)) revert ZeroAddress("datasets");
        _COMMUNITIES = communityRegistry;
        _DATASETS = datasetRegistry;
    }

    /// @inheritdoc IModelRegistry
    function registerModel(
        string calldata name,
        string calldata locale,
        uint256 communityId,
        string calldata metadataURI,
        bytes32 contentHash
    ) external returns (uint256 modelId) {
        KhoStrings.checkModelName(name);
        KhoStrings.checkLocale(locale);
        KhoStrings.checkURI("metadataURI", metadataURI);
        if (contentHash == bytes32(0)) revert ZeroHash("contentHash");
        if (!_COMMUNITIES.communityExists(communityId)) revert CommunityNotFound(communityId);
        bytes32 nameHash = KhoStrings.foldedHash(name);
        uint256 existing = _idByName[nameHash];
        if (existing != 0) revert NameTaken(name, existing);

        modelId = ++_modelCount;
        _idByName[nameHash] = modelId;
        Model storage model = _models[modelId];
        model.builder = msg.sender;
        model.communityId = communityId;
        model.name = name;
        model.locale = locale;
        model.metadataURI = metadataURI;
        model.contentHash = contentHash;
        model.latestVersion = 1;
        model.registeredAt = uint64(block.timestamp);
        _versions[modelId][1] = Version({
            contentHash: contentHash,
            metadataURI: metadataURI,
            publishedAt: uint64(block.timestamp)
        });

        emit ModelRegistered(modelId, msg.sender, communityId, name, locale, metadataURI, contentHash);
    }

    /// @inheritdoc IModelRegistry
    function publishVersion(
        uint256 modelId,
        bytes32 contentHash,
        string calldata metadataURI
    ) external onlyBuilder(modelId) returns (uint256 version) {
        Model storage model = _models[modelId];
        if (model.retired) revert ModelIsRetired(modelId);
        if (contentHash == bytes32(0)) revert ZeroHash("contentHash");
        KhoStrings.checkURI("metadataURI", metadataURI);

        version = ++model.latestVersion;
        model.contentHash = contentHash;
        model.metadataURI = metadataURI;
        _versions[modelId][version] = Version({
            contentHash: contentHash,
            metadataURI: metadataURI,
            publishedAt: uint64(block.timestamp)
        });
        emit VersionPublished(modelId, version, contentHash, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function linkDataset(uint256 modelId, uint256 datasetId) external onlyBuilder(modelId) {
        if (_models[modelId].retired) revert ModelIsRetired(modelId);
        if (!_DATASETS.datasetExists(datasetId)) revert DatasetNotFound(datasetId);
        EnumerableSet.UintSet storage linked = _linked[modelId];
        if (linked.contains(datasetId)) revert DatasetAlreadyLinked(modelId, datasetId);
        if (linked.length() == MAX_LINKED_DATASETS) revert TooManyLinkedDatasets(modelId, MAX_LINKED_DATASETS);
        linked.add(datasetId);
        uint64 version = _DATASETS.latestDatasetVersion(datasetId);
        _pinned[modelId][datasetId] = version;
        emit DatasetLinked(modelId, datasetId);
        emit DatasetVersionPinned(modelId, datasetId, version);
    }

    /// @inheritdoc IModelRegistry
    function pinDatasetVersion(uint256 modelId, uint256 datasetId, uint64 version) external onlyBuilder(modelId) {
        if (_models[modelId].retired) revert ModelIsRetired(modelId);
        if (!_linked[modelId].contains(datasetId)) revert DatasetNotLinked(modelId, datasetId);
        if (version == 0 || version > _DATASETS.latestDatasetVersion(datasetId)) {
            revert DatasetVersionNotFound(datasetId, version);
        }
        _pinned[modelId][datasetId] = version;
        emit DatasetVersionPinned(modelId, datasetId, version);
    }

    /// @inheritdoc IModelRegistry
    function unlinkDataset(uint256 modelId, uint256 datasetId) external onlyBuilder(modelId) {
        if (!_linked[modelId].remove(datasetId)) revert DatasetNotLinked(modelId, datasetId);
        emit DatasetUnlinked(modelId, datasetId);
    }

    /// @inheritdoc IModelRegistry
    function transferModelOwnership(uint256 modelId, address newBuilder) external onlyBuilder(modelId) {
        _models[modelId].pendingBuilder = newBuilder;
        emit ModelOwnershipTransferStarted(modelId, msg.sender, newBuilder);
    }

    /// @inheritdoc IModelRegistry
    function acceptModelOwnership(uint256 modelId) external {
        Model storage model = _requireModel(modelId);
        if (model.pendingBuilder != msg.sender) revert NotPendingBuilder(modelId, msg.sender);
        address previous = model.builder;
        model.builder = msg.sender;
        model.pendingBuilder = address(0);
        emit ModelOwnershipTransferred(modelId, previous, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function retireModel(uint256 modelId) external {
        Model storage model = _requireModel(modelId);
        if (model.builder != msg.sender && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotModelBuilderOrAdmin(modelId, msg.sender);
        }
        if (model.retired) revert ModelIsRetired(modelId);
        model.retired = true;
        emit ModelRetired(modelId, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function addDeployment(
        uint256 modelId,
        address operator,
        string calldata endpoint
    ) external onlyBuilder(modelId) returns (uint256 deploymentId) {
        if (_models[modelId].retired) revert ModelIsRetired(modelId);
        if (operator == address(0)) revert ZeroAddress("operator");
        KhoStrings.checkEndpoint(endpoint);
        if (_liveDeployments[modelId].length() == MAX_LIVE_DEPLOYMENTS) {
            revert TooManyLiveDeployments(modelId, MAX_LIVE_DEPLOYMENTS);
        }

        deploymentId = ++_deploymentCount;
        _deployments[deploymentId] = Deployment({
            modelId: modelId,
            operator: operator,
            endpoint: endpoint,
            status: Status.Active,
            addedAt: uint64(block.timestamp)
        });
        _modelDeployments[modelId].push(deploymentId);
        _liveDeployments[modelId].add(deploymentId);
        emit DeploymentAdded(deploymentId, modelId, operator, endpoint);
    }

    /// @inheritdoc IModelRegistry
    function setDeploymentStatus(uint256 deploymentId, Status status) external {
        Deployment storage deployment = _requireDeployment(deploymentId);
        Model storage model = _models[deployment.modelId];
        if (msg.sender != deployment.operator && msg.sender != model.builder) {
            revert NotDeploymentManager(deploymentId, msg.sender);
        }
        if (status != Status.Active && status != Status.Paused) revert InvalidStatus(status);
        if (deployment.status == Status.Removed) revert DeploymentIsRemoved(deploymentId);
        if (deployment.status == status) revert StatusUnchanged(deploymentId, status);
        if (status == Status.Active && model.retired) revert ModelIsRetired(deployment.modelId);
        deployment.status = status;
        emit DeploymentStatusChanged(deploymentId, status);
    }

    /// @inheritdoc IModelRegistry
    function removeDeployment(uint256 deploymentId) external {
        Deployment storage deployment = _requireDeployment(deploymentId);
        if (msg.sender != _models[deployment.modelId].builder) {
            revert NotModelBuilder(deployment.modelId, msg.sender);
        }
        _remove(deploymentId, deployment);
    }

    /// @inheritdoc IModelRegistry
    function withdrawDeployment(uint256 deploymentId) external {
        Deployment storage deployment = _requireDeployment(deploymentId);
        if (msg.sender != deployment.operator) revert NotDeploymentOperator(deploymentId, msg.sender);
        _remove(deploymentId, deployment);
    }

    /// @inheritdoc IModelRegistry
    function setPrice(uint256 modelId, uint256 pricePerCall) external onlyBuilder(modelId) {
        if (_models[modelId].retired) revert ModelIsRetired(modelId);
        _prices[modelId] = pricePerCall;
        emit ModelPriceSet(modelId, pricePerCall);
    }

    /// @inheritdoc IModelRegistry
    function admitModel(uint256 modelId) external {
        Model storage model = _requireModel(modelId);
        uint256 communityId = model.communityId;
        _requireHomeSteward(communityId);
        if (model.retired) revert ModelIsRetired(modelId);
        if (_admitted[modelId]) revert ModelAlreadyAdmitted(modelId);
        _admitted[modelId] = true;
        emit ModelAdmitted(modelId, communityId, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function withdrawAdmission(uint256 modelId) external {
        uint256 communityId = _requireModel(modelId).communityId;
        _requireHomeSteward(communityId);
        if (!_admitted[modelId]) revert ModelNotAdmitted(modelId);
        _admitted[modelId] = false;
        emit ModelAdmissionWithdrawn(modelId, communityId, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function priceOf(uint256 modelId) external view returns (uint256 pricePerCall) {
        _requireModel(modelId);
        return _prices[modelId];
    }

    /// @inheritdoc IModelRegistry
    function isAdmitted(uint256 modelId) external view returns (bool admitted) {
        _requireModel(modelId);
        return _admitted[modelId];
    }

    /**
     * @notice The community registry.
     * @return communities_ The registry.
     */
    function communities() external view returns (ICommunityRegistry communities_) {
        return _COMMUNITIES;
    }

    /**
     * @notice The dataset registry.
     * @return datasets_ The registry.
     */
    function datasets() external view returns (IDatasetStaking datasets_) {
        return _DATASETS;
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (Model memory model) {
        return _requireModel(modelId);
    }

    /// @inheritdoc IModelRegistry
    function getVersion(uint256 modelId, uint256 version) external view returns (Version memory info) {
        Model storage model = _requireModel(modelId);
        if (version == 0 || version > model.latestVersion) revert VersionNotFound(modelId, version);
        return _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    function modelIdByName(string calldata name) external view returns (uint256 modelId) {
        return _idByName[KhoStrings.foldedHash(name)];
    }

    /// @inheritdoc IModelRegistry
    function linkedDatasets(uint256 modelId) external view returns (uint256[] memory datasetIds) {
        _requireModel(modelId);
        return _linked[modelId].values();
    }

    /// @inheritdoc IModelRegistry
    function linkedDatasetVersion(uint256 modelId, uint256 datasetId) external view returns (uint64 version) {
        _requireModel(modelId);
        if (!_linked[modelId].contains(datasetId)) revert DatasetNotLinked(modelId, datasetId);
        return _pinned[modelId][datasetId];
    }

    /// @inheritdoc IModelRegistry
    function getDeployment(uint256 deploymentId) external view returns (Deployment memory deployment) {
        return _requireDeployment(deploymentId);
    }

    /// @inheritdoc IModelRegistry
    function modelDeployments(uint256 modelId) external view returns (uint256[] memory deploymentIds) {
        _requireModel(modelId);
        return _modelDeployments[modelId];
    }

    /// @inheritdoc IModelRegistry
    function liveDeploymentCount(uint256 modelId) external view returns (uint256 count) {
        _requireModel(modelId);
        return _liveDeployments[modelId].length();
    }

    /// @inheritdoc IModelRegistry
    function liveDeployments(uint256 modelId) external view returns (uint256[] memory deploymentIds) {
        _requireModel(modelId);
        return _liveDeployments[modelId].values();
    }

    /// @inheritdoc IModelRegistry
    function modelExists(uint256 modelId) external view returns (bool exists) {
        return modelId != 0 && modelId <= _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256 count) {
        return _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function deploymentCount() external view returns (uint256 count) {
        return _deploymentCount;
    }

    function _remove(uint256 deploymentId, Deployment storage deployment) private {
        if (deployment.status == Status.Removed) revert DeploymentIsRemoved(deploymentId);
        deployment.status = Status.Removed;
        _liveDeployments[deployment.modelId].remove(deploymentId);
        emit DeploymentStatusChanged(deploymentId, Status.Removed);
    }

    function _requireHomeSteward(uint256 communityId) private view {
        if (!_COMMUNITIES.isSteward(communityId, msg.sender)) revert NotCommunitySteward(communityId, msg.sender);
    }

    function _requireModel(uint256 modelId) private view returns (Model storage model) {
        if (modelId == 0 || modelId > _modelCount) revert ModelNotFound(modelId);
        return _models[modelId];
    }

    function _requireDeployment(uint256 deploymentId) private view returns (Deployment storage deployment) {
        if (deploymentId == 0 || deploymentId > _deploymentCount) revert DeploymentNotFound(deploymentId);
        return _deployments[deploymentId];
    }
}
