// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "./IKhoErrors.sol";

/**
 * @title IModelRegistry
 * @author Kho
 * @notice Localized models, their versions, the datasets they are built from and their deployments.
 *
 * Model and deployment ids start at 1 and are never reused. Version 1 of a model is its registration; later
 * versions come from {publishVersion} and update the model's current content hash and metadata URI.
 *
 * Deployment lifecycle: a deployment is `Active` when added; the builder or its operator toggles it between
 * `Active` and `Paused`; the builder ({removeDeployment}) or the operator ({withdrawDeployment}) ends it for good
 * (`Removed`). `None` only describes ids that do not exist. "Live" deployments (Active or Paused) are bounded per
 * model. A retired model keeps its deployments' statuses, but none can be added or re-activated.
 */
interface IModelRegistry is IKhoErrors {
    /// @notice Deployment status; `None` marks an unknown id.
    enum Status {
        None,
        Active,
        Paused,
        Removed
    }

    /// @notice A model's current state.
    struct Model {
        address builder;
        address pendingBuilder;
        uint256 communityId;
        string name;
        string locale;
        string metadataURI;
        bytes32 contentHash;
        uint256 latestVersion;
        bool retired;
        uint64 registeredAt;
    }

    /// @notice One published version of a model.
    struct Version {
        bytes32 contentHash;
        string metadataURI;
        uint64 publishedAt;
    }

    /// @notice A deployment (an operator serving a model at an endpoint).
    struct Deployment {
        uint256 modelId;
        address operator;
        string endpoint;
        Status status;
        uint64 addedAt;
    }

    /// @notice No model has id `modelId`.
    error ModelNotFound(uint256 modelId);

    /// @notice No deployment has id `deploymentId`.
    error DeploymentNotFound(uint256 deploymentId);

    /// @notice Model `modelId` has no version `version`.
    error VersionNotFound(uint256 modelId, uint256 version);

    /// @notice `name` is already used by `modelId` (names are unique ignoring ASCII case).
    error NameTaken(string name, uint256 modelId);

    /// @notice `caller` is not the builder of `modelId`.
    error NotModelBuilder(uint256 modelId, address caller);

    /// @notice `caller` is neither the builder of `modelId` nor the admin.
    error NotModelBuilderOrAdmin(uint256 modelId, address caller);

    /// @notice `caller` is not the pending builder of `modelId`.
    error NotPendingBuilder(uint256 modelId, address caller);

    /// @notice `caller` is not the operator of `deploymentId`.
    error NotDeploymentOperator(uint256 deploymentId, address caller);

    /// @notice `caller` is neither the operator of `deploymentId` nor the builder of its model.
    error NotDeploymentManager(uint256 deploymentId, address caller);

    /// @notice Model `modelId` is retired.
    error ModelIsRetired(uint256 modelId);

    /// @notice `datasetId` is already linked to `modelId`.
    error DatasetAlreadyLinked(uint256 modelId, uint256 datasetId);

    /// @notice `datasetId` is not linked to `modelId`.
    error DatasetNotLinked(uint256 modelId, uint256 datasetId);

    /// @notice Model `modelId` already links the `max` datasets allowed.
    error TooManyLinkedDatasets(uint256 modelId, uint256 max);

    /// @notice Model `modelId` already has the `max` live (Active or Paused) deployments allowed.
    error TooManyLiveDeployments(uint256 modelId, uint256 max);

    /// @notice {setDeploymentStatus} only accepts Active or Paused; `status` was given.
    error InvalidStatus(Status status);

    /// @notice `deploymentId` already has `status`.
    error StatusUnchanged(uint256 deploymentId, Status status);

    /// @notice `deploymentId` was removed; removal is final.
    error DeploymentIsRemoved(uint256 deploymentId);

    /// @notice `modelId` is already admitted by its home community.
    error ModelAlreadyAdmitted(uint256 modelId);

    /// @notice `modelId` is not admitted by its home community.
    error ModelNotAdmitted(uint256 modelId);

    /// @notice `builder` registered model `modelId` (version 1) in `communityId`.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed builder,
        uint256 indexed communityId,
        string name,
        string locale,
        string metadataURI,
        bytes32 contentHash
    );

    /// @notice Model `modelId` published `version` (2 and up).
    event VersionPublished(uint256 indexed modelId, uint256 indexed version, bytes32 contentHash, string metadataURI);

    /// @notice `datasetId` was linked to `modelId`.
    event DatasetLinked(uint256 indexed modelId, uint256 indexed datasetId);

    /// @notice `modelId` now uses `version` of its linked dataset `datasetId` (emitted on linking and on pinning).
    event DatasetVersionPinned(uint256 indexed modelId, uint256 indexed datasetId, uint64 version);

    /// @notice `datasetId` was unlinked from `modelId`.
    event DatasetUnlinked(uint256 indexed modelId, uint256 indexed datasetId);

    /// @notice `builder` offered `modelId` to `pendingBuilder` (zero cancels an offer).
    event ModelOwnershipTransferStarted(
        uint256 indexed modelId,
        address indexed builder,
        address indexed pendingBuilder
    );

    /// @notice `modelId` passed from `previousBuilder` to `newBuilder`.
    event ModelOwnershipTransferred(
        uint256 indexed modelId,
        address indexed previousBuilder,
        address indexed newBuilder
    );

    /// @notice `modelId` was retired by `by` (its builder or the admin).
    event ModelRetired(uint256 indexed modelId, address indexed by);

    /// @notice A deployment of `modelId` by `operator` at `endpoint` was added, `Active`.
    event DeploymentAdded(
        uint256 indexed deploymentId,
        uint256 indexed modelId,
        address indexed operator,
        string endpoint
    );

    /// @notice `deploymentId` moved to `status`.
    event DeploymentStatusChanged(uint256 indexed deploymentId, Status status);

    /// @notice The builder set the price of every later call to `modelId` to `pricePerCall` token units.
    event ModelPriceSet(uint256 indexed modelId, uint256 pricePerCall);

    /// @notice `steward` of home community `communityId` admitted `modelId`: its members count as members for it.
    event ModelAdmitted(uint256 indexed modelId, uint256 indexed communityId, address indexed steward);

    /// @notice `steward` of home community `communityId` withdrew the admission of `modelId`.
    event ModelAdmissionWithdrawn(uint256 indexed modelId, uint256 indexed communityId, address indexed steward);

    /**
     * @notice Registers a model; the caller becomes its builder.
     * @param name Name unique regardless of ASCII case (see {KhoStrings}), 1..64 bytes; stored as given.
     * @param locale BCP-47 locale tag, 2..35 bytes.
     * @param communityId The model's home community (must exist).
     * @param metadataURI Model card URI, 1..512 bytes.
     * @param contentHash Non-zero hash of the weights / artifact of version 1.
     * @return modelId The new id.
     */
    function registerModel(
        string calldata name,
        string calldata locale,
        uint256 communityId,
        string calldata metadataURI,
        bytes32 contentHash
    ) external returns (uint256 modelId);

    /**
     * @notice Publishes the next version of `modelId`. Builder only, model not retired.
     * @param modelId The model.
     * @param contentHash Non-zero content hash.
     * @param metadataURI Model card URI, 1..512 bytes.
     * @return version The new version number (2 and up).
     */
    function publishVersion(
        uint256 modelId,
        bytes32 contentHash,
        string calldata metadataURI
    ) external returns (uint256 version);

    /**
     * @notice Links an existing dataset to `modelId`, pinned at the dataset's latest version. Builder only, model
     * not retired, at most 32 links. Emits {DatasetLinked} and {DatasetVersionPinned}.
     * @param modelId The model.
     * @param datasetId The dataset.
     */
    function linkDataset(uint256 modelId, uint256 datasetId) external;

    /**
     * @notice Pins `modelId` to `version` of its linked dataset `datasetId` (a newer one after the dataset grew, or
     * an older one to roll back). Builder only, model not retired. Emits {DatasetVersionPinned}.
     * @param modelId The model.
     * @param datasetId A dataset linked to the model.
     * @param version A published version of the dataset.
     */
    function pinDatasetVersion(uint256 modelId, uint256 datasetId, uint64 version) external;

    /**
     * @notice Unlinks `datasetId` from `modelId`. Builder only.
     * @param modelId The model.
     * @param datasetId The dataset.
     */
    function unlinkDataset(uint256 modelId, uint256 datasetId) external;

    /**
     * @notice Offers `modelId` to `newBuilder`, who must accept. Builder only; the zero address cancels an offer.
     * @param modelId The model.
     * @param newBuilder The proposed builder.
     */
    function transferModelOwnership(uint256 modelId, address newBuilder) external;

    /**
     * @notice Accepts a pending ownership offer of `modelId`. Pending builder only.
     * @param modelId The model.
     */
    function acceptModelOwnership(uint256 modelId) external;

    /**
     * @notice Retires `modelId` for good. Builder, or the admin as an emergency takedown.
     * @param modelId The model.
     */
    function retireModel(uint256 modelId) external;

    /**
     * @notice Adds an `Active` deployment of `modelId`. Builder only, model not retired.
     * @param modelId The model.
     * @param operator Non-zero address running the endpoint (earns for calls it serves).
     * @param endpoint `http://` or `https://` URL, 1..256 bytes.
     * @return deploymentId The new id.
     */
    function addDeployment(
        uint256 modelId,
        address operator,
        string calldata endpoint
    ) external returns (uint256 deploymentId);

    /**
     * @notice Moves `deploymentId` between `Active` and `Paused`. Builder or operator; re-activation needs a model
     * that is not retired.
     * @param deploymentId The deployment.
     * @param status `Active` or `Paused`.
     */
    function setDeploymentStatus(uint256 deploymentId, Status status) external;

    /**
     * @notice Removes `deploymentId` for good. Builder only.
     * @param deploymentId The deployment.
     */
    function removeDeployment(uint256 deploymentId) external;

    /**
     * @notice Removes `deploymentId` for good. Its operator only.
     * @param deploymentId The deployment.
     */
    function withdrawDeployment(uint256 deploymentId) external;

    /**
     * @notice Sets the price of each later call to `modelId` (0 makes calls free). Builder only; the relayer reads it
     * when it serves a call, so a change applies to calls after it.
     * Requirements: the model exists and is not retired; caller is its builder. Emits {ModelPriceSet}.
     * @param modelId The model.
     * @param pricePerCall Token units charged per call.
     */
    function setPrice(uint256 modelId, uint256 pricePerCall) external;

    /**
     * @notice Admits `modelId` into its home community: from now on the community's members count as members for
     * the model's rewards.
     * Requirements: the model exists and is not retired; caller is a steward of its home community; not admitted
     * yet. Emits {ModelAdmitted}.
     * @param modelId The model.
     */
    function admitModel(uint256 modelId) external;

    /**
     * @notice Withdraws the admission of `modelId` by its home community.
     * Requirements: the model exists; caller is a steward of its home community; it is admitted.
     * Emits {ModelAdmissionWithdrawn}.
     * @param modelId The model.
     */
    function withdrawAdmission(uint256 modelId) external;

    /**
     * @notice The price per call of `modelId` in token units (0 when free or never set).
     * @param modelId The model (must exist).
     * @return pricePerCall The price.
     */
    function priceOf(uint256 modelId) external view returns (uint256 pricePerCall);

    /**
     * @notice Whether a steward of the home community of `modelId` admitted it (and did not withdraw).
     * @param modelId The model (must exist).
     * @return admitted True when admitted.
     */
    function isAdmitted(uint256 modelId) external view returns (bool admitted);

    /**
     * @notice The model with id `modelId`.
     * @param modelId The id (must exist).
     * @return model Its current state.
     */
    function getModel(uint256 modelId) external view returns (Model memory model);

    /**
     * @notice Version `version` (1..latestVersion) of `modelId`.
     * @param modelId The model (must exist).
     * @param version The version number.
     * @return info The version.
     */
    function getVersion(uint256 modelId, uint256 version) external view returns (Version memory info);

    /**
     * @notice The id of the model named `name` ignoring ASCII case, or 0 when none is.
     * @param name The name.
     * @return modelId The id or 0.
     */
    function modelIdByName(string calldata name) external view returns (uint256 modelId);

    /**
     * @notice Datasets linked to `modelId`, unordered.
     * @param modelId The model (must exist).
     * @return datasetIds At most 32 ids.
     */
    function linkedDatasets(uint256 modelId) external view returns (uint256[] memory datasetIds);

    /**
     * @notice The version of `datasetId` that `modelId` is pinned to.
     * @param modelId The model (must exist).
     * @param datasetId A dataset linked to the model.
     * @return version The pinned version.
     */
    function linkedDatasetVersion(uint256 modelId, uint256 datasetId) external view returns (uint64 version);

    /**
     * @notice The deployment with id `deploymentId`.
     * @param deploymentId The id (must exist).
     * @return deployment Its data.
     */
    function getDeployment(uint256 deploymentId) external view returns (Deployment memory deployment);

    /**
     * @notice Every deployment id ever added to `modelId`, oldest first (statuses tell which are live). Unbounded:
     * a builder can grow this list without limit by adding and removing deployments, so services that only need
     * the deployments that can serve should call {liveDeployments}.
     * @param modelId The model (must exist).
     * @return deploymentIds The ids.
     */
    function modelDeployments(uint256 modelId) external view returns (uint256[] memory deploymentIds);

    /**
     * @notice The live (Active or Paused) deployment ids of `modelId`, unordered.
     * @param modelId The model (must exist).
     * @return deploymentIds At most `MAX_LIVE_DEPLOYMENTS` (64) ids.
     */
    function liveDeployments(uint256 modelId) external view returns (uint256[] memory deploymentIds);

    /**
     * @notice Number of live (Active or Paused) deployments of `modelId`.
     * @param modelId The model (must exist).
     * @return count The count.
     */
    function liveDeploymentCount(uint256 modelId) external view returns (uint256 count);

    /**
     * @notice Whether `modelId` exists (never reverts).
     * @param modelId The id.
     * @return exists True when registered.
     */
    function modelExists(uint256 modelId) external view returns (bool exists);

    /**
     * @notice Number of models ever registered (the highest id).
     * @return count The count.
     */
    function modelCount() external view returns (uint256 count);

    /**
     * @notice Number of deployments ever added (the highest id).
     * @return count The count.
     */
    function deploymentCount() external view returns (uint256 count);
}
